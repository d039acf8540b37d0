//! Synthetic results with everything a figure can draw — three runs (3, 2 and 2 seeds), eight
//! layers, every per-layer and whole-network metric, histograms, decision grids — one of them
//! diverging at step 120; plus an ignored test that writes every kind as a gallery page (light
//! and dark) to /tmp/plotcheck: `cargo test --lib plot::fixture -- --ignored`.

use crate::experiment::results::{
    DataPoint, Measurement, Results, RunOutcome, RunSummary, SeedOutcome,
};
use crate::nn::{DecisionGrid, Divergence, GridSpec, Histogram, HistogramOf, Metric};

pub(crate) const LAYERS: u32 = 8;
pub(crate) const DIVERGES_AT: u64 = 120;
pub(crate) const RUNS: [(&str, u64); 3] =
    [("sigmoid", 3), ("ReLU（He 初始化）", 2), ("大学习率", 2)];

/// A deterministic "noise" in [-0.5, 0.5) from a few integers.
fn jitter(seed: u64, a: u64, b: u64) -> f64 {
    let h = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(a.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(b.wrapping_mul(0x94D0_49BB_1331_11EB));
    ((h >> 11) % 1000) as f64 / 1000.0 - 0.5
}

pub(crate) fn gallery() -> Results {
    let mut runs = Vec::new();
    for (run_index, &(run, seeds)) in RUNS.iter().enumerate() {
        let diverging = run_index == 2;
        let mut outcomes = Vec::new();
        for seed in 1..=seeds {
            let mut measurements = Vec::new();
            let mut histograms = Vec::new();
            let mut push = |step: u64, layer: Option<u32>, metric: Metric, value: f64| {
                measurements.push(Measurement {
                    step,
                    layer,
                    metric,
                    value,
                });
            };
            for step in (0..=300u64).step_by(5) {
                if diverging && step > DIVERGES_AT {
                    break;
                }
                let t = step as f64 / 300.0;
                let noise = 1.0 + 0.3 * jitter(seed, step, 0);
                let blown = diverging && step == DIVERGES_AT;
                for layer in 1..=LAYERS {
                    let depth = f64::from(LAYERS - layer);
                    let grad = match run_index {
                        0 => 0.3 * 0.25f64.powf(depth) * (1.0 - 0.5 * t),
                        1 => 0.05 * 0.9f64.powf(depth) * (1.0 + t),
                        _ => 0.05 * 1.6f64.powf(depth) * (step as f64 / 20.0).exp(),
                    } * (1.0 + 0.4 * jitter(seed, step, u64::from(layer)));
                    let value = |v: f64| if blown { f64::NAN } else { v };
                    let l = Some(layer);
                    push(step, l, Metric::GradNorm, value(grad));
                    push(step, l, Metric::DeltaNorm, value(grad * 2.0));
                    let std = match run_index {
                        0 => 0.25 * 0.8f64.powf(f64::from(layer)),
                        _ => 0.6 + 0.02 * f64::from(layer),
                    };
                    push(
                        step,
                        l,
                        Metric::ActMean,
                        value([0.5, 0.3, 0.4][run_index] * noise),
                    );
                    push(step, l, Metric::ActStd, value(std * noise));
                    let saturated = if run_index == 0 {
                        0.05 * f64::from(layer) * (1.0 + t)
                    } else {
                        0.0
                    };
                    push(step, l, Metric::SaturatedFrac, value(saturated.min(1.0)));
                    let dead = if run_index == 1 {
                        0.02 * f64::from(layer)
                    } else {
                        0.0
                    };
                    push(step, l, Metric::DeadFrac, value(dead * noise));
                }
                let (loss, accuracy) = match run_index {
                    0 => (0.69 - 0.1 * t, 0.5 + 0.15 * t),
                    1 => (
                        0.69 * (-3.0 * t).exp() + 0.05,
                        0.5 + 0.45 * (1.0 - (-4.0 * t).exp()),
                    ),
                    _ => (0.7 + (step as f64 / 25.0).exp() / 50.0, 0.5 - 0.1 * t),
                };
                let loss = if blown { f64::NAN } else { loss * noise };
                push(step, None, Metric::Loss, loss);
                push(step, None, Metric::TestLoss, loss * 1.1);
                push(step, None, Metric::TrainAccuracy, accuracy);
                push(step, None, Metric::TestAccuracy, accuracy * 0.95);
                // Sharpness rising toward 2/η (η = 0.1, 0.5, 1): sharpening, the edge.
                let threshold = 2.0 / [0.1, 0.5, 1.0][run_index];
                let sharpness = threshold * (0.2 + 0.8 * (1.0 - (-5.0 * t).exp())) * noise;
                push(
                    step,
                    None,
                    Metric::Sharpness,
                    if blown { f64::NAN } else { sharpness },
                );
                push(step, None, Metric::StabilityThreshold, threshold);
                // A dynamic loss scale: 2¹⁶, halved by early overflows, doubling every
                // 100 clean steps after them (the third run starts higher and halves more).
                let halvings = [2, 1, 4][run_index].min(step / 10);
                let growth = step.saturating_sub(40) / 100;
                let scale = 2f64.powi(16 + growth as i32 - halvings as i32);
                push(step, None, Metric::LossScale, scale);
            }
            for step in [0, 300] {
                for layer in 1..=LAYERS {
                    histograms.push(histogram(
                        run_index,
                        seed,
                        step,
                        layer,
                        HistogramOf::Activations,
                    ));
                    if run_index == 1 {
                        histograms.push(histogram(
                            run_index,
                            seed,
                            step,
                            layer,
                            HistogramOf::Gradients,
                        ));
                    }
                }
            }
            let outcome = RunOutcome {
                measurements,
                diverged: diverging.then(|| Divergence {
                    step: DIVERGES_AT,
                    what: "loss is NaN".into(),
                }),
                histograms,
                grid: Some(grid(run_index, seed)),
                problem: None,
            };
            outcomes.push(SeedOutcome { seed, outcome });
        }
        runs.push(RunSummary::new(run, outcomes));
    }
    Results {
        runs,
        points: points(),
        problems: Vec::new(),
    }
}

fn histogram(run_index: usize, seed: u64, step: u64, layer: u32, of: HistogramOf) -> Histogram {
    let bins = 30;
    let (lo, hi) = if run_index == 0 && of == HistogramOf::Activations {
        (0.0, 1.0)
    } else {
        (-2.0, 2.0)
    };
    let edges: Vec<f64> = (0..=bins)
        .map(|i| lo + (hi - lo) * f64::from(i) / f64::from(bins))
        .collect();
    let counts = (0..bins)
        .map(|i| {
            let x = (f64::from(i) + 0.5) / f64::from(bins);
            let shape = match (run_index, of) {
                // Saturating sigmoid: deeper layers pile up at 0 and 1.
                (0, HistogramOf::Activations) => {
                    let w = 0.1 + 0.4 / f64::from(layer);
                    (-((x - 0.5) / w).powi(2)).exp()
                        + f64::from(layer) * 0.1 * ((-x / 0.05).exp() + (-(1.0 - x) / 0.05).exp())
                }
                (1, HistogramOf::Activations) => {
                    let tail = if x < 0.5 {
                        0.2
                    } else {
                        (-(x - 0.5) * 6.0).exp()
                    };
                    tail + if (x - 0.5).abs() < 0.02 { 3.0 } else { 0.0 }
                }
                _ => (-((x - 0.5) * (4.0 + f64::from(layer) + step as f64 / 100.0)).powi(2)).exp(),
            };
            (shape * 1000.0 * (1.0 + 0.1 * jitter(seed, i as u64, u64::from(layer)))) as u64
        })
        .collect();
    Histogram {
        step,
        layer: layer as usize,
        of,
        edges,
        counts,
    }
}

/// Two interleaved spirals' learned regions: the sigmoid run barely separates them.
fn grid(run_index: usize, seed: u64) -> DecisionGrid {
    let resolution = 40;
    let classes = (0..resolution * resolution)
        .map(|cell| {
            let (row, column) = (cell / resolution, cell % resolution);
            let x = -1.0 + 2.0 * (column as f64 + 0.5) / resolution as f64;
            let y = -1.0 + 2.0 * (row as f64 + 0.5) / resolution as f64;
            let class = match run_index {
                0 => x + 0.1 * jitter(seed, 0, 0) > 0.0,
                _ => {
                    ((y.atan2(x) + 3.0 * (x * x + y * y).sqrt() * std::f64::consts::PI).sin()) > 0.0
                }
            };
            usize::from(class)
        })
        .collect();
    DecisionGrid {
        spec: GridSpec {
            x: (-1.0, 1.0),
            y: (-1.0, 1.0),
            resolution,
        },
        classes,
        confidence: Vec::new(),
    }
}

fn points() -> Vec<DataPoint> {
    (0..200)
        .map(|i| {
            let class = (i % 2) as u32;
            let r = 0.05 + 0.9 * f64::from(i / 2) / 100.0;
            let angle = -3.0 * r * std::f64::consts::PI + f64::from(class) * std::f64::consts::PI;
            DataPoint {
                x: r * angle.cos(),
                y: r * angle.sin(),
                class,
            }
        })
        .collect()
}

/// Not a check: writes every kind (and a few variants) and light/dark pages for a human or a
/// headless browser to look at.
#[test]
#[ignore]
fn write_visual_check() {
    use super::{PlotKind, PlotSpec, render};
    use crate::experiment::claims::parse_formula;
    use crate::experiment::plot_spec::{THEORY_VARIABLES, Theory};
    use crate::locale::Language;
    let words = Language::ZhCn.words();
    let dir = std::path::Path::new("/tmp/plotcheck");
    std::fs::create_dir_all(dir).unwrap();
    let results = gallery();
    let mut specs: Vec<PlotSpec> = PlotKind::ALL.iter().map(|k| PlotSpec::new(*k)).collect();
    let mut with_theory = PlotSpec::new(PlotKind::GradNormByLayer);
    with_theory.metric = Metric::DeltaNorm;
    with_theory.theory = Some(Theory {
        formula_text: "0.25^(L-l)".into(),
        formula: parse_formula("0.25^(L-l)", THEORY_VARIABLES).unwrap(),
        label: "0.25^(L−l)（sigmoid 导数上界）".into(),
    });
    specs.push(with_theory);
    let mut log_loss = PlotSpec::new(PlotKind::Loss);
    log_loss.log_y = Some(true);
    specs.push(log_loss);
    let mut figures = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let subject = words.subject_of_kind(spec.kind.name());
        let title = format!("图 {}：{subject}（{}）", i + 1, spec.kind);
        let svg = render(spec, &results, &title, words).unwrap();
        std::fs::write(dir.join(format!("figure{i:02}-{}.svg", spec.kind)), &svg).unwrap();
        figures.push(svg);
    }
    for (name, colors) in [
        ("light", "color:#222;background:#fff"),
        ("dark", "color:#ddd;background:#1e1e1e"),
    ] {
        let body: String = figures
            .iter()
            .map(|svg| {
                svg.replacen(
                    "<svg ",
                    "<svg style=\"width:100%;height:auto;display:block;margin-bottom:16px\" ",
                    1,
                )
            })
            .collect();
        let page = format!(
            "<!doctype html><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><body style=\"{colors};margin:8px;max-width:760px\">{body}</body>"
        );
        std::fs::write(dir.join(format!("{name}.html")), page).unwrap();
    }
}

/// Checks that need the full gallery: theory, references, bands, divergence marks.
mod checks {
    use super::super::*;
    use super::{DIVERGES_AT, gallery};
    use crate::locale::Language;

    /// [`crate::plot::render`] with our book's words, which the checks look for.
    fn render(spec: &PlotSpec, results: &Results, title: &str) -> Result<String, PlotError> {
        crate::plot::render(spec, results, title, Language::ZhCn.words())
    }

    fn render_with_reference(
        spec: &PlotSpec,
        results: &Results,
        title: &str,
        reference: Option<&Reference>,
    ) -> Result<String, PlotError> {
        crate::plot::render_with_reference(spec, results, title, Language::ZhCn.words(), reference)
    }

    fn theory_spec(kind: PlotKind, formula: &str) -> PlotSpec {
        use crate::experiment::claims::parse_formula;
        use crate::experiment::plot_spec::{THEORY_VARIABLES, Theory};
        PlotSpec {
            theory: Some(Theory {
                formula_text: formula.into(),
                formula: parse_formula(formula, THEORY_VARIABLES).unwrap(),
                label: formula.into(),
            }),
            ..PlotSpec::new(kind)
        }
    }

    #[test]
    fn theory_is_dashed_labelled_and_anchored() {
        let spec = theory_spec(PlotKind::GradNormByLayer, "0.25^(L-l)");
        let svg = render(&spec, &gallery(), "t").unwrap();
        assert!(svg.contains("理论：0.25^(L-l)"));
        assert!(svg.contains("stroke=\"currentColor\" stroke-dasharray=\"5 3\""));
        assert!(
            svg.contains("锚定在第一个运行"),
            "<desc> says how it is anchored"
        );
        let err = render(&theory_spec(PlotKind::GradFlow, "l"), &gallery(), "t").unwrap_err();
        assert!(err.to_string().contains("grad_norm_by_layer"), "{err}");
    }

    #[test]
    fn precomputed_reference_curves_are_drawn() {
        let reference = Reference {
            label: "平均场 χ₁".into(),
            points: (1..=8)
                .map(|l| (f64::from(l), 0.1 * f64::from(l)))
                .collect(),
        };
        let spec = PlotSpec::new(PlotKind::GradNormByLayer);
        let svg = render_with_reference(&spec, &gallery(), "t", Some(&reference)).unwrap();
        assert!(svg.contains("平均场 χ₁"));
        let spec = PlotSpec::new(PlotKind::GradFlow);
        assert!(render_with_reference(&spec, &gallery(), "t", Some(&reference)).is_err());
    }

    #[test]
    fn several_seeds_give_bands_and_divergence_is_marked() {
        let results = gallery();
        for kind in [
            PlotKind::GradNormByLayer,
            PlotKind::Loss,
            PlotKind::Accuracy,
        ] {
            let svg = render(&PlotSpec::new(kind), &results, "t").unwrap();
            assert!(svg.contains("<polygon"), "{kind}: interquartile band");
            assert!(svg.contains("四分位距"), "{kind}: <desc> explains the band");
        }
        let marked = format!("第 {DIVERGES_AT} 步发散");
        for kind in [
            PlotKind::Loss,
            PlotKind::Accuracy,
            PlotKind::GradFlow,
            PlotKind::GradNormOverSteps,
        ] {
            let svg = render(&PlotSpec::new(kind), &results, "t").unwrap();
            assert!(svg.contains(&marked), "{kind}");
            assert!(svg.contains("m-5 -5l10 10"), "{kind}: ✕ marker");
        }
        let heat = render(&PlotSpec::new(PlotKind::GradFlow), &results, "t").unwrap();
        assert!(heat.contains("发散后无数据") && heat.contains("log₁₀ ‖∂L/∂W‖"));
    }

    #[test]
    fn delta_metric_changes_the_axis() {
        let spec = PlotSpec {
            metric: Metric::DeltaNorm,
            ..PlotSpec::new(PlotKind::GradNormByLayer)
        };
        let svg = render(&spec, &gallery(), "t").unwrap();
        assert!(svg.contains("‖δ‖"));
    }
}
