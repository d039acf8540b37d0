//! Gradient clipping: the classic remedy for exploding gradients (Pascanu et al. 2013).

use crate::nn::Float;
use crate::nn::error::{UnknownName, by_name};
use crate::nn::layers::layer::LayerGrads;

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
}

impl Clip {
    pub fn name(self) -> &'static str {
        match self {
            Clip::None => "none",
            Clip::GlobalNorm { .. } => "norm",
            Clip::Value { .. } => "value",
        }
    }

    /// Clips a feed-forward network's `grads` in place, given their global norm; returns
    /// whether anything changed.
    pub fn apply<T: Float>(self, grads: &mut [LayerGrads<T>], global_norm: f64) -> bool {
        let values = grads.iter_mut().flat_map(|grad| {
            (grad.weights.iter_mut())
                .chain(&mut grad.biases)
                .chain(&mut grad.gamma)
                .chain(&mut grad.beta)
        });
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
        }
    }
}

impl std::str::FromStr for Clip {
    type Err = UnknownName;
    /// `none`, `norm` (max_norm 1) or `value` (max 1); the caller sets the threshold.
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        let choices = [
            Clip::None,
            Clip::GlobalNorm { max_norm: 1.0 },
            Clip::Value { max: 1.0 },
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
        grads.iter().flat_map(|grad| {
            (grad.weights.iter())
                .chain(&grad.biases)
                .chain(&grad.gamma)
                .chain(&grad.beta)
        })
    }

    fn grads() -> Vec<LayerGrads<f64>> {
        vec![
            LayerGrads {
                weights: array![[3.0, -4.0], [0.5, 12.0]],
                biases: array![1.0, -2.0],
                gamma: Array1::zeros(0),
                beta: Array1::zeros(0),
            },
            LayerGrads {
                weights: array![[-20.0], [0.1]],
                biases: array![7.0],
                gamma: array![2.0],
                beta: array![-1.0],
            },
        ]
    }

    #[test]
    fn norm_clipping_bounds_the_global_norm_exactly() {
        let mut g = grads();
        let before = global_norm(values(&g));
        assert!(Clip::GlobalNorm { max_norm: 5.0 }.apply(&mut g, before));
        let after = global_norm(values(&g));
        assert!((after - 5.0).abs() < 1e-12, "{after}");
        // The direction is kept: every component scaled by the same 5/‖g‖.
        assert!((g[1].weights[(0, 0)] / -20.0 - 5.0 / before).abs() < 1e-15);
        // Below the threshold nothing changes.
        let mut small = grads();
        assert!(!Clip::GlobalNorm { max_norm: 1e3 }.apply(&mut small, before));
        assert_eq!(small, grads());
    }

    #[test]
    fn value_clipping_clamps_each_component() {
        let mut g = grads();
        assert!(Clip::Value { max: 2.5 }.apply(&mut g, 0.0));
        assert_eq!(g[0].weights, array![[2.5, -2.5], [0.5, 2.5]]);
        assert_eq!(g[1].biases, array![2.5]);
        assert_eq!(g[1].beta, array![-1.0]);
        assert!(!Clip::Value { max: 100.0 }.apply(&mut grads(), 0.0));
    }
}
