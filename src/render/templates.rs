//! The page template and the site's static assets. Defaults are compiled into the binary, so
//! an installed gradbook works anywhere; a book's own `templates/<name>` replaces the default
//! of the same name, file by file.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Diagnostics};

use super::OutputFile;

const DEFAULT_PAGE: &str = include_str!("../../templates/page.html");

/// Files copied to the site root as they are (after any override).
const DEFAULT_ASSETS: [(&str, &str); 3] = [
    ("gradbook.css", include_str!("../../templates/gradbook.css")),
    ("gradbook.js", include_str!("../../templates/gradbook.js")),
    ("favicon.svg", include_str!("../../templates/favicon.svg")),
];

pub struct Templates {
    pub(super) tera: tera::Tera,
    /// The page template's file, for errors that happen while rendering.
    pub(super) page_path: std::path::PathBuf,
    assets: Vec<OutputFile>,
}

impl Templates {
    /// The built-in templates, each replaced by `<book>/templates/<name>` when that file exists.
    pub fn load(book_root: &Path) -> Result<Self, Diagnostics> {
        let dir = book_root.join("templates");
        let page = read_override(&dir, "page.html", DEFAULT_PAGE)?;
        let mut tera = tera::Tera::new();
        let page_path = dir.join("page.html");
        tera.add_raw_template("page.html", &page)
            .map_err(|e| template_error(&page_path, &e))?;
        let mut assets = Vec::new();
        for (name, default) in DEFAULT_ASSETS {
            assets.push(OutputFile::new(name, read_override(&dir, name, default)?));
        }
        Ok(Templates {
            tera,
            page_path,
            assets,
        })
    }

    pub fn assets(&self) -> &[OutputFile] {
        &self.assets
    }
}

fn read_override(dir: &Path, name: &str, default: &str) -> Result<String, Diagnostics> {
    let path = dir.join(name);
    if !path.exists() {
        return Ok(default.to_string());
    }
    std::fs::read_to_string(&path).map_err(|e| {
        Diagnostics(vec![Diagnostic::error(
            &path,
            0,
            format!("cannot read template: {e}"),
        )])
    })
}

pub(super) fn template_error(path: &Path, error: &tera::Error) -> Diagnostics {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    Diagnostics(vec![
        Diagnostic::error(path, 0, format!("template error: {message}")).with_hint(
            "the default templates are in gradbook's templates/ directory; compare yours with them",
        ),
    ])
}
