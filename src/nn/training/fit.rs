//! The general training loop. One step, in order:
//! 1. gather the mini-batch; forward in training mode; loss and ∂L/∂output;
//! 2. backward: every layer's gradients (and δ); add the L1/L2 penalties' gradients;
//! 3. stop cleanly if the loss or any gradient is NaN/inf (recording where), or, under a
//!    loss scaler, skip the step and let the scaler back off;
//! 4. clip; record the probes (gradients before clipping) if this step is recorded;
//! 5. the optimizer's update at the scheduled learning rate, decoupled weight decay, and
//!    batch norm's running averages.
//!
//! In an emulated half format (`mixed_precision`), the passes of steps 1–2 run on the
//! master weights rounded to it, from ∂L/∂output times the loss scale; the gradients are
//! rounded and unscaled before step 2's penalties (`mixed.rs`).
//!
//! Evaluation over the full sets (when asked) happens at the start of its step, before the
//! update, like every other probe.

use ndarray::Array2;
use rayon::prelude::*;

use crate::nn::Float;
use crate::nn::Metric;
use crate::nn::data::sets::Data;
use crate::nn::error::ConfigError;
use crate::nn::kernels::{self, norm_from_squares, sum_squares};
use crate::nn::layers::layer::{LayerGrads, ParamKind, for_each_param};
use crate::nn::layers::loss::{Loss, Reduction, Targets};
use crate::nn::layers::network::{Network, NetworkConfig};
use crate::nn::layers::norm::Mode;
use crate::nn::precision::{LossScaler, LossScaling, MixedPrecision, SMALLEST_LOSS_SCALE, Verdict};
use crate::nn::probes::Divergence;
use crate::nn::probes::at_step::{record_step, take_histograms};
use crate::nn::probes::{self, Probes, Record};
use crate::nn::training::batches::{BatchSampler, fill_batch};
use crate::nn::training::clip::Clip;
use crate::nn::training::evaluate::{decision_grid, evaluate};
use crate::nn::training::mixed::{MixedStep, record_scale, unscale_deltas};
use crate::nn::training::optimizer::{Measure, Optimizer, OptimizerState};
use crate::nn::training::regularize::Regularization;
use crate::nn::training::schedule::Schedule;

/// How to train. Defaults: softmax cross-entropy, sgd, lr 0.1 constant, 100 steps, batch
/// 64, seed 1, no clipping or regularization, default probes.
#[derive(Debug, Clone, PartialEq)]
pub struct FitConfig {
    pub loss: Loss,
    /// The batch mean (default) or sum of the examples' losses. Evaluation over whole sets
    /// (`train_loss`, `test_loss`) always reports the mean.
    pub reduction: Reduction,
    pub optimizer: Optimizer,
    /// The base learning rate η₀ the schedule scales.
    pub lr: f64,
    pub schedule: Schedule,
    pub steps: usize,
    /// Examples per step; larger than the data set means the whole data set.
    pub batch: usize,
    /// Seeds the batch order (the `Batches` stream); the weights come from the network's seed.
    pub seed: u64,
    pub clip: Clip,
    pub regularization: Regularization,
    pub probes: Probes,
    /// Train in an emulated half format with master weights in `T` (see `nn::precision`).
    pub mixed_precision: Option<MixedPrecision>,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            loss: Loss::SoftmaxCrossEntropy,
            reduction: Reduction::Mean,
            optimizer: Optimizer::Sgd,
            lr: 0.1,
            schedule: Schedule::default(),
            steps: 100,
            batch: 64,
            seed: 1,
            clip: Clip::None,
            regularization: Regularization::default(),
            probes: Probes::default(),
            mixed_precision: None,
        }
    }
}

/// Checks that a network of this shape can be trained on `data` as `config` says.
pub fn check(network: &NetworkConfig, config: &FitConfig, data: &Data) -> Result<(), ConfigError> {
    network.check()?;
    if data.is_empty() {
        return Err(ConfigError::EmptyData);
    }
    if data.input_dim() != network.input_dim {
        return Err(ConfigError::FeatureCount {
            data: data.input_dim(),
            network: network.input_dim,
        });
    }
    let outputs = network.output_dim();
    match data {
        Data::Classes(set) => {
            if set.labels.len() != set.inputs.nrows() {
                return Err(ConfigError::LabelCount {
                    rows: set.inputs.nrows(),
                    labels: set.labels.len(),
                });
            }
            if let Some(&label) = set.labels.iter().find(|&&l| l >= set.classes) {
                return Err(ConfigError::LabelOutOfRange {
                    label,
                    classes: set.classes,
                });
            }
            let binary_single =
                outputs == 1 && set.classes == 2 && config.loss != Loss::SoftmaxCrossEntropy;
            if outputs != set.classes && !binary_single {
                return Err(ConfigError::ClassCount {
                    classes: set.classes,
                    outputs,
                });
            }
        }
        Data::Values(set) => {
            if config.loss == Loss::SoftmaxCrossEntropy {
                return Err(ConfigError::SoftmaxNeedsClasses);
            }
            if set.targets.dim() != (set.inputs.nrows(), outputs) {
                return Err(ConfigError::TargetShape {
                    targets: set.targets.dim(),
                    outputs,
                });
            }
        }
    }
    if config.batch == 0 {
        return Err(ConfigError::ZeroBatch);
    }
    if !config.lr.is_finite() {
        return Err(ConfigError::NonFiniteLearningRate { lr: config.lr });
    }
    Ok(())
}

/// A fresh network from `network` (weights from `seed`'s `Init` stream) trained on
/// `train`, with `test` evaluated alongside. Returns the trained network and its record.
///
/// # Panics
/// If [`check`] rejects the arguments (a programming error, unlike divergence).
pub fn train_network<T: Float>(
    network: &NetworkConfig,
    seed: u64,
    config: &FitConfig,
    train: &Data,
    test: Option<&Data>,
) -> (Network<T>, Record) {
    if let Err(problem) = check(network, config, train) {
        panic!("train_network: {problem}");
    }
    let mut net = Network::new(network, seed);
    let record = fit(&mut net, config, train, test);
    (net, record)
}

/// Trains `net` in place; see the module documentation for what a step does.
///
/// The loop runs on a thread of rayon's pool (see [`kernels::on_pool`]), so the pool's
/// threads split the matrix products without a caller thread competing with them.
pub fn fit<T: Float>(
    net: &mut Network<T>,
    config: &FitConfig,
    train: &Data,
    test: Option<&Data>,
) -> Record {
    kernels::on_pool(|| fit_here(net, config, train, test))
}

fn fit_here<T: Float>(
    net: &mut Network<T>,
    config: &FitConfig,
    train: &Data,
    test: Option<&Data>,
) -> Record {
    let mut sampler = BatchSampler::new(train.len(), config.batch, config.seed);
    let batch = sampler.batch_size();
    let mut inputs = Array2::<T>::zeros((batch, train.input_dim()));
    let mut targets = Array2::<T>::zeros((batch, net.output_dim()));
    let mut labels = Vec::with_capacity(batch);
    let mut work = net.workspace(batch);
    let mut grads = net.zero_grads();
    let mut optimizer = OptimizerState::<T>::new(config.optimizer);
    let probes = &config.probes;
    let mut record = Record::default();
    let mut squares: Vec<(f64, f64)> = Vec::with_capacity(grads.len());
    let weight_count: usize = grads.iter().map(|g| g.weights.len()).sum();
    // Each weight's change in a step, for the update ratio (reused across steps).
    let mut changes: Vec<T> = Vec::new();
    let mut mixed = (config.mixed_precision).map(|m| MixedStep::new(m, net, batch));
    let mut scaler = LossScaler::new(
        config
            .mixed_precision
            .map_or(LossScaling::None, |m| m.scaling),
    );
    work.set_rounding(mixed.as_ref().map(|m| m.format));

    for step in 0..config.steps {
        let recording = probes.records_at(step, config.steps);
        if probes.evaluates_at(step, config.steps) {
            evaluate(net, config.loss, train, "train", step, &mut record);
            if let Some(test) = test {
                evaluate(net, config.loss, test, "test", step, &mut record);
            }
        }
        fill_batch(
            train,
            sampler.next_batch(),
            &mut inputs,
            &mut labels,
            &mut targets,
        );
        // A recorded step's layer statistics are measured by the passes themselves.
        let measuring = recording && probes.layer_stats;
        for cache in &mut work.layers {
            cache.measure = measuring;
        }
        if let Some(mixed) = &mut mixed {
            mixed.refresh(net);
        }
        let model = mixed.as_ref().map_or(&*net, |m| &m.compute);
        model.forward(inputs.view(), Mode::Train, &mut work);
        let batch_targets = match train {
            Data::Classes(_) => Targets::Labels(&labels),
            Data::Values(_) => Targets::Values(targets.view()),
        };
        let (mut data_loss, mut output_grad) =
            config.loss.evaluate(model.output(&work), batch_targets);
        if config.reduction == Reduction::Sum {
            let rows = output_grad.nrows();
            data_loss *= rows as f64;
            output_grad.mapv_inplace(|g| g * T::from_f64(rows as f64));
        }
        let scale = scaler.scale();
        if let Some(mixed) = &mixed {
            mixed.scale_output_grad(&mut output_grad, scale);
        }
        model.backward(inputs.view(), output_grad.view(), &mut work, &mut grads);
        let underflow = match &mut mixed {
            Some(mixed) => {
                mixed.round_and_unscale(&mut grads, scale);
                // Only the layer statistics read δ (histograms read the unscaled gradients).
                if scale != 1.0 && recording && probes.layer_stats {
                    unscale_deltas(&mut work, scale);
                }
                let loss_and_reduction = (config.loss, config.reduction);
                recording.then(|| {
                    mixed.underflow(
                        net,
                        loss_and_reduction,
                        inputs.view(),
                        batch_targets,
                        &grads,
                    )
                })
            }
            None => None,
        };
        let loss = data_loss + config.regularization.add_penalty(net.layers(), &mut grads);

        // One pass over the gradients: each layer's Σ g² of its weights and of the rest,
        // for the global norm (every step: it detects divergence) and the probes.
        // Layers in parallel on the pool (each layer's sums are the same whichever thread),
        // unless the net is small: then waking a second thread costs more than the sums.
        let layer_squares = |g: &LayerGrads<T>| {
            let rest = (g.non_weight_arrays().into_iter())
                .map(|array| sum_squares(slice(array)))
                .sum::<f64>();
            (sum_squares(slice(&g.weights)), rest)
        };
        if weight_count >= kernels::CHUNK {
            grads
                .par_iter()
                .map(layer_squares)
                .collect_into_vec(&mut squares);
        } else {
            squares.clear();
            squares.extend(grads.iter().map(layer_squares));
        }
        let global = squares.iter().map(|(w, rest)| w + rest).sum::<f64>().sqrt();
        let trouble = if !loss.is_finite() {
            Some(format!(
                "loss is {}",
                if loss.is_nan() { "NaN" } else { "inf" }
            ))
        } else if !global.is_finite() {
            Some(
                probes::non_finite_gradient(&grads)
                    .unwrap_or_else(|| "global gradient norm overflows".into()),
            )
        } else {
            None
        };
        let verdict = scaler.after_step(trouble.is_none());
        if verdict == Verdict::Skip {
            if recording {
                record_scale(&mut record, step, scale, scaler.skipped_steps);
            }
            continue;
        }
        if let (Verdict::Diverge, Some(mut what)) = (verdict, trouble) {
            if scaler.scale() < SMALLEST_LOSS_SCALE {
                what = format!(
                    "{what}, and the loss scale fell below 2⁻²⁴ after {} skipped steps: \
                     the forward pass itself overflows the format",
                    scaler.skipped_steps
                );
            }
            record.diverged = Some(Divergence {
                step: step as u64,
                what,
            });
            break;
        }

        // The update/weight ratio is measured while the optimizer updates the weights:
        // ‖ΔW‖ from each element's change, over ‖W‖ before the step. With f32 weights, that
        // pass also gives ‖W‖ for the weight_norm probe, recorded now and filled in then.
        let ratios = recording && probes.layer_stats;
        let weight_norms_later = ratios && T::SQUARES_STAY_NORMAL;
        if recording {
            record_step(
                net,
                &work,
                &grads,
                &squares,
                step as u64,
                (loss, global),
                probes,
                weight_norms_later,
                &mut record,
            );
        }
        if let Some(underflow) = underflow {
            record.push_layer_metric(Metric::UnderflowFrac, underflow);
            record_scale(&mut record, step, scale, scaler.skipped_steps);
        }
        if probes.histogram_steps.contains(&(step as u64)) {
            take_histograms(
                net,
                &work,
                &grads,
                step as u64,
                probes.histogram_bins,
                &mut record,
            );
        }
        if probes.sharpness_every > 0 && step % probes.sharpness_every == 0 {
            // The summed loss's Hessian is B times the mean's.
            let lambda = probes::sharpness::sharpness_in_f64(
                net,
                config.loss,
                inputs.view(),
                batch_targets,
                step,
            ) * config.reduction.factor(inputs.nrows());
            let lr = config.schedule.lr(config.lr, step);
            record.push(Metric::Sharpness, step as u64, lambda);
            record.push(Metric::StabilityThreshold, step as u64, 2.0 / lr);
        }
        let clipped = config.clip.apply(net.layers(), &mut grads, global);
        if recording {
            record.push(Metric::Clipped, step as u64, f64::from(u8::from(clipped)));
            let after = match clipped {
                true => crate::nn::global_norm(grads.iter().flat_map(LayerGrads::values)),
                false => global,
            };
            record.push(Metric::ClippedGradNorm, step as u64, after);
        }

        let lr = config.schedule.lr(config.lr, step);
        optimizer.begin_step();
        let decay = (config.regularization.weight_decay != 0.0)
            .then(|| T::from_f64(1.0 - lr * config.regularization.weight_decay));
        let (mut change_norms, mut before_norms) = (Vec::new(), Vec::new());
        let mut bias_change_norms = Vec::new();
        let mut index = 0;
        for_each_param(net.layers_mut(), &grads, |_, kind, params, grads| {
            let weights = kind == ParamKind::Weights;
            let biases = kind == ParamKind::Biases;
            // f32 changes' squares cannot underflow: their sum needs no kept changes.
            let measure = match (ratios && (weights || biases), T::SQUARES_STAY_NORMAL) {
                (false, _) => Measure::Nothing,
                (true, true) => Measure::Squares,
                (true, false) => Measure::SquaresAndChanges(&mut changes),
            };
            let sizes = optimizer.update_with(
                index,
                kind,
                params,
                grads,
                lr,
                decay.filter(|_| weights),
                measure,
            );
            if let Some(sizes) = sizes {
                let kept = if T::SQUARES_STAY_NORMAL {
                    &[][..]
                } else {
                    &changes[..params.len()]
                };
                let change = norm_from_squares(sizes.change_squares, kept);
                if biases {
                    bias_change_norms.push(change);
                } else {
                    change_norms.push(change);
                    before_norms.push(sizes.before_squares.sqrt());
                }
            }
            index += 1;
        });
        net.update_running_stats(&work);
        if weight_norms_later {
            // Σ W² summed as `sum_squares` sums, and for f32 never under- or overflowing:
            // the same bits `fast_norm_slice` would give.
            record.replace_last_layer_metric(Metric::WeightNorm, before_norms);
        }
        if ratios {
            let weight_norms = record
                .layer_metric(Metric::WeightNorm)
                .and_then(|rows| rows.last())
                .expect("recorded at this step");
            let ratios = change_norms
                .iter()
                .zip(weight_norms)
                .map(|(change, weights)| change / weights)
                .collect();
            record.push_layer_metric(Metric::UpdateRatio, ratios);
            record.push_layer_metric(Metric::BiasUpdateNorm, bias_change_norms);
        }
    }
    if let (Some(spec), None) = (probes.decision_grid, &record.diverged) {
        record.decision_grid = Some(decision_grid(net, config.loss, spec));
    }
    record
}

fn slice<T, D: ndarray::Dimension>(array: &ndarray::Array<T, D>) -> &[T] {
    array
        .as_slice()
        .expect("the engine's arrays are contiguous")
}
