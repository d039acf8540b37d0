//! Time per training step of the engine on three workloads (issue 3, "speed"): float32,
//! plain SGD, softmax cross-entropy, data in memory.
//!
//! | workload | network | batch |
//! |---|---|---|
//! | tiny   | 2 → [32]×10 tanh → 2     | 64  |
//! | medium | 64 → [256]×8 relu → 10   | 256 |
//! | wide   | 784 → [1024]×4 relu → 10 | 512 |
//!
//! Groups, each reporting **time per step** (one criterion iteration is one step), all on
//! the path the book's experiments take (`src/experiment/feed_forward.rs`,
//! `src/experiment/recurrent.rs`):
//! - `fit_step/<workload>`: `gradbook::nn::fit` on a `Network`, the book's path
//!   (`src/experiment/run.rs`), with the default probes (every step, layer statistics on);
//! - `fit_step_norms/<workload>`: the same with the layer statistics off: every step the
//!   loss and each layer's gradient and weight norms, what `scripts/bench_pytorch.py
//!   --probes on` reads out of PyTorch (the book turns the statistics on only for a figure
//!   that draws them);
//! - `fit_step_sparse_probes/<workload>`: the same, probes only at step 0 and the last step;
//! - `fit_bare_step/<workload>`: `Network::forward`, the loss, `Network::backward` and the
//!   SGD update, no probe at all. `fit_step − fit_bare_step` is the probes' cost.
//! - `fit_probe_cost/<workload>`: `fit_step` timed in pairs with `fit_step_sparse_probes`,
//!   printing the median of the pairs' ratios: the probes' cost, steady under drift;
//! - `fit_step_fp16/medium`: an emulated-fp16 step (dynamic loss scaling) timed in pairs
//!   with the f32 step, printing the median of the pairs' ratios (issue 17: at most 2×);
//! - `recurrent_step/<cell>`: one step of each recurrent cell at hidden 128, T = 100,
//!   batch 32 (forward, BPTT, Adam; `nn::recurrent::StepBench`), no probe;
//! - `recurrent_fit_step/<cell>`: `nn::recurrent::fit_recurrent` on the same sizes with its
//!   probes every 10 steps (spectra, per-step gradient norms), as the book runs it.
//!
//! Threads: matrix products, long sums and updates are split over rayon's pool
//! (`RAYON_NUM_THREADS`, default one per CPU), the training loop running on the pool
//! (`gradbook::nn::on_pool`; `fit_bare_step` too); `RAYON_NUM_THREADS=1` is the
//! single-thread engine. On a busy machine set
//! `GRADBOOK_BENCH_CLOCK=cpu` (with `RAYON_NUM_THREADS=1`): each sample is then the
//! process's CPU time (the sum over its threads of /proc/self/task/*/schedstat; the
//! benchmark thread waits while the pool's one thread trains), what a quiet machine would
//! show. (With more threads the pool's spinning would count too: use wall time there.)
//!
//! `fit` and `fit_recurrent` run on a fresh network each call, so the time of S steps is
//! taken as (time of a run of 1 + S steps − time of a run of 1 step): initialization and
//! the first step's allocations are not counted. Inputs are uniform random in [−1, 1), labels
//! uniform random; the data set holds a few batches so the sampler walks through epochs.
//!
//! `cargo bench --bench train_step` runs them all in a few minutes; `cargo test --benches`
//! (or `cargo bench -- --test`) runs each once, as a smoke test.
//! `scripts/bench_pytorch.py` times the same workloads in PyTorch.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use gradbook::nn::{
    Activation, Data, Dataset, FitConfig, HalfFormat, Init, InitConfig, LossScaling,
    MixedPrecision, Mode, Network, NetworkConfig, Probes, fit, on_pool, softmax_cross_entropy,
};
use ndarray::Array2;

struct Workload {
    name: &'static str,
    input_dim: usize,
    hidden: Vec<usize>,
    classes: usize,
    activation: Activation,
    batch: usize,
    /// Examples in the data set (a few batches).
    examples: usize,
}

fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "tiny",
            input_dim: 2,
            hidden: vec![32; 10],
            classes: 2,
            activation: Activation::Tanh,
            batch: 64,
            examples: 64 * 16,
        },
        Workload {
            name: "medium",
            input_dim: 64,
            hidden: vec![256; 8],
            classes: 10,
            activation: Activation::Relu,
            batch: 256,
            examples: 256 * 8,
        },
        Workload {
            name: "wide",
            input_dim: 784,
            hidden: vec![1024; 4],
            classes: 10,
            activation: Activation::Relu,
            batch: 512,
            examples: 512 * 4,
        },
    ]
}

impl Workload {
    /// Random inputs in [−1, 1) and random labels, from a fixed seed.
    fn data(&self) -> Dataset {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ self.input_dim as u64;
        let mut next = move || {
            // SplitMix64: good enough for benchmark inputs, and no dependency on the
            // engine's random streams.
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let inputs = Array2::from_shape_simple_fn((self.examples, self.input_dim), || {
            (next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        });
        let labels = (0..self.examples)
            .map(|_| (next() % self.classes as u64) as usize)
            .collect();
        Dataset {
            inputs,
            labels,
            classes: self.classes,
        }
    }
}

/// A clock: wall time, or with `GRADBOOK_BENCH_CLOCK=cpu` the process's CPU time.
#[derive(Clone, Copy)]
struct Clock(Instant);

impl Clock {
    fn start() -> Self {
        Clock(Instant::now())
    }

    fn cpu() -> bool {
        std::env::var("GRADBOOK_BENCH_CLOCK").is_ok_and(|v| v == "cpu")
    }

    /// CPU time of all the process's threads (a thread that has exited no longer counts,
    /// but rayon's threads live as long as the process).
    fn process_cpu() -> Duration {
        let tasks = std::fs::read_dir("/proc/self/task")
            .expect("GRADBOOK_BENCH_CLOCK=cpu needs Linux's /proc/self/task/*/schedstat");
        let nanos: u64 = tasks
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
            .map(|stat| {
                let first: Option<u64> =
                    stat.split_whitespace().next().and_then(|n| n.parse().ok());
                first.expect("schedstat starts with the CPU time in ns")
            })
            .sum();
        Duration::from_nanos(nanos)
    }

    fn now() -> Duration {
        if Clock::cpu() {
            Clock::process_cpu()
        } else {
            Duration::ZERO
        }
    }

    /// Time since `start` (or CPU time since `cpu_start`).
    fn elapsed(self, cpu_start: Duration) -> Duration {
        if Clock::cpu() {
            Clock::process_cpu().saturating_sub(cpu_start)
        } else {
            self.0.elapsed()
        }
    }
}

impl Workload {
    fn network(&self) -> NetworkConfig {
        let init = match self.activation {
            Activation::Relu => Init::HeNormal,
            _ => Init::XavierNormal,
        };
        NetworkConfig::mlp(
            self.input_dim,
            &self.hidden,
            self.classes,
            self.activation,
            InitConfig::new(init),
        )
    }

    /// SGD at lr 0.01 with the default probes, recorded every `record_every` steps.
    fn fit_config(&self, steps: usize, record_every: usize, layer_stats: bool) -> FitConfig {
        FitConfig {
            lr: 0.01,
            steps,
            batch: self.batch,
            seed: 1,
            probes: Probes {
                record_every,
                layer_stats,
                ..Probes::default()
            },
            ..FitConfig::default()
        }
    }
}

/// Time of `iters` steps of `fit` (with the default probes, every `record_every` steps): a
/// run of 1 + `iters` steps minus a run of 1 step, each on a fresh network.
fn fit_steps_time(
    workload: &Workload,
    data: &Data,
    (record_every, layer_stats): (usize, bool),
    iters: u64,
) -> Duration {
    fit_steps_time_in(workload, data, (record_every, layer_stats), None, iters)
}

/// [`fit_steps_time`] in an emulated half format (`None`: f32).
fn fit_steps_time_in(
    workload: &Workload,
    data: &Data,
    (record_every, layer_stats): (usize, bool),
    mixed: Option<MixedPrecision>,
    iters: u64,
) -> Duration {
    let network = workload.network();
    let steps = usize::try_from(iters).expect("step count fits usize");
    let time = |steps| {
        let mut net = Network::<f32>::new(&network, 1);
        let config = FitConfig {
            mixed_precision: mixed,
            ..workload.fit_config(steps, record_every, layer_stats)
        };
        let (start, cpu) = (Clock::start(), Clock::now());
        let record = fit(&mut net, black_box(&config), data, None);
        let elapsed = start.elapsed(cpu);
        assert!(record.diverged.is_none(), "benchmark run diverged");
        black_box(record);
        elapsed
    };
    let base = time(1);
    time(1 + steps).saturating_sub(base)
}

/// Time of `iters` probe-free steps on a `Network`: gather, forward, softmax
/// cross-entropy, backward, SGD (W ← W − lr·∂L/∂W, b ← b − lr·∂L/∂b).
fn fit_bare_steps_time(workload: &Workload, data: &Dataset, iters: u64) -> Duration {
    let mut net = Network::<f32>::new(&workload.network(), 1);
    let mut work = net.workspace(workload.batch);
    let mut grads = net.zero_grads();
    let lr = 0.01_f32;
    let batches = data.len() / workload.batch;
    let mut inputs = Array2::<f32>::zeros((workload.batch, workload.input_dim));
    let mut labels = Vec::with_capacity(workload.batch);
    let mut step = |index: usize, net: &mut Network<f32>| {
        let first = (index % batches) * workload.batch;
        labels.clear();
        for (mut row, example) in inputs.rows_mut().into_iter().zip(first..) {
            row.zip_mut_with(&data.inputs.row(example), |x, &v| *x = v as f32);
            labels.push(data.labels[example]);
        }
        net.forward(inputs.view(), Mode::Train, &mut work);
        let (loss, output_grad) = softmax_cross_entropy(net.output(&work), &labels);
        black_box(loss);
        net.backward(inputs.view(), output_grad.view(), &mut work, &mut grads);
        for (layer, gradient) in net.layers_mut().iter_mut().zip(&grads) {
            layer.dense.weights.scaled_add(-lr, &gradient.weights);
            layer.dense.biases.scaled_add(-lr, &gradient.biases);
        }
    };
    on_pool(|| {
        step(0, &mut net);
        let (start, cpu) = (Clock::start(), Clock::now());
        for index in 1..=iters as usize {
            step(index, &mut net);
        }
        start.elapsed(cpu)
    })
}

fn fit_steps(c: &mut Criterion) {
    for workload in workloads() {
        let data = workload.data();
        let classes = Data::Classes(data.clone());
        for (name, probes) in [
            ("fit_step", (1, true)),
            ("fit_step_norms", (1, false)),
            ("fit_step_sparse_probes", (usize::MAX, true)),
        ] {
            let mut group = c.benchmark_group(name);
            configure(&mut group);
            group.bench_function(workload.name, |b| {
                b.iter_custom(|iters| fit_steps_time(&workload, &classes, probes, iters))
            });
            group.finish();
        }

        let mut group = c.benchmark_group("fit_bare_step");
        configure(&mut group);
        group.bench_function(workload.name, |b| {
            b.iter_custom(|iters| fit_bare_steps_time(&workload, &data, iters))
        });
        group.finish();
    }
}

/// Ten samples of flat sampling (each sample the same number of runs: these runs are long)
/// in a short measurement window, so the whole bench takes a few minutes.
fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
}

/// The probes' cost as a ratio, measured in pairs: each sample times `iters` steps of
/// `fit` with the probes every step and `iters` steps with them only at the first and last
/// step, back to back (which goes first alternates), and reports the first to criterion.
/// Separate groups run minutes apart, and this VM's speed drifts by ~10% over minutes
/// (measured); a pair shares the drift, so the median of the pairs' ratios is steady where
/// the ratio of two groups' estimates is not. Prints that median and its quartiles.
fn probe_cost(c: &mut Criterion) {
    for workload in workloads() {
        let classes = Data::Classes(workload.data());
        let mut ratios = Vec::new();
        let mut group = c.benchmark_group("fit_probe_cost");
        // More and longer samples than `configure`'s: a pair's ratio varies by ±10% on two
        // threads of this VM (measured), its median over 20 pairs much less.
        configure(&mut group);
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(15));
        group.bench_function(workload.name, |b| {
            b.iter_custom(|iters| {
                let every_step = || fit_steps_time(&workload, &classes, (1, true), iters);
                let sparse = || fit_steps_time(&workload, &classes, (usize::MAX, true), iters);
                let (on, off) = if ratios.len() % 2 == 0 {
                    let on = every_step();
                    (on, sparse())
                } else {
                    let off = sparse();
                    (every_step(), off)
                };
                ratios.push((iters, on.as_secs_f64() / off.as_secs_f64().max(1e-12) - 1.0));
                on
            })
        });
        group.finish();
        let Some((count, quantile)) = paired_quantiles(&ratios) else {
            continue;
        };
        let quantile = |q: f64| 100.0 * quantile(q);
        println!(
            "fit_probe_cost/{}: probes every step add {:+.1}% to a step (median of {} paired \
             samples; quartiles {:+.1}% to {:+.1}%)",
            workload.name,
            quantile(0.5),
            count,
            quantile(0.25),
            quantile(0.75)
        );
    }
}

/// How many of the measurement's paired ratios `(iters, ratio)` there are and their
/// quantiles, or `None` with fewer
/// than 5. The measurement's samples all take the same number of steps (flat sampling); the
/// warm-up's take fewer. (`cargo bench -- --test` takes one sample of one step.)
fn paired_quantiles(ratios: &[(u64, f64)]) -> Option<(usize, impl Fn(f64) -> f64)> {
    let steps = ratios.last().map_or(0, |&(iters, _)| iters);
    let mut ratios: Vec<f64> = (ratios.iter())
        .filter(|&&(iters, _)| iters == steps)
        .map(|&(_, ratio)| ratio)
        .collect();
    if ratios.len() < 5 {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    let count = ratios.len();
    Some((count, move |q: f64| {
        ratios[((count - 1) as f64 * q).round() as usize]
    }))
}

/// Issue 17: an emulated-fp16 step (dynamic loss scaling, probes at the first and last step
/// only) against the same f32 step, timed in pairs like `probe_cost`, on the medium
/// workload; prints the median ratio (the bound: at most 2×).
fn half_precision_cost(c: &mut Criterion) {
    let workload = workloads().remove(1);
    let classes = Data::Classes(workload.data());
    let fp16 = MixedPrecision {
        format: HalfFormat::F16,
        scaling: LossScaling::DYNAMIC_DEFAULT,
    };
    let sparse = (usize::MAX, true);
    let mut ratios = Vec::new();
    let mut group = c.benchmark_group("fit_step_fp16");
    configure(&mut group);
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(15));
    group.bench_function(workload.name, |b| {
        b.iter_custom(|iters| {
            let half = || fit_steps_time_in(&workload, &classes, sparse, Some(fp16), iters);
            let full = || fit_steps_time_in(&workload, &classes, sparse, None, iters);
            let (half, full) = if ratios.len() % 2 == 0 {
                let h = half();
                (h, full())
            } else {
                let f = full();
                (half(), f)
            };
            ratios.push((iters, half.as_secs_f64() / full.as_secs_f64().max(1e-12)));
            half
        })
    });
    group.finish();
    let Some((count, quantile)) = paired_quantiles(&ratios) else {
        return;
    };
    println!(
        "fit_step_fp16/{}: an emulated-fp16 step costs {:.2}× the f32 step (median of {} \
         paired samples; quartiles {:.2}× to {:.2}×)",
        workload.name,
        quantile(0.5),
        count,
        quantile(0.25),
        quantile(0.75)
    );
}

/// Issue 7: one training step (forward, BPTT, Adam) of each recurrent cell at hidden 128,
/// T = 100, batch 32, f32.
fn recurrent_steps(c: &mut Criterion) {
    use gradbook::nn::recurrent::{Cell, StepBench};
    let mut group = c.benchmark_group("recurrent_step");
    configure(&mut group);
    for cell in Cell::ALL {
        let mut bench = StepBench::new(cell, 128, 100, 32);
        group.bench_function(cell.name(), |b| b.iter(|| bench.step()));
    }
    group.finish();
}

/// One step of `fit_recurrent` (the book's recurrent path: sampler, BPTT, probes every 10
/// steps, Adam) of each cell at hidden 128, T = 100, batch 32, f32: a run of 1 + `iters`
/// steps minus a run of 1 step, each on a fresh network.
fn recurrent_fit_steps(c: &mut Criterion) {
    use gradbook::nn::recurrent::{Cell, RecurrentConfig, RecurrentTrainConfig, SequenceTask};
    let task = SequenceTask::Adding { length: 100 };
    let data = task.generate(32 * 8, 1).expect("a valid adding problem");
    let mut group = c.benchmark_group("recurrent_fit_step");
    configure(&mut group);
    for cell in Cell::ALL {
        let model = RecurrentConfig::new(cell, task.input_dim(), 128, task.output_dim());
        let time = |steps: u64| {
            let config = RecurrentTrainConfig {
                steps,
                batch: 32,
                record_every: 10,
                ..RecurrentTrainConfig::default()
            };
            let (start, cpu) = (Clock::start(), Clock::now());
            let trained =
                gradbook::nn::recurrent::fit_recurrent::<f32>(&model, black_box(&config), &data);
            let elapsed = start.elapsed(cpu);
            let (_, record) = trained.expect("the model fits the task");
            assert!(record.diverged.is_none(), "benchmark run diverged");
            black_box(record);
            elapsed
        };
        group.bench_function(cell.name(), |b| {
            b.iter_custom(|iters| {
                let base = time(1);
                time(1 + iters).saturating_sub(base)
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    fit_steps,
    probe_cost,
    half_precision_cost,
    recurrent_steps,
    recurrent_fit_steps
);
criterion_main!(benches);
