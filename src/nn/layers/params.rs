//! A network's parameters as flat arrays, in the one fixed order the optimizers key their
//! state on.

use crate::nn::Float;
use crate::nn::layers::layer::{Layer, LayerGrads};

/// Which of a layer's parameters an array is: weight decay and L1/L2 penalties apply to
/// `Weights` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Weights,
    Biases,
    Gamma,
    Beta,
    /// A residual block's learned branch scale (ReZero's α).
    Alpha,
}

/// Calls `visit(layer index, kind, parameters, gradients)` for every parameter array of
/// every layer, in a fixed order (layer by layer: W, b, then γ, β if normalized, the block norm's γ, β and
/// the learned α if the layer carries them), each as
/// a flat slice. Optimizers key their state on this order.
pub fn for_each_param<T: Float>(
    layers: &mut [Layer<T>],
    grads: &[LayerGrads<T>],
    mut visit: impl FnMut(usize, ParamKind, &mut [T], &[T]),
) {
    for (index, (layer, grad)) in layers.iter_mut().zip(grads).enumerate() {
        visit(
            index,
            ParamKind::Weights,
            layer
                .dense
                .weights
                .as_slice_mut()
                .expect("parameters are contiguous"),
            grad.weights.as_slice().expect("gradients are contiguous"),
        );
        visit(
            index,
            ParamKind::Biases,
            layer
                .dense
                .biases
                .as_slice_mut()
                .expect("parameters are contiguous"),
            grad.biases.as_slice().expect("gradients are contiguous"),
        );
        if let Some(norm) = &mut layer.norm {
            visit(
                index,
                ParamKind::Gamma,
                norm.gamma
                    .as_slice_mut()
                    .expect("parameters are contiguous"),
                grad.gamma.as_slice().expect("gradients are contiguous"),
            );
            visit(
                index,
                ParamKind::Beta,
                norm.beta.as_slice_mut().expect("parameters are contiguous"),
                grad.beta.as_slice().expect("gradients are contiguous"),
            );
        }
        if let Some(norm) = &mut layer.block_norm {
            visit(
                index,
                ParamKind::Gamma,
                norm.gamma
                    .as_slice_mut()
                    .expect("parameters are contiguous"),
                grad.block_gamma
                    .as_slice()
                    .expect("gradients are contiguous"),
            );
            visit(
                index,
                ParamKind::Beta,
                norm.beta.as_slice_mut().expect("parameters are contiguous"),
                grad.block_beta
                    .as_slice()
                    .expect("gradients are contiguous"),
            );
        }
        if let Some(alpha) = &mut layer.alpha {
            visit(
                index,
                ParamKind::Alpha,
                std::slice::from_mut(alpha),
                grad.alpha.as_slice().expect("gradients are contiguous"),
            );
        }
    }
}
