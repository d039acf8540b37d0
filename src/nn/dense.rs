//! A dense (fully connected) layer: z = a W + b, with the batch along rows.
//!
//! Shapes, for a batch of B examples through a layer of `fan_in` → `fan_out` units:
//! a is B × fan_in, W is fan_in × fan_out, b is fan_out, z is B × fan_out.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::Float;
use super::init::Init;
use super::kernels::product;
use super::rng::RandomStream;

/// One layer's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense<T> {
    /// `fan_in × fan_out`.
    pub weights: Array2<T>,
    /// `fan_out`.
    pub biases: Array1<T>,
}

/// ∂L/∂W and ∂L/∂b for one layer, shaped like the layer's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerGradient<T> {
    pub weights: Array2<T>,
    pub biases: Array1<T>,
}

impl<T: Float> Dense<T> {
    pub fn new(fan_in: usize, fan_out: usize, init: Init, rng: &mut RandomStream) -> Self {
        Dense {
            weights: init.weights(fan_in, fan_out, rng),
            biases: Array1::zeros(fan_out),
        }
    }

    pub fn fan_in(&self) -> usize {
        self.weights.nrows()
    }

    pub fn fan_out(&self) -> usize {
        self.weights.ncols()
    }

    /// z = a W + b (b broadcast over the batch rows).
    pub fn forward(&self, inputs: ArrayView2<T>) -> Array2<T> {
        product(inputs, self.weights.view()) + &self.biases
    }

    /// Given δ = ∂L/∂z for this layer and the inputs a it saw:
    /// ∂L/∂W = aᵀ δ, and ∂L/∂b = δ summed over the batch (each example's b is the same b).
    pub fn gradient(&self, inputs: ArrayView2<T>, delta: ArrayView2<T>) -> LayerGradient<T> {
        LayerGradient {
            weights: product(inputs.t(), delta),
            biases: delta.sum_axis(Axis(0)),
        }
    }

    /// ∂L/∂a = δ Wᵀ: the gradient with respect to this layer's inputs, i.e. what flows on
    /// to the layer below (before that layer's activation derivative is applied).
    pub fn backpropagate(&self, delta: ArrayView2<T>) -> Array2<T> {
        product(delta, self.weights.t())
    }
}
