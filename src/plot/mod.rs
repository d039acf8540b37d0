//! Figures: turns an experiment's tidy `Results` into self-contained SVG documents.
//!
//! This module owns every figure gradbook draws: which data each figure kind shows, its
//! layout, styling and accessibility text. Each figure returns the SVG document as a `String`
//! (no XML declaration, `xmlns` kept) that can be inlined into HTML or written to a `.svg`
//! file as is. The SVG:
//! - has a `viewBox` and fixed width/height, so CSS `width:100%; height:auto` scales it;
//! - draws text, axes and grid in `currentColor`, so it follows the page's light/dark text
//!   colour; data series use fixed Okabe–Ito colours, heat maps viridis;
//! - starts with `<title>` (the figure title) and `<desc>` (what is plotted, which runs);
//! - is deterministic (same `Results` ⇒ same bytes) and never contains NaN/Inf coordinates.
//!
//! Every word a figure shows comes from the book language's [`Words`], passed in.
//!
//! A run keeps the same colour (and dash) in every figure: its position in `Results::runs`.
//! With two or more seeds a run is drawn as its median with an interquartile band.
//!
//! Files: one per figure family (`by_layer`, `over_steps`, `layer_lines`, `grad_flow`,
//! `histograms`, `activation_stats`, `decision_boundary`); `theory` turns a block's formula
//! into a reference curve; `frame`/`panel` lay figures out; `axis`, `legend`, `colormap`,
//! `shapes`, `clip`, `style` and `data` are the shared pieces; `index` groups the results by run
//! once per figure, so drawing stays linear in the number of runs.

mod activation_stats;
mod axis;
mod by_layer;
mod clip;
mod colormap;
mod data;
mod decision_boundary;
mod error;
#[cfg(test)]
mod fixture;
mod frame;
mod grad_flow;
mod histograms;
mod index;
mod layer_lines;
mod legend;
mod lines;
#[cfg(test)]
mod locale_tests;
mod over_steps;
mod panel;
mod shapes;
mod style;
#[cfg(test)]
mod tests;
mod theory;

use crate::experiment::results::{Results, RunSummary};
pub use crate::experiment::{PlotKind, PlotSpec};
use crate::locale::{Words, fill};
use crate::nn::Metric;
pub use error::PlotError;
pub use theory::Reference;

/// The SVG document for the figure `spec` asks for, titled `title`, in `words`' language;
/// `Err` says why it cannot be drawn (e.g. the results lack what the kind needs).
pub fn render(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
) -> Result<String, PlotError> {
    render_with_reference(spec, results, title, words, None)
}

/// [`render`] with a precomputed reference curve (e.g. the engine's mean-field prediction)
/// drawn dashed over the figure, in the figure's own data units: `(layer, value)` for
/// `grad_norm_by_layer`, `(step, value)` for `loss` and `accuracy`.
pub fn render_with_reference(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
    reference: Option<&Reference>,
) -> Result<String, PlotError> {
    let takes_reference = matches!(
        spec.kind,
        PlotKind::GradNormByLayer | PlotKind::Loss | PlotKind::Accuracy
    );
    if reference.is_some() && !takes_reference {
        return Err(PlotError::ReferenceNotTaken(spec.kind));
    }
    let has_theory = spec.theory.is_some() || spec.mean_field.is_some();
    if has_theory && spec.kind != PlotKind::GradNormByLayer {
        return Err(PlotError::TheoryNotTaken(spec.kind));
    }
    match spec.kind {
        PlotKind::GradNormByLayer => {
            by_layer::grad_norm_by_layer(spec, results, title, words, reference)
        }
        PlotKind::GradFlow => grad_flow::grad_flow(spec, results, title, words),
        PlotKind::GradNormOverSteps => {
            layer_lines::grad_norm_over_steps(spec, results, title, words)
        }
        PlotKind::Loss => over_steps::loss(spec, results, title, words, reference),
        PlotKind::Accuracy => over_steps::accuracy(spec, results, title, words, reference),
        PlotKind::Sharpness => over_steps::sharpness(spec, results, title, words),
        PlotKind::LossScale => over_steps::loss_scale(spec, results, title, words),
        PlotKind::ActivationHist => histograms::activation_hist(spec, results, title, words),
        PlotKind::ActivationStats => {
            activation_stats::activation_stats(spec, results, title, words)
        }
        PlotKind::DecisionBoundary => decision_boundary::decision_boundary(results, title, words),
        PlotKind::GradThroughTime => by_layer::grad_norm_by_layer(
            &through_time(spec),
            &time_back_from_end(results),
            title,
            words,
            None,
        ),
        PlotKind::GradThroughTimeFlow => grad_flow::grad_flow(
            &through_time(spec),
            &time_back_from_end(results),
            title,
            words,
        ),
        // The singular values sit in the rows as a per-"layer" metric at step 0, by rank.
        PlotKind::JacobianSpectrum => by_layer::grad_norm_by_layer(
            &PlotSpec {
                metric: SPECTRUM_METRIC,
                steps: Some(vec![0]),
                ..spec.clone()
            },
            results,
            title,
            words,
            None,
        ),
    }
}

/// "sigmoid、relu（第 40 步发散）" for `<desc>`.
fn run_list_text(runs: &[RunSummary], words: &Words) -> String {
    if runs.is_empty() {
        return words.figure.none.clone();
    }
    let names: Vec<String> = runs
        .iter()
        .map(|run| run_label(&run.label, run.diverged_at, words))
        .collect();
    names.join(&words.figure.list_separator)
}

/// A run's label, saying at which step it diverged if it did.
fn run_label(label: &str, diverged_at: Option<u64>, words: &Words) -> String {
    match diverged_at {
        Some(step) => fill(
            &words.legend.diverged_at,
            &[("run", &label), ("step", &step)],
        ),
        None => label.to_string(),
    }
}

/// `name` qualified by its axis scale: "‖δ‖（对数坐标）".
fn with_scale(name: &str, log: bool, words: &Words) -> String {
    let scale = if log {
        &words.axis.log_scale
    } else {
        &words.axis.linear_scale
    };
    fill(&words.axis.with_scale, &[("name", &name), ("scale", scale)])
}

/// A recurrent figure is a by-layer figure of ‖∂L/∂h_t‖ over time steps.
fn through_time(spec: &PlotSpec) -> PlotSpec {
    PlotSpec {
        metric: TIME_METRIC,
        ..spec.clone()
    }
}

const TIME_METRIC: Metric = Metric::GradNormTime;
const SPECTRUM_METRIC: Metric = Metric::JacobianSingularValue;

/// `grad_norm_time` rows with the time step counted back from the end (1 = the last input):
/// how far back the loss at the end still reaches. Other rows are dropped.
fn time_back_from_end(results: &Results) -> Results {
    let through_time = results.rows().filter(|r| r.metric == TIME_METRIC);
    let steps = through_time.filter_map(|r| r.layer).max().unwrap_or(0);
    let mut runs = results.runs.clone();
    for seed in runs.iter_mut().flat_map(|run| &mut run.seeds) {
        let outcome = &mut seed.outcome;
        outcome.measurements.retain(|m| m.metric == TIME_METRIC);
        for m in &mut outcome.measurements {
            m.layer = m.layer.map(|t| steps + 1 - t);
        }
        outcome.histograms.clear();
        outcome.grid = None;
    }
    Results {
        runs,
        ..Results::default()
    }
}

/// The label of the axis that counts layers (or, for recurrent nets, time steps).
fn layer_axis_label(metric: Metric, words: &Words) -> &str {
    if metric == TIME_METRIC {
        &words.axis.time_back
    } else if metric == SPECTRUM_METRIC {
        &words.axis.singular_value_rank
    } else {
        &words.axis.layer
    }
}

/// The symbol and the name (in the book's language) of a per-layer metric, for axis labels
/// and `<desc>`.
fn metric_names(metric: Metric, words: &Words) -> (&str, &str) {
    let symbol = match metric {
        Metric::GradNormTime => "‖∂L/∂h_t‖",
        Metric::JacobianSingularValue => "s_k",
        Metric::GradNorm => "‖∂L/∂W‖",
        Metric::GradNormBias => "‖∂L/∂b‖",
        Metric::DeltaNorm => "‖δ‖",
        Metric::DeltaFrobenius => "‖∂L/∂Z‖_F",
        Metric::WeightNorm => "‖W‖",
        Metric::UpdateRatio => "‖ΔW‖/‖W‖",
        // A fraction has no symbol: its axis reads its name.
        Metric::UnderflowFrac => words.name_of_metric(metric.name()),
        Metric::BiasUpdateNorm => "‖Δb‖",
        other => other.name(),
    };
    (symbol, words.name_of_metric(metric.name()))
}

/// The sentence `<desc>` adds about seeds: how many, and that medians and bands are drawn.
fn seeds_text(max_seeds: usize, words: &Words) -> &str {
    if max_seeds >= 2 {
        &words.desc.seeds
    } else {
        ""
    }
}
