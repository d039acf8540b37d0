//! Feed-forward runs: a spec's data, network and training settings as the engine's
//! configuration, and the engine's record as measurements, histograms and a decision grid
//! (with, when asked, the input–output Jacobian's spectrum at init).

use super::layer_init;
use super::model::{PlacementName, ResidualSpec};
use super::results::{DataPoint, Measurement, RunOutcome};
use super::spec::{DataName, LrSchedule, MlpSpec, RunSpec, TrainSpec};
use crate::nn;

/// One run through the engine, in precision `T`.
pub(super) fn train<T: nn::Float>(run: &RunSpec, mlp: &MlpSpec, seed: u64) -> RunOutcome {
    let (train_data, test_data) = data(run);
    let network = network(mlp, train_data.input_dim(), train_data.output_dim());
    let config = fit_config(run, mlp, seed, &train_data);
    if let Err(problem) = nn::check(&network, &config, &train_data) {
        return RunOutcome {
            problem: Some(problem.to_string()),
            ..RunOutcome::default()
        };
    }
    let mut net = nn::Network::<T>::new(&network, seed);
    if let Some(pretrain) = &run.train.pretrain {
        let settings = nn::PretrainConfig {
            steps_per_layer: pretrain.steps_per_layer,
            optimizer: nn::Optimizer::Sgd,
            lr: pretrain.lr,
            batch: pretrain.batch,
            seed,
        };
        nn::pretrain(&mut net, &train_data, &settings);
    }
    let spectrum = run
        .needs
        .jacobian
        .then(|| jacobian_at_init(&net, &train_data));
    let record = nn::fit(&mut net, &config, &train_data, test_data.as_ref());
    let mut outcome = outcome(&network, record);
    match spectrum {
        Some(Ok(measurements)) => outcome.measurements.extend(measurements),
        Some(Err(problem)) => outcome.problem = Some(problem.to_string()),
        None => {}
    }
    outcome
}

/// The spectrum of the hidden stack's Jacobian (input to the last hidden layer's output) as
/// training starts, at the first training example, as step-0 measurements: `jacobian_sv`
/// by rank, its mean square and its condition number.
fn jacobian_at_init<T: nn::Float>(
    net: &nn::Network<T>,
    data: &nn::Data,
) -> Result<Vec<Measurement>, nn::ConfigError> {
    let input = data.inputs().row(0).mapv(T::from_f64);
    // The builder always ends a net with a plain output layer after at least one hidden one.
    let hidden = net.hidden_stack().ok_or(nn::ConfigError::NoLayers)?;
    let spectrum = nn::Spectrum::of(&hidden, input.view())?;
    let at_step_0 = |metric, layer, value| Measurement {
        step: 0,
        layer,
        metric,
        value,
    };
    let mut measurements: Vec<Measurement> = (spectrum.singular_values.iter().enumerate())
        .map(|(rank, &s)| at_step_0(nn::Metric::JacobianSingularValue, Some(rank as u32 + 1), s))
        .collect();
    measurements.push(at_step_0(
        nn::Metric::JacobianMeanSquare,
        None,
        spectrum.mean_square(),
    ));
    measurements.push(at_step_0(
        nn::Metric::JacobianCondition,
        None,
        spectrum.condition_number(),
    ));
    Ok(measurements)
}

/// The run's data set, split into train and test parts when `data.test_fraction` > 0.
pub fn data(run: &RunSpec) -> (nn::Data, Option<nn::Data>) {
    let d = &run.data;
    let n = d.sample_count();
    let all: nn::Data = match d.name {
        DataName::Spirals => nn::spirals(n, d.classes, d.noise, d.seed).into(),
        DataName::Moons => nn::moons(n, d.noise, d.seed).into(),
        DataName::Circles => nn::circles(n, d.noise, d.factor, d.seed).into(),
        DataName::Xor => nn::xor(n, d.noise, d.seed).into(),
        DataName::Blobs => nn::blobs(n, d.classes, d.dim, d.spread, d.seed).into(),
        DataName::Random => nn::random(n, d.dim, d.classes, d.seed).into(),
        DataName::Sine => nn::sine(n, d.noise, d.seed).into(),
        DataName::Teacher => {
            nn::teacher(n, d.dim, d.teacher_width, d.outputs, d.noise, d.seed).into()
        }
        DataName::Adding | DataName::Copy | DataName::Parity | DataName::DelayedRecall => {
            unreachable!("the parser sends sequence tasks to recurrent models only")
        }
        DataName::Digits => {
            let digits: nn::Data = nn::digits().into();
            if n < digits.len() {
                digits.select(&(0..n).collect::<Vec<_>>())
            } else {
                digits
            }
        }
    };
    if d.test_fraction > 0.0 {
        let (train, test) = all.split(d.test_fraction, d.seed);
        (train, Some(test))
    } else {
        (all, None)
    }
}

pub(super) fn network(m: &MlpSpec, input_dim: usize, output_dim: usize) -> nn::NetworkConfig {
    let mut config = network_with_model_init(m, input_dim, output_dim);
    config.init_overrides = layer_init::resolve(&m.layer_init, config.layers().len())
        .expect("`ranges` refuses layer_init keys the net does not have before any net is built");
    config
}

/// The net of `m` with every layer's weights from `init`.
fn network_with_model_init(m: &MlpSpec, input_dim: usize, output_dim: usize) -> nn::NetworkConfig {
    let activation = m.activation_function();
    let init = nn::InitConfig {
        weights: m.init,
        gain: m.gain,
        biases: m.bias_init,
    };
    let hidden = m.hidden();
    match &m.residual {
        Some(residual) => residual_network(m, residual, input_dim, output_dim),
        None => {
            let layer = |units, activation, norm| {
                nn::BlockConfig::Plain(nn::LayerConfig {
                    units,
                    activation,
                    norm,
                })
            };
            let mut blocks: Vec<nn::BlockConfig> = hidden
                .iter()
                .map(|&w| layer(w, activation, m.norm))
                .collect();
            blocks.push(layer(output_dim, nn::Activation::Linear, nn::Norm::None));
            nn::NetworkConfig {
                input_dim,
                blocks,
                init,
                final_norm: nn::Norm::None,
                init_overrides: Default::default(),
            }
        }
    }
}

/// A dense layer up to the width, the residual blocks, a linear output layer. With a
/// placement the model's norm is the blocks' own and the branch is the Transformer's MLP
/// block: width → expand·width (the activation) → width (linear). With Fixup the branch's
/// last layer is linear too.
fn residual_network(
    m: &MlpSpec,
    residual: &ResidualSpec,
    input_dim: usize,
    output_dim: usize,
) -> nn::NetworkConfig {
    let width = m.hidden()[0];
    let mut config = nn::NetworkConfig::residual(
        input_dim,
        width,
        m.hidden().len(),
        residual.layers,
        residual.alpha,
        output_dim,
        m.activation_function(),
        m.norm,
        nn::InitConfig {
            weights: m.init,
            gain: m.gain,
            biases: m.bias_init,
        },
    );
    let placement = match residual.placement {
        PlacementName::None => nn::Placement::Branch,
        PlacementName::Pre => nn::Placement::Pre(m.norm),
        PlacementName::Post => nn::Placement::Post(m.norm),
    };
    for block in &mut config.blocks {
        if let nn::BlockConfig::Residual {
            layers,
            learn_alpha,
            placement: block_placement,
            fixup,
            ..
        } = block
        {
            *learn_alpha = residual.learn_alpha;
            *block_placement = placement;
            *fixup = residual.fixup;
            if layers.len() == 2 {
                layers[0].units = residual.expand * width;
            }
            if placement != nn::Placement::Branch {
                layers
                    .iter_mut()
                    .for_each(|layer| layer.norm = nn::Norm::None);
                if let [_, last] = layers.as_mut_slice() {
                    last.activation = nn::Activation::Linear;
                }
            }
            // A zero-started layer under ReLU would stay at zero (f′(0) = 0): Fixup's
            // last branch layer is linear.
            if residual.fixup {
                layers.last_mut().expect("a branch layer").activation = nn::Activation::Linear;
            }
        }
    }
    if residual.final_norm {
        config.final_norm = m.norm;
    }
    config
}

fn loss(run: &RunSpec, mlp: &MlpSpec) -> nn::Loss {
    let default = if run.data.name.is_regression() {
        nn::Loss::MeanSquaredError
    } else {
        nn::Loss::SoftmaxCrossEntropy
    };
    mlp.loss.unwrap_or(default)
}

fn fit_config(run: &RunSpec, mlp: &MlpSpec, seed: u64, data: &nn::Data) -> nn::FitConfig {
    let t = &run.train;
    let optimizer = optimizer(t);
    let decay = match t.schedule {
        LrSchedule::Constant => nn::Decay::Constant,
        LrSchedule::Step => nn::Decay::Step {
            every: t.decay_every.unwrap_or((t.steps / 3).max(1)),
            factor: t.decay_factor.unwrap_or(0.1),
        },
        LrSchedule::Exponential => nn::Decay::Exponential {
            gamma: t.gamma.unwrap_or(0.99),
        },
        LrSchedule::Cosine => nn::Decay::Cosine {
            steps: t.steps,
            min_factor: t.min_lr_factor.unwrap_or(0.0),
        },
    };
    let clip = clip(t);
    // AdamW carries its own decoupled decay; for the other optimizers it is applied alike.
    let weight_decay = if matches!(optimizer, nn::Optimizer::AdamW { .. }) {
        0.0
    } else {
        t.weight_decay.unwrap_or(0.0)
    };
    let needs = &run.needs;
    let probes = nn::Probes {
        record_every: t.record_every,
        layer_stats: needs.layer_stats,
        eval_every: match (t.eval_every, needs.evaluate) {
            (0, true) => (t.steps / 50).max(1),
            (every, _) => every,
        },
        histogram_steps: needs.histogram_steps.clone(),
        histogram_bins: 30,
        decision_grid: (needs.decision_grid && data.input_dim() == 2)
            .then(|| grid_over(data.inputs())),
        sharpness_every: match (needs.sharpness, t.sharpness_every) {
            (false, _) => 0,
            (true, Some(every)) => every,
            (true, None) => t.record_every.max(t.steps / 20).max(1),
        },
    };
    nn::FitConfig {
        loss: loss(run, mlp),
        reduction: t.loss_reduction,
        optimizer,
        lr: t.lr,
        schedule: nn::Schedule {
            decay,
            warmup: t.warmup,
        },
        steps: t.steps,
        batch: t.batch,
        seed,
        clip,
        regularization: nn::Regularization {
            l1: t.l1,
            l2: t.l2,
            weight_decay,
        },
        probes,
        mixed_precision: t.precision.half_format().map(|format| nn::MixedPrecision {
            format,
            scaling: t.loss_scale.map_or(nn::LossScaling::None, |s| s.scaling()),
        }),
    }
}

/// The optimizer the spec names, with its parameters overridden where given.
pub(super) fn optimizer(t: &TrainSpec) -> nn::Optimizer {
    match t.optimizer {
        nn::Optimizer::Sgd => nn::Optimizer::Sgd,
        nn::Optimizer::Momentum { momentum, nesterov } => nn::Optimizer::Momentum {
            momentum: t.momentum.unwrap_or(momentum),
            nesterov,
        },
        nn::Optimizer::RmsProp { rho, eps } => nn::Optimizer::RmsProp {
            rho: t.rho.unwrap_or(rho),
            eps: t.eps.unwrap_or(eps),
        },
        nn::Optimizer::Adam { beta1, beta2, eps } => nn::Optimizer::Adam {
            beta1: t.beta1.unwrap_or(beta1),
            beta2: t.beta2.unwrap_or(beta2),
            eps: t.eps.unwrap_or(eps),
        },
        nn::Optimizer::AdamW {
            beta1,
            beta2,
            eps,
            weight_decay,
        } => nn::Optimizer::AdamW {
            beta1: t.beta1.unwrap_or(beta1),
            beta2: t.beta2.unwrap_or(beta2),
            eps: t.eps.unwrap_or(eps),
            weight_decay: t.weight_decay.unwrap_or(weight_decay),
        },
    }
}

/// Clipping by global norm, by value or adaptively (unit-wise), if asked for.
pub(super) fn clip(t: &TrainSpec) -> nn::Clip {
    match (t.clip_norm, t.clip_value, t.clip_adaptive) {
        (Some(max_norm), _, _) => nn::Clip::GlobalNorm { max_norm },
        (None, Some(max), _) => nn::Clip::Value { max },
        (None, None, Some(lambda)) => nn::Clip::Adaptive { lambda, eps: 1e-3 },
        (None, None, None) => nn::Clip::None,
    }
}

/// A grid over the data with a 10% margin on each side.
fn grid_over(inputs: &ndarray::Array2<f64>) -> nn::GridSpec {
    let range = |column: usize| {
        let values = inputs.column(column);
        let (low, high) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        let margin = 0.1 * (high - low).max(1e-9);
        (low - margin, high + margin)
    };
    nn::GridSpec {
        x: range(0),
        y: range(1),
        resolution: 60,
    }
}

/// The engine's record as measurements. A metric that does not apply to a layer's
/// activation (saturation of a ReLU layer, death of a tanh or of the linear output layer) is
/// left out, not drawn as the engine's 0.
fn outcome(network: &nn::NetworkConfig, record: nn::Record) -> RunOutcome {
    let activations: Vec<nn::Activation> = network.layers().iter().map(|l| l.activation).collect();
    let mut measurements = Vec::new();
    for series in &record.series {
        for (&step, &value) in series.steps.iter().zip(&series.values) {
            measurements.push(Measurement {
                step,
                layer: None,
                metric: series.name,
                value,
            });
        }
    }
    for (k, &step) in record.steps.iter().enumerate() {
        for &(metric, ref values) in &record.per_layer {
            for (l, &value) in values[k].iter().enumerate() {
                if metric.applies_to(activations[l]) {
                    measurements.push(Measurement {
                        step,
                        layer: Some(l as u32 + 1),
                        metric,
                        value,
                    });
                }
            }
        }
    }
    RunOutcome {
        measurements,
        diverged: record.diverged,
        histograms: record.histograms,
        grid: record.decision_grid,
        problem: None,
    }
}

/// The data set's points for a decision-boundary figure (at most 600, evenly picked).
pub(super) fn data_points(run: &RunSpec) -> Vec<DataPoint> {
    let (data, _) = data(run);
    let nn::Data::Classes(set) = data else {
        return Vec::new();
    };
    if set.input_dim() != 2 {
        return Vec::new();
    }
    let stride = set.len().div_ceil(600).max(1);
    (0..set.len())
        .step_by(stride)
        .map(|i| DataPoint {
            x: set.inputs[[i, 0]],
            y: set.inputs[[i, 1]],
            class: set.labels[i] as u32,
        })
        .collect()
}
