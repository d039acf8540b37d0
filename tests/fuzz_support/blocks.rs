//! Generators for experiment blocks (the TOML inside ```` ```experiment ````), with the keys
//! and values of src/experiment/settings.rs and content/reference.md. `Scale::Parse` ranges
//! widely (wrong types, edge sizes, misspelt keys); `Scale::Build` stays tiny and mostly valid
//! so that training, plotting and rendering run in milliseconds.

use gradbook::nn::Metric;
use proptest::prelude::*;
use proptest::strategy::Union;

use super::claims::{claim, formula};
use super::keys::{ACTIVATIONS, data_keys, float, model_keys, pick, size, train_keys};
use super::known_defects;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    Parse,
    Build,
}

/// Run names the generated claims may use: the block id and the labels the blocks make.
pub const RUNS: &[&str] = &["e", "a", "b", "sigmoid", "relu", "x"];

pub const DATA_NAMES: &[&str] = &[
    "spirals",
    "moons",
    "circles",
    "xor",
    "blobs",
    "random",
    "sine",
    "teacher",
    "digits",
    "adding",
    "copy",
    "parity",
    "delayed_recall",
];
pub const PLOT_KINDS: &[&str] = &[
    "grad_norm_by_layer",
    "grad_flow",
    "grad_norm_over_steps",
    "loss",
    "accuracy",
    "activation_hist",
    "activation_stats",
    "decision_boundary",
    "grad_through_time",
    "grad_through_time_flow",
];
/// Names a plot's `metric` may take (every per-layer norm and its aliases, from
/// `Metric::ALL`), and one it may not.
fn plot_metrics() -> Vec<String> {
    let drawable = Metric::ALL.into_iter().filter(|m| m.is_layer_norm());
    let names = drawable.flat_map(|m| std::iter::once(m.name()).chain(m.aliases().iter().copied()));
    names.chain(["loss"]).map(|n| format!("\"{n}\"")).collect()
}

/// Tokens for mutating blocks.
pub const WORDS: &[&str] = &[
    "id",
    "title",
    "data",
    "model",
    "train",
    "sweep",
    "[[case]]\n",
    "label",
    "seeds",
    "plot",
    "expect",
    "name",
    "depth",
    "width",
    "steps",
    "lr",
    "batch",
    "samples",
    "kind",
    "hidden",
    "\"model.depth\"",
    "= ",
    "true",
    "false",
    "nan",
    "inf",
    "-1",
    "0",
    "1e9",
    "4097",
    "[]",
    "{}",
    "\"\"",
    "'''",
    "\"\"\"",
    "#",
    ".",
    "\"spirals\"",
    "\"lstm\"",
    "= [1, 2]",
];

/// Up to `extra` optional keys of a table.
fn optional_keys(keys: Vec<BoxedStrategy<String>>, extra: usize) -> BoxedStrategy<Vec<String>> {
    prop::collection::vec(Union::new(keys), 0..=extra).boxed()
}

/// An inline table: the required keys (`core`, may be empty), then the optional ones, each
/// key once (a duplicate key only exercises the TOML crate; mutations make those anyway).
fn inline_table(core: String, rest: Vec<String>) -> String {
    let mut keys: Vec<String> = Vec::new();
    let name = |pair: &str| pair.split(" = ").next().unwrap_or("").trim().to_string();
    let core_names: Vec<String> = core.split(", ").map(name).collect();
    for pair in std::iter::once(core).chain(rest) {
        let fresh = !keys.iter().any(|k| name(k) == name(&pair));
        if !pair.is_empty() && fresh && (keys.is_empty() || !core_names.contains(&name(&pair))) {
            keys.push(pair);
        }
    }
    format!("{{ {} }}", keys.join(", "))
}

/// The required keys of `data` and `model`: mostly a pair that fits (a sequence task with a
/// recurrent cell, other data with an MLP), small at `Scale::Build`; at `Scale::Parse` one
/// block in three draws them independently (and may leave out `name`).
fn family(scale: Scale) -> BoxedStrategy<(String, String)> {
    if scale == Scale::Parse {
        let name = (pick(DATA_NAMES), 0u8..8).prop_map(|(n, missing)| match missing {
            0 => String::new(),
            _ => format!("name = {n}"),
        });
        let independent = (name, model_core(scale));
        return prop_oneof![1 => independent, 2 => fitting(scale)].boxed();
    }
    fitting(scale)
}

fn fitting(scale: Scale) -> BoxedStrategy<(String, String)> {
    let pair = (
        prop::sample::select(DATA_NAMES),
        16usize..=48,
        2usize..=5,
        1usize..=3,
        0u8..10,
        model_core(scale),
    )
        .prop_map(|(name, samples, length, symbols, odd, model)| {
            let sequence = ["adding", "copy", "parity", "delayed_recall"].contains(&name);
            let data = match sequence {
                true => format!(
                    "name = \"{name}\", samples = {samples}, length = {length}, symbols = {symbols}"
                ),
                false => format!("name = \"{name}\", samples = {samples}"),
            };
            // One block in ten keeps whatever model was drawn, usually a mismatch.
            let recurrent = model.starts_with("kind");
            let model = match (odd, sequence, recurrent) {
                (0, _, _) => model,
                (_, true, false) => format!("kind = \"gru\", hidden = {symbols}"),
                (_, false, true) => {
                    format!("depth = {symbols}, width = {length}, activation = \"tanh\"")
                }
                _ => model,
            };
            (data, model)
        });
    pair.boxed()
}

/// The model's required keys: a feed-forward net or a recurrent cell (sized by `scale`).
fn model_core(scale: Scale) -> BoxedStrategy<String> {
    let (width, depth) = (size(scale, 4), size(scale, 3));
    let widths = prop::collection::vec(1usize..=4, 1..=3).prop_map(|w| format!("width = {w:?}"));
    prop_oneof![
        3 => (depth, width, pick(ACTIVATIONS))
            .prop_map(|(d, w, a)| format!("depth = {d}, width = {w}, activation = {a}")),
        1 => (widths, pick(ACTIVATIONS)).prop_map(|(w, a)| format!("{w}, activation = {a}")),
        2 => (pick(&["rnn", "gru", "lstm"]), size(scale, 4))
            .prop_map(|(k, h)| format!("kind = {k}, hidden = {h}")),
    ]
    .boxed()
}

fn plot_entry(scale: Scale) -> BoxedStrategy<String> {
    let steps = prop::collection::vec(0u64..12, 0..3).prop_map(|s| format!("steps = {s:?}"));
    let option = prop_oneof![
        steps,
        prop::sample::select(plot_metrics()).prop_map(|m| format!("metric = {m}")),
        any::<bool>().prop_map(|b| format!("log_y = {b}")),
        formula().prop_map(|f| format!("theory = {}", toml::Value::String(f))),
        Just("theory_label = \"每层 ×1/4\"".to_string()),
    ];
    let kinds = if scale == Scale::Build {
        PLOT_KINDS
    } else {
        &[PLOT_KINDS, &["heatmap", ""]].concat().leak()[..]
    };
    let (bare, table) = if scale == Scale::Build {
        (6, 1)
    } else {
        (2, 3)
    };
    prop_oneof![
        bare => pick(kinds),
        table => (pick(kinds), prop::collection::vec(option, 0..3))
            .prop_map(|(k, opts)| inline_table(format!("kind = {k}"), opts)),
    ]
    .boxed()
}

/// The sweep (at most 3 keys × 3 values by default; 50⁴ points behind the switch).
fn sweep(scale: Scale) -> BoxedStrategy<String> {
    let values = match scale {
        Scale::Build => 1..=2usize,
        Scale::Parse => 0..=3usize,
    };
    let entry = prop_oneof![
        prop::collection::vec(pick(&["sigmoid", "relu"]), values.clone())
            .prop_map(|v| format!("\"model.activation\" = [{}]", v.join(", "))),
        prop::collection::vec(float(scale, 0.1), values.clone())
            .prop_map(|v| format!("\"train.lr\" = [{}]", v.join(", "))),
        prop::collection::vec(size(scale, 3), values.clone())
            .prop_map(|v| format!("\"model.depth\" = [{}]", v.join(", "))),
        prop::collection::vec(float(scale, 0.1), values)
            .prop_map(|v| format!("\"data.noise\" = [{}]", v.join(", "))),
        Just("\"title\" = [\"a\"]".to_string()),
        Just("\"model.depht\" = [1]".to_string()),
    ];
    let keys = if scale == Scale::Build { 1..=1 } else { 1..=3 };
    let normal = prop::collection::vec(entry, keys)
        .prop_map(|e| inline_table(String::new(), e).replace("{ ", "sweep = { "))
        .boxed();
    if !known_defects() || scale == Scale::Build {
        return normal;
    }
    // Open defect: 50⁴ variants fit the cost budget and never finish.
    let huge = (2usize..=50).prop_map(|n| {
        let list = format!("[{}]", (1..=n).map(|i| format!("{}", i as f64 / 1000.0)).collect::<Vec<_>>().join(", "));
        format!("sweep = {{ \"train.lr\" = {list}, \"data.noise\" = {list}, \"model.gain\" = {list}, \"train.l2\" = {list} }}")
    });
    prop_oneof![4 => normal, 1 => huge].boxed()
}

fn cases_text(scale: Scale) -> BoxedStrategy<String> {
    let case = (
        prop::sample::select(&["a", "b", "x", "", "a"][..]),
        prop::option::of(Union::new(model_keys(scale))),
    )
        .prop_map(|(label, model)| {
            let model = model
                .map(|m| format!("model = {{ {m} }}\n"))
                .unwrap_or_default();
            format!("\n[[case]]\nlabel = \"{label}\"\n{model}")
        });
    prop::collection::vec(case, 1..=2)
        .prop_map(|c| c.concat())
        .boxed()
}

/// A whole block: required keys first, then optional top-level keys, `[[case]]`s last.
pub fn block(scale: Scale) -> BoxedStrategy<String> {
    let id = prop_oneof![8 => Just("e".to_string()), 1 => pick(&["E", "", "a b", "é", "x-1_2"]).prop_map(|s| s.trim_matches('"').to_string())];
    let title = prop_oneof![any::<String>(), Just("小实验 <b>&amp;</b>".to_string())]
        .prop_map(|t| toml::Value::String(t).to_string());
    let extra = |parse: usize, build: usize| if scale == Scale::Build { build } else { parse };
    let train_core = (float(scale, 0.1), size(scale, 8), size(scale, 8)).prop_map(
        move |(lr, s, b)| match scale {
            Scale::Build => format!("lr = {lr}, steps = {s}, batch = {b}"),
            Scale::Parse => format!("lr = {lr}, steps = {s}"),
        },
    );
    let tables = (
        family(scale),
        optional_keys(data_keys(scale), extra(4, 1)),
        optional_keys(model_keys(scale), extra(3, 1)),
        train_core,
        optional_keys(train_keys(scale), extra(5, 2)),
    )
        .prop_map(
            |((data, model), data_rest, model_rest, train, train_rest)| {
                [
                    inline_table(data, data_rest),
                    inline_table(model, model_rest),
                    inline_table(train, train_rest),
                ]
            },
        );
    let seeds = prop_oneof![
        (1i64..=if scale == Scale::Build { 2 } else { 60 }).prop_map(|n| format!("seeds = {n}")),
        prop::collection::vec(0u64..4, 0..=3).prop_map(|s| format!("seeds = {s:?}")),
    ];
    let plot = prop::collection::vec(plot_entry(scale), 1..=3)
        .prop_map(|p| format!("plot = [{}]", p.join(", ")));
    let expect = prop::collection::vec(claim(RUNS), 1..=2).prop_map(|c| {
        let items: Vec<String> = c
            .into_iter()
            .map(|c| toml::Value::String(c).to_string())
            .collect();
        format!("expect = [\n  {},\n]", items.join(",\n  "))
    });
    let text = prop::option::weighted(
        0.2,
        any::<String>().prop_map(|s| toml::Value::String(s).to_string()),
    );
    let optional = (
        prop::option::weighted(0.3, sweep(scale)),
        prop::option::weighted(0.3, seeds),
        prop::option::weighted(0.6, plot),
        prop::option::weighted(if scale == Scale::Build { 0.15 } else { 0.4 }, expect),
        text.clone(),
        text,
        prop::option::weighted(0.2, cases_text(scale)),
    );
    (id, title, tables, optional)
        .prop_map(
            |(
                id,
                title,
                [data, model, train],
                (sweep, seeds, plot, expect, caption, note, cases),
            )| {
                let mut lines = vec![
                    format!("id = \"{id}\""),
                    format!("title = {title}"),
                    format!("data = {data}"),
                    format!("model = {model}"),
                    format!("train = {train}"),
                ];
                lines.extend(sweep);
                lines.extend(seeds);
                lines.extend(plot);
                lines.extend(expect);
                lines.extend(caption.map(|c| format!("caption = {c}")));
                lines.extend(note.map(|n| format!("note = {n}")));
                let mut text = lines.join("\n");
                text.push('\n');
                text.extend(cases);
                avoid_open_defects(text)
            },
        )
        .boxed()
}

/// Found by these targets and not fixed yet (see tests/fuzz_known.rs): a decision boundary
/// on a recurrent model panics after training (`unreachable!` in experiment/feed_forward.rs).
/// Left out only with `GRADBOOK_FUZZ_KNOWN=0` (a panic before issue 15 was fixed).
fn avoid_open_defects(text: String) -> String {
    let recurrent = ["\"rnn\"", "\"gru\"", "\"lstm\""]
        .iter()
        .any(|k| text.contains(&format!("kind = {k}")));
    if known_defects() || !recurrent {
        return text;
    }
    text.replace("decision_boundary", "loss")
}
