//! The GRU cell (Cho et al. 2014), forward and backward through time:
//!
//!   z = σ(x_t W_xz + h_{t−1} W_hz + b_z)           update gate
//!   r = σ(x_t W_xr + h_{t−1} W_hr + b_r)           reset gate
//!   n = tanh(x_t W_xn + (r ⊙ h_{t−1}) W_hn + b_n)  candidate
//!   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1},   h_0 = 0.
//!
//! Backward, g_t = ∂L/∂h_t gets three paths back to h_{t−1}: directly through z ⊙ h_{t−1}
//! (a diagonal, no matrix: the GRU's carousel when z ≈ 1), through the reset gate's
//! product r ⊙ h_{t−1} into W_hn, and through z's and r's own pre-activations.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, s};

use super::common::{
    BackwardBuffers, input_projection, input_side_gradients, reshape_buffer, sigmoid, step_slice,
    step_slice_mut, sum_of_squares, truncated_before,
};
use super::params::CellParams;
use crate::nn::Float;

/// What the forward pass keeps, each (steps·batch) × width.
#[derive(Debug, Clone)]
pub struct GruCache<T> {
    /// z | r | n, activated (width 3H).
    pub gates: Array2<T>,
    /// r ⊙ h_{t−1}, the input of W_hn (zero at the first step).
    pub reset_hidden: Array2<T>,
    /// h_t.
    pub hidden: Array2<T>,
}

impl<T: Float> GruCache<T> {
    pub fn new() -> Self {
        let empty = || Array2::zeros((0, 0));
        GruCache {
            gates: empty(),
            reset_hidden: empty(),
            hidden: empty(),
        }
    }
}

pub fn forward<T: Float>(
    params: &CellParams<T>,
    inputs: ArrayView2<T>,
    batch: usize,
    cache: &mut GruCache<T>,
) {
    let rows = inputs.nrows();
    let steps = rows / batch;
    let h = params.w_hidden.nrows();
    let w_gates = params.w_hidden.slice(s![.., ..2 * h]); // W_hz | W_hr
    let w_candidate = params.w_hidden.slice(s![.., 2 * h..]); // W_hn
    input_projection(inputs, params, &mut cache.gates);
    reshape_buffer(&mut cache.reset_hidden, rows, h);
    reshape_buffer(&mut cache.hidden, rows, h);
    for t in 0..steps {
        let this = t * batch..(t + 1) * batch;
        // h_{t−1} and h_t are neighbouring row blocks of one buffer.
        let (earlier, later) = cache
            .hidden
            .as_slice_mut()
            .expect("contiguous")
            .split_at_mut(t * batch * h);
        let previous = (t > 0).then(|| &earlier[(t - 1) * batch * h..]);
        let hidden = &mut later[..batch * h];
        if let Some(previous) = previous {
            let previous = ArrayView2::from_shape((batch, h), previous).expect("batch × H");
            let mut pre_zr = cache.gates.slice_mut(s![this.clone(), ..2 * h]);
            general_mat_mul(T::one(), &previous, &w_gates, T::one(), &mut pre_zr);
        }
        // z, r, and the reset previous state r ⊙ h_{t−1}.
        let gates = step_slice_mut(&mut cache.gates, t, batch);
        let reset_hidden = step_slice_mut(&mut cache.reset_hidden, t, batch);
        for example in 0..batch {
            let row = &mut gates[example * 3 * h..example * 3 * h + 2 * h];
            row.iter_mut().for_each(|a| *a = sigmoid(*a));
            for j in 0..h {
                let unit = example * h + j;
                let h_prev = previous.map_or(T::zero(), |p| p[unit]);
                reset_hidden[unit] = row[h + j] * h_prev;
            }
        }
        if t > 0 {
            let reset_hidden = cache.reset_hidden.slice(s![this.clone(), ..]);
            let mut pre_n = cache.gates.slice_mut(s![this.clone(), 2 * h..]);
            general_mat_mul(T::one(), &reset_hidden, &w_candidate, T::one(), &mut pre_n);
        }
        // n, then h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
        let gates = step_slice_mut(&mut cache.gates, t, batch);
        for example in 0..batch {
            let row = &mut gates[example * 3 * h..(example + 1) * 3 * h];
            for j in 0..h {
                let unit = example * h + j;
                let (z, n) = (row[j], row[2 * h + j].tanh());
                row[2 * h + j] = n;
                let h_prev = previous.map_or(T::zero(), |p| p[unit]);
                hidden[unit] = (T::one() - z) * n + z * h_prev;
            }
        }
    }
}

/// Backpropagation through time; arguments as in `rnn::backward`.
#[allow(clippy::too_many_arguments)]
pub fn backward<T: Float>(
    params: &CellParams<T>,
    inputs: ArrayView2<T>,
    batch: usize,
    cache: &GruCache<T>,
    d_above: ArrayView2<T>,
    truncation: Option<usize>,
    buffers: &mut BackwardBuffers<T>,
    grads: &mut CellParams<T>,
    d_inputs: Option<&mut Array2<T>>,
    grad_norms: &mut Vec<f64>,
) {
    let rows = inputs.nrows();
    let steps = rows / batch;
    let h = params.w_hidden.nrows();
    let one = T::one();
    buffers.prepare(rows, batch, h, 3);
    grad_norms.clear();
    grad_norms.resize(steps, 0.0);
    let d_above = d_above.as_standard_layout();
    let d_above = d_above.as_slice().expect("standard layout");
    let BackwardBuffers {
        d_pre,
        carry_hidden,
        carry_extra: d_reset_hidden,
    } = buffers;

    for t in (0..steps).rev() {
        let this = t * batch..(t + 1) * batch;
        let gates = step_slice(&cache.gates, t, batch);
        let previous = (t > 0).then(|| step_slice(&cache.hidden, t - 1, batch));
        // g_t = d_above_t + carry, the complete ∂L/∂h_t.
        let g_all = carry_hidden.as_slice_mut().expect("contiguous");
        let above = &d_above[t * batch * h..(t + 1) * batch * h];
        g_all.iter_mut().zip(above).for_each(|(g, &a)| *g = *g + a);
        grad_norms[t] = sum_of_squares(g_all).sqrt();

        // Through h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}: into n's and z's pre-activations, and
        // straight back to h_{t−1} (g ⊙ z, left in the carry).
        let d_pre_t = step_slice_mut(d_pre, t, batch);
        for example in 0..batch {
            let row = example * 3 * h;
            for j in 0..h {
                let unit = example * h + j;
                let (z, n) = (gates[row + j], gates[row + 2 * h + j]);
                let h_prev = previous.map_or(T::zero(), |p| p[unit]);
                let g = g_all[unit];
                d_pre_t[row + 2 * h + j] = g * (one - z) * (one - n * n);
                d_pre_t[row + j] = g * (h_prev - n) * z * (one - z);
                g_all[unit] = g * z;
            }
        }
        // ∂L/∂(r ⊙ h_{t−1}) = ∂L/∂a_n W_hnᵀ, then split between r and h_{t−1}.
        let d_pre_n = d_pre.slice(s![this.clone(), 2 * h..]);
        let w_candidate = params.w_hidden.slice(s![.., 2 * h..]);
        general_mat_mul(one, &d_pre_n, &w_candidate.t(), T::zero(), d_reset_hidden);
        let d_reset = d_reset_hidden.as_slice().expect("contiguous");
        let g_all = carry_hidden.as_slice_mut().expect("contiguous");
        let d_pre_t = step_slice_mut(d_pre, t, batch);
        for example in 0..batch {
            let row = example * 3 * h;
            for j in 0..h {
                let unit = example * h + j;
                let r = gates[row + h + j];
                let h_prev = previous.map_or(T::zero(), |p| p[unit]);
                d_pre_t[row + h + j] = d_reset[unit] * h_prev * r * (one - r);
                g_all[unit] = g_all[unit] + d_reset[unit] * r;
            }
        }
        // And through z's and r's pre-activations: + ∂L/∂[a_z a_r] [W_hz W_hr]ᵀ.
        if t > 0 && !truncated_before(t, steps, truncation) {
            let d_pre_zr = d_pre.slice(s![this, ..2 * h]);
            let w_gates = params.w_hidden.slice(s![.., ..2 * h]);
            general_mat_mul(one, &d_pre_zr, &w_gates.t(), one, carry_hidden);
        } else {
            carry_hidden.fill(T::zero());
        }
    }

    // W_hz, W_hr saw h_{t−1}; W_hn saw r ⊙ h_{t−1}.
    let previous = cache.hidden.slice(s![..rows - batch, ..]);
    let reset_hidden = cache.reset_hidden.slice(s![batch.., ..]);
    let d_later = d_pre.slice(s![batch.., ..]);
    let mut grad_gates = grads.w_hidden.slice_mut(s![.., ..2 * h]);
    general_mat_mul(
        one,
        &previous.t(),
        &d_later.slice(s![.., ..2 * h]),
        T::zero(),
        &mut grad_gates,
    );
    let mut grad_candidate = grads.w_hidden.slice_mut(s![.., 2 * h..]);
    general_mat_mul(
        one,
        &reset_hidden.t(),
        &d_later.slice(s![.., 2 * h..]),
        T::zero(),
        &mut grad_candidate,
    );
    input_side_gradients(inputs, params, d_pre, grads, d_inputs);
}
