//! The parameters of a recurrent network and how they start. Gradients have the same
//! shapes, so they use the same types.

use ndarray::{Array1, Array2, s};

use super::config::{Cell, RecurrentConfig, RecurrentInit};
use super::streams::init_stream;
use crate::nn::rng::RandomStream;
use crate::nn::{Float, Init, ParamKind};

/// One layer's weights. Every cell computes `blocks` pre-activations of width H side by side
/// (rnn: a; gru: z | r | n; lstm: i | f | g | o), so one matrix product serves them all.
#[derive(Debug, Clone, PartialEq)]
pub struct CellParams<T> {
    /// fan_in × blocks·H: the inputs' contribution (fan_in is input_dim for layer 1, H above).
    pub w_input: Array2<T>,
    /// H × blocks·H: the previous hidden state's contribution, the recurrence.
    pub w_hidden: Array2<T>,
    /// blocks·H.
    pub bias: Array1<T>,
}

/// All parameters of the network: the stacked cells and the linear readout.
#[derive(Debug, Clone, PartialEq)]
pub struct Params<T> {
    pub layers: Vec<CellParams<T>>,
    /// H × output_dim.
    pub readout_weights: Array2<T>,
    pub readout_bias: Array1<T>,
}

impl<T: Float> Params<T> {
    /// Draws every weight from the seed's recurrent init stream, layer by layer (input
    /// blocks, then recurrent blocks, in block order), then the readout.
    pub fn init(config: &RecurrentConfig, seed: u64) -> Self {
        let mut rng = init_stream(seed);
        let hidden = config.hidden;
        let blocks = config.cell.blocks();
        let layers = (0..config.layers)
            .map(|layer| {
                let fan_in = if layer == 0 { config.input_dim } else { hidden };
                let mut w_input = Array2::zeros((fan_in, blocks * hidden));
                for block in 0..blocks {
                    let drawn: Array2<T> = config.input_init.weights(fan_in, hidden, &mut rng);
                    w_input
                        .slice_mut(s![.., block * hidden..(block + 1) * hidden])
                        .assign(&drawn);
                }
                let mut w_hidden = Array2::zeros((hidden, blocks * hidden));
                for block in 0..blocks {
                    let drawn = recurrent_block(config.recurrent_init, hidden, &mut rng);
                    w_hidden
                        .slice_mut(s![.., block * hidden..(block + 1) * hidden])
                        .assign(&drawn);
                }
                let mut bias = Array1::zeros(blocks * hidden);
                if let Cell::Lstm { forget_bias } = config.cell {
                    // Block 1 is the forget gate.
                    bias.slice_mut(s![hidden..2 * hidden])
                        .fill(T::from_f64(forget_bias));
                }
                CellParams {
                    w_input,
                    w_hidden,
                    bias,
                }
            })
            .collect();
        Params {
            layers,
            readout_weights: config
                .readout_init
                .weights(hidden, config.output_dim, &mut rng),
            readout_bias: Array1::zeros(config.output_dim),
        }
    }

    /// Zeros of the same shapes: a gradient buffer.
    pub fn zeros_like(&self) -> Self {
        let zeros2 = |a: &Array2<T>| Array2::zeros(a.raw_dim());
        let zeros1 = |a: &Array1<T>| Array1::zeros(a.len());
        Params {
            layers: self
                .layers
                .iter()
                .map(|p| CellParams {
                    w_input: zeros2(&p.w_input),
                    w_hidden: zeros2(&p.w_hidden),
                    bias: zeros1(&p.bias),
                })
                .collect(),
            readout_weights: zeros2(&self.readout_weights),
            readout_bias: zeros1(&self.readout_bias),
        }
    }

    /// Every parameter array as a slice, in the fixed order the optimizer's state follows:
    /// per layer W_x, W_h, b; then the readout's W, b.
    pub fn arrays(&self) -> Vec<(ParamKind, &[T])> {
        let mut arrays = Vec::with_capacity(3 * self.layers.len() + 2);
        for layer in &self.layers {
            arrays.push((ParamKind::Weights, contiguous(layer.w_input.as_slice())));
            arrays.push((ParamKind::Weights, contiguous(layer.w_hidden.as_slice())));
            arrays.push((ParamKind::Biases, contiguous(layer.bias.as_slice())));
        }
        arrays.push((
            ParamKind::Weights,
            contiguous(self.readout_weights.as_slice()),
        ));
        arrays.push((ParamKind::Biases, contiguous(self.readout_bias.as_slice())));
        arrays
    }

    /// [`Params::arrays`], mutable.
    pub fn arrays_mut(&mut self) -> Vec<&mut [T]> {
        let mut arrays = Vec::with_capacity(3 * self.layers.len() + 2);
        for layer in &mut self.layers {
            arrays.push(contiguous(layer.w_input.as_slice_mut()));
            arrays.push(contiguous(layer.w_hidden.as_slice_mut()));
            arrays.push(contiguous(layer.bias.as_slice_mut()));
        }
        arrays.push(contiguous(self.readout_weights.as_slice_mut()));
        arrays.push(contiguous(self.readout_bias.as_slice_mut()));
        arrays
    }

    /// The H × H block of layer `layer`'s recurrent matrix that feeds `block`, in f64.
    pub fn recurrent_block(&self, layer: usize, block: usize) -> Array2<f64> {
        let w = &self.layers[layer].w_hidden;
        let hidden = w.nrows();
        w.slice(s![.., block * hidden..(block + 1) * hidden])
            .mapv(|v| Float::to_f64(v))
    }
}

/// Arrays we create ourselves are always in standard layout.
fn contiguous<S>(slice: Option<S>) -> S {
    slice.expect("parameter arrays are contiguous")
}

/// One H × H block of W_h.
fn recurrent_block<T: Float>(
    init: RecurrentInit,
    hidden: usize,
    rng: &mut RandomStream,
) -> Array2<T> {
    let h = hidden;
    match init {
        RecurrentInit::Pytorch => Init::Uniform {
            limit: 1.0 / (h as f64).sqrt(),
        }
        .weights(h, h, rng),
        RecurrentInit::Orthogonal { gain } => Init::Orthogonal.weights_with_gain(h, h, gain, rng),
        RecurrentInit::Identity { scale } => Array2::from_diag_elem(h, T::from_f64(scale)),
        RecurrentInit::Normal { std } => Init::Normal { std }.weights(h, h, rng),
        // Init::XavierNormal on a square matrix: N(0, 2/(H + H)) = N(0, 1/H).
        RecurrentInit::XavierNormal => Init::XavierNormal.weights(h, h, rng),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_forget_bias_and_identity() {
        let mut config = RecurrentConfig::new(Cell::Lstm { forget_bias: 2.5 }, 3, 5, 2);
        config.layers = 2;
        config.recurrent_init = RecurrentInit::Identity { scale: 0.5 };
        let params = Params::<f64>::init(&config, 1);
        assert_eq!(params.layers[0].w_input.dim(), (3, 20));
        assert_eq!(params.layers[1].w_input.dim(), (5, 20));
        assert_eq!(params.layers[1].w_hidden.dim(), (5, 20));
        assert_eq!(params.readout_weights.dim(), (5, 2));
        let bias = &params.layers[0].bias;
        assert!(
            bias.iter()
                .enumerate()
                .all(|(i, &b)| b == if (5..10).contains(&i) { 2.5 } else { 0.0 })
        );
        assert_eq!(params.recurrent_block(0, 3), Array2::from_diag_elem(5, 0.5));
        assert_eq!(params.arrays().len(), 8);
        // Same seed, same weights; another seed, other weights.
        assert_eq!(params, Params::init(&config, 1));
        assert_ne!(
            params.layers[0].w_input,
            Params::<f64>::init(&config, 2).layers[0].w_input
        );
    }
}
