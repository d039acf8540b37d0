//! Why a figure cannot be drawn: the block asks a kind for something it does not take, or the
//! results lack what the kind needs. The build reports it at the block.

use super::PlotKind;
use crate::experiment::claims::EvalError;
use crate::nn::Metric;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlotError {
    #[error(
        "a reference curve can be drawn on `grad_norm_by_layer`, `loss` and `accuracy`, not on `{0}`"
    )]
    ReferenceNotTaken(PlotKind),
    #[error(
        "`theory` is a curve over layers (variables `l` and `L`), so it is drawn only on `grad_norm_by_layer`, not on `{0}`; move it to a `grad_norm_by_layer` figure"
    )]
    TheoryNotTaken(PlotKind),
    #[error(
        "the results have no `{train}` or `{test}` rows to draw; the engine records them for every run, so this experiment recorded nothing usable"
    )]
    NoStepRows { train: Metric, test: Metric },
    #[error(
        "the results have no `{0}` rows to draw; the figure that reads it asks the runs to record it, so this experiment recorded nothing usable"
    )]
    NoSeriesRows(Metric),
    #[error("the results have no per-layer `{0}` rows to draw")]
    NoLayerRows(Metric),
    #[error(
        "the results have none of {}; the engine records them per layer",
        quoted(wanted)
    )]
    NoActivationStats { wanted: Vec<Metric> },
    #[error(
        "no activation histograms were recorded, so `activation_hist` has nothing to draw; the engine records them for the steps this figure asks for (`steps`, default the first step) — check that the experiment ran and recorded histograms"
    )]
    NoHistograms,
    #[error(
        "no decision grids were recorded, so `decision_boundary` has nothing to draw: the data set must be 2-D (two input features, e.g. `spirals` or `moons`), and the engine records the learned regions only then"
    )]
    NoDecisionGrids,
    #[error(
        "`theory = \"mean_field\"` needs `{metric}` values to anchor to, and the results have none"
    )]
    MeanFieldWithoutValues { metric: Metric },
    #[error(
        "`theory = \"mean_field\"` has no prediction for run `{run}` (the block's runs were not parsed with this figure)"
    )]
    MeanFieldWithoutRun { run: String },
    #[error("theory `{formula}` needs `{metric}` values to anchor to, and the results have none")]
    TheoryWithoutValues { formula: String, metric: Metric },
    #[error(
        "theory `{formula}` is {value} at the last layer (l = L = {layers}), so it cannot be anchored to the data there"
    )]
    TheoryVanishesAtLastLayer {
        formula: String,
        value: f64,
        layers: u32,
    },
    #[error(
        "theory `{formula}`: the first run's value at the last layer is {anchor}, so there is nothing to anchor the curve to"
    )]
    NothingToAnchorTo { formula: String, anchor: f64 },
    /// The formula cannot be evaluated (the claims' evaluator says why).
    #[error("{0}")]
    Formula(EvalError),
}

/// "`act_mean`, `act_std`", for messages.
fn quoted(metrics: &[Metric]) -> String {
    let names: Vec<String> = metrics.iter().map(|m| format!("`{m}`")).collect();
    names.join(", ")
}
