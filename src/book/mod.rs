//! The book model: a directory whose `content/` holds `book.toml`, `SUMMARY.md` and the
//! chapters. Loading reads them all (a leading UTF-8 BOM is dropped, as mdBook does) and
//! reports, with file and line, a summary without chapters, a link to a missing file or to a
//! page the site makes itself (errors), or a chapter file that no summary entry lists (warning).

mod config;
mod paths;
mod summary;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::locale::Words;

pub use config::{BookConfig, language_of};
pub use paths::{PathProblem, chapter_path};
pub use summary::{PartTitle, Summary, SummaryError, SummaryItem, parse_summary};

/// A chapter as loaded from disk, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    pub title: String,
    /// Relative to `content/`, e.g. `what-vanishes.md`.
    pub path: PathBuf,
    /// "1.2" style section number; `None` for unnumbered chapters.
    pub number: Option<Vec<u32>>,
    pub level: usize,
    pub source: String,
}

impl Chapter {
    /// The section number as shown, e.g. "1.2", or "" when unnumbered.
    pub fn number_label(&self) -> String {
        self.number
            .as_ref()
            .map(|n| n.iter().map(u32::to_string).collect::<Vec<_>>().join("."))
            .unwrap_or_default()
    }

    /// The page this chapter becomes, relative to the output root: `a/b.md` → `a/b.html`.
    pub fn html_path(&self) -> PathBuf {
        self.path.with_extension("html")
    }
}

#[derive(Debug, Clone)]
pub struct Book {
    pub root: PathBuf,
    pub config: BookConfig,
    pub summary: Summary,
    pub chapters: Vec<Chapter>,
}

impl Book {
    pub fn content_dir(&self) -> PathBuf {
        self.root.join("content")
    }

    /// The words of the book's language, for everything gradbook writes around its prose.
    pub fn words(&self) -> &'static Words {
        self.config.language.words()
    }
}

/// Load the book at `root`. Warnings (unlisted chapters) are appended to `warnings`.
pub fn load(root: &Path, warnings: &mut Vec<Diagnostic>) -> Result<Book, Diagnostics> {
    let content = root.join("content");
    let config_path = content.join("book.toml");
    let config_text = read(&config_path)?;
    let config: BookConfig = toml::from_str(&config_text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let line = crate::diagnostic::line_of_offset(&config_text, offset);
        Diagnostics(vec![
            Diagnostic::error(&config_path, line, e.message().trim())
                .with_column(crate::diagnostic::column_of_offset(&config_text, offset))
                .with_snippet_from(&config_text)
                .with_hint(
                    "book.toml takes title, authors, language, description, base_path, site_url and an [experiments] table with max_cost",
                ),
        ])
    })?;

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
    for (index, item) in summary.items.iter().enumerate() {
        let file = content.join(&item.path);
        if let Some(page) = site_page_taken_by(&item.path, index) {
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
            Ok(source) => chapters.push(Chapter {
                title: item.title.clone(),
                path: item.path.clone(),
                number: item.number.clone(),
                level: item.level,
                source: without_bom(source),
            }),
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
                .with_hint("create the file, or fix the link (paths are relative to content/)"),
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
        {
            warnings.push(
                Diagnostic::warning(
                    path,
                    0,
                    "this chapter is not listed in SUMMARY.md and will not be built",
                )
                .with_hint(format!(
                    "add `- [Title]({})` to content/SUMMARY.md",
                    relative.display()
                )),
            );
        }
    }

    Ok(Book {
        root: root.to_path_buf(),
        config,
        summary,
        chapters,
    })
}

/// The page, besides its own, that a chapter at `path` (the `index`-th in reading order)
/// would overwrite: the print and 404 pages always, `index.html` unless it is the first
/// chapter (which becomes index.html anyway).
fn site_page_taken_by(path: &Path, index: usize) -> Option<&'static str> {
    match path.to_str()? {
        "print.md" => Some("print.html"),
        "404.md" => Some("404.html"),
        "index.md" if index > 0 => Some("index.html"),
        _ => None,
    }
}

/// Editors on Windows may save UTF-8 with a byte-order mark; it is not part of the text.
fn without_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

fn read(path: &Path) -> Result<String, Diagnostics> {
    std::fs::read_to_string(path).map(without_bom).map_err(|e| {
        Diagnostics(vec![Diagnostic::error(path, 0, format!("cannot read {}: {e}", path.display()))
            .with_hint("a book is a directory with content/book.toml and content/SUMMARY.md; run gradbook in it")])
    })
}
