//! gradbook inside mdBook: a preprocessor speaking mdBook's protocol (through the official
//! `mdbook-preprocessor` crate). mdBook hands over its book as JSON; every ```experiment
//! block is run (through gradbook's caches, so a rebuild reruns nothing that did not change),
//! its claims are checked, and the block is replaced by its numbered figures and caption as
//! raw HTML; `{{#ref …}}` figure references become links. A failing claim or a bad block is
//! an error naming the chapter file and line, and `mdbook build` stops.
//!
//! mdBook empties its HTML output folder after preprocessors have run, so nothing can be
//! written beside the pages: the CSV and SVG downloads are `data:` links inside the page.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use mdbook_preprocessor::book::{Book as MdBook, BookItem};

use super::{BuildOptions, BuildReport, experiment_stages};
use crate::book::{self, Book, Chapter, Summary, SummaryItem};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::experiment::run::Progress;
use crate::markdown::{self, escape_html};
use crate::render::{self, OutputFile};

/// What the preprocessor did, for its one line on stderr.
#[derive(Debug, Clone, Default)]
pub struct PreprocessReport {
    pub experiments: usize,
    pub runs: usize,
    pub runs_trained: usize,
    pub claims: usize,
    pub figures: usize,
}

/// Whether the preprocessor handles mdBook's renderer `name`: its figures are HTML.
pub fn supports_renderer(name: &str) -> bool {
    name == "html"
}

/// Read mdBook's `[context, book]` from `input`, write the book with its experiments replaced
/// by figures to `output`. `jobs` as for `build`.
pub fn preprocess(
    input: impl Read,
    output: impl Write,
    jobs: Option<usize>,
    progress: &dyn Progress,
) -> Result<PreprocessReport, Diagnostics> {
    let protocol = |message: String| {
        Diagnostics(vec![Diagnostic::error(Path::new("<stdin>"), 0, message).with_hint(
            "gradbook mdbook-preprocessor is run by `mdbook build`: add `[preprocessor.gradbook]` with `command = \"gradbook mdbook-preprocessor\"` to book.toml",
        )])
    };
    let (context, mut md_book) = mdbook_preprocessor::parse_input(input)
        .map_err(|e| protocol(format!("cannot read mdBook's input: {e:#}")))?;
    let root = context.root.clone();
    let (config, mut layout) = book::read_config(&root, &mut Vec::new())?;
    layout.source_dir = root.join(&context.config.book.src);
    let chapters = chapters_of(&md_book);
    let summary = Summary {
        items: chapters
            .iter()
            .map(|c| SummaryItem {
                title: c.title.clone(),
                path: c.path.clone(),
                number: c.number.clone(),
                level: c.level,
                line: 0,
            })
            .collect(),
        ..Summary::default()
    };
    let book = Book {
        root: root.clone(),
        layout,
        config,
        summary,
        chapters,
    };

    let options = BuildOptions {
        jobs,
        ..BuildOptions::new(root)
    };
    let mut report = BuildReport::default();
    let mut files = Vec::new();
    let mut lap = |_: &mut BuildReport, _: &'static str| {};
    let (html, index) =
        experiment_stages(&book, &options, progress, &mut report, &mut lap, &mut files)?;

    let mut errors = Vec::new();
    let mut contents = Vec::with_capacity(book.chapters.len());
    for (i, chapter) in book.chapters.iter().enumerate() {
        let embedded: Vec<String> = html[i]
            .iter()
            .map(|block| embeddable(block, chapter, &files))
            .collect();
        let file = book.content_dir().join(&chapter.path);
        let resolve = |target: &str| index.resolve(&book, i, target);
        let mut text = with_figures(&chapter.source, &embedded);
        if !embedded.is_empty() {
            text.push_str(FIGURE_STYLE_AND_SCRIPT);
        }
        contents.push(markdown::replace_refs(&text, &file, &resolve, &mut errors));
    }
    if !errors.is_empty() {
        return Err(Diagnostics(errors));
    }
    let mut contents = contents.into_iter();
    md_book.for_each_chapter_mut(|chapter| {
        if chapter.path.is_some() {
            chapter.content = contents.next().expect("one text per chapter with a file");
        }
    });
    serde_json::to_writer(output, &md_book)
        .map_err(|e| protocol(format!("cannot write the book back to mdBook: {e}")))?;
    Ok(PreprocessReport {
        experiments: report.experiments,
        runs: report.runs,
        runs_trained: report.runs_trained,
        claims: report.claims,
        figures: report.figures,
    })
}

/// What gradbook's own stylesheet and script do for figures, for mdBook's pages: the plots
/// fill the column, and an explorable figure shows one variant at a time, picked by its radio
/// buttons (without scripts every variant stays shown, stacked). Colours come from mdBook's
/// theme variables. Once per chapter with figures, at its end.
const FIGURE_STYLE_AND_SCRIPT: &str = "\n\n<style>\n\
.experiment-figure { margin: 1.5rem 0; }\n\
.experiment-figure .plot svg { width: 100%; height: auto; display: block; }\n\
.experiment-figure figcaption, .figure-links, .experiment-spec summary { font-size: .9em; opacity: .85; }\n\
.experiment-figure .figure-number { font-weight: 600; margin-right: .4em; }\n\
.variant-picker { display: none; }\n\
.explorable.picking .variant-picker { display: flex; flex-wrap: wrap; gap: .3rem 1rem; border: 1px solid var(--quote-border, #ccc); border-radius: 6px; padding: .3rem .7rem; }\n\
.variant-heading { font-weight: 600; margin: 1rem 0 .2rem; }\n\
.explorable.picking .variant { display: none; }\n\
.explorable.picking .variant.shown { display: block; }\n\
</style>\n\
<script>\n\
document.querySelectorAll(\".explorable\").forEach(function (figure) {\n\
  figure.classList.add(\"picking\");\n\
  var picker = figure.querySelector(\".variant-picker\");\n\
  if (picker) picker.addEventListener(\"change\", function (e) {\n\
    figure.querySelectorAll(\".variant\").forEach(function (v) { v.classList.toggle(\"shown\", v.getAttribute(\"data-variant\") === e.target.value); });\n\
  });\n\
});\n\
</script>\n";

/// mdBook's chapters that have a file, in reading order, as gradbook's. The path is the file
/// on disk (relative to `src`), so errors name it; the page is where mdBook writes it.
fn chapters_of(md_book: &MdBook) -> Vec<Chapter> {
    md_book
        .iter()
        .filter_map(|item| match item {
            BookItem::Chapter(c) => Some(c),
            _ => None,
        })
        .filter_map(|c| {
            let page_source = c.path.clone()?;
            let path: PathBuf = c.source_path.clone().unwrap_or_else(|| page_source.clone());
            let number = c.number.as_ref().map(|n| n.to_vec());
            Some(Chapter {
                title: c.name.clone(),
                page: page_source.with_extension("html"),
                page_title: None,
                level: c.parent_names.len(),
                number,
                path,
                source: c.content.clone(),
                includes: None,
            })
        })
        .collect()
}

/// The chapter's text with its experiment blocks replaced by `figures`, each set apart by
/// blank lines so Markdown takes it as one HTML block.
fn with_figures(source: &str, figures: &[String]) -> String {
    let blocks = markdown::find_experiment_blocks(source);
    let mut text =
        String::with_capacity(source.len() + figures.iter().map(String::len).sum::<usize>());
    let mut at = 0;
    for (block, figure) in blocks.iter().zip(figures) {
        text.push_str(&source[at..block.range.start]);
        text.push_str("\n\n");
        text.push_str(figure);
        text.push_str("\n\n");
        at = block.range.end;
    }
    text.push_str(&source[at..]);
    text
}

/// A block's HTML made fit for the middle of a Markdown chapter: links to its CSV and SVG
/// files become `data:` links, and no line is blank (a blank line would end the HTML block
/// and let Markdown read the rest): newlines inside `<pre>` become `&#10;`.
fn embeddable(html: &str, chapter: &Chapter, files: &[OutputFile]) -> String {
    let page_root = render::relative_root(&chapter.html_path());
    let mut html = html.to_string();
    let dir = render::figure_dir(&chapter.path);
    for file in files.iter().filter(|f| f.path.starts_with(&dir)) {
        let mime = match file.path.extension().and_then(|e| e.to_str()) {
            Some("csv") => "text/csv",
            Some("svg") => "image/svg+xml",
            _ => continue,
        };
        let href = escape_html(&format!("{page_root}{}", render::url_path(&file.path)));
        let attribute = format!("href=\"{href}\"");
        if !html.contains(&attribute) {
            continue;
        }
        let name = file
            .path
            .file_name()
            .map(|n| escape_html(&n.to_string_lossy()))
            .unwrap_or_default();
        let data = base64::engine::general_purpose::STANDARD.encode(&file.bytes);
        let link = format!("href=\"data:{mime};base64,{data}\" download=\"{name}\"");
        // The CSV link says `download` already; the SVG link does not.
        html = html
            .replace(&format!("{attribute} download"), &link)
            .replace(&attribute, &link);
    }
    let mut out = String::with_capacity(html.len());
    let mut in_pre = false;
    for line in html.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        if in_pre {
            out.push_str(body);
            out.push_str(if body.contains("</pre>") {
                "\n"
            } else {
                "&#10;"
            });
            in_pre = !body.contains("</pre>");
            continue;
        }
        if body.trim().is_empty() {
            continue;
        }
        out.push_str(body);
        if body.contains("<pre") && !body.contains("</pre>") {
            in_pre = true;
            out.push_str("&#10;");
        } else {
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}
