//! Generators for SUMMARY.md in mdBook's format (src/book/summary.rs): titles, parts,
//! separators, comments, prefix and suffix chapters, nested lists at odd indents, and links
//! that are broken, empty, not Markdown, or leave the book.

use proptest::prelude::*;

/// Tokens for mutating summaries.
pub const WORDS: &[&str] = &[
    "- ", "* ", "[", "]", "(", ")", "](", ".md", "# ", "---", "<!--", "-->", "  ", "\t", "../",
    "/", "#frag", "é", "\u{feff}",
];

fn title() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(&["一", "Intro", "Ch 2: *why*", "a [b] c", "", "  ", "`code`", "<b>&</b>", "]("][..])
            .prop_map(str::to_string),
        1 => "[^\\n\\]]{0,12}",
    ]
    .boxed()
}

fn target() -> BoxedStrategy<String> {
    prop_oneof![
        6 => (prop::sample::select(&["", "part/", "a/b/", "./", "章/"][..]), "[a-z]{1,6}")
            .prop_map(|(dir, name)| format!("{dir}{name}.md")),
        2 => prop::sample::select(&[
            "../outside.md", "/etc/passwd.md", "a b.md", "x.txt", "", "a.md#frag", "<a.md>",
            "a\\b.md", "é.md", "a.md \"title\"", ".md", "C:\\x.md", "a.md)", "%2e%2e/x.md",
            "a//b.md", "..", "./../a.md",
        ][..]).prop_map(str::to_string),
    ]
    .boxed()
}

/// `[title](target)`, sometimes malformed.
fn link() -> BoxedStrategy<String> {
    (title(), target(), 0u8..12)
        .prop_map(|(title, target, shape)| match shape {
            0 => format!("[{title}]({target}"),
            1 => format!("[{title}({target})"),
            2 => format!("[{title}]({target}) trailing"),
            3 => format!("[{title}] ({target})"),
            _ => format!("[{title}]({target})"),
        })
        .boxed()
}

fn line() -> BoxedStrategy<String> {
    let indent = prop_oneof![
        4 => (0usize..6).prop_map(|n| "  ".repeat(n)),
        1 => (0usize..13).prop_map(|n| " ".repeat(n)),
        1 => (1usize..3).prop_map(|n| "\t".repeat(n)),
    ];
    prop_oneof![
        8 => (indent, prop::sample::select(&["- ", "* ", "- ", "-", "+ ", "1. "][..]), link())
            .prop_map(|(i, m, l)| format!("{i}{m}{l}")),
        2 => link(),
        1 => prop::sample::select(&["# Summary", "# Part I", "## 第二部分", "#", "# ", "#no space"][..]).prop_map(str::to_string),
        1 => prop::sample::select(&["---", "-----", "***", "--", " --- "][..]).prop_map(str::to_string),
        1 => prop::sample::select(&["", "   ", "<!-- note -->", "<!-- open", "stray words", "\u{3000}"][..]).prop_map(str::to_string),
    ]
    .boxed()
}

/// A whole SUMMARY.md: mostly a title and list lines, with LF or CRLF, sometimes a BOM.
pub fn summary() -> BoxedStrategy<String> {
    (
        any::<bool>(),
        prop::collection::vec(line(), 0..40),
        prop::sample::select(&["\n", "\n", "\r\n", "\n\n"][..]),
        0u8..8,
    )
        .prop_map(|(titled, lines, newline, bom)| {
            let mut text = String::new();
            if bom == 0 {
                text.push('\u{feff}');
            }
            if titled {
                text.push_str("# Summary");
                text.push_str(newline);
            }
            text.push_str(&lines.join(newline));
            text
        })
        .boxed()
}
