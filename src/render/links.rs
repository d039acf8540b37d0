//! The book-wide link check: a link to a chapter that SUMMARY.md does not list, or to an
//! `#anchor` that the target page does not have, is an error at the link's line and column.
//! Links to other files (figures, data, images) and to other sites are not checked.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use crate::book::Book;
use crate::diagnostic::Diagnostic;
use crate::markdown::{LinkRef, RenderedChapter, is_external, percent_decode, split_fragment};

/// Pages that every site has besides its chapters.
const SITE_PAGES: [&str; 3] = ["index.html", "print.html", "404.html"];

pub fn check_links(book: &Book, bodies: &[RenderedChapter]) -> Vec<Diagnostic> {
    let ids: Vec<HashSet<String>> = bodies.iter().map(|b| element_ids(&b.html)).collect();
    let mut errors = Vec::new();
    for (index, (chapter, body)) in book.chapters.iter().zip(bodies).enumerate() {
        let file = book.content_dir().join(&chapter.path);
        let error = |link: &LinkRef, message: String, hint: String| {
            Diagnostic::error(&file, link.line, message)
                .with_column(link.column)
                .with_snippet_from(&chapter.source)
                .with_hint(hint)
        };
        for link in &body.links {
            if is_external(&link.dest) || link.dest.starts_with('/') {
                continue;
            }
            let (path, fragment) = split_fragment(&link.dest);
            let Some(path) = percent_decode(path) else {
                errors.push(error(
                    link,
                    format!("malformed link `{}`", link.dest),
                    "check the %-escapes".into(),
                ));
                continue;
            };
            let target = if path.is_empty() {
                Some(index)
            } else {
                let resolved =
                    normalize(&chapter.path.parent().unwrap_or(Path::new("")).join(&path));
                let is_md = resolved.extension().is_some_and(|e| e == "md");
                let is_html = resolved.extension().is_some_and(|e| e == "html");
                if !is_md && !is_html {
                    continue;
                }
                let found = book.chapters.iter().position(|c| {
                    if is_md {
                        c.path == resolved
                    } else {
                        c.html_path() == resolved
                    }
                });
                if found.is_none()
                    && !(is_html && SITE_PAGES.iter().any(|p| Path::new(p) == resolved))
                {
                    errors.push(error(
                        link,
                        format!("link to a missing chapter: `{}` is not in SUMMARY.md", resolved.display()),
                        "link to chapters as `other.md` or `other.md#section`, relative to this chapter's file".into(),
                    ));
                    continue;
                }
                if resolved == Path::new("index.html") {
                    Some(0)
                } else {
                    found
                }
            };
            let (Some(target), Some(fragment)) = (target, fragment) else {
                continue;
            };
            let fragment = percent_decode(fragment).unwrap_or_else(|| fragment.to_string());
            if !fragment.is_empty() && !ids[target].contains(&fragment) {
                let mut known: Vec<&str> = bodies[target]
                    .headings
                    .iter()
                    .map(|h| h.id.as_str())
                    .collect();
                known.truncate(8);
                errors.push(error(
                    link,
                    format!(
                        "link to a missing anchor: `{}` has no `#{fragment}`",
                        book.chapters[target].path.display()
                    ),
                    format!("its section anchors are: {}", known.join(", ")),
                ));
            }
        }
    }
    errors
}

/// `a/../b/./c.md` → `b/c.md` (a leading `..` that leaves the book is kept, and then matches
/// no chapter).
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Every `id="…"` in a page body: heading anchors, figure anchors, footnotes.
fn element_ids(html: &str) -> HashSet<String> {
    html.split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(id, _)| id.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_relative_paths() {
        assert_eq!(
            normalize(Path::new("a/../b/./c.md")),
            PathBuf::from("b/c.md")
        );
        assert_eq!(normalize(Path::new("../x.md")), PathBuf::from("../x.md"));
    }

    #[test]
    fn finds_ids_in_html() {
        let ids = element_ids("<h2 id=\"梯度\">x</h2><figure class=\"f\" id=\"fig-a\">");
        assert!(ids.contains("梯度") && ids.contains("fig-a"));
    }
}
