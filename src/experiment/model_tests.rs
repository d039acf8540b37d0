//! Tests of `model`: each kind takes its own keys, says what it needs, and prints the
//! text the cache key has always hashed.

use super::*;
use crate::experiment::parse_block;
use crate::experiment::spec::{RunSpec, SpecError};

const RNN: &str = "id = \"r\"\ntitle = \"t\"\ndata = { name = \"adding\", length = 5 }\nmodel = { kind = \"rnn\", hidden = 4 }\ntrain = { lr = 0.1, steps = 10 }\n";
const MLP: &str = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"spirals\" }\nmodel = { depth = 3, width = 8, activation = \"tanh\" }\ntrain = { lr = 0.1, steps = 10 }\n";

fn only_error(text: &str) -> SpecError {
    let errors = parse_block(text).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.into_iter().next().unwrap()
}

fn model_of(text: &str) -> Model {
    parse_block(text).unwrap().runs.remove(0).model
}

#[test]
fn the_kind_picks_the_shape_and_its_defaults() {
    let lstm = RNN.replace(
        "\"rnn\", hidden = 4",
        "\"lstm\", hidden = 4, forget_bias = 3.0",
    );
    assert_eq!(
        model_of(&lstm),
        Model::Recurrent(RecurrentSpec {
            cell: CellSpec::Lstm {
                forget_bias: Some(3.0)
            },
            hidden: 4,
            layers: 1,
            recurrent_init: None,
            input_init: None,
        })
    );
    let Model::Mlp(mlp) = model_of(MLP) else {
        panic!("no kind is an mlp");
    };
    assert_eq!(
        (
            mlp.depth,
            &mlp.width,
            mlp.activation,
            mlp.gain,
            mlp.residual
        ),
        (Some(3), &Widths::Same(8), Activation::Tanh, 1.0, None)
    );
    let leaky = MLP.replace("\"tanh\"", "\"leaky_relu\", slope = 0.2");
    assert_eq!(
        model_of(&leaky).activation_function(),
        Activation::LeakyRelu { slope: 0.2 }
    );
}

#[test]
fn a_key_of_another_kind_is_unknown_and_says_whose_it_is() {
    for (block, from, to, kind, key, owner) in [
        (
            RNN,
            "hidden = 4",
            "hidden = 4, init = \"he_normal\"",
            "rnn",
            "init",
            "feed-forward models (model.kind = \"mlp\")",
        ),
        (
            RNN,
            "\"rnn\", hidden = 4",
            "\"gru\", hidden = 4, forget_bias = 1.0",
            "gru",
            "forget_bias",
            "model.kind = \"lstm\"",
        ),
        (
            RNN,
            "\"rnn\", hidden = 4",
            "\"lstm\", hidden = 4, activation = \"relu\"",
            "lstm",
            "activation",
            "model.kind = \"mlp\" or \"rnn\"",
        ),
        (
            MLP,
            "depth = 3",
            "depth = 3, hidden = 8",
            "mlp",
            "hidden",
            "recurrent models (model.kind = \"rnn\", \"gru\" or \"lstm\")",
        ),
    ] {
        let e = only_error(&block.replace(from, to));
        assert_eq!(
            (e.line, e.key.as_deref()),
            (4, Some(format!("model.{key}").as_str()))
        );
        assert!(
            e.message.starts_with(&format!(
                "unknown field `{key}` for model kind `{kind}`: `{key}` belongs to {owner}"
            )),
            "{}",
            e.message
        );
    }
    assert!(parse_block(&RNN.replace("\"rnn\"", "\"gru\"")).is_ok());
}

#[test]
fn misspelt_model_keys_and_kinds_get_a_suggestion() {
    for (from, to, suggested) in [
        (
            "\"rnn\", hidden = 4",
            "\"lstm\", hiden = 4, forget_bias = 1.0",
            "hidden",
        ),
        ("kind = \"rnn\"", "knd = \"rnn\"", "kind"),
        ("\"rnn\"", "\"lstmm\"", "lstm"),
    ] {
        let errors = parse_block(&RNN.replace(from, to)).unwrap_err();
        let wanted = format!("did you mean `{suggested}`?");
        assert!(
            errors.iter().any(|e| e.message.contains(&wanted)),
            "{to}: {errors:?}"
        );
    }
    // An unknown kind is the one problem of the model: its other keys cannot be judged.
    let e = only_error(&RNN.replace(
        "\"rnn\", hidden = 4",
        "\"lstmm\", hidden = 4, forget_bias = 1.0",
    ));
    assert_eq!((e.line, e.key.as_deref()), (4, Some("model.kind")));
}

#[test]
fn each_kind_says_what_it_cannot_do_without() {
    let e = only_error(&RNN.replace(", hidden = 4", ""));
    assert_eq!((e.line, e.key.as_deref()), (4, Some("model.hidden")));
    assert!(e.message.contains("hidden = 16"), "{}", e.message);
    let errors =
        parse_block(&MLP.replace("width = 8, activation = \"tanh\"", "init = \"he_normal\""))
            .unwrap_err();
    let keys: Vec<_> = errors.iter().map(|e| (e.key.as_deref(), e.line)).collect();
    assert_eq!(
        keys,
        [(Some("model.activation"), 4), (Some("model.width"), 4)],
        "{errors:?}"
    );
}

#[test]
fn feed_forward_training_keys_are_refused_for_recurrent_models_when_given() {
    // Given is given: even the default value is refused, since it says nothing here.
    let text = RNN.replace(
        "steps = 10",
        "steps = 10, schedule = \"constant\", warmup = 5,\n  l2 = 0.0",
    );
    let errors = parse_block(&text).unwrap_err();
    let keys: Vec<_> = errors
        .iter()
        .map(|e| (e.key.as_deref().unwrap(), e.line))
        .collect();
    assert_eq!(
        keys,
        [("train.schedule", 5), ("train.warmup", 5), ("train.l2", 6)]
    );
    assert!(
        errors
            .iter()
            .all(|e| e.message.contains("not used by recurrent models"))
    );
}

/// The flat text `run::cache_key` hashes for two runs of the book (content/rnn.md
/// `irnn-clip`, content/backprop.md `chain-seed003`): a change here changes every run's
/// key, so it is made on purpose (issue 17 added `clip_adaptive`, `jacobian`, `sharpness` and `sharpness_every`).
#[test]
fn a_run_prints_the_text_its_cache_key_always_hashed() {
    let normalized = |text: &str| {
        let run = parse_block(text).unwrap().runs.remove(0);
        let run = RunSpec {
            label: String::new(),
            seeds: Vec::new(),
            ..run
        };
        format!("{run:?}")
    };
    let irnn = "id = \"irnn\"\ntitle = \"t\"\ndata = { name = \"adding\", length = 20, samples = 512, seed = 1 }\nmodel = { kind = \"rnn\", hidden = 16, layers = 1, activation = \"relu\", recurrent_init = \"identity\" }\ntrain = { optimizer = \"sgd\", lr = 0.05, steps = 100, batch = 32, record_every = 5, clip_norm = 1.0 }\nplot = [\"loss\"]\nexpect = [\"test_loss[step=last] < 0.25\"]\n";
    assert_eq!(normalized(irnn), RNN_TEXT);
    let chain = "id = \"chain\"\ntitle = \"t\"\ndata = { name = \"teacher\", dim = 1, teacher_width = 4, outputs = 1, samples = 64, seed = 1 }\nmodel = { depth = 3, width = 1, activation = \"sigmoid\", init = { name = \"normal\", std = 1.0 }, bias_init = { name = \"normal\", std = 1.0 }, loss = \"mean_squared_error\" }\ntrain = { optimizer = \"sgd\", lr = 0.1, steps = 1, batch = 1, seed = 1, precision = \"f64\" }\nplot = [{ kind = \"grad_norm_by_layer\", metric = \"delta\" }]\n";
    assert_eq!(normalized(chain), MLP_TEXT);
}

const RNN_TEXT: &str = r#"RunSpec { label: "", seeds: [], seeds_vary_data: false, sweep_point: [], needs: ProbeNeeds { layer_stats: false, evaluate: true, histogram_steps: [], decision_grid: false, jacobian: false, sharpness: false }, data: DataSpec { name: Adding, samples: Some(512), noise: 0.1, classes: 2, dim: 2, factor: 0.5, spread: 1.0, teacher_width: 32, outputs: 1, length: Some(20), symbols: 10, alphabet: 8, test_fraction: 0.0, seed: 1 }, model: ModelSpec { kind: Rnn, depth: None, width: None, activation: Some(Relu), hidden: Some(16), layers: 1, forget_bias: None, recurrent_init: Some(Identity { scale: 1.0 }), slope: None, alpha: None, init: XavierNormal, gain: 1.0, bias_init: Zeros, norm: None, residual: None, loss: None }, train: TrainSpec { optimizer: Sgd, momentum: None, beta1: None, beta2: None, rho: None, eps: None, lr: 0.05, schedule: "constant", decay_every: None, decay_factor: None, gamma: None, min_lr_factor: None, warmup: 0, steps: 100, batch: 32, seed: 1, record_every: 5, eval_every: 0, clip_norm: Some(1.0), clip_value: None, clip_adaptive: None, loss_reduction: Mean, sharpness_every: None, l1: 0.0, l2: 0.0, weight_decay: None, pretrain: None, truncation: None, precision: "f32", loss_scale: None } }"#;
const MLP_TEXT: &str = r#"RunSpec { label: "", seeds: [], seeds_vary_data: false, sweep_point: [], needs: ProbeNeeds { layer_stats: true, evaluate: false, histogram_steps: [], decision_grid: false, jacobian: false, sharpness: false }, data: DataSpec { name: Teacher, samples: Some(64), noise: 0.1, classes: 2, dim: 1, factor: 0.5, spread: 1.0, teacher_width: 4, outputs: 1, length: None, symbols: 10, alphabet: 8, test_fraction: 0.0, seed: 1 }, model: ModelSpec { kind: Mlp, depth: Some(3), width: Some(Same(1)), activation: Some(Sigmoid), hidden: None, layers: 1, forget_bias: None, recurrent_init: None, slope: None, alpha: None, init: Normal { std: 1.0 }, gain: 1.0, bias_init: Normal { std: 1.0 }, norm: None, residual: None, loss: Some(MeanSquaredError) }, train: TrainSpec { optimizer: Sgd, momentum: None, beta1: None, beta2: None, rho: None, eps: None, lr: 0.1, schedule: "constant", decay_every: None, decay_factor: None, gamma: None, min_lr_factor: None, warmup: 0, steps: 1, batch: 1, seed: 1, record_every: 1, eval_every: 0, clip_norm: None, clip_value: None, clip_adaptive: None, loss_reduction: Mean, sharpness_every: None, l1: 0.0, l2: 0.0, weight_decay: None, pretrain: None, truncation: None, precision: "f64", loss_scale: None } }"#;

#[test]
fn every_problem_of_a_recurrent_block_is_reported_at_once() {
    let text = "id = \"r\"\ntitle = \"t\"\ndata = { name = \"adding\", length = 5 }\nmodel = { kind = \"lstm\", hidden = 4,\n  width = 8, layers = 9 }\ntrain = { lr = -1, steps = 10,\n  l1 = 0.1 }\n";
    let mut found: Vec<(String, usize)> = parse_block(text)
        .unwrap_err()
        .into_iter()
        .map(|e| (e.key.unwrap_or_default(), e.line))
        .collect();
    found.sort();
    let wanted = [
        ("model.layers", 5),
        ("model.width", 5),
        ("train.l1", 7),
        ("train.lr", 6),
    ];
    assert_eq!(found, wanted.map(|(k, l)| (k.to_string(), l)));
}

#[test]
fn rms_norm_silu_and_adaptive_clipping_are_read_and_their_bad_values_refused() {
    let good = MLP
        .replace("\"tanh\"", "\"silu\", norm = \"rms\"")
        .replace("steps = 10", "steps = 10, clip_adaptive = 0.01");
    let run = parse_block(&good).unwrap().runs.remove(0);
    assert_eq!(run.train.clip_adaptive, Some(0.01));
    let Model::Mlp(mlp) = run.model else {
        panic!("an mlp")
    };
    assert_eq!(
        (mlp.norm, mlp.activation),
        (crate::nn::Norm::RMS, crate::nn::Activation::Silu)
    );

    let unknown = only_error(&MLP.replace("\"tanh\"", "\"tanh\", norm = \"rmsnorm\""));
    assert_eq!(unknown.key.as_deref(), Some("model.norm"));
    assert!(unknown.message.contains("rms"), "{}", unknown.message);

    for (train, key, says) in [
        (
            "clip_adaptive = 0.0",
            "train.clip_adaptive",
            "must be positive",
        ),
        (
            "clip_adaptive = -1.0",
            "train.clip_adaptive",
            "must be positive",
        ),
        (
            "clip_adaptive = 0.01, clip_norm = 1.0",
            "train.clip_adaptive",
            "clip one way",
        ),
    ] {
        let error = only_error(&MLP.replace("steps = 10", &format!("steps = 10, {train}")));
        assert_eq!(error.key.as_deref(), Some(key), "{train}");
        assert!(error.message.contains(says), "{train}: {}", error.message);
    }
    let recurrent = only_error(&RNN.replace("steps = 10", "steps = 10, clip_adaptive = 0.01"));
    assert_eq!(recurrent.key.as_deref(), Some("train.clip_adaptive"));
    assert!(recurrent.message.contains("not used by recurrent models"));
}

#[test]
fn the_jacobian_spectrum_is_measured_only_when_asked_and_refused_with_batch_norm() {
    let square = "id = \"j\"\ntitle = \"t\"\ndata = { name = \"random\", samples = 16, dim = 8, classes = 2 }\nmodel = { depth = 4, width = 8, activation = \"linear\", init = \"orthogonal\" }\ntrain = { lr = 0.1, steps = 1, batch = 16, precision = \"f64\" }\n";
    let plain = parse_block(square).unwrap().runs.remove(0);
    assert!(!plain.needs.jacobian, "no figure or claim reads it");
    let asked = format!("{square}plot = [\"jacobian_spectrum\"]\n");
    let run = parse_block(&asked).unwrap().runs.remove(0);
    assert!(run.needs.jacobian);
    let outcome = crate::experiment::run::train(&run, 1);
    assert_eq!(outcome.problem, None);
    let values: Vec<(Option<u32>, f64)> = outcome
        .measurements
        .iter()
        .filter(|m| m.metric == crate::nn::Metric::JacobianSingularValue)
        .map(|m| (m.layer, m.value))
        .collect();
    // The hidden stack of an orthogonal linear net: 8 singular values, all 1, ranked 1..=8.
    assert_eq!(values.len(), 8);
    for (rank, (layer, value)) in values.iter().enumerate() {
        assert_eq!(*layer, Some(rank as u32 + 1));
        assert!((value - 1.0).abs() < 1e-12, "{value}");
    }
    let claimed = format!("{square}expect = [\"jacobian_condition[step=0] < 1.000001\"]\n");
    assert!(parse_block(&claimed).unwrap().runs[0].needs.jacobian);

    let batch_norm = asked.replace(
        "init = \"orthogonal\"",
        "init = \"orthogonal\", norm = \"batch\"",
    );
    let error = only_error(&batch_norm);
    assert!(error.message.contains("batch norm"), "{}", error.message);
}

#[test]
fn norm_placement_rezero_and_fixup_are_read_and_their_bad_values_refused() {
    let pre_ln = MLP.replace(
        "activation = \"tanh\" }",
        "activation = \"gelu\", norm = \"layer\",\n  residual = { placement = \"pre\", expand = 4, final_norm = true, learn_alpha = true, alpha = 0.0 } }",
    );
    let run = parse_block(&pre_ln).unwrap().runs.remove(0);
    let Model::Mlp(mlp) = &run.model else {
        panic!("an mlp")
    };
    let config = crate::experiment::feed_forward::network(mlp, 2, 3);
    assert_eq!(config.final_norm, crate::nn::Norm::LAYER);
    let crate::nn::BlockConfig::Residual {
        layers,
        placement,
        learn_alpha,
        ..
    } = &config.blocks[1]
    else {
        panic!("a residual block")
    };
    assert_eq!(
        *placement,
        crate::nn::Placement::Pre(crate::nn::Norm::LAYER)
    );
    assert!(learn_alpha);
    let shape: Vec<_> = layers
        .iter()
        .map(|l| (l.units, l.activation, l.norm))
        .collect();
    use crate::nn::{Activation, Norm};
    assert_eq!(
        shape,
        [
            (32, Activation::Gelu, Norm::None),
            (8, Activation::Linear, Norm::None)
        ]
    );
    let outcome = crate::experiment::run::train(&run, 1);
    assert_eq!(outcome.problem, None);

    let residual = |table: &str, norm: &str| {
        MLP.replace(
            "activation = \"tanh\" }",
            &format!("activation = \"relu\", norm = \"{norm}\", residual = {{ {table} }} }}"),
        )
    };
    for (table, norm, says) in [
        ("placement = \"middle\"", "layer", "unknown norm placement"),
        (
            "placement = \"pre\"",
            "none",
            "set norm = \"layer\" or \"rms\"",
        ),
        (
            "placement = \"post\"",
            "batch",
            "set norm = \"layer\" or \"rms\"",
        ),
        ("final_norm = true", "none", "final_norm = true normalizes"),
        ("layers = 1, expand = 4", "none", "expand widens"),
        ("expand = 0", "none", "expand widens"),
        ("fixup = \"yes\"", "none", "boolean"),
    ] {
        let error = only_error(&residual(table, norm));
        assert_eq!(error.key.as_deref(), Some("model.residual"), "{table}");
        assert!(error.message.contains(says), "{table}: {}", error.message);
    }
}

#[test]
fn sharpness_is_measured_only_when_asked_beside_two_over_eta_and_refused_where_it_cannot_be() {
    let full_batch = "id = \"s\"\ntitle = \"t\"\ndata = { name = \"moons\", samples = 64 }\nmodel = { depth = 2, width = 8, activation = \"tanh\" }\ntrain = { lr = 0.5, steps = 20, batch = 64, record_every = 5 }\n";
    assert!(!parse_block(full_batch).unwrap().runs[0].needs.sharpness);
    let asked = format!("{full_batch}plot = [\"sharpness\"]\n");
    let run = parse_block(&asked).unwrap().runs.remove(0);
    assert!(run.needs.sharpness);
    let outcome = crate::experiment::run::train(&run, 1);
    assert_eq!(outcome.problem, None);
    let of = |metric| -> Vec<(u64, f64)> {
        (outcome.measurements.iter())
            .filter(|m| m.metric == metric)
            .map(|m| (m.step, m.value))
            .collect()
    };
    // Default: every max(record_every, steps / 20) = 5 steps, from step 0.
    let sharpness = of(crate::nn::Metric::Sharpness);
    let steps: Vec<u64> = sharpness.iter().map(|s| s.0).collect();
    assert_eq!(steps, [0, 5, 10, 15]);
    assert!(
        sharpness.iter().all(|s| s.1.is_finite() && s.1 > 0.0),
        "{sharpness:?}"
    );
    assert!(
        of(crate::nn::Metric::StabilityThreshold)
            .iter()
            .all(|t| t.1 == 4.0)
    );
    let claimed = format!("{full_batch}expect = [\"sharpness[step=0] > 0\"]\n");
    assert!(parse_block(&claimed).unwrap().runs[0].needs.sharpness);

    let zero =
        only_error(&asked.replace("record_every = 5", "record_every = 5, sharpness_every = 0"));
    assert_eq!(zero.key.as_deref(), Some("train.sharpness_every"));
    let recurrent = only_error(&RNN.replace("steps = 10", "steps = 10, sharpness_every = 2"));
    assert_eq!(recurrent.key.as_deref(), Some("train.sharpness_every"));
    assert!(recurrent.message.contains("not used by recurrent models"));
    let figure = only_error(&format!("{RNN}plot = [\"sharpness\"]\n"));
    assert!(
        figure.message.contains("recurrent models do not record it"),
        "{}",
        figure.message
    );
}

#[test]
fn the_loss_reduction_is_read_and_a_bad_one_refused() {
    let summed = MLP.replace("steps = 10", "steps = 10, loss_reduction = \"sum\"");
    let run = parse_block(&summed).unwrap().runs.remove(0);
    assert_eq!(run.train.loss_reduction, crate::nn::Reduction::Sum);
    let unknown = only_error(&MLP.replace("steps = 10", "steps = 10, loss_reduction = \"total\""));
    assert_eq!(unknown.key.as_deref(), Some("train.loss_reduction"));
    assert!(unknown.message.contains("mean, sum"), "{}", unknown.message);
    let recurrent = only_error(&RNN.replace("steps = 10", "steps = 10, loss_reduction = \"sum\""));
    assert!(recurrent.message.contains("not used by recurrent models"));
}

#[test]
fn seeds_can_draw_the_data_too_and_a_bad_seeds_table_is_refused() {
    let varying = format!("{MLP}seeds = {{ count = 3, data = true }}\n");
    let run = parse_block(&varying).unwrap().runs.remove(0);
    assert_eq!(
        (run.seeds.clone(), run.seeds_vary_data),
        (vec![1, 2, 3], true)
    );
    let fixed = parse_block(&format!("{MLP}seeds = {{ list = [1, 2, 3] }}\n"))
        .unwrap()
        .runs
        .remove(0);
    assert!(!fixed.seeds_vary_data);
    let first_loss = |run: &RunSpec, seed| {
        let outcome = crate::experiment::run::train(run, seed);
        (outcome.measurements.iter())
            .find(|m| m.metric == crate::nn::Metric::Loss && m.step == 0)
            .map(|m| m.value)
            .unwrap()
    };
    // Seed 1 is data.seed's default: the same data either way; seed 2 draws other data.
    assert_eq!(first_loss(&run, 1), first_loss(&fixed, 1));
    assert_ne!(first_loss(&run, 2), first_loss(&fixed, 2));
    for table in ["{ count = 3, list = [1] }", "{ data = true }"] {
        let error = only_error(&format!("{MLP}seeds = {table}\n"));
        assert_eq!(error.key.as_deref(), Some("seeds"), "{table}");
        assert!(
            error.message.contains("count = N"),
            "{table}: {}",
            error.message
        );
    }
}

#[test]
fn a_recurrent_net_takes_its_input_weights_init_and_refuses_an_unknown_one() {
    let given = RNN.replace(
        "hidden = 4 }",
        "hidden = 4, input_init = { name = \"normal\", std = 2.0 } }",
    );
    let run = parse_block(&given).unwrap().runs.remove(0);
    let Model::Recurrent(spec) = &run.model else {
        panic!("a recurrent model")
    };
    assert_eq!(spec.input_init, Some(crate::nn::Init::Normal { std: 2.0 }));
    assert!(format!("{:?}", run.model).contains("input_init: Normal { std: 2.0 }"));
    let default = parse_block(RNN).unwrap().runs.remove(0);
    assert!(!format!("{:?}", default.model).contains("input_init"));
    let loss = |run: &RunSpec| {
        let outcome = crate::experiment::run::train(run, 1);
        (outcome.measurements.iter())
            .find(|m| m.metric == crate::nn::Metric::Loss && m.step == 0)
            .map(|m| m.value)
            .unwrap()
    };
    assert_ne!(loss(&run), loss(&default));
    let unknown = only_error(&RNN.replace("hidden = 4 }", "hidden = 4, input_init = \"zero\" }"));
    assert!(unknown.message.contains("zero"), "{}", unknown.message);
}
