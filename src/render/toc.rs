//! The book's table of contents, written once for the whole site rather than into every page:
//! `toc.js` holds the list and puts it into a page's sidebar (marking the page's chapter and
//! moving the page's own section list under it), and `toc.html` is the same list as a page,
//! which the sidebar shows in a frame when scripts are off. The list's links are written from
//! the site root; the script makes them relative to the page it runs on.

use std::fmt::Write as _;

use crate::book::Book;
use crate::markdown::escape_html;

use super::url_path;

/// The list of chapters, with part titles, separators, drafts (unlinked) and numbers (unless
/// the book asks for none), links from the site root.
pub fn toc_list(book: &Book) -> String {
    let summary = &book.summary;
    let numbered = |number: &Option<Vec<u32>>| match number {
        Some(n) if !book.config.html.no_section_label => {
            let label: Vec<String> = n.iter().map(u32::to_string).collect();
            format!("<span class=\"toc-number\">{}</span> ", label.join("."))
        }
        _ => String::new(),
    };
    let mut html = String::from("<ol class=\"toc-list\">");
    let before = |html: &mut String, i: usize| {
        for _ in summary.separators.iter().filter(|&&s| s == i) {
            html.push_str("<li class=\"toc-separator\" aria-hidden=\"true\"></li>");
        }
        if let Some(part) = summary.parts.iter().find(|p| p.before_item == i) {
            write!(
                html,
                "<li class=\"toc-part\">{}</li>",
                escape_html(&part.title)
            )
            .unwrap();
        }
        for draft in summary.drafts.iter().filter(|d| d.before_item == i) {
            write!(
                html,
                "<li class=\"toc-item toc-draft level-{}\">{}{}</li>",
                draft.level,
                numbered(&draft.number),
                escape_html(&draft.title)
            )
            .unwrap();
        }
    };
    for (i, chapter) in book.chapters.iter().enumerate() {
        before(&mut html, i);
        write!(
            html,
            "<li class=\"toc-item level-{}\"><a href=\"{}\">{}{}</a></li>",
            chapter.level,
            escape_html(&url_path(&chapter.html_path())),
            numbered(&chapter.number),
            escape_html(&chapter.title)
        )
        .unwrap();
    }
    before(&mut html, book.chapters.len());
    html.push_str("</ol>");
    html
}

/// `toc.js`: runs where a page includes it, right after its sidebar `<nav id="sidebar">`.
/// The nav's `data-current` names the page's chapter (its path from the root); a
/// `.toc-sections` list inside the nav moves under that chapter's entry.
pub fn toc_script(list: &str) -> String {
    let list = serde_json::to_string(list).expect("a string serialises");
    format!(
        r#"/* gradbook: the book's table of contents, shared by every page. */
(function () {{
  var nav = document.getElementById("sidebar");
  if (!nav) return;
  var root = document.body.getAttribute("data-root") || "";
  var current = nav.getAttribute("data-current");
  var holder = document.createElement("div");
  holder.innerHTML = {list};
  var list = holder.firstChild, sections = nav.querySelector(".toc-sections");
  var links = list.querySelectorAll("a");
  for (var i = 0; i < links.length; i++) {{
    var a = links[i], path = a.getAttribute("href");
    if (path === current) {{
      a.setAttribute("aria-current", "page");
      a.parentNode.className += " current";
      if (sections) {{ sections.hidden = false; a.parentNode.appendChild(sections); }}
    }}
    a.setAttribute("href", root + path);
  }}
  var fallback = nav.querySelector("noscript");
  if (fallback) nav.removeChild(fallback);
  nav.insertBefore(list, nav.firstChild);
}})();
"#
    )
}

/// `toc.html`: the list as a page of its own, for the sidebar's frame when scripts are off;
/// its links open in the page around the frame.
pub fn toc_page(book: &Book, list: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<base target=\"_parent\">\n<link rel=\"stylesheet\" href=\"gradbook.css\">\n</head>\n<body class=\"toc-page\">\n<nav class=\"sidebar\" aria-label=\"{title}\">{list}</nav>\n</body>\n</html>\n",
        lang = book.config.language.tag(),
        title = escape_html(&book.words().page.contents),
    )
}
