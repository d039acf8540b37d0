//! Time of `gradbook::plot::render` for every figure kind on one experiment of many tiny runs
//! (issue 15, defect 7: plotting was quadratic in the number of runs, 11.6 s for 1,600 runs).
//!
//! The results hold `RUNS` runs of one seed each, two layers, five recorded steps: every
//! whole-network and per-layer metric the figures draw, `grad_norm_time` for the recurrent
//! kinds, two activation histograms and one decision grid per run. Groups:
//! - `plot_render_1600_runs/<kind>`: one render of that kind (one criterion iteration);
//! - `plot_render_400_runs/<kind>`: the same at a quarter of the runs, so the ratio of the two
//!   shows how the time grows (4× for linear, 16× for quadratic).
//!
//! `cargo bench --bench plot_render` runs them all; `cargo test --benches` runs each once.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use gradbook::experiment::results::{
    DataPoint, Measurement, Results, RunOutcome, RunSummary, SeedOutcome,
};
use gradbook::locale::Language;
use gradbook::nn::{DecisionGrid, GridSpec, Histogram, HistogramOf, Metric};
use gradbook::plot::{PlotKind, PlotSpec, render};

const LAYERS: u32 = 2;
const STEPS: [u64; 5] = [0, 5, 10, 15, 20];

/// Whole-network metrics (one row per step) and per-layer ones (one row per layer and step).
const WHOLE: [Metric; 4] = [
    Metric::Loss,
    Metric::TestLoss,
    Metric::TrainAccuracy,
    Metric::TestAccuracy,
];
const PER_LAYER: [Metric; 7] = [
    Metric::GradNorm,
    Metric::ActMean,
    Metric::ActStd,
    Metric::SaturatedFrac,
    Metric::DeadFrac,
    Metric::DeltaNorm,
    Metric::GradNormTime,
];

fn tiny_runs(runs: usize) -> Results {
    let mut results = Results::default();
    for index in 0..runs {
        let label = format!("run {index}");
        let run = index as f64;
        let mut outcome = RunOutcome::default();
        let mut push = |step, layer, metric, value| {
            outcome.measurements.push(Measurement {
                step,
                layer,
                metric,
                value,
            });
        };
        for step in STEPS {
            let t = step as f64;
            for (k, &metric) in WHOLE.iter().enumerate() {
                push(step, None, metric, 0.5 + 0.01 * (run + t + k as f64));
            }
            for layer in 1..=LAYERS {
                for (k, &metric) in PER_LAYER.iter().enumerate() {
                    let value = 0.1 * f64::from(layer) + 0.001 * (run + t + k as f64);
                    push(step, Some(layer), metric, value);
                }
            }
        }
        for layer in 1..=LAYERS {
            outcome.histograms.push(Histogram {
                step: 0,
                layer: layer as usize,
                of: HistogramOf::Activations,
                edges: (0..=10).map(|i| f64::from(i) / 10.0).collect(),
                counts: (0..10).map(|i| (i * 7 + index as u64) % 13).collect(),
            });
        }
        outcome.grid = Some(DecisionGrid {
            spec: GridSpec {
                x: (-1.0, 1.0),
                y: (-1.0, 1.0),
                resolution: 8,
            },
            classes: (0..64)
                .map(|cell| usize::from((cell + index) % 3 == 0))
                .collect(),
            confidence: Vec::new(),
        });
        let seed = SeedOutcome { seed: 1, outcome };
        results.runs.push(RunSummary::new(label, vec![seed]));
    }
    results.points = (0..50)
        .map(|i| DataPoint {
            x: f64::from(i) / 25.0 - 1.0,
            y: f64::from(i % 7) / 3.5 - 1.0,
            class: i % 2,
        })
        .collect();
    results
}

fn bench_render(c: &mut Criterion) {
    let words = Language::ZhCn.words();
    for runs in [1_600, 400] {
        let results = tiny_runs(runs);
        let mut group = c.benchmark_group(format!("plot_render_{runs}_runs"));
        // One render takes from milliseconds to seconds: equal, few samples.
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(100));
        group.measurement_time(Duration::from_secs(2));
        for kind in PlotKind::ALL {
            let spec = PlotSpec::new(kind);
            group.bench_function(kind.name(), |b| {
                b.iter(|| render(black_box(&spec), black_box(&results), "bench", words).unwrap())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_render);
criterion_main!(benches);
