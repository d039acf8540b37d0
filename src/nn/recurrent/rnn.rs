//! The Elman cell, forward and backward through time:
//!
//!   a_t = x_t W_x + h_{t−1} W_h + b,   h_t = φ(a_t),   h_0 = 0 (before the first input).
//!
//! Backward, from the last step to the first, with g_t = ∂L/∂h_t:
//!
//!   g_t = (what the layer above or the readout sends at t) + (∂L/∂a_{t+1}) W_hᵀ
//!   ∂L/∂a_t = g_t ⊙ φ′(a_t)
//!
//! so g_t = g_T · Π (diag φ′ · W_hᵀ): each step back multiplies the gradient by W_hᵀ and a
//! diagonal of φ′ ≤ 1. That product is why it vanishes (or explodes): Pascanu et al. 2013.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, Zip, s};

use super::common::{
    BackwardBuffers, input_projection, reshape_buffer, shared_weight_gradients, step, step_mut,
    truncated_before,
};
use super::params::CellParams;
use crate::nn::{Activation, Float};

/// What the forward pass keeps for the backward pass, each (steps·batch) × H.
#[derive(Debug, Clone)]
pub struct RnnCache<T> {
    /// a_t, the pre-activations.
    pub pre: Array2<T>,
    /// h_t.
    pub hidden: Array2<T>,
}

impl<T: Float> RnnCache<T> {
    pub fn new() -> Self {
        RnnCache {
            pre: Array2::zeros((0, 0)),
            hidden: Array2::zeros((0, 0)),
        }
    }
}

/// Runs the cell over a whole time-major sequence batch, filling `cache`.
pub fn forward<T: Float>(
    params: &CellParams<T>,
    activation: Activation,
    inputs: ArrayView2<T>,
    batch: usize,
    cache: &mut RnnCache<T>,
) {
    let steps = inputs.nrows() / batch;
    input_projection(inputs, params, &mut cache.pre);
    reshape_buffer(&mut cache.hidden, inputs.nrows(), params.w_hidden.nrows());
    for t in 0..steps {
        if t > 0 {
            // a_t += h_{t−1} W_h
            let previous = cache.hidden.slice(s![(t - 1) * batch..t * batch, ..]);
            let mut pre_t = step_mut(&mut cache.pre, t, batch);
            general_mat_mul(T::one(), &previous, &params.w_hidden, T::one(), &mut pre_t);
        }
        // h_t = φ(a_t)
        Zip::from(step_mut(&mut cache.hidden, t, batch))
            .and(step(&cache.pre, t, batch))
            .for_each(|h, &a| *h = activation.apply(a));
    }
}

/// Backpropagation through time. `d_above` is ∂L/∂h_t as the layer above (or the readout)
/// sees it, for every step; the result goes to `grads` (overwritten), `d_inputs` (∂L/∂x_t,
/// if wanted) and `grad_norms[t]` = ‖∂L/∂h_t‖ including the recurrent path.
#[allow(clippy::too_many_arguments)]
pub fn backward<T: Float>(
    params: &CellParams<T>,
    activation: Activation,
    inputs: ArrayView2<T>,
    batch: usize,
    cache: &RnnCache<T>,
    d_above: ArrayView2<T>,
    truncation: Option<usize>,
    buffers: &mut BackwardBuffers<T>,
    grads: &mut CellParams<T>,
    d_inputs: Option<&mut Array2<T>>,
    grad_norms: &mut Vec<f64>,
) {
    let steps = inputs.nrows() / batch;
    let hidden = params.w_hidden.nrows();
    buffers.prepare(inputs.nrows(), batch, hidden, 1);
    grad_norms.clear();
    grad_norms.resize(steps, 0.0);
    let BackwardBuffers {
        d_pre,
        carry_hidden,
        ..
    } = buffers;

    for t in (0..steps).rev() {
        // g_t = d_above_t + carry (carry: ∂L/∂h_t through step t+1, zero at the last step);
        // ∂L/∂a_t = g_t ⊙ φ′(a_t).
        let mut squares = 0.0;
        Zip::from(step_mut(d_pre, t, batch))
            .and(d_above.slice(s![t * batch..(t + 1) * batch, ..]))
            .and(&*carry_hidden)
            .and(step(&cache.pre, t, batch))
            .for_each(|d, &above, &carry, &a| {
                let g = above + carry;
                squares += Float::to_f64(g) * Float::to_f64(g);
                *d = g * activation.derivative(a);
            });
        grad_norms[t] = squares.sqrt();

        // ∂L/∂h_{t−1} through this step: ∂L/∂a_t W_hᵀ (nothing flows past a truncation cut).
        if t > 0 && !truncated_before(t, steps, truncation) {
            general_mat_mul(
                T::one(),
                &step(d_pre, t, batch),
                &params.w_hidden.t(),
                T::zero(),
                carry_hidden,
            );
        } else {
            carry_hidden.fill(T::zero());
        }
    }

    shared_weight_gradients(inputs, batch, &cache.hidden, params, d_pre, grads, d_inputs);
}
