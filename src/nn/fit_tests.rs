//! Whole-loop tests of `fit`: probes, evaluation, determinism, remedies, and divergence.

use super::activation::Activation;
use super::clip::Clip;
use super::data::{Data, spirals};
use super::fit::{FitConfig, train_network};
use super::init::{BiasInit, Init, InitConfig};
use super::loss::Loss;
use super::metric::{Metric, Probe};
use super::net::NetworkConfig;
use super::norm::Norm;
use super::optimizer::Optimizer;
use super::probes::{GridSpec, HistogramOf, Probes, Record};
use super::regularize::Regularization;
use super::schedule::{Decay, Schedule};
use super::toy_data::{sine, teacher};

fn spiral_data() -> Data {
    Data::Classes(spirals(256, 2, 0.1, 1))
}

fn mlp(hidden: &[usize], activation: Activation, init: Init) -> NetworkConfig {
    NetworkConfig::mlp(2, hidden, 2, activation, InitConfig::new(init))
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Mean loss over the first and the last 20 recorded steps.
fn first_and_last(record: &Record) -> (f64, f64) {
    let loss = &record
        .series(Metric::Loss)
        .expect("loss is always recorded")
        .values;
    (mean(&loss[..20]), mean(&loss[loss.len() - 20..]))
}

#[test]
fn probes_follow_their_schedule_names_and_shapes() {
    let (train, test) = spiral_data().split(0.25, 1);
    let config = FitConfig {
        steps: 23,
        probes: Probes {
            record_every: 5,
            eval_every: 10,
            histogram_steps: vec![0, 20],
            histogram_bins: 8,
            decision_grid: Some(GridSpec {
                x: (-1.0, 1.0),
                y: (-1.0, 1.0),
                resolution: 7,
            }),
            ..Probes::default()
        },
        ..FitConfig::default()
    };
    let (_, record) = train_network::<f32>(
        &mlp(&[8, 6], Activation::Relu, Init::HeNormal),
        1,
        &config,
        &train,
        Some(&test),
    );
    assert_eq!(record.steps, vec![0, 5, 10, 15, 20, 22]);
    let mut recorded: Vec<Metric> = record.per_layer.iter().map(|(m, _)| *m).collect();
    recorded.sort_unstable();
    let per_layer = Metric::ALL
        .into_iter()
        .filter(|m| m.scope() == super::metric::Scope::Layer);
    assert_eq!(recorded, per_layer.collect::<Vec<_>>());
    for (name, values) in &record.per_layer {
        assert_eq!(values.len(), 6, "{name}");
        assert!(values.iter().all(|row| row.len() == 3), "{name}");
    }
    // Saturation is counted for sigmoid/tanh only, dead units for the ReLU family only.
    let saturated = record.layer_metric(Metric::SaturatedFrac).unwrap();
    assert!(saturated.iter().flatten().all(|&v| v == 0.0));
    let dead = record.layer_metric(Metric::DeadFrac).unwrap();
    assert!(
        dead.iter()
            .all(|row| (0.0..=1.0).contains(&row[0]) && row[2] == 0.0)
    );
    let evaluated = Metric::ALL
        .into_iter()
        .filter(|m| m.probe() == Probe::Evaluation);
    for name in evaluated {
        assert_eq!(
            record.series(name).unwrap().steps,
            vec![0, 10, 20, 22],
            "{name}"
        );
    }
    assert_eq!(record.series(Metric::Clipped).unwrap().values, vec![0.0; 6]);
    assert_eq!(record.histograms.len(), 2 * 3 * 2);
    let h = &record.histograms[1];
    assert_eq!(
        (h.step, h.layer, h.of, h.edges.len()),
        (0, 1, HistogramOf::Gradients, 9)
    );
    assert_eq!(record.histograms[0].counts.iter().sum::<u64>(), 64 * 8);
    let grid = record.decision_grid.as_ref().unwrap();
    assert_eq!((grid.classes.len(), grid.confidence.len()), (49, 49));
    assert!(grid.confidence.iter().all(|&p| (0.5..=1.0).contains(&p)));
}

#[test]
fn probes_not_asked_for_are_not_recorded() {
    let config = FitConfig {
        steps: 5,
        probes: Probes {
            layer_stats: false,
            ..Probes::default()
        },
        ..FitConfig::default()
    };
    let (_, record) = train_network::<f32>(
        &mlp(&[4], Activation::Tanh, Init::XavierNormal),
        1,
        &config,
        &spiral_data(),
        None,
    );
    let names: Vec<Metric> = record.per_layer.iter().map(|(m, _)| *m).collect();
    assert_eq!(
        names,
        vec![Metric::GradNorm, Metric::GradNormBias, Metric::WeightNorm]
    );
    let series: Vec<Metric> = record.series.iter().map(|s| s.name).collect();
    assert_eq!(
        series,
        vec![Metric::Loss, Metric::GlobalGradNorm, Metric::Clipped]
    );
    assert!(record.histograms.is_empty() && record.decision_grid.is_none());
}

#[test]
fn probes_measure_what_they_say() {
    // Biases of −10 kill every ReLU unit of layer 1; sigmoid layers with huge weights saturate.
    let dead = NetworkConfig::mlp(
        2,
        &[16],
        2,
        Activation::Relu,
        InitConfig {
            biases: BiasInit::Constant { value: -10.0 },
            ..InitConfig::new(Init::HeNormal)
        },
    );
    let config = FitConfig {
        steps: 1,
        ..FitConfig::default()
    };
    let (_, record) = train_network::<f64>(&dead, 1, &config, &spiral_data(), None);
    assert_eq!(record.layer_metric(Metric::DeadFrac).unwrap()[0][0], 1.0);
    let saturating = mlp(&[16], Activation::Sigmoid, Init::Normal { std: 1000.0 });
    let (_, record) = train_network::<f64>(&saturating, 1, &config, &spiral_data(), None);
    let saturated = record.layer_metric(Metric::SaturatedFrac).unwrap()[0][0];
    println!("sigmoid, std 1000: {saturated} saturated");
    assert!(saturated > 0.9, "{saturated}");

    // Plain SGD: update ratio = lr·‖∂L/∂W‖/‖W‖; and ‖Σ_b δ_b‖ = ‖∂L/∂b‖ ≤ Σ_b ‖δ_b‖.
    let config = FitConfig {
        steps: 3,
        lr: 0.3,
        ..FitConfig::default()
    };
    let (_, record) = train_network::<f64>(
        &mlp(&[8, 8], Activation::Tanh, Init::XavierNormal),
        2,
        &config,
        &spiral_data(),
        None,
    );
    let [grad, weight, ratio, bias, delta] = [
        Metric::GradNorm,
        Metric::WeightNorm,
        Metric::UpdateRatio,
        Metric::GradNormBias,
        Metric::DeltaNorm,
    ]
    .map(|n| record.layer_metric(n).unwrap());
    for k in 0..3 {
        for l in 0..3 {
            let expected = 0.3 * grad[k][l] / weight[k][l];
            assert!(
                (ratio[k][l] / expected - 1.0).abs() < 1e-12,
                "{} vs {expected}",
                ratio[k][l]
            );
            assert!(bias[k][l] <= delta[k][l] * (1.0 + 1e-12));
        }
    }
    // The global norm includes every parameter, so it bounds each layer's.
    let global = &record.series(Metric::GlobalGradNorm).unwrap().values;
    assert!(
        global
            .iter()
            .zip(grad)
            .all(|(g, layers)| layers.iter().all(|l| l <= g))
    );
}

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
fn the_same_seed_gives_the_same_record() {
    let net = NetworkConfig::residual(
        2,
        8,
        3,
        2,
        1.0,
        2,
        Activation::Gelu,
        Norm::BATCH,
        InitConfig::new(Init::Orthogonal),
    );
    let config = FitConfig {
        optimizer: Optimizer::ALL[5],
        steps: 20,
        probes: Probes {
            eval_every: 5,
            ..Probes::default()
        },
        ..FitConfig::default()
    };
    let run = |seed| train_network::<f32>(&net, seed, &config, &spiral_data(), None).1;
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
}

#[test]
fn deliberately_exploding_runs_stop_cleanly_at_their_step() {
    // Depth 30, tanh, normal(std = 2), lr 1, on sine regression with mean squared error:
    // the linear output is not squashed, so the error overflows.
    let data = Data::Values(sine(256, 0.1, 1));
    let net = NetworkConfig::mlp(
        1,
        &[32; 30],
        1,
        Activation::Tanh,
        InitConfig::new(Init::Normal { std: 2.0 }),
    );
    let config = FitConfig {
        loss: Loss::MeanSquaredError,
        lr: 1.0,
        steps: 100,
        ..FitConfig::default()
    };
    let (_, record) = train_network::<f32>(&net, 1, &config, &data, None);
    let divergence = record.diverged.clone().expect("this run must overflow");
    println!("tanh std 2, MSE: {divergence:?}");
    assert!(
        divergence.step >= 1 && divergence.what.contains("inf") || divergence.what.contains("NaN")
    );
    assert_eq!(record.steps, (0..divergence.step).collect::<Vec<_>>());
    assert!(
        record
            .series(Metric::Loss)
            .unwrap()
            .values
            .iter()
            .all(|v| v.is_finite())
    );

    // ReLU with σ_w² = 2.5 > 2 (the mean-field edge): each layer multiplies the signal.
    let net = NetworkConfig::mlp(
        2,
        &[32; 30],
        2,
        Activation::Relu,
        InitConfig::new(Init::MeanField { sigma_w2: 2.5 }),
    );
    let config = FitConfig {
        lr: 1.0,
        steps: 100,
        ..FitConfig::default()
    };
    let (_, record) = train_network::<f32>(&net, 1, &config, &spiral_data(), None);
    let divergence = record.diverged.clone().expect("this run must overflow");
    println!("relu σ_w² 2.5: {divergence:?}");
    assert_eq!(record.steps.len() as u64, divergence.step);
}

#[test]
fn tanh_std_2_with_cross_entropy_explodes_once_then_saturates_instead_of_overflowing() {
    // The configuration with softmax cross-entropy does NOT overflow. At step 0 the
    // gradient grows by ~10⁷ from layer 30 down to layer 1 (chaotic phase: χ₁ ≫ 1); that
    // first update throws layer 1's weights so far that every unit saturates, after which
    // its gradient is exactly 0 in f32 and the loss stays finite (confidently wrong).
    let net = mlp(&[32; 30], Activation::Tanh, Init::Normal { std: 2.0 });
    let config = FitConfig {
        lr: 1.0,
        steps: 100,
        probes: Probes {
            record_every: 10,
            ..Probes::default()
        },
        ..FitConfig::default()
    };
    let (_, record) = train_network::<f32>(&net, 1, &config, &spiral_data(), None);
    assert_eq!(record.diverged, None);
    let grads = record.layer_metric(Metric::GradNorm).unwrap();
    let saturated = record.layer_metric(Metric::SaturatedFrac).unwrap();
    println!(
        "step 0: layer 1 {:e}, layer 31 {:e}",
        grads[0][0], grads[0][30]
    );
    assert!(grads[0][0] / grads[0][29] > 1e5, "explodes at step 0");
    for k in 1..grads.len() {
        assert!(
            grads[k][0] < 1e-6 && saturated[k][0] > 0.99,
            "then layer 1 saturates: step {}",
            record.steps[k]
        );
    }
    assert!(
        record
            .series(Metric::Loss)
            .unwrap()
            .values
            .iter()
            .all(|v| v.is_finite())
    );
}

#[test]
fn nielsens_digits_network_learns() {
    // Nielsen's [64, 30, 30, 10] sigmoid net with N(0, 1/n_in) weights and N(0, 1) biases,
    // on the 8×8 digits with a held-out quarter.
    let (train, test) = Data::Classes(super::digits::digits()).split(0.25, 1);
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

/// Matrix products large enough to be split over threads give the same bits on 1, 2 or 3
/// threads, called from outside the pool, and inside a parallel map over runs (as the
/// experiment runner calls `fit`):
/// records and final weights alike, with and without batch norm.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    use rayon::prelude::*;
    let data = Data::Classes(super::toy_data::blobs(512, 4, 64, 0.5, 3));
    let run = |norm: Norm| {
        let mut network = NetworkConfig::mlp(
            64,
            &[256, 256, 128],
            4,
            Activation::Relu,
            InitConfig::new(Init::HeNormal),
        );
        let hidden = network.blocks.len() - 1;
        for block in &mut network.blocks[..hidden] {
            if let super::net::BlockConfig::Plain(layer) = block {
                layer.norm = norm;
            }
        }
        let config = FitConfig {
            steps: 12,
            batch: 256,
            lr: 0.05,
            ..FitConfig::default()
        };
        let (net, record) = train_network::<f32>(&network, 5, &config, &data, None);
        let bits: Vec<u32> = net
            .layers()
            .iter()
            .flat_map(|l| l.dense.weights.iter().chain(&l.dense.biases))
            .map(|w| w.to_bits())
            .collect();
        (record, bits)
    };
    for norm in [Norm::None, Norm::BATCH] {
        let pool = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool")
        };
        let one = pool(1).install(|| run(norm));
        assert!(one.0.diverged.is_none());
        // From outside any pool: `fit` moves onto the global pool, its other threads spinning.
        assert!(run(norm) == one, "outside the pool, {norm:?}");
        for threads in [2, 3] {
            assert!(
                pool(threads).install(|| run(norm)) == one,
                "{threads} threads, {norm:?}"
            );
        }
        let nested: Vec<_> =
            pool(2).install(|| (0..3).into_par_iter().map(|_| run(norm)).collect());
        assert!(nested.iter().all(|r| *r == one), "nested, {norm:?}");
    }
}
