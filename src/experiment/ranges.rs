//! The range checks: values that parse but cannot be trained (a negative learning rate, a
//! sequence task for a feed-forward net, a batch larger than the data), and the rules across
//! keys that the types cannot say, as `(dotted key, what is wrong)`. Sizes are checked first,
//! in `sizes`, so nothing here allocates by a size.

use super::layer_init;
use super::model::{CellSpec, MlpSpec, Model, PlacementName, RecurrentSpec, Widths};
use super::settings::LossScaleSpec;
use super::sizes::{Check, MAX_WIDTH, data_and_train_sizes, hidden_widths, within};
use super::spec::{DataName, RunSpec};
use crate::nn::{Activation, Norm, Optimizer};

/// Values that parse but cannot be trained: `(dotted key, what is wrong)`.
pub(super) fn range_problems(run: &RunSpec) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, key: &str, message: String| {
        if !ok {
            problems.push((key.to_string(), message));
        }
    };
    let (d, m, t) = (&run.data, &run.model, &run.train);
    let samples = d.sample_count();
    let positive = |x: f64| x > 0.0 && x.is_finite();
    data_and_train_sizes(run, &mut check);
    if d.name == DataName::Digits {
        check(
            samples <= 1797,
            "data.samples",
            format!("the digits set has 1797 examples, not {samples}"),
        );
    }
    check(
        d.noise >= 0.0 && d.noise.is_finite(),
        "data.noise",
        format!("noise must be zero or positive, got {}", d.noise),
    );
    check(
        (0.0..=0.9).contains(&d.test_fraction),
        "data.test_fraction",
        format!(
            "test_fraction must be between 0 and 0.9, got {}",
            d.test_fraction
        ),
    );
    match m {
        Model::Mlp(mlp) => feed_forward_problems(run, mlp, &mut check),
        Model::Recurrent(recurrent) => recurrent_problems(run, recurrent, &mut check),
    }
    check(
        positive(t.lr),
        "train.lr",
        format!("learning rate must be positive, got {}", t.lr),
    );
    // Saturating: for a sample count past 2^53 the rounded test share can exceed it.
    let training =
        samples.saturating_sub((d.test_fraction.clamp(0.0, 1.0) * samples as f64).round() as usize);
    check(
        t.batch >= 1 && t.batch <= training,
        "train.batch",
        format!(
            "batch must be between 1 and the number of training examples ({training}), got {}",
            t.batch
        ),
    );
    let clippings = [t.clip_norm, t.clip_value, t.clip_adaptive];
    check(
        clippings.iter().filter(|c| c.is_some()).count() <= 1,
        if t.clip_adaptive.is_some() {
            "train.clip_adaptive"
        } else {
            "train.clip_value"
        },
        "clip one way: clip_norm, clip_value or clip_adaptive, not two".into(),
    );
    if let Some(scale) = t.loss_scale {
        let (init, key) = match scale {
            LossScaleSpec::Static(scale) => (scale, "train.loss_scale"),
            LossScaleSpec::Dynamic { init, .. } => (init, "train.loss_scale.init"),
        };
        check(
            positive(init),
            key,
            format!("a loss scale must be positive and finite, got {init}"),
        );
        if let LossScaleSpec::Dynamic {
            growth_interval, ..
        } = scale
        {
            check(
                growth_interval >= 1,
                "train.loss_scale.growth_interval",
                "growth_interval counts clean steps before the scale doubles: 1 or more".into(),
            );
        }
        check(
            t.precision.half_format().is_some(),
            "train.loss_scale",
            format!(
                "a loss scale is for the half formats: say precision = \"f16\" or \"bf16\" (this run trains in {})",
                t.precision.name()
            ),
        );
    }
    if let Some(every) = t.sharpness_every {
        check(
            every >= 1,
            "train.sharpness_every",
            "sharpness_every counts steps between measurements: 1 or more".into(),
        );
    }
    for (key, value) in [
        ("train.clip_norm", t.clip_norm),
        ("train.clip_value", t.clip_value),
        ("train.clip_adaptive", t.clip_adaptive),
        ("train.decay_factor", t.decay_factor),
        ("train.gamma", t.gamma),
        ("train.eps", t.eps),
    ] {
        check(
            value.is_none_or(positive),
            key,
            format!("{} must be positive", key.trim_start_matches("train.")),
        );
    }
    for (key, value) in [
        ("train.l1", Some(t.l1)),
        ("train.l2", Some(t.l2)),
        ("train.weight_decay", t.weight_decay),
        ("train.min_lr_factor", t.min_lr_factor),
    ] {
        check(
            value.is_none_or(|v| v >= 0.0 && v.is_finite()),
            key,
            format!(
                "{} must be zero or positive",
                key.trim_start_matches("train.")
            ),
        );
    }
    for (key, value) in [
        ("train.momentum", t.momentum),
        ("train.beta1", t.beta1),
        ("train.beta2", t.beta2),
        ("train.rho", t.rho),
    ] {
        check(
            value.is_none_or(|v| (0.0..1.0).contains(&v)),
            key,
            format!("{} must be in [0, 1)", key.trim_start_matches("train.")),
        );
    }
    if let Some(pretrain) = &t.pretrain {
        check(
            positive(pretrain.lr) && pretrain.batch >= 1 && pretrain.batch <= training,
            "train.pretrain",
            format!(
                "pretraining needs a positive lr and a batch between 1 and the number of training examples ({training})"
            ),
        );
    }
    problems
}

/// The model keys of a feed-forward net.
fn feed_forward_problems(run: &RunSpec, m: &MlpSpec, check: &mut Check) {
    let d = &run.data;
    if let Err(problem) = layer_init::resolve(&m.layer_init, layer_init::dense_layers(m)) {
        check(false, "model.layer_init", problem);
    }
    check(
        !d.name.is_sequence(),
        "data.name",
        format!(
            "`{}` is a sequence task: use model.kind = \"rnn\", \"gru\" or \"lstm\"",
            d.name.name()
        ),
    );
    match (&m.width, m.depth) {
        (Widths::List(list), Some(depth)) if depth != list.len() => check(
            false,
            "model.depth",
            format!(
                "depth {depth} does not match the {} widths listed",
                list.len()
            ),
        ),
        (Widths::List(list), _) => check(
            !list.is_empty(),
            "model.width",
            "the list of widths is empty".into(),
        ),
        (Widths::Same(_), None) => check(
            false,
            "model.depth",
            "say how many hidden layers: depth = …".into(),
        ),
        (Widths::Same(_), Some(_)) => {}
    }
    // Empty when the depth is out of range (already reported): the checks below then pass.
    let hidden = hidden_widths(m, check).unwrap_or_default();
    check(
        hidden.iter().all(|w| (1..=MAX_WIDTH).contains(w)),
        "model.width",
        format!("widths must be between 1 and {MAX_WIDTH}, got {hidden:?}"),
    );
    check(
        m.gain > 0.0 && m.gain.is_finite(),
        "model.gain",
        format!("gain must be positive, got {}", m.gain),
    );
    if let Some(residual) = &m.residual {
        check(
            (1..=2).contains(&residual.layers),
            "model.residual",
            format!(
                "a residual block has 1 or 2 layers, not {}",
                residual.layers
            ),
        );
        check(
            hidden.windows(2).all(|w| w[0] == w[1]),
            "model.residual",
            "residual blocks need one width for every block".into(),
        );
        check(
            residual.alpha.is_finite(),
            "model.residual",
            format!("alpha must be a number, got {}", residual.alpha),
        );
        let per_example = matches!(m.norm, Norm::Layer { .. } | Norm::Rms { .. });
        check(
            residual.placement == PlacementName::None || per_example,
            "model.residual",
            format!(
                "placement = \"{}\" puts the model's norm around the blocks: set norm = \"layer\" or \"rms\" (it is \"{}\")",
                residual.placement.name(),
                m.norm.name()
            ),
        );
        check(
            !residual.final_norm || per_example,
            "model.residual",
            format!(
                "final_norm = true normalizes with the model's norm: set norm = \"layer\" or \"rms\" (it is \"{}\")",
                m.norm.name()
            ),
        );
        check(
            (1..=16).contains(&residual.expand) && (residual.expand == 1 || residual.layers == 2),
            "model.residual",
            format!(
                "expand widens the first of a branch's two layers, 1 to 16 times (got {} with layers = {})",
                residual.expand, residual.layers
            ),
        );
    }
    activation_parameters(m.activation, m.slope, m.alpha, check);
    if let Some(loss) = m.loss {
        let regression = d.name.is_regression();
        let fits = (loss.name() == "mean_squared_error") == regression
            || (!regression && loss.name() == "binary_cross_entropy");
        check(
            fits,
            "model.loss",
            format!(
                "loss `{}` does not fit the data set `{}`",
                loss.name(),
                d.name.name()
            ),
        );
    }
    check(
        run.train.truncation.is_none(),
        "train.truncation",
        "truncated BPTT belongs to recurrent models".into(),
    );
}

/// `slope` goes with leaky_relu and `alpha` with elu.
fn activation_parameters(
    activation: Activation,
    slope: Option<f64>,
    alpha: Option<f64>,
    check: &mut Check,
) {
    check(
        slope.is_none() || matches!(activation, Activation::LeakyRelu { .. }),
        "model.slope",
        "slope belongs to activation = \"leaky_relu\"".into(),
    );
    check(
        alpha.is_none() || matches!(activation, Activation::Elu { .. }),
        "model.alpha",
        "alpha belongs to activation = \"elu\"".into(),
    );
}

/// The model keys of a recurrent net (keys of the other kinds are refused as unknown when
/// they are read, and feed-forward training keys in `schema`).
fn recurrent_problems(run: &RunSpec, m: &RecurrentSpec, check: &mut Check) {
    check(
        run.train.precision.half_format().is_none(),
        "train.precision",
        format!(
            "recurrent models train in f32 or f64; the emulated half format `{}` is for feed-forward nets",
            run.train.precision.name()
        ),
    );
    check(
        run.data.name.is_sequence(),
        "data.name",
        "recurrent models train on sequence tasks: adding, copy, parity or delayed_recall".into(),
    );
    check(
        (1..=MAX_WIDTH).contains(&m.hidden),
        "model.hidden",
        format!(
            "say the state size: hidden = 1 … {MAX_WIDTH}, got {}",
            m.hidden
        ),
    );
    within(check, "model.layers", m.layers, 1..=8);
    if let CellSpec::Rnn {
        activation,
        slope,
        alpha,
    } = m.cell
    {
        activation_parameters(activation.unwrap_or(Activation::Tanh), slope, alpha, check);
    }
    let t = &run.train;
    check(
        t.pretrain.is_none(),
        "train.pretrain",
        "pretraining is for feed-forward nets".into(),
    );
    check(
        t.weight_decay.is_none() || matches!(t.optimizer, Optimizer::AdamW { .. }),
        "train.weight_decay",
        "`weight_decay` is not used by recurrent models (the task fixes the loss; only adamw decays weights)".into(),
    );
}
