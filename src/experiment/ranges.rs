//! The range checks: values that parse but cannot be trained (a negative learning rate, a
//! recurrent key on a feed-forward net, a batch larger than the data), as `(dotted key, what
//! is wrong)`. Sizes are checked first, in `sizes`, so nothing here allocates by a size.

use super::settings::ModelKind;
use super::sizes::{Check, MAX_WIDTH, data_and_train_sizes, hidden_widths, within};
use super::spec::{DataName, RunSpec, Widths};
use crate::nn::{BiasInit, Init, Norm, Optimizer};

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
    if m.kind.is_recurrent() {
        recurrent_problems(run, &mut check);
    } else {
        feed_forward_problems(run, &mut check);
    }
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
        positive(t.lr),
        "train.lr",
        format!("learning rate must be positive, got {}", t.lr),
    );
    let training = samples - (d.test_fraction.clamp(0.0, 1.0) * samples as f64).round() as usize;
    check(
        t.batch >= 1 && t.batch <= training,
        "train.batch",
        format!(
            "batch must be between 1 and the number of training examples ({training}), got {}",
            t.batch
        ),
    );
    check(
        ["constant", "step", "exponential", "cosine"].contains(&t.schedule.as_str()),
        "train.schedule",
        format!(
            "unknown schedule `{}`; expected constant, step, exponential or cosine",
            t.schedule
        ),
    );
    check(
        ["f32", "f64"].contains(&t.precision.as_str()),
        "train.precision",
        format!("precision is \"f32\" or \"f64\", not `{}`", t.precision),
    );
    check(
        t.clip_norm.is_none() || t.clip_value.is_none(),
        "train.clip_value",
        "clip by norm or by value, not both".into(),
    );
    for (key, value) in [
        ("train.clip_norm", t.clip_norm),
        ("train.clip_value", t.clip_value),
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
fn feed_forward_problems(run: &RunSpec, check: &mut Check) {
    let (d, m) = (&run.data, &run.model);
    check(
        !d.name.is_sequence(),
        "data.name",
        format!(
            "`{}` is a sequence task: use model.kind = \"rnn\", \"gru\" or \"lstm\"",
            d.name.name()
        ),
    );
    check(
        m.activation.is_some(),
        "model.activation",
        "say which activation, e.g. activation = \"relu\"".into(),
    );
    for (key, given) in [
        ("model.hidden", m.hidden.is_some()),
        ("model.forget_bias", m.forget_bias.is_some()),
        ("model.recurrent_init", m.recurrent_init.is_some()),
    ] {
        check(
            !given,
            key,
            format!(
                "`{}` belongs to recurrent models (model.kind = \"rnn\", \"gru\" or \"lstm\")",
                key.trim_start_matches("model.")
            ),
        );
    }
    match (&m.width, m.depth) {
        (Some(Widths::List(list)), Some(depth)) if depth != list.len() => check(
            false,
            "model.depth",
            format!(
                "depth {depth} does not match the {} widths listed",
                list.len()
            ),
        ),
        (Some(Widths::List(list)), _) => check(
            !list.is_empty(),
            "model.width",
            "the list of widths is empty".into(),
        ),
        (Some(Widths::Same(_)), None) => check(
            false,
            "model.depth",
            "say how many hidden layers: depth = …".into(),
        ),
        (None, _) => check(
            false,
            "model.width",
            "say how wide the hidden layers are: width = 32 (or a list)".into(),
        ),
        _ => {}
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
    }
    let activation = m.activation.map(|a| a.name()).unwrap_or_default();
    check(
        m.slope.is_none() || activation == "leaky_relu",
        "model.slope",
        "slope belongs to activation = \"leaky_relu\"".into(),
    );
    check(
        m.alpha.is_none() || activation == "elu",
        "model.alpha",
        "alpha belongs to activation = \"elu\"".into(),
    );
    check(
        run.train.truncation.is_none(),
        "train.truncation",
        "truncated BPTT belongs to recurrent models".into(),
    );
}

/// The model keys of a recurrent net.
fn recurrent_problems(run: &RunSpec, check: &mut Check) {
    let (d, m) = (&run.data, &run.model);
    check(
        d.name.is_sequence(),
        "data.name",
        "recurrent models train on sequence tasks: adding, copy, parity or delayed_recall".into(),
    );
    check(
        m.hidden.is_some_and(|h| (1..=MAX_WIDTH).contains(&h)),
        "model.hidden",
        format!(
            "say the state size: hidden = 1 … {MAX_WIDTH}, got {}",
            m.hidden.map_or("none".to_string(), |h| h.to_string())
        ),
    );
    within(check, "model.layers", m.layers, 1..=8);
    for (key, given) in [
        ("model.depth", m.depth.is_some()),
        ("model.width", m.width.is_some()),
        ("model.residual", m.residual.is_some()),
    ] {
        check(
            !given,
            key,
            format!(
                "`{}` belongs to feed-forward models; a recurrent model has `hidden` and `layers`",
                key.trim_start_matches("model.")
            ),
        );
    }
    check(
        m.activation.is_none() || m.kind == ModelKind::Rnn,
        "model.activation",
        "only rnn takes an activation; gru and lstm have their own gates".into(),
    );
    check(
        m.forget_bias.is_none() || m.kind == ModelKind::Lstm,
        "model.forget_bias",
        "forget_bias belongs to lstm".into(),
    );
    check(
        run.train.pretrain.is_none(),
        "train.pretrain",
        "pretraining is for feed-forward nets".into(),
    );
    // Keys that shape a feed-forward net or its training and that recurrent runs do not use:
    // refuse them rather than ignore them silently.
    let t = &run.train;
    let unused = [
        ("model.init", m.init != Init::XavierNormal),
        ("model.gain", m.gain != 1.0),
        ("model.bias_init", m.bias_init != BiasInit::Zeros),
        ("model.norm", m.norm != Norm::None),
        ("model.loss", m.loss.is_some()),
        ("train.schedule", t.schedule != "constant"),
        ("train.warmup", t.warmup != 0),
        ("train.l1", t.l1 != 0.0),
        ("train.l2", t.l2 != 0.0),
        ("train.eval_every", t.eval_every != 0),
        (
            "train.weight_decay",
            t.weight_decay.is_some() && !matches!(t.optimizer, Optimizer::AdamW { .. }),
        ),
    ];
    for (key, given) in unused {
        check(
            !given,
            key,
            format!(
                "`{}` is not used by recurrent models (the task fixes the loss; only adamw decays weights)",
                key.split('.').nth(1).unwrap_or(key)
            ),
        );
    }
}
