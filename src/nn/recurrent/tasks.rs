//! Sequence tasks that need memory over a chosen number of steps T, generated from a seed.
//!
//! - adding (Hochreiter & Schmidhuber 1997, in Le et al. 2015's form): each step shows
//!   (u_t, m_t), u uniform in [0, 1), m = 1 at exactly two steps (one in the first half,
//!   one in the second) and 0 elsewhere; after the last step, output u_a + u_b. Predicting
//!   the constant 1 = E[u_a + u_b] scores Var(u_a + u_b) = 2/12 ≈ 0.167, the baseline.
//! - copy (Arjovsky et al. 2016): `symbols` random symbols, T − 1 blanks, a "go" marker,
//!   then `symbols` blanks during which the symbols must be written back; the answer at
//!   every other step is "blank". Sequence length T + 2·symbols.
//! - parity: T random bits; after the last, say whether their sum is odd. Every bit
//!   matters until the end, so nothing short of T steps of memory beats chance.
//! - delayed recall: a symbol at the first step, then T − 1 empty steps; name the symbol.

use crate::nn::error::{ConfigError, UnknownName, by_name};
use std::str::FromStr;

use ndarray::{Array2, Array3};

use super::config::Readout;
use super::network::BatchTargets;
use super::streams::data_stream;
use crate::nn::{Float, Loss};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceTask {
    Adding {
        length: usize,
    },
    /// `length` is the delay T between seeing a symbol and writing it back.
    Copy {
        length: usize,
        symbols: usize,
        alphabet: usize,
    },
    Parity {
        length: usize,
    },
    DelayedRecall {
        length: usize,
        alphabet: usize,
    },
}

impl SequenceTask {
    /// Defaults `FromStr` gives: T = 50 (parity 10), 10 symbols, alphabet 8.
    pub const ALL: [SequenceTask; 4] = [
        SequenceTask::Adding { length: 50 },
        SequenceTask::Copy {
            length: 50,
            symbols: 10,
            alphabet: 8,
        },
        SequenceTask::Parity { length: 10 },
        SequenceTask::DelayedRecall {
            length: 50,
            alphabet: 8,
        },
    ];

    /// `adding`, `copy`, `parity` or `delayed_recall`.
    pub fn name(self) -> &'static str {
        match self {
            SequenceTask::Adding { .. } => "adding",
            SequenceTask::Copy { .. } => "copy",
            SequenceTask::Parity { .. } => "parity",
            SequenceTask::DelayedRecall { .. } => "delayed_recall",
        }
    }

    /// T, the memory the task asks for.
    pub fn length(self) -> usize {
        match self {
            SequenceTask::Adding { length }
            | SequenceTask::Copy { length, .. }
            | SequenceTask::Parity { length }
            | SequenceTask::DelayedRecall { length, .. } => length,
        }
    }

    /// The same task with memory length T = `length`.
    pub fn with_length(self, length: usize) -> Self {
        match self {
            SequenceTask::Adding { .. } => SequenceTask::Adding { length },
            SequenceTask::Copy {
                symbols, alphabet, ..
            } => SequenceTask::Copy {
                length,
                symbols,
                alphabet,
            },
            SequenceTask::Parity { .. } => SequenceTask::Parity { length },
            SequenceTask::DelayedRecall { alphabet, .. } => {
                SequenceTask::DelayedRecall { length, alphabet }
            }
        }
    }

    /// Time steps fed to the network.
    pub fn steps(self) -> usize {
        match self {
            SequenceTask::Copy {
                length, symbols, ..
            } => length + 2 * symbols,
            other => other.length(),
        }
    }

    pub fn input_dim(self) -> usize {
        match self {
            SequenceTask::Adding { .. } => 2,
            // One-hot: blank, the symbols, the "go" marker.
            SequenceTask::Copy { alphabet, .. } => alphabet + 2,
            SequenceTask::Parity { .. } => 1,
            SequenceTask::DelayedRecall { alphabet, .. } => alphabet,
        }
    }

    /// Outputs of the readout: one value, or one logit per class.
    pub fn output_dim(self) -> usize {
        match self {
            SequenceTask::Adding { .. } => 1,
            SequenceTask::Copy { alphabet, .. } => alphabet + 1, // blank or a symbol
            SequenceTask::Parity { .. } => 2,
            SequenceTask::DelayedRecall { alphabet, .. } => alphabet,
        }
    }

    pub fn readout(self) -> Readout {
        match self {
            SequenceTask::Copy { .. } => Readout::EveryStep,
            _ => Readout::LastStep,
        }
    }

    pub fn loss(self) -> Loss {
        match self {
            SequenceTask::Adding { .. } => Loss::MeanSquaredError,
            _ => Loss::SoftmaxCrossEntropy,
        }
    }

    /// The loss of the best memoryless answer: the constant 1 (adding), "blank then a
    /// uniform guess" (copy), a uniform guess (parity, recall).
    pub fn baseline_loss(self) -> f64 {
        match self {
            SequenceTask::Adding { .. } => 2.0 / 12.0,
            SequenceTask::Copy {
                length,
                symbols,
                alphabet,
            } => symbols as f64 * (alphabet as f64).ln() / (length + 2 * symbols) as f64,
            SequenceTask::Parity { .. } => 2f64.ln(),
            SequenceTask::DelayedRecall { alphabet, .. } => (alphabet as f64).ln(),
        }
    }

    /// Checks the parameters (every generator needs them).
    pub fn validate(self) -> Result<(), ConfigError> {
        let ok = match self {
            SequenceTask::Adding { length } => length >= 2,
            SequenceTask::Copy {
                length,
                symbols,
                alphabet,
            } => length >= 1 && symbols >= 1 && alphabet >= 1,
            SequenceTask::Parity { length } => length >= 1,
            SequenceTask::DelayedRecall { length, alphabet } => length >= 1 && alphabet >= 1,
        };
        if ok {
            Ok(())
        } else {
            Err(ConfigError::TaskParameters { task: self })
        }
    }

    /// `samples` sequences from the seed's recurrent data stream.
    pub fn generate(self, samples: usize, seed: u64) -> Result<SequenceDataset, ConfigError> {
        self.validate()?;
        let mut rng = data_stream(seed);
        let steps = self.steps();
        let mut inputs = Array3::zeros((samples, steps, self.input_dim()));
        let targets = match self {
            SequenceTask::Adding { length } => {
                let mut sums = Array3::zeros((samples, 1, 1));
                let half = length / 2;
                for n in 0..samples {
                    for t in 0..length {
                        inputs[(n, t, 0)] = rng.uniform();
                    }
                    let (a, b) = (rng.below(half), half + rng.below(length - half));
                    inputs[(n, a, 1)] = 1.0;
                    inputs[(n, b, 1)] = 1.0;
                    sums[(n, 0, 0)] = inputs[(n, a, 0)] + inputs[(n, b, 0)];
                }
                SequenceTargets::Values(sums)
            }
            SequenceTask::Copy {
                length,
                symbols,
                alphabet,
            } => {
                let (blank, go) = (0, alphabet + 1);
                let mut labels = Array2::zeros((samples, steps));
                for n in 0..samples {
                    let mut category = vec![blank; steps];
                    for t in 0..symbols {
                        let symbol = 1 + rng.below(alphabet);
                        category[t] = symbol;
                        labels[(n, symbols + length + t)] = symbol;
                    }
                    category[symbols + length - 1] = go;
                    for (t, &c) in category.iter().enumerate() {
                        inputs[(n, t, c)] = 1.0;
                    }
                }
                SequenceTargets::Labels(labels)
            }
            SequenceTask::Parity { length } => {
                let mut labels = Array2::zeros((samples, 1));
                for n in 0..samples {
                    let mut ones = 0;
                    for t in 0..length {
                        let bit = rng.below(2);
                        inputs[(n, t, 0)] = bit as f64;
                        ones += bit;
                    }
                    labels[(n, 0)] = ones % 2;
                }
                SequenceTargets::Labels(labels)
            }
            SequenceTask::DelayedRecall { alphabet, .. } => {
                let mut labels = Array2::zeros((samples, 1));
                for n in 0..samples {
                    let symbol = rng.below(alphabet);
                    inputs[(n, 0, symbol)] = 1.0;
                    labels[(n, 0)] = symbol;
                }
                SequenceTargets::Labels(labels)
            }
        };
        Ok(SequenceDataset {
            task: self,
            inputs,
            targets,
        })
    }
}

impl FromStr for SequenceTask {
    type Err = UnknownName;
    /// A name from [`SequenceTask::name`] with the defaults in [`SequenceTask::ALL`].
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        by_name(
            "sequence task",
            text,
            &SequenceTask::ALL,
            SequenceTask::name,
        )
    }
}

/// What the network should answer, per example and answer step.
#[derive(Debug, Clone, PartialEq)]
pub enum SequenceTargets {
    /// samples × answer steps × output_dim.
    Values(Array3<f64>),
    /// samples × answer steps: class indices.
    Labels(Array2<usize>),
}

/// A generated data set: inputs samples × steps × input_dim, and the targets.
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceDataset {
    pub task: SequenceTask,
    pub inputs: Array3<f64>,
    pub targets: SequenceTargets,
}

impl SequenceDataset {
    pub fn len(&self) -> usize {
        self.inputs.dim().0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copies the examples `indices` into time-major buffers: `inputs` becomes
    /// (steps·batch) × input_dim with row t·batch + i = example indices[i] at step t, and
    /// the targets follow the same order.
    pub fn gather<T: Float>(
        &self,
        indices: &[usize],
        inputs: &mut Array2<T>,
        targets: &mut BatchTargets<T>,
    ) {
        let (_, steps, width) = self.inputs.dim();
        let batch = indices.len();
        if inputs.dim() != (steps * batch, width) {
            *inputs = Array2::zeros((steps * batch, width));
        }
        for t in 0..steps {
            for (i, &n) in indices.iter().enumerate() {
                let mut row = inputs.row_mut(t * batch + i);
                row.zip_mut_with(&self.inputs.slice(ndarray::s![n, t, ..]), |x, &v| {
                    *x = T::from_f64(v)
                });
            }
        }
        match &self.targets {
            SequenceTargets::Values(values) => {
                let (_, answers, outputs) = values.dim();
                let mut gathered = Array2::zeros((answers * batch, outputs));
                for t in 0..answers {
                    for (i, &n) in indices.iter().enumerate() {
                        for j in 0..outputs {
                            gathered[(t * batch + i, j)] = T::from_f64(values[(n, t, j)]);
                        }
                    }
                }
                *targets = BatchTargets::Values(gathered);
            }
            SequenceTargets::Labels(labels) => {
                let answers = labels.ncols();
                let mut gathered =
                    match std::mem::replace(targets, BatchTargets::Labels(Vec::new())) {
                        BatchTargets::Labels(buffer) => buffer,
                        BatchTargets::Values(_) => Vec::new(),
                    };
                gathered.clear();
                for t in 0..answers {
                    gathered.extend(indices.iter().map(|&n| labels[(n, t)]));
                }
                *targets = BatchTargets::Labels(gathered);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_problem_marks_one_step_in_each_half() {
        let data = SequenceTask::Adding { length: 10 }
            .generate(200, 3)
            .unwrap();
        let SequenceTargets::Values(sums) = &data.targets else {
            panic!("values")
        };
        let mut mean = 0.0;
        for n in 0..200 {
            let marks: Vec<usize> = (0..10).filter(|&t| data.inputs[(n, t, 1)] == 1.0).collect();
            assert_eq!(marks.len(), 2);
            assert!(marks[0] < 5 && marks[1] >= 5, "{marks:?}");
            let sum = data.inputs[(n, marks[0], 0)] + data.inputs[(n, marks[1], 0)];
            assert_eq!(sums[(n, 0, 0)], sum);
            mean += sum / 200.0;
        }
        assert!((mean - 1.0).abs() < 0.1, "{mean}");
        assert_eq!(
            data,
            SequenceTask::Adding { length: 10 }
                .generate(200, 3)
                .unwrap()
        );
    }

    #[test]
    fn copy_task_writes_back_after_the_marker() {
        let task = SequenceTask::Copy {
            length: 4,
            symbols: 3,
            alphabet: 5,
        };
        let data = task.generate(2, 1).unwrap();
        let SequenceTargets::Labels(labels) = &data.targets else {
            panic!("labels")
        };
        let category =
            |n: usize, t: usize| (0..7).find(|&c| data.inputs[(n, t, c)] == 1.0).unwrap();
        for n in 0..2 {
            let seen: Vec<usize> = (0..3).map(|t| category(n, t)).collect();
            assert!(seen.iter().all(|&s| (1..=5).contains(&s)));
            assert_eq!(category(n, 6), 6, "go marker at step symbols + T − 1");
            assert_eq!(labels.row(n).to_vec(), [vec![0; 7], seen].concat());
        }
        // Gathering is time-major.
        let mut inputs = Array2::<f32>::zeros((0, 0));
        let mut targets = BatchTargets::Labels(Vec::new());
        data.gather(&[1, 0], &mut inputs, &mut targets);
        assert_eq!(inputs.dim(), (20, 7));
        assert_eq!(inputs[(0, category(1, 0))], 1.0);
        assert_eq!(inputs[(1, category(0, 0))], 1.0);
        let BatchTargets::Labels(gathered) = targets else {
            panic!("labels")
        };
        assert_eq!(gathered[2 * 7..2 * 8], [labels[(1, 7)], labels[(0, 7)]]);
    }

    #[test]
    fn parity_and_recall_labels() {
        let data = SequenceTask::Parity { length: 6 }.generate(50, 2).unwrap();
        let SequenceTargets::Labels(labels) = &data.targets else {
            panic!("labels")
        };
        for n in 0..50 {
            let ones: f64 = (0..6).map(|t| data.inputs[(n, t, 0)]).sum();
            assert_eq!(labels[(n, 0)], ones as usize % 2);
        }
        let data = SequenceTask::DelayedRecall {
            length: 5,
            alphabet: 4,
        }
        .generate(20, 2)
        .unwrap();
        let SequenceTargets::Labels(labels) = &data.targets else {
            panic!("labels")
        };
        for n in 0..20 {
            assert_eq!(data.inputs[(n, 0, labels[(n, 0)])], 1.0);
            assert_eq!(data.inputs.slice(ndarray::s![n, 1.., ..]).sum(), 0.0);
        }
        for task in SequenceTask::ALL {
            assert_eq!(task.name().parse::<SequenceTask>(), Ok(task));
        }
        let short = SequenceTask::Adding { length: 1 };
        assert!(matches!(
            short.generate(1, 1),
            Err(ConfigError::TaskParameters { task }) if task == short
        ));
    }
}
