//! Signal propagation at initialization in wide networks, measured against theory:
//! He vs Xavier for ReLU, mean-field χ₁ for tanh, and orthogonal deep linear nets.
//! Width 256, random N(0, 1) inputs, several seeds.

use ndarray::Array2;

use crate::nn::data::toy::random;
use crate::nn::layers::activation::Activation;
use crate::nn::layers::init::{BiasInit, Init, InitConfig};
use crate::nn::layers::loss::{Loss, Targets};
use crate::nn::layers::network::{Network, NetworkConfig};
use crate::nn::layers::norm::Mode;
use crate::nn::theory::MeanField;

const WIDTH: usize = 256;

fn mean_square(values: &Array2<f64>) -> f64 {
    values.iter().map(|v| v * v).sum::<f64>() / values.len() as f64
}

/// E[a_l²] / E[a_{l−1}²] for every hidden layer l (a₀ = the input), at initialization, in
/// a ReLU net of `width` units per layer on a batch of 64.
fn second_moment_ratios(init: Init, width: usize, depth: usize, seed: u64) -> Vec<f64> {
    let data = random(64, width, 10, seed);
    let config = NetworkConfig::mlp(
        width,
        &vec![width; depth],
        10,
        Activation::Relu,
        InitConfig::new(init),
    );
    let net = Network::<f64>::new(&config, seed);
    let mut work = net.workspace(64);
    net.forward(data.inputs.view(), Mode::Train, &mut work);
    let mut previous = mean_square(&data.inputs);
    let mut ratios = Vec::new();
    for cache in &work.layers[..depth] {
        let current = mean_square(&cache.out);
        ratios.push(current / previous);
        previous = current;
    }
    ratios
}

#[test]
fn relu_with_he_keeps_the_second_moment_and_with_xavier_halves_it() {
    // Tolerance: the 16-seed mean of every layer's ratio within 10% of theory. Single draws
    // scatter more than that in deep layers: a ReLU unit's z²·1[z > 0] has relative spread
    // √5 per unit, and as depth makes the batch's representations correlated the batch no
    // longer averages it away; at width 256 single seeds are off by up to ~25% by layer 10.
    // The estimate's noise falls as 1/√(width·seeds) but the cost as width²·seeds, so we
    // average seeds rather than widen.
    let width = 256;
    for (init, expected) in [(Init::HeNormal, 1.0), (Init::XavierNormal, 0.5)] {
        let runs: Vec<Vec<f64>> = (1..=16)
            .map(|seed| second_moment_ratios(init, width, 10, seed))
            .collect();
        let mut worst: f64 = 0.0;
        let mut worst_single: f64 = 0.0;
        for l in 0..10 {
            let mean = runs.iter().map(|r| r[l]).sum::<f64>() / runs.len() as f64;
            worst = worst.max((mean / expected - 1.0).abs());
            for run in &runs {
                worst_single = worst_single.max((run[l] / expected - 1.0).abs());
            }
        }
        println!(
            "{init}: worst layer's seed-mean ratio off {expected} by {:.2}% (single seeds: {:.2}%)",
            100.0 * worst,
            100.0 * worst_single
        );
        assert!(
            worst < 0.10,
            "{init}: a layer's ratio is {:.1}% off {expected}",
            100.0 * worst
        );
    }
}

/// Measured ‖δ_l‖²/‖δ_{l+1}‖² (sums over the batch) for l = 1..depth−1, and the mean-field
/// χ₁(l) from the input batch's q₁.
fn chi1_measured_and_predicted(
    sigma_w2: f64,
    sigma_b2: f64,
    depth: usize,
    seed: u64,
) -> (Vec<f64>, Vec<f64>) {
    let data = random(128, WIDTH, 10, seed);
    let init = InitConfig {
        weights: Init::MeanField { sigma_w2 },
        gain: 1.0,
        biases: if sigma_b2 > 0.0 {
            BiasInit::Normal {
                std: sigma_b2.sqrt(),
            }
        } else {
            BiasInit::Zeros
        },
    };
    let config = NetworkConfig::mlp(WIDTH, &vec![WIDTH; depth], 10, Activation::Tanh, init);
    let net = Network::<f64>::new(&config, seed);
    let mut work = net.workspace(128);
    net.forward(data.inputs.view(), Mode::Train, &mut work);
    let (_, output_grad) =
        Loss::SoftmaxCrossEntropy.evaluate(net.output(&work), Targets::Labels(&data.labels));
    let mut grads = net.zero_grads();
    net.backward(
        data.inputs.view(),
        output_grad.view(),
        &mut work,
        &mut grads,
    );
    let delta_square: Vec<f64> = work.layers.iter().map(|c| mean_square(&c.delta)).collect();
    let measured = (0..depth - 1)
        .map(|l| delta_square[l] / delta_square[l + 1])
        .collect();
    let theory = MeanField::new(Activation::Tanh, sigma_w2, sigma_b2);
    let predicted = theory.chi1_sequence(theory.q_first(mean_square(&data.inputs)), depth - 1);
    (measured, predicted)
}

#[test]
fn tanh_backward_growth_matches_mean_field_chi1() {
    // Tolerance: the 4-seed mean of each layer's measured ratio within 10% of χ₁(l).
    let depth = 8;
    for (sigma_w2, sigma_b2) in [(0.5, 0.0), (1.0, 0.0), (2.0, 0.0), (1.5, 0.05)] {
        let seeds = 1..=4;
        let runs: Vec<(Vec<f64>, Vec<f64>)> = seeds
            .map(|s| chi1_measured_and_predicted(sigma_w2, sigma_b2, depth, s))
            .collect();
        let mut worst: f64 = 0.0;
        for l in 0..depth - 1 {
            let measured = runs.iter().map(|r| r.0[l]).sum::<f64>() / runs.len() as f64;
            let predicted = runs.iter().map(|r| r.1[l]).sum::<f64>() / runs.len() as f64;
            println!(
                "σ_w² {sigma_w2}, σ_b² {sigma_b2}, layer {}: measured {measured:.4}, χ₁ {predicted:.4}",
                l + 1
            );
            worst = worst.max((measured / predicted - 1.0).abs());
        }
        assert!(
            worst < 0.10,
            "σ_w² {sigma_w2}, σ_b² {sigma_b2}: {:.1}% off χ₁",
            100.0 * worst
        );
    }
}

#[test]
fn orthogonal_deep_linear_nets_have_unit_singular_values() {
    // The net's input-output Jacobian J = W₁W₂…W_L is the output for the identity as input
    // (linear activations, zero biases); JᵀJ = I means every singular value is 1.
    let width = 64;
    let jacobian_gram_error = |init: Init| {
        let config = NetworkConfig::mlp(
            width,
            &vec![width; 30],
            width,
            Activation::Linear,
            InitConfig::new(init),
        );
        let net = Network::<f64>::new(&config, 3);
        let jacobian = net.predict(Array2::eye(width).view());
        let gram = jacobian.t().dot(&jacobian) - Array2::<f64>::eye(width);
        gram.iter().fold(0.0_f64, |m, v| m.max(v.abs()))
    };
    let orthogonal = jacobian_gram_error(Init::Orthogonal);
    let gaussian = jacobian_gram_error(Init::XavierNormal);
    println!("max |JᵀJ − I|: orthogonal {orthogonal:e}, xavier normal {gaussian:e}");
    assert!(orthogonal < 1e-9, "{orthogonal:e}");
    assert!(
        gaussian > 0.1,
        "Gaussian weights spread the spectrum: {gaussian:e}"
    );
}
