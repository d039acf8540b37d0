//! The stacked recurrent network: layers of one cell kind, then a linear readout, and the
//! whole backward pass. Each layer runs over the entire sequence before the next one starts
//! (layer 2 reads layer 1's hidden states as its inputs), and the backward pass goes down
//! the stack the same way: the readout's gradient enters the top layer, each layer runs
//! BPTT over its sequence and hands ∂L/∂(its inputs) to the layer below.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, Axis, s};

use super::common::{BackwardBuffers, reshape_buffer, step};
use super::config::{Cell, Readout, RecurrentConfig};
use super::gru::{self, GruCache};
use super::lstm::{self, LstmCache};
use super::params::Params;
use super::rnn::{self, RnnCache};
use crate::nn::error::ConfigError;
use crate::nn::{Float, Loss, Targets};

/// A recurrent network and its configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrentNet<T> {
    pub config: RecurrentConfig,
    pub params: Params<T>,
}

/// A mini-batch's targets in time-major order (rows t·batch + example for every-step
/// readouts, one row per example for last-step readouts).
#[derive(Debug, Clone, PartialEq)]
pub enum BatchTargets<T> {
    Values(Array2<T>),
    Labels(Vec<usize>),
}

/// One layer's forward cache, by cell kind.
#[derive(Debug, Clone)]
enum LayerCache<T> {
    Rnn(RnnCache<T>),
    Gru(GruCache<T>),
    Lstm(LstmCache<T>),
}

impl<T: Float> LayerCache<T> {
    fn hidden(&self) -> &Array2<T> {
        match self {
            LayerCache::Rnn(cache) => &cache.hidden,
            LayerCache::Gru(cache) => &cache.hidden,
            LayerCache::Lstm(cache) => &cache.hidden,
        }
    }
}

/// Everything a forward and backward pass writes, kept between training steps so the
/// buffers are allocated once.
#[derive(Debug, Clone)]
pub struct Workspace<T> {
    caches: Vec<LayerCache<T>>,
    buffers: BackwardBuffers<T>,
    /// `d_hidden[l]`: ∂L/∂h_t of layer l as its consumer (layer l+1 or the readout) sees it.
    d_hidden: Vec<Array2<T>>,
    /// ∂L/∂x_t of the network's inputs, time-major.
    pub d_inputs: Array2<T>,
    /// The readout's outputs: batch × out (last step) or (steps·batch) × out (every step).
    pub outputs: Array2<T>,
    /// `[layer][t]`: ‖∂L/∂h_t‖ (Frobenius over the batch) from the last backward pass,
    /// including the recurrent path; t = 0 is the first input.
    pub grad_norms: Vec<Vec<f64>>,
    /// The gradients of the last backward pass.
    pub grads: Params<T>,
}

impl<T: Float> RecurrentNet<T> {
    /// A network with freshly drawn weights (the seed's recurrent init stream).
    pub fn new(config: RecurrentConfig, seed: u64) -> Result<Self, ConfigError> {
        config.validate()?;
        let params = Params::init(&config, seed);
        Ok(RecurrentNet { config, params })
    }

    pub fn workspace(&self) -> Workspace<T> {
        let cache = || match self.config.cell {
            Cell::Rnn { .. } => LayerCache::Rnn(RnnCache::new()),
            Cell::Gru => LayerCache::Gru(GruCache::new()),
            Cell::Lstm { .. } => LayerCache::Lstm(LstmCache::new()),
        };
        Workspace {
            caches: (0..self.config.layers).map(|_| cache()).collect(),
            buffers: BackwardBuffers::new(),
            d_hidden: vec![Array2::zeros((0, 0)); self.config.layers],
            d_inputs: Array2::zeros((0, 0)),
            outputs: Array2::zeros((0, 0)),
            grad_norms: vec![Vec::new(); self.config.layers],
            grads: self.params.zeros_like(),
        }
    }

    /// Runs the sequence batch (time-major, (steps·batch) × input_dim) through every layer
    /// and the readout, leaving the outputs in `work.outputs`.
    pub fn forward(&self, inputs: ArrayView2<T>, batch: usize, work: &mut Workspace<T>) {
        assert_eq!(inputs.ncols(), self.config.input_dim, "input width");
        assert!(
            batch > 0 && inputs.nrows().is_multiple_of(batch),
            "rows must be steps × batch"
        );
        for layer in 0..self.config.layers {
            let (below, here) = work.caches.split_at_mut(layer);
            let layer_inputs = match below.last() {
                Some(cache) => cache.hidden().view(),
                None => inputs,
            };
            let params = &self.params.layers[layer];
            match (&mut here[0], self.config.cell) {
                (LayerCache::Rnn(cache), Cell::Rnn { activation }) => {
                    rnn::forward(params, activation, layer_inputs, batch, cache)
                }
                (LayerCache::Gru(cache), _) => gru::forward(params, layer_inputs, batch, cache),
                (LayerCache::Lstm(cache), _) => lstm::forward(params, layer_inputs, batch, cache),
                _ => unreachable!("the workspace was made for this cell"),
            }
        }
        let top = self.readout_inputs(inputs.nrows(), batch, &work.caches);
        let mut outputs = Array2::zeros((top.nrows(), self.config.output_dim));
        outputs
            .rows_mut()
            .into_iter()
            .for_each(|mut row| row.assign(&self.params.readout_bias));
        general_mat_mul(
            T::one(),
            &top,
            &self.params.readout_weights,
            T::one(),
            &mut outputs,
        );
        work.outputs = outputs;
    }

    /// The top layer's hidden states the readout reads: the last step's, or all.
    fn readout_inputs<'w>(
        &self,
        rows: usize,
        batch: usize,
        caches: &'w [LayerCache<T>],
    ) -> ArrayView2<'w, T> {
        let hidden = caches.last().expect("at least one layer").hidden();
        match self.config.readout {
            Readout::LastStep => step(hidden, rows / batch - 1, batch),
            Readout::EveryStep => hidden.view(),
        }
    }

    /// The batch's mean loss, forward only.
    pub fn loss(
        &self,
        inputs: ArrayView2<T>,
        batch: usize,
        targets: &BatchTargets<T>,
        loss: Loss,
        work: &mut Workspace<T>,
    ) -> f64 {
        self.forward(inputs, batch, work);
        loss.evaluate(work.outputs.view(), as_targets(targets)).0
    }

    /// Forward, loss, and backpropagation through time: fills `work.grads` (overwritten)
    /// and `work.grad_norms`, returns the batch's mean loss. `truncation`: see
    /// `common::truncated_before`.
    pub fn loss_and_gradients(
        &self,
        inputs: ArrayView2<T>,
        batch: usize,
        targets: &BatchTargets<T>,
        loss: Loss,
        truncation: Option<usize>,
        work: &mut Workspace<T>,
    ) -> f64 {
        self.forward(inputs, batch, work);
        let (value, d_outputs) = loss.evaluate(work.outputs.view(), as_targets(targets));

        // The readout: ∂L/∂W_y = hᵀ ∂L/∂y, and ∂L/∂h = ∂L/∂y W_yᵀ at the steps it reads.
        let rows = inputs.nrows();
        let hidden = self.config.hidden;
        let top = self.readout_inputs(rows, batch, &work.caches);
        general_mat_mul(
            T::one(),
            &top.t(),
            &d_outputs,
            T::zero(),
            &mut work.grads.readout_weights,
        );
        work.grads.readout_bias.assign(&d_outputs.sum_axis(Axis(0)));
        let layers = self.config.layers;
        let d_top = &mut work.d_hidden[layers - 1];
        reshape_buffer(d_top, rows, hidden);
        d_top.fill(T::zero());
        let read_rows = match self.config.readout {
            Readout::LastStep => rows - batch..rows,
            Readout::EveryStep => 0..rows,
        };
        let mut d_read = d_top.slice_mut(s![read_rows, ..]);
        general_mat_mul(
            T::one(),
            &d_outputs,
            &self.params.readout_weights.t(),
            T::zero(),
            &mut d_read,
        );

        // Down the stack: each layer's BPTT sends ∂L/∂(its inputs) to the layer below.
        for layer in (0..layers).rev() {
            let (below, here) = work.d_hidden.split_at_mut(layer);
            let d_above = here[0].view();
            let d_inputs = match below.last_mut() {
                Some(d_below) => d_below,
                None => &mut work.d_inputs,
            };
            let layer_inputs = match layer {
                0 => inputs,
                _ => work.caches[layer - 1].hidden().view(),
            };
            let params = &self.params.layers[layer];
            let grads = &mut work.grads.layers[layer];
            let norms = &mut work.grad_norms[layer];
            let buffers = &mut work.buffers;
            match (&work.caches[layer], self.config.cell) {
                (LayerCache::Rnn(cache), Cell::Rnn { activation }) => rnn::backward(
                    params,
                    activation,
                    layer_inputs,
                    batch,
                    cache,
                    d_above,
                    truncation,
                    buffers,
                    grads,
                    Some(d_inputs),
                    norms,
                ),
                (LayerCache::Gru(cache), _) => gru::backward(
                    params,
                    layer_inputs,
                    batch,
                    cache,
                    d_above,
                    truncation,
                    buffers,
                    grads,
                    Some(d_inputs),
                    norms,
                ),
                (LayerCache::Lstm(cache), _) => lstm::backward(
                    params,
                    layer_inputs,
                    batch,
                    cache,
                    d_above,
                    truncation,
                    buffers,
                    grads,
                    Some(d_inputs),
                    norms,
                ),
                _ => unreachable!("the workspace was made for this cell"),
            }
        }
        value
    }
}

impl<T: Float> Workspace<T> {
    /// The LSTM forget gates' mean activation over layers, steps, examples and units, from
    /// the last forward pass; `None` for other cells.
    pub fn forget_gate_mean(&self) -> Option<f64> {
        let means: Vec<f64> = self
            .caches
            .iter()
            .filter_map(|cache| match cache {
                LayerCache::Lstm(cache) => Some(cache.forget_gate_mean()),
                _ => None,
            })
            .collect();
        (!means.is_empty()).then(|| means.iter().sum::<f64>() / means.len() as f64)
    }
}

fn as_targets<T: Float>(targets: &BatchTargets<T>) -> Targets<'_, T> {
    match targets {
        BatchTargets::Values(values) => Targets::Values(values.view()),
        BatchTargets::Labels(labels) => Targets::Labels(labels),
    }
}
