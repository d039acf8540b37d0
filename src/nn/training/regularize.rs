//! Penalties added to the loss: L1 (λ₁ Σ|W|) and L2 ((λ₂/2) Σ W²) on the weights (not on
//! biases or norm parameters). Because they are part of the loss, their gradients (λ₁ sign W
//! and λ₂ W) are part of ∂L/∂W, and so of every gradient probe. Decoupled weight decay, by
//! contrast, acts on the update (see `Regularization::weight_decay` and `Optimizer::AdamW`).

use ndarray::Zip;

use crate::nn::Float;
use crate::nn::layers::layer::{Layer, LayerGrads};

/// Regularization settings; all zero (off) by default.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Regularization {
    pub l1: f64,
    pub l2: f64,
    /// Decoupled weight decay for any optimizer: W ← W − η λ W just before each update.
    pub weight_decay: f64,
}

impl Regularization {
    /// Adds the penalties' gradients to `grads` and returns the penalty's value.
    pub fn add_penalty<T: Float>(&self, layers: &[Layer<T>], grads: &mut [LayerGrads<T>]) -> f64 {
        if self.l1 == 0.0 && self.l2 == 0.0 {
            return 0.0;
        }
        let (l1, l2) = (T::from_f64(self.l1), T::from_f64(self.l2));
        let mut penalty = 0.0;
        for (layer, grad) in layers.iter().zip(grads) {
            Zip::from(&mut grad.weights)
                .and(&layer.dense.weights)
                .for_each(|g, &w| {
                    *g = *g + l1 * w.signum_or_zero() + l2 * w;
                });
            let (abs, squares) = layer.dense.weights.iter().fold((0.0, 0.0), |(a, s), &w| {
                (a + w.to_f64().abs(), s + w.to_f64() * w.to_f64())
            });
            penalty += self.l1 * abs + 0.5 * self.l2 * squares;
        }
        penalty
    }
}

/// sign(w), with sign(0) = 0 (the subgradient L1 uses at 0).
trait SignumOrZero {
    fn signum_or_zero(self) -> Self;
}

impl<T: Float> SignumOrZero for T {
    fn signum_or_zero(self) -> T {
        if self == T::zero() {
            T::zero()
        } else {
            self.signum()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::layers::activation::Activation;
    use crate::nn::layers::init::{Init, InitConfig};
    use crate::nn::layers::layer::LayerConfig;
    use crate::nn::layers::norm::Norm;
    use crate::nn::rng::{Purpose, RandomStream};

    fn layer() -> Layer<f64> {
        let mut rng = RandomStream::new(1, Purpose::Init);
        let config = LayerConfig {
            units: 3,
            activation: Activation::Tanh,
            norm: Norm::None,
        };
        Layer::new(4, &config, &InitConfig::new(Init::HeNormal), &mut rng)
    }

    #[test]
    fn l2_gradient_is_lambda_times_w() {
        let layer = layer();
        let mut grads = vec![layer.zero_grads()];
        let penalty = Regularization {
            l2: 0.3,
            ..Default::default()
        }
        .add_penalty(std::slice::from_ref(&layer), &mut grads);
        assert_eq!(grads[0].weights, layer.dense.weights.mapv(|w| 0.3 * w));
        assert_eq!(grads[0].biases, ndarray::Array1::<f64>::zeros(3));
        let expected = 0.15 * layer.dense.weights.mapv(|w| w * w).sum();
        assert!((penalty - expected).abs() < 1e-15);
    }

    #[test]
    fn l1_gradient_is_lambda_times_sign() {
        let mut layer = layer();
        layer.dense.weights[(0, 0)] = 0.0;
        let mut grads = vec![layer.zero_grads()];
        let penalty = Regularization {
            l1: 0.1,
            ..Default::default()
        }
        .add_penalty(std::slice::from_ref(&layer), &mut grads);
        assert_eq!(
            grads[0].weights,
            layer
                .dense
                .weights
                .mapv(|w| if w == 0.0 { 0.0 } else { 0.1 * w.signum() })
        );
        assert!((penalty - 0.1 * layer.dense.weights.mapv(f64::abs).sum()).abs() < 1e-15);
    }
}
