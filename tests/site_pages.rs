//! The files of the site besides chapter pages: search index, print.html, 404.html, sitemap,
//! favicon, meta tags, highlighted code, and templates overridden file by file.

mod common;

use common::TestBook;

fn two_chapters() -> TestBook {
    TestBook::new()
        .chapter("intro.md", "# 引言\n\n开头的话。\n\n## 为什么\n\n梯度消失让 Deep Networks 难以训练。\n\n```rust\nfn f() -> u8 { 1 } // 注释\n```\n")
        .chapter("next.md", "# 第二章\n\n## 原因\n\n因子小于一。\n")
}

#[test]
fn search_index_holds_every_section_with_its_anchor() {
    let book = two_chapters();
    book.build().unwrap();
    let js = book.read("search-index.js");
    let json = js
        .strip_prefix("window.GRADBOOK_SEARCH = ")
        .and_then(|j| j.trim_end().strip_suffix(';'))
        .expect("a script assigning a global, so file:// works");
    let index: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(index["chapters"], serde_json::json!(["引言", "第二章"]));
    let docs = index["docs"].as_array().unwrap();
    let why = docs
        .iter()
        .find(|d| d["s"] == "为什么")
        .expect("the section");
    assert_eq!(why["u"], "intro.html#为什么");
    assert_eq!(why["c"], 0);
    let text = why["t"].as_str().unwrap();
    assert!(
        text.contains("梯度消失让 Deep Networks 难以训练。"),
        "{text}"
    );
    assert!(text.contains("fn f()"), "code is searchable too: {text}");
    assert!(docs.iter().any(|d| d["u"] == "next.html#原因"));
}

#[test]
fn print_page_has_every_chapter_in_order() {
    let book = two_chapters();
    book.build().unwrap();
    let print = book.read("print.html");
    let first = print.find("开头的话").unwrap();
    let second = print.find("因子小于一").unwrap();
    assert!(first < second);
    assert!(
        !print.contains("class=\"sidebar\""),
        "no sidebar on the print page"
    );
}

#[test]
fn site_files_404_favicon_nojekyll_and_meta() {
    let book = two_chapters().file(
        "content/book.toml",
        "title = \"书\"\nlanguage = \"zh-CN\"\ndescription = \"一句话\"\nbase_path = \"/repo/\"\n",
    );
    book.build().unwrap();
    for file in [
        ".nojekyll",
        "favicon.svg",
        "gradbook.js",
        "gradbook.css",
        "404.html",
    ] {
        assert!(book.out().join(file).exists(), "{file}");
    }
    assert!(
        !book.out().join("sitemap.xml").exists(),
        "no sitemap without site_url"
    );
    let not_found = book.read("404.html");
    assert!(
        not_found.contains("<base href=\"/repo/\">"),
        "links work at any depth of the site"
    );
    let page = book.read("next.html");
    assert!(page.contains("<meta name=\"description\" content=\"一句话\">"));
    assert!(page.contains("<meta property=\"og:title\" content=\"第二章\">"));
    assert!(page.contains("<meta property=\"og:locale\" content=\"zh_CN\">"));
    assert!(page.contains("rel=\"icon\" href=\"favicon.svg\""));
    assert!(
        !page.contains("rel=\"canonical\""),
        "no canonical link without site_url"
    );
    assert!(
        !page.contains("__gradbook"),
        "no live-reload script in the built site"
    );
}

#[test]
fn sitemap_and_canonical_links_when_site_url_is_given() {
    let book = two_chapters().file(
        "content/book.toml",
        "title = \"书\"\nsite_url = \"https://u.github.io/repo/\"\n",
    );
    book.build().unwrap();
    let sitemap = book.read("sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://u.github.io/repo/</loc>"),
        "{sitemap}"
    );
    assert!(
        sitemap.contains("<loc>https://u.github.io/repo/next.html</loc>"),
        "{sitemap}"
    );
    let page = book.read("next.html");
    assert!(page.contains("<link rel=\"canonical\" href=\"https://u.github.io/repo/next.html\">"));
    assert!(page.contains("<meta property=\"og:url\""));
}

#[test]
fn code_is_highlighted_at_build_time() {
    let book = two_chapters();
    book.build().unwrap();
    let page = book.read("intro.html");
    assert!(
        page.contains("<pre><code class=\"language-rust\">"),
        "{page}"
    );
    assert!(page.contains("<span class=\"hl-comment"), "{page}");
}

#[test]
fn a_books_templates_override_the_defaults_file_by_file() {
    let book = two_chapters().file("templates/gradbook.css", "body { color: red; }\n");
    book.build().unwrap();
    assert_eq!(book.read("gradbook.css"), "body { color: red; }\n");
    assert!(
        book.read("gradbook.js").contains("GRADBOOK_SEARCH"),
        "the other defaults stay"
    );
}
