//! Chapter Markdown → HTML by rewriting pulldown-cmark's event stream: math becomes MathML,
//! headings get ids and anchor links, and each ```` ```experiment ```` block is replaced by
//! the figures computed for it. Also finds experiment blocks (with their lines) for the
//! experiment layer. Knows nothing of training or templates.

mod highlight;
mod links;
mod math;
mod refs;
mod sections;

use std::collections::HashMap;
use std::path::Path;

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, TextMergeWithOffset,
};

use crate::diagnostic::{Diagnostic, column_of_offset, line_of_offset};
use crate::locale::Words;

pub use highlight::code_block_html;
pub use links::{LinkRef, is_external, percent_decode, percent_encode_path, split_fragment};
pub use math::{MathError, latex_to_mathml};
pub use refs::{FigureLink, REF_OPEN, RefProblem, ResolveRef, no_figures, replace_refs};
use sections::SectionCollector;
pub use sections::SectionText;

/// The info string that marks an experiment block.
pub const EXPERIMENT_FENCE: &str = "experiment";

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_MATH
}

/// An ```` ```experiment ```` block as found in a chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentBlock {
    /// 1-based line of the opening fence in the chapter file.
    pub fence_line: usize,
    /// 1-based line of the block's first TOML line (line 1 inside the block).
    pub first_line: usize,
    pub toml: String,
    /// The bytes of the chapter the block spans, fences included.
    pub range: std::ops::Range<usize>,
}

/// Every experiment block of a chapter, in order.
pub fn find_experiment_blocks(markdown: &str) -> Vec<ExperimentBlock> {
    let mut blocks = Vec::new();
    let mut current: Option<ExperimentBlock> = None;
    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if is_experiment(&info) => {
                let fence_line = line_of_offset(markdown, range.start);
                current = Some(ExperimentBlock {
                    fence_line,
                    first_line: fence_line + 1,
                    toml: String::new(),
                    range: range.clone(),
                });
            }
            Event::Text(text) => {
                if let Some(block) = current.as_mut() {
                    block.toml.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            _ => {}
        }
    }
    blocks
}

fn is_experiment(info: &str) -> bool {
    info.split_whitespace().next() == Some(EXPERIMENT_FENCE)
}

/// A heading of a rendered chapter, for the table of contents and links.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RenderedChapter {
    pub html: String,
    pub headings: Vec<Heading>,
    /// Every link as written (`other.md#x`), located, for the book-wide link check.
    pub links: Vec<LinkRef>,
    /// The chapter's text cut at its headings, for the search index.
    pub sections: Vec<SectionText>,
}

/// Render a chapter. `figures[i]` is the HTML that replaces the i-th experiment block.
/// Formulas that do not convert become warnings (file and line) and are shown as code.
/// Figure references (`{{#ref …}}`) are left as text: see [`render_chapter`].
pub fn render(
    markdown: &str,
    file: &Path,
    figures: &[String],
    words: &Words,
    warnings: &mut Vec<Diagnostic>,
) -> RenderedChapter {
    render_chapter(
        markdown,
        file,
        figures,
        &no_figures,
        words,
        warnings,
        &mut Vec::new(),
    )
}

/// [`render`], also replacing each figure reference `{{#ref target}}` in the prose (not in
/// code) by a link from `resolve`. A reference that does not resolve is an error (file, line,
/// column) in `errors`.
pub fn render_chapter(
    markdown: &str,
    file: &Path,
    figures: &[String],
    resolve: ResolveRef,
    words: &Words,
    warnings: &mut Vec<Diagnostic>,
    errors: &mut Vec<Diagnostic>,
) -> RenderedChapter {
    let mut events: Vec<Event> = Vec::new();
    let mut headings = Vec::new();
    let mut used_ids: HashMap<String, usize> = HashMap::new();
    let mut heading: Option<(HeadingLevel, Option<String>, Vec<Event>)> = None;
    let mut in_experiment = false;
    let mut block_index = 0;
    // An ordinary fenced code block being collected: (info string, code so far).
    let mut code: Option<(String, String)> = None;
    let mut links = Vec::new();
    let mut search = SectionCollector::new();

    // Text events merged (a reference may span several), then references expanded outside
    // code blocks.
    let mut code_depth = 0usize;
    let stream = TextMergeWithOffset::new(Parser::new_ext(markdown, options()).into_offset_iter())
        .flat_map(|(event, range)| {
            match event {
                Event::Start(Tag::CodeBlock(_)) => code_depth += 1,
                Event::End(TagEnd::CodeBlock) => code_depth = code_depth.saturating_sub(1),
                Event::Text(text) if code_depth == 0 => {
                    return refs::expand(text, &range, markdown, file, resolve, errors)
                        .into_iter()
                        .map(|e| (e, range.clone()))
                        .collect::<Vec<_>>();
                }
                _ => {}
            }
            vec![(event, range)]
        });
    for (event, range) in stream {
        let event = match event {
            Event::InlineMath(latex) | Event::DisplayMath(latex) if in_experiment => {
                Event::Text(latex)
            }
            Event::InlineMath(latex) => {
                math_event(&latex, false, markdown, range.start, file, warnings)
            }
            Event::DisplayMath(latex) => {
                math_event(&latex, true, markdown, range.start, file, warnings)
            }
            other => other,
        };
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref info)))
                if is_experiment(info) =>
            {
                in_experiment = true;
                let figure = figures.get(block_index).cloned().unwrap_or_default();
                events.push(Event::Html(CowStr::from(figure)));
                block_index += 1;
            }
            Event::End(TagEnd::CodeBlock) if in_experiment => in_experiment = false,
            _ if in_experiment => {}
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                code = Some((info.to_string(), String::new()));
            }
            Event::Text(ref text) if code.is_some() => {
                if let Some((_, body)) = code.as_mut() {
                    body.push_str(text);
                }
            }
            Event::End(TagEnd::CodeBlock) if code.is_some() => {
                let (info, body) = code.take().expect("checked");
                search.text(&body);
                search.block_end();
                events.push(Event::Html(CowStr::from(code_block_html(&info, &body))));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                links.push(LinkRef {
                    dest: dest_url.to_string(),
                    line: line_of_offset(markdown, range.start),
                    column: column_of_offset(markdown, range.start),
                });
                let link = Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::from(links::rewrite(&dest_url)),
                    title,
                    id,
                });
                match heading.as_mut() {
                    Some((_, _, inner)) => inner.push(link),
                    None => events.push(link),
                }
            }
            Event::Start(Tag::Heading { level, ref id, .. }) => {
                heading = Some((level, id.as_ref().map(|id| id.to_string()), Vec::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, explicit_id, inner)) = heading.take() {
                    let text = plain_text(&inner);
                    let id =
                        unique_id(explicit_id.unwrap_or_else(|| slugify(&text)), &mut used_ids);
                    let mut inner_html = String::new();
                    pulldown_cmark::html::push_html(&mut inner_html, inner.into_iter());
                    let n = level as u8;
                    events.push(Event::Html(CowStr::from(format!(
                        "<h{n} id=\"{id}\">{inner_html} <a class=\"anchor\" href=\"#{id}\" aria-label=\"{}\">#</a></h{n}>\n",
                        escape_html(&words.page.section_link)
                    ))));
                    search.heading(&id, &text);
                    headings.push(Heading { level: n, id, text });
                }
            }
            other => {
                if heading.is_none() {
                    collect_search_text(&other, &mut search);
                }
                match heading.as_mut() {
                    Some((_, _, inner)) => inner.push(other),
                    None => events.push(other),
                }
            }
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    RenderedChapter {
        html,
        headings,
        links,
        sections: search.finish(),
    }
}

fn collect_search_text(event: &Event, search: &mut SectionCollector) {
    match event {
        Event::Text(t) | Event::Code(t) => search.text(t),
        Event::SoftBreak | Event::HardBreak => search.text(" "),
        Event::End(
            TagEnd::Paragraph
            | TagEnd::Item
            | TagEnd::TableCell
            | TagEnd::CodeBlock
            | TagEnd::BlockQuote(_),
        ) => search.block_end(),
        _ => {}
    }
}

fn math_event<'a>(
    latex: &str,
    display: bool,
    markdown: &str,
    offset: usize,
    file: &Path,
    warnings: &mut Vec<Diagnostic>,
) -> Event<'a> {
    match latex_to_mathml(latex, display) {
        Ok(mathml) => Event::InlineHtml(CowStr::from(mathml)),
        Err(message) => {
            let line = line_of_offset(markdown, offset);
            warnings.push(
                Diagnostic::warning(file, line, format!("formula cannot be converted to MathML: {message}"))
                    .with_snippet_from(markdown)
                    .with_hint("it is shown as code; check the LaTeX (\\tag and some environments are unsupported)"),
            );
            let class = if display {
                "math-error display"
            } else {
                "math-error"
            };
            Event::InlineHtml(CowStr::from(format!(
                "<code class=\"{class}\">{}</code>",
                escape_html(latex)
            )))
        }
    }
}

/// The text of a heading's inline events (for its id and the table of contents).
fn plain_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::InlineMath(t) => text.push_str(t),
            _ => {}
        }
    }
    text
}

/// A heading id: lowercase ASCII letters and digits, CJK and other letters kept as they are,
/// whitespace and dashes become single '-', other punctuation dropped.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '_' {
            slug.extend(c.to_lowercase());
        } else if (c.is_whitespace() || c == '-') && !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "section".into()
    } else {
        slug
    }
}

fn unique_id(id: String, used: &mut HashMap<String, usize>) -> String {
    let count = used.entry(id.clone()).or_insert(0);
    *count += 1;
    if *count == 1 {
        id
    } else {
        format!("{id}-{}", *count - 1)
    }
}

/// Minimal HTML escaping for text placed inside elements and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locale::Language;

    const CHAPTER: &str = "# 梯度 消失\n\n正文 $a^2$ 与\n\n$$\\frac{1}{4}$$\n\n## 实验\n\n```experiment\nid = \"x\"\ntitle = \"t\"\n```\n\n## 实验\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";

    #[test]
    fn finds_blocks_with_lines() {
        let blocks = find_experiment_blocks(CHAPTER);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].fence_line, 9);
        assert_eq!(blocks[0].first_line, 10);
        assert_eq!(blocks[0].toml, "id = \"x\"\ntitle = \"t\"\n");
    }

    #[test]
    fn renders_math_headings_tables_and_figures() {
        let mut warnings = Vec::new();
        let out = render(
            CHAPTER,
            Path::new("ch.md"),
            &["<figure>F</figure>".into()],
            Language::ZhCn.words(),
            &mut warnings,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(out.html.contains("<math"), "{}", out.html);
        assert!(out.html.contains("display=\"block\""));
        assert!(out.html.contains("<figure>F</figure>"));
        assert!(
            !out.html.contains("id = &quot;x&quot;"),
            "the block's TOML is replaced"
        );
        assert!(out.html.contains("<table>"));
        assert!(out.html.contains("aria-label=\"本节链接\">#</a></h1>"));
        let ids: Vec<&str> = out.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, vec!["梯度-消失", "实验", "实验-1"]);
    }

    #[test]
    fn bad_formula_is_a_located_warning_shown_as_code() {
        let mut warnings = Vec::new();
        let out = render(
            "a\n\nb $\\notacommand x$ c\n",
            Path::new("ch.md"),
            &[],
            Language::ZhCn.words(),
            &mut warnings,
        );
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].line, 3);
        assert!(out.html.contains("<code class=\"math-error\">"));
    }
}
