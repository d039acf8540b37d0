//! Pages: chapter bodies into the tera page template (table of contents, previous/next,
//! `<html lang>`), the stylesheet, and the output files. Templates compiled into the binary are
//! the defaults; a book's own `templates/` overrides them file by file.

pub mod figure;
mod output;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::book::Book;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::markdown::{Heading, RenderedChapter};

pub use output::{OutputFile, write_site};

const DEFAULT_PAGE: &str = include_str!("../../templates/page.html");
const DEFAULT_CSS: &str = include_str!("../../templates/gradbook.css");

pub struct Templates {
    tera: tera::Tera,
    css: String,
}

impl Templates {
    /// The built-in templates, each replaced by `<book>/templates/<name>` when that file exists.
    pub fn load(book_root: &Path) -> Result<Self, Diagnostics> {
        let dir = book_root.join("templates");
        let page = read_override(&dir, "page.html", DEFAULT_PAGE)?;
        let css = read_override(&dir, "gradbook.css", DEFAULT_CSS)?;
        let mut tera = tera::Tera::new();
        tera.add_raw_template("page.html", &page)
            .map_err(|e| template_error(&dir.join("page.html"), &e))?;
        Ok(Templates { tera, css })
    }
}

fn read_override(dir: &Path, name: &str, default: &str) -> Result<String, Diagnostics> {
    let path = dir.join(name);
    if !path.exists() {
        return Ok(default.to_string());
    }
    std::fs::read_to_string(&path).map_err(|e| {
        Diagnostics(vec![Diagnostic::error(
            &path,
            0,
            format!("cannot read template: {e}"),
        )])
    })
}

fn template_error(path: &Path, error: &tera::Error) -> Diagnostics {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    Diagnostics(vec![Diagnostic::error(
        path,
        0,
        format!("template error: {message}"),
    )])
}

#[derive(Serialize)]
struct TocEntry {
    href: String,
    number: String,
    title: String,
    level: usize,
    current: bool,
    /// A part title shown above this entry, if one starts here.
    part: Option<String>,
}

#[derive(Serialize)]
struct PageLink {
    href: String,
    title: String,
}

#[derive(Serialize)]
struct PageContext<'a> {
    lang: &'a str,
    book_title: &'a str,
    description: &'a str,
    page_title: &'a str,
    root: String,
    toc: Vec<TocEntry>,
    sections: Vec<&'a Heading>,
    content: &'a str,
    prev: Option<PageLink>,
    next: Option<PageLink>,
}

/// Every page of the book (each chapter, plus `index.html` = the first chapter) and the CSS.
pub fn render_pages(
    book: &Book,
    bodies: &[RenderedChapter],
    templates: &Templates,
) -> Result<Vec<OutputFile>, Diagnostics> {
    let mut files = Vec::new();
    for (index, chapter) in book.chapters.iter().enumerate() {
        let html = render_page(book, bodies, templates, index, &chapter.html_path())?;
        files.push(OutputFile::new(chapter.html_path(), html));
        if index == 0 {
            let html = render_page(book, bodies, templates, index, Path::new("index.html"))?;
            files.push(OutputFile::new("index.html", html));
        }
    }
    files.push(OutputFile::new("gradbook.css", templates.css.clone()));
    files.push(OutputFile::new(".nojekyll", ""));
    Ok(files)
}

fn render_page(
    book: &Book,
    bodies: &[RenderedChapter],
    templates: &Templates,
    index: usize,
    page: &Path,
) -> Result<String, Diagnostics> {
    let root = relative_root(page);
    let chapter = &book.chapters[index];
    let link = |i: usize| PageLink {
        href: format!("{root}{}", url_path(&book.chapters[i].html_path())),
        title: book.chapters[i].title.clone(),
    };
    let toc = book
        .chapters
        .iter()
        .enumerate()
        .map(|(i, c)| TocEntry {
            href: format!("{root}{}", url_path(&c.html_path())),
            number: c.number_label(),
            title: c.title.clone(),
            level: c.level,
            current: i == index,
            part: book
                .summary
                .parts
                .iter()
                .find(|p| p.before_item == i)
                .map(|p| p.title.clone()),
        })
        .collect();
    let body = &bodies[index];
    let context = PageContext {
        lang: &book.config.language,
        book_title: &book.config.title,
        description: &book.config.description,
        page_title: &chapter.title,
        root: root.clone(),
        toc,
        sections: body.headings.iter().filter(|h| h.level == 2).collect(),
        content: &body.html,
        prev: index.checked_sub(1).map(link),
        next: (index + 1 < book.chapters.len()).then(|| link(index + 1)),
    };
    let context = tera::Context::from_serialize(&context)
        .map_err(|e| template_error(Path::new("page.html"), &e))?;
    templates
        .tera
        .render("page.html", &context)
        .map_err(|e| template_error(&book.root.join("templates/page.html"), &e))
}

/// `a/b.html` → `../`: the prefix that leads from a page back to the site root.
pub fn relative_root(page: &Path) -> String {
    "../".repeat(page.components().count().saturating_sub(1))
}

/// A relative path as a URL path (forward slashes on every platform).
pub fn url_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Where a chapter's figures and data go: `figures/<chapter path without .md>/`.
pub fn figure_dir(chapter_path: &Path) -> PathBuf {
    Path::new("figures").join(chapter_path.with_extension(""))
}
