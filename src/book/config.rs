//! `book.toml`: the book's title, authors, language and where it is hosted, in gradbook's flat
//! form (`content/book.toml`); mdBook's form is read by `mdbook_toml.rs` into the same struct.

use std::path::PathBuf;

use serde::Deserialize;

use crate::locale::Language;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookConfig {
    pub title: String,
    #[serde(default)]
    pub authors: Vec<String>,
    /// The words of figures and pages, and the `<html lang>` of every page: "zh-CN" or "en"
    /// (the default); any other value is an error naming those that exist.
    #[serde(default)]
    pub language: Language,
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
    /// Where the site goes, relative to the book root (mdBook's `[build] build-dir`).
    #[serde(skip)]
    pub build_dir: Option<PathBuf>,
    /// mdBook's `[output.html]` options that have a meaning here.
    #[serde(skip)]
    pub html: HtmlOptions,
}

/// What mdBook's `[output.html]` says that gradbook applies.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HtmlOptions {
    /// A link to the book's repository in every page's header.
    pub git_repository_url: Option<String>,
    /// Stylesheets and scripts (relative to the book root) copied into the site and linked
    /// from every page, after gradbook's own.
    pub additional_css: Vec<PathBuf>,
    pub additional_js: Vec<PathBuf>,
    /// The theme a reader who has not chosen one sees; `None` follows their system.
    pub default_theme: Option<Theme>,
    /// Chapter numbers are left out of the table of contents.
    pub no_section_label: bool,
}

/// gradbook has two themes; mdBook's five map onto them (light and rust are light).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn name(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// `[experiments]` in book.toml: limits on what blocks may ask for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSettings {
    /// The most work one block may ask for: parameters × batch × steps, plus making the data,
    /// evaluations and a fixed overhead per run, summed over its runs.
    /// The default, 2e11, is about half a minute of training on one core.
    #[serde(default = "default_max_cost", deserialize_with = "positive_finite")]
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

/// A limit that bounds something: NaN would let every block through (every comparison with
/// it is false), infinity means no limit, and zero or less refuses every block.
fn positive_finite<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let value = f64::deserialize(deserializer)?;
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(format!(
            "`max_cost` must be a positive, finite number of work units (the default is {:e}), found {value}",
            default_max_cost()
        )))
    }
}

fn default_base_path() -> String {
    "/".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_cost(text: &str) -> Result<f64, String> {
        toml::from_str::<BookConfig>(&format!("title = \"t\"\n[experiments]\n{text}\n"))
            .map(|c| c.experiments.max_cost)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn language_picks_a_word_table_and_an_unknown_one_names_those_that_exist() {
        let language = |text: &str| {
            toml::from_str::<BookConfig>(&format!("title = \"t\"\n{text}"))
                .map(|c| c.language)
                .map_err(|e| e.message().to_string())
        };
        assert_eq!(language(""), Ok(Language::En));
        assert_eq!(language("language = \"zh-CN\""), Ok(Language::ZhCn));
        let error = language("language = \"fr\"").unwrap_err();
        assert!(
            error.contains("unknown language `fr`") && error.contains("`zh-CN` and `en`"),
            "{error}"
        );
    }

    #[test]
    fn max_cost_must_be_positive_and_finite() {
        assert_eq!(max_cost("max_cost = 1e9"), Ok(1e9));
        assert_eq!(max_cost("max_cost = 5"), Ok(5.0));
        for bad in ["nan", "+inf", "-inf", "0", "0.0", "-1e9"] {
            let error = max_cost(&format!("max_cost = {bad}")).expect_err(bad);
            assert!(error.contains("positive, finite"), "{bad}: {error}");
        }
    }
}
