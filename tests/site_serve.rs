//! `gradbook serve`: serves book/ on 127.0.0.1, shows a change to a chapter within 2 s,
//! keeps the last good book when a rebuild fails (and reports the error to the pages), and
//! never serves a file outside book/.

mod common;

use std::time::{Duration, Instant};

use common::TestBook;
use common::http;
use common::serve::serve;

fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if done() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    None
}

#[test]
fn serves_the_book_and_shows_a_change_within_two_seconds() {
    let book = TestBook::new()
        .chapter("a.md", "# 甲\n\n第一版。\n")
        .chapter("b.md", "# 乙\n\n[甲](a.md)\n")
        .file("Cargo.toml", "[package]\nname = \"secret\"\n");
    let server = serve(&book);
    let addr = server.addr;

    let index = http::get(addr, "/").unwrap();
    assert_eq!(index.status, 200);
    assert!(index.text().contains("第一版"), "{}", index.text());
    assert!(
        index.text().contains("/__gradbook/status"),
        "the live-reload script is injected"
    );
    assert_eq!(
        index.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        !book.read("index.html").contains("__gradbook"),
        "but not into the files"
    );
    assert_eq!(http::get(addr, "/gradbook.css").unwrap().status, 200);

    std::fs::write(book.root().join("content/a.md"), "# 甲\n\n第二版。\n").unwrap();
    let took = wait_until(Duration::from_secs(2), || {
        http::get(addr, "/a.html").is_ok_and(|r| r.text().contains("第二版"))
    });
    assert!(took.is_some(), "the change was not served within 2 s");

    // A broken rebuild: the last good book stays, the pages hear of the error.
    std::fs::write(book.root().join("content/a.md"), "# 甲\n\n[坏](nope.md)\n").unwrap();
    let reported = wait_until(Duration::from_secs(5), || {
        http::get(addr, "/__gradbook/status").is_ok_and(|r| r.text().contains("nope.md"))
    });
    assert!(
        reported.is_some(),
        "the failed build is reported to the pages"
    );
    assert!(
        http::get(addr, "/a.html")
            .unwrap()
            .text()
            .contains("第二版")
    );
}

#[test]
fn never_serves_files_outside_book() {
    let book = TestBook::new()
        .chapter("a.md", "# 甲\n")
        .file("Cargo.toml", "[package]\nname = \"secret\"\n");
    let server = serve(&book);
    let addr = server.addr;
    for target in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "%2e%2e/Cargo.toml",
        "/%2E%2E%2FCargo.toml",
        "/..%5cCargo.toml",
        "/a/../../Cargo.toml",
        "/%252e%252e/Cargo.toml",
    ] {
        let response = http::get(addr, target).unwrap();
        assert_eq!(response.status, 404, "{target}");
        assert!(!response.text().contains("secret"), "{target}");
    }
    assert_eq!(http::get(addr, "/a.html").unwrap().status, 200);
}
