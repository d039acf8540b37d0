//! gradbook reads mdBook projects as they are: book.toml in mdBook's form, chapters in `src/`,
//! `{{#include}}` and its forms, `{{#title}}`, drafts, separators, parts, README → index, the
//! book's own files; and mdBook's own user guide builds with every chapter in SUMMARY order.

use std::path::{Path, PathBuf};

use gradbook::build::{BuildOptions, build};
use gradbook::diagnostic::Diagnostic;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const BOOK_TOML: &str = r#"[book]
title = "Fixture mdBook"
authors = ["A. Author"]
language = "en"
src = "src"

[build]
build-dir = "out"

[output.html]
git-repository-url = "https://example.org/fixture"
additional-css = ["theme/extra.css"]
additional-js = ["theme/extra.js"]
default-theme = "navy"
hash-files = true

[preprocessor.toc]
command = "mdbook-toc"
"#;

const SUMMARY: &str = "# Summary

[Introduction](README.md)

# Part one

- [Basics](basics/README.md)
    - [Included](basics/included.md)
    - [Draft chapter]()
- [Titled](titled.md)

---

[Appendix](appendix.md)
";

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("book.toml", BOOK_TOML),
            ("theme/extra.css", "body { letter-spacing: 0; }\n"),
            ("theme/extra.js", "console.log(1);\n"),
            ("src/SUMMARY.md", SUMMARY),
            (
                "src/README.md",
                "# Introduction\n\nSee [the basics](basics/README.md) and ![logo](images/logo.svg).\n",
            ),
            (
                "src/images/logo.svg",
                "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
            ),
            ("src/basics/README.md", "# Basics\n\n[Back](../README.md)\n"),
            (
                "src/basics/included.md",
                "# Included\n\n```rust\n{{#include ../../code/lib.rs:2}}\n```\n\n\
                 ```rust\n{{#include ../../code/lib.rs:4:4}}\n```\n\n\
                 ```rust\n{{#rustdoc_include ../../code/lib.rs:body}}\n```\n\n\
                 Escaped: \\{{#include nothing.rs}}\n\n{{#include shared.md}}\n",
            ),
            (
                "src/basics/shared.md",
                "A shared paragraph from shared.md.\n",
            ),
            (
                "code/lib.rs",
                "// line one\nfn second() {}\n// ANCHOR: body\nfn third() {}\n// ANCHOR_END: body\n",
            ),
            (
                "src/titled.md",
                "{{#title A Custom Page Title}}\n# Titled\n\nText.\n",
            ),
            ("src/appendix.md", "# Appendix\n"),
        ],
    );
    dir
}

fn options(root: &Path) -> BuildOptions {
    BuildOptions::new(root)
}

#[test]
fn an_mdbook_project_builds_as_mdbook_lays_it_out() {
    let dir = fixture();
    let report = build(&options(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out");
    assert_eq!(report.dest, out, "[build] build-dir is the destination");
    assert_eq!(report.chapters, 5);

    // README chapters become their folder's index.html; links to them follow.
    let index = read(out.join("index.html"));
    assert!(index.contains("href=\"basics/index.html\""), "{index}");
    assert!(read(out.join("basics/index.html")).contains("href=\"../index.html\""));
    // The book's own files are copied; additional-css is copied and linked.
    assert!(out.join("images/logo.svg").is_file());
    assert!(index.contains("<link rel=\"stylesheet\" href=\"theme/extra.css\">"));
    assert_eq!(
        read(out.join("theme/extra.css")),
        "body { letter-spacing: 0; }\n"
    );
    // git-repository-url and default-theme.
    assert!(index.contains("href=\"https://example.org/fixture\""));
    assert!(
        index.contains("data-default-theme=\"dark\""),
        "navy is a dark theme"
    );
    assert!(!out.join("book.toml").exists());

    // Includes: one line, a range, an anchor (markers dropped), a nested file; escapes.
    let included = read(out.join("basics/included.html"));
    assert!(included.contains("second"), "{included}");
    assert!(!included.contains("line one"), "{included}");
    assert!(included.contains("third"));
    assert!(!included.contains("ANCHOR"), "{included}");
    assert!(included.contains("A shared paragraph from shared.md."));
    assert!(included.contains("{{#include nothing.rs}}"), "{included}");
    assert!(!included.contains("\\{{#include"), "{included}");

    // {{#title}} sets the page's <title>, not its sidebar entry.
    let titled = read(out.join("titled.html"));
    assert!(
        titled.contains("<title>A Custom Page Title · Fixture mdBook</title>"),
        "{titled}"
    );
    assert!(!titled.contains("{{#title"));

    // The table of contents: part title, numbers, the draft unlinked, the separator.
    let toc = read(out.join("toc.html"));
    let order: Vec<usize> = [
        "toc-part\">Part one",
        ">1</span> Basics",
        ">1.1</span> Included",
        "toc-draft level-1\"><span class=\"toc-number\">1.2</span> Draft chapter",
        ">2</span> Titled",
        "toc-separator",
        ">Appendix</a>",
    ]
    .iter()
    .map(|needle| {
        toc.find(needle)
            .unwrap_or_else(|| panic!("{needle} not in {toc}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");

    // What gradbook does not do is said, once per table, with the file's line.
    let warnings: Vec<&Diagnostic> = report.warnings.iter().collect();
    let said = |needle: &str| warnings.iter().any(|w| w.message.contains(needle));
    assert!(said("`hash-files`"), "{warnings:?}");
    assert!(said("`toc`"), "{warnings:?}");
}

#[test]
fn a_missing_include_or_anchor_is_an_error_at_its_line() {
    let dir = fixture();
    write(
        dir.path(),
        &[(
            "src/appendix.md",
            "# Appendix\n\ntext\n{{#include ../code/missing.rs}}\n\n{{#include ../code/lib.rs:nowhere}}\n",
        )],
    );
    let error = build(&options(dir.path())).unwrap_err();
    let appendix = dir.path().join("src/appendix.md");
    let located: Vec<(PathBuf, usize)> = error
        .0
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.file.clone(), d.line))
        .collect();
    assert_eq!(
        located,
        vec![(appendix.clone(), 4), (appendix, 6)],
        "{error}"
    );
    let text = error.to_string();
    assert!(text.contains("missing.rs"), "{text}");
    assert!(text.contains("`body`"), "the anchors the file has: {text}");
    assert!(!dir.path().join("out").exists(), "nothing is written");
}

#[test]
fn an_error_in_an_included_experiment_names_the_included_file() {
    let dir = fixture();
    write(
        dir.path(),
        &[
            (
                "src/appendix.md",
                "# Appendix\n\nIntro.\n\n{{#include parts/block.md}}\n",
            ),
            (
                "src/parts/block.md",
                "Before.\n\n```experiment\nid = \"x\"\ntitle = \"t\"\nmodle = 3\n\
                 data = { name = \"spirals\", samples = 64 }\n\
                 model = { depth = 2, width = 4, activation = \"relu\", init = \"he_normal\" }\n\
                 train = { lr = 0.1, steps = 2, batch = 16, seed = 1 }\nplot = [\"loss\"]\n```\n",
            ),
        ],
    );
    let error = build(&options(dir.path())).unwrap_err();
    let first = error.0.iter().find(|d| d.is_error()).expect("an error");
    assert_eq!(first.file, dir.path().join("src/parts/block.md"), "{error}");
    assert_eq!(first.line, 6, "{error}");
}

/// mdBook's own user guide (`tests/fixtures/mdbook-guide`, a copy of mdBook 0.5's `guide/`),
/// with the two example files it includes from mdBook's repository put where its includes
/// look for them.
#[test]
fn mdbooks_own_guide_builds_with_every_chapter_in_summary_order() {
    let guide = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mdbook-guide");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("guide");
    copy_tree(&guide, &root);
    write(
        dir.path(),
        &[
            (
                "examples/nop-preprocessor.rs",
                "fn main() {\n    // nop\n}\n",
            ),
            (
                "examples/remove-emphasis/mdbook-remove-emphasis/src/main.rs",
                "use std::io;\n// ANCHOR: remove_emphasis\nfn remove_emphasis() {}\n// ANCHOR_END: remove_emphasis\n",
            ),
        ],
    );
    let report = build(&BuildOptions::new(&root)).unwrap_or_else(|e| panic!("{e}"));
    let summary = read(root.join("src/SUMMARY.md"));
    let listed: Vec<String> = summary
        .lines()
        .filter_map(|l| {
            l.split_once("](")
                .map(|(_, rest)| rest.trim_end_matches(')').to_string())
        })
        .filter(|target| !target.is_empty())
        .collect();
    assert_eq!(report.chapters, listed.len());
    let toc = read(root.join("book/toc.html"));
    let mut at = 0;
    for target in &listed {
        let page = if let Some(dir) = target.strip_suffix("README.md") {
            format!("{dir}index.html")
        } else {
            target.replace(".md", ".html")
        };
        assert!(root.join("book").join(&page).is_file(), "{page} missing");
        let found = toc[at..]
            .find(&format!("href=\"{page}\""))
            .unwrap_or_else(|| panic!("{page} out of SUMMARY order in the table of contents"));
        at += found;
    }
    assert!(toc.contains("toc-draft"), "the draft chapter is listed");
    // Every image and file a page links to is in the site.
    for page in &listed {
        let page = page
            .replace("README.md", "index.md")
            .replace(".md", ".html");
        let html = read(root.join("book").join(&page));
        let dir = Path::new(&page).parent().unwrap().to_path_buf();
        for src in html
            .split("src=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
        {
            if src.contains("://") || src.starts_with("data:") {
                continue;
            }
            assert!(
                root.join("book").join(&dir).join(src).exists(),
                "{page}: {src}"
            );
        }
    }
    // The included examples are in the pages.
    assert!(read(root.join("book/for_developers/preprocessors.html")).contains("remove_emphasis"));
    assert!(read(root.join("book/cli/watch.html")).contains("--watcher"));
    eprintln!("warnings building mdBook's guide:");
    for warning in &report.warnings {
        eprintln!("  {}: {}", warning.file.display(), warning.message);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
