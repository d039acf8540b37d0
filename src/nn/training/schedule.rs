//! Learning-rate schedules: the learning rate at step t (t = 0 is the first step) as a
//! function of the base rate η₀.

use crate::nn::error::UnknownName;
use std::str::FromStr;

/// How the learning rate decays after the warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Decay {
    /// η₀ throughout (the default).
    #[default]
    Constant,
    /// η₀ · factor^⌊t / every⌋.
    Step { every: usize, factor: f64 },
    /// η₀ · γᵗ.
    Exponential { gamma: f64 },
    /// η_min + (η₀ − η_min)·(1 + cos(π t / steps))/2 for t ≤ steps, η_min after, where
    /// η_min = η₀ · min_factor.
    Cosine { steps: usize, min_factor: f64 },
}

/// A decay with an optional linear warm-up: over the first `warmup` steps the rate grows
/// linearly as η(t)·(t + 1)/warmup, reaching the decayed rate at step `warmup − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Schedule {
    pub decay: Decay,
    pub warmup: usize,
}

impl Decay {
    pub fn name(self) -> &'static str {
        match self {
            Decay::Constant => "constant",
            Decay::Step { .. } => "step",
            Decay::Exponential { .. } => "exponential",
            Decay::Cosine { .. } => "cosine",
        }
    }

    /// The decay's multiplier of η₀ at step t.
    pub fn factor(self, t: usize) -> f64 {
        match self {
            Decay::Constant => 1.0,
            Decay::Step { every, factor } => factor.powi((t / every.max(1)) as i32),
            Decay::Exponential { gamma } => gamma.powi(t as i32),
            Decay::Cosine { steps, min_factor } => {
                let progress = (t as f64 / steps.max(1) as f64).min(1.0);
                min_factor
                    + (1.0 - min_factor) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        }
    }
}

impl FromStr for Decay {
    type Err = UnknownName;
    /// `constant`, or a name with placeholder parameters the caller must fill in.
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        match text {
            "constant" => Ok(Decay::Constant),
            "step" => Ok(Decay::Step {
                every: 1,
                factor: 1.0,
            }),
            "exponential" => Ok(Decay::Exponential { gamma: 1.0 }),
            "cosine" => Ok(Decay::Cosine {
                steps: 1,
                min_factor: 0.0,
            }),
            _ => Err(UnknownName::new(
                "schedule",
                text,
                ["constant", "step", "exponential", "cosine"],
            )),
        }
    }
}

impl Schedule {
    /// The learning rate at step `t` for base rate `base`. A constant schedule returns
    /// `base` itself (bit for bit), so plain SGD runs are unchanged by the schedule machinery.
    pub fn lr(&self, base: f64, t: usize) -> f64 {
        let decayed = match self.decay {
            Decay::Constant => base,
            decay => base * decay.factor(t),
        };
        if t < self.warmup {
            decayed * (t + 1) as f64 / self.warmup as f64
        } else {
            decayed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(schedule: Schedule, steps: usize) -> Vec<f64> {
        (0..steps).map(|t| schedule.lr(0.1, t)).collect()
    }

    fn assert_close(actual: &[f64], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len());
        for (a, e) in actual.iter().zip(expected) {
            assert!((a - e).abs() < 1e-15, "{actual:?} vs {expected:?}");
        }
    }

    #[test]
    fn every_schedule_gives_its_values() {
        let plain = |decay| Schedule { decay, warmup: 0 };
        assert_eq!(rates(plain(Decay::Constant), 3), [0.1, 0.1, 0.1]);
        assert_close(
            &rates(
                plain(Decay::Step {
                    every: 2,
                    factor: 0.5,
                }),
                5,
            ),
            &[0.1, 0.1, 0.05, 0.05, 0.025],
        );
        assert_close(
            &rates(plain(Decay::Exponential { gamma: 0.9 }), 3),
            &[0.1, 0.09, 0.081],
        );
        // Cosine over 4 steps to 10% of η₀: 0.1, 0.01 + 0.09·(1 + cos(π/4))/2, 0.055, …, 0.01.
        let cosine = rates(
            plain(Decay::Cosine {
                steps: 4,
                min_factor: 0.1,
            }),
            6,
        );
        let quarter = 0.01 + 0.09 * (1.0 + std::f64::consts::FRAC_1_SQRT_2) / 2.0;
        let three_quarters = 0.01 + 0.09 * (1.0 - std::f64::consts::FRAC_1_SQRT_2) / 2.0;
        assert_close(&cosine, &[0.1, quarter, 0.055, three_quarters, 0.01, 0.01]);
        // Warm-up over 4 steps, then constant.
        let warm = Schedule {
            decay: Decay::Constant,
            warmup: 4,
        };
        assert_close(&rates(warm, 6), &[0.025, 0.05, 0.075, 0.1, 0.1, 0.1]);
        // Warm-up multiplies the decayed rate.
        let both = Schedule {
            decay: Decay::Exponential { gamma: 0.5 },
            warmup: 2,
        };
        assert_close(&rates(both, 3), &[0.05, 0.05, 0.025]);
    }

    #[test]
    fn names_parse() {
        for name in ["constant", "step", "exponential", "cosine"] {
            assert_eq!(name.parse::<Decay>().unwrap().name(), name);
        }
        assert!("linear".parse::<Decay>().is_err());
    }
}
