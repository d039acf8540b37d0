//! The book's language reaches every word gradbook writes: a book in English gets English
//! figures and chrome (no Chinese character anywhere in its site), our Chinese book keeps no
//! English UI word in its chrome or figures, and an unknown `language` is a located error
//! naming the languages that exist.

mod common;

use common::{TestBook, snapshot};
use gradbook::locale::Language;

/// Prose and an experiment block whose figures cover the feed-forward kinds (a non-default
/// metric with a theory curve, heat map, lines per layer, loss, accuracy, histograms,
/// statistics, decision regions), swept over two keys so its figures are explorable.
fn chapter(title: &str, prose: &str, block_title: &str) -> String {
    format!(
        r#"# {title}

{prose} {{{{#ref words}}}}

## {title} 2

```experiment
id = "words"
title = "{block_title}"
data = {{ name = "spirals", samples = 96, noise = 0.1 }}
model = {{ depth = 3, width = 6, activation = "sigmoid", init = "he_normal" }}
train = {{ lr = 0.1, steps = 8, batch = 32, seed = 3, record_every = 4 }}
sweep = {{ "model.activation" = ["sigmoid", "relu"], "model.depth" = [2, 3] }}
plot = [
  {{ kind = "grad_norm_by_layer", metric = "delta", theory = "0.25^(L-l)" }},
  "grad_flow", "grad_norm_over_steps", "loss", "accuracy", "activation_hist",
  "activation_stats", "decision_boundary",
]
```
"#
    )
}

/// A cheap recurrent block for the two through-time figures.
const RECURRENT: &str = r#"
```experiment
id = "time"
title = "TITLE"
data = { name = "adding", length = 8, samples = 64 }
model = { kind = "rnn", hidden = 4 }
train = { optimizer = "adam", lr = 0.01, steps = 4, batch = 16, record_every = 2 }
plot = ["grad_through_time", "grad_through_time_flow"]
```
"#;

fn book(language: &str, chapters: [(&str, String); 2]) -> TestBook {
    let [(a, first), (b, second)] = chapters;
    TestBook::new()
        .file(
            "content/book.toml",
            &format!("title = \"Words\"\nlanguage = \"{language}\"\n"),
        )
        .chapter(a, &first)
        .chapter(b, &second)
}

fn is_chinese(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}')
}

#[test]
fn an_english_book_has_no_chinese_character_anywhere_in_its_site() {
    let first = chapter("Vanishing", "Gradients shrink layer by layer, see", "Depth");
    let second = format!(
        "# Recurrent\n\nTime steps are layers too.\n{}",
        RECURRENT.replace("TITLE", "Through time")
    );
    let book = book("en", [("a.md", first), ("b.md", second)]);
    book.build().unwrap();
    let site = snapshot(&book.out());
    let kinds = ["svg", "html", "js"];
    for kind in kinds {
        assert!(
            site.keys()
                .any(|p| p.extension().is_some_and(|e| e == kind)),
            "the site has .{kind} files"
        );
    }
    assert!(site.len() > 20, "figures, variants, pages: {}", site.len());
    for (path, bytes) in &site {
        // Binary files (the math font) are not text: their bytes decode to anything.
        let Ok(text) = std::str::from_utf8(bytes) else {
            assert!(
                path.extension().is_some_and(|e| e == "woff2"),
                "{} is not UTF-8",
                path.display()
            );
            continue;
        };
        let chinese: Vec<(usize, char)> = text
            .chars()
            .enumerate()
            .filter(|(_, c)| is_chinese(*c))
            .take(5)
            .collect();
        assert!(
            chinese.is_empty(),
            "{}: Chinese characters {chinese:?} in …{}…",
            path.display(),
            context(text, chinese.first().map_or(0, |c| c.0))
        );
    }
    // The words are English ones, not merely missing.
    let page = book.read("a.html");
    for words in [
        "<html lang=\"en\"",
        "Skip to the content",
        "placeholder=\"Search (/ or s)\"",
        "<span class=\"nav-label\">Next</span>",
        "<span class=\"figure-number\">Figure 1.1</span>Depth: Norm of the error signal δ by layer.",
        ">Figure 1.1</a>",
        "View by activation",
        "All runs",
        "Download the data (CSV)",
        "Experiment settings <code>words</code>",
        "aria-label=\"Link to this section\"",
        "Theory: 0.25^(L-l)",
        "Training step",
        "Class 0",
    ] {
        assert!(page.contains(words), "a.html lacks {words:?}");
    }
    let script = book.read("gradbook.js");
    assert!(script.contains("showStatus(\"Nothing found for “\" + query + \"”.\")"));
    assert!(book.read("404.html").contains("Page not found"));
    assert!(
        book.read("b.html")
            .contains("Time steps back (1 = the last input)")
    );
}

/// The English words of the UI (the en table's) that must not show in a Chinese book. (Not
/// `log`: log₁₀ is notation in both languages.)
const ENGLISH_UI_WORDS: &[&str] = &[
    "search",
    "previous",
    "next",
    "contents",
    "chapter",
    "page",
    "figure",
    "layer",
    "step",
    "steps",
    "loss",
    "seed",
    "seeds",
    "run",
    "runs",
    "diverged",
    "theory",
    "class",
    "input",
    "accuracy",
    "training",
    "test",
    "gradient",
    "activation",
    "activations",
    "norm",
    "weight",
    "download",
    "data",
    "print",
    "theme",
    "dark",
    "light",
    "top",
    "results",
    "found",
    "nothing",
    "settings",
    "experiment",
    "view",
    "all",
    "scale",
    "linear",
    "median",
    "units",
    "skip",
    "link",
    "section",
    "back",
    "none",
];

/// The English UI words among the ASCII words of `text`.
fn english_ui_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .map(str::to_ascii_lowercase)
        .filter(|w| ENGLISH_UI_WORDS.contains(&w.as_str()))
        .collect()
}

/// Every word of a table as (dotted key, text).
fn entries(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                entries(&format!("{prefix}.{key}"), value, out);
            }
        }
        serde_json::Value::String(text) => out.push((prefix.to_string(), text.clone())),
        other => panic!("{prefix}: a word is text, found {other}"),
    }
}

#[test]
fn the_chinese_table_leaves_no_english_ui_word_untranslated() {
    let mut words = Vec::new();
    let table = serde_json::to_value(Language::ZhCn.words()).unwrap();
    entries("zh-CN", &table, &mut words);
    assert!(words.len() > 100, "{} words", words.len());
    for (key, text) in &words {
        // `{name}` placeholders are filled with data, never shown.
        let shown: String = text
            .split('{')
            .map(|p| p.split_once('}').map_or(p, |(_, after)| after))
            .collect();
        let english = english_ui_words(&shown);
        assert!(
            english.is_empty(),
            "`{key}` = {text:?} leaves {english:?} in English"
        );
    }
    // The same check on the en table finds its words.
    let mut english = Vec::new();
    entries(
        "en",
        &serde_json::to_value(Language::En.words()).unwrap(),
        &mut english,
    );
    let found: usize = english.iter().map(|(_, t)| english_ui_words(t).len()).sum();
    assert!(found > 100, "{found}");
}

/// What a reader sees of `html` besides the author's prose: text and the `title`,
/// `aria-label`, `placeholder` and `alt` attributes, with scripts, code and the block's TOML
/// left out. `prose` is removed first (the author's words may be in any language).
fn chrome_text(html: &str, prose: &[&str]) -> String {
    let mut html = html.to_string();
    for cut in [
        ("<script", "</script>"),
        ("<pre", "</pre>"),
        ("<code", "</code>"),
    ] {
        while let Some(start) = html.find(cut.0) {
            let end = html[start..]
                .find(cut.1)
                .map_or(html.len(), |e| start + e + cut.1.len());
            html.replace_range(start..end, " ");
        }
    }
    for p in prose {
        html = html.replace(p, " ");
    }
    let mut shown = String::new();
    let mut rest = html.as_str();
    while let Some(open) = rest.find('<') {
        shown.push_str(&rest[..open]);
        shown.push(' ');
        let close = rest[open..].find('>').map_or(rest.len(), |c| open + c);
        let tag = &rest[open..close];
        for attribute in ["title=\"", "aria-label=\"", "placeholder=\"", "alt=\""] {
            if let Some(at) = tag.find(attribute) {
                let value = &tag[at + attribute.len()..];
                shown.push_str(value.split('"').next().unwrap_or(""));
                shown.push(' ');
            }
        }
        rest = &rest[(close + 1).min(rest.len())..];
    }
    shown.push_str(rest);
    shown
}

#[test]
fn a_chinese_book_leaves_no_english_ui_word_in_its_chrome_or_figures() {
    let first = chapter("梯度消失", "梯度逐层变小，见", "深度");
    let second = format!(
        "# 循环网络\n\n时间步也是层。\n{}",
        RECURRENT.replace("TITLE", "沿时间")
    );
    let book = book("zh-CN", [("a.md", first), ("b.md", second)]);
    book.build().unwrap();
    // The author's data in the figures: run labels, metric names in captions, the formula.
    let data = [
        "sigmoid",
        "relu",
        "depth",
        "activation",
        "delta_norm",
        "0.25^(L-l)",
        "rnn",
    ];
    let mut pages = 0;
    for (path, bytes) in snapshot(&book.out()) {
        if !path.extension().is_some_and(|e| e == "html" || e == "svg") {
            continue;
        }
        pages += 1;
        let text = chrome_text(&String::from_utf8_lossy(&bytes), &data);
        let english = english_ui_words(&text);
        assert!(
            english.is_empty(),
            "{}: English UI words {english:?}",
            path.display()
        );
    }
    assert!(pages > 10, "{pages} pages and figures checked");
    // The check does see the chrome and the figures.
    let chrome = chrome_text(&book.read("a.html"), &data).replace(' ', "");
    for words in ["目录", "下载数据", "训练步数", "理论：", "图1.1"] {
        assert!(chrome.contains(words), "{words}: {chrome}");
    }
    let script = book.read("gradbook.js");
    assert!(script.contains("showStatus(\"没有找到“\" + query + \"”。\")"));
}

#[test]
fn the_chrome_check_catches_english_words() {
    let text = chrome_text(
        "<p>作者的话</p><a title=\"Next chapter\">下一章</a><pre>let step = 1;</pre>",
        &["作者的话"],
    );
    assert!(
        text.contains("Next chapter") && !text.contains("step"),
        "{text}"
    );
}

#[test]
fn an_unknown_language_is_a_located_error_naming_those_that_exist() {
    let book = TestBook::new()
        .file("content/book.toml", "title = \"T\"\nlanguage = \"fr\"\n")
        .chapter("a.md", "# A\n");
    let error = book.build().unwrap_err().to_string();
    assert!(error.contains("book.toml"), "{error}");
    assert!(error.contains(":2:"), "the line of `language`: {error}");
    assert!(
        error.contains("unknown language `fr`") && error.contains("`zh-CN` and `en`"),
        "{error}"
    );
    assert!(!book.out().join("index.html").exists());
}

#[test]
fn the_command_line_reports_progress_in_the_books_language() {
    const BLOCK: &str = "```experiment\nid = \"tiny\"\ntitle = \"T\"\n\
        data = { name = \"spirals\", samples = 32 }\nmodel = { depth = 2, width = 4, activation = \"relu\" }\n\
        train = { lr = 0.1, steps = 2, batch = 16 }\nplot = [\"loss\"]\n```\n";
    for (language, line, foreign) in [
        ("zh-CN", "实验 `tiny` 完成", "done"),
        ("en", "experiment `tiny` done", "完成"),
    ] {
        let book = TestBook::new()
            .file(
                "content/book.toml",
                &format!("title = \"T\"\nlanguage = \"{language}\"\n"),
            )
            .chapter("a.md", &format!("# A\n\n{BLOCK}"));
        // stderr is a pipe here, so the progress comes as one line per experiment.
        let output = book.run_cli(&["build"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{language}: {stderr}");
        assert!(stderr.contains(line), "{language}: {stderr}");
        assert!(!stderr.contains(foreign), "{language}: {stderr}");
    }
}

fn context(text: &str, char_at: usize) -> String {
    text.chars()
        .skip(char_at.saturating_sub(40))
        .take(80)
        .collect()
}
