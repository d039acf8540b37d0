//! The build's chapter stage: every chapter's Markdown rendered to HTML with its figures and
//! figure references in place, in parallel, gathered in chapter order. A chapter rendered
//! before from the same inputs, without a warning, comes from the chapter cache
//! (`<book>/.gradbook/chapters/`), so a prose edit converts one chapter, not the book.
//!
//! A chapter's key holds its text, the HTML of its blocks, what its references can point at
//! (every chapter's path, number and title; every block's figures), the book's language and
//! the program's identity (see `figure_cache`).

use rayon::prelude::*;

use super::figure_cache::program_identity;
use crate::book::Book;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::experiment::cache::Cache;
use crate::markdown::{self, RenderedChapter};
use crate::render::figure::FigureIndex;

/// The extension of an entry under the cache's directory.
const EXTENSION: &str = "chapter";

/// Every chapter rendered, in order. Warnings are appended to `warnings`; references that do
/// not resolve are the errors.
pub(super) fn render_chapters(
    book: &Book,
    figure_html: &[Vec<String>],
    figure_index: &FigureIndex,
    no_cache: bool,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<RenderedChapter>, Diagnostics> {
    let cache = match program_identity() {
        Some(_) if !no_cache => Cache::in_dir(book.root.join(".gradbook").join("chapters")),
        _ => Cache::disabled(),
    };
    let targets = targets_digest(book, figure_index);
    let rendered: Vec<(RenderedChapter, Vec<Diagnostic>, Vec<Diagnostic>)> = book
        .chapters
        .par_iter()
        .enumerate()
        .map(|(i, chapter)| {
            let key = key_of(book, i, &figure_html[i], &targets);
            if let Some(body) = cache.load_entry(&key, EXTENSION) {
                return (body, Vec::new(), Vec::new());
            }
            let file = book.content_dir().join(&chapter.path);
            let (mut warnings, mut errors) = (Vec::new(), Vec::new());
            let body = markdown::render_chapter(
                &chapter.source,
                &file,
                &figure_html[i],
                &|target| figure_index.resolve(book, i, target),
                book.words(),
                &mut warnings,
                &mut errors,
            );
            if warnings.is_empty() && errors.is_empty() {
                cache.store_entry(&key, EXTENSION, &body);
            }
            (body, warnings, errors)
        })
        .collect();
    let mut ref_errors = Vec::new();
    let mut bodies = Vec::with_capacity(rendered.len());
    for (body, chapter_warnings, errors) in rendered {
        bodies.push(body);
        warnings.extend(chapter_warnings);
        ref_errors.extend(errors);
    }
    if ref_errors.is_empty() {
        Ok(bodies)
    } else {
        Err(Diagnostics(ref_errors))
    }
}

/// What a chapter's references can resolve to, hashed once for every chapter's key.
fn targets_digest(book: &Book, figure_index: &FigureIndex) -> String {
    let mut text = format!("{figure_index:?}\n");
    for chapter in &book.chapters {
        text.push_str(&format!(
            "{:?} {:?} {:?}\n",
            chapter.path,
            chapter.number_label(),
            chapter.title
        ));
    }
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

/// The key of chapter `index`, whose blocks become `figure_html`.
fn key_of(book: &Book, index: usize, figure_html: &[String], targets: &str) -> String {
    let chapter = &book.chapters[index];
    let mut hasher = blake3::Hasher::new();
    let head = format!(
        "gradbook chapter\nprogram {}\nlanguage {:?}\nchapter {:?}\ntargets {targets}\nblocks {}\n",
        program_identity().unwrap_or_default(),
        book.config.language,
        chapter.path,
        figure_html.len(),
    );
    hasher.update(head.as_bytes());
    for html in figure_html {
        hasher.update(&(html.len() as u64).to_le_bytes());
        hasher.update(html.as_bytes());
    }
    hasher.update(b"\nsource\n");
    hasher.update(chapter.source.as_bytes());
    hasher.finalize().to_hex().to_string()
}
