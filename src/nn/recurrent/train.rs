//! Training a recurrent network on a sequence task: mini-batches, BPTT, clipping, the
//! optimizer, and the probes the chapter plots (per-time-step gradient norms, the
//! recurrent matrix's spectrum, the forget gates, clipping events).

use ndarray::Array2;

use super::config::RecurrentConfig;
use super::network::{BatchTargets, RecurrentNet};
use super::spectral::{spectral_radius, top_singular_value};
use super::tasks::SequenceDataset;
use crate::nn::error::ConfigError;
use crate::nn::training::batches::BatchSampler;
use crate::nn::{Clip, Divergence, Float, Optimizer, OptimizerState, global_norm};

/// How to train.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrentTrainConfig {
    pub optimizer: Optimizer,
    pub learning_rate: f64,
    pub steps: u64,
    pub batch: usize,
    /// Seeds the initial weights and the batch order (the data has its own seed).
    pub seed: u64,
    /// Gradient clipping over all parameters, applied after the probes saw the gradient.
    pub clip: Clip,
    /// Truncated BPTT: gradients flow back at most this many steps (chunks counted back
    /// from the last step); `None` is full BPTT.
    pub truncation: Option<usize>,
    /// Record probes every this many steps (0 or 1: every step), and at the last step.
    pub record_every: u64,
}

impl Default for RecurrentTrainConfig {
    /// Adam 1e-3, 1000 steps of 64, seed 1, no clipping, full BPTT, probes every 10 steps.
    fn default() -> Self {
        RecurrentTrainConfig {
            optimizer: "adam".parse().expect("a known optimizer"),
            learning_rate: 1e-3,
            steps: 1000,
            batch: 64,
            seed: 1,
            clip: Clip::None,
            truncation: None,
            record_every: 10,
        }
    }
}

/// What a run recorded, one entry per recorded step in every vector.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecurrentRecord {
    /// Steps at which probes were recorded (0 = before the first update), ascending.
    pub steps: Vec<u64>,
    /// Mini-batch mean loss, before that step's update.
    pub loss: Vec<f64>,
    /// `[k][t]`: ‖∂L/∂h_t‖ of the top layer at `steps[k]`, t = 0 the first input (CSV:
    /// metric `grad_norm_time`, `layer` = t + 1). How far back the loss reaches.
    pub grad_norm_time: Vec<Vec<f64>>,
    /// Global norm of the whole gradient, before clipping.
    pub grad_norm: Vec<f64>,
    /// `[k][layer]`: spectral radius of each layer's recurrent matrix (its candidate block
    /// for gru and lstm: W_hn, W_hg).
    pub spectral_radius: Vec<Vec<f64>>,
    /// `[k][layer]`: largest singular value of the same matrix.
    pub top_singular_value: Vec<Vec<f64>>,
    /// LSTM only: mean forget-gate activation over layers, steps, examples and units.
    pub forget_gate_mean: Option<Vec<f64>>,
    /// Whether clipping changed the gradient at that step.
    pub clipped: Vec<bool>,
    /// Steps (recorded or not) at which clipping changed the gradient.
    pub clip_events: u64,
    /// Set when the run stopped because the loss or a gradient was not finite.
    pub diverged: Option<Divergence>,
}

/// Trains a fresh network; returns it with the record. Errors only for a model that does
/// not fit the task; divergence ends the run early and is reported in the record.
pub fn fit_recurrent<T: Float>(
    model: &RecurrentConfig,
    config: &RecurrentTrainConfig,
    data: &SequenceDataset,
) -> Result<(RecurrentNet<T>, RecurrentRecord), ConfigError> {
    check_fits(model, data)?;
    if data.is_empty() || config.batch == 0 {
        return Err(ConfigError::NoExamplesOrBatch);
    }
    let mut net = RecurrentNet::<T>::new(model.clone(), config.seed)?;
    let mut work = net.workspace();
    let mut sampler = BatchSampler::new(data.len(), config.batch, config.seed);
    let mut optimizer = OptimizerState::<T>::new(config.optimizer);
    let mut inputs = Array2::zeros((0, 0));
    let mut targets = BatchTargets::Labels(Vec::new());
    let mut record = RecurrentRecord {
        forget_gate_mean: matches!(model.cell, super::Cell::Lstm { .. }).then(Vec::new),
        ..RecurrentRecord::default()
    };
    let loss_kind = data.task.loss();
    let every = config.record_every.max(1);

    for step in 0..config.steps {
        let batch = sampler.next_batch();
        data.gather(batch, &mut inputs, &mut targets);
        let batch = batch.len();
        let loss = net.loss_and_gradients(
            inputs.view(),
            batch,
            &targets,
            loss_kind,
            config.truncation,
            &mut work,
        );
        let norm = global_norm(
            work.grads
                .arrays()
                .iter()
                .flat_map(|(_, values)| values.iter()),
        );
        let broken = if !loss.is_finite() {
            Some(format!("loss is {}", kind(loss)))
        } else if !norm.is_finite() {
            Some(format!("gradient norm is {}", kind(norm)))
        } else {
            None
        };
        if let Some(what) = broken {
            record.diverged = Some(Divergence { step, what });
            break;
        }
        let recording = step % every == 0 || step + 1 == config.steps;
        if recording {
            record.steps.push(step);
            record.loss.push(loss);
            record
                .grad_norm_time
                .push(work.grad_norms.last().cloned().unwrap_or_default());
            record.grad_norm.push(norm);
            let block = model.cell.candidate_block();
            let blocks: Vec<Array2<f64>> = (0..model.layers)
                .map(|l| net.params.recurrent_block(l, block))
                .collect();
            record
                .spectral_radius
                .push(blocks.iter().map(spectral_radius).collect());
            record
                .top_singular_value
                .push(blocks.iter().map(top_singular_value).collect());
            if let (Some(means), Some(mean)) =
                (&mut record.forget_gate_mean, work.forget_gate_mean())
            {
                means.push(mean);
            }
        }
        let clipped =
            (config.clip).apply_to_values(work.grads.arrays_mut().into_iter().flatten(), norm);
        record.clip_events += u64::from(clipped);
        if recording {
            record.clipped.push(clipped);
        }
        optimizer.begin_step();
        let grads = work.grads.arrays();
        for (index, (params, (kind, grads))) in
            net.params.arrays_mut().into_iter().zip(grads).enumerate()
        {
            optimizer.update(index, kind, params, grads, config.learning_rate);
        }
    }
    Ok((net, record))
}

/// [`fit_recurrent`] without the trained network.
pub fn train_recurrent<T: Float>(
    model: &RecurrentConfig,
    config: &RecurrentTrainConfig,
    data: &SequenceDataset,
) -> Result<RecurrentRecord, ConfigError> {
    fit_recurrent::<T>(model, config, data).map(|(_, record)| record)
}

/// The mean loss over a whole data set (in chunks of 256 examples).
pub fn evaluate<T: Float>(
    net: &RecurrentNet<T>,
    data: &SequenceDataset,
) -> Result<f64, ConfigError> {
    check_fits(&net.config, data)?;
    let mut work = net.workspace();
    let (mut inputs, mut targets) = (Array2::zeros((0, 0)), BatchTargets::Labels(Vec::new()));
    let mut total = 0.0;
    let indices: Vec<usize> = (0..data.len()).collect();
    for chunk in indices.chunks(256) {
        data.gather(chunk, &mut inputs, &mut targets);
        total += chunk.len() as f64
            * net.loss(
                inputs.view(),
                chunk.len(),
                &targets,
                data.task.loss(),
                &mut work,
            );
    }
    Ok(total / data.len().max(1) as f64)
}

/// The model's sizes and readout must be the task's.
fn check_fits(model: &RecurrentConfig, data: &SequenceDataset) -> Result<(), ConfigError> {
    model.validate()?;
    let task = data.task;
    if model.input_dim != task.input_dim()
        || model.output_dim != task.output_dim()
        || model.readout != task.readout()
    {
        return Err(ConfigError::TaskMismatch {
            task,
            input_dim: model.input_dim,
            output_dim: model.output_dim,
            readout: model.readout,
        });
    }
    Ok(())
}

fn kind(value: f64) -> &'static str {
    if value.is_nan() { "NaN" } else { "inf" }
}
