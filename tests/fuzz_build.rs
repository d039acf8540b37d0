//! Fuzz target that goes all the way through: a generated tiny experiment block (few steps,
//! narrow and shallow nets, at most two runs and two seeds) in a fixture book, built with
//! `gradbook::build::build` (dry run, no cache), so training, claims, plotting and rendering
//! all see generated settings. Every build must succeed or fail with errors located in the
//! chapter, without a panic and within the hang limit. Fewer cases than the parser targets;
//! see tests/fuzz_parsers.rs for the environment variables and the developer run.

mod fuzz_support;

use std::path::Path;

use gradbook::build::{BuildOptions, build};
use gradbook::diagnostic::Severity;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use fuzz_support::blocks::{Scale, block};
use fuzz_support::{accepted, bounded, cases, config, take_accepted, verbose};

/// Builds in the CI slice (dev profile).
const CI_BUILDS: u32 = 300;

/// A book with one chapter holding `block`, between prose that refers to its figures.
fn write_book(root: &Path, block: &str) {
    let content = root.join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("book.toml"),
        "title = \"fuzz\"\nlanguage = \"en\"\n",
    )
    .unwrap();
    std::fs::write(content.join("SUMMARY.md"), "# Summary\n\n- [A](a.md)\n").unwrap();
    let chapter = format!(
        "# A\n\nThe loss $L(\\theta)$ falls, see {{{{#ref e}}}}.\n\n```experiment\n{block}```\n\nAfter $$\\frac{{1}}{{4}}$$.\n"
    );
    std::fs::write(content.join("a.md"), chapter).unwrap();
}

fn check_build(block: &str) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    write_book(dir.path(), block);
    let options = BuildOptions {
        dest: Some(dir.path().join("book")),
        dry_run: true,
        no_cache: true,
        ..BuildOptions::new(dir.path())
    };
    let chapter = dir.path().join("content").join("a.md");
    match build(&options) {
        Ok(report) => {
            accepted();
            prop_assert!(report.files > 0, "a build that made no files")
        }
        Err(diagnostics) => {
            let errors: Vec<_> = diagnostics
                .0
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .collect();
            if verbose() {
                eprintln!(
                    "rejected: {}",
                    errors.first().map(|e| e.message.as_str()).unwrap_or("")
                );
            }
            prop_assert!(
                !errors.is_empty(),
                "a failed build with no error: {:?}",
                diagnostics.0
            );
            for error in errors {
                prop_assert_eq!(
                    &error.file,
                    &chapter,
                    "an error outside the chapter: {:?}",
                    error
                );
                prop_assert!(error.line >= 1, "an error without a line: {:?}", error);
                prop_assert!(!error.message.trim().is_empty(), "{:?}", error);
            }
        }
    }
    Ok(())
}

#[test]
fn tiny_experiments_build_or_fail_located() {
    let n = cases(CI_BUILDS * 10, 0.1);
    let mut runner = TestRunner::new(Config {
        source_file: Some(file!()),
        ..config(n)
    });
    let result = runner.run(&block(Scale::Build), |text| {
        bounded("build", &text, || check_build(&text))?
    });
    if let Err(error) = result {
        panic!("fuzz target `build` failed: {error}");
    }
    let ok = take_accepted();
    eprintln!("fuzz target `build`: {n} inputs ({ok} built), no failure");
}
