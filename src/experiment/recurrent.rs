//! Recurrent runs: a spec's sequence task, cell and training settings as the engine's
//! configuration, and the record as measurements. An unrolled recurrent net is a T-layer
//! network, so ‖∂L/∂h_t‖ is stored as metric `grad_norm_time` with the time step t
//! (1 = the first input) in the `layer` column; the recurrent matrices' spectra use `layer`
//! for the stacked layer.

use super::feed_forward::{clip, optimizer};
use super::results::{Measurement, RunOutcome};
use super::spec::{CellSpec, DataName, RecurrentSpec, RunSpec};
use crate::nn::recurrent::{
    Cell, RecurrentConfig, RecurrentTrainConfig, SequenceTask, evaluate, fit_recurrent,
};
use crate::nn::{self, Metric};

/// Held-out examples the final test loss is measured on.
const TEST_SAMPLES: usize = 512;

/// The sequence task of a run, with its length when the spec gives one.
pub(super) fn task(run: &RunSpec) -> SequenceTask {
    let d = &run.data;
    let task = match d.name {
        DataName::Copy => SequenceTask::Copy {
            length: 50,
            symbols: d.symbols,
            alphabet: d.alphabet,
        },
        DataName::Parity => SequenceTask::Parity { length: 10 },
        DataName::DelayedRecall => SequenceTask::DelayedRecall {
            length: 50,
            alphabet: d.alphabet,
        },
        _ => SequenceTask::Adding { length: 50 },
    };
    d.length.map_or(task, |length| task.with_length(length))
}

fn model(run: &RunSpec, m: &RecurrentSpec, task: SequenceTask) -> RecurrentConfig {
    let cell = match m.cell {
        CellSpec::Gru => Cell::Gru,
        CellSpec::Lstm { forget_bias } => Cell::Lstm {
            forget_bias: forget_bias.unwrap_or(1.0),
        },
        CellSpec::Rnn { .. } => Cell::Rnn {
            activation: run.model.activation_function(),
        },
    };
    let mut config = RecurrentConfig::new(cell, task.input_dim(), m.hidden, task.output_dim());
    config.layers = m.layers;
    config.readout = task.readout();
    if let Some(init) = m.recurrent_init {
        config.recurrent_init = init;
    }
    if let Some(init) = m.input_init {
        config.input_init = init;
    }
    config
}

/// One run through the engine, in precision `T`.
pub(super) fn train<T: nn::Float>(run: &RunSpec, spec: &RecurrentSpec, seed: u64) -> RunOutcome {
    let refused = |problem: nn::ConfigError| RunOutcome {
        problem: Some(problem.to_string()),
        ..RunOutcome::default()
    };
    let task = task(run);
    let data = match task.generate(run.data.sample_count(), run.data.seed) {
        Ok(data) => data,
        Err(problem) => return refused(problem),
    };
    let t = &run.train;
    let settings = RecurrentTrainConfig {
        optimizer: optimizer(t),
        learning_rate: t.lr,
        steps: t.steps as u64,
        batch: t.batch,
        seed,
        clip: clip(t),
        truncation: t.truncation,
        record_every: t.record_every as u64,
    };
    let (net, record) = match fit_recurrent::<T>(&model(run, spec, task), &settings, &data) {
        Ok(trained) => trained,
        Err(problem) => return refused(problem),
    };
    let mut measurements = Vec::new();
    let mut push = |step: u64, layer: Option<usize>, metric: Metric, value: f64| {
        measurements.push(Measurement {
            step,
            layer: layer.map(|l| l as u32 + 1),
            metric,
            value,
        });
    };
    for (k, &step) in record.steps.iter().enumerate() {
        push(step, None, Metric::Loss, record.loss[k]);
        push(step, None, Metric::GlobalGradNorm, record.grad_norm[k]);
        push(
            step,
            None,
            Metric::Clipped,
            f64::from(u8::from(record.clipped[k])),
        );
        for (time, &norm) in record.grad_norm_time[k].iter().enumerate() {
            push(step, Some(time), Metric::GradNormTime, norm);
        }
        for (layer, &radius) in record.spectral_radius[k].iter().enumerate() {
            push(step, Some(layer), Metric::SpectralRadius, radius);
        }
        for (layer, &sigma) in record.top_singular_value[k].iter().enumerate() {
            push(step, Some(layer), Metric::TopSingularValue, sigma);
        }
        if let Some(forget) = &record.forget_gate_mean {
            push(step, None, Metric::ForgetGateMean, forget[k]);
        }
    }
    // The final loss on sequences the net never saw (its own seed, far from the data's).
    if let (None, Some(&last)) = (&record.diverged, record.steps.last()) {
        let test = task.generate(TEST_SAMPLES, run.data.seed.wrapping_add(0x5eed_7e57));
        if let Some(loss) = test.ok().and_then(|test| evaluate(&net, &test).ok()) {
            push(last, None, Metric::TestLoss, loss);
        }
    }
    RunOutcome {
        measurements,
        diverged: record.diverged,
        ..RunOutcome::default()
    }
}

/// Parameters × batch × steps × time steps, plus making the data (examples × time steps ×
/// their numbers) and the final test on held-out sequences.
pub(super) fn cost(run: &RunSpec, model: &RecurrentSpec) -> f64 {
    let task = task(run);
    let hidden = model.hidden;
    let blocks = match model.cell {
        CellSpec::Gru => 3,
        CellSpec::Lstm { .. } => 4,
        CellSpec::Rnn { .. } => 1,
    };
    let first = blocks * (task.input_dim() + hidden + 1) * hidden;
    let rest = blocks * (2 * hidden + 1) * hidden * model.layers.saturating_sub(1);
    let parameters = first + rest + (hidden + 1) * task.output_dim();
    let time_steps = task.steps() as f64;
    let training = parameters as f64 * run.train.batch as f64 * run.train.steps as f64 * time_steps;
    let data = (run.data.sample_count() + TEST_SAMPLES) as f64
        * time_steps
        * (task.input_dim() + task.output_dim()) as f64;
    training + data + parameters as f64 * TEST_SAMPLES as f64 * time_steps
}
