//! Code blocks highlighted at build time with syntect: the HTML carries scope classes
//! (`hl-keyword`, `hl-string`, …) and the stylesheet colours them for the light and the dark
//! theme, so pages need no JavaScript and switching themes recolours code too.

use std::sync::OnceLock;

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use super::escape_html;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Loading syntect's default grammars takes tens of milliseconds: do it once per process.
fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// A fenced code block as HTML. `info` is the fence's info string (`rust`, `python title`…);
/// an unknown or missing language gives plain escaped code.
pub fn code_block_html(info: &str, code: &str) -> String {
    let lang = info
        .split(|c: char| c.is_whitespace() || c == ',')
        .next()
        .unwrap_or("");
    let class = if lang.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{}\"", escape_html(lang))
    };
    let highlighted = (!lang.is_empty())
        .then(|| highlight(lang, code))
        .flatten()
        .unwrap_or_else(|| escape_html(code));
    format!("<pre><code{class}>{highlighted}</code></pre>\n")
}

fn highlight(lang: &str, code: &str) -> Option<String> {
    let set = syntaxes();
    let syntax = set
        .find_syntax_by_token(lang)
        .or_else(|| set.find_syntax_by_name(lang))?;
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    Some(generator.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_scope_classes() {
        let html = code_block_html("rust", "fn main() { let x = \"s\"; } // done\n");
        assert!(
            html.starts_with("<pre><code class=\"language-rust\">"),
            "{html}"
        );
        assert!(
            html.contains("hl-keyword") || html.contains("hl-storage"),
            "{html}"
        );
        assert!(html.contains("hl-string"), "{html}");
        assert!(html.contains("hl-comment"), "{html}");
    }

    #[test]
    fn unknown_languages_are_escaped_plain_text() {
        let html = code_block_html("nosuchlang", "a < b && c\n");
        assert_eq!(
            html,
            "<pre><code class=\"language-nosuchlang\">a &lt; b &amp;&amp; c\n</code></pre>\n"
        );
        assert!(code_block_html("", "x\n").starts_with("<pre><code>x"));
    }
}
