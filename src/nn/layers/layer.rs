//! One layer of the general network: dense, optional normalization, activation.
//!
//!   z = a W + b          (dense; a is the layer's input, batch along rows)
//!   u = norm(z)          (batch or layer norm; u = z without one)
//!   out = f(u)           (the activation)
//!
//! The forward pass writes z, u and out into a reusable [`LayerCache`]; the backward pass
//! turns ∂L/∂out into δ = ∂L/∂z (kept in the cache: the probes read it), the parameter
//! gradients, and ∂L/∂a for the layer below.

use ndarray::{Array1, Array2, ArrayView2, Axis};
use rayon::prelude::*;

use crate::nn::Float;
use crate::nn::kernels::{CHUNK, matmul, on_a_pool_thread};
use crate::nn::layers::activation::Activation;
use crate::nn::layers::dense::Dense;
use crate::nn::layers::init::InitConfig;
use crate::nn::layers::norm::{Mode, Norm, NormCache, NormLayer};
use crate::nn::precision::{HalfFormat, round_if};
use crate::nn::probes::layer_stats::{OutputSums, delta_layer_norm, delta_piece_norm, piece_len};
use crate::nn::rng::RandomStream;

pub use crate::nn::layers::params::{ParamKind, for_each_param};

/// What one layer is: its width, normalization and activation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerConfig {
    pub units: usize,
    pub activation: Activation,
    pub norm: Norm,
}

/// A layer's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer<T> {
    pub dense: Dense<T>,
    pub norm: Option<NormLayer<T>>,
    pub activation: Activation,
    /// The parameters of the block this layer opens, which the network (not the layer)
    /// applies: a residual block's own norm (pre or post placement) or a plain block's
    /// norm of its input (the final norm), and a residual block's learned α. Kept here so
    /// that they have a place in the one parameter order.
    pub block_norm: Option<NormLayer<T>>,
    pub alpha: Option<T>,
}

/// The gradients of one layer's parameters, shaped like them. `gamma`/`beta` are empty
/// arrays for a layer without normalization; `block_gamma`/`block_beta` without a block
/// norm, `alpha` (one number) without a learned α.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerGrads<T> {
    pub weights: Array2<T>,
    pub biases: Array1<T>,
    pub gamma: Array1<T>,
    pub beta: Array1<T>,
    pub block_gamma: Array1<T>,
    pub block_beta: Array1<T>,
    pub alpha: Array1<T>,
}

impl<T> LayerGrads<T> {
    /// Every gradient component, in the parameter order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.weights.iter().chain(self.non_weights())
    }

    /// Every component but the weights'.
    pub fn non_weights(&self) -> impl Iterator<Item = &T> {
        self.non_weight_arrays().into_iter().flatten()
    }

    /// The arrays other than the weights, in the parameter order (empty ones included).
    pub fn non_weight_arrays(&self) -> [&Array1<T>; 6] {
        [
            &self.biases,
            &self.gamma,
            &self.beta,
            &self.block_gamma,
            &self.block_beta,
            &self.alpha,
        ]
    }

    /// Every gradient array as a slice, in the parameter order (empty ones included).
    pub fn slices_mut(&mut self) -> [&mut [T]; 7] {
        fn slice<T>(array: &mut Array1<T>) -> &mut [T] {
            array.as_slice_mut().expect("gradients are contiguous")
        }
        [
            self.weights
                .as_slice_mut()
                .expect("gradients are contiguous"),
            slice(&mut self.biases),
            slice(&mut self.gamma),
            slice(&mut self.beta),
            slice(&mut self.block_gamma),
            slice(&mut self.block_beta),
            slice(&mut self.alpha),
        ]
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        (self.weights.iter_mut())
            .chain(&mut self.biases)
            .chain(&mut self.gamma)
            .chain(&mut self.beta)
            .chain(&mut self.block_gamma)
            .chain(&mut self.block_beta)
            .chain(&mut self.alpha)
    }
}

/// Buffers for one layer and one batch size, reused step after step.
#[derive(Debug, Clone)]
pub struct LayerCache<T> {
    pub z: Array2<T>,
    /// u: the normalized z (unused without a norm: then u is z).
    pub u: Array2<T>,
    pub norm: Option<NormCache<T>>,
    pub out: Array2<T>,
    /// δ = ∂L/∂z, filled by the backward pass.
    pub delta: Array2<T>,
    /// ∂L/∂u, scratch for the backward pass through a norm.
    pub delta_u: Array2<T>,
    /// ∂L/∂a, what flows to the layer below.
    pub input_grad: Array2<T>,
    /// Whether the passes measure what they write, for a recorded step's statistics:
    /// the forward pass then fills `output_sums`, the backward pass `delta_norm`
    /// (each pass clears its own otherwise, so that nothing stale is read).
    pub measure: bool,
    pub output_sums: Option<OutputSums>,
    /// Σ_batch ‖δ_b‖.
    pub delta_norm: Option<f64>,
    /// An emulated half format: the layer's output, δ and ∂L/∂a are rounded to it as
    /// soon as they are written (`None`: full precision).
    pub rounding: Option<HalfFormat>,
}

impl<T: Float> Layer<T> {
    /// Weights then biases drawn from `rng` per `init`.
    pub fn new(
        fan_in: usize,
        config: &LayerConfig,
        init: &InitConfig,
        rng: &mut RandomStream,
    ) -> Self {
        let weights = init
            .weights
            .weights_with_gain(fan_in, config.units, init.gain, rng);
        let biases = init.biases.biases(config.units, rng);
        Layer {
            dense: Dense { weights, biases },
            norm: (config.norm != Norm::None).then(|| NormLayer::new(config.norm, config.units)),
            activation: config.activation,
            block_norm: None,
            alpha: None,
        }
    }

    pub fn fan_in(&self) -> usize {
        self.dense.fan_in()
    }

    pub fn units(&self) -> usize {
        self.dense.fan_out()
    }

    /// Zeroed buffers for a batch of `batch` examples.
    pub fn cache(&self, batch: usize) -> LayerCache<T> {
        let shape = (batch, self.units());
        LayerCache {
            z: Array2::zeros(shape),
            u: if self.norm.is_some() {
                Array2::zeros(shape)
            } else {
                Array2::zeros((0, 0))
            },
            norm: self
                .norm
                .as_ref()
                .map(|_| NormCache::new(batch, self.units())),
            out: Array2::zeros(shape),
            delta: Array2::zeros(shape),
            delta_u: if self.norm.is_some() {
                Array2::zeros(shape)
            } else {
                Array2::zeros((0, 0))
            },
            input_grad: Array2::zeros((batch, self.fan_in())),
            measure: false,
            output_sums: None,
            delta_norm: None,
            rounding: None,
        }
    }

    /// Zeroed gradients shaped like the parameters.
    pub fn zero_grads(&self) -> LayerGrads<T> {
        let norm_units = self.norm.as_ref().map_or(0, |_| self.units());
        let block_units = self.block_norm.as_ref().map_or(0, |n| n.gamma.len());
        LayerGrads {
            weights: Array2::zeros(self.dense.weights.dim()),
            biases: Array1::zeros(self.units()),
            gamma: Array1::zeros(norm_units),
            beta: Array1::zeros(norm_units),
            block_gamma: Array1::zeros(block_units),
            block_beta: Array1::zeros(block_units),
            alpha: Array1::zeros(usize::from(self.alpha.is_some())),
        }
    }

    /// z = a W + b, u = norm(z), out = f(u), into `cache`; with `cache.measure`, the
    /// outputs' sums too ([`OutputSums`]), each piece measured as soon as it is written.
    pub fn forward(&self, input: ArrayView2<T>, mode: Mode, cache: &mut LayerCache<T>) {
        matmul(input, self.dense.weights.view(), cache.z.view_mut()); // z = a W
        cache.output_sums = match (&self.norm, &mut cache.norm) {
            (Some(norm), Some(norm_cache)) => {
                add_to_rows(&mut cache.z, &self.dense.biases); // z += b
                norm.forward(cache.z.view(), mode, norm_cache, &mut cache.u); // u = norm(z)
                let (u, out) = (contiguous(&cache.u), contiguous_mut(&mut cache.out));
                self.activation.apply_slice(u, out); // out = f(u)
                let sums = || OutputSums::of_layer(self.activation, u, out, self.units());
                cache.measure.then(sums)
            }
            // out = f(z + b), bias and activation in one pass
            _ => self.add_bias_and_activate(cache),
        };
        round_if(cache.rounding, contiguous_mut(&mut cache.out));
    }

    /// out = f(z + b) and z ← z + b, in pieces of whole rows (on the pool's threads for a
    /// long batch); with `cache.measure`, each piece's [`OutputSums`] while it is in cache.
    fn add_bias_and_activate(&self, cache: &mut LayerCache<T>) -> Option<OutputSums> {
        let (activation, units, measure) = (self.activation, self.units(), cache.measure);
        let biases = contiguous(&self.dense.biases);
        let (z, out) = (contiguous_mut(&mut cache.z), contiguous_mut(&mut cache.out));
        let piece = piece_len(units);
        let pieces: Vec<_> = z.chunks_mut(piece).zip(out.chunks_mut(piece)).collect();
        let sums = in_pieces(pieces, |(z, out)| {
            activation.add_bias_and_apply(biases, z, out);
            measure.then(|| OutputSums::of_piece(activation, z, out, units))
        });
        measure.then(|| OutputSums::combined(sums))
    }

    /// The pre-activation u that f was applied to (z itself without a norm).
    pub fn pre_activation<'a>(&self, cache: &'a LayerCache<T>) -> &'a Array2<T> {
        if self.norm.is_some() {
            &cache.u
        } else {
            &cache.z
        }
    }

    /// Backpropagation through the layer, given ∂L/∂out and the input `a` it saw:
    /// δ_u = ∂L/∂out ⊙ f′(u); δ = ∂L/∂z through the norm; ∂L/∂W = aᵀ δ, ∂L/∂b = Σ_batch δ;
    /// and, if `input_grad` is asked for, ∂L/∂a = δ Wᵀ into `cache.input_grad`. With
    /// `cache.measure`, Σ_batch ‖δ_b‖ too, measured as δ is written.
    pub fn backward(
        &self,
        input: ArrayView2<T>,
        out_grad: ArrayView2<T>,
        cache: &mut LayerCache<T>,
        grads: &mut LayerGrads<T>,
        input_grad: bool,
    ) {
        let out_grad = out_grad.as_standard_layout();
        let g = out_grad.as_slice().expect("standard layout");
        cache.delta_norm = match (&self.norm, &cache.norm) {
            (Some(norm), Some(norm_cache)) => {
                let (u, out) = (contiguous(&cache.u), contiguous(&cache.out));
                let delta_u = contiguous_mut(&mut cache.delta_u);
                self.activation.backward_slice(g, u, out, delta_u); // δ_u = g ⊙ f′(u)
                let (gamma, beta) = (&mut grads.gamma, &mut grads.beta);
                norm.backward(
                    cache.delta_u.view(),
                    norm_cache,
                    gamma,
                    beta,
                    &mut cache.delta,
                ); // δ = ∂L/∂z
                let units = self.units();
                cache
                    .measure
                    .then(|| delta_layer_norm(contiguous(&cache.delta), units))
            }
            // δ = g ⊙ f′(z)
            _ => self.activation_backward(g, cache),
        };
        round_if(cache.rounding, contiguous_mut(&mut cache.delta));
        // ∂L/∂W = aᵀ δ, ∂L/∂b = Σ_batch δ, ∂L/∂a = δ Wᵀ
        self.parameter_and_input_grads(input, cache, grads, input_grad);
        if input_grad {
            round_if(cache.rounding, contiguous_mut(&mut cache.input_grad));
        }
    }

    /// δ = g ⊙ f′(z) in pieces of whole rows (on the pool's threads for a long batch); with
    /// `cache.measure`, Σ_batch ‖δ_b‖, each piece measured as it is written.
    fn activation_backward(&self, g: &[T], cache: &mut LayerCache<T>) -> Option<f64> {
        let (activation, units, measure) = (self.activation, self.units(), cache.measure);
        let (z, out) = (contiguous(&cache.z), contiguous(&cache.out));
        let piece = piece_len(units);
        let pieces: Vec<_> = contiguous_mut(&mut cache.delta)
            .chunks_mut(piece)
            .enumerate()
            .collect();
        // Piece `index` of δ from the same rows of g, z and out.
        let norms = in_pieces(pieces, |(index, delta)| {
            let rows = index * piece..index * piece + delta.len();
            let (g, z, out) = (&g[rows.clone()], &z[rows.clone()], &out[rows]);
            activation.backward_slice(g, z, out, delta);
            measure.then(|| delta_piece_norm(delta, units))
        });
        measure.then(|| norms.iter().sum())
    }

    /// ∂L/∂W = aᵀ δ, ∂L/∂b = Σ_batch δ and, if asked for, ∂L/∂a = δ Wᵀ into
    /// `cache.input_grad`, from the δ in `cache`.
    fn parameter_and_input_grads(
        &self,
        input: ArrayView2<T>,
        cache: &mut LayerCache<T>,
        grads: &mut LayerGrads<T>,
        input_grad: bool,
    ) {
        // ∂L/∂W = aᵀ δ as its transpose δᵀ a through a transposed view, and ∂L/∂a = δ Wᵀ
        // as W δᵀ likewise: the same sums bit for bit, but gemm packs the operands in the
        // order that splits better over threads. The two products are independent: on the
        // pool they run side by side (each still split further if threads are free), which
        // on two threads beats splitting each in turn (wide benchmark: backward 28.5 → 27.1
        // ms per step).
        let delta = &cache.delta;
        let (weight_grad, bias_grad) = (&mut grads.weights, &mut grads.biases);
        let weights = self.dense.weights.view();
        let input_grad = input_grad.then_some(&mut cache.input_grad);
        let mut parameter_grads = move || {
            matmul(delta.t(), input, weight_grad.view_mut().reversed_axes());
            sum_rows(delta, bias_grad);
        };
        let input_grads = move || {
            if let Some(input_grad) = input_grad {
                matmul(weights, delta.t(), input_grad.view_mut().reversed_axes());
            }
        };
        // (Below about a million multiply-adds a product takes a few µs: not worth a join.)
        if on_a_pool_thread() && delta.len() * self.fan_in() >= 1 << 20 {
            rayon::join(parameter_grads, input_grads);
        } else {
            parameter_grads();
            input_grads();
        }
    }
}

/// `pass` on each of `pieces` (of whole rows, `piece_len` elements: more than one only for
/// a buffer longer than `CHUNK`), on the pool's threads when there are several and we are
/// on the pool, else here; what the passes measured, in order. Elementwise passes give the
/// same bits either way.
fn in_pieces<P: Send, R: Send>(
    pieces: Vec<P>,
    pass: impl Fn(P) -> Option<R> + Sync + Send,
) -> Vec<R> {
    if pieces.len() > 1 && on_a_pool_thread() {
        pieces.into_par_iter().filter_map(pass).collect()
    } else {
        pieces.into_iter().filter_map(pass).collect()
    }
}

/// Each row of `matrix` += `row`.
fn add_to_rows<T: Float>(matrix: &mut Array2<T>, row: &Array1<T>) {
    for mut each in matrix.rows_mut() {
        each.zip_mut_with(row, |z, &b| *z = *z + b);
    }
}

/// `sums` = Σ over the rows of `matrix`, rows added in order to zeros: the same arithmetic
/// as ndarray's `sum_axis(Axis(0))` on a row-major matrix, without allocating.
fn sum_rows<T: Float>(matrix: &Array2<T>, sums: &mut Array1<T>) {
    if matrix.ncols() <= 1 || !matrix.is_standard_layout() {
        sums.assign(&matrix.sum_axis(Axis(0)));
        return;
    }
    let width = matrix.ncols();
    let values = contiguous(matrix);
    // Each column's sum, rows in order, whichever block of columns it falls in.
    let sum_columns = |first: usize, sums: &mut [T]| {
        sums.iter_mut().for_each(|s| *s = T::zero());
        for row in values.chunks_exact(width) {
            for (s, &v) in sums.iter_mut().zip(&row[first..]) {
                *s = *s + v;
            }
        }
    };
    let sums = contiguous_mut(sums);
    const COLUMNS: usize = 128;
    if row_pieces(values.len(), width).is_some() && width > COLUMNS {
        sums.par_chunks_mut(COLUMNS)
            .enumerate()
            .for_each(|(block, sums)| sum_columns(block * COLUMNS, sums));
    } else {
        sum_columns(0, sums);
    }
}

/// For a row-major buffer of `len` elements in rows of `width`: the length of whole-row
/// pieces to split an elementwise pass into on the pool, or `None` to do it in one go
/// (a short buffer, or a caller outside the pool). Elementwise, the split changes no bits.
fn row_pieces(len: usize, width: usize) -> Option<usize> {
    (len > CHUNK && width > 0 && on_a_pool_thread()).then(|| piece_len(width))
}

fn contiguous<T, D: ndarray::Dimension>(array: &ndarray::Array<T, D>) -> &[T] {
    array
        .as_slice()
        .expect("the engine's arrays are contiguous")
}

fn contiguous_mut<T, D: ndarray::Dimension>(array: &mut ndarray::Array<T, D>) -> &mut [T] {
    array
        .as_slice_mut()
        .expect("the engine's arrays are contiguous")
}
