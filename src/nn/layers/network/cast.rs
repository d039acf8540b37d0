//! A network's parameters in another float type (an f32 net measured in f64, as the
//! sharpness probe does), or rounded to a half format (the copy an emulated fp16 step
//! computes with, its master staying f32).

use super::Network;
use crate::nn::Float;
use crate::nn::layers::dense::Dense;
use crate::nn::layers::layer::Layer;
use crate::nn::layers::norm::NormLayer;
use crate::nn::precision::HalfFormat;

impl<T: Float> Network<T> {
    /// The same network with every parameter converted to `U`.
    pub fn cast<U: Float>(&self) -> Network<U> {
        Network {
            input_dim: self.input_dim,
            layers: self.layers.iter().map(cast_layer).collect(),
            blocks: self.blocks.clone(),
        }
    }
}

impl<T: Float> Network<T> {
    /// Overwrites this network's parameters with `master`'s rounded to `format` (a copy of
    /// the same shape, made once by `clone`; no allocation per step).
    pub fn copy_rounded_from(&mut self, master: &Network<T>, format: HalfFormat) {
        let copy = |to: &mut [T], from: &[T]| {
            to.copy_from_slice(from);
            format.round_slice(to);
        };
        for (layer, from) in self.layers.iter_mut().zip(&master.layers) {
            copy(
                slice_mut(&mut layer.dense.weights),
                slice(&from.dense.weights),
            );
            copy(
                slice_mut(&mut layer.dense.biases),
                slice(&from.dense.biases),
            );
            let norms = [
                (&mut layer.norm, &from.norm),
                (&mut layer.block_norm, &from.block_norm),
            ];
            for (norm, from) in norms {
                if let (Some(norm), Some(from)) = (norm, from) {
                    copy(slice_mut(&mut norm.gamma), slice(&from.gamma));
                    copy(slice_mut(&mut norm.beta), slice(&from.beta));
                    // Batch norm's running averages are f32 state, not used in training mode.
                    norm.running_mean.assign(&from.running_mean);
                    norm.running_var.assign(&from.running_var);
                }
            }
            layer.alpha = from.alpha.map(|alpha| format.round(alpha));
        }
    }
}

fn slice<T, D: ndarray::Dimension>(array: &ndarray::Array<T, D>) -> &[T] {
    array.as_slice().expect("parameters are contiguous")
}

fn slice_mut<T, D: ndarray::Dimension>(array: &mut ndarray::Array<T, D>) -> &mut [T] {
    array.as_slice_mut().expect("parameters are contiguous")
}

fn convert<T: Float, U: Float>(value: &T) -> U {
    U::from_f64(Float::to_f64(*value))
}

fn cast_norm<T: Float, U: Float>(norm: &NormLayer<T>) -> NormLayer<U> {
    NormLayer {
        kind: norm.kind,
        gamma: norm.gamma.map(convert),
        beta: norm.beta.map(convert),
        running_mean: norm.running_mean.map(convert),
        running_var: norm.running_var.map(convert),
    }
}

fn cast_layer<T: Float, U: Float>(layer: &Layer<T>) -> Layer<U> {
    Layer {
        dense: Dense {
            weights: layer.dense.weights.map(convert),
            biases: layer.dense.biases.map(convert),
        },
        norm: layer.norm.as_ref().map(cast_norm),
        activation: layer.activation,
        block_norm: layer.block_norm.as_ref().map(cast_norm),
        alpha: layer.alpha.as_ref().map(convert),
    }
}

#[cfg(test)]
mod tests {
    use crate::nn::layers::activation::Activation;
    use crate::nn::layers::init::{Init, InitConfig};
    use crate::nn::layers::network::{Network, NetworkConfig};

    #[test]
    fn an_f32_net_in_f64_computes_the_same_outputs_to_f32_precision() {
        let config = NetworkConfig::mlp(
            3,
            &[5, 4],
            2,
            Activation::Tanh,
            InitConfig::new(Init::XavierNormal),
        );
        let net = Network::<f32>::new(&config, 3);
        let wide = net.cast::<f64>();
        let inputs = ndarray::Array2::from_shape_fn((4, 3), |(i, j)| (i as f32 - j as f32) * 0.3);
        let narrow = net.predict(inputs.view());
        let exact = wide.predict(inputs.mapv(f64::from).view());
        for (a, b) in narrow.iter().zip(&exact) {
            assert!((f64::from(*a) - b).abs() < 1e-6, "{a} vs {b}");
        }
        assert_eq!(wide.cast::<f32>(), net);
    }
}
