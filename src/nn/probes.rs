//! What a training run records, and the measurements behind it.
//!
//! A [`Record`] is plain data meant to become tidy rows `(run, seed, step, layer, metric,
//! value)`:
//! - `steps`: the recorded steps (0, record_every, …, and the last step), ascending;
//! - `per_layer`: `(metric, values)` with `values[k][l − 1]` the metric of layer l at `steps[k]`.
//!   Layers are numbered 1..=N over the dense layers, input to output. Metrics, all
//!   measured at that step before its update:
//!   - `grad_norm`, `grad_norm_bias`: ‖∂L/∂W‖_F, ‖∂L/∂b‖ (including L1/L2 penalties; before clipping);
//!   - `weight_norm`: ‖W‖_F; and for the network `clipped_grad_norm`, the global norm after
//!     clipping;
//!   - with `Probes::layer_stats` (the default): `delta_norm`: Σ_batch ‖∂L/∂z‖ = the batch
//!     mean of each example's own ‖∂ℓ/∂z‖ (Nielsen's δ, independent of the batch size; his
//!     "speed of learning" is the bias gradient, `grad_norm_bias`); `delta_frobenius`:
//!     ‖∂L/∂Z‖_F of the whole batch's δ matrix; `update_ratio`: ‖ΔW‖/‖W‖ of this step's update;
//!     `bias_update_norm`: ‖Δb‖ of it; `act_mean`, `act_std`
//!     of the layer's output f(u); `saturated_frac`: the fraction of outputs with
//!     |f′(u)| < 1% of f′'s maximum, counted for sigmoid and tanh layers and 0 for the rest;
//!     `dead_frac`: the fraction of units with u ≤ 0 for every example of the batch, counted
//!     for relu and leaky_relu layers and 0 for the rest. (Zeros rather than NaN keep the
//!     record comparable with `==`; the experiment layer knows each layer's activation.)
//! - `series`: whole-network series, each with its own steps: `loss` (mini-batch mean loss
//!   plus penalties, before the update), `global_grad_norm` (all parameters, before
//!   clipping), `clipped` (1 when clipping changed the gradient, else 0); and at evaluation
//!   steps (`Probes::eval_every`) `train_loss`, `train_accuracy`, `test_loss`,
//!   `test_accuracy` over the full sets (accuracy only for classes);
//! - `histograms` at the chosen steps; `decision_grid` after training, when asked;
//! - `diverged`: where the run stopped, if it did.
//!
//! Probes of a network at one point, outside the training loop: `jacobian.rs` (the
//! input–output Jacobian's singular values) and `sharpness.rs` (the loss Hessian's top
//! eigenvalue λ_max, to compare with 2/η).

use serde::{Deserialize, Serialize};

pub(crate) mod at_step;
pub(crate) mod divergence;
pub(crate) mod jacobian;
pub(crate) mod layer_stats;
pub(crate) mod metric;
pub(crate) mod moments;
pub(crate) mod sharpness;

use super::kernels::{norm_from_squares, sum_squares};
use super::layers::layer::LayerGrads;
use super::{Float, Metric};
pub use divergence::Divergence;
pub use layer_stats::{activation_stats, delta_norm};

/// What to record, beyond the always-on loss and gradient norms.
#[derive(Debug, Clone, PartialEq)]
pub struct Probes {
    /// Record every this many steps (0 or 1: every step), and always at the last step.
    pub record_every: usize,
    /// The per-layer statistics past grad/weight norms (δ, update ratio, activations).
    pub layer_stats: bool,
    /// Evaluate on the full train (and test) sets every this many steps and at the last
    /// step; 0: never.
    pub eval_every: usize,
    /// Steps at which to take histograms of every layer's activations and gradients.
    pub histogram_steps: Vec<u64>,
    /// Bins per histogram.
    pub histogram_bins: usize,
    /// Classify a grid over a 2-D input range after training.
    pub decision_grid: Option<GridSpec>,
    /// Measure the sharpness (λ_max of the mini-batch loss's Hessian, in f64) every this
    /// many steps, from step 0; 0: never. Each costs up to 2 × `SHARPNESS_PRODUCTS`
    /// forward and backward passes.
    pub sharpness_every: usize,
}

/// The most Hessian–vector products one sharpness measurement may take.
pub const SHARPNESS_PRODUCTS: usize = 100;

impl Default for Probes {
    /// Every step, layer statistics on, no evaluation, no histograms, no grid.
    fn default() -> Self {
        Probes {
            record_every: 1,
            layer_stats: true,
            eval_every: 0,
            histogram_steps: Vec::new(),
            histogram_bins: 30,
            decision_grid: None,
            sharpness_every: 0,
        }
    }
}

impl Probes {
    pub fn records_at(&self, step: usize, steps: usize) -> bool {
        step.is_multiple_of(self.record_every.max(1)) || step + 1 == steps
    }

    pub fn evaluates_at(&self, step: usize, steps: usize) -> bool {
        self.eval_every > 0 && (step.is_multiple_of(self.eval_every) || step + 1 == steps)
    }
}

/// A regular grid over a 2-D input range: `resolution` × `resolution` cell centres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GridSpec {
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub resolution: usize,
}

impl GridSpec {
    /// The cell centres, row by row from the bottom (y = y.0) up, x varying fastest.
    pub fn points(&self) -> Vec<[f64; 2]> {
        let n = self.resolution.max(1);
        let centre =
            |(low, high): (f64, f64), i: usize| low + (high - low) * (i as f64 + 0.5) / n as f64;
        (0..n)
            .flat_map(|row| (0..n).map(move |col| [centre(self.x, col), centre(self.y, row)]))
            .collect()
    }
}

/// The predicted class and its probability at every cell of `spec.points()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionGrid {
    pub spec: GridSpec,
    pub classes: Vec<usize>,
    pub confidence: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistogramOf {
    /// The layer's outputs f(u), on a linear scale.
    Activations,
    /// log₁₀ |∂L/∂W| over the layer's weights (exact zeros left out).
    Gradients,
}

/// Counts of values in `edges.len() − 1` equal bins from the smallest value to the largest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub step: u64,
    pub layer: usize,
    pub of: HistogramOf,
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

/// A whole-network series with its own steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: Metric,
    pub steps: Vec<u64>,
    pub values: Vec<f64>,
}

/// Everything a run recorded: see the module documentation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    pub steps: Vec<u64>,
    /// In the order the metrics were first recorded (the CSV's order).
    pub per_layer: Vec<(Metric, Vec<Vec<f64>>)>,
    pub series: Vec<Series>,
    pub histograms: Vec<Histogram>,
    pub decision_grid: Option<DecisionGrid>,
    pub diverged: Option<Divergence>,
}

impl Record {
    /// The per-layer metric, `[k][layer − 1]`.
    pub fn layer_metric(&self, metric: Metric) -> Option<&Vec<Vec<f64>>> {
        self.per_layer
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, v)| v)
    }

    /// The whole-network series of `metric`.
    pub fn series(&self, metric: Metric) -> Option<&Series> {
        self.series.iter().find(|s| s.name == metric)
    }

    pub(crate) fn push_layer_metric(&mut self, metric: Metric, values: Vec<f64>) {
        match self.per_layer.iter_mut().find(|(m, _)| *m == metric) {
            Some((_, rows)) => rows.push(values),
            None => self.per_layer.push((metric, vec![values])),
        }
    }

    /// Replaces the last values pushed for `metric` (one measured later in the step).
    pub(crate) fn replace_last_layer_metric(&mut self, metric: Metric, values: Vec<f64>) {
        let rows = self
            .per_layer
            .iter_mut()
            .find(|(m, _)| *m == metric)
            .map(|(_, rows)| rows);
        let last = rows.and_then(|rows| rows.last_mut());
        *last.expect("the metric was pushed at this step") = values;
    }

    pub(crate) fn push(&mut self, metric: Metric, step: u64, value: f64) {
        let index = match self.series.iter().position(|s| s.name == metric) {
            Some(index) => index,
            None => {
                self.series.push(Series {
                    name: metric,
                    steps: Vec::new(),
                    values: Vec::new(),
                });
                self.series.len() - 1
            }
        };
        self.series[index].steps.push(step);
        self.series[index].values.push(value);
    }
}

/// √(Σ v²) of finite values, scaled by the largest |v| so squaring cannot overflow (or
/// underflow) even for the enormous (or tiny) gradients of a network about to explode (or
/// vanish).
pub fn norm<T: Float>(values: impl Iterator<Item = T> + Clone) -> f64 {
    divergence::frobenius_norm(values.map(|v| Float::to_f64(v)))
}

/// √(Σ v²) in one pass (eight vectorizable lanes), falling back to the scaled [`norm`]
/// only when the plain sum of squares overflows or underflows (as safe, and faster).
pub fn fast_norm_slice<T: Float>(values: &[T]) -> f64 {
    norm_from_squares(sum_squares(values), values)
}

/// The first non-finite gradient, as "gradient of layer 3 is NaN" (NaN wins over inf).
pub fn non_finite_gradient<T: Float>(grads: &[LayerGrads<T>]) -> Option<String> {
    for (index, grad) in grads.iter().enumerate() {
        let values = grad.values();
        let (mut nan, mut inf) = (false, false);
        for v in values {
            nan |= v.is_nan();
            inf |= v.is_infinite();
        }
        if nan || inf {
            return Some(format!(
                "gradient of layer {} is {}",
                index + 1,
                if nan { "NaN" } else { "inf" }
            ));
        }
    }
    None
}

/// A histogram of the finite `values` in `bins` equal bins over their range.
pub fn histogram(
    step: u64,
    layer: usize,
    of: HistogramOf,
    values: &[f64],
    bins: usize,
) -> Histogram {
    let bins = bins.max(1);
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (low, high) = finite
        .clone()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    let (low, high) = if low > high {
        (0.0, 1.0)
    } else if low == high {
        (low - 0.5, high + 0.5)
    } else {
        (low, high)
    };
    let width = (high - low) / bins as f64;
    let edges = (0..=bins).map(|i| low + width * i as f64).collect();
    let mut counts = vec![0u64; bins];
    for v in finite {
        counts[(((v - low) / width) as usize).min(bins - 1)] += 1;
    }
    Histogram {
        step,
        layer,
        of,
        edges,
        counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_count_every_value_once() {
        let values = [0.0, 0.1, 0.5, 0.99, 1.0, f64::NAN];
        let h = histogram(3, 2, HistogramOf::Activations, &values, 2);
        assert_eq!(h.edges, vec![0.0, 0.5, 1.0]);
        assert_eq!(h.counts, vec![2, 3]);
        let flat = histogram(0, 1, HistogramOf::Gradients, &[2.0, 2.0], 4);
        assert_eq!(flat.counts.iter().sum::<u64>(), 2);
    }

    #[test]
    fn grid_points_are_cell_centres() {
        let spec = GridSpec {
            x: (0.0, 2.0),
            y: (-1.0, 1.0),
            resolution: 2,
        };
        assert_eq!(
            spec.points(),
            vec![[0.5, -0.5], [1.5, -0.5], [0.5, 0.5], [1.5, 0.5]]
        );
    }

    #[test]
    fn records_find_their_series() {
        let mut record = Record::default();
        record.push(Metric::Loss, 0, 1.5);
        record.push(Metric::Loss, 2, 1.0);
        record.push_layer_metric(Metric::GradNorm, vec![1.0, 2.0]);
        assert_eq!(record.series(Metric::Loss).unwrap().steps, vec![0, 2]);
        assert_eq!(
            record.layer_metric(Metric::GradNorm).unwrap(),
            &vec![vec![1.0, 2.0]]
        );
        assert!(record.series(Metric::TestAccuracy).is_none());
    }
}
