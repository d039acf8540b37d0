//! Links between chapters: `other.md#section` becomes `other.html#section`; a link to a missing
//! chapter or anchor stops the build with the chapter file, line and column.

mod common;

use common::TestBook;

#[test]
fn chapter_links_are_rewritten_to_pages() {
    let book = TestBook::new()
        .chapter(
            "a.md",
            "# 甲\n\n## 第一节\n\n见[乙的原因](part/b.md#原因)和[本节](#第一节)。\n",
        )
        .chapter(
            "part/b.md",
            "# 乙\n\n## 原因\n\n回到[甲](../a.md)，或[外部](https://example.org/x.md)。\n",
        );
    book.build().unwrap();
    let a = book.read("a.html");
    assert!(a.contains("href=\"part/b.html#%E5%8E%9F%E5%9B%A0\""), "{a}");
    assert!(a.contains("href=\"#%E7%AC%AC%E4%B8%80%E8%8A%82\""));
    let b = book.read("part/b.html");
    assert!(b.contains("href=\"../a.html\""));
    assert!(
        b.contains("href=\"https://example.org/x.md\""),
        "external links stay"
    );
}

#[test]
fn a_link_to_a_missing_chapter_names_file_line_and_column() {
    let book = TestBook::new()
        .chapter("a.md", "# 甲\n\n正文。\n\n另见 [不存在](missing.md)。\n")
        .chapter("b.md", "# 乙\n");
    let errors = book.build().unwrap_err();
    let error = errors.0.iter().find(|d| d.is_error()).expect("an error");
    assert!(error.file.ends_with("content/a.md"), "{error}");
    assert_eq!((error.line, error.column), (5, 4), "{error}");
    assert!(error.message.contains("missing.md"), "{error}");
    assert!(!book.out().exists(), "nothing was written");
}

#[test]
fn a_link_to_a_missing_anchor_is_an_error_listing_the_anchors() {
    let book = TestBook::new()
        .chapter("a.md", "# 甲\n\n[乙](b.md#没有这节)\n")
        .chapter("b.md", "# 乙\n\n## 原因\n");
    let errors = book.build().unwrap_err();
    let error = &errors.0[0];
    assert_eq!(error.line, 3);
    assert!(error.message.contains("#没有这节"), "{error}");
    assert!(
        error.hint.as_deref().unwrap_or("").contains("原因"),
        "{error}"
    );
}

#[test]
fn the_cli_shows_a_broken_link_like_a_compiler() {
    let book = TestBook::new().chapter("a.md", "# 甲\n\n一行\n[坏链接](nope.md#x)\n");
    let output = book.run_cli(&["build"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("a.md:4:1"), "{stderr}");
    assert!(stderr.contains("4 | [坏链接](nope.md#x)"), "{stderr}");
    assert!(stderr.contains("^"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn figure_anchors_and_other_files_are_not_errors() {
    let book = TestBook::new()
        .chapter("a.md", &format!("# 甲\n\n{}\n\n见[图](#fig-small-loss)、[数据](figures/a/small.csv)、[首页](index.html)、[打印](print.html)。\n", common::SMALL_BLOCK));
    book.build().unwrap();
}
