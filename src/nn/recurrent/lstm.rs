//! The LSTM cell (with forget gate), forward and backward through time. Per step, with the
//! four pre-activation blocks computed by one product:
//!
//!   [a_i | a_f | a_g | a_o] = x_t W_x + h_{t−1} W_h + b
//!   i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
//!   c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t),   h_0 = c_0 = 0.
//!
//! Backward, with g_t = ∂L/∂h_t and k_t = ∂L/∂c_t:
//!
//!   k_t = k_{t+1} ⊙ f_{t+1} + g_t ⊙ o ⊙ (1 − tanh²c_t)
//!
//! The memory's own path multiplies the gradient by f alone, no weight matrix, no
//! squashing derivative: with f ≈ 1 it carries the gradient across many steps (the
//! "constant error carousel"). That is why the forget bias starts at 1.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, s};

use super::common::{
    BackwardBuffers, input_projection, reshape_buffer, shared_weight_gradients, sigmoid, step,
    step_mut, step_slice, step_slice_mut, sum_of_squares, truncated_before,
};
use super::params::CellParams;
use crate::nn::Float;

/// What the forward pass keeps, each (steps·batch) × width.
#[derive(Debug, Clone)]
pub struct LstmCache<T> {
    /// The activated gates side by side, i | f | g | o (width 4H).
    pub gates: Array2<T>,
    /// c_t.
    pub memory: Array2<T>,
    /// tanh(c_t).
    pub memory_tanh: Array2<T>,
    /// h_t.
    pub hidden: Array2<T>,
}

impl<T: Float> LstmCache<T> {
    pub fn new() -> Self {
        let empty = || Array2::zeros((0, 0));
        LstmCache {
            gates: empty(),
            memory: empty(),
            memory_tanh: empty(),
            hidden: empty(),
        }
    }

    /// The mean forget-gate activation over every step, example and unit.
    pub fn forget_gate_mean(&self) -> f64 {
        let hidden = self.hidden.ncols();
        let forget = self.gates.slice(s![.., hidden..2 * hidden]);
        forget.iter().map(|&f| Float::to_f64(f)).sum::<f64>() / forget.len().max(1) as f64
    }
}

pub fn forward<T: Float>(
    params: &CellParams<T>,
    inputs: ArrayView2<T>,
    batch: usize,
    cache: &mut LstmCache<T>,
) {
    let rows = inputs.nrows();
    let steps = rows / batch;
    let h = params.w_hidden.nrows();
    input_projection(inputs, params, &mut cache.gates);
    reshape_buffer(&mut cache.memory, rows, h);
    reshape_buffer(&mut cache.memory_tanh, rows, h);
    reshape_buffer(&mut cache.hidden, rows, h);
    for t in 0..steps {
        if t > 0 {
            let previous = cache.hidden.slice(s![(t - 1) * batch..t * batch, ..]);
            let mut pre_t = step_mut(&mut cache.gates, t, batch);
            general_mat_mul(T::one(), &previous, &params.w_hidden, T::one(), &mut pre_t);
        }
        // c_{t−1} and c_t are neighbouring row blocks of one buffer.
        let (earlier, later) = cache
            .memory
            .as_slice_mut()
            .expect("contiguous")
            .split_at_mut(t * batch * h);
        let previous_memory = (t > 0).then(|| &earlier[(t - 1) * batch * h..]);
        let memory = &mut later[..batch * h];
        let gates = step_slice_mut(&mut cache.gates, t, batch);
        let memory_tanh = step_slice_mut(&mut cache.memory_tanh, t, batch);
        let hidden = step_slice_mut(&mut cache.hidden, t, batch);
        for example in 0..batch {
            let row = &mut gates[example * 4 * h..(example + 1) * 4 * h];
            let (i, rest) = row.split_at_mut(h);
            let (f, rest) = rest.split_at_mut(h);
            let (g, o) = rest.split_at_mut(h);
            for j in 0..h {
                let unit = example * h + j;
                i[j] = sigmoid(i[j]);
                f[j] = sigmoid(f[j]);
                g[j] = g[j].tanh();
                o[j] = sigmoid(o[j]);
                let c_prev = previous_memory.map_or(T::zero(), |c| c[unit]);
                memory[unit] = f[j] * c_prev + i[j] * g[j];
                memory_tanh[unit] = memory[unit].tanh();
                hidden[unit] = o[j] * memory_tanh[unit];
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
    cache: &LstmCache<T>,
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
    buffers.prepare(rows, batch, h, 4);
    grad_norms.clear();
    grad_norms.resize(steps, 0.0);
    let d_above = d_above.as_standard_layout();
    let d_above = d_above.as_slice().expect("standard layout");
    let BackwardBuffers {
        d_pre,
        carry_hidden,
        carry_extra: carry_memory,
    } = buffers;

    for t in (0..steps).rev() {
        let gates = step_slice(&cache.gates, t, batch);
        let memory_tanh = step_slice(&cache.memory_tanh, t, batch);
        let previous_memory = (t > 0).then(|| step_slice(&cache.memory, t - 1, batch));
        let above = &d_above[t * batch * h..(t + 1) * batch * h];
        // g_t = d_above_t + carry, the complete ∂L/∂h_t; keep it in the carry buffer.
        let carry_h = carry_hidden.as_slice_mut().expect("contiguous");
        carry_h
            .iter_mut()
            .zip(above)
            .for_each(|(g, &a)| *g = *g + a);
        grad_norms[t] = sum_of_squares(carry_h).sqrt();
        let carry_c = carry_memory.as_slice_mut().expect("contiguous");
        let d_pre_t = step_slice_mut(d_pre, t, batch);
        let one = T::one();
        for example in 0..batch {
            let row = example * 4 * h;
            let (i, f, g, o) = (
                &gates[row..],
                &gates[row + h..],
                &gates[row + 2 * h..],
                &gates[row + 3 * h..],
            );
            let (d_i, rest) = d_pre_t[row..row + 4 * h].split_at_mut(h);
            let (d_f, rest) = rest.split_at_mut(h);
            let (d_g, d_o) = rest.split_at_mut(h);
            for j in 0..h {
                let unit = example * h + j;
                let g_h = carry_h[unit]; // ∂L/∂h_t
                let tanh_c = memory_tanh[unit];
                // k_t = (from step t+1) + through h_t = o ⊙ tanh(c_t).
                let k = carry_c[unit] + g_h * o[j] * (one - tanh_c * tanh_c);
                let c_prev = previous_memory.map_or(T::zero(), |c| c[unit]);
                // Each gate's ∂L/∂(pre-activation): its share of k or g_h, times σ′ or tanh′.
                d_i[j] = k * g[j] * i[j] * (one - i[j]);
                d_f[j] = k * c_prev * f[j] * (one - f[j]);
                d_g[j] = k * i[j] * (one - g[j] * g[j]);
                d_o[j] = g_h * tanh_c * o[j] * (one - o[j]);
                // ∂L/∂c_{t−1} through the memory path: only the forget gate in between.
                carry_c[unit] = k * f[j];
            }
        }
        // ∂L/∂h_{t−1} through the gates: ∂L/∂pre_t W_hᵀ.
        if t > 0 && !truncated_before(t, steps, truncation) {
            general_mat_mul(
                one,
                &step(d_pre, t, batch),
                &params.w_hidden.t(),
                T::zero(),
                carry_hidden,
            );
        } else {
            carry_hidden.fill(T::zero());
            carry_memory.fill(T::zero());
        }
    }

    shared_weight_gradients(inputs, batch, &cache.hidden, params, d_pre, grads, d_inputs);
}
