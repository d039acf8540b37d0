//! What a block asks to be drawn: `plot = ["loss", { kind = "grad_norm_by_layer", metric =
//! "delta", steps = [0, 100], theory = "0.25^(L-l)" }]`. Each entry is a figure kind's name or
//! a table of the kind and its options; drawing is `plot`'s job.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use super::claims::{Expr, parse_formula};
use super::mean_field::{MeanFieldCurve, PREDICTED_METRICS};
use crate::nn::{Metric, Probe};

/// The figures an experiment can draw. A new kind is added here, drawn in `plot`, and named
/// in every word table's `[kind]` (src/locale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlotKind {
    /// x = layer, log y = a per-layer metric (‖∂L/∂W‖ by default) at chosen steps.
    GradNormByLayer,
    /// Heat map layer × step of log10 of a per-layer metric, one panel per run.
    GradFlow,
    /// One line per layer of a per-layer metric over steps.
    GradNormOverSteps,
    /// Training loss over steps (and test loss when recorded).
    Loss,
    /// Train and test accuracy over steps.
    Accuracy,
    /// Per-layer distribution of activations (or gradients) at a step.
    ActivationHist,
    /// Mean, std, saturated and dead fraction of activations by layer.
    ActivationStats,
    /// The learned decision regions of a 2-D data set, with its points.
    DecisionBoundary,
    /// Recurrent nets: x = time steps back from the end, log y = ‖∂L/∂h_t‖.
    GradThroughTime,
    /// Recurrent nets: heat map of ‖∂L/∂h_t‖, time step × training step.
    GradThroughTimeFlow,
    /// x = rank, log y = the input–output Jacobian's singular values at init, per run.
    JacobianSpectrum,
    /// λ_max of the loss Hessian over steps, with 2/η dotted beside it, per run.
    Sharpness,
    /// Emulated half precision: the loss scale S over steps (log y), per run.
    LossScale,
}

impl PlotKind {
    pub const ALL: [PlotKind; 13] = [
        PlotKind::GradNormByLayer,
        PlotKind::GradFlow,
        PlotKind::GradNormOverSteps,
        PlotKind::Loss,
        PlotKind::Accuracy,
        PlotKind::ActivationHist,
        PlotKind::ActivationStats,
        PlotKind::DecisionBoundary,
        PlotKind::GradThroughTime,
        PlotKind::GradThroughTimeFlow,
        PlotKind::JacobianSpectrum,
        PlotKind::Sharpness,
        PlotKind::LossScale,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PlotKind::GradNormByLayer => "grad_norm_by_layer",
            PlotKind::GradFlow => "grad_flow",
            PlotKind::GradNormOverSteps => "grad_norm_over_steps",
            PlotKind::Loss => "loss",
            PlotKind::Accuracy => "accuracy",
            PlotKind::ActivationHist => "activation_hist",
            PlotKind::ActivationStats => "activation_stats",
            PlotKind::DecisionBoundary => "decision_boundary",
            PlotKind::GradThroughTime => "grad_through_time",
            PlotKind::GradThroughTimeFlow => "grad_through_time_flow",
            PlotKind::JacobianSpectrum => "jacobian_spectrum",
            PlotKind::Sharpness => "sharpness",
            PlotKind::LossScale => "loss_scale",
        }
    }

    /// Kinds that show chosen steps (the others draw every recorded step, or the end).
    pub fn takes_steps(self) -> bool {
        matches!(
            self,
            PlotKind::GradNormByLayer
                | PlotKind::ActivationHist
                | PlotKind::ActivationStats
                | PlotKind::GradThroughTime
        )
    }

    /// Kinds whose vertical axis can be linear or logarithmic (`log_y = …`).
    pub fn takes_log_y(self) -> bool {
        matches!(
            self,
            PlotKind::GradNormByLayer
                | PlotKind::GradThroughTime
                | PlotKind::GradNormOverSteps
                | PlotKind::Loss
                | PlotKind::Accuracy
                | PlotKind::Sharpness
                | PlotKind::LossScale
        )
    }

    /// Kinds that draw a per-layer metric and accept `metric = …`.
    pub fn takes_layer_metric(self) -> bool {
        matches!(
            self,
            PlotKind::GradNormByLayer | PlotKind::GradFlow | PlotKind::GradNormOverSteps
        )
    }

    /// Kinds that draw the layers of a feed-forward net (refused for recurrent models).
    pub fn draws_layers(self) -> bool {
        self.takes_layer_metric()
            || matches!(
                self,
                PlotKind::ActivationHist | PlotKind::ActivationStats | PlotKind::JacobianSpectrum
            )
    }

    /// The probes a figure of this kind drawing `metric` (its per-layer metric, for kinds
    /// that take one) needs the runs to record.
    pub fn needs(self, metric: Metric) -> FigureNeeds {
        let metric_probe = if self.takes_layer_metric() {
            metric.probe()
        } else {
            Probe::Always
        };
        FigureNeeds {
            layer_stats: self == PlotKind::ActivationStats || metric_probe == Probe::LayerStats,
            evaluate: self == PlotKind::Accuracy,
            histograms: self == PlotKind::ActivationHist,
            decision_grid: self == PlotKind::DecisionBoundary,
            jacobian: self == PlotKind::JacobianSpectrum,
            sharpness: self == PlotKind::Sharpness,
        }
    }
}

/// What one figure needs recorded beyond the always-on probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FigureNeeds {
    /// Per-layer statistics (δ, update ratio, activation statistics).
    pub layer_stats: bool,
    /// Evaluation on the whole data sets.
    pub evaluate: bool,
    /// Histograms at the figure's steps (default: the first).
    pub histograms: bool,
    /// The decision grid after training.
    pub decision_grid: bool,
    /// The input–output Jacobian's spectrum at init.
    pub jacobian: bool,
    /// The loss Hessian's top eigenvalue over steps.
    pub sharpness: bool,
}

impl fmt::Display for PlotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PlotKind {
    type Err = PlotSpecError;
    fn from_str(name: &str) -> Result<Self, PlotSpecError> {
        PlotKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| PlotSpecError::UnknownKind { name: name.into() })
    }
}

/// What is wrong with a `plot` entry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlotSpecError {
    #[error("unknown plot `{name}`, expected one of {}", kind_names())]
    UnknownKind { name: String },
    #[error("plot `{kind}` takes no `metric`")]
    TakesNoMetric { kind: PlotKind },
    #[error(
        "unknown metric `{metric}` for plot `{kind}`; expected one of {}",
        drawable_names()
    )]
    UnknownMetric { metric: String, kind: PlotKind },
    #[error("plot `{kind}` draws every recorded step and takes no `steps`")]
    TakesNoSteps { kind: PlotKind },
    #[error(
        "plot `{kind}` has a fixed vertical axis and takes no `log_y`; it is for `grad_norm_by_layer`, `grad_through_time`, `grad_norm_over_steps`, `loss`, `accuracy`, `sharpness` and `loss_scale`"
    )]
    TakesNoLogY { kind: PlotKind },
    #[error("`steps` needs at least one step")]
    NoSteps,
    #[error(
        "`theory` is a curve over layers (l, L), drawn on `grad_norm_by_layer` only, not on `{kind}`"
    )]
    TheoryNotByLayer { kind: PlotKind },
    #[error("theory `{text}`: {message} (at character {column})")]
    Theory {
        text: String,
        message: String,
        column: usize,
    },
    #[error(
        "`theory = \"mean_field\"` predicts gradients (grad_norm, grad_norm_bias, delta_norm, delta_frobenius), not `{metric}`"
    )]
    MeanFieldMetric { metric: Metric },
    #[error("`theory_label` needs a `theory`")]
    LabelWithoutTheory,
}

/// "`grad_norm_by_layer`, `grad_flow`, …", for messages.
fn kind_names() -> String {
    let names: Vec<String> = PlotKind::ALL
        .iter()
        .map(|k| format!("`{}`", k.name()))
        .collect();
    names.join(", ")
}

/// The names (and aliases) a per-layer figure's `metric` may take, for messages.
fn drawable_names() -> String {
    let drawable = (Metric::ALL.into_iter()).filter(|m| m.is_layer_norm() || m.is_layer_fraction());
    let names: Vec<&str> = drawable
        .flat_map(|m| std::iter::once(m.name()).chain(m.aliases().iter().copied()))
        .collect();
    names.join(", ")
}

/// A reference curve drawn dashed over a figure: a formula in `l` (the layer, 1 = nearest the
/// input) and `L` (the number of layers), anchored to the data at the last layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Theory {
    pub formula_text: String,
    pub formula: Expr,
    /// The legend text; the formula itself when not given.
    pub label: String,
}

/// The `theory` that asks for the engine's mean-field prediction rather than a formula.
pub const MEAN_FIELD: &str = "mean_field";

/// The variables a theory formula may use.
pub const THEORY_VARIABLES: &[&str] = &["l", "L"];

/// One figure to draw and its options.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSpec {
    pub kind: PlotKind,
    /// The per-layer metric, for kinds that take one (default `grad_norm`).
    pub metric: Metric,
    /// Steps to show (by-layer figures: default first and last; histograms: default first).
    pub steps: Option<Vec<u64>>,
    /// Logarithmic y axis; `None` lets the kind choose.
    pub log_y: Option<bool>,
    pub theory: Option<Theory>,
    /// `theory = "mean_field"`: the engine's prediction per run, instead of a formula.
    pub mean_field: Option<MeanFieldCurve>,
}

impl PlotSpec {
    pub fn new(kind: PlotKind) -> Self {
        PlotSpec {
            kind,
            metric: Metric::GradNorm,
            steps: None,
            log_y: None,
            theory: None,
            mean_field: None,
        }
    }
}

/// An entry of `plot` as written.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum PlotEntry {
    Name(String),
    Table(PlotTable),
}

impl TryFrom<toml::Value> for PlotEntry {
    type Error = toml::de::Error;
    /// Strings are names; tables are checked key by key, so a misspelt option is named.
    fn try_from(value: toml::Value) -> Result<Self, Self::Error> {
        match value {
            toml::Value::String(name) => Ok(PlotEntry::Name(name)),
            other => other.try_into().map(PlotEntry::Table),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PlotTable {
    kind: String,
    #[serde(default)]
    metric: Option<String>,
    #[serde(default)]
    steps: Option<Vec<u64>>,
    #[serde(default)]
    log_y: Option<bool>,
    #[serde(default)]
    theory: Option<String>,
    #[serde(default)]
    theory_label: Option<String>,
}

impl PlotEntry {
    /// Check and normalize an entry; `Err` says what is wrong with it.
    pub(super) fn resolve(&self) -> Result<PlotSpec, PlotSpecError> {
        let table = match self {
            PlotEntry::Name(name) => return name.parse().map(PlotSpec::new),
            PlotEntry::Table(table) => table,
        };
        let mut spec = PlotSpec::new(table.kind.parse()?);
        let kind = spec.kind;
        if let Some(metric) = &table.metric {
            if !kind.takes_layer_metric() {
                return Err(PlotSpecError::TakesNoMetric { kind });
            }
            spec.metric = Metric::from_name_or_alias(metric)
                .filter(|m| {
                    m.is_layer_norm() || (m.is_layer_fraction() && kind != PlotKind::GradFlow)
                })
                .ok_or_else(|| PlotSpecError::UnknownMetric {
                    metric: metric.clone(),
                    kind,
                })?;
        }
        if let Some(steps) = &table.steps {
            if !kind.takes_steps() {
                return Err(PlotSpecError::TakesNoSteps { kind });
            }
            if steps.is_empty() {
                return Err(PlotSpecError::NoSteps);
            }
            spec.steps = Some(steps.clone());
        }
        if table.log_y.is_some() && !kind.takes_log_y() {
            return Err(PlotSpecError::TakesNoLogY { kind });
        }
        spec.log_y = table.log_y;
        if let Some(text) = &table.theory {
            if kind != PlotKind::GradNormByLayer {
                return Err(PlotSpecError::TheoryNotByLayer { kind });
            }
            if text == MEAN_FIELD {
                if !PREDICTED_METRICS.contains(&spec.metric) {
                    return Err(PlotSpecError::MeanFieldMetric {
                        metric: spec.metric,
                    });
                }
                spec.mean_field = Some(MeanFieldCurve {
                    label: table.theory_label.clone(),
                    runs: Vec::new(),
                });
                return Ok(spec);
            }
            let formula =
                parse_formula(text, THEORY_VARIABLES).map_err(|e| PlotSpecError::Theory {
                    text: text.clone(),
                    message: e.message,
                    column: e.column,
                })?;
            let label = table.theory_label.clone().unwrap_or_else(|| text.clone());
            spec.theory = Some(Theory {
                formula_text: text.clone(),
                formula,
                label,
            });
        } else if table.theory_label.is_some() {
            return Err(PlotSpecError::LabelWithoutTheory);
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(toml_text: &str) -> Result<PlotSpec, String> {
        #[derive(Deserialize)]
        struct Holder {
            plot: PlotEntry,
        }
        toml::from_str::<Holder>(toml_text)
            .map_err(|e| e.message().to_string())?
            .plot
            .resolve()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn names_and_tables_resolve() {
        assert_eq!(
            entry("plot = \"grad_flow\"").unwrap(),
            PlotSpec::new(PlotKind::GradFlow)
        );
        let spec = entry("plot = { kind = \"grad_norm_by_layer\", metric = \"delta\", steps = [0, 9], theory = \"0.25^(L-l)\" }").unwrap();
        assert_eq!(
            (spec.metric, spec.steps),
            (Metric::DeltaNorm, Some(vec![0, 9]))
        );
        assert_eq!(spec.theory.unwrap().label, "0.25^(L-l)");
    }

    #[test]
    fn bad_options_say_what_is_wrong() {
        assert!(
            entry("plot = { kind = \"loss\", metric = \"delta\" }")
                .unwrap_err()
                .contains("takes no `metric`")
        );
        assert!(
            entry("plot = { kind = \"grad_flow\", metric = \"speed\" }")
                .unwrap_err()
                .contains("unknown metric")
        );
        assert!(
            entry("plot = { kind = \"grad_norm_by_layer\", theory = \"2^k\" }")
                .unwrap_err()
                .contains("unknown name `k`")
        );
        assert!(
            entry("plot = \"heatmap\"")
                .unwrap_err()
                .contains("unknown plot")
        );
        assert!(
            entry("plot = { kind = \"loss\", theory = \"2^l\" }")
                .unwrap_err()
                .contains("grad_norm_by_layer")
        );
        assert!(
            entry("plot = { kind = \"grad_flow\", steps = [0] }")
                .unwrap_err()
                .contains("takes no `steps`")
        );
        // A kind with a fixed vertical axis refuses log_y instead of ignoring it.
        for kind in ["activation_stats", "grad_flow", "jacobian_spectrum"] {
            let error =
                entry(&format!("plot = {{ kind = \"{kind}\", log_y = true }}")).unwrap_err();
            assert!(error.contains("takes no `log_y`"), "{error}");
        }
        assert!(entry("plot = { kind = \"loss_scale\", log_y = false }").is_ok());
        // underflow_frac is a fraction: by layer and over steps, not in the log10 heat map.
        assert!(
            entry("plot = { kind = \"grad_norm_by_layer\", metric = \"underflow_frac\" }").is_ok()
        );
        assert!(
            entry("plot = { kind = \"grad_flow\", metric = \"underflow_frac\" }")
                .unwrap_err()
                .contains("unknown metric")
        );
    }
}
