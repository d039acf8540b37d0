//! The HTML pages: one per chapter (a sidebar that `toc.js` fills, the section list,
//! previous/next),
//! `print.html` (the whole book on one page) and `404.html`, all from the one page template.

use std::path::Path;

use serde::Serialize;

use crate::book::Book;
use crate::diagnostic::Diagnostics;
use crate::locale::{Words, fill};
use crate::markdown::{Heading, RenderedChapter, escape_html, percent_encode_path};

use super::templates::{Templates, template_error};
use super::{relative_root, url_path};

#[derive(Serialize)]
struct PageLink {
    href: String,
    title: String,
}

#[derive(Serialize)]
struct PageContext<'a> {
    /// "chapter", "print" or "404": what the template shows around the content.
    kind: &'static str,
    lang: &'a str,
    og_locale: String,
    /// The chrome's words, in the book's language: `{{ words.page.contents }}`.
    words: &'a Words,
    book_title: &'a str,
    description: &'a str,
    page_title: &'a str,
    /// From this page back to the site root ("", "../", …).
    root: String,
    /// `<base href>`: only the 404 page, which is served at any depth of the site.
    base_href: Option<&'a str>,
    canonical: Option<String>,
    /// The page's chapter, as `toc.js` finds it in the table of contents (its path from the
    /// root); `None` off the chapter pages.
    current: Option<String>,
    sections: Vec<&'a Heading>,
    content: &'a str,
    prev: Option<PageLink>,
    next: Option<PageLink>,
    /// mdBook's `default-theme`: "light" or "dark"; `None` follows the reader's system.
    default_theme: Option<&'static str>,
    /// mdBook's `git-repository-url`: a link in the header.
    git_repository_url: Option<&'a str>,
    /// mdBook's `additional-css` and `additional-js`, as links from this page.
    additional_css: Vec<String>,
    additional_js: Vec<String>,
}

/// The page of chapter `index`, written at `page` (its own path, or `index.html`).
pub fn chapter_page(
    book: &Book,
    bodies: &[RenderedChapter],
    templates: &Templates,
    index: usize,
    page: &Path,
) -> Result<String, Diagnostics> {
    let root = relative_root(page);
    let link = |i: usize| PageLink {
        href: format!("{root}{}", url_path(&book.chapters[i].html_path())),
        title: book.chapters[i].title.clone(),
    };
    let body = &bodies[index];
    let context = PageContext {
        sections: body.headings.iter().filter(|h| h.level == 2).collect(),
        prev: index.checked_sub(1).map(link),
        next: (index + 1 < book.chapters.len()).then(|| link(index + 1)),
        ..base_context(
            book,
            "chapter",
            book.chapters[index]
                .page_title
                .as_deref()
                .unwrap_or(&book.chapters[index].title),
            &body.html,
            page,
            Some(index),
        )
    };
    render(templates, &context)
}

/// Every chapter in order on one page, for printing or saving as PDF.
pub fn print_page(
    book: &Book,
    bodies: &[RenderedChapter],
    templates: &Templates,
) -> Result<String, Diagnostics> {
    let mut content = String::new();
    for (chapter, body) in book.chapters.iter().zip(bodies) {
        let dir = url_path(chapter.path.parent().unwrap_or(Path::new("")));
        content.push_str(&format!(
            "<section class=\"print-chapter\" id=\"print-{}\">\n{}</section>\n",
            escape_html(&url_path(&chapter.path.with_extension("")).replace('/', "-")),
            rebase_links(&body.html, &dir)
        ));
    }
    let context = base_context(book, "print", "", &content, Path::new("print.html"), None);
    render(templates, &context)
}

/// Served by GitHub Pages for any missing path, at any depth: links go through `<base href>`.
pub fn not_found_page(book: &Book, templates: &Templates) -> Result<String, Diagnostics> {
    let words = &book.words().page;
    let first_chapter = format!(
        "<a href=\"index.html\">{}</a>",
        escape_html(&words.first_chapter)
    );
    let content = format!(
        "<h1 id=\"not-found\">{}</h1>\n<p>{}</p>\n",
        escape_html(&words.not_found_title),
        fill(
            &escape_html(&words.not_found_text),
            &[("first_chapter", &first_chapter)]
        )
    );
    let mut context = base_context(
        book,
        "404",
        &words.not_found_title,
        &content,
        Path::new("404.html"),
        None,
    );
    context.base_href = Some(&book.config.base_path);
    context.canonical = None;
    render(templates, &context)
}

fn base_context<'a>(
    book: &'a Book,
    kind: &'static str,
    page_title: &'a str,
    content: &'a str,
    page: &Path,
    current: Option<usize>,
) -> PageContext<'a> {
    let root = relative_root(page);
    let current = current.map(|i| url_path(&book.chapters[i].html_path()));
    let html = &book.config.html;
    let links = |paths: &[std::path::PathBuf]| -> Vec<String> {
        paths
            .iter()
            .map(|p| format!("{root}{}", percent_encode_path(&url_path(p))))
            .collect()
    };
    PageContext {
        default_theme: html.default_theme.map(|t| t.name()),
        git_repository_url: html.git_repository_url.as_deref(),
        additional_css: links(&html.additional_css),
        additional_js: links(&html.additional_js),
        kind,
        lang: book.config.language.tag(),
        og_locale: book.config.language.tag().replace('-', "_"),
        words: book.config.language.words(),
        book_title: &book.config.title,
        description: &book.config.description,
        page_title,
        root,
        base_href: None,
        canonical: page_url(book, page),
        current,
        sections: Vec::new(),
        content,
        prev: None,
        next: None,
    }
}

/// The page's full address when book.toml gives `site_url`; `index.html` is the site itself.
pub fn page_url(book: &Book, page: &Path) -> Option<String> {
    let site = book.config.site_url.as_deref()?;
    let site = site.trim_end_matches('/');
    let path = url_path(page);
    Some(match path.as_str() {
        "index.html" => format!("{site}/"),
        _ => format!("{site}/{}", percent_encode_path(&path)),
    })
}

fn render(templates: &Templates, context: &PageContext) -> Result<String, Diagnostics> {
    let context = tera::Context::from_serialize(context)
        .map_err(|e| template_error(&templates.page_path, &e))?;
    templates
        .tera
        .render("page.html", &context)
        .map_err(|e| template_error(&templates.page_path, &e))
}

/// A chapter's HTML with its relative links (written from the chapter's directory `dir`)
/// made relative to the site root instead, for `print.html`.
fn rebase_links(html: &str, dir: &str) -> String {
    if dir.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let next_link = |text: &str| {
        [text.find(" href=\""), text.find(" src=\"")]
            .into_iter()
            .flatten()
            .min()
    };
    while let Some(at) = next_link(rest) {
        let start = at + rest[at..].find('"').expect("found above") + 1;
        let end = start + rest[start..].find('"').unwrap_or(0);
        out.push_str(&rest[..start]);
        let link = &rest[start..end];
        if link.is_empty() || link.starts_with(['#', '/']) || crate::markdown::is_external(link) {
            out.push_str(link);
        } else {
            out.push_str(&join_url(dir, link));
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `part` + `../a.html` → `a.html`; `part` + `c.html#x` → `part/c.html#x`.
fn join_url(dir: &str, link: &str) -> String {
    let mut segments: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for segment in link.split('/') {
        match segment {
            "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    segments.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_page_links_are_rebased_to_the_site_root() {
        let html = "<img src=\"../i.png\"><a href=\"../a.html#x\">a</a><a href=\"c.html\">c</a><a href=\"#y\">y</a>\
                    <a href=\"https://e.org/\">e</a><img src=\"../figures/p/f.svg\">";
        assert_eq!(
            rebase_links(html, "part"),
            "<img src=\"i.png\"><a href=\"a.html#x\">a</a><a href=\"part/c.html\">c</a><a href=\"#y\">y</a>\
             <a href=\"https://e.org/\">e</a><img src=\"figures/p/f.svg\">"
        );
        assert_eq!(rebase_links(html, ""), html);
    }
}
