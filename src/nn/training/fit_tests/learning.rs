//! What `fit` learns: penalties, clipping, every optimizer and schedule, regression, deep residual and normalized nets, the digits network, and sigmoid's vanishing gradients against ReLU's.

use super::{first_and_last, mlp, spiral_data};
use crate::nn::Data;
use crate::nn::Metric;
use crate::nn::data::toy::spirals;
use crate::nn::data::toy::teacher;
use crate::nn::layers::activation::Activation;
use crate::nn::layers::init::{BiasInit, Init, InitConfig};
use crate::nn::layers::loss::Loss;
use crate::nn::layers::network::NetworkConfig;
use crate::nn::layers::norm::Norm;
use crate::nn::probes::{Probes, Record};
use crate::nn::training::clip::Clip;
use crate::nn::training::fit::{FitConfig, train_network};
use crate::nn::training::optimizer::Optimizer;
use crate::nn::training::regularize::Regularization;
use crate::nn::training::schedule::{Decay, Schedule};

#[test]
fn penalties_show_in_the_loss_and_decay_shrinks_weights() {
    let net = mlp(&[8], Activation::Tanh, Init::XavierNormal);
    let run = |regularization| {
        let config = FitConfig {
            steps: 30,
            regularization,
            ..FitConfig::default()
        };
        train_network::<f64>(&net, 1, &config, &spiral_data(), None).1
    };
    let plain = run(Regularization::default());
    let l2 = run(Regularization {
        l2: 0.5,
        ..Default::default()
    });
    // At step 0 (same weights, same batch) the losses differ by (λ/2)·Σ‖W‖².
    let weights = &plain.layer_metric(Metric::WeightNorm).unwrap()[0];
    let penalty = 0.25 * weights.iter().map(|w| w * w).sum::<f64>();
    let difference =
        l2.series(Metric::Loss).unwrap().values[0] - plain.series(Metric::Loss).unwrap().values[0];
    assert!(
        (difference - penalty).abs() < 1e-12,
        "{difference} vs {penalty}"
    );
    let decayed = run(Regularization {
        weight_decay: 1.0,
        ..Default::default()
    });
    let last_norm = |r: &Record| r.layer_metric(Metric::WeightNorm).unwrap().last().unwrap()[0];
    assert!(last_norm(&decayed) < 0.5 * last_norm(&plain));
}

#[test]
fn clipping_is_recorded() {
    let net = mlp(&[8], Activation::Tanh, Init::XavierNormal);
    for (clip, expected) in [
        (Clip::GlobalNorm { max_norm: 1e-6 }, 1.0),
        (Clip::GlobalNorm { max_norm: 1e6 }, 0.0),
        (Clip::Value { max: 1e-9 }, 1.0),
    ] {
        let config = FitConfig {
            steps: 4,
            clip,
            ..FitConfig::default()
        };
        let (_, record) = train_network::<f64>(&net, 1, &config, &spiral_data(), None);
        assert_eq!(
            record.series(Metric::Clipped).unwrap().values,
            vec![expected; 4],
            "{clip:?}"
        );
    }
}

#[test]
fn every_optimizer_and_schedule_trains() {
    let net = mlp(&[32, 32], Activation::Relu, Init::HeNormal);
    let schedules = [
        Schedule::default(),
        Schedule {
            decay: Decay::Cosine {
                steps: 300,
                min_factor: 0.1,
            },
            warmup: 20,
        },
        Schedule {
            decay: Decay::Step {
                every: 100,
                factor: 0.5,
            },
            warmup: 0,
        },
        Schedule {
            decay: Decay::Exponential { gamma: 0.998 },
            warmup: 0,
        },
        Schedule::default(),
        Schedule::default(),
    ];
    for (optimizer, schedule) in Optimizer::ALL.into_iter().zip(schedules) {
        let lr = match optimizer {
            Optimizer::Sgd | Optimizer::Momentum { .. } => 0.1,
            _ => 0.005,
        };
        let config = FitConfig {
            optimizer,
            lr,
            schedule,
            steps: 300,
            ..FitConfig::default()
        };
        let (_, record) = train_network::<f32>(&net, 1, &config, &spiral_data(), None);
        let (first, last) = first_and_last(&record);
        println!("{}: loss {first:.3} → {last:.3}", optimizer.name());
        assert!(
            record.diverged.is_none() && last < 0.8 * first,
            "{}: {first} → {last}",
            optimizer.name()
        );
    }
}

#[test]
fn regression_learns_a_teacher() {
    let data = Data::Values(teacher(512, 4, 16, 1, 0.0, 3));
    let net = NetworkConfig::mlp(
        4,
        &[16],
        1,
        Activation::Tanh,
        InitConfig::new(Init::XavierNormal),
    );
    let config = FitConfig {
        loss: Loss::MeanSquaredError,
        optimizer: Optimizer::ALL[4],
        lr: 0.01,
        steps: 400,
        ..FitConfig::default()
    };
    let (_, record) = train_network::<f64>(&net, 1, &config, &data, None);
    let (first, last) = first_and_last(&record);
    assert!(last < 0.2 * first, "{first} → {last}");
}

#[test]
fn deep_residual_and_normalized_nets_train_without_vanishing() {
    // 50 residual blocks (101 dense layers with the stem and output): the skip paths keep
    // layer 1's gradient within two orders of magnitude of the last layer's.
    let data = spiral_data();
    for norm in [Norm::None, Norm::BATCH, Norm::LAYER] {
        let net = NetworkConfig::residual(
            2,
            16,
            50,
            2,
            0.2,
            2,
            Activation::Relu,
            norm,
            InitConfig::new(Init::HeNormal),
        );
        let config = FitConfig {
            optimizer: Optimizer::ALL[4],
            lr: 0.003,
            steps: 60,
            probes: Probes {
                layer_stats: false,
                ..Probes::default()
            },
            ..FitConfig::default()
        };
        let (trained, record) = train_network::<f32>(&net, 1, &config, &data, None);
        let grads = &record.layer_metric(Metric::GradNorm).unwrap()[0];
        assert_eq!(grads.len(), 102);
        let ratio = grads[0] / grads[101];
        let (first, last) = first_and_last(&record);
        println!("{norm:?}: layer-1/layer-102 gradient {ratio:.3}, loss {first:.3} → {last:.3}");
        assert!(record.diverged.is_none() && (0.01..100.0).contains(&ratio));
        assert!(last < first, "{norm:?}: {first} → {last}");
        if norm == Norm::BATCH {
            let running = &trained.layers()[1].norm.as_ref().unwrap().running_mean;
            assert!(running.iter().any(|&m| m != 0.0), "running averages move");
        }
    }
}

#[test]
fn nielsens_digits_network_learns() {
    // Nielsen's [64, 30, 30, 10] sigmoid net with N(0, 1/n_in) weights and N(0, 1) biases,
    // on the 8×8 digits with a held-out quarter.
    let (train, test) = Data::Classes(crate::nn::data::digits::digits()).split(0.25, 1);
    let init = InitConfig {
        weights: Init::LecunNormal,
        gain: 1.0,
        biases: BiasInit::Normal { std: 1.0 },
    };
    let net = NetworkConfig::mlp(64, &[30, 30], 10, Activation::Sigmoid, init);
    let config = FitConfig {
        lr: 1.0,
        steps: 400,
        batch: 32,
        probes: Probes {
            record_every: 100,
            layer_stats: false,
            eval_every: 400,
            ..Probes::default()
        },
        ..FitConfig::default()
    };
    let (_, record) = train_network::<f32>(&net, 1, &config, &train, Some(&test));
    let accuracy = record.series(Metric::TestAccuracy).unwrap();
    println!(
        "digits test accuracy at steps {:?}: {:?}",
        accuracy.steps, accuracy.values
    );
    assert!(accuracy.values[0] < 0.3 && *accuracy.values.last().unwrap() > 0.85);
}

/// The issue-1 setting (11 dense layers on 2-class spirals, He init): at step 0, sigmoid's
/// layer-1 gradient is < 1/100 of layer 11's (f′ ≤ 1/4 per layer), ReLU's within 10×.
#[test]
fn sigmoid_gradients_vanish_and_relu_gradients_do_not() {
    let data = Data::Classes(spirals(512, 2, 0.1, 1));
    let step0_ratio = |activation, f64_engine: bool| {
        let config = FitConfig {
            lr: 0.1,
            steps: 50,
            batch: 64,
            seed: 1,
            probes: Probes {
                record_every: 10,
                ..Probes::default()
            },
            ..FitConfig::default()
        };
        let network = mlp(&[32; 10], activation, Init::HeNormal);
        let record = if f64_engine {
            train_network::<f64>(&network, 1, &config, &data, None).1
        } else {
            train_network::<f32>(&network, 1, &config, &data, None).1
        };
        assert_eq!(record.diverged, None);
        let norms = &record.layer_metric(Metric::GradNorm).expect("recorded")[0];
        norms[0] / norms[10]
    };
    for f64_engine in [false, true] {
        let sigmoid = step0_ratio(Activation::Sigmoid, f64_engine);
        let relu = step0_ratio(Activation::Relu, f64_engine);
        assert!(
            sigmoid < 1.0 / 100.0,
            "sigmoid layer-1/layer-11 {sigmoid:e}"
        );
        assert!(
            (0.1..=10.0).contains(&relu),
            "relu layer-1/layer-11 {relu:e}"
        );
    }
}
