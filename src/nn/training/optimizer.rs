//! Optimizers: how a gradient becomes a parameter update. The update rules follow PyTorch's
//! `torch.optim` (so runs can be compared with it), written per element:
//!
//! - sgd:       p ← p − η g
//! - momentum:  v ← μ v + g;  p ← p − η v            (nesterov: p ← p − η (g + μ v))
//! - rmsprop:   s ← ρ s + (1 − ρ) g²;  p ← p − η g / (√s + ε)
//! - adam:      m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
//!   p ← p − η m̂ / (√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)
//! - adamw:     adam, after decoupled weight decay p ← p − η λ p on weights (Loshchilov & Hutter 2019)

use crate::nn::error::{UnknownName, by_name};
use std::str::FromStr;

use rayon::prelude::*;

use crate::nn::Float;
use crate::nn::kernels::{CHUNK, add_squares, combine_lanes, on_a_pool_thread, with_wide_vectors};
use crate::nn::layers::layer::ParamKind;
use crate::nn::probes::moments::add_step_squares;

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
    type Err = UnknownName;
    /// A name from [`Optimizer::name`], with default hyperparameters.
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        by_name("optimizer", text, &Optimizer::ALL, Optimizer::name)
    }
}

/// What [`OptimizerState::update_with`] measures of the step it takes.
pub enum Measure<'a, T> {
    Nothing,
    /// Σ change² (change = after − before, in T).
    Squares,
    /// Σ change², and each change written to the buffer (for a scaled norm when the sum
    /// under- or overflows, which f64 parameters can do and f32 ones cannot).
    SquaresAndChanges(&'a mut Vec<T>),
}

/// What a measured update returns: Σ change² and Σ before² (the parameters' squares before
/// the step), each summed as [`crate::nn::kernels::sum_squares`] sums.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sizes {
    pub change_squares: f64,
    pub before_squares: f64,
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
        self.update_with(index, kind, params, grads, lr, None, Measure::Nothing);
    }

    /// [`OptimizerState::update`], after decoupled weight decay p ← `decay`·p if given;
    /// returns Σ change² (in f64; change = after − before, in T) and Σ before² when
    /// `measure` asks, for the update/weight ratio and weight norm probes.
    ///
    /// Arrays longer than [`CHUNK`] are updated in pieces on rayon's pool; the sum adds
    /// the pieces' sums in order, so its bits do not depend on the thread count (and for
    /// one piece equal [`crate::nn::kernels::sum_squares`] of the changes). Each piece is measured
    /// while it is updated, block by block through a small stack buffer, so measuring
    /// costs no extra pass over the weights.
    #[allow(clippy::too_many_arguments)]
    pub fn update_with(
        &mut self,
        index: usize,
        kind: ParamKind,
        params: &mut [T],
        grads: &[T],
        lr: f64,
        decay: Option<T>,
        measure: Measure<'_, T>,
    ) -> Option<Sizes> {
        assert_eq!(params.len(), grads.len());
        if self.state.len() <= index {
            self.state.resize_with(index + 1, Vec::new);
        }
        let slot = &mut self.state[index];
        if slot.is_empty() {
            *slot = vec![vec![T::zero(); params.len()]; self.optimizer.buffers()];
        }
        let (first, second): (&mut [T], &mut [T]) = match slot.as_mut_slice() {
            [] => (&mut [], &mut []),
            [one] => (one, &mut []),
            [one, two] => (one, two),
            _ => unreachable!("an optimizer keeps at most two buffers"),
        };
        let rule = Rule {
            optimizer: self.optimizer,
            kind,
            eta: T::from_f64(lr),
            steps: self.steps,
            decay,
        };
        let len = params.len();
        // Per piece: None = not measured; Some(None) = measured; Some(Some(buffer)) = and kept.
        let pieces = len.div_ceil(CHUNK);
        let changes: Vec<Option<Option<&mut [T]>>> = match measure {
            Measure::Nothing => (0..pieces).map(|_| None).collect(),
            Measure::Squares => (0..pieces).map(|_| Some(None)).collect(),
            Measure::SquaresAndChanges(buffer) => {
                buffer.resize(len, T::zero());
                buffer[..len]
                    .chunks_mut(CHUNK)
                    .map(|c| Some(Some(c)))
                    .collect()
            }
        };
        let measured = changes.first().is_some_and(Option::is_some);
        if len <= CHUNK {
            let change = changes.into_iter().next().flatten();
            return rule.piece(params, grads, first, second, change);
        }
        let sums: Vec<Option<Sizes>> = if on_a_pool_thread() {
            params
                .par_chunks_mut(CHUNK)
                .zip(grads.par_chunks(CHUNK))
                .zip(pieces_of(first, pieces))
                .zip(pieces_of(second, pieces))
                .zip(changes)
                .map(|((((p, g), s1), s2), c)| rule.piece(p, g, s1, s2, c))
                .collect()
        } else {
            params
                .chunks_mut(CHUNK)
                .zip(grads.chunks(CHUNK))
                .zip(pieces_of(first, pieces))
                .zip(pieces_of(second, pieces))
                .zip(changes)
                .map(|((((p, g), s1), s2), c)| rule.piece(p, g, s1, s2, c))
                .collect()
        };
        measured.then(|| {
            sums.iter()
                .flatten()
                .fold(Sizes::default(), |total, piece| Sizes {
                    change_squares: total.change_squares + piece.change_squares,
                    before_squares: total.before_squares + piece.before_squares,
                })
        })
    }
}

/// `buffer` in pieces of [`CHUNK`], or `pieces` empty slices for an unused buffer.
fn pieces_of<T>(buffer: &mut [T], pieces: usize) -> Vec<&mut [T]> {
    if buffer.is_empty() {
        (0..pieces).map(|_| <&mut [T]>::default()).collect()
    } else {
        buffer.chunks_mut(CHUNK).collect()
    }
}

/// One step's update rule, applied to a piece of a parameter array.
struct Rule<T> {
    optimizer: Optimizer,
    kind: ParamKind,
    eta: T,
    steps: u64,
    decay: Option<T>,
}

/// Elements measured at a time through the stack buffer (a multiple of 8, the lanes).
const BLOCK: usize = 256;

impl<T: Float> Rule<T> {
    /// Updates a piece (with its state buffers `s1`, `s2`, empty if unused); if measured,
    /// returns Σ change² summed in the lanes of [`crate::nn::kernels::sum_map`], writing the
    /// changes to the buffer if one is given.
    fn piece(
        &self,
        params: &mut [T],
        grads: &[T],
        s1: &mut [T],
        s2: &mut [T],
        measure: Option<Option<&mut [T]>>,
    ) -> Option<Sizes> {
        let Some(kept) = measure else {
            self.apply(params, grads, s1, s2);
            return None;
        };
        with_wide_vectors(
            #[inline(always)]
            || self.measured_piece(params, grads, s1, s2, kept),
        )
    }

    /// [`Rule::piece`] when measured.
    #[inline(always)]
    fn measured_piece(
        &self,
        params: &mut [T],
        grads: &[T],
        s1: &mut [T],
        s2: &mut [T],
        mut kept: Option<&mut [T]>,
    ) -> Option<Sizes> {
        let (mut lanes, mut before_lanes) = ([0.0f64; 8], [0.0f64; 8]);
        let mut scratch = [T::zero(); BLOCK];
        let keeping = kept.is_some();
        for start in (0..params.len()).step_by(BLOCK) {
            let end = (start + BLOCK).min(params.len());
            // The old values, then the changes, in the kept buffer or the stack scratch.
            let change = match kept.as_mut() {
                Some(buffer) => &mut buffer[start..end],
                None => &mut scratch[..end - start],
            };
            change.copy_from_slice(&params[start..end]);
            let state = |s: &mut [T]| -> std::ops::Range<usize> {
                if s.is_empty() { 0..0 } else { start..end }
            };
            let (r1, r2) = (state(s1), state(s2));
            self.apply(
                &mut params[start..end],
                &grads[start..end],
                &mut s1[r1],
                &mut s2[r2],
            );
            if !keeping {
                // Both sums in one pass (the changes are not kept).
                add_step_squares(&mut before_lanes, &mut lanes, change, &params[start..end]);
                continue;
            }
            add_squares(&mut before_lanes, change);
            for (c, &a) in change.iter_mut().zip(&params[start..end]) {
                *c = a - *c;
            }
            add_squares(&mut lanes, change);
        }
        Some(Sizes {
            change_squares: combine_lanes(lanes),
            before_squares: combine_lanes(before_lanes),
        })
    }

    /// The update of a piece, element by element (state buffers empty if unused).
    #[inline(always)]
    fn apply(&self, params: &mut [T], grads: &[T], s1: &mut [T], s2: &mut [T]) {
        if let Some(decay) = self.decay {
            params.iter_mut().for_each(|p| *p = *p * decay);
        }
        let eta = self.eta;
        match self.optimizer {
            // p + (−η)·g, the same arithmetic as ndarray's `scaled_add(−η, g)`.
            Optimizer::Sgd => params
                .iter_mut()
                .zip(grads)
                .for_each(|(p, &g)| *p = *p + (-eta) * g),
            Optimizer::Momentum { momentum, nesterov } => {
                let mu = T::from_f64(momentum);
                for ((p, &g), v) in params.iter_mut().zip(grads).zip(s1.iter_mut()) {
                    *v = mu * *v + g;
                    let step = if nesterov { g + mu * *v } else { *v };
                    *p = *p - eta * step;
                }
            }
            Optimizer::RmsProp { rho, eps } => {
                let (rho, eps) = (T::from_f64(rho), T::from_f64(eps));
                for ((p, &g), s) in params.iter_mut().zip(grads).zip(s1.iter_mut()) {
                    *s = rho * *s + (T::one() - rho) * g * g;
                    *p = *p - eta * g / (s.sqrt() + eps);
                }
            }
            Optimizer::Adam { beta1, beta2, eps } => {
                adam(params, grads, s1, s2, eta, beta1, beta2, eps, self.steps);
            }
            Optimizer::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
            } => {
                if self.kind == ParamKind::Weights {
                    let shrink = T::one() - eta * T::from_f64(weight_decay);
                    params.iter_mut().for_each(|p| *p = *p * shrink);
                }
                adam(params, grads, s1, s2, eta, beta1, beta2, eps, self.steps);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn adam<T: Float>(
    params: &mut [T],
    grads: &[T],
    m: &mut [T],
    v: &mut [T],
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
    for (((p, &g), m), v) in params
        .iter_mut()
        .zip(grads)
        .zip(m.iter_mut())
        .zip(v.iter_mut())
    {
        *m = b1 * *m + (T::one() - b1) * g;
        *v = b2 * *v + (T::one() - b2) * g * g;
        let m_hat = *m / correct1;
        let v_hat = *v / correct2;
        *p = *p - eta * m_hat / (v_hat.sqrt() + eps);
    }
}

#[cfg(test)]
#[path = "optimizer_tests.rs"]
mod tests;
