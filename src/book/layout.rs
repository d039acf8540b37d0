//! Where a book's files are. gradbook's layout keeps `book.toml`, `SUMMARY.md` and the
//! chapters in `content/`; mdBook's keeps `book.toml` at the root and the chapters in `src/`
//! (or `[book] src`). Either `book.toml` may be in either form (flat, or mdBook's tables);
//! this module finds the file, reads it into a [`BookConfig`] and says where the chapters and
//! the site are.

use std::path::{Path, PathBuf};

use super::config::BookConfig;
use super::mdbook_toml;
use crate::diagnostic::{Diagnostic, Diagnostics, column_of_offset, line_of_offset};
use crate::locale::Language;

/// Where a book's sources are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// `<root>/content/book.toml`, or `<root>/book.toml` in mdBook's layout.
    pub config_file: PathBuf,
    /// The folder holding `SUMMARY.md` and the chapters.
    pub source_dir: PathBuf,
    /// mdBook's layout (book.toml at the root; every file of the chapters' folder is the
    /// book's, book.toml included in neither).
    pub mdbook: bool,
}

impl Layout {
    /// The layout at `root`: gradbook's when `content/book.toml` exists or no `book.toml` is at
    /// the root; mdBook's otherwise (its `src` is read from the file by [`read_config`]).
    pub fn find(root: &Path) -> Layout {
        let ours = root.join("content");
        let theirs = root.join("book.toml");
        if ours.join("book.toml").is_file() || !theirs.is_file() {
            Layout {
                config_file: ours.join("book.toml"),
                source_dir: ours,
                mdbook: false,
            }
        } else {
            Layout {
                config_file: theirs,
                source_dir: root.join("src"),
                mdbook: true,
            }
        }
    }

    /// What a change to should rebuild the book: the chapters' folder, and in mdBook's layout
    /// the `book.toml` beside it.
    pub fn watched(&self) -> Vec<PathBuf> {
        let mut paths = vec![self.source_dir.clone()];
        if self.mdbook {
            paths.push(self.config_file.clone());
        }
        paths
    }
}

/// Read the book's `book.toml` (in either form) and its layout. Warnings (mdBook keys that
/// gradbook ignores) are appended to `warnings`; a malformed file is a located error.
pub fn read_config(
    root: &Path,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(BookConfig, Layout), Diagnostics> {
    let mut layout = Layout::find(root);
    let path = layout.config_file.clone();
    let text = std::fs::read_to_string(&path)
        .map(super::without_bom)
        .map_err(|e| {
            Diagnostics(vec![
                Diagnostic::error(&path, 0, format!("cannot read {}: {e}", path.display()))
                    .with_hint(
                        "a book is a directory with content/book.toml and content/SUMMARY.md \
                         (or mdBook's book.toml and src/SUMMARY.md); run gradbook in it, or \
                         start one with `gradbook init`",
                    ),
            ])
        })?;
    let located = |e: toml::de::Error, hint: &str| {
        let offset = e.span().map_or(0, |s| s.start);
        Diagnostics(vec![
            Diagnostic::error(&path, line_of_offset(&text, offset), e.message().trim())
                .with_column(column_of_offset(&text, offset))
                .with_snippet_from(&text)
                .with_hint(hint.to_string()),
        ])
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e| located(e, "book.toml must be TOML"))?;
    if !mdbook_toml::is_mdbook_form(&table) {
        let config = toml::from_str(&text).map_err(|e| {
            located(
                e,
                "book.toml takes title, authors, language, description, base_path, site_url and an [experiments] table with max_cost (or mdBook's [book] table)",
            )
        })?;
        return Ok((config, layout));
    }
    if let Some(key) = ["title", "authors", "language", "description"]
        .into_iter()
        .find(|key| table.contains_key(*key))
    {
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with(key))
            .map_or(0, |i| i + 1);
        return Err(Diagnostics(vec![
            Diagnostic::error(
                &path,
                line,
                format!("`{key}` is a key of gradbook's flat form, but this book.toml has mdBook's tables"),
            )
            .with_snippet_from(&text)
            .with_hint(format!(
                "move `{key}` into [book] (or gradbook's other keys into [gradbook]), or drop mdBook's tables"
            )),
        ]));
    }
    let settings = mdbook_toml::parse(&text, &path, root, warnings).map_err(|e| {
        located(
            e,
            "mdBook's [book] takes title, authors, description, language and src; [build] takes build-dir; gradbook's keys go under [gradbook]",
        )
    })?;
    if layout.mdbook {
        layout.source_dir = root.join(&settings.src);
    }
    Ok((settings.config, layout))
}

/// The language `<root>`'s book.toml names, for words written before the book is loaded (the
/// command line's progress). A missing or broken book.toml gives the default: loading the
/// book reports what is wrong with it.
pub fn language_of(root: &Path) -> Language {
    read_config(root, &mut Vec::new())
        .map(|(config, _)| config.language)
        .unwrap_or_default()
}

/// Where the site of the book at `root` goes unless told: `[build] build-dir`, or `book/`.
pub fn default_dest(root: &Path) -> PathBuf {
    read_config(root, &mut Vec::new())
        .ok()
        .and_then(|(config, _)| config.build_dir)
        .map_or_else(|| root.join("book"), |dir| root.join(dir))
}

/// What `serve` and `watch` rebuild on: the chapters' folder (and mdBook's book.toml).
pub fn watched(root: &Path) -> Vec<PathBuf> {
    read_config(root, &mut Vec::new())
        .map(|(_, layout)| layout)
        .unwrap_or_else(|_| Layout::find(root))
        .watched()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn finds_either_layout_and_either_form() {
        let ours = book(&[("content/book.toml", "title = \"T\"\n")]);
        let (config, layout) = read_config(ours.path(), &mut Vec::new()).unwrap();
        assert_eq!(config.title, "T");
        assert_eq!(layout.source_dir, ours.path().join("content"));
        assert!(!layout.mdbook);

        let theirs = book(&[(
            "book.toml",
            "[book]\ntitle = \"M\"\nsrc = \"pages\"\n[build]\nbuild-dir = \"site\"\n",
        )]);
        let (config, layout) = read_config(theirs.path(), &mut Vec::new()).unwrap();
        assert_eq!(config.title, "M");
        assert_eq!(layout.source_dir, theirs.path().join("pages"));
        assert!(layout.mdbook);
        assert_eq!(default_dest(theirs.path()), theirs.path().join("site"));
        assert_eq!(
            watched(theirs.path()),
            vec![theirs.path().join("pages"), theirs.path().join("book.toml")]
        );

        // mdBook's tables in content/book.toml: the chapters stay in content/.
        let mixed = book(&[(
            "content/book.toml",
            "[book]\ntitle = \"X\"\nsrc = \"src\"\n",
        )]);
        let (_, layout) = read_config(mixed.path(), &mut Vec::new()).unwrap();
        assert_eq!(layout.source_dir, mixed.path().join("content"));
    }

    #[test]
    fn flat_keys_beside_mdbook_tables_are_a_located_error() {
        let dir = book(&[("book.toml", "[book]\ntitle = \"M\"\n")]);
        std::fs::write(
            dir.path().join("book.toml"),
            "language = \"en\"\n[book]\ntitle = \"M\"\n",
        )
        .unwrap();
        let error = read_config(dir.path(), &mut Vec::new()).unwrap_err();
        assert_eq!(error.0[0].line, 1);
        assert!(
            error.0[0].message.contains("`language`"),
            "{:?}",
            error.0[0]
        );
    }
}
