//! The engine's errors: a name it does not know (an activation, initializer, norm, loss,
//! optimizer, schedule, clipping rule, recurrent cell, readout or task), with what kind of
//! name, what was given, and every name that would have been understood, so the spec's
//! diagnostics can list them; and a configuration it refuses to build or train, with the
//! numbers that do not fit.

use crate::nn::recurrent::{Readout, SequenceTask};

/// A name that is not one of the engine's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}`; expected one of: {}", .expected.join(", "))]
pub struct UnknownName {
    /// What kind of name, e.g. "activation".
    pub what: &'static str,
    pub given: String,
    /// Every name of that kind, in the engine's order.
    pub expected: Vec<&'static str>,
}

impl UnknownName {
    pub fn new(
        what: &'static str,
        given: &str,
        expected: impl IntoIterator<Item = &'static str>,
    ) -> Self {
        UnknownName {
            what,
            given: given.to_string(),
            expected: expected.into_iter().collect(),
        }
    }
}

/// Why the engine refuses to build or train what it was given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("every layer needs at least one unit")]
    NoUnits,
    #[error("a network needs at least one layer")]
    NoLayers,
    /// `block` counts from 1.
    #[error("residual block {block} needs 1 or 2 layers ending at its input's width {width}")]
    ResidualShape { block: usize, width: usize },
    #[error(
        "a residual block's own norm (pre or post placement) and the final norm can be layer or rms norm, not batch norm"
    )]
    BlockBatchNorm,
    /// `layer` counts from 0.
    #[error("an init override for dense layer index {layer}, but the network has {layers} layers")]
    InitOverrideLayer { layer: usize, layers: usize },
    #[error("the data set is empty")]
    EmptyData,
    #[error("the data has {data} features but the network takes {network}")]
    FeatureCount { data: usize, network: usize },
    #[error("the data set has {rows} input rows but {labels} labels")]
    LabelCount { rows: usize, labels: usize },
    #[error("label {label} is out of range for {classes} classes")]
    LabelOutOfRange { label: usize, classes: usize },
    #[error("the data has {classes} classes but the network has {outputs} outputs")]
    ClassCount { classes: usize, outputs: usize },
    #[error("softmax cross-entropy needs classes, not regression targets")]
    SoftmaxNeedsClasses,
    /// `targets` is (rows, columns).
    #[error("the targets are {targets:?} but the network has {outputs} outputs")]
    TargetShape {
        targets: (usize, usize),
        outputs: usize,
    },
    #[error("the batch size must be at least 1")]
    ZeroBatch,
    #[error(
        "the input–output Jacobian is taken one example at a time, which batch norm's batch statistics do not allow; use layer or rms norm"
    )]
    JacobianWithBatchNorm,
    #[error("the learning rate must be finite, not {lr}")]
    NonFiniteLearningRate { lr: f64 },
    #[error(
        "recurrent model needs input_dim, hidden, layers and output_dim ≥ 1 (got {input_dim}, {hidden}, {layers}, {output_dim})"
    )]
    RecurrentSizes {
        input_dim: usize,
        hidden: usize,
        layers: usize,
        output_dim: usize,
    },
    #[error("{}: length ≥ 1 (adding: ≥ 2), symbols and alphabet ≥ 1; got {task:?}", .task.name())]
    TaskParameters { task: SequenceTask },
    /// The model's sizes or readout are not the task's.
    #[error(
        "the {} task needs input_dim {}, output_dim {} and readout {} (the model has {input_dim}, {output_dim}, {})",
        .task.name(), .task.input_dim(), .task.output_dim(), .task.readout().name(), .readout.name()
    )]
    TaskMismatch {
        task: SequenceTask,
        input_dim: usize,
        output_dim: usize,
        readout: Readout,
    },
    #[error("recurrent training needs examples and a batch size ≥ 1")]
    NoExamplesOrBatch,
}

/// The one of `choices` whose `name` is `text`, or the error listing their names.
pub fn by_name<T: Copy>(
    what: &'static str,
    text: &str,
    choices: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, UnknownName> {
    (choices.iter().copied())
        .find(|&choice| name(choice) == text)
        .ok_or_else(|| UnknownName::new(what, text, choices.iter().map(|&c| name(c))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_kind_the_input_and_every_choice() {
        let error = by_name("cell", "rnm", &["rnn", "gru"], |c| c).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown cell `rnm`; expected one of: rnn, gru"
        );
        assert_eq!(by_name("cell", "gru", &["rnn", "gru"], |c| c), Ok("gru"));
    }

    #[test]
    fn refusals_read_as_sentences_with_their_numbers() {
        let residual = ConfigError::ResidualShape { block: 2, width: 8 };
        assert_eq!(
            residual.to_string(),
            "residual block 2 needs 1 or 2 layers ending at its input's width 8"
        );
        let targets = ConfigError::TargetShape {
            targets: (5, 3),
            outputs: 2,
        };
        assert_eq!(
            targets.to_string(),
            "the targets are (5, 3) but the network has 2 outputs"
        );
        let task = SequenceTask::Adding { length: 1 };
        assert_eq!(
            ConfigError::TaskParameters { task }.to_string(),
            "adding: length ≥ 1 (adding: ≥ 2), symbols and alphabet ≥ 1; got Adding { length: 1 }"
        );
        let mismatch = ConfigError::TaskMismatch {
            task: SequenceTask::Parity { length: 5 },
            input_dim: 3,
            output_dim: 4,
            readout: Readout::EveryStep,
        };
        assert_eq!(
            mismatch.to_string(),
            "the parity task needs input_dim 1, output_dim 2 and readout last_step (the model has 3, 4, every_step)"
        );
    }
}
