//! Running experiments: every (variant, seed) of every block is one job; jobs run in parallel
//! (rayon) and are assembled back in declaration order, so output never depends on the thread
//! count. A job's outcome comes from the cache when its key (the normalized spec, the seed and
//! the engine version) was computed before.

use rayon::prelude::*;

use super::cache::Cache;
use super::results::{
    DataPoint, DecisionGrid, Histogram, HistogramOf, Results, Row, RunSummary, SeedOutcome,
};
use super::spec::{DataName, Experiment, RunSpec};
use crate::nn;

/// The metrics the engine records, as claims and the CSV name them.
pub const KNOWN_METRICS: &[&str] = &[
    "grad_norm",
    "grad_norm_bias",
    "weight_norm",
    "delta_norm",
    "update_ratio",
    "act_mean",
    "act_std",
    "saturated_frac",
    "dead_frac",
    "loss",
    "global_grad_norm",
    "clipped",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
];

/// Metrics recorded only with per-layer statistics on.
pub const STATS_METRICS: &[&str] = &[
    "delta_norm",
    "update_ratio",
    "act_mean",
    "act_std",
    "saturated_frac",
    "dead_frac",
];

/// Metrics recorded only when the run is evaluated on whole data sets.
pub const EVAL_METRICS: &[&str] = &["train_loss", "train_accuracy", "test_loss", "test_accuracy"];

/// One measurement of one (variant, seed) run.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub step: u64,
    pub layer: Option<u32>,
    pub metric: String,
    pub value: f64,
}

/// One layer's histogram at one step (the run and seed are the outcome's).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerHistogram {
    pub step: u64,
    pub layer: u32,
    pub of: HistogramOf,
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

/// The predicted class on a grid over the input plane, after training.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub resolution: usize,
    pub classes: Vec<u32>,
}

/// What one (variant, seed) run produced: the unit the cache stores.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunOutcome {
    pub measurements: Vec<Measurement>,
    pub diverged: Option<(u64, String)>,
    pub histograms: Vec<LayerHistogram>,
    pub grid: Option<Grid>,
    /// The engine refused the configuration (e.g. shapes that do not fit): never cached.
    pub problem: Option<String>,
}

/// Told as runs finish (from worker threads). The library never prints; the CLI draws a bar.
pub trait Progress: Sync {
    fn begin(&self, _total_runs: usize) {}
    fn run_finished(&self, _experiment: &str, _run: &str, _cached: bool) {}
}

/// No progress output.
pub struct Silent;
impl Progress for Silent {}

/// How many distinct runs were trained and how many came from the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    pub trained: usize,
    pub cached: usize,
}

/// Train (or load) every run of every experiment, in parallel; results in input order.
pub fn run_all(
    experiments: &[&Experiment],
    cache: &Cache,
    progress: &dyn Progress,
) -> (Vec<Results>, RunCounts) {
    let jobs: Vec<(usize, usize, u64)> = experiments
        .iter()
        .enumerate()
        .flat_map(|(e, experiment)| {
            experiment
                .runs
                .iter()
                .enumerate()
                .flat_map(move |(v, run)| run.seeds.iter().map(move |&seed| (e, v, seed)))
        })
        .collect();
    // Identical runs (same normalized spec and seed, e.g. a baseline repeated in two blocks)
    // are trained once.
    let keys: Vec<String> = jobs
        .iter()
        .map(|&(e, v, seed)| cache_key(&experiments[e].runs[v], seed))
        .collect();
    let mut unique: Vec<usize> = Vec::new();
    let job_of_key: Vec<usize> = keys
        .iter()
        .enumerate()
        .map(
            |(j, key)| match unique.iter().position(|&u| keys[u] == *key) {
                Some(position) => position,
                None => {
                    unique.push(j);
                    unique.len() - 1
                }
            },
        )
        .collect();
    progress.begin(unique.len());
    let computed: Vec<(RunOutcome, bool)> = unique
        .par_iter()
        .map(|&j| {
            let (e, v, seed) = jobs[j];
            let run = &experiments[e].runs[v];
            let (outcome, cached) = match cache.load(&keys[j]) {
                Some(outcome) => (outcome, true),
                None => {
                    let outcome = train(run, seed);
                    if outcome.problem.is_none() {
                        cache.store(&keys[j], &outcome);
                    }
                    (outcome, false)
                }
            };
            progress.run_finished(&experiments[e].id, &run.label, cached);
            (outcome, cached)
        })
        .collect();

    let counts = RunCounts {
        trained: computed.iter().filter(|(_, cached)| !cached).count(),
        cached: computed.iter().filter(|(_, cached)| *cached).count(),
    };
    let mut outcomes = job_of_key.iter().map(|&u| computed[u].0.clone());
    let mut results: Vec<Results> = vec![Results::default(); experiments.len()];
    for (e, experiment) in experiments.iter().enumerate() {
        for run in &experiment.runs {
            let seeds: Vec<(u64, RunOutcome)> = run
                .seeds
                .iter()
                .map(|&seed| (seed, outcomes.next().expect("one outcome per job")))
                .collect();
            append_run(&mut results[e], &run.label, seeds);
        }
        if experiment
            .runs
            .first()
            .is_some_and(|run| run.needs.decision_grid)
        {
            results[e].points = data_points(&experiment.runs[0]);
        }
    }
    (results, counts)
}

/// Run one experiment without a cache (tests, `gradbook run`).
pub fn run_experiment(experiment: &Experiment) -> Results {
    run_all(&[experiment], &Cache::disabled(), &Silent)
        .0
        .remove(0)
}

/// The cache key of one run: a hash of its normalized spec (defaults filled in, variant
/// applied; label and seed list left out, since they do not change what is computed), the
/// seed, and the engine's version.
pub fn cache_key(run: &RunSpec, seed: u64) -> String {
    let normalized = RunSpec {
        label: String::new(),
        seeds: Vec::new(),
        ..run.clone()
    };
    let text = format!(
        "gradbook engine {}\n{normalized:?}\nseed {seed}\n",
        super::cache::ENGINE_VERSION
    );
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

/// One run through the engine, in the precision the spec asks for (f32 by default, like the
/// frameworks readers know).
pub fn train(run: &RunSpec, seed: u64) -> RunOutcome {
    if run.train.precision == "f64" {
        train_in::<f64>(run, seed)
    } else {
        train_in::<f32>(run, seed)
    }
}

fn train_in<T: nn::Float>(run: &RunSpec, seed: u64) -> RunOutcome {
    let (train_data, test_data) = data(run);
    let network = network(run, train_data.input_dim(), train_data.output_dim());
    let config = fit_config(run, seed, &train_data);
    if let Err(problem) = nn::check(&network, &config, &train_data) {
        return RunOutcome {
            problem: Some(problem),
            ..RunOutcome::default()
        };
    }
    let mut net = nn::Network::<T>::new(&network, seed);
    if let Some(pretrain) = &run.train.pretrain {
        let settings = nn::PretrainConfig {
            steps_per_layer: pretrain.steps_per_layer,
            optimizer: nn::Optimizer::Sgd,
            lr: pretrain.lr,
            batch: pretrain.batch,
            seed,
        };
        nn::pretrain(&mut net, &train_data, &settings);
    }
    let record = nn::fit(&mut net, &config, &train_data, test_data.as_ref());
    outcome(run, record)
}

/// The run's data set, split into train and test parts when `data.test_fraction` > 0.
pub fn data(run: &RunSpec) -> (nn::Data, Option<nn::Data>) {
    let d = &run.data;
    let n = d.sample_count();
    let all: nn::Data = match d.name {
        DataName::Spirals => nn::spirals(n, d.classes, d.noise, d.seed).into(),
        DataName::Moons => nn::moons(n, d.noise, d.seed).into(),
        DataName::Circles => nn::circles(n, d.noise, d.factor, d.seed).into(),
        DataName::Xor => nn::xor(n, d.noise, d.seed).into(),
        DataName::Blobs => nn::blobs(n, d.classes, d.dim, d.spread, d.seed).into(),
        DataName::Random => nn::random(n, d.dim, d.classes, d.seed).into(),
        DataName::Sine => nn::sine(n, d.noise, d.seed).into(),
        DataName::Teacher => {
            nn::teacher(n, d.dim, d.teacher_width, d.outputs, d.noise, d.seed).into()
        }
        DataName::Digits => {
            let digits: nn::Data = nn::digits().into();
            if n < digits.len() {
                digits.select(&(0..n).collect::<Vec<_>>())
            } else {
                digits
            }
        }
    };
    if d.test_fraction > 0.0 {
        let (train, test) = all.split(d.test_fraction, d.seed);
        (train, Some(test))
    } else {
        (all, None)
    }
}

fn network(run: &RunSpec, input_dim: usize, output_dim: usize) -> nn::NetworkConfig {
    let m = &run.model;
    let activation = m.activation_function();
    let init = nn::InitConfig {
        weights: m.init,
        gain: m.gain,
        biases: m.bias_init,
    };
    let hidden = m.hidden();
    match &m.residual {
        Some(residual) => nn::NetworkConfig::residual(
            input_dim,
            hidden[0],
            hidden.len(),
            residual.layers,
            residual.alpha,
            output_dim,
            activation,
            m.norm,
            init,
        ),
        None => {
            let layer = |units, activation, norm| {
                nn::BlockConfig::Plain(nn::LayerConfig {
                    units,
                    activation,
                    norm,
                })
            };
            let mut blocks: Vec<nn::BlockConfig> = hidden
                .iter()
                .map(|&w| layer(w, activation, m.norm))
                .collect();
            blocks.push(layer(output_dim, nn::Activation::Linear, nn::Norm::None));
            nn::NetworkConfig {
                input_dim,
                blocks,
                init,
            }
        }
    }
}

fn loss(run: &RunSpec) -> nn::Loss {
    let default = if run.data.name.is_regression() {
        nn::Loss::MeanSquaredError
    } else {
        nn::Loss::SoftmaxCrossEntropy
    };
    run.model.loss.unwrap_or(default)
}

fn fit_config(run: &RunSpec, seed: u64, data: &nn::Data) -> nn::FitConfig {
    let t = &run.train;
    let optimizer = match t.optimizer {
        nn::Optimizer::Sgd => nn::Optimizer::Sgd,
        nn::Optimizer::Momentum { momentum, nesterov } => nn::Optimizer::Momentum {
            momentum: t.momentum.unwrap_or(momentum),
            nesterov,
        },
        nn::Optimizer::RmsProp { rho, eps } => nn::Optimizer::RmsProp {
            rho: t.rho.unwrap_or(rho),
            eps: t.eps.unwrap_or(eps),
        },
        nn::Optimizer::Adam { beta1, beta2, eps } => nn::Optimizer::Adam {
            beta1: t.beta1.unwrap_or(beta1),
            beta2: t.beta2.unwrap_or(beta2),
            eps: t.eps.unwrap_or(eps),
        },
        nn::Optimizer::AdamW {
            beta1,
            beta2,
            eps,
            weight_decay,
        } => nn::Optimizer::AdamW {
            beta1: t.beta1.unwrap_or(beta1),
            beta2: t.beta2.unwrap_or(beta2),
            eps: t.eps.unwrap_or(eps),
            weight_decay: t.weight_decay.unwrap_or(weight_decay),
        },
    };
    let decay = match t.schedule.as_str() {
        "step" => nn::Decay::Step {
            every: t.decay_every.unwrap_or((t.steps / 3).max(1)),
            factor: t.decay_factor.unwrap_or(0.1),
        },
        "exponential" => nn::Decay::Exponential {
            gamma: t.gamma.unwrap_or(0.99),
        },
        "cosine" => nn::Decay::Cosine {
            steps: t.steps,
            min_factor: t.min_lr_factor.unwrap_or(0.0),
        },
        _ => nn::Decay::Constant,
    };
    let clip = match (t.clip_norm, t.clip_value) {
        (Some(max_norm), _) => nn::Clip::GlobalNorm { max_norm },
        (None, Some(max)) => nn::Clip::Value { max },
        (None, None) => nn::Clip::None,
    };
    // AdamW carries its own decoupled decay; for the other optimizers it is applied alike.
    let weight_decay = if matches!(optimizer, nn::Optimizer::AdamW { .. }) {
        0.0
    } else {
        t.weight_decay.unwrap_or(0.0)
    };
    let needs = &run.needs;
    let probes = nn::Probes {
        record_every: t.record_every,
        layer_stats: needs.layer_stats,
        eval_every: match (t.eval_every, needs.evaluate) {
            (0, true) => (t.steps / 50).max(1),
            (every, _) => every,
        },
        histogram_steps: needs.histogram_steps.clone(),
        histogram_bins: 30,
        decision_grid: (needs.decision_grid && data.input_dim() == 2)
            .then(|| grid_over(data.inputs())),
    };
    nn::FitConfig {
        loss: loss(run),
        optimizer,
        lr: t.lr,
        schedule: nn::Schedule {
            decay,
            warmup: t.warmup,
        },
        steps: t.steps,
        batch: t.batch,
        seed,
        clip,
        regularization: nn::Regularization {
            l1: t.l1,
            l2: t.l2,
            weight_decay,
        },
        probes,
    }
}

/// A grid over the data with a 10% margin on each side.
fn grid_over(inputs: &ndarray::Array2<f64>) -> nn::GridSpec {
    let range = |column: usize| {
        let values = inputs.column(column);
        let (low, high) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        let margin = 0.1 * (high - low).max(1e-9);
        (low - margin, high + margin)
    };
    nn::GridSpec {
        x: range(0),
        y: range(1),
        resolution: 60,
    }
}

/// The engine's record as measurements. Saturation is defined for sigmoid and tanh layers and
/// death for the ReLU family: the engine's zeros for other layers are left out, not drawn.
fn outcome(run: &RunSpec, record: nn::Record) -> RunOutcome {
    let activation = run.model.activation_function();
    let layers = record
        .per_layer
        .first()
        .and_then(|(_, values)| values.first())
        .map_or(0, Vec::len);
    let applies = |metric: &str, layer: usize| {
        let hidden = layer < layers;
        match metric {
            "saturated_frac" => hidden && matches!(activation.name(), "sigmoid" | "tanh"),
            "dead_frac" => hidden && matches!(activation.name(), "relu" | "leaky_relu"),
            _ => true,
        }
    };
    let mut measurements = Vec::new();
    for series in &record.series {
        for (&step, &value) in series.steps.iter().zip(&series.values) {
            measurements.push(Measurement {
                step,
                layer: None,
                metric: series.name.to_string(),
                value,
            });
        }
    }
    for (k, &step) in record.steps.iter().enumerate() {
        for (metric, values) in &record.per_layer {
            for (l, &value) in values[k].iter().enumerate() {
                if applies(metric, l + 1) {
                    measurements.push(Measurement {
                        step,
                        layer: Some(l as u32 + 1),
                        metric: metric.to_string(),
                        value,
                    });
                }
            }
        }
    }
    let histograms = record
        .histograms
        .into_iter()
        .map(|h| LayerHistogram {
            step: h.step,
            layer: h.layer as u32,
            of: of(h.of),
            edges: h.edges,
            counts: h.counts,
        })
        .collect();
    let grid = record.decision_grid.map(|g| Grid {
        x_range: g.spec.x,
        y_range: g.spec.y,
        resolution: g.spec.resolution,
        classes: g.classes.iter().map(|&c| c as u32).collect(),
    });
    RunOutcome {
        measurements,
        diverged: record.diverged.map(|d| (d.step, d.what)),
        histograms,
        grid,
        problem: None,
    }
}

fn of(kind: nn::HistogramOf) -> HistogramOf {
    match kind {
        nn::HistogramOf::Activations => HistogramOf::Activations,
        nn::HistogramOf::Gradients => HistogramOf::Gradients,
    }
}

/// The data set's points for a decision-boundary figure (at most 600, evenly picked).
fn data_points(run: &RunSpec) -> Vec<DataPoint> {
    let (data, _) = data(run);
    let nn::Data::Classes(set) = data else {
        return Vec::new();
    };
    if set.input_dim() != 2 {
        return Vec::new();
    }
    let stride = set.len().div_ceil(600).max(1);
    (0..set.len())
        .step_by(stride)
        .map(|i| DataPoint {
            x: set.inputs[[i, 0]],
            y: set.inputs[[i, 1]],
            class: set.labels[i] as u32,
        })
        .collect()
}

/// The number of input features of a run's data, without generating it.
fn input_dim(run: &RunSpec) -> usize {
    match run.data.name {
        DataName::Spirals | DataName::Moons | DataName::Circles | DataName::Xor => 2,
        DataName::Blobs | DataName::Random | DataName::Teacher => run.data.dim,
        DataName::Sine => 1,
        DataName::Digits => 64,
    }
}

fn output_dim(run: &RunSpec) -> usize {
    match run.data.name {
        DataName::Sine => 1,
        DataName::Teacher => run.data.outputs,
        DataName::Moons | DataName::Circles | DataName::Xor => 2,
        DataName::Digits => 10,
        DataName::Spirals | DataName::Blobs | DataName::Random => run.data.classes,
    }
}

/// The work one run asks for: parameters × batch × steps (a multiply-add count up to a
/// constant factor), used to refuse blocks that would make the build crawl.
pub fn cost(run: &RunSpec) -> f64 {
    let mut widths = vec![input_dim(run)];
    widths.extend(run.model.hidden());
    widths.push(output_dim(run));
    let layers_per_block = run.model.residual.as_ref().map_or(1, |r| r.layers);
    let parameters: usize =
        widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum::<usize>() * layers_per_block;
    let pretraining = run
        .train
        .pretrain
        .as_ref()
        .map_or(0.0, |p| (p.steps_per_layer * p.batch) as f64 * 2.0);
    parameters as f64 * (run.train.batch as f64 * run.train.steps as f64 + pretraining)
}

/// The cost of a whole block: every variant with every seed.
pub fn experiment_cost(experiment: &Experiment) -> f64 {
    experiment
        .runs
        .iter()
        .map(|run| cost(run) * run.seeds.len() as f64)
        .sum()
}

fn append_run(results: &mut Results, label: &str, seeds: Vec<(u64, RunOutcome)>) {
    let mut outcomes = Vec::new();
    for (seed, outcome) in seeds {
        if let Some(problem) = outcome.problem {
            results
                .problems
                .push(format!("run `{label}` (seed {seed}): {problem}"));
        }
        results
            .histograms
            .extend(outcome.histograms.into_iter().map(|h| Histogram {
                run: label.to_string(),
                seed,
                step: h.step,
                layer: h.layer,
                of: h.of,
                edges: h.edges,
                counts: h.counts,
            }));
        results.grids.extend(outcome.grid.map(|g| DecisionGrid {
            run: label.to_string(),
            seed,
            x_range: g.x_range,
            y_range: g.y_range,
            resolution: g.resolution,
            classes: g.classes,
        }));
        results
            .rows
            .extend(outcome.measurements.into_iter().map(|m| Row {
                run: label.to_string(),
                seed,
                step: m.step,
                layer: m.layer,
                metric: m.metric,
                value: m.value,
            }));
        outcomes.push(SeedOutcome {
            seed,
            diverged: outcome.diverged,
        });
    }
    results.runs.push(RunSummary::new(label, outcomes));
}
