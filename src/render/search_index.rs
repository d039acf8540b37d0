//! `search-index.js`: every section of every chapter (heading, anchor, plain text), assigned to
//! a global so the page can load it with a `<script>` tag, which works from file:// where
//! `fetch` does not.

use serde::Serialize;

use crate::book::Book;
use crate::markdown::RenderedChapter;

use super::url_path;

#[derive(Serialize)]
struct Index<'a> {
    /// Chapter titles; documents refer to them by position.
    chapters: Vec<&'a str>,
    docs: Vec<Doc<'a>>,
}

/// Short keys: the index ships to every reader who searches.
#[derive(Serialize)]
struct Doc<'a> {
    /// Chapter (index into `chapters`).
    c: usize,
    /// Section heading, "" for text before the chapter's first heading.
    s: &'a str,
    /// Link from the site root: `chapter.html#anchor`.
    u: String,
    /// The section's plain text.
    t: &'a str,
}

pub fn search_index_js(book: &Book, bodies: &[RenderedChapter]) -> String {
    let mut docs = Vec::new();
    for (c, (chapter, body)) in book.chapters.iter().zip(bodies).enumerate() {
        let page = url_path(&chapter.html_path());
        for section in &body.sections {
            docs.push(Doc {
                c,
                s: &section.heading,
                u: match &section.id {
                    Some(id) => format!("{page}#{id}"),
                    None => page.clone(),
                },
                t: &section.text,
            });
        }
    }
    let index = Index {
        chapters: book.chapters.iter().map(|c| c.title.as_str()).collect(),
        docs,
    };
    let json = serde_json::to_string(&index).expect("plain data serializes");
    format!("window.GRADBOOK_SEARCH = {json};\n")
}
