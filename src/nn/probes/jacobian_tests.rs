//! Tests of `jacobian.rs`: the Jacobian against central differences (f64), and its spectrum
//! against the theory of deep linear and nonlinear nets at init.

use super::*;
use crate::nn::rng::{Purpose, RandomStream};
use crate::nn::{Activation, BlockConfig, Init, InitConfig, LayerConfig, NetworkConfig};
use ndarray::Array1;

fn gaussian_input(dim: usize, seed: u64) -> Array1<f64> {
    let mut rng = RandomStream::new(seed, Purpose::Data);
    Array1::from_shape_fn(dim, |_| rng.normal())
}

/// `depth` square layers of `width` units with `activation`, the last one linear.
fn square_net(
    depth: usize,
    width: usize,
    activation: Activation,
    init: InitConfig,
) -> NetworkConfig {
    NetworkConfig::mlp(width, &vec![width; depth - 1], width, activation, init)
}

fn spectrum(config: &NetworkConfig, seed: u64) -> Spectrum {
    let net = Network::<f64>::new(config, seed);
    Spectrum::of(&net, gaussian_input(config.input_dim, seed).view()).unwrap()
}

#[test]
fn the_jacobian_matches_central_differences_through_norms_and_residual_blocks() {
    let layer = |units, activation, norm| LayerConfig {
        units,
        activation,
        norm,
    };
    for norm in [Norm::None, Norm::LAYER, Norm::RMS] {
        let config = NetworkConfig {
            input_dim: 3,
            blocks: vec![
                BlockConfig::Plain(layer(5, Activation::Tanh, norm)),
                BlockConfig::Residual {
                    layers: vec![
                        layer(7, Activation::Silu, norm),
                        layer(5, Activation::Gelu, norm),
                    ],
                    alpha: 0.6,
                    learn_alpha: false,
                    placement: crate::nn::Placement::Branch,
                    fixup: false,
                },
                BlockConfig::Plain(layer(4, Activation::Linear, Norm::None)),
            ],
            init: InitConfig::new(Init::XavierNormal),
            final_norm: Norm::None,
            init_overrides: Default::default(),
        };
        let net = Network::<f64>::new(&config, 3);
        let x = gaussian_input(3, 9);
        let jacobian = input_output_jacobian(&net, x.view()).unwrap();
        assert_eq!(jacobian.dim(), (4, 3));
        let eps = 1e-6;
        for i in 0..3 {
            let mut plus = x.clone();
            let mut minus = x.clone();
            plus[i] += eps;
            minus[i] -= eps;
            let out = |v: &Array1<f64>| net.predict(v.view().insert_axis(ndarray::Axis(0)));
            let column = (out(&plus) - out(&minus)) / (2.0 * eps);
            for k in 0..4 {
                let (numeric, exact) = (column[(0, k)], jacobian[(k, i)]);
                let relative = (numeric - exact).abs() / (numeric.abs() + exact.abs()).max(1e-12);
                assert!(
                    relative < 1e-6,
                    "{norm:?} ∂out{k}/∂x{i}: {numeric} vs {exact}"
                );
            }
        }
    }
}

#[test]
fn an_orthogonal_linear_net_is_an_exact_isometry() {
    // A product of orthogonal matrices is orthogonal: every singular value is 1.
    let config = square_net(
        20,
        64,
        Activation::Linear,
        InitConfig::new(Init::Orthogonal),
    );
    let spectrum = spectrum(&config, 1);
    assert_eq!(spectrum.singular_values.len(), 64);
    for s in &spectrum.singular_values {
        assert!((s - 1.0).abs() < 1e-10, "{s}");
    }
}

#[test]
fn a_gaussian_linear_net_keeps_the_mean_square_but_spreads_with_depth() {
    // σ_w² = 1: E‖Jv‖² = ‖v‖² at any depth, so mean(s²) = ‖J‖²_F/n has mean 1; but the
    // product's singular values spread out as depth grows (its condition number grows
    // exponentially, the Lyapunov exponents of random matrix products). Measured: mean(s²)
    // 1.01 ± 0.01, 1.06 ± 0.04, 1.31 ± 0.27 at depths 2, 8, 32; median condition 1e4 at depth
    // 2, 2e11 at 8, and at 32 past what an f64 SVD resolves (the smallest values come out 0).
    let init = InitConfig::new(Init::MeanField { sigma_w2: 1.0 });
    let seeds = 1..=10u64;
    let mut median_condition = Vec::new();
    for depth in [2, 8, 32] {
        let config = square_net(depth, 64, Activation::Linear, init);
        let spectra: Vec<Spectrum> = seeds.clone().map(|seed| spectrum(&config, seed)).collect();
        let squares: Vec<f64> = spectra.iter().map(Spectrum::mean_square).collect();
        let mean = squares.iter().sum::<f64>() / squares.len() as f64;
        let spread = (squares.iter().map(|m| (m - mean).powi(2)).sum::<f64>()
            / (squares.len() - 1) as f64)
            .sqrt();
        let standard_error = spread / (squares.len() as f64).sqrt();
        assert!(
            (mean - 1.0).abs() < 3.0 * standard_error + 0.02,
            "depth {depth}: mean(s²) {mean} ± {standard_error}"
        );
        let mut conditions: Vec<f64> = spectra.iter().map(Spectrum::condition_number).collect();
        conditions.sort_by(f64::total_cmp);
        median_condition.push(conditions[conditions.len() / 2]);
    }
    assert!(
        median_condition[0] < median_condition[1] && median_condition[1] < median_condition[2],
        "median condition numbers at depths 2, 8, 32: {median_condition:?}"
    );
}

#[test]
fn tanh_with_orthogonal_weights_is_closer_to_isometry_than_relu() {
    // Pennington, Schoenholz & Ganguli 2017: orthogonal tanh nets near criticality (σ_w² = 1,
    // σ_b = 0, small q*) keep the spectrum concentrated; ReLU nets cannot (their D zeroes half
    // the units), whatever the weights. Depth 32, width 64, He-critical gain for ReLU.
    // Measured var(s²)/mean(s²)²: tanh 1.1–1.7, ReLU 19–40.
    for seed in 1..=5 {
        let tanh = InitConfig::new(Init::Orthogonal);
        let relu = InitConfig {
            gain: 2.0_f64.sqrt(),
            ..InitConfig::new(Init::Orthogonal)
        };
        let tanh = spectrum(&square_net(32, 64, Activation::Tanh, tanh), seed);
        let relu = spectrum(&square_net(32, 64, Activation::Relu, relu), seed);
        assert!(
            tanh.relative_spread() < 0.2 * relu.relative_spread(),
            "seed {seed}: var(s²)/mean(s²)² tanh {} vs relu {}",
            tanh.relative_spread(),
            relu.relative_spread()
        );
    }
}

#[test]
fn batch_norm_is_refused_with_a_reason() {
    let config = NetworkConfig {
        input_dim: 2,
        blocks: vec![
            BlockConfig::Plain(LayerConfig {
                units: 3,
                activation: Activation::Relu,
                norm: Norm::BATCH,
            }),
            BlockConfig::Plain(LayerConfig {
                units: 2,
                activation: Activation::Linear,
                norm: Norm::None,
            }),
        ],
        init: InitConfig::new(Init::HeNormal),
        final_norm: Norm::None,
        init_overrides: Default::default(),
    };
    let net = Network::<f64>::new(&config, 1);
    let error = input_output_jacobian(&net, gaussian_input(2, 1).view()).unwrap_err();
    assert!(error.to_string().contains("batch norm"), "{error}");
}
