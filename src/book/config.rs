//! `content/book.toml`: the book's title, authors, language and where it is hosted.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookConfig {
    pub title: String,
    #[serde(default)]
    pub authors: Vec<String>,
    /// The `<html lang>` of every page, e.g. "zh-CN".
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub description: String,
    /// The path the site is served under, e.g. "/gradbook/" for a GitHub Pages project site.
    /// Pages link relatively, so this is informational (canonical links, sitemap).
    #[serde(default = "default_base_path")]
    pub base_path: String,
}

fn default_language() -> String {
    "en".into()
}

fn default_base_path() -> String {
    "/".into()
}
