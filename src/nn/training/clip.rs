//! Gradient clipping: the classic remedy for exploding gradients (Pascanu et al. 2013).

use crate::nn::Float;
use crate::nn::error::{UnknownName, by_name};
use crate::nn::layers::layer::{Layer, LayerGrads};

/// How (and whether) gradients are clipped before the update.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Clip {
    #[default]
    None,
    /// If the global norm ‖g‖ (over every parameter of every layer) exceeds `max_norm`,
    /// scale every gradient by max_norm/‖g‖, so the norm becomes exactly `max_norm` and
    /// the direction is kept.
    GlobalNorm { max_norm: f64 },
    /// Clamp every gradient component to [−max, max] (changes the direction).
    Value { max: f64 },
    /// Adaptive gradient clipping, unit-wise (Brock et al. 2021): for each unit i of a
    /// hidden layer, if ‖G_i‖ > λ·max(‖W_i‖, ε), scale G_i to that size. A unit's G_i and
    /// W_i are its fan-in weights (a column of W) and, separately, its bias; the output
    /// layer is not clipped, as in the paper, nor are a norm's γ and β.
    Adaptive { lambda: f64, eps: f64 },
}

impl Clip {
    /// Brock et al.'s defaults: λ = 0.01, ε = 1e-3.
    pub const ADAPTIVE: Clip = Clip::Adaptive {
        lambda: 0.01,
        eps: 1e-3,
    };

    pub fn name(self) -> &'static str {
        match self {
            Clip::None => "none",
            Clip::GlobalNorm { .. } => "norm",
            Clip::Value { .. } => "value",
            Clip::Adaptive { .. } => "adaptive",
        }
    }

    /// Clips a feed-forward network's `grads` in place, given the network's `layers` and
    /// the gradients' global norm; returns whether anything changed.
    pub fn apply<T: Float>(
        self,
        layers: &[Layer<T>],
        grads: &mut [LayerGrads<T>],
        global_norm: f64,
    ) -> bool {
        if let Clip::Adaptive { lambda, eps } = self {
            return clip_unit_wise(layers, grads, lambda, eps);
        }
        let values = grads.iter_mut().flat_map(LayerGrads::values_mut);
        self.apply_to_values(values, global_norm)
    }

    /// Clips every gradient component in `values` in place, given the global norm of all
    /// of them; returns whether anything changed. (Any model's parameters: the
    /// feed-forward layers', the recurrent cells'.)
    pub fn apply_to_values<'a, T: Float + 'a>(
        self,
        values: impl IntoIterator<Item = &'a mut T>,
        global_norm: f64,
    ) -> bool {
        match self {
            Clip::None => false,
            Clip::GlobalNorm { max_norm } => {
                if global_norm <= max_norm {
                    return false;
                }
                let scale = T::from_f64(max_norm / global_norm);
                values.into_iter().for_each(|g| *g = *g * scale);
                true
            }
            Clip::Value { max } => {
                let (low, high) = (T::from_f64(-max), T::from_f64(max));
                let mut changed = false;
                for g in values {
                    if *g > high || *g < low {
                        *g = g.max(low).min(high);
                        changed = true;
                    }
                }
                changed
            }
            Clip::Adaptive { .. } => panic!(
                "adaptive clipping needs the parameters' norms: only feed-forward nets (Clip::apply) support it"
            ),
        }
    }
}

/// [`Clip::Adaptive`] on every layer but the output one.
fn clip_unit_wise<T: Float>(
    layers: &[Layer<T>],
    grads: &mut [LayerGrads<T>],
    lambda: f64,
    eps: f64,
) -> bool {
    let hidden = layers.len().saturating_sub(1);
    let mut changed = false;
    // Scales `grad` down to λ·max(‖param‖, ε) if it is longer (norms in f64).
    let mut clip = |param_norm: f64, grad_norm: f64, grad: &mut dyn FnMut(T)| {
        let limit = lambda * param_norm.max(eps);
        if grad_norm > limit {
            grad(T::from_f64(limit / grad_norm));
            changed = true;
        }
    };
    for (layer, grad) in layers.iter().zip(grads.iter_mut()).take(hidden) {
        let weights = layer.dense.weights.columns();
        for (param, mut column) in weights.into_iter().zip(grad.weights.columns_mut()) {
            let grad_norm = global_norm(column.iter());
            clip(global_norm(param.iter()), grad_norm, &mut |scale| {
                column.mapv_inplace(|g| g * scale)
            });
        }
        for (bias, g) in layer.dense.biases.iter().zip(grad.biases.iter_mut()) {
            let grad_norm = Float::to_f64(*g).abs();
            clip(Float::to_f64(*bias).abs(), grad_norm, &mut |scale| {
                *g = *g * scale
            });
        }
    }
    changed
}

impl std::str::FromStr for Clip {
    type Err = UnknownName;
    /// `none`, `norm` (max_norm 1), `value` (max 1) or `adaptive` (λ 0.01, ε 1e-3, the
    /// paper's defaults); the caller sets the threshold.
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        let choices = [
            Clip::None,
            Clip::GlobalNorm { max_norm: 1.0 },
            Clip::Value { max: 1.0 },
            Clip::ADAPTIVE,
        ];
        by_name("clipping", text, &choices, Clip::name)
    }
}

/// √(Σ g²) over every gradient component, accumulated in f64 in order.
pub fn global_norm<'a, T: Float + 'a>(values: impl IntoIterator<Item = &'a T>) -> f64 {
    (values.into_iter())
        .map(|&g| g.to_f64() * g.to_f64())
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, array};

    fn values(grads: &[LayerGrads<f64>]) -> impl Iterator<Item = &f64> {
        grads.iter().flat_map(LayerGrads::values)
    }

    fn grads() -> Vec<LayerGrads<f64>> {
        vec![
            LayerGrads {
                weights: array![[3.0, -4.0], [0.5, 12.0]],
                biases: array![1.0, -2.0],
                gamma: Array1::zeros(0),
                beta: Array1::zeros(0),
                block_gamma: Array1::zeros(0),
                block_beta: Array1::zeros(0),
                alpha: Array1::zeros(0),
            },
            LayerGrads {
                weights: array![[-20.0], [0.1]],
                biases: array![7.0],
                gamma: array![2.0],
                beta: array![-1.0],
                block_gamma: Array1::zeros(0),
                block_beta: Array1::zeros(0),
                alpha: Array1::zeros(0),
            },
        ]
    }

    #[test]
    fn norm_clipping_bounds_the_global_norm_exactly() {
        let mut g = grads();
        let before = global_norm(values(&g));
        assert!(Clip::GlobalNorm { max_norm: 5.0 }.apply(&[], &mut g, before));
        let after = global_norm(values(&g));
        assert!((after - 5.0).abs() < 1e-12, "{after}");
        // The direction is kept: every component scaled by the same 5/‖g‖.
        assert!((g[1].weights[(0, 0)] / -20.0 - 5.0 / before).abs() < 1e-15);
        // Below the threshold nothing changes.
        let mut small = grads();
        assert!(!Clip::GlobalNorm { max_norm: 1e3 }.apply(&[], &mut small, before));
        assert_eq!(small, grads());
    }

    #[test]
    fn value_clipping_clamps_each_component() {
        let mut g = grads();
        assert!(Clip::Value { max: 2.5 }.apply(&[], &mut g, 0.0));
        assert_eq!(g[0].weights, array![[2.5, -2.5], [0.5, 2.5]]);
        assert_eq!(g[1].biases, array![2.5]);
        assert_eq!(g[1].beta, array![-1.0]);
        assert!(!Clip::Value { max: 100.0 }.apply(&[], &mut grads(), 0.0));
    }

    #[test]
    fn adaptive_clipping_bounds_each_hidden_units_ratio_and_leaves_the_output_layer() {
        use crate::nn::{Activation, Init, InitConfig, LayerConfig, Norm};
        let mut rng = crate::nn::rng::RandomStream::new(1, crate::nn::rng::Purpose::Init);
        let init = InitConfig::new(Init::HeNormal);
        let config = |units| LayerConfig {
            units,
            activation: Activation::Relu,
            norm: Norm::None,
        };
        let layers = vec![
            Layer::<f64>::new(2, &config(2), &init, &mut rng),
            Layer::<f64>::new(2, &config(1), &init, &mut rng),
        ];
        let mut g = grads();
        let before = g.clone();
        let lambda = 0.05;
        assert!(Clip::Adaptive { lambda, eps: 1e-3 }.apply(&layers, &mut g, 0.0));
        let weights = &layers[0].dense.weights;
        for unit in 0..2 {
            let w = weights
                .column(unit)
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt();
            let norm = g[0]
                .weights
                .column(unit)
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt();
            // Clipped to exactly λ‖W_i‖, in the same direction.
            assert!(
                (norm - lambda * w).abs() < 1e-12,
                "unit {unit}: {norm} vs {}",
                lambda * w
            );
            let scale = g[0].weights[(0, unit)] / before[0].weights[(0, unit)];
            assert!((g[0].weights[(1, unit)] - scale * before[0].weights[(1, unit)]).abs() < 1e-12);
            // Zero biases: the limit is λε.
            assert!((g[0].biases[unit].abs() - lambda * 1e-3).abs() < 1e-15);
        }
        assert_eq!(g[1], before[1], "the output layer is not clipped");
        // A generous λ changes nothing.
        let mut g = grads();
        assert!(
            !Clip::Adaptive {
                lambda: 1e9,
                eps: 1e-3
            }
            .apply(&layers, &mut g, 0.0)
        );
    }
}
