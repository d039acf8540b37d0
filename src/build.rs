//! The build pipeline, stage by stage: load the book, parse every experiment block, run the
//! experiments, draw the figures, render the chapters and pages, then write the site through a
//! staging directory. Each stage is timed; every error of a stage is collected before stopping.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::book::{self, Book};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::experiment::{self, Experiment, Results};
use crate::markdown::{self, RenderedChapter};
use crate::plot;
use crate::render::{self, OutputFile, Templates, figure};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The book directory (holding `content/`).
    pub root: PathBuf,
    /// Where the site goes; `<root>/book` by default.
    pub dest: Option<PathBuf>,
    /// Run everything and check it, but write nothing.
    pub dry_run: bool,
}

/// What a successful build did.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    pub warnings: Vec<Diagnostic>,
    pub chapters: usize,
    pub experiments: usize,
    pub runs: usize,
    pub figures: usize,
    pub files: usize,
    pub dest: PathBuf,
    /// (stage name, time spent), in order.
    pub timings: Vec<(&'static str, Duration)>,
}

/// An experiment block of a chapter, parsed, with where it came from.
struct Block {
    chapter: usize,
    experiment: Experiment,
    toml: String,
}

/// Build the book. On failure returns every error found (and the warnings so far), writing nothing.
pub fn build(options: &BuildOptions) -> Result<BuildReport, Diagnostics> {
    let mut report = BuildReport {
        dest: options
            .dest
            .clone()
            .unwrap_or_else(|| options.root.join("book")),
        ..Default::default()
    };
    let mut clock = Instant::now();
    let mut lap = |report: &mut BuildReport, stage: &'static str| {
        report.timings.push((stage, clock.elapsed()));
        clock = Instant::now();
    };
    let fail = |report: &BuildReport, errors: Diagnostics| {
        let mut all = report.warnings.clone();
        all.extend(errors.0);
        Diagnostics(all)
    };

    let book = book::load(&options.root, &mut report.warnings).map_err(|e| fail(&report, e))?;
    let templates = Templates::load(&options.root).map_err(|e| fail(&report, e))?;
    report.chapters = book.chapters.len();
    lap(&mut report, "load");

    let blocks = parse_blocks(&book).map_err(|e| fail(&report, e))?;
    report.experiments = blocks.len();
    report.runs = blocks.iter().map(|b| b.experiment.runs.len()).sum();
    lap(&mut report, "parse");

    let results: Vec<Results> = blocks
        .iter()
        .map(|b| experiment::run::run_experiment(&b.experiment))
        .collect();
    lap(&mut report, "run");

    let mut files = Vec::new();
    let figure_html = draw_figures(&book, &blocks, &results, &mut files);
    report.figures = files
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "svg"))
        .count();
    lap(&mut report, "plot");

    let bodies: Vec<RenderedChapter> = book
        .chapters
        .iter()
        .enumerate()
        .map(|(i, chapter)| {
            let file = book.content_dir().join(&chapter.path);
            markdown::render(
                &chapter.source,
                &file,
                &figure_html[i],
                &mut report.warnings,
            )
        })
        .collect();
    files.extend(render::render_pages(&book, &bodies, &templates).map_err(|e| fail(&report, e))?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    report.files = files.len();
    lap(&mut report, "render");

    if !options.dry_run {
        render::write_site(&report.dest, &files).map_err(|e| {
            fail(
                &report,
                Diagnostics(vec![Diagnostic::error(
                    &report.dest,
                    0,
                    format!("cannot write the site: {e}"),
                )]),
            )
        })?;
    }
    lap(&mut report, "write");
    Ok(report)
}

/// Every experiment block of every chapter, parsed and validated; all errors, located.
fn parse_blocks(book: &Book) -> Result<Vec<Block>, Diagnostics> {
    let mut blocks = Vec::new();
    let mut errors = Vec::new();
    for (index, chapter) in book.chapters.iter().enumerate() {
        let file = book.content_dir().join(&chapter.path);
        let mut ids: Vec<(String, usize)> = Vec::new();
        for block in markdown::find_experiment_blocks(&chapter.source) {
            match experiment::parse_block(&block.toml) {
                Ok(parsed) => {
                    if let Some((_, first)) = ids.iter().find(|(id, _)| *id == parsed.id) {
                        errors.push(
                            Diagnostic::error(&file, block.first_line, format!("duplicate experiment id `{}`", parsed.id))
                                .with_snippet_from(&chapter.source)
                                .with_hint(format!("ids must be unique within a chapter; `{}` is first used at line {first}", parsed.id)),
                        );
                    }
                    ids.push((parsed.id.clone(), block.first_line));
                    blocks.push(Block {
                        chapter: index,
                        experiment: parsed,
                        toml: block.toml,
                    });
                }
                Err(problems) => errors.extend(problems.into_iter().map(|p| {
                    let line = block.first_line + p.line.max(1) - 1;
                    let message = match &p.key {
                        Some(key) => format!("experiment block, key `{key}`: {}", p.message),
                        None => format!("experiment block: {}", p.message),
                    };
                    let d = Diagnostic::error(&file, line, message)
                        .with_column(p.column)
                        .with_snippet_from(&chapter.source);
                    match p.hint {
                        Some(hint) => d.with_hint(hint),
                        None => d,
                    }
                })),
            }
        }
    }
    if errors.is_empty() {
        Ok(blocks)
    } else {
        Err(Diagnostics(errors))
    }
}

/// Draw every block's figures into `files` (SVG + CSV) and return, per chapter, the HTML that
/// replaces each of its blocks, in order. Figures are numbered per chapter: 图 <chapter>.<k>.
fn draw_figures(
    book: &Book,
    blocks: &[Block],
    results: &[Results],
    files: &mut Vec<OutputFile>,
) -> Vec<Vec<String>> {
    let mut html: Vec<Vec<String>> = vec![Vec::new(); book.chapters.len()];
    let mut counters = vec![0usize; book.chapters.len()];
    for (block, results) in blocks.iter().zip(results) {
        let chapter = &book.chapters[block.chapter];
        let dir = render::figure_dir(&chapter.path);
        let page_root = render::relative_root(&chapter.html_path());
        let id = &block.experiment.id;
        let csv_path = dir.join(format!("{id}.csv"));
        files.push(OutputFile::new(&csv_path, results.to_csv()));

        let mut svgs = Vec::new();
        for &kind in &block.experiment.plots {
            counters[block.chapter] += 1;
            let title = figure::kind_title(&block.experiment.title, kind);
            let svg = plot::render(kind, results, &title);
            let svg_path = dir.join(format!("{id}-{}.svg", kind.name()));
            files.push(OutputFile::new(&svg_path, svg.clone()));
            let number = match chapter.number_label().as_str() {
                "" => counters[block.chapter].to_string(),
                n => format!("{n}.{}", counters[block.chapter]),
            };
            svgs.push((kind, title, svg, svg_path, number));
        }
        let views: Vec<figure::FigureView> = svgs
            .iter()
            .map(|(kind, title, svg, path, number)| figure::FigureView {
                number: number.clone(),
                kind: *kind,
                caption_title: title,
                svg,
                svg_href: format!("{page_root}{}", render::url_path(path)),
            })
            .collect();
        let csv_href = format!("{page_root}{}", render::url_path(&csv_path));
        html[block.chapter].push(figure::block_html(
            id,
            block.experiment.caption.as_deref(),
            &views,
            &csv_href,
            &block.toml,
        ));
    }
    html
}

/// Convenience for the CLI and tests: build the book at `root` into its `book/`.
pub fn build_book(root: &Path) -> Result<BuildReport, Diagnostics> {
    build(&BuildOptions {
        root: root.to_path_buf(),
        dest: None,
        dry_run: false,
    })
}
