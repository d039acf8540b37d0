//! What a training run records, and the measurements behind it.
//!
//! A [`Record`] is plain data meant to become tidy rows `(run, seed, step, layer, metric,
//! value)`:
//! - `steps`: the recorded steps (0, record_every, …, and the last step), ascending;
//! - `per_layer`: `(metric, values)` with `values[k][l − 1]` the metric of layer l at `steps[k]`.
//!   Layers are numbered 1..=N over the dense layers, input to output. Metrics, all
//!   measured at that step before its update:
//!   - `grad_norm`, `grad_norm_bias`: ‖∂L/∂W‖_F, ‖∂L/∂b‖ (including L1/L2 penalties; before clipping);
//!   - `weight_norm`: ‖W‖_F;
//!   - with `Probes::layer_stats` (the default): `delta_norm`: Σ_batch ‖∂L/∂z‖ = the batch
//!     mean of each example's own ‖∂ℓ/∂z‖ (Nielsen's "speed of learning", independent of
//!     the batch size); `update_ratio`: ‖ΔW‖/‖W‖ of this step's update; `act_mean`, `act_std`
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

use super::Float;
use super::activation::Activation;
use super::kernels::{
    CHUNK, add_squares, combine_lanes, norm_from_squares, sum_map, sum_squares, with_wide_vectors,
};
use super::layer::{Layer, LayerCache, LayerGrads};
pub use super::record::Divergence;

/// Every per-layer metric name, in the order they appear in `Record::per_layer`.
pub const LAYER_METRICS: [&str; 9] = [
    "grad_norm",
    "grad_norm_bias",
    "weight_norm",
    "delta_norm",
    "update_ratio",
    "act_mean",
    "act_std",
    "saturated_frac",
    "dead_frac",
];

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
}

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
        }
    }
}

impl Probes {
    pub fn records_at(&self, step: usize, steps: usize) -> bool {
        step % self.record_every.max(1) == 0 || step + 1 == steps
    }

    pub fn evaluates_at(&self, step: usize, steps: usize) -> bool {
        self.eval_every > 0 && (step % self.eval_every == 0 || step + 1 == steps)
    }
}

/// A regular grid over a 2-D input range: `resolution` × `resolution` cell centres.
#[derive(Debug, Clone, Copy, PartialEq)]
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
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionGrid {
    pub spec: GridSpec,
    pub classes: Vec<usize>,
    pub confidence: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistogramOf {
    /// The layer's outputs f(u), on a linear scale.
    Activations,
    /// log₁₀ |∂L/∂W| over the layer's weights (exact zeros left out).
    Gradients,
}

/// Counts of values in `edges.len() − 1` equal bins from the smallest value to the largest.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub step: u64,
    pub layer: usize,
    pub of: HistogramOf,
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

/// A whole-network series with its own steps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub name: &'static str,
    pub steps: Vec<u64>,
    pub values: Vec<f64>,
}

/// Everything a run recorded: see the module documentation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    pub steps: Vec<u64>,
    pub per_layer: Vec<(&'static str, Vec<Vec<f64>>)>,
    pub series: Vec<Series>,
    pub histograms: Vec<Histogram>,
    pub decision_grid: Option<DecisionGrid>,
    pub diverged: Option<Divergence>,
}

impl Record {
    /// The per-layer metric `name`, `[k][layer − 1]`.
    pub fn layer_metric(&self, name: &str) -> Option<&Vec<Vec<f64>>> {
        self.per_layer
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// The whole-network series `name`.
    pub fn series(&self, name: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.name == name)
    }

    pub(crate) fn push_layer_metric(&mut self, name: &'static str, values: Vec<f64>) {
        match self.per_layer.iter_mut().find(|(n, _)| *n == name) {
            Some((_, rows)) => rows.push(values),
            None => self.per_layer.push((name, vec![values])),
        }
    }

    /// Replaces the last values pushed for `name` (a metric measured later in the step).
    pub(crate) fn replace_last_layer_metric(&mut self, name: &'static str, values: Vec<f64>) {
        let rows = self
            .per_layer
            .iter_mut()
            .find(|(n, _)| *n == name)
            .map(|(_, rows)| rows);
        let last = rows.and_then(|rows| rows.last_mut());
        *last.expect("the metric was pushed at this step") = values;
    }

    pub(crate) fn push(&mut self, name: &'static str, step: u64, value: f64) {
        let index = match self.series.iter().position(|s| s.name == name) {
            Some(index) => index,
            None => {
                self.series.push(Series {
                    name,
                    ..Series::default()
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
    super::record::frobenius_norm(values.map(|v| Float::to_f64(v)))
}

/// √(Σ v²) in one pass (eight vectorizable lanes), falling back to the scaled [`norm`]
/// only when the plain sum of squares overflows or underflows (as safe, and faster).
#[inline(always)]
pub fn fast_norm_slice<T: Float>(values: &[T]) -> f64 {
    norm_from_squares(sum_squares(values), values)
}

/// Per layer: Σ_batch ‖δ_b‖ (δ = ∂L/∂z).
///
/// Rows are short (a layer's width): their sums of squares (as [`sum_squares`] adds them)
/// go to a buffer first and the square roots are taken after, so that rows do not wait on
/// each other's roots.
#[inline(always)]
pub fn delta_norm<T: Float>(cache: &LayerCache<T>) -> f64 {
    let width = cache.delta.ncols().max(1);
    let delta = cache
        .delta
        .as_slice()
        .expect("the engine's arrays are contiguous");
    // Plain loops rather than iterator adapters, so that all of it is inlined into the
    // caller (compiled for wide vectors, see `kernels::with_wide_vectors`).
    let mut squares = Vec::with_capacity(delta.len() / width);
    with_wide_vectors(
        #[inline(always)]
        || {
            for row in delta.chunks_exact(width) {
                let mut lanes = [0.0f64; 8];
                add_squares(&mut lanes, row);
                squares.push(combine_lanes(lanes));
            }
        },
    );
    let mut total = 0.0;
    for (&s, row) in squares.iter().zip(delta.chunks_exact(width)) {
        total += norm_from_squares(s, row);
    }
    total
}

/// (mean, std, saturated fraction, dead fraction) of a layer's output on this batch.
///
/// Mean, then variance about it (not the cancellation-prone Σv²/n − mean²) together with
/// saturation, counted from the outputs alone (tanh′ = 1 − a², σ′ = a(1 − a)); deadness
/// from the pre-activations, row by row. The loops are specialized per activation.
#[inline(always)]
pub fn activation_stats<T: Float>(layer: &Layer<T>, cache: &LayerCache<T>) -> [f64; 4] {
    let out = cache
        .out
        .as_slice()
        .expect("the engine's arrays are contiguous");
    let count = out.len().max(1) as f64;
    let mean = sum_map(out, |v| v) / count;
    // The second pass takes the squared deviations and, for saturating activations, the
    // count of |f′| below 1% of its maximum, specialized per activation.
    let one = T::one();
    let threshold = T::at_least(0.01 * layer.activation.saturating_max_derivative().unwrap_or(0.0));
    let (squares, hits) = match layer.activation {
        Activation::Tanh => deviations_and_count(out, mean, |a| (one - a * a).abs() < threshold),
        Activation::Sigmoid => {
            deviations_and_count(out, mean, |a| (a * (one - a)).abs() < threshold)
        }
        _ => (sum_map(out, |v| (v - mean) * (v - mean)), 0),
    };
    let variance = squares / count;
    let saturated = hits as f64 / count;
    let dead = if layer.activation.can_die() {
        let u = layer.pre_activation(cache);
        let units = u.ncols().max(1);
        let values = u.as_slice().expect("the engine's arrays are contiguous");
        // alive[j] = some example has z > 0 (or NaN) in unit j, i.e. not all z ≤ 0; as u32
        // flags and one comparison (`!(z ≤ 0)` is also true for NaN), which vectorize.
        let mut alive = vec![0u32; units];
        with_wide_vectors(
            #[inline(always)]
            || {
                // The negation is the point: NaN counts as alive.
                #[allow(clippy::neg_cmp_op_on_partial_ord)]
                for row in values.chunks_exact(units) {
                    for (alive, &z) in alive.iter_mut().zip(row) {
                        *alive |= u32::from(!(z <= T::zero()));
                    }
                }
            },
        );
        alive.iter().filter(|&&a| a == 0).count() as f64 / units as f64
    } else {
        0.0
    };
    [mean, variance.sqrt(), saturated, dead]
}

/// Σ (v − mean)² exactly as [`sum_map`] adds it, and how many `values` satisfy `test`: in
/// one pass for arrays of one piece, else in two.
#[inline(always)]
fn deviations_and_count<T: Float>(
    values: &[T],
    mean: f64,
    test: impl Fn(T) -> bool,
) -> (f64, usize) {
    if values.len() > CHUNK {
        return deviations_and_count_in_pieces(values, mean, test);
    }
    with_wide_vectors(
        #[inline(always)]
        || deviations_and_count_here(values, mean, test),
    )
}

#[inline(always)]
fn deviations_and_count_here<T: Float>(
    values: &[T],
    mean: f64,
    test: impl Fn(T) -> bool,
) -> (f64, usize) {
    let mut lanes = [0.0f64; 8];
    let mut hits = [0u32; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        // Whole arrays of eight, which the compiler turns into full-width vectors.
        let chunk: [T; 8] = chunk.try_into().expect("chunks of 8");
        for i in 0..8 {
            hits[i] += u32::from(test(chunk[i]));
        }
        let wide = chunk.map(|v| v.to_f64());
        for i in 0..8 {
            let d = wide[i] - mean;
            lanes[i] += d * d;
        }
    }
    for ((lane, hit), &v) in lanes.iter_mut().zip(&mut hits).zip(rest) {
        let d = v.to_f64() - mean;
        *lane += d * d;
        *hit += u32::from(test(v));
    }
    (combine_lanes(lanes), hits.iter().map(|&h| h as usize).sum())
}

// Not inlined, for the reason given at `kernels::sum_pieces`.
#[inline(never)]
fn deviations_and_count_in_pieces<T: Float>(
    values: &[T],
    mean: f64,
    test: impl Fn(T) -> bool,
) -> (f64, usize) {
    let squares = sum_map(values, |v| (v - mean) * (v - mean));
    (squares, values.iter().map(|&v| usize::from(test(v))).sum())
}

/// The first non-finite gradient, as "gradient of layer 3 is NaN" (NaN wins over inf).
pub fn non_finite_gradient<T: Float>(grads: &[LayerGrads<T>]) -> Option<String> {
    for (index, grad) in grads.iter().enumerate() {
        let values = grad
            .weights
            .iter()
            .chain(&grad.biases)
            .chain(&grad.gamma)
            .chain(&grad.beta);
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

    /// The squared deviations and the count, on wide vectors where the CPU has them, are
    /// what the portable loop gives (lane i mod 8, the fixed tree of `combine_lanes`).
    #[test]
    fn deviations_and_counts_have_the_portable_bits() {
        for len in [0usize, 5, 64, 2048, 2053, CHUNK + 9] {
            let values: Vec<f32> = (0..len).map(|i| ((i as f32) * 0.61).sin()).collect();
            let threshold = f32::at_least(0.01);
            let test = |a: f32| (1.0 - a * a).abs() < threshold;
            let mean = 0.03;
            let mut lanes = [0.0f64; 8];
            let mut total = 0.0;
            for piece in values.chunks(CHUNK) {
                lanes.fill(0.0);
                for (i, &v) in piece.iter().enumerate() {
                    let d = f64::from(v) - mean;
                    lanes[i % 8] += d * d;
                }
                total += combine_lanes(lanes);
            }
            let count = values.iter().filter(|&&v| test(v)).count();
            let (squares, hits) = deviations_and_count(&values, mean, test);
            assert_eq!((squares.to_bits(), hits), (total.to_bits(), count), "{len}");
        }
    }

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
        record.push("loss", 0, 1.5);
        record.push("loss", 2, 1.0);
        record.push_layer_metric("grad_norm", vec![1.0, 2.0]);
        assert_eq!(record.series("loss").unwrap().steps, vec![0, 2]);
        assert_eq!(
            record.layer_metric("grad_norm").unwrap(),
            &vec![vec![1.0, 2.0]]
        );
        assert!(record.series("test_accuracy").is_none());
    }
}
