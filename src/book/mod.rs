//! The book model: a directory whose `content/` holds `book.toml`, `SUMMARY.md` and the
//! chapters. Loading reads them all and reports, with file and line, a summary link to a
//! missing file (error) or a chapter file that no summary entry lists (warning).

mod config;
mod summary;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostic::{Diagnostic, Diagnostics};

pub use config::BookConfig;
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
                    "book.toml takes title, authors, language, description, base_path and site_url",
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

    let mut errors = Vec::new();
    let mut chapters = Vec::new();
    let mut listed = BTreeSet::new();
    for item in &summary.items {
        let file = content.join(&item.path);
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
                source,
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

fn read(path: &Path) -> Result<String, Diagnostics> {
    std::fs::read_to_string(path).map_err(|e| {
        Diagnostics(vec![Diagnostic::error(path, 0, format!("cannot read {}: {e}", path.display()))
            .with_hint("a book is a directory with content/book.toml and content/SUMMARY.md; run gradbook in it")])
    })
}
