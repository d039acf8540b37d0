//! The page template and the site's static assets. Defaults are compiled into the binary, so
//! an installed gradbook works anywhere; a book's own `templates/<name>` replaces the default
//! of the same name, file by file (`templates/fonts/gradbook-math.woff2` too). The page and
//! `gradbook.js` are tera templates that take their words from the book's language
//! (`{{ words.page.contents }}`, `{{ js.no_results }}`); the other assets (stylesheet, favicon,
//! the math font) are copied as they are, byte for byte.

use std::path::Path;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::locale::{SearchWords, Words};
use crate::markdown::escape_html;

use super::OutputFile;

const DEFAULT_PAGE: &str = include_str!("../../templates/page.html");

/// The script, rendered with the words of its messages.
const DEFAULT_SCRIPT: &str = include_str!("../../templates/gradbook.js");

/// Files copied to the site as they are (after any override), by their path in both the
/// templates and the site. The font is the one `math` elements use (see
/// templates/fonts/README.md for where it comes from).
const DEFAULT_ASSETS: [(&str, &[u8]); 3] = [
    (
        "gradbook.css",
        include_bytes!("../../templates/gradbook.css"),
    ),
    ("favicon.svg", include_bytes!("../../templates/favicon.svg")),
    (
        "fonts/gradbook-math.woff2",
        include_bytes!("../../templates/fonts/gradbook-math.woff2"),
    ),
];

pub struct Templates {
    pub(super) tera: tera::Tera,
    /// The page template's file, for errors that happen while rendering.
    pub(super) page_path: std::path::PathBuf,
    assets: Vec<OutputFile>,
}

impl Templates {
    /// The built-in templates, each replaced by `<book>/templates/<name>` when that file
    /// exists; `gradbook.js` is rendered here with `words`.
    pub fn load(book_root: &Path, words: &Words) -> Result<Self, Diagnostics> {
        let dir = book_root.join("templates");
        let page = read_override(&dir, "page.html", DEFAULT_PAGE)?;
        let mut tera = tera::Tera::new();
        let page_path = dir.join("page.html");
        tera.add_raw_template("page.html", &page)
            .map_err(|e| template_error(&page_path, &e))?;
        let script_path = dir.join("gradbook.js");
        let script = read_override(&dir, "gradbook.js", DEFAULT_SCRIPT)?;
        tera.add_raw_template("gradbook.js", &script)
            .map_err(|e| template_error(&script_path, &e))?;
        let context = tera::Context::from_serialize(&ScriptContext {
            js: script_words(&words.search),
        })
        .map_err(|e| template_error(&script_path, &e))?;
        let script = tera
            .render("gradbook.js", &context)
            .map_err(|e| template_error(&script_path, &e))?;
        let mut assets = vec![OutputFile::new("gradbook.js", script)];
        for (name, default) in DEFAULT_ASSETS {
            assets.push(OutputFile::new(name, read_asset(&dir, name, default)?));
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

/// What `gradbook.js` is rendered with: each message as a JavaScript expression.
#[derive(Serialize)]
struct ScriptContext {
    js: ScriptWords,
}

#[derive(Serialize)]
struct ScriptWords {
    index_failed: String,
    /// Uses the script's variable `query`.
    no_results: String,
    /// The opening of the results list, saying how many were found (`found.length`).
    found_status_html: String,
}

fn script_words(words: &SearchWords) -> ScriptWords {
    ScriptWords {
        index_failed: js_text(&words.index_failed, &[]),
        no_results: js_text(&words.no_results, &[("query", "query")]),
        found_status_html: js_text(
            &format!(
                "<p class=\"search-status\">{}</p><ol>",
                escape_html(&words.found)
            ),
            &[("count", "found.length")],
        ),
    }
}

/// `text` as a JavaScript expression: its pieces as string literals joined by ` + ` with the
/// script expressions that fill its `{name}` placeholders (`"找到 " + found.length + " 处"`).
fn js_text(text: &str, values: &[(&str, &str)]) -> String {
    let literal = |s: &str| serde_json::to_string(s).expect("a string serialises");
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some((name, expression, at)) = values
        .iter()
        .filter_map(|(name, expression)| {
            rest.find(&format!("{{{name}}}"))
                .map(|at| (*name, *expression, at))
        })
        .min_by_key(|(_, _, at)| *at)
    {
        if at > 0 {
            parts.push(literal(&rest[..at]));
        }
        parts.push(expression.to_string());
        rest = &rest[at + name.len() + 2..];
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(literal(rest));
    }
    parts.join(" + ")
}

fn read_override(dir: &Path, name: &str, default: &str) -> Result<String, Diagnostics> {
    let path = dir.join(name);
    if !path.exists() {
        return Ok(default.to_string());
    }
    std::fs::read_to_string(&path).map_err(|e| cannot_read(&path, &e))
}

/// An asset's bytes: the book's own `templates/<name>` when it exists, else the default.
fn read_asset(dir: &Path, name: &str, default: &[u8]) -> Result<Vec<u8>, Diagnostics> {
    let path = dir.join(name);
    if !path.exists() {
        return Ok(default.to_vec());
    }
    std::fs::read(&path).map_err(|e| cannot_read(&path, &e))
}

fn cannot_read(path: &Path, error: &std::io::Error) -> Diagnostics {
    Diagnostics(vec![Diagnostic::error(
        path,
        0,
        format!("cannot read template: {error}"),
    )])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_become_javascript_expressions() {
        let values = [("query", "query")];
        assert_eq!(
            js_text("没有找到“{query}”。", &values),
            "\"没有找到“\" + query + \"”。\""
        );
        assert_eq!(js_text("{query}", &values), "query");
        assert_eq!(
            js_text("Say \"{query}\"\n", &values),
            "\"Say \\\"\" + query + \"\\\"\\n\""
        );
        assert_eq!(js_text("", &[]), "\"\"");
    }
}
