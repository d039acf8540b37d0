//! Running experiments: every (variant, seed) of every block is one job; jobs run in parallel
//! (rayon) and are assembled back in declaration order, so output never depends on the thread
//! count. A job's outcome comes from the cache when its key (the normalized spec, the seed and
//! the engine version) was computed before.

use rayon::prelude::*;

use super::cache::Cache;
use super::results::{Results, RunOutcome, RunSummary, SeedOutcome};
use super::sizes::values_per_example;
use super::spec::{DataName, Experiment, Model, Precision, RunSpec};
use super::{feed_forward, recurrent};

/// Told as runs finish (from worker threads). The library never prints; the CLI draws a bar.
pub trait Progress: Sync {
    /// Before any run: each experiment's id and how many distinct runs it will take.
    fn begin(&self, _experiments: &[(String, usize)]) {}
    /// A run of experiment number `experiment` (an index into `begin`'s list) is done.
    fn run_finished(&self, _experiment: usize, _run: &str, _cached: bool) {}
    /// Before anything runs: another build of the book holds its lock (`lock` is the lock
    /// file), and this one waits for it.
    fn waiting_for_lock(&self, _lock: &std::path::Path) {}
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
    let mut per_experiment: Vec<(String, usize)> =
        experiments.iter().map(|e| (e.id.clone(), 0)).collect();
    for &j in &unique {
        per_experiment[jobs[j].0].1 += 1;
    }
    progress.begin(&per_experiment);
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
            progress.run_finished(e, &run.label, cached);
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
            results[e].points = feed_forward::data_points(&experiment.runs[0]);
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
        sweep_point: Vec::new(),
        ..run.clone()
    };
    let text = format!(
        "gradbook engine {}\n{normalized:?}\nseed {seed}\n",
        super::cache::ENGINE_VERSION
    );
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

/// One run through the engine: a feed-forward net or a recurrent one, in the precision the
/// spec asks for (f32 by default, like the frameworks readers know).
pub fn train(run: &RunSpec, seed: u64) -> RunOutcome {
    if run.seeds_vary_data && run.data.seed != seed {
        let mut own_data = run.clone();
        own_data.data.seed = seed;
        return train(&own_data, seed);
    }
    match (&run.model, run.train.precision) {
        // The half formats keep f32 master weights (`fit_config` adds the rounding).
        (Model::Mlp(mlp), Precision::F32 | Precision::F16 | Precision::Bf16) => {
            feed_forward::train::<f32>(run, mlp, seed)
        }
        (Model::Mlp(mlp), Precision::F64) => feed_forward::train::<f64>(run, mlp, seed),
        // (Refused by the range checks: recurrent nets train in f32 or f64.)
        (Model::Recurrent(model), Precision::F32 | Precision::F16 | Precision::Bf16) => {
            recurrent::train::<f32>(run, model, seed)
        }
        (Model::Recurrent(model), Precision::F64) => recurrent::train::<f64>(run, model, seed),
    }
}

/// The number of input features of a run's data, without generating it.
pub(super) fn input_dim(run: &RunSpec) -> usize {
    match run.data.name {
        DataName::Adding | DataName::Copy | DataName::Parity | DataName::DelayedRecall => 0,
        DataName::Spirals | DataName::Moons | DataName::Circles | DataName::Xor => 2,
        DataName::Blobs | DataName::Random | DataName::Teacher => run.data.dim,
        DataName::Sine => 1,
        DataName::Digits => 64,
    }
}

pub(super) fn output_dim(run: &RunSpec) -> usize {
    match run.data.name {
        DataName::Adding | DataName::Copy | DataName::Parity | DataName::DelayedRecall => 0,
        DataName::Sine => 1,
        DataName::Teacher => run.data.outputs,
        DataName::Moons | DataName::Circles | DataName::Xor => 2,
        DataName::Digits => 10,
        DataName::Spirals | DataName::Blobs | DataName::Random => run.data.classes,
    }
}

/// The fixed work of one (variant, seed) run besides its training, in the cost's units: making
/// its data and network, caching it, and its share of the block's figures, tables and claims.
/// Measured (dev build, one thread): 1,000 one-step variants build in 5.6 s, 5.6 ms a run,
/// and training runs at 5.4 ns a unit (a 6.4e9-unit run took 34.8 s): 1e6 units a run.
pub const RUN_OVERHEAD: f64 = 1e6;

/// The work one run asks for, in multiply-adds up to a constant factor: parameters × batch ×
/// steps of training, plus making the data (examples × their numbers; the teacher's network
/// applied to every example), evaluating on whole sets and classifying the decision grid.
/// Used to refuse blocks that would make the build crawl.
pub fn cost(run: &RunSpec) -> f64 {
    let mlp = match &run.model {
        Model::Mlp(mlp) => mlp,
        Model::Recurrent(recurrent) => return recurrent::cost(run, recurrent),
    };
    let mut widths = vec![input_dim(run)];
    widths.extend(mlp.hidden());
    widths.push(output_dim(run));
    let layers_per_block = mlp.residual.as_ref().map_or(1, |r| r.layers * r.expand);
    let parameters = widths
        .windows(2)
        .map(|w| (w[0] * w[1] + w[1]) as f64)
        .sum::<f64>()
        * layers_per_block as f64;
    let pretraining = run
        .train
        .pretrain
        .as_ref()
        .map_or(0.0, |p| (p.steps_per_layer * p.batch) as f64 * 2.0);
    let training = parameters * (run.train.batch as f64 * run.train.steps as f64 + pretraining);
    let samples = run.data.sample_count() as f64;
    let mut data = samples * values_per_example(run) as f64;
    if run.data.name == DataName::Teacher {
        let d = &run.data;
        data += samples * (d.teacher_width * (d.dim + d.outputs)) as f64;
    }
    let t = &run.train;
    let evaluations = match (t.eval_every, run.needs.evaluate) {
        (0, false) => 0.0,
        (0, true) => 50.0,
        (every, _) => (t.steps / every) as f64,
    };
    let grid = if run.needs.decision_grid {
        GRID_POINTS
    } else {
        0.0
    };
    training + data + parameters * (evaluations * samples + grid)
}

/// The decision grid's points (60 × 60).
const GRID_POINTS: f64 = 3600.0;

/// The cost of a whole block: every variant with every seed, each with its fixed overhead.
pub fn experiment_cost(experiment: &Experiment) -> f64 {
    experiment
        .runs
        .iter()
        .map(|run| (cost(run) + RUN_OVERHEAD) * run.seeds.len() as f64)
        .sum()
}

fn append_run(results: &mut Results, label: &str, seeds: Vec<(u64, RunOutcome)>) {
    for (seed, outcome) in &seeds {
        if let Some(problem) = &outcome.problem {
            results
                .problems
                .push(format!("run `{label}` (seed {seed}): {problem}"));
        }
    }
    let seeds = seeds
        .into_iter()
        .map(|(seed, outcome)| SeedOutcome { seed, outcome })
        .collect();
    results.runs.push(RunSummary::new(label, seeds));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::parse_block;

    fn block_cost(data: &str, seeds: usize) -> f64 {
        let text = format!(
            "id = \"e\"\ntitle = \"t\"\ndata = {data}\nmodel = {{ depth = 1, width = 4, activation = \"tanh\" }}\ntrain = {{ lr = 0.1, steps = 1, batch = 8 }}\nseeds = {seeds}\n"
        );
        experiment_cost(&parse_block(&text).unwrap())
    }

    #[test]
    fn the_teacher_network_counts_in_the_cost() {
        let narrow = block_cost("{ name = \"teacher\", dim = 64, teacher_width = 4 }", 1);
        let wide = block_cost("{ name = \"teacher\", dim = 64, teacher_width = 4096 }", 1);
        // 512 examples through a 64 → 4096 → 1 teacher: about 1.4e8 multiply-adds more.
        assert!(wide - narrow > 1e8, "{narrow} vs {wide}");
    }

    #[test]
    fn every_run_costs_at_least_its_overhead() {
        let one = block_cost("{ name = \"spirals\", samples = 8 }", 1);
        let fifty = block_cost("{ name = \"spirals\", samples = 8 }", 50);
        assert!(one >= RUN_OVERHEAD);
        assert!((fifty - 50.0 * one).abs() < 1e-6 * fifty && fifty >= 50.0 * RUN_OVERHEAD);
    }
}
