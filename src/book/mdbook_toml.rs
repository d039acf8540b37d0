//! `book.toml` in mdBook's form: `[book]`, `[build]`, `[output.html]`, `[preprocessor.*]` and
//! gradbook's own keys under `[preprocessor.gradbook]` (beside the `command` mdBook runs; mdBook
//! 0.5 refuses tables it does not know, so this is where one file serves both tools) or, in a
//! book only gradbook builds, `[gradbook]`. What has a meaning here is applied; what does not is named in one warning per table;
//! a key mdBook itself would refuse in `[book]` or `[build]` is an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::config::{BookConfig, ExperimentSettings, HtmlOptions, Theme};
use crate::diagnostic::Diagnostic;
use crate::locale::Language;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MdBookToml {
    #[serde(default)]
    book: BookTable,
    #[serde(default)]
    build: BuildTable,
    #[serde(default)]
    output: OutputTables,
    #[serde(default)]
    preprocessor: BTreeMap<String, toml::Value>,
    #[serde(default)]
    gradbook: Option<GradbookTable>,
    /// `[rust]` (the edition for `mdbook test`): nothing to do here, and nothing to warn of.
    #[serde(default)]
    #[allow(dead_code)]
    rust: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BookTable {
    title: Option<String>,
    #[serde(default)]
    authors: Vec<String>,
    description: Option<String>,
    language: Option<String>,
    src: Option<PathBuf>,
    /// mdBook's own keys without a meaning here; accepted so one file serves both tools.
    #[serde(default)]
    #[allow(dead_code)]
    multilingual: Option<bool>,
    #[serde(default)]
    #[allow(dead_code)]
    text_direction: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BuildTable {
    build_dir: Option<PathBuf>,
    create_missing: Option<bool>,
    use_default_preprocessors: Option<bool>,
    #[serde(default)]
    #[allow(dead_code)]
    extra_watch_dirs: Vec<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
struct OutputTables {
    html: Option<HtmlTable>,
    #[serde(flatten)]
    others: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct HtmlTable {
    site_url: Option<String>,
    git_repository_url: Option<String>,
    #[serde(default)]
    additional_css: Vec<PathBuf>,
    #[serde(default)]
    additional_js: Vec<PathBuf>,
    default_theme: Option<String>,
    #[serde(default)]
    no_section_label: bool,
    #[serde(flatten)]
    ignored: BTreeMap<String, toml::Value>,
}

/// gradbook's keys when book.toml is in mdBook's form. mdBook's own keys of a preprocessor's
/// table are accepted (and left to mdBook).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GradbookTable {
    #[serde(default)]
    #[allow(dead_code)]
    command: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    before: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    after: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    optional: Option<bool>,
    #[serde(default)]
    #[allow(dead_code)]
    renderers: Vec<String>,
    language: Option<Language>,
    base_path: Option<String>,
    site_url: Option<String>,
    /// gradbook's site folder when it should differ from mdBook's `[build] build-dir` (so the
    /// two tools' sites can sit side by side).
    build_dir: Option<PathBuf>,
    #[serde(default)]
    experiments: ExperimentSettings,
}

/// What book.toml in mdBook's form says, for the loader.
#[derive(Debug)]
pub struct MdBookSettings {
    pub config: BookConfig,
    /// The chapters' folder, relative to the book root (`[book] src`, default `src`).
    pub src: PathBuf,
}

/// Whether a parsed book.toml is in mdBook's form: it has one of mdBook's tables.
pub fn is_mdbook_form(table: &toml::Table) -> bool {
    [
        "book",
        "build",
        "output",
        "preprocessor",
        "rust",
        "gradbook",
    ]
    .iter()
    .any(|key| table.get(*key).is_some_and(toml::Value::is_table))
}

/// Read mdBook's form; `root` names the book's folder (the title when `[book]` has none).
pub fn parse(
    text: &str,
    file: &Path,
    root: &Path,
    warnings: &mut Vec<Diagnostic>,
) -> Result<MdBookSettings, toml::de::Error> {
    let mut parsed: MdBookToml = toml::from_str(text)?;
    let mut warn = |header: &str, message: String, hint: &str| {
        warnings.push(
            Diagnostic::warning(file, line_of_table(text, header), message)
                .with_snippet_from(text)
                .with_hint(hint.to_string()),
        );
    };

    let in_preprocessor = match parsed.preprocessor.remove("gradbook") {
        Some(value) => Some(value.try_into::<GradbookTable>()?),
        None => None,
    };
    let gradbook = match (parsed.gradbook, in_preprocessor) {
        (Some(table), Some(_)) => {
            warn(
                "gradbook",
                "both [gradbook] and [preprocessor.gradbook] give gradbook's keys: [gradbook] is used".into(),
                "keep them in [preprocessor.gradbook], which mdBook accepts too",
            );
            table
        }
        (Some(table), None) | (None, Some(table)) => table,
        (None, None) => GradbookTable::default(),
    };
    let language = match (gradbook.language, parsed.book.language.as_deref()) {
        (Some(language), _) => language,
        (None, None) => Language::default(),
        (None, Some(tag)) => language_of_tag(tag).unwrap_or_else(|| {
            warn(
                "book",
                format!("gradbook has no words for language `{tag}`: pages use English ones"),
                "gradbook has words for `zh-CN` and `en`; set `[gradbook] language` to choose",
            );
            Language::En
        }),
    };

    let html = parsed.output.html.unwrap_or_default();
    if !html.ignored.is_empty() {
        let names: Vec<String> = html.ignored.keys().map(|k| format!("`{k}`")).collect();
        warn(
            "output.html",
            format!(
                "[output.html] {} {} no meaning for gradbook and {} ignored",
                names.join(", "),
                if names.len() == 1 { "has" } else { "have" },
                if names.len() == 1 { "is" } else { "are" },
            ),
            "gradbook applies site-url, git-repository-url, additional-css, additional-js, default-theme and no-section-label",
        );
    }
    for name in parsed.output.others.keys() {
        warn(
            &format!("output.{name}"),
            format!("[output.{name}] is a renderer of mdBook's: gradbook does not run it"),
            "gradbook renders HTML itself; the table is used only by `mdbook build`",
        );
    }
    for name in parsed.preprocessor.keys() {
        if matches!(name.as_str(), "links" | "index") {
            // mdBook's built-ins, which gradbook does itself.
            continue;
        }
        warn(
            &format!("preprocessor.{name}"),
            format!("the preprocessor `{name}` is not run by gradbook"),
            "gradbook runs only its own steps (experiments and mdBook's links); the chapters are built as written",
        );
    }
    if parsed.build.create_missing == Some(true) {
        warn(
            "build",
            "`create-missing` is not done by gradbook: a missing chapter is an error".into(),
            "create the chapter files yourself",
        );
    }
    if parsed.build.use_default_preprocessors == Some(false) {
        warn(
            "build",
            "`use-default-preprocessors = false` is ignored: gradbook always expands {{#include}}"
                .into(),
            "remove the key, or escape a directive as \\{{#include …}} to keep it as text",
        );
    }

    let default_theme = html.default_theme.as_deref().map(|name| match name {
        "light" | "rust" => Theme::Light,
        _ => Theme::Dark,
    });
    let title = parsed.book.title.unwrap_or_else(|| {
        root.canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "Book".into())
    });
    let config = BookConfig {
        title,
        authors: parsed.book.authors,
        language,
        description: parsed.book.description.unwrap_or_default(),
        base_path: gradbook
            .base_path
            .or(html.site_url)
            .unwrap_or_else(|| "/".into()),
        site_url: gradbook.site_url,
        experiments: gradbook.experiments,
        build_dir: gradbook.build_dir.or(parsed.build.build_dir),
        html: HtmlOptions {
            git_repository_url: html.git_repository_url,
            additional_css: html.additional_css,
            additional_js: html.additional_js,
            default_theme,
            no_section_label: html.no_section_label,
        },
    };
    Ok(MdBookSettings {
        config,
        src: parsed.book.src.unwrap_or_else(|| "src".into()),
    })
}

/// mdBook's language tags name a region or script as well: `zh`, `zh-TW`, `en-US`.
fn language_of_tag(tag: &str) -> Option<Language> {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match primary.as_str() {
        "zh" => Some(Language::ZhCn),
        "en" => Some(Language::En),
        _ => None,
    }
}

/// The 1-based line of `[header]` (or of a dotted key opening it), 0 when not found.
fn line_of_table(text: &str, header: &str) -> usize {
    let first = header.split('.').next().unwrap_or(header);
    text.lines()
        .position(|line| {
            let line = line.trim();
            line == format!("[{header}]") || line.starts_with(&format!("[{header}."))
        })
        .or_else(|| {
            text.lines()
                .position(|line| line.trim() == format!("[{first}]"))
        })
        .map_or(0, |index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (MdBookSettings, Vec<Diagnostic>) {
        let mut warnings = Vec::new();
        let settings = parse(text, Path::new("book.toml"), Path::new("."), &mut warnings)
            .unwrap_or_else(|e| panic!("{e}"));
        (settings, warnings)
    }

    #[test]
    fn applies_what_has_a_meaning_and_names_the_rest_once() {
        let (settings, warnings) = read(
            "[book]\ntitle = \"T\"\nauthors = [\"A\"]\nlanguage = \"zh\"\nsrc = \"pages\"\n\n\
             [build]\nbuild-dir = \"out\"\n\n\
             [output.html]\nsite-url = \"/t/\"\ngit-repository-url = \"https://example.org/t\"\n\
             additional-css = [\"x.css\"]\ndefault-theme = \"navy\"\nno-section-label = true\n\
             mathjax-support = true\nhash-files = true\n\n\
             [output.html.search]\nlimit-results = 20\n\n\
             [output.epub]\n\n[preprocessor.toc]\ncommand = \"mdbook-toc\"\n\n\
             [preprocessor.gradbook]\ncommand = \"gradbook mdbook-preprocessor\"\nafter = [\"links\"]\n\
             build_dir = \"site\"\n[preprocessor.gradbook.experiments]\nmax_cost = 1e9\n",
        );
        let config = &settings.config;
        assert_eq!(settings.src, Path::new("pages"));
        assert_eq!(config.title, "T");
        assert_eq!(config.language, Language::ZhCn);
        assert_eq!(config.base_path, "/t/");
        assert_eq!(config.build_dir.as_deref(), Some(Path::new("site")));
        assert_eq!(config.experiments.max_cost, 1e9);
        assert_eq!(config.html.default_theme, Some(Theme::Dark));
        assert!(config.html.no_section_label);
        assert_eq!(config.html.additional_css, vec![PathBuf::from("x.css")]);
        let messages: Vec<(usize, &str)> = warnings
            .iter()
            .map(|w| (w.line, w.message.as_str()))
            .collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert_eq!(messages[0].0, 10);
        assert!(
            messages[0]
                .1
                .contains("`hash-files`, `mathjax-support`, `search`"),
            "{messages:?}"
        );
        assert!(messages[1].1.contains("[output.epub]"), "{messages:?}");
        assert!(messages[2].1.contains("`toc`"), "{messages:?}");
    }

    #[test]
    fn a_misspelt_book_key_is_an_error_and_an_unknown_language_a_warning() {
        let error = toml::from_str::<MdBookToml>("[book]\ntitel = \"T\"\n").unwrap_err();
        assert!(error.message().contains("unknown field `titel`"), "{error}");
        let mut warnings = Vec::new();
        let error = parse(
            "[book]\n[preprocessor.gradbook]\nmax_kost = 1\n",
            Path::new("book.toml"),
            Path::new("."),
            &mut warnings,
        )
        .unwrap_err();
        assert!(
            error.message().contains("unknown field `max_kost`"),
            "{error}"
        );
        let (settings, warnings) = read("[book]\ntitle = \"T\"\nlanguage = \"fr\"\n");
        assert_eq!(settings.config.language, Language::En);
        assert!(warnings[0].message.contains("`fr`"), "{:?}", warnings[0]);
        assert_eq!(warnings[0].line, 1);
    }

    #[test]
    fn the_form_is_told_by_mdbook_tables() {
        let table = |text: &str| text.parse::<toml::Table>().unwrap();
        assert!(is_mdbook_form(&table("[book]\ntitle = \"T\"")));
        assert!(!is_mdbook_form(&table(
            "title = \"T\"\n[experiments]\nmax_cost = 1"
        )));
    }
}
