//! The input–output Jacobian J = ∂(network output)/∂(input) at one input, and its singular
//! values: the quantity behind dynamical isometry (Saxe et al. 2013; Pennington et al. 2017).
//! A gradient reaching the input is Jᵀ·(∂L/∂output), so the spread of J's singular values is
//! how unevenly the network passes gradients in different directions, not only how much.
//!
//! J is built exactly by the engine's own backward pass, one output unit per row of a batch:
//! the batch holds n_out copies of the input, the output gradient is the identity, so row k
//! of layer 1's δ is ∂out_k/∂z¹ and J = δ¹·(W¹)ᵀ. Batch norm is refused: its statistics over
//! a batch of identical rows are not the network's. The SVD is nalgebra's.

use ndarray::{Array2, ArrayView1};

use crate::nn::Float;
use crate::nn::error::ConfigError;
use crate::nn::layers::network::Network;
use crate::nn::layers::norm::{Mode, Norm};

/// The Jacobian of `net`'s output with respect to its input at `input`, in f64
/// (n_out × n_in).
pub fn input_output_jacobian<T: Float>(
    net: &Network<T>,
    input: ArrayView1<T>,
) -> Result<Array2<f64>, ConfigError> {
    if net.layers().iter().any(|layer| {
        matches!(
            layer.norm.as_ref().map(|n| n.kind),
            Some(Norm::Batch { .. })
        )
    }) {
        return Err(ConfigError::JacobianWithBatchNorm);
    }
    if input.len() != net.input_dim() {
        return Err(ConfigError::FeatureCount {
            data: input.len(),
            network: net.input_dim(),
        });
    }
    let outputs = net.output_dim();
    let inputs = input.broadcast((outputs, input.len())).unwrap().to_owned();
    let mut work = net.workspace(outputs);
    net.forward(inputs.view(), Mode::Train, &mut work);
    let identity = Array2::<T>::eye(outputs);
    let mut grads = net.zero_grads();
    net.backward(inputs.view(), identity.view(), &mut work, &mut grads);
    let to_f64 = |a: &Array2<T>| a.mapv(Float::to_f64);
    let delta = to_f64(&work.layers[0].delta);
    let weights = to_f64(&net.layers()[0].dense.weights);
    Ok(delta.dot(&weights.t()))
}

/// A matrix's singular values, largest first.
pub fn singular_values(matrix: &Array2<f64>) -> Vec<f64> {
    let (rows, cols) = matrix.dim();
    let copy = nalgebra::DMatrix::from_fn(rows, cols, |i, j| matrix[(i, j)]);
    let mut values: Vec<f64> = copy.singular_values().iter().copied().collect();
    values.sort_by(|a, b| b.total_cmp(a));
    values
}

/// What the book reports of a spectrum.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum {
    /// Largest first.
    pub singular_values: Vec<f64>,
}

impl Spectrum {
    /// The singular values of `net`'s input–output Jacobian at `input`.
    pub fn of<T: Float>(net: &Network<T>, input: ArrayView1<T>) -> Result<Self, ConfigError> {
        let jacobian = input_output_jacobian(net, input)?;
        Ok(Spectrum {
            singular_values: singular_values(&jacobian),
        })
    }

    /// mean(s²) = ‖J‖_F²/min(n_out, n_in): 1 when the net preserves lengths on average.
    pub fn mean_square(&self) -> f64 {
        let n = self.singular_values.len().max(1) as f64;
        self.singular_values.iter().map(|s| s * s).sum::<f64>() / n
    }

    /// var(s²)/mean(s²)²: 0 for an isometry, whatever the overall scale.
    pub fn relative_spread(&self) -> f64 {
        let mean = self.mean_square();
        let n = self.singular_values.len().max(1) as f64;
        let var = self
            .singular_values
            .iter()
            .map(|s| (s * s - mean).powi(2))
            .sum::<f64>()
            / n;
        var / (mean * mean)
    }

    pub fn max(&self) -> f64 {
        self.singular_values.first().copied().unwrap_or(0.0)
    }

    pub fn min(&self) -> f64 {
        self.singular_values.last().copied().unwrap_or(0.0)
    }

    /// s_max/s_min (∞ when J is singular).
    pub fn condition_number(&self) -> f64 {
        self.max() / self.min()
    }
}

#[cfg(test)]
#[path = "jacobian_tests.rs"]
mod tests;
