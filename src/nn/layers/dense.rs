//! A dense (fully connected) layer's parameters, for z = a W + b with the batch along rows
//! (the product itself is the layer's forward pass, `layer.rs`).
//!
//! Shapes, for a batch of B examples through a layer of `fan_in` → `fan_out` units:
//! a is B × fan_in, W is fan_in × fan_out, b is fan_out, z is B × fan_out.

use ndarray::{Array1, Array2};

/// One layer's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense<T> {
    /// `fan_in × fan_out`.
    pub weights: Array2<T>,
    /// `fan_out`.
    pub biases: Array1<T>,
}

impl<T> Dense<T> {
    pub fn fan_in(&self) -> usize {
        self.weights.nrows()
    }

    pub fn fan_out(&self) -> usize {
        self.weights.ncols()
    }
}
