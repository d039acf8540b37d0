//! Pieces every cell's forward and backward pass shares.
//!
//! Layout: a sequence batch is one time-major matrix, (steps·batch) × width, whose rows
//! t·batch .. (t+1)·batch hold step t. So the products that do not depend on the recurrence
//! (x_t W_x for every t, and their gradients) are one large matrix product each, and only
//! h_{t−1} W_h has to go step by step.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, s};

use super::params::CellParams;
use crate::nn::Float;

/// Step t's rows of a time-major matrix.
pub fn step<T>(a: &Array2<T>, t: usize, batch: usize) -> ArrayView2<'_, T> {
    a.slice(s![t * batch..(t + 1) * batch, ..])
}

/// Step t's rows of a time-major matrix, mutable.
pub fn step_mut<T>(a: &mut Array2<T>, t: usize, batch: usize) -> ArrayViewMut2<'_, T> {
    a.slice_mut(s![t * batch..(t + 1) * batch, ..])
}

/// Step t's rows as one flat slice (row after row), for the cells' per-unit loops.
pub fn step_slice<T>(a: &Array2<T>, t: usize, batch: usize) -> &[T] {
    let width = a.ncols();
    &a.as_slice().expect("buffers are contiguous")[t * batch * width..(t + 1) * batch * width]
}

/// [`step_slice`], mutable.
pub fn step_slice_mut<T>(a: &mut Array2<T>, t: usize, batch: usize) -> &mut [T] {
    let width = a.ncols();
    &mut a.as_slice_mut().expect("buffers are contiguous")
        [t * batch * width..(t + 1) * batch * width]
}

/// Makes `a` a `rows × cols` buffer, reallocating only when the shape changes (so training
/// steps reuse the memory of the step before). The contents are left as they were.
pub fn reshape_buffer<T: Float>(a: &mut Array2<T>, rows: usize, cols: usize) {
    if a.dim() != (rows, cols) {
        *a = Array2::zeros((rows, cols));
    }
}

/// pre = X W_x + b for every step at once: the part of each pre-activation that does not
/// depend on the previous hidden state.
pub fn input_projection<T: Float>(
    inputs: ArrayView2<T>,
    params: &CellParams<T>,
    pre: &mut Array2<T>,
) {
    reshape_buffer(pre, inputs.nrows(), params.w_input.ncols());
    pre.rows_mut()
        .into_iter()
        .for_each(|mut row| row.assign(&params.bias));
    general_mat_mul(T::one(), &inputs, &params.w_input, T::one(), pre);
}

/// Given ∂L/∂pre for every step (`d_pre`), the gradients of the input side: ∂L/∂W_x = Xᵀ
/// d_pre, ∂L/∂b = Σ over rows of d_pre, and (if wanted) ∂L/∂X = d_pre W_xᵀ for the layer
/// below. Summing over all steps at once is BPTT's "the shared weights collect the
/// gradient of every step".
pub fn input_side_gradients<T: Float>(
    inputs: ArrayView2<T>,
    params: &CellParams<T>,
    d_pre: &Array2<T>,
    grads: &mut CellParams<T>,
    d_inputs: Option<&mut Array2<T>>,
) {
    general_mat_mul(T::one(), &inputs.t(), d_pre, T::zero(), &mut grads.w_input);
    grads.bias.assign(&d_pre.sum_axis(Axis(0)));
    if let Some(d_inputs) = d_inputs {
        reshape_buffer(d_inputs, inputs.nrows(), inputs.ncols());
        general_mat_mul(T::one(), d_pre, &params.w_input.t(), T::zero(), d_inputs);
    }
}

/// The gradients of a cell whose every gate saw h_{t−1} (RNN, LSTM): the shared W_h
/// collects each step's h_{t−1}ᵀ ∂L/∂pre_t (h_0 = 0 adds nothing), then the input side as
/// in [`input_side_gradients`]. `hidden` is the cached h_1…h_T, one step of `batch` rows each.
pub fn shared_weight_gradients<T: Float>(
    inputs: ArrayView2<T>,
    batch: usize,
    hidden: &Array2<T>,
    params: &CellParams<T>,
    d_pre: &Array2<T>,
    grads: &mut CellParams<T>,
    d_inputs: Option<&mut Array2<T>>,
) {
    let rows = inputs.nrows();
    let previous = hidden.slice(s![..rows - batch, ..]);
    let d_later = d_pre.slice(s![batch.., ..]);
    general_mat_mul(
        T::one(),
        &previous.t(),
        &d_later,
        T::zero(),
        &mut grads.w_hidden,
    );
    input_side_gradients(inputs, params, d_pre, grads, d_inputs);
}

/// Truncated BPTT: whether the gradient stops at the start of step t instead of flowing on
/// into step t−1. The sequence is cut into chunks of `truncation` steps counted back from
/// the last step, so with a loss at the last step ∂L/∂h_t is exactly zero for t ≤ T − k.
pub fn truncated_before(t: usize, steps: usize, truncation: Option<usize>) -> bool {
    match truncation {
        Some(k) if k > 0 => (steps - t).is_multiple_of(k),
        _ => false,
    }
}

pub fn sigmoid<T: Float>(z: T) -> T {
    T::one() / (T::one() + (-z).exp())
}

/// Σ v² in f64 (no overflow for any f32, and norms are reported in f64 anyway).
pub fn sum_of_squares<T: Float>(values: &[T]) -> f64 {
    values
        .iter()
        .map(|&v| Float::to_f64(v) * Float::to_f64(v))
        .sum()
}

/// The buffers a backward pass reuses from step to step.
#[derive(Debug, Clone)]
pub struct BackwardBuffers<T> {
    /// ∂L/∂pre for every step, (steps·batch) × blocks·H.
    pub d_pre: Array2<T>,
    /// ∂L/∂h_{t} arriving from step t+1 through the recurrence, batch × H.
    pub carry_hidden: Array2<T>,
    /// LSTM: ∂L/∂c_t arriving from step t+1; GRU: ∂L/∂(r ⊙ h_{t−1}).
    pub carry_extra: Array2<T>,
}

impl<T: Float> BackwardBuffers<T> {
    pub fn new() -> Self {
        BackwardBuffers {
            d_pre: Array2::zeros((0, 0)),
            carry_hidden: Array2::zeros((0, 0)),
            carry_extra: Array2::zeros((0, 0)),
        }
    }

    /// Shapes the buffers for a sequence and zeroes the carries.
    pub fn prepare(&mut self, rows: usize, batch: usize, hidden: usize, blocks: usize) {
        reshape_buffer(&mut self.d_pre, rows, blocks * hidden);
        reshape_buffer(&mut self.carry_hidden, batch, hidden);
        reshape_buffer(&mut self.carry_extra, batch, hidden);
        self.carry_hidden.fill(T::zero());
        self.carry_extra.fill(T::zero());
    }
}
