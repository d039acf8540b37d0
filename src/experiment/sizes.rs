//! The limits on every size a block gives (layers, widths, steps, examples, sequence lengths,
//! runs), checked on the parsed numbers before anything is allocated: `depth = 2^61` must be a
//! located error in microseconds, not a 10 GB vector or a capacity-overflow panic.

use std::ops::RangeInclusive;

use super::run::{input_dim, output_dim};
use super::spec::{DataName, MlpSpec, RunSpec, Widths};

/// Sane maximums: a typo should not start an hour-long build.
pub const MAX_DEPTH: usize = 200;
pub const MAX_WIDTH: usize = 4096;
pub const MAX_STEPS: usize = 100_000;
pub const MAX_SAMPLES: usize = 100_000;
pub const MAX_SEEDS: usize = 50;
/// Input features of blobs, random and teacher.
pub const MAX_DIM: usize = 4096;
/// Sequence length T of a sequence task, and the copy task's symbols and alphabet.
pub const MAX_LENGTH: usize = 1000;
pub const MAX_SYMBOLS: usize = 100;
pub const MAX_ALPHABET: usize = 256;
/// Numbers held by one data set (examples × features × time steps): 2^24 doubles, 128 MiB.
pub const MAX_DATA_VALUES: usize = 1 << 24;
/// Runs (variants × seeds) one block may ask for: 12 times the book's largest (relu-chain, 2
/// variants × 40 seeds), and 1,000 one-step runs build in about 6 s. Each run
/// also costs a fixed overhead on top of its training (`run::RUN_OVERHEAD`).
pub const MAX_RUNS: usize = 1000;

/// `check(ok, dotted key, message)`, as the range checks report.
pub(super) type Check<'a> = dyn FnMut(bool, &str, String) + 'a;

/// `key` within `range`, said with its short name: "steps must be between 1 and 100000, got 0".
pub(super) fn within(check: &mut Check, key: &str, value: usize, range: RangeInclusive<usize>) {
    let name = key.rsplit('.').next().unwrap_or(key);
    check(
        range.contains(&value),
        key,
        format!(
            "{name} must be between {} and {}, got {value}",
            range.start(),
            range.end()
        ),
    );
}

/// The hidden widths of a feed-forward net, or `None` (after reporting) when their number is out
/// of range: `MlpSpec::hidden` would allocate `depth` of them.
pub(super) fn hidden_widths(m: &MlpSpec, check: &mut Check) -> Option<Vec<usize>> {
    let count = match &m.width {
        Widths::List(list) => list.len(),
        Widths::Same(_) => m.depth.unwrap_or(1),
    };
    within(check, "model.depth", count, 1..=MAX_DEPTH);
    (1..=MAX_DEPTH).contains(&count).then(|| m.hidden())
}

/// The data set's and the training's sizes (the model's are checked with its kind).
pub(super) fn data_and_train_sizes(run: &RunSpec, check: &mut Check) {
    let (d, t) = (&run.data, &run.train);
    let samples = d.sample_count();
    within(check, "data.samples", samples, 1..=MAX_SAMPLES);
    within(check, "data.classes", d.classes, 2..=10);
    within(check, "data.dim", d.dim, 1..=MAX_DIM);
    within(check, "data.outputs", d.outputs, 1..=10);
    within(check, "data.teacher_width", d.teacher_width, 1..=MAX_WIDTH);
    if d.name.is_sequence() {
        let shortest = if d.name == DataName::Adding { 2 } else { 1 };
        if let Some(length) = d.length {
            within(check, "data.length", length, shortest..=MAX_LENGTH);
        }
        within(check, "data.symbols", d.symbols, 1..=MAX_SYMBOLS);
        within(check, "data.alphabet", d.alphabet, 1..=MAX_ALPHABET);
    }
    let values = samples.saturating_mul(values_per_example(run));
    check(
        values <= MAX_DATA_VALUES,
        "data.samples",
        format!(
            "the data set would hold {values} numbers ({samples} examples × {} each), over the limit of {MAX_DATA_VALUES}: use fewer samples or a smaller dim or length",
            values_per_example(run)
        ),
    );
    within(check, "train.steps", t.steps, 1..=MAX_STEPS);
    within(check, "train.record_every", t.record_every, 1..=MAX_STEPS);
    within(check, "train.eval_every", t.eval_every, 0..=MAX_STEPS);
    within(check, "train.warmup", t.warmup, 0..=MAX_STEPS);
    if let Some(every) = t.decay_every {
        within(check, "train.decay_every", every, 1..=MAX_STEPS);
    }
    if let Some(truncation) = t.truncation {
        within(check, "train.truncation", truncation, 1..=MAX_LENGTH);
    }
    if let Some(pretrain) = &t.pretrain {
        within(
            check,
            "train.pretrain.steps_per_layer",
            pretrain.steps_per_layer,
            1..=MAX_STEPS,
        );
    }
}

/// Numbers one example holds: its features and targets, over every time step of a sequence.
pub(super) fn values_per_example(run: &RunSpec) -> usize {
    let d = &run.data;
    if d.name.is_sequence() {
        // Sizes out of range are reported on their own; cap them so this cannot overflow.
        let length = d.length.unwrap_or(50).min(MAX_LENGTH);
        let (symbols, alphabet) = (d.symbols.min(MAX_SYMBOLS), d.alphabet.min(MAX_ALPHABET));
        (length + 2 * symbols) * (alphabet + 3)
    } else {
        input_dim(run).min(MAX_DIM) + output_dim(run).min(10)
    }
}

/// How many runs a block asks for, computed from the counts alone, before any variant is
/// made: cases × the product of the sweep's list lengths × seeds (saturating, so a 1000⁶
/// sweep is a number, not an overflow).
pub(super) fn run_count(cases: usize, sweep_lengths: &[usize], seeds: usize) -> u128 {
    sweep_lengths
        .iter()
        .fold(cases.max(1) as u128, |n, &len| {
            n.saturating_mul(len as u128)
        })
        .saturating_mul(seeds as u128)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::experiment::parse_block;
    use crate::experiment::spec::SpecError;

    const BLOCK: &str = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"spirals\" }\nmodel = { depth = 3, width = 8, activation = \"tanh\" }\ntrain = { lr = 0.1, steps = 10 }\n";

    /// The block's errors, which must come back at once: before the fix some of these took
    /// 93 s and 10 GB, aborted, or panicked with "capacity overflow".
    fn refused_quickly(text: &str) -> Vec<SpecError> {
        let started = Instant::now();
        let errors = parse_block(text).expect_err("an oversized block is an error");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
        errors
    }

    fn error_for<'a>(errors: &'a [SpecError], key: &str) -> &'a SpecError {
        errors
            .iter()
            .find(|e| e.key.as_deref() == Some(key))
            .unwrap_or_else(|| panic!("no error for `{key}` in {errors:?}"))
    }

    #[test]
    fn huge_depths_are_refused_before_anything_is_allocated() {
        for depth in ["1000000000", "100000000000", "2305843009213693952"] {
            let errors = refused_quickly(&BLOCK.replace("depth = 3", &format!("depth = {depth}")));
            let e = error_for(&errors, "model.depth");
            assert_eq!(e.line, 4);
            assert!(e.message.contains("between 1 and 200"), "{}", e.message);
        }
    }

    #[test]
    fn teacher_width_has_a_limit() {
        for width in ["10000000", "9223372036854775807"] {
            let text = BLOCK.replace(
                "{ name = \"spirals\" }",
                &format!("{{ name = \"teacher\", teacher_width = {width} }}"),
            );
            let errors = refused_quickly(&text);
            let e = error_for(&errors, "data.teacher_width");
            assert_eq!(e.line, 3);
            assert!(e.message.contains("between 1 and 4096"), "{}", e.message);
        }
    }

    #[test]
    fn every_size_key_is_checked_in_the_base_block_cases_and_sweeps() {
        let huge = "2305843009213693952";
        for (replace, by, key) in [
            (
                "steps = 10",
                format!("steps = 10, record_every = {huge}"),
                "train.record_every",
            ),
            (
                "steps = 10",
                format!("steps = 10, warmup = {huge}"),
                "train.warmup",
            ),
            (
                "steps = 10",
                format!("steps = 10, eval_every = {huge}"),
                "train.eval_every",
            ),
            ("steps = 10", format!("steps = {huge}"), "train.steps"),
            (
                "steps = 10",
                format!("steps = 10, batch = {huge}"),
                "train.batch",
            ),
            (
                "\"spirals\"",
                format!("\"spirals\", samples = {huge}"),
                "data.samples",
            ),
            (
                "\"spirals\"",
                format!("\"blobs\", dim = {huge}"),
                "data.dim",
            ),
            ("width = 8", format!("width = {huge}"), "model.width"),
        ] {
            let errors = refused_quickly(&BLOCK.replace(replace, &by));
            assert_eq!(
                error_for(&errors, key).line,
                if key.starts_with("train") {
                    5
                } else if key.starts_with("data") {
                    3
                } else {
                    4
                }
            );
        }
        let swept = format!("{BLOCK}sweep = {{ \"model.depth\" = [2, {huge}] }}\n");
        let errors = refused_quickly(&swept);
        assert_eq!((errors.len(), errors[0].line), (1, 6), "{errors:?}");
        assert!(
            errors[0].message.contains("between 1 and 200"),
            "{}",
            errors[0].message
        );
        let cased = format!(
            "{BLOCK}[[case]]\nlabel = \"a\"\n[[case]]\nlabel = \"b\"\ntrain = {{ steps = {huge} }}\n"
        );
        let errors = refused_quickly(&cased);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 8);
        let rnn = "id = \"r\"\ntitle = \"t\"\ndata = { name = \"copy\", symbols = 2305843009213693952, alphabet = 2305843009213693952 }\nmodel = { kind = \"rnn\", hidden = 4 }\ntrain = { lr = 0.1, steps = 10 }\n";
        let errors = refused_quickly(rnn);
        error_for(&errors, "data.symbols");
        error_for(&errors, "data.alphabet");
    }

    #[test]
    fn record_every_zero_and_a_one_step_adding_task_are_refused() {
        let errors =
            parse_block(&BLOCK.replace("steps = 10", "steps = 10, record_every = 0")).unwrap_err();
        assert!(
            error_for(&errors, "train.record_every")
                .message
                .contains("between 1 and"),
            "{errors:?}"
        );
        let adding = "id = \"r\"\ntitle = \"t\"\ndata = { name = \"adding\", length = 1 }\nmodel = { kind = \"rnn\", hidden = 4 }\ntrain = { lr = 0.1, steps = 10 }\n";
        let errors = parse_block(adding).unwrap_err();
        let e = error_for(&errors, "data.length");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("between 2 and 1000"), "{}", e.message);
        assert!(!e.message.contains("Adding {"), "{}", e.message);
    }

    #[test]
    fn a_block_with_too_many_runs_is_refused_from_the_counts_alone() {
        let list = |n: usize| {
            let values: Vec<String> = (1..=n).map(|i| format!("{}", i as f64 / 1e4)).collect();
            format!("[{}]", values.join(", "))
        };
        let four_keys = ["train.lr", "data.noise", "model.gain", "train.l2"];
        for (n, keys) in [(50, &four_keys[..]), (1000, &four_keys[..2])] {
            let sweep: Vec<String> = keys
                .iter()
                .map(|k| format!("\"{k}\" = {}", list(n)))
                .collect();
            let text = format!("{BLOCK}sweep = {{ {} }}\n", sweep.join(", "));
            let errors = refused_quickly(&text);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].line, 6);
            assert!(
                errors[0].message.contains("limit of 1000 runs"),
                "{}",
                errors[0].message
            );
        }
        // 1000⁶ is counted without overflow (and without making a variant).
        assert_eq!(run_count(1, &[1000; 6], 1), 1_000_000_000_000_000_000);
        assert_eq!(run_count(2, &[usize::MAX; 9], 50), u128::MAX);
        // Seeds multiply the runs: 30 sweep points × 40 seeds.
        let text = format!(
            "{BLOCK}seeds = 40\nsweep = {{ \"train.lr\" = {} }}\n",
            list(30)
        );
        let errors = refused_quickly(&text);
        assert!(
            errors[0].message.contains("1200 runs"),
            "{}",
            errors[0].message
        );
        assert!(
            parse_block(&format!(
                "{BLOCK}seeds = 40\nsweep = {{ \"train.lr\" = {} }}\n",
                list(25)
            ))
            .is_ok()
        );
    }
}
