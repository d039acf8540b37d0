//! The math font the default templates ship (templates/fonts/gradbook-math.woff2, a subset of
//! Latin Modern Math): written to every site, replaced by a book's own copy, and, in headless
//! Chromium (as in tests/browser.rs, skipped only when chromedriver or Chromium is not
//! installed), loaded by a page with formulas and used for its `math` elements, whose
//! delimiters then stretch; a page without formulas never downloads it.
//! Screenshots (light/dark) land in target/tmp/screenshots/ for a person to see.

mod common;

use std::time::Duration;

use common::TestBook;
use common::webdriver::{Browser, screenshot_dir};

const FONT: &str = "fonts/gradbook-math.woff2";
const FAMILY: &str = "Gradbook Math";
const WAIT: Duration = Duration::from_secs(10);

fn book() -> TestBook {
    let book = TestBook::new()
        .chapter(
            "formulas.md",
            "# 公式\n\n范数 $\\|x\\|_2$ 与分数 $\\frac{1}{4}$ 出现在行内。\n\n\
             $$\\|x\\|_2 = \\sqrt{\\sum_{i=1}^{n} x_i^2}$$\n\n\
             $$\\frac{\\partial L}{\\partial x} = \\frac{1}{n} \\sum_{i=1}^{n} \\frac{a_i + b}{1 + e^{-z_i}}$$\n\n\
             $$W = \\begin{pmatrix} w_{11} & w_{12} \\\\ w_{21} & w_{22} \\end{pmatrix}$$\n",
        )
        .chapter("plain.md", "# 文字\n\n这一页没有公式。\n");
    book.build().expect("the fixture book builds");
    book
}

/// The status of the page's `FontFace` for [`FAMILY`] ("missing" when there is none).
const FACE_STATUS: &str = "var status = 'missing';
    document.fonts.forEach(function (face) {
      if (face.family.replace(/\"/g, '') === 'Gradbook Math') status = face.status;
    });
    return status;";

/// Wait for `document.fonts.ready` (the page's font loads have settled).
fn wait_for_fonts(browser: &Browser) {
    browser.eval(
        "window.gradbookFontsReady = false;
         document.fonts.ready.then(function () { window.gradbookFontsReady = true; });
         return true;",
    );
    assert!(
        browser.wait_for("return window.gradbookFontsReady === true", WAIT),
        "document.fonts.ready never resolved"
    );
}

#[test]
fn the_site_carries_the_font_and_the_stylesheet_uses_it_for_math() {
    let book = book();
    let font = std::fs::read(book.out().join(FONT)).expect("the site has the font");
    assert_eq!(
        font,
        include_bytes!("../templates/fonts/gradbook-math.woff2"),
        "the default font, as it is"
    );
    assert_eq!(&font[..4], b"wOF2", "a WOFF2 file");
    let css = book.read("gradbook.css");
    let font_lines: Vec<&str> = css.lines().filter(|l| l.contains("font")).collect();
    assert!(
        css.contains(&format!("url(\"{FONT}\") format(\"woff2\")")),
        "{font_lines:#?}"
    );
    assert!(
        css.contains(&format!("math {{ font-family: \"{FAMILY}\", math;")),
        "{font_lines:#?}"
    );
}

#[test]
fn a_books_own_font_replaces_the_default() {
    let book = TestBook::new()
        .chapter("a.md", "# 甲\n\n$x$\n")
        .file(&format!("templates/{FONT}"), "not really a font");
    book.build().expect("builds");
    assert_eq!(book.read(FONT), "not really a font");
}

#[test]
fn formulas_are_set_in_the_shipped_math_font() {
    let Some(browser) = Browser::start(1200, 900) else {
        return;
    };
    let book = book();
    browser.goto(&book.page_url("formulas.html"));
    wait_for_fonts(&browser);
    assert_eq!(
        browser.eval(FACE_STATUS),
        "loaded",
        "the @font-face of {FAMILY} loads from the site's {FONT}"
    );
    assert_eq!(
        browser.eval(&format!("return document.fonts.check('16px \"{FAMILY}\"')")),
        true
    );
    let family = browser.eval("return getComputedStyle(document.querySelector('math')).fontFamily");
    assert!(
        family
            .as_str()
            .is_some_and(|f| f.starts_with(&format!("\"{FAMILY}\""))),
        "math elements use the font: {family}"
    );
    // The font's MATH table is in use: the matrix's parenthesis stretches over both rows
    // (in a text font it stays one line high).
    let stretch = browser.eval(
        "var mo = document.querySelector('mtable').previousElementSibling;
         return mo.getBoundingClientRect().height / parseFloat(getComputedStyle(mo).fontSize);",
    );
    let stretch = stretch.as_f64().unwrap_or_default();
    assert!(
        stretch > 2.0,
        "the parenthesis is {stretch:.2} em high, not stretched"
    );
    browser.screenshot(&screenshot_dir().join("math-light-1200.png"));
    browser.click(&browser.find(".theme-toggle"));
    assert_eq!(
        browser.eval("return document.documentElement.getAttribute('data-theme')"),
        "dark"
    );
    browser.screenshot(&screenshot_dir().join("math-dark-1200.png"));
}

#[test]
fn a_page_without_formulas_does_not_download_the_font() {
    let Some(browser) = Browser::start(1200, 900) else {
        return;
    };
    let book = book();
    browser.goto(&book.page_url("plain.html"));
    wait_for_fonts(&browser);
    assert_eq!(
        browser.eval(FACE_STATUS),
        "unloaded",
        "the font is declared but not fetched"
    );
}
