//! Optimizers: how a gradient becomes a parameter update. The update rules follow PyTorch's
//! `torch.optim` (so runs can be compared with it), written per element:
//!
//! - sgd:       p ← p − η g
//! - momentum:  v ← μ v + g;  p ← p − η v            (nesterov: p ← p − η (g + μ v))
//! - rmsprop:   s ← ρ s + (1 − ρ) g²;  p ← p − η g / (√s + ε)
//! - adam:      m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
//!   p ← p − η m̂ / (√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)
//! - adamw:     adam, after decoupled weight decay p ← p − η λ p on weights (Loshchilov & Hutter 2019)

use std::str::FromStr;

use super::Float;
use super::layer::ParamKind;

/// An optimizer and its hyperparameters (the learning rate is separate: see `Schedule`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    Sgd,
    /// Defaults: momentum 0.9, nesterov false.
    Momentum {
        momentum: f64,
        nesterov: bool,
    },
    /// Defaults: rho (PyTorch's alpha) 0.99, eps 1e-8.
    RmsProp {
        rho: f64,
        eps: f64,
    },
    /// Defaults: beta1 0.9, beta2 0.999, eps 1e-8.
    Adam {
        beta1: f64,
        beta2: f64,
        eps: f64,
    },
    /// Adam with decoupled weight decay; defaults as Adam, weight_decay 0.01.
    AdamW {
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
    },
}

impl Optimizer {
    pub const ALL: [Optimizer; 6] = [
        Optimizer::Sgd,
        Optimizer::Momentum {
            momentum: 0.9,
            nesterov: false,
        },
        Optimizer::Momentum {
            momentum: 0.9,
            nesterov: true,
        },
        Optimizer::RmsProp {
            rho: 0.99,
            eps: 1e-8,
        },
        Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        },
        Optimizer::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
        },
    ];

    /// `sgd`, `momentum`, `nesterov`, `rmsprop`, `adam` or `adamw`.
    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum {
                nesterov: false, ..
            } => "momentum",
            Optimizer::Momentum { nesterov: true, .. } => "nesterov",
            Optimizer::RmsProp { .. } => "rmsprop",
            Optimizer::Adam { .. } => "adam",
            Optimizer::AdamW { .. } => "adamw",
        }
    }

    /// How many state buffers per parameter it keeps.
    fn buffers(self) -> usize {
        match self {
            Optimizer::Sgd => 0,
            Optimizer::Momentum { .. } | Optimizer::RmsProp { .. } => 1,
            Optimizer::Adam { .. } | Optimizer::AdamW { .. } => 2,
        }
    }
}

impl FromStr for Optimizer {
    type Err = String;
    /// A name from [`Optimizer::name`], with default hyperparameters.
    fn from_str(text: &str) -> Result<Self, String> {
        Optimizer::ALL.into_iter().find(|o| o.name() == text).ok_or_else(|| {
            format!("unknown optimizer `{text}`; expected one of: sgd, momentum, nesterov, rmsprop, adam, adamw")
        })
    }
}

/// An optimizer with its per-parameter state, created lazily on the first step.
#[derive(Debug, Clone)]
pub struct OptimizerState<T> {
    pub optimizer: Optimizer,
    /// Steps taken so far (Adam's t after the current step).
    steps: u64,
    /// `state[i]` for the i-th parameter array in `for_each_param` order: `buffers()` vectors.
    state: Vec<Vec<Vec<T>>>,
}

impl<T: Float> OptimizerState<T> {
    pub fn new(optimizer: Optimizer) -> Self {
        OptimizerState {
            optimizer,
            steps: 0,
            state: Vec::new(),
        }
    }

    /// Call once per step before the `update`s of that step.
    pub fn begin_step(&mut self) {
        self.steps += 1;
    }

    /// Updates the `index`-th parameter array in place with learning rate `lr`.
    pub fn update(
        &mut self,
        index: usize,
        kind: ParamKind,
        params: &mut [T],
        grads: &[T],
        lr: f64,
    ) {
        if self.state.len() <= index {
            self.state.resize_with(index + 1, Vec::new);
        }
        let slot = &mut self.state[index];
        if slot.is_empty() {
            *slot = vec![vec![T::zero(); params.len()]; self.optimizer.buffers()];
        }
        let eta = T::from_f64(lr);
        match self.optimizer {
            // p + (−η)·g, the same arithmetic as ndarray's `scaled_add(−η, g)`.
            Optimizer::Sgd => params
                .iter_mut()
                .zip(grads)
                .for_each(|(p, &g)| *p = *p + (-eta) * g),
            Optimizer::Momentum { momentum, nesterov } => {
                let mu = T::from_f64(momentum);
                for ((p, &g), v) in params.iter_mut().zip(grads).zip(slot[0].iter_mut()) {
                    *v = mu * *v + g;
                    let step = if nesterov { g + mu * *v } else { *v };
                    *p = *p - eta * step;
                }
            }
            Optimizer::RmsProp { rho, eps } => {
                let (rho, eps) = (T::from_f64(rho), T::from_f64(eps));
                for ((p, &g), s) in params.iter_mut().zip(grads).zip(slot[0].iter_mut()) {
                    *s = rho * *s + (T::one() - rho) * g * g;
                    *p = *p - eta * g / (s.sqrt() + eps);
                }
            }
            Optimizer::Adam { beta1, beta2, eps } => {
                adam(params, grads, slot, eta, beta1, beta2, eps, self.steps);
            }
            Optimizer::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
            } => {
                if kind == ParamKind::Weights {
                    let shrink = T::one() - eta * T::from_f64(weight_decay);
                    params.iter_mut().for_each(|p| *p = *p * shrink);
                }
                adam(params, grads, slot, eta, beta1, beta2, eps, self.steps);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn adam<T: Float>(
    params: &mut [T],
    grads: &[T],
    slot: &mut [Vec<T>],
    eta: T,
    beta1: f64,
    beta2: f64,
    eps: f64,
    t: u64,
) {
    let t = t.max(1) as i32;
    let correct1 = T::from_f64(1.0 - beta1.powi(t));
    let correct2 = T::from_f64(1.0 - beta2.powi(t));
    let (b1, b2, eps) = (T::from_f64(beta1), T::from_f64(beta2), T::from_f64(eps));
    let (m, v) = slot.split_at_mut(1);
    for (((p, &g), m), v) in params
        .iter_mut()
        .zip(grads)
        .zip(m[0].iter_mut())
        .zip(v[0].iter_mut())
    {
        *m = b1 * *m + (T::one() - b1) * g;
        *v = b2 * *v + (T::one() - b2) * g * g;
        let m_hat = *m / correct1;
        let v_hat = *v / correct2;
        *p = *p - eta * m_hat / (v_hat.sqrt() + eps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two steps of `optimizer` on the parameters [1, −2] with gradients [0.5, −1] then
    /// [0.25, 2], learning rate 0.1.
    fn two_steps(optimizer: Optimizer, kind: ParamKind) -> Vec<[f64; 2]> {
        let mut state = OptimizerState::<f64>::new(optimizer);
        let mut params = [1.0, -2.0];
        let mut history = Vec::new();
        for grads in [[0.5, -1.0], [0.25, 2.0]] {
            state.begin_step();
            state.update(0, kind, &mut params, &grads, 0.1);
            history.push(params);
        }
        history
    }

    fn assert_close(actual: &[[f64; 2]], expected: &[[f64; 2]], what: &str) {
        for (a, e) in actual.iter().flatten().zip(expected.iter().flatten()) {
            assert!((a - e).abs() < 1e-12, "{what}: {actual:?} vs {expected:?}");
        }
    }

    #[test]
    fn first_steps_match_hand_computed_values() {
        let w = ParamKind::Weights;
        // sgd: 1 − 0.05 = 0.95, then 0.95 − 0.025.
        assert_close(
            &two_steps(Optimizer::Sgd, w),
            &[[0.95, -1.9], [0.925, -2.1]],
            "sgd",
        );
        // momentum 0.9: v = 0.5 → p 0.95; v = 0.45 + 0.25 = 0.7 → p 0.88. Second unit:
        // v = −1 → −1.9; v = −0.9 + 2 = 1.1 → −2.01.
        let momentum = Optimizer::Momentum {
            momentum: 0.9,
            nesterov: false,
        };
        assert_close(
            &two_steps(momentum, w),
            &[[0.95, -1.9], [0.88, -2.01]],
            "momentum",
        );
        // nesterov: step g + μv: 0.5 + 0.45 = 0.95 → 0.905; then v = 0.7, 0.25 + 0.63 = 0.88 → 0.817.
        // Second unit: −1 − 0.9 = −1.9 → −1.81; v = 1.1, 2 + 0.99 = 2.99 → −2.109.
        let nesterov = Optimizer::Momentum {
            momentum: 0.9,
            nesterov: true,
        };
        assert_close(
            &two_steps(nesterov, w),
            &[[0.905, -1.81], [0.817, -2.109]],
            "nesterov",
        );
        // rmsprop ρ 0.99, ε 0: s = 0.01 g², so the first step is η·g/(0.1|g|) = ±1.
        let rms = Optimizer::RmsProp {
            rho: 0.99,
            eps: 0.0,
        };
        let got = two_steps(rms, w);
        // step 2, unit 1: s = 0.99·0.0025 + 0.01·0.0625 = 0.003100; 0.1·0.25/√s.
        let second = 0.1 * 0.25 / 0.0031_f64.sqrt();
        assert_close(
            &got,
            &[
                [0.0, -1.0],
                [-second, -1.0 - 0.1 * 2.0 / (0.99 * 0.01_f64 + 0.04).sqrt()],
            ],
            "rmsprop",
        );
        // adam ε 0: the first step is η·sign(g) exactly; the second, unit 1:
        // m = 0.09·0.5·… computed out: m = 0.9·0.05 + 0.1·0.25 = 0.07, v = 0.999·0.00025 + 0.001·0.0625.
        let adam = Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 0.0,
        };
        let got = two_steps(adam, w);
        let (m, v) = (
            0.07 / (1.0 - 0.81),
            (0.999 * 0.00025 + 0.001 * 0.0625) / (1.0 - 0.999_f64 * 0.999),
        );
        let (m2, v2) = (
            (0.9 * -0.1 + 0.2) / (1.0 - 0.81),
            (0.999 * 0.001 + 0.001 * 4.0) / (1.0 - 0.999_f64 * 0.999),
        );
        assert_close(
            &got,
            &[
                [0.9, -1.9],
                [0.9 - 0.1 * m / v.sqrt(), -1.9 - 0.1 * m2 / v2.sqrt()],
            ],
            "adam",
        );
        // adamw λ 0.5: first shrink by 1 − 0.1·0.5 = 0.95, then the adam step.
        let adamw = Optimizer::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 0.0,
            weight_decay: 0.5,
        };
        let got = two_steps(adamw, w);
        assert_close(&got[..1], &[[0.95 - 0.1, -1.9 + 0.1]], "adamw");
        // ... but biases are not decayed.
        assert_close(
            &two_steps(adamw, ParamKind::Biases)[..1],
            &[[0.9, -1.9]],
            "adamw bias",
        );
    }

    #[test]
    fn names_round_trip() {
        for optimizer in Optimizer::ALL {
            assert_eq!(optimizer.name().parse::<Optimizer>(), Ok(optimizer));
        }
        assert!("lbfgs".parse::<Optimizer>().is_err());
    }
}
