//! Figure references in prose: `{{#ref id}}` becomes a link "图 3.2" to the first figure of the
//! experiment block `id`; `{{#ref id:kind}}` to a given figure of it; `{{#ref other.md#id}}` to
//! a block of another chapter. Replaced in the event stream (text only, so never inside code),
//! as ordinary link events, so the book-wide link check sees them too. What a target means is
//! the caller's business: this module only finds references and asks a resolver.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

use crate::diagnostic::{Diagnostic, column_of_offset, line_of_offset};

/// What a reference opens with.
pub const REF_OPEN: &str = "{{#ref";
const REF_CLOSE: &str = "}}";

/// Where a resolved reference points and what it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureLink {
    /// As a link would be written in the chapter: `#fig-…` or `other.md#fig-…`.
    pub dest: String,
    /// The link text, e.g. "图 3.2".
    pub label: String,
    /// The figure's title (the link's tooltip).
    pub title: String,
}

/// Why a reference cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefProblem {
    pub message: String,
    pub hint: Option<String>,
}

/// Resolves the target of a reference (the text between `{{#ref` and `}}`, trimmed).
pub type ResolveRef<'r> = &'r dyn Fn(&str) -> Result<FigureLink, RefProblem>;

/// A resolver for chapters rendered without figures: every reference is unknown.
pub fn no_figures(target: &str) -> Result<FigureLink, RefProblem> {
    Err(RefProblem {
        message: format!("unknown figure reference `{target}`"),
        hint: None,
    })
}

/// A piece of a text event: plain text, or a reference (its target, and the byte offset of its
/// `{{#ref` in the text), or an opening without a proper end.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'t> {
    Text(&'t str),
    Ref(&'t str, usize),
    Malformed(usize),
}

fn split(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = 0;
    while let Some(found) = text[rest..].find(REF_OPEN) {
        let start = rest + found;
        if start > rest {
            pieces.push(Piece::Text(&text[rest..start]));
        }
        let inner_start = start + REF_OPEN.len();
        let target = text[inner_start..]
            .find(REF_CLOSE)
            .map(|end| &text[inner_start..inner_start + end])
            .filter(|t| t.starts_with(char::is_whitespace) && !t.trim().is_empty());
        match target {
            Some(t) if !t.trim().contains(char::is_whitespace) => {
                pieces.push(Piece::Ref(t.trim(), start));
                rest = inner_start + t.len() + REF_CLOSE.len();
            }
            _ => {
                pieces.push(Piece::Malformed(start));
                pieces.push(Piece::Text(REF_OPEN));
                rest = inner_start;
            }
        }
    }
    if rest < text.len() {
        pieces.push(Piece::Text(&text[rest..]));
    }
    pieces
}

/// Replace the references in one (merged) text event. `range` is the event's span in
/// `markdown`. A reference written `\{{#ref …}}` stays as text. Problems go to `errors`, and
/// the reference is left as text.
pub(super) fn expand<'a>(
    text: CowStr<'a>,
    range: &Range<usize>,
    markdown: &str,
    file: &std::path::Path,
    resolve: ResolveRef,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Event<'a>> {
    if !text.contains(REF_OPEN) {
        return vec![Event::Text(text)];
    }
    // Where each `{{#ref` of the text is in the source (the k-th of one is the k-th of the
    // other: escapes and entities do not produce braces).
    let source = markdown.get(range.clone()).unwrap_or_default();
    let mut in_source = source.match_indices(REF_OPEN).map(|(i, _)| range.start + i);
    let mut events = Vec::new();
    for piece in split(&text) {
        let located = |at: Option<usize>| {
            let offset = at.unwrap_or(range.start);
            (
                line_of_offset(markdown, offset),
                column_of_offset(markdown, offset),
            )
        };
        match piece {
            Piece::Text(t) => events.push(Event::Text(CowStr::from(t.to_string()))),
            Piece::Malformed(_) => {
                let at = in_source.next();
                if at.is_some_and(|at| at > 0 && markdown.as_bytes()[at - 1] == b'\\') {
                    continue;
                }
                let (line, column) = located(at);
                errors.push(
                    Diagnostic::error(file, line, format!("malformed figure reference: `{REF_OPEN}` without a target and `{REF_CLOSE}`"))
                        .with_column(column)
                        .with_snippet_from(markdown)
                        .with_hint("write {{#ref <block id>}}, {{#ref <block id>:<plot>}} or {{#ref other.md#<block id>}}; write \\{{#ref to show it as text"),
                );
            }
            Piece::Ref(target, _) => {
                let at = in_source.next();
                let whole = format!("{REF_OPEN} {target}{REF_CLOSE}");
                if at.is_some_and(|at| at > 0 && markdown.as_bytes()[at - 1] == b'\\') {
                    events.push(Event::Text(CowStr::from(whole)));
                    continue;
                }
                match resolve(target) {
                    Ok(link) => {
                        events.push(Event::Start(Tag::Link {
                            link_type: LinkType::Inline,
                            dest_url: CowStr::from(link.dest),
                            title: CowStr::from(link.title),
                            id: CowStr::from(""),
                        }));
                        events.push(Event::Text(CowStr::from(link.label)));
                        events.push(Event::End(TagEnd::Link));
                    }
                    Err(problem) => {
                        let (line, column) = located(at);
                        let d = Diagnostic::error(file, line, problem.message)
                            .with_column(column)
                            .with_snippet_from(markdown);
                        errors.push(match problem.hint {
                            Some(hint) => d.with_hint(hint),
                            None => d,
                        });
                        events.push(Event::Text(CowStr::from(whole)));
                    }
                }
            }
        }
    }
    events
}

/// The chapter `markdown` with its references written as Markdown links
/// (`[图 3.2](#fig-… "title")`), for a chapter handed on as text (the mdBook preprocessor).
/// Only references in text are replaced, never in code; `\{{#ref …}}` stays as written.
/// Problems go to `errors`, and the reference is left as it was.
pub fn replace_refs(
    markdown: &str,
    file: &std::path::Path,
    resolve: ResolveRef,
    errors: &mut Vec<Diagnostic>,
) -> String {
    if !markdown.contains(REF_OPEN) {
        return markdown.to_string();
    }
    let mut starts: Vec<usize> = Vec::new();
    let mut in_code = false;
    for (event, range) in
        pulldown_cmark::Parser::new_ext(markdown, super::options()).into_offset_iter()
    {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(_) if !in_code => {
                let source = markdown.get(range.clone()).unwrap_or_default();
                starts.extend(source.match_indices(REF_OPEN).map(|(i, _)| range.start + i));
            }
            _ => {}
        }
    }
    starts.dedup();
    let mut out = String::with_capacity(markdown.len());
    let mut at = 0;
    for start in starts {
        if start < at || (start > 0 && markdown.as_bytes()[start - 1] == b'\\') {
            continue;
        }
        let located = |message: String, hint: Option<String>| {
            let d = Diagnostic::error(file, line_of_offset(markdown, start), message)
                .with_column(column_of_offset(markdown, start))
                .with_snippet_from(markdown);
            match hint {
                Some(hint) => d.with_hint(hint),
                None => d,
            }
        };
        let Some(Piece::Ref(target, _)) = split(&markdown[start..]).into_iter().next() else {
            errors.push(located(
                format!("malformed figure reference: `{REF_OPEN}` without a target and `{REF_CLOSE}`"),
                Some("write {{#ref <block id>}}, {{#ref <block id>:<plot>}} or {{#ref other.md#<block id>}}; write \\{{#ref to show it as text".into()),
            ));
            continue;
        };
        let end = start
            + markdown[start..]
                .find(REF_CLOSE)
                .expect("a reference is closed")
            + REF_CLOSE.len();
        match resolve(target) {
            Ok(link) => {
                out.push_str(&markdown[at..start]);
                out.push_str(&format!(
                    "[{}](<{}> \"{}\")",
                    link.label,
                    link.dest,
                    link.title.replace('\\', "\\\\").replace('"', "\\\"")
                ));
                at = end;
            }
            Err(problem) => errors.push(located(problem.message, problem.hint)),
        }
    }
    out.push_str(&markdown[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_references_out_of_text() {
        assert_eq!(
            split("见{{#ref a-b}}与 {{#ref x.md#c:loss}}。"),
            vec![
                Piece::Text("见"),
                Piece::Ref("a-b", 3),
                Piece::Text("与 "),
                Piece::Ref("x.md#c:loss", 19),
                Piece::Text("。"),
            ]
        );
        assert_eq!(
            split("{{#ref}} {{#ref a"),
            vec![
                Piece::Malformed(0),
                Piece::Text(REF_OPEN),
                Piece::Text("}} "),
                Piece::Malformed(9),
                Piece::Text(REF_OPEN),
                Piece::Text(" a"),
            ]
        );
        assert_eq!(split("no refs"), vec![Piece::Text("no refs")]);
    }

    #[test]
    fn replaces_references_in_text_as_markdown_links_and_leaves_code_and_escapes() {
        let resolve = |target: &str| -> Result<FigureLink, RefProblem> {
            match target {
                "a" => Ok(FigureLink {
                    dest: "#fig-a-loss".into(),
                    label: "图 1.1".into(),
                    title: "say \"hi\"".into(),
                }),
                _ => Err(RefProblem {
                    message: format!("unknown figure reference `{target}`"),
                    hint: None,
                }),
            }
        };
        let text = "见 {{#ref a}}。\n\n`{{#ref a}}` 与 \\{{#ref a}}\n\n```\n{{#ref a}}\n```\n\n{{#ref nope}}\n";
        let mut errors = Vec::new();
        let out = replace_refs(text, std::path::Path::new("c.md"), &resolve, &mut errors);
        assert_eq!(
            out,
            "见 [图 1.1](<#fig-a-loss> \"say \\\"hi\\\"\")。\n\n`{{#ref a}}` 与 \\{{#ref a}}\n\n```\n{{#ref a}}\n```\n\n{{#ref nope}}\n"
        );
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].column), (9, 1));
    }
}
