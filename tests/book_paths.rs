//! What a book may name and how it is read: SUMMARY.md links that leave content/ (`..`, an
//! absolute path) or would overwrite a page of the site are refused at SUMMARY.md:line:column
//! and nothing is written anywhere; a UTF-8 BOM is accepted; an empty SUMMARY.md and a
//! `max_cost` that bounds nothing are errors that leave the last site in place.

mod common;

use std::path::Path;

use common::{TestBook, snapshot};

/// A book whose SUMMARY.md lists `a.md` and then a chapter linking to `target`.
fn book_linking_to(target: &str) -> TestBook {
    TestBook::new().chapter("a.md", "# 甲\n").file(
        "content/SUMMARY.md",
        &format!("# Summary\n\n- [甲](a.md)\n- [外](  {target})\n"),
    )
}

fn assert_refused_at_line_4(book: &TestBook, target: &str, says: &str) {
    let shown = book.build().expect_err(target).to_string();
    let summary = book.root().join("content/SUMMARY.md");
    // `- [外](  ` is 8 characters: the path starts in column 9.
    let location = format!("{}:4:9", summary.display());
    assert!(shown.contains(&location), "{target}: {shown}");
    assert!(shown.contains(says), "{target}: {shown}");
    assert!(
        shown.contains("hint: chapter paths are relative to content/"),
        "{shown}"
    );
    assert!(!book.out().exists(), "{target}: nothing is written");
}

#[test]
fn a_summary_link_through_dotdot_is_refused_and_writes_nothing_outside() {
    let book = book_linking_to("../outside.md").file("outside.md", "# 外面\n");
    assert_refused_at_line_4(&book, "../outside.md", "leaves content/ through `..`");
    assert!(!book.root().join("outside.html").exists());

    let book = book_linking_to("a/../../outside.md").file("outside.md", "# 外面\n");
    assert_refused_at_line_4(&book, "a/../../outside.md", "`..`");
    assert!(!book.root().join("outside.html").exists());
}

#[test]
fn an_absolute_summary_link_is_refused_and_writes_nothing_next_to_its_file() {
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join("outside.md");
    std::fs::write(&outside, "# 外面\n").unwrap();
    let target = outside.to_str().unwrap();
    let book = book_linking_to(target);
    assert_refused_at_line_4(&book, target, "is absolute");
    assert!(!elsewhere.path().join("outside.html").exists());

    for target in ["C:\\Users\\x.md", "C:/Users/x.md", "..\\outside.md"] {
        let book = book_linking_to(target);
        assert!(book.build().is_err(), "{target}");
        assert!(!book.out().exists(), "{target}");
    }
}

#[test]
fn a_summary_link_must_name_a_markdown_file_that_is_not_a_site_page() {
    for (target, says) in [
        (".md", "does not name a `.md` file"),
        ("part/", "does not name a `.md` file"),
        ("a.txt", "does not name a `.md` file"),
    ] {
        let shown = book_linking_to(target)
            .build()
            .expect_err(target)
            .to_string();
        assert!(shown.contains(says), "{target}: {shown}");
    }
    for (page, html) in [
        ("print.md", "print.html"),
        ("404.md", "404.html"),
        ("index.md", "index.html"),
    ] {
        let book = book_linking_to(page).file(&format!("content/{page}"), "# 页\n");
        let shown = book.build().expect_err(page).to_string();
        assert!(
            shown.contains(&format!("`{page}` would become `{html}`")),
            "{shown}"
        );
        assert!(!book.out().exists());
    }
    // The first chapter becomes index.html anyway, so it may be called index.md.
    let book = TestBook::new().chapter("index.md", "# 首页\n");
    book.build().unwrap();
    assert!(book.read("index.html").contains("首页"));
}

#[test]
fn a_byte_order_mark_is_accepted_in_summary_chapters_and_book_toml() {
    let bom = "\u{feff}";
    let book = TestBook::new()
        .chapter("a.md", &format!("{bom}# 甲章\n\n正文。\n"))
        .file(
            "content/SUMMARY.md",
            &format!("{bom}# Summary\n\n- [甲](a.md)\n"),
        )
        .file(
            "content/book.toml",
            &format!("{bom}title = \"有 BOM 的书\"\n"),
        );
    book.build().unwrap();
    let page = book.read("a.html");
    assert!(page.contains("有 BOM 的书"), "book.toml was read");
    assert!(!page.contains(bom), "the BOM is not part of the text");
    assert!(page.contains("<h1"), "`# 甲章` is still a heading: {page}");
}

#[test]
fn an_empty_summary_is_an_error_and_keeps_the_last_site() {
    let book = TestBook::new().chapter("a.md", "# 甲\n");
    book.build().unwrap();
    let before = snapshot(&book.out());

    for empty in [
        "",
        "# Summary\n",
        "# Summary\n\n---\n\n<!-- nothing yet -->\n",
    ] {
        std::fs::write(book.root().join("content/SUMMARY.md"), empty).unwrap();
        let shown = book.build().expect_err(empty).to_string();
        assert!(shown.contains("SUMMARY.md lists no chapters"), "{shown}");
        assert!(shown.contains("hint: list at least one chapter"), "{shown}");
        assert_eq!(snapshot(&book.out()), before, "the site is untouched");
    }
}

#[test]
fn max_cost_that_bounds_nothing_is_refused_at_its_line() {
    for bad in ["nan", "inf", "-inf", "0", "-5e10"] {
        let book = TestBook::new().chapter("a.md", "# 甲\n").file(
            "content/book.toml",
            &format!("title = \"书\"\n\n[experiments]\nmax_cost = {bad}\n"),
        );
        let shown = book.build().expect_err(bad).to_string();
        let location = format!("{}:4:", Path::new("content/book.toml").display());
        assert!(shown.contains(&location), "{bad}: {shown}");
        assert!(shown.contains("positive, finite"), "{bad}: {shown}");
        assert!(!book.out().exists());
    }
}

#[test]
fn the_cli_exits_nonzero_with_the_location() {
    let book = book_linking_to("../outside.md").file("outside.md", "# 外面\n");
    let output = book.run_cli(&["build"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SUMMARY.md:4:9"), "{stderr}");
    assert!(!book.root().join("outside.html").exists());
    assert!(!book.root().join("book").exists());
}
