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
    /// The site's full address, e.g. "https://user.github.io/gradbook/". When given, the site
    /// gets `sitemap.xml`, canonical links and `og:url`.
    #[serde(default)]
    pub site_url: Option<String>,
    #[serde(default)]
    pub experiments: ExperimentSettings,
}

/// `[experiments]` in book.toml: limits on what blocks may ask for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSettings {
    /// The most work one block may ask for: parameters × batch × steps, summed over its runs.
    /// The default, 2e11, is about half a minute of training on one core.
    #[serde(default = "default_max_cost")]
    pub max_cost: f64,
}

impl Default for ExperimentSettings {
    fn default() -> Self {
        ExperimentSettings {
            max_cost: default_max_cost(),
        }
    }
}

fn default_max_cost() -> f64 {
    2e11
}

fn default_language() -> String {
    "en".into()
}

fn default_base_path() -> String {
    "/".into()
}
