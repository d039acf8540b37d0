//! The site: chapter pages, `print.html`, `404.html`, the table of contents (`toc.js`,
//! `toc.html`), the search index, `sitemap.xml`, the
//! assets (stylesheet, script, favicon) and `.nojekyll`, after checking every link between
//! chapters. Templates compiled into the binary are the defaults; a book's own `templates/`
//! overrides them file by file.

mod destination;
pub mod figure;
mod links;
mod output;
mod pages;
mod search_index;
mod static_files;
mod templates;
mod toc;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::book::Book;
use crate::diagnostic::Diagnostics;
use crate::markdown::{RenderedChapter, escape_html};

pub use destination::check_destination;
pub use links::check_links;
pub use output::{OutputFile, SITE_MARKER, build_leftovers, recover, write_site};
pub use pages::page_url;
pub use search_index::search_index_js;
pub use templates::Templates;

/// Every file of the site but the figures. Fails, writing nothing, on a broken internal link.
pub fn render_pages(
    book: &Book,
    bodies: &[RenderedChapter],
    templates: &Templates,
) -> Result<Vec<OutputFile>, Diagnostics> {
    let broken = check_links(book, bodies);
    if !broken.is_empty() {
        return Err(Diagnostics(broken));
    }
    // The chapter pages in parallel, beside the print page (the largest); gathered in
    // chapter order, the first failing page's error first, whatever the thread count.
    let chapter_pages = || -> Vec<Result<Vec<OutputFile>, Diagnostics>> {
        book.chapters
            .par_iter()
            .enumerate()
            .map(|(index, chapter)| {
                let html =
                    pages::chapter_page(book, bodies, templates, index, &chapter.html_path())?;
                let mut files = vec![OutputFile::new(chapter.html_path(), html)];
                if index == 0 && chapter.html_path() != Path::new("index.html") {
                    let html = pages::chapter_page(
                        book,
                        bodies,
                        templates,
                        index,
                        Path::new("index.html"),
                    )?;
                    files.push(OutputFile::new("index.html", html));
                }
                Ok(files)
            })
            .collect()
    };
    let (chapter_pages, print_page) =
        rayon::join(chapter_pages, || pages::print_page(book, bodies, templates));
    let mut files = Vec::new();
    for page in chapter_pages {
        files.extend(page?);
    }
    files.push(OutputFile::new("print.html", print_page?));
    files.push(OutputFile::new(
        "404.html",
        pages::not_found_page(book, templates)?,
    ));
    let toc_list = toc::toc_list(book);
    files.push(OutputFile::new("toc.js", toc::toc_script(&toc_list)));
    files.push(OutputFile::new("toc.html", toc::toc_page(book, &toc_list)));
    files.push(OutputFile::new(
        "search-index.js",
        search_index_js(book, bodies),
    ));
    if let Some(sitemap) = sitemap_xml(book) {
        files.push(OutputFile::new("sitemap.xml", sitemap));
    }
    files.extend(templates.assets().iter().cloned());
    // GitHub Pages would otherwise run Jekyll, which hides files starting with `_`.
    files.push(OutputFile::new(".nojekyll", ""));
    let taken: std::collections::BTreeSet<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    files.extend(static_files::static_files(book, &taken)?);
    Ok(files)
}

/// `sitemap.xml`, listing every chapter page, when book.toml gives `site_url`.
fn sitemap_xml(book: &Book) -> Option<String> {
    book.config.site_url.as_ref()?;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let pages = std::iter::once(PathBuf::from("index.html"))
        .chain(book.chapters.iter().skip(1).map(|c| c.html_path()));
    for page in pages {
        let url = page_url(book, &page)?;
        xml.push_str(&format!("  <url><loc>{}</loc></url>\n", escape_html(&url)));
    }
    xml.push_str("</urlset>\n");
    Some(xml)
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
