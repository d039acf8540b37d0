//! The book model: a directory whose `content/` holds `book.toml`, `SUMMARY.md` and the
//! chapters, or an mdBook (`book.toml` at the root, chapters in `src/`). Loading reads them
//! all (a leading UTF-8 BOM is dropped, as mdBook does), expands mdBook's `{{#include}}`
//! directives, and reports, with file and line, a summary without chapters, a link to a
//! missing file or to a page the site makes itself (errors), or a chapter file that no summary
//! entry lists (warning).

mod config;
mod include;
mod layout;
mod mdbook_toml;
mod paths;
mod summary;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::locale::Words;

pub use config::{BookConfig, HtmlOptions, Theme};
pub use layout::{Layout, default_dest, language_of, read_config, watched};
pub use paths::{PathProblem, chapter_path};
pub use summary::{DraftChapter, PartTitle, Summary, SummaryError, SummaryItem, parse_summary};

/// A chapter as loaded from disk, in reading order.
#[derive(Debug, Clone)]
pub struct Chapter {
    pub title: String,
    /// Relative to the chapters' folder (`content/`), e.g. `what-vanishes.md`.
    pub path: PathBuf,
    /// The page it becomes, relative to the site root: `a/b.md` → `a/b.html`, `a/README.md`
    /// → `a/index.html` (as mdBook writes it).
    pub page: PathBuf,
    /// The page's `<title>` when the chapter sets one with `{{#title …}}`.
    pub page_title: Option<String>,
    /// "1.2" style section number; `None` for unnumbered chapters.
    pub number: Option<Vec<u32>>,
    pub level: usize,
    /// The chapter's text, `{{#include}}`s expanded.
    pub source: String,
    /// Where the lines of `source` came from, when it includes other files.
    pub includes: Option<Arc<include::Expanded>>,
}

impl Chapter {
    /// The section number as shown, e.g. "1.2", or "" when unnumbered.
    pub fn number_label(&self) -> String {
        self.number
            .as_ref()
            .map(|n| n.iter().map(u32::to_string).collect::<Vec<_>>().join("."))
            .unwrap_or_default()
    }

    /// The page this chapter becomes, relative to the output root.
    pub fn html_path(&self) -> PathBuf {
        self.page.clone()
    }

    /// The page a chapter at `path` becomes: `a/b.md` → `a/b.html`, and `README.md` →
    /// `index.html` in its folder, as mdBook writes it.
    pub fn page_of(path: &Path) -> PathBuf {
        if path.file_name().is_some_and(|n| n == "README.md") {
            path.with_file_name("index.html")
        } else {
            path.with_extension("html")
        }
    }
}

#[derive(Debug, Clone)]
pub struct Book {
    pub root: PathBuf,
    pub layout: Layout,
    pub config: BookConfig,
    pub summary: Summary,
    pub chapters: Vec<Chapter>,
}

impl Book {
    /// Diagnostics about chapters' expanded text, pointed at the file and line the text came
    /// from (an included file's, when it did).
    pub fn relocate(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let content = self.content_dir();
        diagnostics
            .into_iter()
            .map(|mut d| {
                let chapter = self
                    .chapters
                    .iter()
                    .find(|c| c.includes.is_some() && d.file == content.join(&c.path));
                if let Some(expanded) = chapter.and_then(|c| c.includes.as_ref()) {
                    let (file, line) = expanded.locate(d.line);
                    (d.file, d.line) = (file.to_path_buf(), line);
                }
                d
            })
            .collect()
    }

    /// The folder holding SUMMARY.md and the chapters: `content/`, or mdBook's `src/`.
    pub fn content_dir(&self) -> PathBuf {
        self.layout.source_dir.clone()
    }

    /// The words of the book's language, for everything gradbook writes around its prose.
    pub fn words(&self) -> &'static Words {
        self.config.language.words()
    }
}

/// Load the book at `root`. Warnings (unlisted chapters, mdBook keys without a meaning here)
/// are appended to `warnings`.
pub fn load(root: &Path, warnings: &mut Vec<Diagnostic>) -> Result<Book, Diagnostics> {
    let (config, layout) = read_config(root, warnings)?;
    let content = layout.source_dir.clone();

    let summary_path = content.join("SUMMARY.md");
    let summary_text = read(&summary_path)?;
    let summary = parse_summary(&summary_text).map_err(|errors| {
        Diagnostics(
            errors
                .into_iter()
                .map(|e| {
                    let d =
                        Diagnostic::error(&summary_path, e.line, e.message).with_column(e.column);
                    let d = d.with_snippet_from(&summary_text);
                    match e.hint {
                        Some(hint) => d.with_hint(hint),
                        None => d,
                    }
                })
                .collect(),
        )
    })?;

    if summary.items.is_empty() {
        return Err(Diagnostics(vec![
            Diagnostic::error(&summary_path, 0, "SUMMARY.md lists no chapters")
                .with_hint("list at least one chapter, e.g. `- [Introduction](introduction.md)`; building would replace the site with an empty book"),
        ]));
    }

    let mut errors = Vec::new();
    let mut chapters = Vec::new();
    let mut listed = BTreeSet::new();
    // Files that chapters include: not chapters of their own, so not "unlisted".
    let mut included: BTreeSet<PathBuf> = BTreeSet::new();
    for (index, item) in summary.items.iter().enumerate() {
        let file = content.join(&item.path);
        let page = Chapter::page_of(&item.path);
        if let Some(page) = site_page_taken_by(&page, index) {
            errors.push(
                Diagnostic::error(
                    &summary_path,
                    item.line,
                    format!(
                        "`{}` would become `{page}`, which the site already has",
                        item.path.display()
                    ),
                )
                .with_snippet_from(&summary_text)
                .with_hint(
                    "rename the chapter file (the first chapter is also the site's index.html)",
                ),
            );
            continue;
        }
        if !listed.insert(item.path.clone()) {
            errors.push(
                Diagnostic::error(
                    &summary_path,
                    item.line,
                    format!("`{}` is listed twice", item.path.display()),
                )
                .with_snippet_from(&summary_text),
            );
            continue;
        }
        match std::fs::read_to_string(&file) {
            Ok(source) => {
                let source = without_bom(source);
                let read = |path: &Path| std::fs::read_to_string(path).map(without_bom);
                match include::expand(&source, &file, &read) {
                    Ok(expanded) => {
                        let unchanged = expanded.text == source && expanded.title.is_none();
                        for path in expanded.included_files() {
                            included.insert(lexically_normal(path));
                        }
                        chapters.push(Chapter {
                            title: item.title.clone(),
                            path: item.path.clone(),
                            page,
                            page_title: expanded.title.clone(),
                            number: item.number.clone(),
                            level: item.level,
                            source: expanded.text.clone(),
                            includes: (!unchanged).then(|| Arc::new(expanded)),
                        });
                    }
                    Err(problems) => errors.extend(problems.into_iter().map(Diagnostic::from)),
                }
            }
            Err(e) => errors.push(
                Diagnostic::error(
                    &summary_path,
                    item.line,
                    format!(
                        "chapter `{}` links to `{}`, which cannot be read: {e}",
                        item.title,
                        file.display()
                    ),
                )
                .with_snippet_from(&summary_text)
                .with_hint(format!(
                    "create the file, or fix the link (paths are relative to {}/)",
                    layout_dir_name(&layout, root)
                )),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(Diagnostics(errors));
    }

    for entry in WalkDir::new(&content)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let Ok(relative) = path.strip_prefix(&content) else {
            continue;
        };
        let is_markdown = path.extension().is_some_and(|e| e == "md");
        if entry.file_type().is_file()
            && is_markdown
            && relative != Path::new("SUMMARY.md")
            && !listed.contains(relative)
            && !included.contains(path)
        {
            if layout.mdbook && relative == Path::new("404.md") {
                warnings.push(Diagnostic::warning(
                    path,
                    0,
                    "mdBook's 404.md is not used: gradbook writes its own 404 page",
                ));
                continue;
            }
            warnings.push(
                Diagnostic::warning(
                    path,
                    0,
                    "this chapter is not listed in SUMMARY.md and will not be built",
                )
                .with_hint(format!(
                    "add `- [Title]({})` to {}/SUMMARY.md",
                    relative.display(),
                    layout_dir_name(&layout, root)
                )),
            );
        }
    }

    Ok(Book {
        root: root.to_path_buf(),
        layout,
        config,
        summary,
        chapters,
    })
}

/// The page, besides its own, that a chapter becoming `page` (the `index`-th in reading
/// order) would overwrite: the print and 404 pages always, `index.html` unless it is the first
/// chapter (which becomes index.html anyway), and the table of contents.
fn site_page_taken_by(page: &Path, index: usize) -> Option<&'static str> {
    match page.to_str()? {
        "print.html" => Some("print.html"),
        "404.html" => Some("404.html"),
        "toc.html" => Some("toc.html"),
        "index.html" if index > 0 => Some("index.html"),
        _ => None,
    }
}

/// `a/b/../c` → `a/c`, without touching the disk (the included file may be a symlink's
/// target elsewhere; this is only to recognise it in the walk of the chapters' folder).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                normal.pop();
            }
            std::path::Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

/// Editors on Windows may save UTF-8 with a byte-order mark; it is not part of the text.
pub(crate) fn without_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// The chapters' folder as the author knows it: `content`, `src`.
fn layout_dir_name(layout: &Layout, root: &Path) -> String {
    layout
        .source_dir
        .strip_prefix(root)
        .unwrap_or(&layout.source_dir)
        .display()
        .to_string()
}

fn read(path: &Path) -> Result<String, Diagnostics> {
    std::fs::read_to_string(path).map(without_bom).map_err(|e| {
        Diagnostics(vec![Diagnostic::error(path, 0, format!("cannot read {}: {e}", path.display()))
            .with_hint("a book is a directory with content/book.toml and content/SUMMARY.md; run gradbook in it")])
    })
}
