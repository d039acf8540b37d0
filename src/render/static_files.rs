//! The book's own files that are not chapters: every file in the chapters' folder that is not
//! Markdown (images, data, downloads), copied to the same place in the site as mdBook copies
//! them, and mdBook's `additional-css` / `additional-js` (relative to the book root). A file
//! that would take the place of one the site makes is an error, as is one that cannot be read.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::book::Book;
use crate::diagnostic::{Diagnostic, Diagnostics};

use super::OutputFile;

/// The book's static files, given the paths the site makes itself (`taken`).
pub fn static_files(
    book: &Book,
    taken: &BTreeSet<PathBuf>,
) -> Result<Vec<OutputFile>, Diagnostics> {
    let mut wanted: Vec<(PathBuf, PathBuf)> = Vec::new();
    let source_dir = book.content_dir();
    for entry in WalkDir::new(&source_dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.path()))
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let Ok(relative) = path.strip_prefix(&source_dir) else {
            continue;
        };
        let is_markdown = path.extension().is_some_and(|e| e == "md");
        let is_our_config = !book.layout.mdbook && relative == Path::new("book.toml");
        if entry.file_type().is_file() && !is_markdown && !is_our_config {
            wanted.push((path.to_path_buf(), relative.to_path_buf()));
        }
    }
    let html = &book.config.html;
    for relative in html.additional_css.iter().chain(&html.additional_js) {
        let inside = relative
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        let Some(relative) = inside.then(|| relative.clone()) else {
            return Err(Diagnostics(vec![Diagnostic::error(
                &book.layout.config_file,
                0,
                format!(
                    "`{}` in additional-css or additional-js must be a relative path inside the book",
                    relative.display()
                ),
            )]));
        };
        let file = book.root.join(&relative);
        if !wanted.iter().any(|(_, r)| *r == relative) {
            wanted.push((file, relative));
        }
    }

    let mut errors = Vec::new();
    let mut files = Vec::new();
    for (file, relative) in wanted {
        if taken.contains(&relative) {
            errors.push(
                Diagnostic::error(&file, 0, format!(
                    "`{}` would take the place of the site's own `{}`",
                    relative.display(),
                    relative.display()
                ))
                .with_hint("rename the file; to change gradbook's stylesheet or script, put your version in templates/"),
            );
            continue;
        }
        match std::fs::read(&file) {
            Ok(bytes) => files.push(OutputFile::new(relative, bytes)),
            Err(e) => errors.push(
                Diagnostic::error(&file, 0, format!("cannot read {}: {e}", file.display()))
                    .with_hint("book.toml's additional-css and additional-js are relative to the book root"),
            ),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(Diagnostics(errors))
    }
}

/// Dotfiles and dot-folders (`.git`, editors' swap files) are not part of the site.
fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}
