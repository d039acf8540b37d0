//! The experiment language end to end: located errors for malformed blocks, claims checked on
//! every build, the run cache, seeds and cases, and output independent of the thread count.

mod common;

use common::{TestBook, snapshot};
use gradbook::build::BuildOptions;

/// A valid block; `{id}` and `{extra}` are filled in per test.
fn block(id: &str, model: &str, train: &str, extra: &str) -> String {
    format!(
        "```experiment\nid = \"{id}\"\ntitle = \"t\"\ndata = {{ name = \"spirals\", samples = 64 }}\nmodel = {{ {model} }}\ntrain = {{ {train} }}\n{extra}```\n"
    )
}

const MODEL: &str = "depth = 2, width = 4, activation = \"tanh\"";
const TRAIN: &str = "lr = 0.1, steps = 5, batch = 16, record_every = 1";

#[test]
fn twenty_malformed_blocks_give_twenty_distinct_located_errors() {
    // (block text, what the error must say). Lines inside a block: id 1, title 2, data 3,
    // model 4, train 5, extra 6+.
    let cases: Vec<(String, &str)> = vec![
        (block("b1", MODEL, TRAIN, "title2 = \n"), "string"),
        (block("b2", MODEL, TRAIN, "colour = \"red\"\n"), "colour"),
        (
            block(
                "b3",
                "depth = \"two\", width = 4, activation = \"tanh\"",
                TRAIN,
                "",
            ),
            "model.depth",
        ),
        (
            block("b4", MODEL, TRAIN, "sweep = { \"model.depht\" = [1, 2] }\n"),
            "depht",
        ),
        (
            block("b5", MODEL, TRAIN, "case = []\n"),
            "case list is empty",
        ),
        (
            block("b6", MODEL, TRAIN, "expect = [\"loss[step=last] <\"]\n"),
            "expected a number",
        ),
        (
            block(
                "b7",
                MODEL,
                TRAIN,
                "expect = [\"loss[step=last] < 1 where run = 'nope'\"]\n",
            ),
            "'nope'",
        ),
        (block("ok", MODEL, TRAIN, ""), "duplicate experiment id"),
        (
            block(
                "b9",
                "depth = 150, width = 2000, activation = \"tanh\"",
                "lr = 0.1, steps = 1000, batch = 16",
                "",
            ),
            "over the limit",
        ),
        (
            block("b10", MODEL, TRAIN, "").replace("title = \"t\"\n", ""),
            "title",
        ),
        (
            block(
                "b11",
                "depth = 2, width = 4, activation = \"swish\"",
                TRAIN,
                "",
            ),
            "model.activation",
        ),
        (
            block(
                "b12",
                "depth = 0, width = 4, activation = \"tanh\"",
                TRAIN,
                "",
            ),
            "depth must be",
        ),
        (
            block("b13", MODEL, "lr = -0.1, steps = 5, batch = 16", ""),
            "learning rate must be positive",
        ),
        (
            block("b14", MODEL, "lr = 0.1, steps = 5, batch = 65", ""),
            "batch must be",
        ),
        (
            block("b15", MODEL, TRAIN, "plot = \"heatmap\"\n"),
            "unknown plot",
        ),
        (
            block("b16", MODEL, TRAIN, "sweep = { \"model.depth\" = [] }\n"),
            "non-empty list",
        ),
        (
            block("b17", MODEL, TRAIN, "sweep = { \"title\" = [\"a\"] }\n"),
            "cannot sweep",
        ),
        (block("b18", MODEL, TRAIN, "seeds = 0\n"), "seeds must be"),
        (
            block("b19", MODEL, TRAIN, "[[case]]\nmodel = { depth = 3 }\n"),
            "needs a `label`",
        ),
        (
            block(
                "b20",
                MODEL,
                TRAIN,
                "expect = [\"accuracy[step=last] > 0.9\"]\n",
            ),
            "not recorded",
        ),
    ];
    let mut chapter = String::from("# 二十个坏块\n\n");
    chapter.push_str(&block("ok", MODEL, TRAIN, ""));
    let mut ranges = Vec::new();
    for (text, _) in &cases {
        chapter.push('\n');
        let start = chapter.lines().count() + 1;
        chapter.push_str(text);
        ranges.push(start..chapter.lines().count() + 1);
    }
    let book = TestBook::new()
        .chapter("bad.md", &chapter)
        .file("book/keep.txt", "previous site")
        .file("book/.gradbook-site", "");

    let errors: Vec<_> = book
        .build()
        .unwrap_err()
        .0
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    for (i, ((_, expected), lines)) in cases.iter().zip(&ranges).enumerate() {
        let found: Vec<_> = errors.iter().filter(|d| lines.contains(&d.line)).collect();
        assert_eq!(
            found.len(),
            1,
            "block {} should give exactly one error, got {found:#?}",
            i + 1
        );
        let shown = found[0].to_string();
        assert!(
            shown.contains(expected),
            "block {}: expected `{expected}` in:\n{shown}",
            i + 1
        );
        assert!(
            shown.contains(&format!("bad.md:{}", found[0].line)),
            "{shown}"
        );
    }
    assert_eq!(errors.len(), 20, "{errors:#?}");
    let mut messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
    messages.sort_unstable();
    messages.dedup();
    assert_eq!(messages.len(), 20, "distinct messages");

    let output = book.run_cli(&["build"]);
    assert!(!output.status.success());
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
    assert_eq!(
        std::fs::read_dir(book.out()).unwrap().count(),
        2,
        "book/ untouched (keep.txt and the site marker)"
    );
    assert_eq!(book.read("keep.txt"), "previous site");
}

#[test]
fn a_true_claim_passes_and_a_false_one_fails_with_the_measured_values() {
    let sweep = "sweep = { \"model.activation\" = [\"sigmoid\", \"relu\"] }\n";
    let model = "depth = 6, width = 16, activation = \"sigmoid\", init = \"he_normal\"";
    let holds = "expect = [\n  \"grad_norm[layer=1, step=0] / grad_norm[layer=last, step=0] < 0.1 where run = 'sigmoid'\",\n  \"not diverged where run = 'relu'\",\n]\n";
    let book = TestBook::new().chapter(
        "c.md",
        &format!(
            "# 论断\n\n{}",
            block("claims", model, TRAIN, &format!("{sweep}{holds}"))
        ),
    );
    let report = book.build().unwrap();
    assert_eq!(report.claims, 2);

    let fails = "expect = [\"grad_norm[layer=1, step=0] > grad_norm[layer=last, step=0] where run = 'sigmoid'\"]\n";
    let book = book.file(
        "content/c.md",
        &format!(
            "# 论断\n\n{}",
            block("claims", model, TRAIN, &format!("{sweep}{fails}"))
        ),
    );
    let shown = book.build().unwrap_err().to_string();
    assert!(shown.contains("c.md:10"), "the claim's line:\n{shown}");
    assert!(shown.contains("claim does not hold"), "{shown}");
    assert!(
        shown.contains("grad_norm[run='sigmoid', layer=1, step=0] = "),
        "the measured value:\n{shown}"
    );
    assert!(shown.contains("e-"), "a small number is shown:\n{shown}");

    let missing_layer = "expect = [\"grad_norm[layer=9, step=0] > 0 where run = 'relu'\"]\n";
    let book = book.file(
        "content/c.md",
        &format!(
            "# 论断\n\n{}",
            block("claims", model, TRAIN, &format!("{sweep}{missing_layer}"))
        ),
    );
    let shown = book.build().unwrap_err().to_string();
    assert!(shown.contains("there is no layer 9"), "{shown}");
}

#[test]
fn claims_hold_over_every_seed_unless_aggregated() {
    let extra = "seeds = 3\nexpect = [\"median(loss[step=last]) < 10\", \"loss[step=last] < 10\", \"max(loss[step=0]) >= min(loss[step=0])\"]\n";
    let book = TestBook::new().chapter(
        "s.md",
        &format!("# 种子\n\n{}", block("seeds", MODEL, TRAIN, extra)),
    );
    let report = book.build().unwrap();
    assert_eq!((report.runs, report.claims), (3, 3));
    let csv = book.read("figures/s/seeds.csv");
    for seed in 1..=3 {
        assert!(
            csv.contains(&format!("\nseeds,{seed},0,,loss,")),
            "seed {seed} in the CSV"
        );
    }
}

#[test]
fn cases_times_sweep_label_every_run() {
    let extra = "sweep = { \"train.lr\" = [0.1, 0.01] }\n[[case]]\nlabel = \"tanh\"\n[[case]]\nlabel = \"relu+He\"\nmodel = { activation = \"relu\", init = \"he_normal\" }\n";
    let book = TestBook::new().chapter(
        "v.md",
        &format!("# 变体\n\n{}", block("cases", MODEL, TRAIN, extra)),
    );
    let report = book.build().unwrap();
    assert_eq!(report.runs, 4);
    let csv = book.read("figures/v/cases.csv");
    // Labels holding a comma are quoted in the CSV.
    for label in [
        "\"tanh, 0.1\"",
        "\"tanh, 0.01\"",
        "\"relu+He, 0.1\"",
        "\"relu+He, 0.01\"",
    ] {
        assert!(
            csv.contains(&format!("\n{label},1,0,,loss,")),
            "{label} in\n{}",
            &csv[..300]
        );
    }
}

fn two_block_chapter(prose: &str, second_lr: &str) -> String {
    format!(
        "# 缓存\n\n{prose}\n\n{}\n{}",
        block("first", MODEL, TRAIN, "seeds = 2\n"),
        block(
            "second",
            MODEL,
            &format!("lr = {second_lr}, steps = 5, batch = 16"),
            ""
        )
    )
}

#[test]
fn the_cache_reruns_only_what_changed_and_distrusts_damaged_entries() {
    // The second block differs from the first's seed-1 run, or the cache would share them.
    let book = TestBook::new().chapter("c.md", &two_block_chapter("原来的文字。", "0.2"));
    let first = book.build().unwrap();
    assert_eq!((first.runs_trained, first.runs_cached), (3, 0));
    let site = snapshot(&book.out());

    let book = book.file("content/c.md", &two_block_chapter("改过的文字。", "0.2"));
    let prose = book.build().unwrap();
    assert_eq!(
        (prose.runs_trained, prose.runs_cached),
        (0, 3),
        "a prose edit trains nothing"
    );
    let after = snapshot(&book.out());
    let figures = |s: &std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>| {
        s.iter()
            .filter(|(p, _)| p.starts_with("figures"))
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        figures(&site),
        figures(&after),
        "cached results draw the same figures"
    );

    let book = book.file("content/c.md", &two_block_chapter("改过的文字。", "0.05"));
    let edited = book.build().unwrap();
    assert_eq!(
        (edited.runs_trained, edited.runs_cached),
        (1, 2),
        "only the edited block reruns"
    );

    // Without the figure cache, which would spare the runs, a damaged run entry is retrained.
    std::fs::remove_dir_all(book.root().join(".gradbook/figures")).unwrap();
    // The newest entry is the edited block's run, one the book still uses (the oldest may be
    // the block's stale entry from before the edit, which nothing reads).
    let entry = std::fs::read_dir(book.root().join(".gradbook/cache"))
        .unwrap()
        .map(|entry| entry.unwrap())
        .max_by_key(|entry| entry.metadata().unwrap().modified().unwrap())
        .unwrap()
        .path();
    let text = std::fs::read(&entry).unwrap();
    std::fs::write(&entry, &text[..text.len() / 3]).unwrap();
    let repaired = book.build().unwrap();
    assert_eq!(
        (repaired.runs_trained, repaired.runs_cached),
        (1, 2),
        "a truncated entry is recomputed"
    );

    let fresh = book
        .build_with(BuildOptions {
            no_cache: true,
            ..book.options()
        })
        .unwrap();
    assert_eq!(
        (fresh.runs_trained, fresh.runs_cached),
        (3, 0),
        "--no-cache trains everything"
    );
}

/// A prose edit draws nothing and reads no run: the figure cache holds each block's part of
/// the site, the chapter cache each chapter's HTML. Damaged entries of either are made again,
/// and the site is the same bytes as a build without any cache.
#[test]
fn a_prose_edit_reuses_figures_and_chapters_and_distrusts_damaged_entries() {
    let chapter = |prose: &str| {
        format!(
            "# 缓存\n\n{prose}\n\n{}\n{}",
            block(
                "first",
                MODEL,
                TRAIN,
                "seeds = 2\nexpect = [\"loss[step=last] < 1000\"]\n"
            ),
            block("second", MODEL, "lr = 0.2, steps = 5, batch = 16", "")
        )
    };
    let book = TestBook::new()
        .chapter("c.md", &chapter("原来的文字。"))
        .chapter("d.md", "# 另一章\n\n见 {{#ref c.md#second}}。\n");
    book.build().unwrap();
    let cache = book.root().join(".gradbook");
    std::fs::remove_dir_all(cache.join("cache")).unwrap();

    let book = book.file("content/c.md", &chapter("改过的文字。"));
    let prose = book.build().unwrap();
    assert_eq!(
        (prose.runs_trained, prose.runs_cached, prose.claims),
        (0, 3, 1),
        "the figure cache spares every run, and remembers the claims that held"
    );
    let site = snapshot(&book.out());
    let reference = |name: &str| {
        let dest = book.root().join(name);
        book.build_with(BuildOptions {
            dest: Some(dest.clone()),
            no_cache: true,
            ..book.options()
        })
        .unwrap();
        snapshot(&dest)
    };
    assert!(
        site == reference("fresh"),
        "the cached site is what a fresh build writes"
    );

    for dir in ["figures", "chapters"] {
        let entries: Vec<_> = std::fs::read_dir(cache.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(!entries.is_empty(), "the build keeps {dir}");
        for entry in entries {
            let bytes = std::fs::read(&entry).unwrap();
            std::fs::write(&entry, &bytes[..bytes.len() / 2]).unwrap();
        }
    }
    let repaired = book.build().unwrap();
    assert_eq!(
        (repaired.runs_trained, repaired.runs_cached),
        (3, 0),
        "damaged figure entries are not trusted: the runs are trained again"
    );
    assert!(snapshot(&book.out()) == site, "and the site is the same");
}

#[test]
fn output_is_byte_identical_with_one_or_two_threads() {
    let sweep = "sweep = { \"model.activation\" = [\"sigmoid\", \"tanh\", \"relu\"] }\nseeds = 2\n";
    let book = TestBook::new()
        .chapter(
            "a.md",
            &format!("# A\n\n{}", block("a", MODEL, TRAIN, sweep)),
        )
        .chapter(
            "b.md",
            &format!(
                "# B\n\n{}",
                block("b", MODEL, "lr = 0.5, steps = 20, batch = 8", sweep)
            ),
        );
    let one = book.root().join("one");
    let two = book.root().join("two");
    book.build_with(BuildOptions {
        dest: Some(one.clone()),
        jobs: Some(1),
        no_cache: true,
        ..book.options()
    })
    .unwrap();
    book.build_with(BuildOptions {
        dest: Some(two.clone()),
        jobs: Some(2),
        no_cache: true,
        ..book.options()
    })
    .unwrap();
    assert_eq!(snapshot(&one), snapshot(&two));
}

#[test]
fn check_runs_everything_and_writes_nothing() {
    let book = TestBook::new().chapter(
        "c.md",
        &format!(
            "# C\n\n{}",
            block("c", MODEL, TRAIN, "expect = [\"loss[step=0] > 0\"]\n")
        ),
    );
    let report = book
        .build_with(BuildOptions {
            dry_run: true,
            ..book.options()
        })
        .unwrap();
    assert_eq!((report.runs, report.claims), (1, 1));
    assert!(!book.out().exists());
}

#[test]
fn check_margins_gives_each_claim_the_factor_it_could_move_by() {
    let extra = "expect = [\n  \"act_std[layer=1, step=0] < 2 * act_std[layer=1, step=0]\",\n  \"act_std[layer=1, step=0] > 0.25 * act_std[layer=1, step=0] and act_std[layer=1, step=0] < 8 * act_std[layer=1, step=0]\",\n  \"act_std[layer=1, step=0] > 0\",\n  \"not diverged\",\n]\n";
    let book = TestBook::new().chapter(
        "a.md",
        &format!("# A\n\n{}", block("m", MODEL, TRAIN, extra)),
    );
    let margins =
        gradbook::build::claim_margins(&book.options(), &gradbook::experiment::run::Silent)
            .unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<(usize, Option<f64>)> = margins.iter().map(|m| (m.line, m.margin)).collect();
    // The block opens on line 3; its claims are on TOML lines 7 to 10.
    assert_eq!(
        found,
        vec![
            (10, Some(2.0)),
            (11, Some(4.0)),
            (12, Some(f64::INFINITY)),
            (13, None)
        ]
    );
    assert!(margins.iter().all(|m| m.block == "m"));
    assert!(margins[0].file.ends_with("content/a.md"));
}

#[test]
fn count_turns_a_truth_over_seeds_into_a_rate() {
    let extra = "seeds = 3\nexpect = [\n  \"count(not diverged) == 3\",\n  \"count(loss[step=last] < 1000) >= 3\",\n  \"count(loss[step=last] < 0) == 0\",\n]\n";
    let book = TestBook::new().chapter(
        "a.md",
        &format!("# A\n\n{}", block("c", MODEL, TRAIN, extra)),
    );
    assert_eq!(book.build().unwrap_or_else(|e| panic!("{e}")).claims, 3);

    let wrong = "seeds = 3\nexpect = [\"count(not diverged) < 3\"]\n";
    let book = book.file(
        "content/a.md",
        &format!("# A\n\n{}", block("c", MODEL, TRAIN, wrong)),
    );
    let error = book.build().unwrap_err().to_string();
    assert!(error.contains("claim does not hold"), "{error}");
    let number = "expect = [\"count(loss[step=last]) > 1\"]\n";
    let book = book.file(
        "content/a.md",
        &format!("# A\n\n{}", block("c", MODEL, TRAIN, number)),
    );
    let error = book.build().unwrap_err().to_string();
    assert!(
        error.contains("a number was used where a comparison is needed"),
        "{error}"
    );
}
