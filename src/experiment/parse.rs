//! From block text to a validated [`Experiment`]: TOML syntax, typed keys, variants (cases ×
//! sweep), seeds, range checks and claims. Every problem becomes a [`SpecError`] located at the
//! key it concerns; all of a block's problems are reported together.

use super::claims::{Claim, parse_claim};
use super::locate::{error_at, error_at_item, toml_error};
use super::plot_spec::{PlotEntry, PlotKind, PlotSpec};
use super::run::{EVAL_METRICS, STATS_METRICS, known_metrics};
use super::settings::ModelKind;
use super::spec::{
    BlockToml, DataName, Experiment, ProbeNeeds, RunSpec, Seeds, SpecError, TrainSpec, Widths,
};
use super::variants::{Variant, set_path, shown_value, sweep_error, variants};
use crate::nn::{BiasInit, Init, Norm, Optimizer};

/// Sane maximums: a typo should not start an hour-long build.
pub const MAX_DEPTH: usize = 200;
pub const MAX_WIDTH: usize = 4096;
pub const MAX_STEPS: usize = 100_000;
pub const MAX_SAMPLES: usize = 100_000;
pub const MAX_SEEDS: usize = 50;

/// Parse and validate one block. Returns every problem found, not just the first.
pub fn parse_block(text: &str) -> Result<Experiment, Vec<SpecError>> {
    let block: BlockToml = toml::from_str(text).map_err(|e| vec![toml_error(text, &e)])?;
    let mut tree: toml::Table = toml::from_str(text).map_err(|e| vec![toml_error(text, &e)])?;
    tree.retain(|key, _| matches!(key, "data" | "model" | "train"));

    let mut errors = Vec::new();
    if !is_valid_id(&block.id) {
        errors.push(error_at(
            text,
            &["id"],
            "id must be non-empty and use only a-z, 0-9, '-' and '_'",
        ));
    }
    let plots = plot_specs(text, block.plot.as_ref(), &mut errors);
    let seed_list = seed_list(text, block.seeds.as_ref(), &mut errors);

    let mut runs: Vec<RunSpec> = Vec::new();
    let mut reported: Vec<(String, String)> = Vec::new();
    for variant in variants(text, block.case.as_deref(), &block.sweep, &mut errors) {
        let mut settings = tree.clone();
        for (path, value) in &variant.overrides {
            set_path(&mut settings, path, value.clone());
        }
        let label = variant.label.clone();
        let changed: Vec<&str> = variant
            .overrides
            .iter()
            .map(|(path, _)| path.as_str())
            .collect();
        let in_run = |message: &str| match label.as_str() {
            "" => message.to_string(),
            _ => format!("{message} (in run `{label}`)"),
        };
        let run = match toml::Value::Table(settings).try_into::<RunSpec>() {
            Ok(run) => run,
            Err(e) => {
                // A misspelt swept key breaks every point of the sweep: say it once.
                if !reported.contains(&(changed.join(","), e.message().to_string())) {
                    reported.push((changed.join(","), e.message().to_string()));
                    errors.push(variant_error(
                        text,
                        &variant,
                        &changed,
                        &in_run(e.message()),
                    ));
                }
                continue;
            }
        };
        for (key, message) in range_problems(&run) {
            let e = if changed.contains(&key.as_str()) {
                variant_error(text, &variant, &[key.as_str()], &in_run(&message))
            } else {
                error_at(text, &key.split('.').collect::<Vec<_>>(), &message)
            };
            // A base value that is wrong is wrong in every run: report it once.
            if !errors.contains(&e) {
                errors.push(e);
            }
        }
        let seeds = seed_list.clone().unwrap_or_else(|| vec![run.train.seed]);
        let sweep_point = variant
            .swept
            .iter()
            .filter_map(|path| {
                let (_, value) = variant.overrides.iter().rev().find(|(p, _)| p == path)?;
                Some((path.clone(), shown_value(value)))
            })
            .collect();
        runs.push(RunSpec {
            label,
            seeds,
            sweep_point,
            ..run
        });
    }
    if runs.len() == 1 && runs[0].label.is_empty() {
        runs[0].label = block.id.clone();
    }

    let labels: Vec<&str> = runs.iter().map(|r| r.label.as_str()).collect();
    let claims = claims(text, &block.expect, &labels, &mut errors);
    for run in &mut runs {
        run.needs = probe_needs(&plots, &claims, &run.train);
    }
    if errors.is_empty() {
        Ok(Experiment {
            id: block.id,
            title: block.title,
            caption: block.caption,
            note: block.note,
            plots,
            runs,
            claims,
        })
    } else {
        Err(errors)
    }
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The block's figures: `plot` as a name, a table, or a list of them (default: gradient
/// norm by layer and loss).
fn plot_specs(
    text: &str,
    plot: Option<&toml::Value>,
    errors: &mut Vec<SpecError>,
) -> Vec<PlotSpec> {
    let entries: Vec<&toml::Value> = match plot {
        None => {
            return vec![
                PlotSpec::new(PlotKind::GradNormByLayer),
                PlotSpec::new(PlotKind::Loss),
            ];
        }
        Some(toml::Value::Array(list)) => list.iter().collect(),
        Some(single) => vec![single],
    };
    let is_list = matches!(plot, Some(toml::Value::Array(_)));
    let mut specs: Vec<PlotSpec> = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let problem = |message: &str| {
            if is_list {
                error_at_item(text, "plot", index, message)
            } else {
                error_at(text, &["plot"], message)
            }
        };
        let resolved = PlotEntry::try_from(entry.clone())
            .map_err(|e| format!("a plot is a name such as \"loss\" or a table such as {{ kind = \"grad_flow\" }}: {}", e.message()))
            .and_then(|entry| entry.resolve());
        match resolved {
            Ok(spec) if specs.contains(&spec) => {
                errors.push(problem(&format!("plot `{}` is listed twice", spec.kind)))
            }
            Ok(spec) => specs.push(spec),
            Err(message) => errors.push(problem(&message)),
        }
    }
    specs
}

/// `None` when the block gives no `seeds` (each variant runs with its `train.seed`).
fn seed_list(text: &str, seeds: Option<&Seeds>, errors: &mut Vec<SpecError>) -> Option<Vec<u64>> {
    let list = match seeds? {
        Seeds::Count(n) if (1..=MAX_SEEDS as i64).contains(n) => (1..=*n as u64).collect(),
        Seeds::Count(n) => {
            errors.push(error_at(
                text,
                &["seeds"],
                &format!("seeds must be between 1 and {MAX_SEEDS}, got {n}"),
            ));
            return None;
        }
        Seeds::List(list) => list.clone(),
    };
    let mut unique = list.clone();
    unique.sort_unstable();
    unique.dedup();
    if list.is_empty() || unique.len() != list.len() || list.len() > MAX_SEEDS {
        errors.push(error_at(
            text,
            &["seeds"],
            &format!("seeds must be 1 to {MAX_SEEDS} different numbers"),
        ));
        return None;
    }
    Some(list)
}

/// A problem in a variant, located at what made it: the sweep when a swept key is involved,
/// otherwise its `[[case]]`.
fn variant_error(text: &str, variant: &Variant, keys: &[&str], message: &str) -> SpecError {
    match variant.case {
        Some(case) if !keys.iter().any(|k| variant.swept.iter().any(|s| s == k)) => SpecError {
            key: Some(keys.join(", ")),
            ..error_at_item(text, "case", case, message)
        },
        _ => sweep_error(text, &keys.join("\", \""), message),
    }
}

fn claims(
    text: &str,
    sources: &[String],
    runs: &[&str],
    errors: &mut Vec<SpecError>,
) -> Vec<Claim> {
    let mut claims = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        let mut problem =
            |message: String| errors.push(error_at_item(text, "expect", index, &message));
        let syntax = match parse_claim(source) {
            Ok(syntax) => syntax,
            Err(e) => {
                problem(format!(
                    "claim `{source}`: {} (at character {})",
                    e.message, e.column
                ));
                continue;
            }
        };
        let line = error_at_item(text, "expect", index, "").line;
        let claim = Claim {
            text: source.clone(),
            line,
            syntax,
        };
        let missing: Vec<String> = claim
            .runs()
            .into_iter()
            .filter(|r| !runs.contains(&r.as_str()))
            .collect();
        if let Some(run) = missing.first() {
            let names: Vec<String> = runs.iter().map(|r| format!("'{r}'")).collect();
            problem(format!(
                "claim `{source}` names run '{run}', but the runs are {}",
                names.join(", ")
            ));
            continue;
        }
        if claim.syntax.run.is_none() && runs.len() > 1 {
            problem(format!(
                "claim `{source}` must say which run: add `where run = '…'`"
            ));
            continue;
        }
        if let Some(metric) = claim
            .metrics()
            .into_iter()
            .find(|m| !known_metrics().any(|k| k == m))
        {
            problem(format!(
                "claim `{source}` reads metric `{metric}`, which is not recorded; metrics are {}",
                known_metrics().collect::<Vec<_>>().join(", ")
            ));
            continue;
        }
        claims.push(claim);
    }
    claims
}

/// Values that parse but cannot be trained: `(dotted key, what is wrong)`.
fn range_problems(run: &RunSpec) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, key: &str, message: String| {
        if !ok {
            problems.push((key.to_string(), message));
        }
    };
    let (d, m, t) = (&run.data, &run.model, &run.train);
    let samples = d.sample_count();
    let positive = |x: f64| x > 0.0 && x.is_finite();
    check(
        (1..=MAX_SAMPLES).contains(&samples),
        "data.samples",
        format!("samples must be between 1 and {MAX_SAMPLES}, got {samples}"),
    );
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
        (2..=10).contains(&d.classes),
        "data.classes",
        format!("classes must be between 2 and 10, got {}", d.classes),
    );
    check(
        (1..=4096).contains(&d.dim),
        "data.dim",
        format!("dim must be between 1 and 4096, got {}", d.dim),
    );
    check(
        (0.0..=0.9).contains(&d.test_fraction),
        "data.test_fraction",
        format!(
            "test_fraction must be between 0 and 0.9, got {}",
            d.test_fraction
        ),
    );
    check(
        (1..=10).contains(&d.outputs),
        "data.outputs",
        format!("outputs must be between 1 and 10, got {}", d.outputs),
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
                "loss `{}` does not fit the data set `{:?}`",
                loss.name(),
                d.name
            ),
        );
    }
    check(
        positive(t.lr),
        "train.lr",
        format!("learning rate must be positive, got {}", t.lr),
    );
    check(
        (1..=MAX_STEPS).contains(&t.steps),
        "train.steps",
        format!("steps must be between 1 and {MAX_STEPS}, got {}", t.steps),
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
            positive(pretrain.lr) && pretrain.steps_per_layer >= 1 && pretrain.batch >= 1,
            "train.pretrain",
            "pretraining needs positive lr, steps_per_layer and batch".into(),
        );
    }
    problems
}

/// The model keys of a feed-forward net.
fn feed_forward_problems(run: &RunSpec, check: &mut impl FnMut(bool, &str, String)) {
    let (d, m) = (&run.data, &run.model);
    check(
        !d.name.is_sequence(),
        "data.name",
        format!(
            "`{:?}` is a sequence task: use model.kind = \"rnn\", \"gru\" or \"lstm\"",
            d.name
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
    let hidden = m.hidden();
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
    check(
        (1..=MAX_DEPTH).contains(&hidden.len()),
        "model.depth",
        format!(
            "depth must be between 1 and {MAX_DEPTH} hidden layers, got {}",
            hidden.len()
        ),
    );
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
fn recurrent_problems(run: &RunSpec, check: &mut impl FnMut(bool, &str, String)) {
    let (d, m) = (&run.data, &run.model);
    check(
        d.name.is_sequence(),
        "data.name",
        "recurrent models train on sequence tasks: adding, copy, parity or delayed_recall".into(),
    );
    check(
        m.hidden.is_some_and(|h| (1..=MAX_WIDTH).contains(&h)),
        "model.hidden",
        format!("say the state size: hidden = 1 … {MAX_WIDTH}"),
    );
    check(
        (1..=8).contains(&m.layers),
        "model.layers",
        format!("layers must be between 1 and 8, got {}", m.layers),
    );
    check(
        d.length.is_none_or(|t| (1..=1000).contains(&t)),
        "data.length",
        "length must be between 1 and 1000".into(),
    );
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
        run.train.truncation.is_none_or(|k| k >= 1),
        "train.truncation",
        "truncation must be at least 1 step".into(),
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

/// Which probes the block's figures and claims read, so runs record them (and only them).
fn probe_needs(plots: &[PlotSpec], claims: &[Claim], train: &TrainSpec) -> ProbeNeeds {
    let metrics: Vec<String> = claims.iter().flat_map(Claim::metrics).collect();
    let reads = |names: &[&str]| metrics.iter().any(|m| names.contains(&m.as_str()));
    let mut histogram_steps: Vec<u64> = plots
        .iter()
        .filter(|p| p.kind == PlotKind::ActivationHist)
        .flat_map(|p| p.steps.clone().unwrap_or_else(|| vec![0]))
        .collect();
    histogram_steps.sort_unstable();
    histogram_steps.dedup();
    ProbeNeeds {
        layer_stats: plots.iter().any(|p| {
            p.kind == PlotKind::ActivationStats
                || !["grad_norm", "grad_norm_bias", "weight_norm"].contains(&p.metric.as_str())
        }) || reads(STATS_METRICS),
        evaluate: train.eval_every > 0
            || plots.iter().any(|p| p.kind == PlotKind::Accuracy)
            || reads(EVAL_METRICS),
        histogram_steps,
        decision_grid: plots.iter().any(|p| p.kind == PlotKind::DecisionBoundary),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Init};

    const BASE: &str = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"spirals\" }\nmodel = { depth = 3, width = 8, activation = \"tanh\" }\ntrain = { lr = 0.1, steps = 10 }\n";

    fn with(extra: &str) -> String {
        format!("{BASE}{extra}")
    }

    #[test]
    fn defaults_fill_in_and_a_single_run_is_labelled_by_id() {
        let experiment = parse_block(BASE).unwrap();
        let kinds: Vec<PlotKind> = experiment.plots.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, vec![PlotKind::GradNormByLayer, PlotKind::Loss]);
        let run = &experiment.runs[0];
        assert_eq!(run.label, "e");
        assert_eq!(
            (
                run.data.samples,
                run.data.classes,
                run.train.batch,
                run.train.seed
            ),
            (None, 2, 64, 1)
        );
        assert_eq!(run.model.init, Init::XavierNormal);
    }

    #[test]
    fn one_sweep_key_labels_runs_by_value() {
        let experiment = parse_block(&with(
            "sweep = { \"model.activation\" = [\"sigmoid\", \"relu\"] }\n",
        ))
        .unwrap();
        let labels: Vec<_> = experiment
            .runs
            .iter()
            .map(|r| (r.label.as_str(), r.model.activation))
            .collect();
        assert_eq!(
            labels,
            vec![
                ("sigmoid", Some(Activation::Sigmoid)),
                ("relu", Some(Activation::Relu))
            ]
        );
    }

    #[test]
    fn several_sweep_keys_make_the_cartesian_product_in_order() {
        let text = with("sweep = { \"model.depth\" = [2, 4], \"train.lr\" = [0.1, 0.01] }\n");
        let runs = parse_block(&text).unwrap().runs;
        let labels: Vec<_> = runs.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "depth=2, lr=0.1",
                "depth=2, lr=0.01",
                "depth=4, lr=0.1",
                "depth=4, lr=0.01"
            ]
        );
        assert_eq!((runs[3].model.depth, runs[3].train.lr), (Some(4), 0.01));
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let errors = parse_block(&BASE.replace("depth = 3", "depth = 0")).unwrap_err();
        assert_eq!(
            (errors[0].line, errors[0].key.as_deref()),
            (4, Some("model.depth"))
        );

        let errors =
            parse_block(&BASE.replace("steps = 10", "steps = 10, lr_decay = 1")).unwrap_err();
        assert_eq!(
            (errors[0].line, errors[0].key.as_deref()),
            (5, Some("train.lr_decay"))
        );

        let errors = parse_block(&BASE.replace("\"tanh\"", "\"swish\"")).unwrap_err();
        assert_eq!(errors[0].key.as_deref(), Some("model.activation"));
        assert!(
            errors[0].message.contains("sigmoid"),
            "lists the valid names: {}",
            errors[0].message
        );

        let errors = parse_block(&BASE.replace("width = 8", "width = \"8\"")).unwrap_err();
        assert_eq!(
            (errors[0].line, errors[0].key.as_deref()),
            (4, Some("model.width"))
        );
    }

    #[test]
    fn sweep_problems_point_at_the_sweep() {
        let errors = parse_block(&with("\nsweep = { \"model.width\" = [0, 4] }\n")).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 7);
        assert!(
            errors[0].message.contains("width=0") || errors[0].message.contains("run `0`"),
            "{}",
            errors[0].message
        );

        let errors = parse_block(&with("sweep = { \"model.depht\" = [1] }\n")).unwrap_err();
        assert!(errors[0].message.contains("depht"), "{}", errors[0].message);

        let errors = parse_block(&with("sweep = { \"title\" = [\"a\"] }\n")).unwrap_err();
        assert!(
            errors[0].message.contains("cannot sweep"),
            "{}",
            errors[0].message
        );

        let errors = parse_block(&with("sweep = { \"model.depth\" = [] }\n")).unwrap_err();
        assert!(
            errors[0].message.contains("non-empty"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn bad_syntax_ids_and_plots_are_errors() {
        let errors = parse_block("id = \"e\"\ntitle = \n").unwrap_err();
        assert_eq!(errors[0].line, 2);
        let errors = parse_block(&BASE.replace("id = \"e\"", "id = \"Has Space\"")).unwrap_err();
        assert_eq!(errors[0].key.as_deref(), Some("id"));
        let errors = parse_block(&with("plot = [\"heatmap\"]\n")).unwrap_err();
        assert!(
            errors[0].message.contains("grad_norm_by_layer"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn init_accepts_names_and_normal_with_std() {
        let experiment = parse_block(&BASE.replace(
            "activation = \"tanh\"",
            "activation = \"tanh\", init = { name = \"normal\", std = 2.0 }",
        ))
        .unwrap();
        assert_eq!(experiment.runs[0].model.init, Init::Normal { std: 2.0 });
        let errors = parse_block(&BASE.replace(
            "activation = \"tanh\"",
            "activation = \"tanh\", init = \"normal\"",
        ))
        .unwrap_err();
        assert!(errors[0].message.contains("std"), "{}", errors[0].message);
    }
}
