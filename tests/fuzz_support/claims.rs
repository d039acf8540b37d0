//! Generators for the claim language (`expect = ["…"]`) and theory formulas, following the
//! grammar in src/experiment/claims/syntax.rs: mostly valid text, with wrong selectors,
//! odd numbers and stray tokens mixed in, plus the deep-nesting shapes of known defects.

use gradbook::nn::Metric;
use proptest::prelude::*;

use super::{known_defects, spaced};

/// Metric names: every one the engine records (from `Metric::ALL`), and a few that do not
/// exist (`grad` is a plot spec's alias only).
pub fn metrics() -> Vec<&'static str> {
    let recorded = Metric::ALL.iter().map(|m| m.name());
    recorded.chain(["speed", "grad"]).collect()
}

pub const FUNCTIONS: &[&str] = &[
    "median", "mean", "min", "max", "abs", "log10", "ln", "sqrt", "exp", "log",
];

/// Tokens for mutating claims.
pub const WORDS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "-",
    "+",
    "*",
    "/",
    "^",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "=",
    ",",
    "not ",
    " and ",
    " or ",
    " where ",
    "run",
    "seed",
    "step",
    "layer",
    "last",
    "first",
    "diverged",
    "'x'",
    "\"y\"",
    "'",
    "1e-3",
    "0",
    ".5",
    "1e999",
    "median(",
    "loss[step=last]",
    "grad_norm[layer=1, step=0]",
    "l",
    "L",
    "∞",
    "é",
];

/// Numbers as an author might write them, and some a tokenizer must reject.
pub fn number() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (0u32..1000).prop_map(|n| n.to_string()),
        2 => any::<f64>().prop_map(|x| format!("{}", x.abs())),
        2 => (0u32..100, -400i32..400).prop_map(|(m, e)| format!("{m}e{e}")),
        1 => prop::sample::select(&[
            "0", "1", "2", ".5", "0.25", "1e-3", "1E+5", "3e400", "1e", "1e+", "0x1f", "1.2.3",
            "18446744073709551616", "00", "1_000", "9.", "NaN", "inf",
        ][..]).prop_map(str::to_string),
    ]
    .boxed()
}

fn position() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (0u64..40).prop_map(|n| n.to_string()),
        2 => Just("last".to_string()),
        1 => Just("first".to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => Just("-1".to_string()),
        1 => Just("1.5".to_string()),
    ]
    .boxed()
}

fn quoted(runs: &'static [&'static str]) -> BoxedStrategy<String> {
    (prop::sample::select(runs), any::<bool>())
        .prop_map(|(run, single)| {
            if single {
                format!("'{run}'")
            } else {
                format!("\"{run}\"")
            }
        })
        .boxed()
}

/// `metric[layer=…, step=…, run='…', seed=…]`, sometimes with missing, repeated or unknown
/// selectors.
pub fn selector(runs: &'static [&'static str]) -> BoxedStrategy<String> {
    let choice = prop_oneof![
        4 => position().prop_map(|p| format!("step={p}")),
        3 => position().prop_map(|p| format!("layer={p}")),
        1 => quoted(runs).prop_map(|r| format!("run={r}")),
        1 => (0u64..6).prop_map(|s| format!("seed={s}")),
        1 => prop::sample::select(&["stp=0", "step", "step=", "=0", "layer=last=1", ""][..])
            .prop_map(str::to_string),
    ];
    (
        prop::sample::select(metrics()),
        prop::collection::vec(choice, 0..4),
        prop::collection::vec(any::<u8>(), 6),
    )
        .prop_map(|(metric, choices, gaps)| {
            let inner = spaced(&choices, &gaps).replace(' ', ", ");
            format!("{metric}[{inner}]")
        })
        .boxed()
}

/// A numeric expression whose leaves come from `leaf`.
fn arithmetic(leaf: BoxedStrategy<String>, depth: u32) -> BoxedStrategy<String> {
    leaf.prop_recursive(depth, 48, 3, |inner| {
        prop_oneof![
            (prop::sample::select(FUNCTIONS), inner.clone()).prop_map(|(f, e)| format!("{f}({e})")),
            inner.clone().prop_map(|e| format!("-{e}")),
            inner.clone().prop_map(|e| format!("({e})")),
            (
                inner.clone(),
                prop::sample::select(&["+", "-", "*", "/", "^", " + ", " ^ ", "-", "--"][..]),
                inner,
            )
                .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
        ]
    })
    .boxed()
}

/// A claim: comparisons and `diverged` joined by `not`/`and`/`or`, maybe with `where`.
pub fn claim(runs: &'static [&'static str]) -> BoxedStrategy<String> {
    let value = arithmetic(prop_oneof![2 => number(), 3 => selector(runs)].boxed(), 3);
    let compare = (
        value.clone(),
        prop::sample::select(&["<", "<=", ">", ">=", "==", "!=", " < ", "=", ""][..]),
        value,
    )
        .prop_map(|(a, op, b)| format!("{a} {op} {b}"));
    let truth = prop_oneof![
        6 => compare,
        1 => Just("diverged".to_string()),
        1 => quoted(runs).prop_map(|r| format!("diverged[run={r}]")),
    ]
    .prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| format!("not {e}")),
            inner.clone().prop_map(|e| format!("({e})")),
            (
                inner.clone(),
                prop::sample::select(&[" and ", " or "][..]),
                inner
            )
                .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
        ]
    });
    let condition = prop_oneof![
        quoted(runs).prop_map(|r| format!("run = {r}")),
        (0u64..6).prop_map(|s| format!("seed = {s}")),
        Just("step = 1".to_string()),
    ];
    let clause =
        prop::option::weighted(0.5, prop::collection::vec(condition, 1..3)).prop_map(|c| {
            c.map(|c| format!("  where {}", c.join(" and ")))
                .unwrap_or_default()
        });
    prop_oneof![
        12 => (truth, clause).prop_map(|(t, c)| format!("{t}{c}")),
        1 => deep_nesting(),
    ]
    .boxed()
}

/// A theory formula over `l` and `L` (`0.25^(L-l)`), sometimes naming things it may not.
pub fn formula() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        3 => number(),
        3 => prop::sample::select(&["l", "L"][..]).prop_map(str::to_string),
        1 => prop::sample::select(&["k", "loss[step=0]", "diverged", "x_1"][..]).prop_map(str::to_string),
    ]
    .boxed();
    prop_oneof![10 => arithmetic(leaf, 4), 1 => deep_nesting()].boxed()
}

/// Nesting: `((((1))))`, `----1`, `not not …`, `2^2^…`, up to 10,000 levels (far past the
/// parsers' bound of 256; before it, a stack overflow). `GRADBOOK_FUZZ_KNOWN=0` keeps it shallow.
pub fn deep_nesting() -> BoxedStrategy<String> {
    let most = if known_defects() { 10_000 } else { 24 };
    (0usize..4, 1usize..=most)
        .prop_map(|(shape, n)| match shape {
            0 => format!("{}1{} < 2", "(".repeat(n), ")".repeat(n)),
            1 => format!("{}1 < 2", "-".repeat(n)),
            2 => format!("{}diverged", "not ".repeat(n)),
            _ => format!("{}2 < 1", "2^".repeat(n)),
        })
        .boxed()
}
