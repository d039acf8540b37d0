//! What `fit` keeps stable: the same seed gives the same record on any thread count, exploding runs stop cleanly at their step, and mismatched data is refused.

use super::{mlp, spiral_data};
use crate::nn::Data;
use crate::nn::Metric;
use crate::nn::data::toy::sine;
use crate::nn::data::toy::spirals;
use crate::nn::layers::activation::Activation;
use crate::nn::layers::init::{Init, InitConfig};
use crate::nn::layers::loss::Loss;
use crate::nn::layers::network::NetworkConfig;
use crate::nn::layers::norm::Norm;
use crate::nn::probes::Probes;
use crate::nn::training::fit::{FitConfig, train_network};
use crate::nn::training::optimizer::Optimizer;

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

/// Matrix products large enough to be split over threads give the same bits on 1, 2 or 3
/// threads, called from outside the pool, and inside a parallel map over runs (as the
/// experiment runner calls `fit`):
/// records and final weights alike, with and without batch norm.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    use rayon::prelude::*;
    let data = Data::Classes(crate::nn::data::toy::blobs(512, 4, 64, 0.5, 3));
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
            if let crate::nn::layers::network::BlockConfig::Plain(layer) = block {
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

#[test]
fn mismatched_data_is_rejected() {
    let data = Data::Classes(spirals(16, 3, 0.1, 1));
    let network = mlp(&[8], Activation::Relu, Init::HeNormal);
    let problem =
        crate::nn::training::fit::check(&network, &FitConfig::default(), &data).unwrap_err();
    assert_eq!(
        problem,
        crate::nn::ConfigError::ClassCount {
            classes: 3,
            outputs: 2
        }
    );
    assert_eq!(
        problem.to_string(),
        "the data has 3 classes but the network has 2 outputs"
    );
}
