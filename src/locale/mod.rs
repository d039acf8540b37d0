//! The words gradbook writes around an author's prose, per book language: figure titles, axes,
//! legends and `<desc>` text, captions' boilerplate, page chrome, search and the live-reload
//! overlay. `book.toml`'s `language` picks a [`Language`]; its [`Words`] are passed down to
//! whatever writes text. The tables are data (`zh-CN.toml`, `en.toml`, compiled in) with every
//! key required, so a table missing a word fails its test; `{name}` placeholders are filled by
//! [`fill`]. This module depends on nothing else of gradbook's.

mod words;

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::Deserialize;

pub use words::{
    AxisWords, CaptionWords, DescWords, FigureWords, LegendWords, PageWords, ProgressWords,
    SearchWords, ServeWords, SubjectWords, Words,
};

/// A language gradbook has words for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(try_from = "String")]
pub enum Language {
    /// Simplified Chinese, `zh-CN`.
    ZhCn,
    /// English, `en` (the default of a book.toml that names none).
    #[default]
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::ZhCn, Language::En];

    /// The tag book.toml names it by, also the pages' `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::ZhCn => "zh-CN",
            Language::En => "en",
        }
    }

    /// This language's words.
    pub fn words(self) -> &'static Words {
        // Parsed once; both tables are parsed in a unit test, so this cannot fail in a build.
        static ZH_CN: LazyLock<Words> = LazyLock::new(|| parse_table(Language::ZhCn));
        static EN: LazyLock<Words> = LazyLock::new(|| parse_table(Language::En));
        match self {
            Language::ZhCn => &ZH_CN,
            Language::En => &EN,
        }
    }

    fn table(self) -> &'static str {
        match self {
            Language::ZhCn => include_str!("zh-CN.toml"),
            Language::En => include_str!("en.toml"),
        }
    }
}

fn parse_table(language: Language) -> Words {
    toml::from_str(language.table()).unwrap_or_else(|e| {
        panic!(
            "gradbook's own word table src/locale/{}.toml is broken: {e}",
            language.tag()
        )
    })
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A `language` gradbook has no words for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown language `{given}`: gradbook has words for {}",
    known_languages()
)]
pub struct UnknownLanguage {
    pub given: String,
}

fn known_languages() -> String {
    let tags: Vec<String> = Language::ALL
        .iter()
        .map(|l| format!("`{}`", l.tag()))
        .collect();
    tags.join(" and ")
}

impl FromStr for Language {
    type Err = UnknownLanguage;
    fn from_str(tag: &str) -> Result<Self, UnknownLanguage> {
        Language::ALL
            .into_iter()
            .find(|l| l.tag() == tag)
            .ok_or_else(|| UnknownLanguage { given: tag.into() })
    }
}

impl TryFrom<String> for Language {
    type Error = UnknownLanguage;
    fn try_from(tag: String) -> Result<Self, UnknownLanguage> {
        tag.parse()
    }
}

/// `template` with each `{name}` of `values` replaced by its value, in one pass (so a value
/// that itself contains braces is left as it is). Braces naming no value stay.
pub fn fill(template: &str, values: &[(&str, &dyn fmt::Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let name = &after[..close];
            let (_, value) = values.iter().find(|(n, _)| *n == name)?;
            Some((close, value))
        });
        match named {
            Some((close, value)) => {
                out.push_str(&value.to_string());
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders of `template`, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            names.push(&rest[..close]);
            rest = &rest[close + 1..];
        }
    }
    names
}

#[cfg(test)]
mod tests;
