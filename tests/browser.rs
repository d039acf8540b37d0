//! The site in a real browser: headless Chromium driven through chromedriver (WebDriver), on
//! a fixture book opened from file:// (which the site must support, search included). Each
//! test skips, saying so, only when chromedriver or Chromium is not installed.
//! Screenshots (light/dark × 1200/390 px) land in target/tmp/screenshots/ for a person to see.

mod common;

use std::time::Duration;

use common::webdriver::{Browser, screenshot_dir};
use common::{SMALL_BLOCK, TestBook};

const WAIT: Duration = Duration::from_secs(10);

fn book() -> TestBook {
    let book = TestBook::new()
        .chapter(
            "intro.md",
            "# 引言\n\n这本书讲怎样训练很深的网络。\n\n## 怎样读\n\nRead the Chapters in order.\n",
        )
        .chapter(
            "vanish.md",
            &format!(
                "# 梯度为什么会消失\n\n先看现象。\n\n## 逐层相乘\n\n反向传播时出现梯度消失，是因为每层都乘上一个小于一的因子 $\\sigma'(z) \\le \\frac{{1}}{{4}}$。\n\n```rust\nfn main() {{ let x = 1; }} // 注释\n```\n\n{SMALL_BLOCK}\n\n## 小结\n\n见[下一章](explode.md#原因)。\n"
            ),
        )
        .chapter("explode.md", "# 梯度爆炸\n\n## 原因\n\n因子大于一时，梯度会越乘越大。\n");
    book.build().expect("the fixture book builds");
    book
}

#[test]
fn typing_chinese_in_search_lists_the_chapter_and_links_to_the_section() {
    let Some(browser) = Browser::start(1200, 900) else {
        return;
    };
    let book = book();
    browser.goto(&book.page_url("intro.html"));
    // `/` focuses the search box.
    browser.type_into(&browser.find("body"), "/");
    assert_eq!(
        browser.eval("return document.activeElement.id"),
        "search-input"
    );
    browser.type_into(&browser.find("#search-input"), "梯度消失");
    assert!(
        browser.wait_for(
            "var a = document.querySelector('#search-results a'); return !!a && a.textContent.indexOf('梯度为什么会消失') >= 0",
            WAIT
        ),
        "results: {}",
        browser.eval("return document.getElementById('search-results').innerText")
    );
    browser.screenshot(&screenshot_dir().join("search-1200.png"));
    let first = browser.eval("return document.querySelector('#search-results a').innerText");
    assert!(
        first.as_str().unwrap().contains("逐层相乘"),
        "the section is named: {first}"
    );
    assert_eq!(
        browser.eval("return document.querySelector('#search-results mark').textContent"),
        "梯度消失"
    );
    browser.click(&browser.find("#search-results a"));
    let url = browser.url();
    assert!(url.contains("vanish.html#"), "{url}");
    assert!(
        browser.wait_for(
            "return decodeURIComponent(location.hash) === '#逐层相乘'",
            WAIT
        ),
        "{url}"
    );

    // English is case-insensitive.
    browser.type_into(&browser.find("#search-input"), "CHAPTERS");
    assert!(browser.wait_for(
        "var a = document.querySelector('#search-results a'); return !!a && a.textContent.indexOf('怎样读') >= 0",
        WAIT
    ));
}

#[test]
fn theme_toggle_switches_and_persists_across_a_reload() {
    let Some(browser) = Browser::start(1200, 900) else {
        return;
    };
    let book = book();
    browser.goto(&book.page_url("vanish.html"));
    let theme = "return document.documentElement.getAttribute('data-theme')";
    assert_eq!(
        browser.eval(theme),
        "light",
        "follows the (light) system default"
    );
    browser.screenshot(&screenshot_dir().join("light-1200.png"));
    browser.click(&browser.find(".theme-toggle"));
    assert_eq!(browser.eval(theme), "dark");
    assert_eq!(
        browser.eval("return getComputedStyle(document.body).backgroundColor"),
        "rgb(22, 24, 29)"
    );
    browser.refresh();
    assert_eq!(browser.eval(theme), "dark", "remembered across a reload");
    assert_eq!(
        browser.eval("return document.querySelector('.theme-toggle').getAttribute('aria-pressed')"),
        "true"
    );
    browser.screenshot(&screenshot_dir().join("dark-1200.png"));
    browser.click(&browser.find(".theme-toggle"));
    browser.refresh();
    assert_eq!(browser.eval(theme), "light");
}

#[test]
fn next_link_and_arrow_keys_go_between_chapters() {
    let Some(browser) = Browser::start(1200, 900) else {
        return;
    };
    let book = book();
    browser.goto(&book.page_url("intro.html"));
    browser.click(&browser.find("a[rel=next]"));
    assert!(browser.url().ends_with("/vanish.html"), "{}", browser.url());
    browser.type_into(&browser.find("body"), "\u{E014}"); // →
    assert!(
        browser.wait_for("return location.pathname.endsWith('/explode.html')", WAIT),
        "{}",
        browser.url()
    );
    browser.type_into(&browser.find("body"), "\u{E012}"); // ←
    assert!(
        browser.wait_for("return location.pathname.endsWith('/vanish.html')", WAIT),
        "{}",
        browser.url()
    );
    // The current chapter is highlighted and its sections are listed.
    assert_eq!(
        browser.eval("return document.querySelector('.toc-item.current > a').textContent.trim()"),
        "2 梯度为什么会消失"
    );
    assert_eq!(
        browser.eval("return document.querySelectorAll('.toc-sections a').length"),
        2
    );
}

#[test]
fn at_390_px_the_sidebar_hides_behind_a_button() {
    let Some(browser) = Browser::start(390, 844) else {
        return;
    };
    let book = book();
    browser.goto(&book.page_url("vanish.html"));
    let width = browser.eval("return window.innerWidth").as_u64().unwrap();
    assert!(width <= 400, "the window is narrow: {width}");
    assert_eq!(
        browser.eval("return document.documentElement.scrollWidth <= window.innerWidth"),
        true,
        "no sideways scrolling"
    );
    let sidebar = browser.find("#sidebar");
    let button = browser.find(".sidebar-toggle");
    assert!(!browser.is_displayed(&sidebar), "the sidebar starts hidden");
    assert!(browser.is_displayed(&button));
    browser.screenshot(&screenshot_dir().join("light-390.png"));
    browser.click(&button);
    assert!(browser.is_displayed(&sidebar), "the button opens it");
    browser.screenshot(&screenshot_dir().join("light-390-menu.png"));
    browser.type_into(&browser.find("body"), "\u{E00C}"); // Escape
    assert!(!browser.is_displayed(&sidebar), "Escape closes it");
    browser.click(&browser.find(".theme-toggle"));
    browser.screenshot(&screenshot_dir().join("dark-390.png"));
}

#[test]
fn a_served_page_reloads_itself_and_shows_a_failed_build() {
    let Some(browser) = Browser::start(1000, 700) else {
        return;
    };
    let book = TestBook::new().chapter("a.md", "# 甲\n\n第一版。\n");
    let server = common::serve::serve(&book);
    browser.goto(&format!("http://{}/a.html", server.addr));
    let chapter = book.root().join("content/a.md");
    std::fs::write(&chapter, "# 甲\n\n第二版。\n").unwrap();
    assert!(
        browser.wait_for(
            "return document.body.innerText.indexOf('第二版') >= 0",
            Duration::from_secs(3)
        ),
        "the open page reloaded with the change"
    );
    std::fs::write(&chapter, "# 甲\n\n[坏](nope.md)\n").unwrap();
    assert!(
        browser.wait_for(
            "var e = document.getElementById('gradbook-build-error'); return !!e && e.textContent.indexOf('nope.md') >= 0",
            WAIT
        ),
        "the build error is shown over the page"
    );
    assert!(browser.eval("return document.body.innerText.indexOf('第二版') >= 0") == true);
    browser.screenshot(&screenshot_dir().join("serve-error-overlay.png"));
    std::fs::write(&chapter, "# 甲\n\n第三版。\n").unwrap();
    assert!(
        browser.wait_for(
            "return document.body.innerText.indexOf('第三版') >= 0 && !document.getElementById('gradbook-build-error')",
            WAIT
        ),
        "fixing the chapter reloads the page and clears the error"
    );
}
