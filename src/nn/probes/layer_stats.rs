//! The per-layer statistics a recorded step takes past the norms: Σ_batch ‖δ‖ and the
//! activations' mean, std, saturated and dead fractions.
//!
//! They are taken piece by piece ([`piece_len`]: whole rows, about `CHUNK` elements) and
//! the pieces' results combined in order, so the bits depend on the shapes only. On a
//! recorded step the forward and backward passes measure each piece right after writing
//! it, while it is still in cache ([`LayerCache::measure`]): measured after the step
//! instead, the same numbers cost twice as long, the buffers having been evicted
//! (medium benchmark). The loops run on wide vectors where the CPU has them
//! ([`with_wide_vectors`], [`piece_moments`], `Activation::count_saturated`) with the bits
//! of the portable loops.

use crate::nn::Float;
use crate::nn::kernels::{
    CHUNK, add_squares, combine_lanes, map_pieces, norm_from_squares, with_wide_vectors,
};
use crate::nn::layers::activation::Activation;
use crate::nn::layers::layer::{Layer, LayerCache};
use crate::nn::probes::moments::{Moments, piece_moments};

/// Elements in one piece of a (batch × `width`) buffer: as many whole rows as fit in
/// [`CHUNK`], at least one.
pub fn piece_len(width: usize) -> usize {
    let width = width.max(1);
    (CHUNK / width).max(1) * width
}

/// The saturation probe's rule: an output is saturated where |f′| is below 1% of its
/// largest value (see `Activation::count_saturated`).
const SATURATED_BELOW: f64 = 0.01;

/// What is measured of a layer's outputs: the outputs' [`Moments`], how many saturate
/// (for activations that do), and for activations whose units can die, per unit whether
/// any example's pre-activation is > 0 (or NaN).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutputSums {
    pub moments: Moments,
    pub saturated: usize,
    pub alive: Vec<u32>,
}

impl OutputSums {
    /// The sums of one piece of whole rows: pre-activations `pre`, outputs `out`.
    pub fn of_piece<T: Float>(activation: Activation, pre: &[T], out: &[T], units: usize) -> Self {
        let alive = if activation.can_die() {
            alive_units(pre, units)
        } else {
            Vec::new()
        };
        OutputSums {
            moments: piece_moments(out),
            saturated: activation.count_saturated(out, SATURATED_BELOW),
            alive,
        }
    }

    /// The pieces' sums added in order.
    pub fn combined(pieces: impl IntoIterator<Item = OutputSums>) -> Self {
        let mut pieces = pieces.into_iter();
        let mut total = pieces.next().unwrap_or_default();
        for piece in pieces {
            total.moments = total.moments.plus(piece.moments);
            total.saturated += piece.saturated;
            for (alive, piece) in total.alive.iter_mut().zip(piece.alive) {
                *alive |= piece;
            }
        }
        total
    }

    /// The sums of a whole (batch × units) layer, pieces in parallel on the pool.
    pub fn of_layer<T: Float>(activation: Activation, pre: &[T], out: &[T], units: usize) -> Self {
        let pieces = map_pieces(out.len(), piece_len(units), |rows| {
            OutputSums::of_piece(activation, &pre[rows.clone()], &out[rows], units)
        });
        OutputSums::combined(pieces)
    }

    /// (mean, std, saturated fraction, dead fraction) from the sums of `count` outputs.
    ///
    /// The variance is Σv²/n − mean², both in f64: its rounding error (~1e-16·mean²)
    /// matters only for outputs constant to 8 digits, and it is clamped at 0.
    pub fn stats(&self, count: usize) -> [f64; 4] {
        let n = count.max(1) as f64;
        let mean = self.moments.sum / n;
        let variance = (self.moments.squares / n - mean * mean).max(0.0);
        let saturated = self.saturated as f64 / n;
        let dead = if self.alive.is_empty() {
            0.0
        } else {
            self.alive.iter().filter(|&&a| a == 0).count() as f64 / self.alive.len() as f64
        };
        [mean, variance.sqrt(), saturated, dead]
    }
}

/// alive[j] = some row has z > 0 (or NaN) in unit j, i.e. not all z ≤ 0; as u32 flags and
/// one comparison (`!(z ≤ 0)` is also true for NaN), which vectorize.
fn alive_units<T: Float>(pre: &[T], units: usize) -> Vec<u32> {
    let mut alive = vec![0u32; units];
    with_wide_vectors(
        #[inline(always)]
        || {
            // The negation is the point: NaN counts as alive.
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            for row in pre.chunks_exact(units.max(1)) {
                for (alive, &z) in alive.iter_mut().zip(row) {
                    *alive |= u32::from(!(z <= T::zero()));
                }
            }
        },
    );
    alive
}

/// Σ ‖δ_b‖ over the rows of one piece of whole rows of width `width`.
///
/// Rows are short (a layer's width): their sums of squares (as `kernels::sum_squares`
/// adds them) go to a buffer first and the square roots are taken after, so that rows do
/// not wait on each other's roots.
pub fn delta_piece_norm<T: Float>(delta: &[T], width: usize) -> f64 {
    let width = width.max(1);
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

/// Σ_batch ‖δ_b‖ of a whole (batch × width) δ: pieces in parallel on the pool, their sums
/// added in order.
pub fn delta_layer_norm<T: Float>(delta: &[T], width: usize) -> f64 {
    let pieces = map_pieces(delta.len(), piece_len(width), |rows| {
        delta_piece_norm(&delta[rows], width)
    });
    pieces.iter().sum()
}

/// Per layer: Σ_batch ‖δ_b‖ (δ = ∂L/∂z), as the backward pass measured it, or measured now.
pub fn delta_norm<T: Float>(cache: &LayerCache<T>) -> f64 {
    cache.delta_norm.unwrap_or_else(|| {
        let delta = cache
            .delta
            .as_slice()
            .expect("the engine's arrays are contiguous");
        delta_layer_norm(delta, cache.delta.ncols())
    })
}

/// (mean, std, saturated fraction, dead fraction) of a layer's output on this batch, as
/// the forward pass measured them, or measured now (see [`OutputSums::stats`]).
/// Saturation is counted from the outputs alone (tanh′ = 1 − a², σ′ = a(1 − a)); deadness
/// from the pre-activations.
pub fn activation_stats<T: Float>(layer: &Layer<T>, cache: &LayerCache<T>) -> [f64; 4] {
    let count = cache.out.len();
    if let Some(sums) = &cache.output_sums {
        return sums.stats(count);
    }
    let pre = layer.pre_activation(cache);
    OutputSums::of_layer(
        layer.activation,
        pre.as_slice().expect("the engine's arrays are contiguous"),
        cache
            .out
            .as_slice()
            .expect("the engine's arrays are contiguous"),
        cache.out.ncols(),
    )
    .stats(count)
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;
    use crate::nn::{
        BlockConfig, Init, InitConfig, LayerConfig, Mode, Network, NetworkConfig, Norm,
        softmax_cross_entropy,
    };

    /// One forward and backward pass of a net with a ReLU layer, a tanh layer and a
    /// batch-normalized sigmoid layer, each (300 × 128) buffer two pieces, on `threads`:
    /// for every layer the statistics as measured by the passes, and as measured after.
    fn measured_and_after(threads: usize) -> Vec<([f64; 4], f64, [f64; 4], f64)> {
        let layer = |activation, norm| {
            BlockConfig::Plain(LayerConfig {
                units: 128,
                activation,
                norm,
            })
        };
        let config = NetworkConfig {
            input_dim: 16,
            blocks: vec![
                layer(Activation::Relu, Norm::None),
                layer(Activation::Tanh, Norm::None),
                layer(Activation::Sigmoid, Norm::BATCH),
                layer(Activation::Linear, Norm::None),
            ],
            init: InitConfig::new(Init::XavierNormal),
            final_norm: Norm::None,
            init_overrides: Default::default(),
        };
        let net = Network::<f32>::new(&config, 3);
        let inputs = Array2::from_shape_fn((300, 16), |(i, j)| ((i * 16 + j) as f32 * 0.37).sin());
        let labels: Vec<usize> = (0..300).map(|i| i % 128).collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut work = net.workspace(300);
            let mut grads = net.zero_grads();
            for cache in &mut work.layers {
                cache.measure = true;
            }
            net.forward(inputs.view(), Mode::Train, &mut work);
            let (_, output_grad) = softmax_cross_entropy(net.output(&work), &labels);
            net.backward(inputs.view(), output_grad.view(), &mut work, &mut grads);
            net.layers()
                .iter()
                .zip(&mut work.layers)
                .map(|(layer, cache)| {
                    let measured = (activation_stats(layer, cache), delta_norm(cache));
                    (cache.output_sums, cache.delta_norm) = (None, None);
                    let after = (activation_stats(layer, cache), delta_norm(cache));
                    (measured.0, measured.1, after.0, after.1)
                })
                .collect()
        })
    }

    /// The statistics the passes measure are those measured after the step, bit for bit,
    /// on one thread or two; and they are the textbook ones (two-pass variance, Σ of
    /// row norms, counts) to rounding.
    #[test]
    fn passes_measure_what_the_step_left() {
        let one = measured_and_after(1);
        let two = measured_and_after(2);
        for (l, (&(stats, delta, stats_after, delta_after), other)) in
            one.iter().zip(&two).enumerate()
        {
            let bits = |s: [f64; 4], d: f64| (s.map(f64::to_bits), d.to_bits());
            assert_eq!(
                bits(stats, delta),
                bits(stats_after, delta_after),
                "layer {l}"
            );
            assert_eq!(
                bits(stats, delta),
                bits(other.0, other.1),
                "layer {l}, 2 threads"
            );
            assert!(
                stats[1] > 0.0 && delta > 0.0,
                "layer {l}: {stats:?} {delta}"
            );
        }
        // Textbook values on the ReLU layer, recomputed from a plain pass.
        let config = NetworkConfig::mlp(
            16,
            &[128],
            128,
            Activation::Relu,
            InitConfig::new(Init::XavierNormal),
        );
        let net = Network::<f32>::new(&config, 3);
        let inputs = Array2::from_shape_fn((300, 16), |(i, j)| ((i * 16 + j) as f32 * 0.37).sin());
        let mut work = net.workspace(300);
        work.layers[0].measure = true;
        net.forward(inputs.view(), Mode::Train, &mut work);
        let out: Vec<f64> = work.layers[0].out.iter().map(|&v| f64::from(v)).collect();
        let mean = out.iter().sum::<f64>() / out.len() as f64;
        let std = (out.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / out.len() as f64).sqrt();
        let z = &work.layers[0].z;
        let dead = z
            .columns()
            .into_iter()
            .filter(|c| c.iter().all(|&v| v <= 0.0))
            .count();
        let [m, s, saturated, d] = activation_stats(&net.layers()[0], &work.layers[0]);
        assert!(
            (m / mean - 1.0).abs() < 1e-12 && (s / std - 1.0).abs() < 1e-9,
            "{m} {s}"
        );
        assert_eq!((saturated, d), (0.0, dead as f64 / 128.0));
    }
}
