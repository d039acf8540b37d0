//! Tests of `sharpness.rs`: power iteration on matrices with known spectra, and λ_max of
//! networks against Hessians built independently (analytically for a linear layer under
//! mean squared error, from second differences of loss values for a tanh net), each
//! diagonalized by nalgebra.

use super::*;
use crate::nn::Mode;
use crate::nn::layers::layer::for_each_param;
use crate::nn::rng::{Purpose, RandomStream};
use crate::nn::{Activation, BlockConfig, Init, InitConfig, LayerConfig, NetworkConfig, Norm};
use crate::nn::{random, spirals};
use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::Array2;

/// Q·diag(eigenvalues)·Qᵀ with Q a random orthogonal matrix (the Q of a Gaussian matrix's QR).
fn with_spectrum(eigenvalues: &[f64], seed: u64) -> DMatrix<f64> {
    let n = eigenvalues.len();
    let mut rng = RandomStream::new(seed, Purpose::Data);
    let q = DMatrix::from_fn(n, n, |_, _| rng.normal()).qr().q();
    &q * DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(eigenvalues)) * q.transpose()
}

/// The largest eigenvalue of a symmetric matrix, by nalgebra.
fn top_eigenvalue(matrix: DMatrix<f64>) -> f64 {
    let values = SymmetricEigen::new(matrix).eigenvalues;
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

fn relative_error(measured: f64, exact: f64) -> f64 {
    (measured - exact).abs() / exact.abs()
}

#[test]
fn power_iteration_finds_the_top_eigenvalue_of_a_known_spectrum() {
    // The top eigenvalue first: dominant, then outweighed by a negative one (found by the
    // shifted second run).
    for eigenvalues in [
        [5.0, 3.0, 1.0, -0.5, 2.0, -2.5, 0.1, 0.0],
        [4.0, -6.0, 1.0, -0.5, 2.0, -2.5, 0.1, 1.5],
    ] {
        let matrix = with_spectrum(&eigenvalues, 11);
        let apply = |v: &[f64], out: &mut [f64]| {
            let product = &matrix * nalgebra::DVector::from_column_slice(v);
            out.copy_from_slice(product.as_slice());
        };
        let (lambda, converged) = power_iteration(eigenvalues.len(), apply, 1000, 3);
        assert!(converged, "{eigenvalues:?}: λ = {lambda}");
        assert!(
            (lambda - eigenvalues[0]).abs() < 1e-6,
            "{eigenvalues:?}: λ = {lambda}"
        );
    }
}

#[test]
fn power_iteration_reports_what_it_could_not_measure() {
    let zero = |_: &[f64], out: &mut [f64]| out.fill(0.0);
    assert_eq!(power_iteration(4, zero, 10, 1), (0.0, true));
    let (lambda, converged) = power_iteration(4, zero, 0, 1);
    assert!(lambda.is_nan() && !converged);
    let (lambda, converged) = power_iteration(0, zero, 10, 1);
    assert!(lambda.is_nan() && !converged);
}

#[test]
fn a_linear_layer_under_mean_squared_error_has_the_analytic_top_eigenvalue() {
    // L = (1/(n·k)) Σ_i Σ_j (x̃_i·w̃_j − t_ij)², x̃ = [x, 1], w̃_j = column j of W with b_j
    // below it: exactly quadratic, ∂²L/∂w̃_aj ∂w̃_bl = (2/(n·k))·δ_jl·(X̃ᵀX̃)_ab. In the flat
    // order (W row-major, then b), w̃_aj sits at a·k + j: the bias row is a = d.
    let (n, d, k) = (40, 3, 2);
    let config = NetworkConfig::mlp(
        d,
        &[],
        k,
        Activation::Linear,
        InitConfig::new(Init::XavierNormal),
    );
    let net = Network::<f64>::new(&config, 5);
    let mut rng = RandomStream::new(8, Purpose::Data);
    // Unequal feature scales and an offset spread the spectrum, so the iteration is quick.
    let scales = [2.0, 1.0, 0.5];
    let inputs = Array2::from_shape_fn((n, d), |(_, a)| 0.3 + scales[a] * rng.normal());
    let targets = Array2::from_shape_fn((n, k), |_| rng.normal());

    let augmented = |i: usize, a: usize| if a < d { inputs[(i, a)] } else { 1.0 };
    let hessian = DMatrix::from_fn((d + 1) * k, (d + 1) * k, |p, q| {
        let ((a, j), (b, l)) = ((p / k, p % k), (q / k, q % k));
        if j != l {
            return 0.0;
        }
        let gram: f64 = (0..n).map(|i| augmented(i, a) * augmented(i, b)).sum();
        2.0 / (n * k) as f64 * gram
    });
    let exact = top_eigenvalue(hessian);

    let measured = sharpness(
        &net,
        Loss::MeanSquaredError,
        inputs.view(),
        Targets::Values(targets.view()),
        500,
        1,
    );
    assert!(measured.converged, "{measured:?}");
    let error = relative_error(measured.lambda_max, exact);
    assert!(
        error < 1e-6,
        "{measured:?} vs {exact}: relative error {error:e}"
    );
}

/// A tanh net with `hidden` layers normalized by `norm`, and a linear output layer.
fn tanh_net(inputs: usize, hidden: &[usize], outputs: usize, norm: Norm) -> Network<f64> {
    let layer = |units, activation, norm| {
        BlockConfig::Plain(LayerConfig {
            units,
            activation,
            norm,
        })
    };
    let mut blocks: Vec<BlockConfig> = hidden
        .iter()
        .map(|&units| layer(units, Activation::Tanh, norm))
        .collect();
    blocks.push(layer(outputs, Activation::Linear, Norm::None));
    let config = NetworkConfig {
        input_dim: inputs,
        blocks,
        init: InitConfig::new(Init::XavierNormal),
        final_norm: Norm::None,
        init_overrides: Default::default(),
    };
    Network::new(&config, 6)
}

/// Four hidden layers of 16 on 8 inputs, 4 classes.
fn deep_tanh_net(norm: Norm) -> Network<f64> {
    tanh_net(8, &[16, 16, 16, 16], 4, norm)
}

#[test]
fn a_tanh_net_matches_the_hessian_of_second_differences_of_its_loss() {
    // Built from training-mode loss values alone (no backward pass, no power iteration):
    // (L(θ+h eₚ+h e_q) − L(θ+h eₚ−h e_q) − L(θ−h eₚ+h e_q) + L(θ−h eₚ−h e_q))/4h².
    // A 2 → 4 → 4 → 3 net has few enough parameters (47, or 63 with batch norm).
    let data = spirals(30, 3, 0.1, 4);
    for norm in [Norm::None, Norm::BATCH] {
        let net = tanh_net(2, &[4, 4], 3, norm);
        let mut copy = net.clone();
        let mut work = net.workspace(data.len());
        let mut loss_at = |theta: &[f64]| {
            let mut offset = 0;
            for_each_param(copy.layers_mut(), &net.zero_grads(), |_, _, params, _| {
                params.copy_from_slice(&theta[offset..offset + params.len()]);
                offset += params.len();
            });
            copy.forward(data.inputs.view(), Mode::Train, &mut work);
            Loss::SoftmaxCrossEntropy
                .evaluate(copy.output(&work), Targets::Labels(&data.labels))
                .0
        };
        let mut theta = Vec::new();
        for_each_param(
            net.clone().layers_mut(),
            &net.zero_grads(),
            |_, _, params, _| theta.extend_from_slice(params),
        );
        let h = 1e-4;
        let dim = theta.len();
        let mut hessian = DMatrix::zeros(dim, dim);
        for p in 0..dim {
            for q in 0..=p {
                let mut at = |sp: f64, sq: f64| {
                    let mut shifted = theta.clone();
                    shifted[p] += sp * h;
                    shifted[q] += sq * h;
                    loss_at(&shifted)
                };
                let value =
                    (at(1.0, 1.0) - at(1.0, -1.0) - at(-1.0, 1.0) + at(-1.0, -1.0)) / (4.0 * h * h);
                hessian[(p, q)] = value;
                hessian[(q, p)] = value;
            }
        }
        let exact = top_eigenvalue(hessian);

        let measured = sharpness(
            &net,
            Loss::SoftmaxCrossEntropy,
            data.inputs.view(),
            Targets::Labels(&data.labels),
            2000,
            1,
        );
        assert!(measured.converged, "{norm:?}: {measured:?}");
        assert!(measured.lambda_max > 0.0, "{norm:?}: {measured:?}");
        let error = relative_error(measured.lambda_max, exact);
        assert!(
            error < 1e-5,
            "{norm:?}: {measured:?} vs {exact}: relative error {error:e}"
        );
    }
}

#[test]
fn sharpness_is_the_same_bits_every_time() {
    let data = random(64, 8, 4, 3);
    let net = deep_tanh_net(Norm::None);
    let measure = || {
        sharpness(
            &net,
            Loss::SoftmaxCrossEntropy,
            data.inputs.view(),
            Targets::Labels(&data.labels),
            300,
            9,
        )
    };
    let (first, second) = (measure(), measure());
    assert_eq!(first.lambda_max.to_bits(), second.lambda_max.to_bits());
    assert_eq!(first, second);
    assert_eq!(
        net,
        deep_tanh_net(Norm::None),
        "the network is left unchanged"
    );
}

#[test]
fn a_deeper_tanh_net_has_a_finite_positive_sharpness_whatever_the_start() {
    let data = random(64, 8, 4, 3);
    for norm in [Norm::None, Norm::BATCH] {
        let net = deep_tanh_net(norm);
        let measure = |seed| {
            sharpness(
                &net,
                Loss::SoftmaxCrossEntropy,
                data.inputs.view(),
                Targets::Labels(&data.labels),
                2000,
                seed,
            )
        };
        let (one, other) = (measure(1), measure(2));
        for found in [one, other] {
            assert!(found.converged, "{norm:?}: {found:?}");
            assert!(
                found.lambda_max.is_finite() && found.lambda_max > 0.0,
                "{norm:?}: {found:?}"
            );
        }
        // Two starting directions, one eigenvalue.
        let error = relative_error(one.lambda_max, other.lambda_max);
        assert!(error < 1e-6, "{norm:?}: {one:?} vs {other:?}");
    }
}
