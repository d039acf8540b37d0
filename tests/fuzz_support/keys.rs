//! The keys of an experiment block's `data`, `model` and `train` tables, each with a
//! generator of its values (src/experiment/settings.rs, content/reference.md): typical values,
//! range edges, wrong types, and sizes that exhausted memory before issue 15 (left out with `GRADBOOK_FUZZ_KNOWN=0`).

use proptest::prelude::*;

use super::blocks::Scale;
use super::known_defects;

pub const ACTIVATIONS: &[&str] = &[
    "linear",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "softplus",
    "silu",
];
const OPTIMIZERS: &[&str] = &["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"];

pub fn pick(options: &'static [&'static str]) -> BoxedStrategy<String> {
    prop::sample::select(options)
        .prop_map(|s| format!("\"{s}\""))
        .boxed()
}

/// A count: small values, range edges, and (behind the switch) sizes that exhaust memory.
pub fn size(scale: Scale, small: usize) -> BoxedStrategy<String> {
    if scale == Scale::Build {
        return (1..=small).prop_map(|n| n.to_string()).boxed();
    }
    let mut edges = vec![
        "0", "1", "2", "-1", "8", "200", "201", "1000", "4096", "4097", "100000", "100001",
        "1000000", "1.5", "\"8\"", "true",
    ];
    if known_defects() {
        // Open defects: sizes are allocated before they are checked.
        edges.extend([
            "1000000000",
            "100000000000",
            "2305843009213693952",
            "9223372036854775807",
        ]);
    }
    prop_oneof![
        4 => (0..=small * 2).prop_map(|n| n.to_string()),
        2 => prop::sample::select(edges).prop_map(str::to_string),
    ]
    .boxed()
}

/// A float: typical, edge and non-finite values.
pub fn float(scale: Scale, typical: f64) -> BoxedStrategy<String> {
    let near = (0.0f64..3.0).prop_map(move |x| format!("{:?}", x * typical));
    if scale == Scale::Build {
        return near.boxed();
    }
    prop_oneof![
        4 => near,
        1 => any::<f64>().prop_filter("TOML float", |x| x.is_finite()).prop_map(|x| format!("{x:?}")),
        1 => prop::sample::select(&["0", "0.0", "-1.0", "1", "nan", "inf", "-inf", "1e308", "1e-320", "\"0.1\""][..])
            .prop_map(str::to_string),
    ]
    .boxed()
}

fn key(name: &'static str, value: BoxedStrategy<String>) -> BoxedStrategy<String> {
    value.prop_map(move |v| format!("{name} = {v}")).boxed()
}

fn named_table(
    names: &'static [&'static str],
    params: &'static [&'static str],
    scale: Scale,
) -> BoxedStrategy<String> {
    prop_oneof![
        3 => pick(names),
        2 => (prop::sample::select(names), prop::sample::select(params), float(scale, 0.5))
            .prop_map(|(n, p, v)| format!("{{ name = \"{n}\", {p} = {v} }}")),
    ]
    .boxed()
}

pub fn data_keys(scale: Scale) -> Vec<BoxedStrategy<String>> {
    vec![
        key("samples", size(scale, 64)),
        key("noise", float(scale, 0.1)),
        key("classes", size(scale, 4)),
        key("dim", size(scale, 4)),
        key("factor", float(scale, 0.5)),
        key("spread", float(scale, 1.0)),
        key("teacher_width", size(scale, 4)),
        key("outputs", size(scale, 3)),
        key("length", size(scale, 6)),
        key("symbols", size(scale, 3)),
        key("alphabet", size(scale, 4)),
        key("test_fraction", float(scale, 0.2)),
        key("seed", (0u64..5).prop_map(|s| s.to_string()).boxed()),
    ]
}

pub fn model_keys(scale: Scale) -> Vec<BoxedStrategy<String>> {
    vec![
        key("activation", pick(ACTIVATIONS)),
        key("slope", float(scale, 0.01)),
        key("alpha", float(scale, 1.0)),
        key(
            "init",
            named_table(
                &[
                    "xavier_normal",
                    "xavier_uniform",
                    "he_normal",
                    "he_uniform",
                    "lecun_normal",
                    "orthogonal",
                    "normal",
                    "uniform",
                    "constant",
                    "mean_field",
                ],
                &["std", "limit", "value", "sigma_w2"],
                scale,
            ),
        ),
        key("gain", float(scale, 1.0)),
        key(
            "bias_init",
            named_table(&["zeros", "constant", "normal"], &["value", "std"], scale),
        ),
        key("norm", pick(&["none", "batch", "layer"])),
        key(
            "residual",
            prop_oneof![
                Just("true".to_string()),
                Just("false".to_string()),
                ((1usize..=3), float(scale, 1.0))
                    .prop_map(|(l, a)| format!("{{ layers = {l}, alpha = {a} }}")),
            ]
            .boxed(),
        ),
        key(
            "loss",
            pick(&[
                "softmax_cross_entropy",
                "mean_squared_error",
                "binary_cross_entropy",
            ]),
        ),
        key("layers", size(scale, 2)),
        key("forget_bias", float(scale, 1.0)),
        key(
            "recurrent_init",
            named_table(
                &[
                    "pytorch",
                    "orthogonal",
                    "identity",
                    "normal",
                    "xavier_normal",
                ],
                &["gain", "scale", "std"],
                scale,
            ),
        ),
    ]
}

pub fn train_keys(scale: Scale) -> Vec<BoxedStrategy<String>> {
    vec![
        key("optimizer", pick(OPTIMIZERS)),
        key("momentum", float(scale, 0.3)),
        key("beta1", float(scale, 0.3)),
        key("beta2", float(scale, 0.33)),
        key("rho", float(scale, 0.33)),
        key("eps", float(scale, 1e-8)),
        key(
            "schedule",
            pick(&["constant", "step", "exponential", "cosine", "linear"]),
        ),
        key("decay_every", size(scale, 4)),
        key("decay_factor", float(scale, 0.1)),
        key("gamma", float(scale, 0.33)),
        key("min_lr_factor", float(scale, 0.1)),
        key("warmup", size(scale, 3)),
        key("batch", size(scale, 16)),
        key("seed", (0u64..5).prop_map(|s| s.to_string()).boxed()),
        key("record_every", size(scale, 3)),
        key("eval_every", size(scale, 3)),
        key("clip_norm", float(scale, 1.0)),
        key("clip_value", float(scale, 1.0)),
        key("l1", float(scale, 1e-3)),
        key("l2", float(scale, 1e-3)),
        key("weight_decay", float(scale, 1e-2)),
        key(
            "pretrain",
            prop_oneof![
                Just("false".to_string()),
                (1usize..=3, 1usize..=8).prop_map(|(s, b)| format!(
                    "{{ steps_per_layer = {s}, lr = 0.1, batch = {b} }}"
                )),
            ]
            .boxed(),
        ),
        key("truncation", size(scale, 3)),
        key("precision", pick(&["f32", "f64", "f16"])),
    ]
}
