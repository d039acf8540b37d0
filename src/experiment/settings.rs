//! The `data` and `train` tables of an experiment block: every engine option as a TOML key
//! with a documented default (the `model` table, typed by kind, is in `model`). Named choices
//! are parsed by their names, so an unknown name lists the valid ones.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use super::named::{flag_or_table, from_name};
pub use super::precision::{LossScaleSpec, Precision};
use crate::nn::{Optimizer, UnknownName, by_name};

/// Generated data sets (the engine generates them from `data.seed`), and the shipped digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataName {
    Spirals,
    Moons,
    Circles,
    Xor,
    Blobs,
    Random,
    Sine,
    Teacher,
    Digits,
    /// Sequence tasks for recurrent models (`length` = T).
    Adding,
    Copy,
    Parity,
    DelayedRecall,
}

impl DataName {
    /// The name as a block writes it.
    pub fn name(self) -> &'static str {
        match self {
            DataName::Spirals => "spirals",
            DataName::Moons => "moons",
            DataName::Circles => "circles",
            DataName::Xor => "xor",
            DataName::Blobs => "blobs",
            DataName::Random => "random",
            DataName::Sine => "sine",
            DataName::Teacher => "teacher",
            DataName::Digits => "digits",
            DataName::Adding => "adding",
            DataName::Copy => "copy",
            DataName::Parity => "parity",
            DataName::DelayedRecall => "delayed_recall",
        }
    }

    /// Regression sets are trained with mean squared error and have no classes.
    pub fn is_regression(self) -> bool {
        matches!(self, DataName::Sine | DataName::Teacher)
    }

    /// Sequence tasks, for recurrent models.
    pub fn is_sequence(self) -> bool {
        matches!(
            self,
            DataName::Adding | DataName::Copy | DataName::Parity | DataName::DelayedRecall
        )
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    pub name: DataName,
    /// Examples to generate (digits: how many of the 1,797 to use; all by default).
    #[serde(default)]
    pub samples: Option<usize>,
    #[serde(default = "defaults::noise")]
    pub noise: f64,
    /// spirals, blobs, random.
    #[serde(default = "defaults::classes")]
    pub classes: usize,
    /// Input dimension of blobs, random and teacher.
    #[serde(default = "defaults::dim")]
    pub dim: usize,
    /// circles: the inner circle's radius relative to the outer one.
    #[serde(default = "defaults::factor")]
    pub factor: f64,
    /// blobs: the standard deviation of each cluster.
    #[serde(default = "defaults::spread")]
    pub spread: f64,
    /// teacher: the hidden width and outputs of the random teacher network.
    #[serde(default = "defaults::teacher_width")]
    pub teacher_width: usize,
    #[serde(default = "defaults::one")]
    pub outputs: usize,
    /// Sequence tasks: the length T (default 50; parity 10), the copy task's symbols to
    /// remember and the alphabet size of copy and delayed recall.
    #[serde(default)]
    pub length: Option<usize>,
    #[serde(default = "defaults::symbols")]
    pub symbols: usize,
    #[serde(default = "defaults::alphabet")]
    pub alphabet: usize,
    /// The share of examples held out as a test set (0: none).
    #[serde(default)]
    pub test_fraction: f64,
    /// The data set's own seed: changing the training seed keeps the data.
    #[serde(default = "defaults::seed")]
    pub seed: u64,
}

impl DataSpec {
    /// The number of examples used (before the test split).
    pub fn sample_count(&self) -> usize {
        let default = match self.name {
            DataName::Digits => 1797,
            name if name.is_sequence() => 1024,
            _ => 512,
        };
        self.samples.unwrap_or(default)
    }
}

/// `pretrain = true` or `pretrain = { steps_per_layer = 200, lr = 0.1, batch = 64 }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PretrainSpec {
    pub steps_per_layer: usize,
    pub lr: f64,
    pub batch: usize,
}

impl Default for PretrainSpec {
    fn default() -> Self {
        PretrainSpec {
            steps_per_layer: 200,
            lr: 0.1,
            batch: 64,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    #[serde(default = "defaults::optimizer", deserialize_with = "from_name")]
    pub optimizer: Optimizer,
    /// momentum/nesterov's μ; adam's β₁, β₂; rmsprop's ρ; ε of rmsprop and adam.
    #[serde(default)]
    pub momentum: Option<f64>,
    #[serde(default)]
    pub beta1: Option<f64>,
    #[serde(default)]
    pub beta2: Option<f64>,
    #[serde(default)]
    pub rho: Option<f64>,
    #[serde(default)]
    pub eps: Option<f64>,
    pub lr: f64,
    /// "constant", "step" (× decay_factor every decay_every steps), "exponential" (× gamma
    /// per step) or "cosine" (to lr × min_lr_factor at the last step); plus a linear warmup.
    #[serde(default, deserialize_with = "from_name")]
    pub schedule: LrSchedule,
    #[serde(default)]
    pub decay_every: Option<usize>,
    #[serde(default)]
    pub decay_factor: Option<f64>,
    #[serde(default)]
    pub gamma: Option<f64>,
    #[serde(default)]
    pub min_lr_factor: Option<f64>,
    #[serde(default)]
    pub warmup: usize,
    pub steps: usize,
    #[serde(default = "defaults::batch")]
    pub batch: usize,
    #[serde(default = "defaults::seed")]
    pub seed: u64,
    #[serde(default = "defaults::one_usize")]
    pub record_every: usize,
    /// Evaluate on the whole train (and test) set every this many steps; 0 = only when a
    /// figure or claim needs accuracy, then about 50 times per run.
    #[serde(default)]
    pub eval_every: usize,
    #[serde(default)]
    pub clip_norm: Option<f64>,
    #[serde(default)]
    pub clip_value: Option<f64>,
    /// Adaptive (unit-wise) clipping's λ: ‖G_i‖ ≤ λ·max(‖W_i‖, 1e-3) per hidden unit.
    #[serde(default)]
    pub clip_adaptive: Option<f64>,
    /// `"mean"` (default) or `"sum"` of the batch's losses.
    #[serde(default, deserialize_with = "from_name")]
    pub loss_reduction: crate::nn::Reduction,
    /// Measure the sharpness every this many steps (default, when a figure or claim reads
    /// it: every `max(record_every, steps / 20)`).
    #[serde(default)]
    pub sharpness_every: Option<usize>,
    #[serde(default)]
    pub l1: f64,
    #[serde(default)]
    pub l2: f64,
    /// Decoupled weight decay (any optimizer; adamw's own when it is adamw).
    #[serde(default)]
    pub weight_decay: Option<f64>,
    #[serde(default, deserialize_with = "flag_or_table")]
    pub pretrain: Option<PretrainSpec>,
    /// Recurrent models: truncated BPTT over this many steps (default: full BPTT).
    #[serde(default)]
    pub truncation: Option<usize>,
    /// f32 (default, like the frameworks readers know), f64, or an emulated half format
    /// (f16, bf16) with f32 master weights.
    #[serde(default, deserialize_with = "from_name")]
    pub precision: Precision,
    /// The half formats' loss scale: a number (static), `"dynamic"` or a table `{ init,
    /// growth_interval }` (PyTorch's GradScaler); none by default.
    #[serde(default)]
    pub loss_scale: Option<LossScaleSpec>,
}

/// `train.schedule`: how the learning rate decays after the warm-up (the decay's parameters
/// are keys beside it: `decay_every`, `decay_factor`, `gamma`, `min_lr_factor`).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub enum LrSchedule {
    #[default]
    Constant,
    Step,
    Exponential,
    Cosine,
}

impl LrSchedule {
    pub const ALL: [LrSchedule; 4] = [
        LrSchedule::Constant,
        LrSchedule::Step,
        LrSchedule::Exponential,
        LrSchedule::Cosine,
    ];

    /// The name as a block writes it.
    pub fn name(self) -> &'static str {
        match self {
            LrSchedule::Constant => "constant",
            LrSchedule::Step => "step",
            LrSchedule::Exponential => "exponential",
            LrSchedule::Cosine => "cosine",
        }
    }
}

impl FromStr for LrSchedule {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        by_name("schedule", text, &LrSchedule::ALL, LrSchedule::name)
    }
}

// Debug as the quoted name: `run::cache_key` hashes a run's Debug text, and it was a
// string before it was an enum, so cached runs stay valid (the same for `Precision`).
impl fmt::Debug for LrSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.name(), f)
    }
}

/// The defaults an author may leave out, written down in one place (and in the reference).
mod defaults {
    use super::Optimizer;
    pub fn noise() -> f64 {
        0.1
    }
    pub fn classes() -> usize {
        2
    }
    pub fn dim() -> usize {
        2
    }
    pub fn factor() -> f64 {
        0.5
    }
    pub fn spread() -> f64 {
        1.0
    }
    pub fn teacher_width() -> usize {
        32
    }
    pub fn one() -> usize {
        1
    }
    pub fn symbols() -> usize {
        10
    }
    pub fn alphabet() -> usize {
        8
    }
    pub fn one_usize() -> usize {
        1
    }
    pub fn seed() -> u64 {
        1
    }
    pub fn optimizer() -> Optimizer {
        Optimizer::Sgd
    }
    pub fn batch() -> usize {
        64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::parse_block;

    const BLOCK: &str = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"spirals\" }\nmodel = { depth = 3, width = 8, activation = \"tanh\" }\ntrain = { lr = 0.1, steps = 10 }\n";

    #[test]
    fn schedule_and_precision_are_names_with_the_usual_errors() {
        let train = |extra: &str| BLOCK.replace("steps = 10", &format!("steps = 10, {extra}"));
        let run = parse_block(&train("schedule = \"cosine\", precision = \"f64\""))
            .unwrap()
            .runs
            .remove(0);
        assert_eq!(
            (run.train.schedule, run.train.precision),
            (LrSchedule::Cosine, Precision::F64)
        );
        let run = parse_block(BLOCK).unwrap().runs.remove(0);
        assert_eq!(
            (run.train.schedule, run.train.precision),
            (LrSchedule::Constant, Precision::F32)
        );
        for (extra, key, message) in [
            (
                "schedule = \"cosin\"",
                "train.schedule",
                "unknown schedule `cosin`; expected one of: constant, step, exponential, cosine; did you mean `cosine`?",
            ),
            (
                "precision = \"f8\"",
                "train.precision",
                "unknown precision `f8`; expected one of: f32, f64, f16, bf16",
            ),
        ] {
            let errors = parse_block(&train(extra)).unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(
                (
                    errors[0].key.as_deref(),
                    errors[0].line,
                    errors[0].message.as_str()
                ),
                (Some(key), 5, message)
            );
        }
    }
}
