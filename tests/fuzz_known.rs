//! Reproducers the fuzz targets (tests/fuzz_parsers.rs, tests/fuzz_build.rs) found, or that
//! issue 15 lists: each panicked, aborted (stack overflow) or exhausted memory before its
//! fix, and must now give located errors.

use gradbook::build::{BuildOptions, build};
use gradbook::experiment::claims::{parse_claim, parse_formula};

/// Build a one-chapter book holding `block` (dry run): it must succeed or fail located.
fn build_block(block: &str) {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("book.toml"),
        "title = \"t\"\nlanguage = \"en\"\n",
    )
    .unwrap();
    std::fs::write(content.join("SUMMARY.md"), "# Summary\n\n- [A](a.md)\n").unwrap();
    std::fs::write(
        content.join("a.md"),
        format!("# A\n\n```experiment\n{block}```\n"),
    )
    .unwrap();
    let options = BuildOptions {
        dry_run: true,
        no_cache: true,
        ..BuildOptions::new(dir.path())
    };
    if let Err(diagnostics) = build(&options) {
        assert!(diagnostics.0.iter().all(|d| d.line >= 1), "{diagnostics:?}");
    }
}

/// Found by `fuzz_build`: src/experiment/run.rs asks `feed_forward::data_points` for the
/// points of a sequence task, which is `unreachable!` (src/experiment/feed_forward.rs:60).
#[test]

fn decision_boundary_on_a_recurrent_model() {
    build_block(
        "id = \"e\"\ntitle = \"\"\ndata = { name = \"adding\", samples = 16, length = 2, symbols = 1 }\nmodel = { kind = \"gru\", hidden = 1 }\ntrain = { lr = 0.16196944689733514, steps = 1, batch = 1 }\nplot = [{ kind = \"decision_boundary\" }]\n",
    );
}

/// Issue 15, defect 6: the claim and formula parsers recurse without a bound.
#[test]

fn deeply_nested_claims_and_formulas() {
    let n = 10_000;
    for claim in [
        format!("{}1{} < 2", "(".repeat(n), ")".repeat(n)),
        format!("{}1 < 2", "-".repeat(n)),
        format!("{}diverged", "not ".repeat(n)),
        format!("{}2 < 1", "2^".repeat(n)),
    ] {
        assert!(parse_claim(&claim).is_err());
        assert!(parse_formula(&claim, &["l", "L"]).is_err());
    }
}
