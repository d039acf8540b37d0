//! The multilayer perceptron: a stack of dense layers with one activation between them,
//! a linear output layer, and softmax cross-entropy on top. Forward and backward passes
//! are written out layer by layer.
//!
//! Numbering: the math counts layers l = 1..L (L = hidden.len() + 1, layer L the output);
//! the code stores layer l at index l − 1. a⁰ is the input batch, z^l = a^{l−1} W^l + b^l,
//! a^l = f(z^l) for hidden layers, and z^L are the logits.

use ndarray::{Array2, ArrayView2, Zip};

use super::Float;
use super::activation::Activation;
use super::dense::{Dense, LayerGradient};
use super::init::Init;
use super::loss::softmax_cross_entropy;
use super::rng::{Purpose, RandomStream};

/// The shape of a network: `hidden.len()` hidden layers using `activation`, then a linear
/// output layer of `output_dim` logits (one per class).
#[derive(Debug, Clone, PartialEq)]
pub struct MlpConfig {
    pub input_dim: usize,
    pub hidden: Vec<usize>,
    pub output_dim: usize,
    pub activation: Activation,
    pub init: Init,
}

impl MlpConfig {
    /// Units per level, input first: `[input_dim, hidden…, output_dim]`.
    pub fn layer_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![self.input_dim];
        sizes.extend(&self.hidden);
        sizes.push(self.output_dim);
        sizes
    }

    /// The number of dense layers, L = hidden.len() + 1.
    pub fn depth(&self) -> usize {
        self.hidden.len() + 1
    }
}

/// A network's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp<T> {
    layers: Vec<Dense<T>>,
    activation: Activation,
}

/// What the forward pass keeps for the backward pass.
#[derive(Debug, Clone)]
pub struct ForwardPass<T> {
    /// z¹ … z^L; the last entry is the logits.
    pub pre_activations: Vec<Array2<T>>,
    /// a¹ … a^{L−1}, the hidden layers' outputs (a⁰, the input, is not copied).
    pub activations: Vec<Array2<T>>,
}

impl<T> ForwardPass<T> {
    pub fn logits(&self) -> &Array2<T> {
        self.pre_activations
            .last()
            .expect("a network has at least one layer")
    }
}

impl<T: Float> Mlp<T> {
    /// Fresh weights drawn per `config.init` from the seed's `Init` stream, layer 1 first.
    pub fn new(config: &MlpConfig, seed: u64) -> Self {
        let mut rng = RandomStream::new(seed, Purpose::Init);
        let sizes = config.layer_sizes();
        let layers = sizes
            .windows(2)
            .map(|pair| Dense::new(pair[0], pair[1], config.init, &mut rng))
            .collect();
        Mlp {
            layers,
            activation: config.activation,
        }
    }

    /// Layers 1..=L, at indices 0..L.
    pub fn layers(&self) -> &[Dense<T>] {
        &self.layers
    }

    /// Mutable access for optimizers. Replacing arrays with ones of other shapes breaks the network.
    pub fn layers_mut(&mut self) -> &mut [Dense<T>] {
        &mut self.layers
    }

    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Runs a batch (rows = examples) through the network, keeping every z and a.
    pub fn forward(&self, inputs: ArrayView2<T>) -> ForwardPass<T> {
        let depth = self.layers.len();
        let mut pre_activations = Vec::with_capacity(depth);
        let mut activations: Vec<Array2<T>> = Vec::with_capacity(depth - 1);
        for (index, layer) in self.layers.iter().enumerate() {
            let layer_input = match activations.last() {
                Some(a) => a.view(),
                None => inputs,
            };
            let z = layer.forward(layer_input);
            if index + 1 < depth {
                activations.push(z.mapv(|z| self.activation.apply(z)));
            }
            pre_activations.push(z);
        }
        ForwardPass {
            pre_activations,
            activations,
        }
    }

    /// Backpropagation: from δ^L = ∂L/∂z^L (the loss gradient w.r.t. the logits), the
    /// gradients of every layer, layer 1 first.
    pub fn backward(
        &self,
        inputs: ArrayView2<T>,
        pass: &ForwardPass<T>,
        output_delta: Array2<T>,
    ) -> Vec<LayerGradient<T>> {
        let mut gradients = Vec::with_capacity(self.layers.len());
        let mut delta = output_delta; // δ^l = ∂L/∂z^l, starting at l = L
        for index in (0..self.layers.len()).rev() {
            let layer = &self.layers[index];
            let layer_input = if index == 0 {
                inputs
            } else {
                pass.activations[index - 1].view()
            };
            // ∂L/∂W^l = a^{l−1}ᵀ δ^l,  ∂L/∂b^l = Σ_batch δ^l
            gradients.push(layer.gradient(layer_input, delta.view()));
            if index > 0 {
                // δ^{l−1} = (δ^l W^lᵀ) ⊙ f′(z^{l−1}): the chain rule through the layer's
                // weights, then through the activation below it.
                let mut below = layer.backpropagate(delta.view());
                Zip::from(&mut below)
                    .and(&pass.pre_activations[index - 1])
                    .for_each(|d, &z| *d = *d * self.activation.derivative(z));
                delta = below;
            }
        }
        gradients.reverse();
        gradients
    }

    /// Mean softmax cross-entropy of the batch and its gradient for every layer (layer 1 first).
    pub fn loss_and_gradients(
        &self,
        inputs: ArrayView2<T>,
        labels: &[usize],
    ) -> (f64, Vec<LayerGradient<T>>) {
        let pass = self.forward(inputs);
        let (loss, output_delta) = softmax_cross_entropy(pass.logits().view(), labels);
        (loss, self.backward(inputs, &pass, output_delta))
    }

    /// Mean loss only (no backward pass).
    pub fn loss(&self, inputs: ArrayView2<T>, labels: &[usize]) -> f64 {
        softmax_cross_entropy(self.forward(inputs).logits().view(), labels).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_config(activation: Activation) -> MlpConfig {
        MlpConfig {
            input_dim: 3,
            hidden: vec![5, 4],
            output_dim: 3,
            activation,
            init: Init::XavierNormal,
        }
    }

    /// ‖a − b‖ / (‖a‖ + ‖b‖) over whole arrays: the usual gradient-check measure.
    fn relative_error<'a>(
        numeric: impl IntoIterator<Item = &'a f64>,
        analytic: impl IntoIterator<Item = &'a f64>,
    ) -> f64 {
        let (mut diff, mut norm_n, mut norm_a) = (0.0, 0.0, 0.0);
        for (n, a) in numeric.into_iter().zip(analytic) {
            diff += (n - a) * (n - a);
            norm_n += n * n;
            norm_a += a * a;
        }
        diff.sqrt() / (norm_n.sqrt() + norm_a.sqrt()).max(1e-300)
    }

    /// Central difference of the loss with respect to one parameter chosen by `select`.
    fn numeric_derivative(
        mlp: &Mlp<f64>,
        inputs: &Array2<f64>,
        labels: &[usize],
        eps: f64,
        select: impl Fn(&mut Mlp<f64>) -> &mut f64,
    ) -> f64 {
        let mut plus = mlp.clone();
        *select(&mut plus) += eps;
        let mut minus = mlp.clone();
        *select(&mut minus) -= eps;
        (plus.loss(inputs.view(), labels) - minus.loss(inputs.view(), labels)) / (2.0 * eps)
    }

    #[test]
    fn backprop_matches_finite_differences_for_every_activation() {
        let mut rng = RandomStream::new(21, Purpose::Data);
        let inputs = Array2::from_shape_simple_fn((6, 3), || rng.normal());
        let labels = [0, 2, 1, 1, 0, 2];
        let eps = 1e-6;
        for activation in Activation::ALL {
            let mut mlp = Mlp::<f64>::new(&small_config(activation), 4);
            // Non-zero biases so their gradients are exercised away from the initial state.
            for layer in mlp.layers_mut() {
                layer.biases.mapv_inplace(|_| 0.1 * rng.normal());
            }
            if activation == Activation::Relu {
                // A central difference across ReLU's kink is meaningless: make sure no hidden
                // pre-activation is within reach of a 1e-6 nudge to one parameter (which
                // moves it by ~1e-6 × an O(1) activation).
                let pass = mlp.forward(inputs.view());
                let closest = pass.pre_activations[..2]
                    .iter()
                    .flat_map(|z| z.iter())
                    .fold(f64::INFINITY, |m, z| m.min(z.abs()));
                assert!(
                    closest > 1e-4,
                    "pre-activation {closest} too near ReLU's kink"
                );
            }
            let (_, gradients) = mlp.loss_and_gradients(inputs.view(), &labels);
            for (index, gradient) in gradients.iter().enumerate() {
                let numeric_weights = Array2::from_shape_fn(gradient.weights.dim(), |(i, j)| {
                    numeric_derivative(&mlp, &inputs, &labels, eps, |m| {
                        &mut m.layers[index].weights[(i, j)]
                    })
                });
                let numeric_biases = ndarray::Array1::from_shape_fn(gradient.biases.len(), |j| {
                    numeric_derivative(&mlp, &inputs, &labels, eps, |m| {
                        &mut m.layers[index].biases[j]
                    })
                });
                let weight_error = relative_error(&numeric_weights, &gradient.weights);
                let bias_error = relative_error(&numeric_biases, &gradient.biases);
                assert!(
                    weight_error < 1e-6 && bias_error < 1e-6,
                    "{activation}, layer {}: relative error W {weight_error:e}, b {bias_error:e}",
                    index + 1
                );
            }
        }
    }

    #[test]
    fn shapes_follow_the_config() {
        let config = small_config(Activation::Tanh);
        assert_eq!(config.layer_sizes(), vec![3, 5, 4, 3]);
        assert_eq!(config.depth(), 3);
        let mlp = Mlp::<f32>::new(&config, 0);
        let dims: Vec<_> = mlp
            .layers()
            .iter()
            .map(|l| (l.fan_in(), l.fan_out()))
            .collect();
        assert_eq!(dims, vec![(3, 5), (5, 4), (4, 3)]);
        let pass = mlp.forward(Array2::zeros((7, 3)).view());
        assert_eq!(pass.logits().dim(), (7, 3));
        assert_eq!(pass.activations.len(), 2);
    }

    #[test]
    fn no_hidden_layers_is_softmax_regression() {
        let config = MlpConfig {
            hidden: vec![],
            ..small_config(Activation::Relu)
        };
        let mlp = Mlp::<f64>::new(&config, 0);
        let (loss, gradients) = mlp.loss_and_gradients(Array2::ones((2, 3)).view(), &[0, 1]);
        assert!(loss.is_finite());
        assert_eq!(gradients.len(), 1);
    }
}
