//! Running experiments: every (variant, seed) of every block is one job; jobs run in parallel
//! (rayon) and are assembled back in declaration order, so output never depends on the thread
//! count. A job's outcome comes from the cache when its key (the normalized spec, the seed and
//! the engine version) was computed before.

use rayon::prelude::*;

use super::cache::Cache;
use super::results::{Results, Row, RunSummary, SeedOutcome};
use super::spec::{DataName, Experiment, RunSpec};
use crate::nn;

/// The metrics the engine records, as claims and the CSV name them.
pub const KNOWN_METRICS: &[&str] = &["loss", "grad_norm"];

/// One measurement of one (variant, seed) run.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub step: u64,
    pub layer: Option<u32>,
    pub metric: String,
    pub value: f64,
}

/// What one (variant, seed) run produced: the unit the cache stores.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunOutcome {
    pub measurements: Vec<Measurement>,
    pub diverged: Option<(u64, String)>,
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
                    cache.store(&keys[j], &outcome);
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

/// One run through the engine. Book runs use f32, like the frameworks readers know.
pub fn train(run: &RunSpec, seed: u64) -> RunOutcome {
    let data = dataset(run);
    let model = nn::MlpConfig {
        input_dim: data.inputs.ncols(),
        hidden: vec![run.model.width; run.model.depth],
        output_dim: data.classes,
        activation: run.model.activation,
        init: run.model.init,
    };
    let train = nn::TrainConfig {
        lr: run.train.lr,
        steps: run.train.steps,
        batch: run.train.batch,
        seed,
        record_every: run.train.record_every,
    };
    let record = nn::train::<f32>(&model, &train, &data);
    let mut measurements = Vec::new();
    for (k, &step) in record.steps.iter().enumerate() {
        measurements.push(Measurement {
            step,
            layer: None,
            metric: "loss".into(),
            value: record.loss[k],
        });
        for (l, &norm) in record.grad_norm_per_layer[k].iter().enumerate() {
            measurements.push(Measurement {
                step,
                layer: Some(l as u32 + 1),
                metric: "grad_norm".into(),
                value: norm,
            });
        }
    }
    RunOutcome {
        measurements,
        diverged: record.diverged.map(|d| (d.step, d.what)),
    }
}

fn dataset(run: &RunSpec) -> nn::Dataset {
    match run.data.name {
        DataName::Spirals => nn::spirals(
            run.data.samples,
            run.data.classes,
            run.data.noise,
            run.data.seed,
        ),
    }
}

fn input_dim(run: &RunSpec) -> usize {
    match run.data.name {
        DataName::Spirals => 2,
    }
}

/// The work one run asks for: parameters × batch × steps (a multiply-add count up to a
/// constant factor), used to refuse blocks that would make the build crawl.
pub fn cost(run: &RunSpec) -> f64 {
    let mut widths = vec![input_dim(run)];
    widths.extend(std::iter::repeat_n(run.model.width, run.model.depth));
    widths.push(run.data.classes);
    let parameters: usize = widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
    parameters as f64 * run.train.batch as f64 * run.train.steps as f64
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
