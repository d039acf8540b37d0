//! Fuzz targets for the input parsers and the LaTeX path, as property tests (proptest, stable
//! toolchain): the experiment-block parser, the claim grammar and theory formulas, SUMMARY.md,
//! and LaTeX → MathML (alone and inside whole chapters). Each target gets random bytes,
//! mutations of valid inputs, and structured inputs built from the real vocabulary; every
//! input must return `Ok` or a located error, without a panic and within the hang limit.
//!
//! The default is the CI slice (`cargo test --test fuzz_parsers`, well under a minute with
//! tests/fuzz_build.rs). A developer run of about 1.2 million inputs (all targets of both
//! files), about 15 minutes on two cores:
//!
//! ```text
//! GRADBOOK_FUZZ_CASES=50000 cargo test --release --test fuzz_parsers --test fuzz_build
//! ```
//!
//! `GRADBOOK_FUZZ_CASES` is the base number of cases per target (each target scales it by
//! its weight; every target prints how many inputs it ran). The shapes of issue 15's defects
//! (10,000-deep nesting, sizes of 10⁹ and more, 50⁴ sweeps) are generated too, since their
//! fixes landed; `GRADBOOK_FUZZ_KNOWN=0` leaves them out. `GRADBOOK_FUZZ_HANG_SECS`
//! (default 20) is the hang limit. Failing cases are shrunk and their seeds are kept in
//! tests/fuzz_parsers.regressions (committed), replayed first on every run.

mod fuzz_support;

use std::path::Path;
use std::time::Duration;

use gradbook::book::parse_summary;
use gradbook::experiment::claims::{evaluate_formula, parse_claim, parse_formula};
use gradbook::experiment::parse_block;
use gradbook::markdown::{find_experiment_blocks, latex_to_mathml, render_chapter};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

use fuzz_support::blocks::{Scale, block};
use fuzz_support::{
    accepted, blocks, bounded, bounded_within, cases, claims, config, latex, mutated, noise,
    summary, take_accepted, verbose,
};

/// Base cases per target in the CI slice (dev profile).
const CI_CASES: u32 = 2000;

/// Run `check` on `cases` inputs from `strategy`; a failure panics with the shrunk input.
fn fuzz<S>(
    target: &'static str,
    strategy: S,
    cases: u32,
    check: impl Fn(&str) -> Result<(), TestCaseError>,
) where
    S: Strategy<Value = String>,
{
    let mut runner = TestRunner::new(proptest::test_runner::Config {
        source_file: Some(file!()),
        ..config(cases)
    });
    take_accepted();
    let result = runner.run(&strategy, |input| {
        bounded(target, &input, || check(&input))?
    });
    if let Err(error) = result {
        panic!("fuzz target `{target}` failed: {error}");
    }
    let ok = take_accepted();
    eprintln!("fuzz target `{target}`: {cases} inputs ({ok} accepted as valid), no failure");
}

/// A located error's line must fall inside the text (or just after its last line).
fn check_line(what: &str, line: usize, text: &str) -> Result<(), TestCaseError> {
    let last = text.lines().count() + 1;
    prop_assert!(
        (1..=last).contains(&line),
        "{what} at line {line}, outside 1..={last}"
    );
    Ok(())
}

fn check_block(text: &str) -> Result<(), TestCaseError> {
    match parse_block(text) {
        Ok(experiment) => {
            accepted();
            prop_assert!(!experiment.runs.is_empty(), "a valid block with no runs");
            for claim in &experiment.claims {
                check_line("claim", claim.line, text)?;
            }
        }
        Err(errors) => {
            if verbose() {
                eprintln!(
                    "rejected: {}",
                    errors.first().map(|e| e.to_string()).unwrap_or_default()
                );
            }
            prop_assert!(!errors.is_empty(), "Err with no error");
            for error in &errors {
                prop_assert!(
                    !error.message.trim().is_empty(),
                    "an empty message: {error:?}"
                );
                check_line(&format!("error `{error}`"), error.line, text)?;
            }
        }
    }
    Ok(())
}

fn check_claim(text: &str) -> Result<(), TestCaseError> {
    if parse_claim(text).is_ok() {
        accepted();
    }
    if let Err(error) = parse_claim(text) {
        let end = text.chars().count() + 1;
        prop_assert!(
            (1..=end).contains(&error.column),
            "column {} outside 1..={end}: {}",
            error.column,
            error.message
        );
        prop_assert!(!error.message.is_empty());
    }
    Ok(())
}

fn check_formula(text: &str) -> Result<(), TestCaseError> {
    match parse_formula(text, &["l", "L"]) {
        Ok(formula) => {
            accepted();
            for (l, layers) in [(1.0, 1.0), (1.0, 12.0), (12.0, 12.0), (0.0, 0.0)] {
                // NaN and infinity are values; only a panic or a hang is a failure here.
                let _ = evaluate_formula(&formula, &[("l", l), ("L", layers)]);
            }
        }
        Err(error) => {
            let end = text.chars().count() + 1;
            prop_assert!(
                (1..=end).contains(&error.column),
                "column {} outside 1..={end}",
                error.column
            );
        }
    }
    Ok(())
}

fn check_summary(text: &str) -> Result<(), TestCaseError> {
    match parse_summary(text) {
        Ok(summary) => {
            accepted();
            for item in &summary.items {
                check_line("chapter", item.line, text)?;
                prop_assert!(!item.title.is_empty(), "an untitled chapter: {item:?}");
                if let Some(number) = &item.number {
                    prop_assert_eq!(number.len(), item.level + 1, "{:?}", item);
                    prop_assert!(number.iter().all(|&n| n >= 1), "{:?}", item);
                }
            }
            for part in &summary.parts {
                prop_assert!(part.before_item <= summary.items.len(), "{:?}", part);
            }
        }
        Err(errors) => {
            prop_assert!(!errors.is_empty());
            for error in &errors {
                check_line(&format!("error `{}`", error.message), error.line, text)?;
                prop_assert!(error.column >= 1, "{:?}", error);
            }
        }
    }
    Ok(())
}

fn check_latex(text: &str) -> Result<(), TestCaseError> {
    for display in [false, true] {
        match latex_to_mathml(text, display) {
            Ok(mathml) => {
                accepted();
                prop_assert!(mathml.starts_with("<math"), "{}", mathml)
            }
            Err(message) => prop_assert!(!message.to_string().is_empty()),
        }
    }
    Ok(())
}

/// A chapter renders with one figure per experiment block found, and every warning or
/// reference error it reports is located in the chapter.
fn check_chapter(text: &str) -> Result<(), TestCaseError> {
    let blocks = find_experiment_blocks(text);
    let figures: Vec<String> = (0..blocks.len())
        .map(|i| format!("<figure>{i}</figure>"))
        .collect();
    let (mut warnings, mut errors) = (Vec::new(), Vec::new());
    let resolve = |target: &str| gradbook::markdown::no_figures(target);
    let rendered = render_chapter(
        text,
        Path::new("content/a.md"),
        &figures,
        &resolve,
        gradbook::locale::Language::ZhCn.words(),
        &mut warnings,
        &mut errors,
    );
    if warnings.is_empty() && errors.is_empty() {
        accepted();
    }
    for block in &blocks {
        check_line("experiment block", block.fence_line, text)?;
    }
    for diagnostic in warnings.iter().chain(&errors) {
        check_line(&diagnostic.message, diagnostic.line, text)?;
    }
    for link in &rendered.links {
        check_line("link", link.line, text)?;
    }
    Ok(())
}

#[test]
fn experiment_blocks() {
    let n = cases(CI_CASES, 1.0);
    fuzz("block_noise", noise(), n, check_block);
    fuzz(
        "block_mutated",
        mutated(block(Scale::Parse), blocks::WORDS),
        n * 2,
        check_block,
    );
    fuzz("block_structured", block(Scale::Parse), n * 2, check_block);
}

#[test]
fn claims_and_formulas() {
    let n = cases(CI_CASES, 1.0);
    fuzz("claim_noise", noise(), n, check_claim);
    fuzz(
        "claim_mutated",
        mutated(claims::claim(blocks::RUNS), claims::WORDS),
        n * 2,
        check_claim,
    );
    fuzz(
        "claim_structured",
        claims::claim(blocks::RUNS),
        n * 2,
        check_claim,
    );
    fuzz(
        "formula_mutated",
        mutated(claims::formula(), claims::WORDS),
        n,
        check_formula,
    );
    fuzz("formula_structured", claims::formula(), n, check_formula);
}

#[test]
fn summaries() {
    let n = cases(CI_CASES, 1.0);
    fuzz("summary_noise", noise(), n, check_summary);
    fuzz(
        "summary_mutated",
        mutated(summary::summary(), summary::WORDS),
        n * 2,
        check_summary,
    );
    fuzz(
        "summary_structured",
        summary::summary(),
        n * 2,
        check_summary,
    );
}

#[test]
fn latex_and_chapters() {
    let n = cases(CI_CASES, 1.0);
    fuzz("latex_noise", noise(), n, check_latex);
    fuzz(
        "latex_mutated",
        mutated(latex::formula(), latex::WORDS),
        n * 2,
        check_latex,
    );
    fuzz("latex_structured", latex::formula(), n * 2, check_latex);
    fuzz(
        "chapter_mutated",
        mutated(latex::chapter(), latex::WORDS),
        n / 2,
        check_chapter,
    );
    fuzz("chapter_structured", latex::chapter(), n / 2, check_chapter);
}

#[test]
fn a_case_over_the_time_limit_fails_and_a_panic_is_caught() {
    let slow = bounded_within(Duration::from_millis(20), "slow", "input", || {
        std::thread::sleep(Duration::from_millis(60))
    });
    assert!(slow.is_err(), "a slow case must fail");
    assert!(bounded_within(Duration::from_secs(5), "fast", "input", || 1).is_ok());
    // Not persisted: this failure is the point of the test.
    let mut runner = TestRunner::new(proptest::test_runner::Config {
        failure_persistence: None,
        ..config(5)
    });
    let panicking = runner.run(&Just(String::new()), |input| {
        bounded("panics", &input, || panic!("boom"))?;
        Ok(())
    });
    assert!(panicking.is_err(), "a panic must fail the target, not pass");
}
