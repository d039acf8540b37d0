//! Finite-difference gradient checks of the general network, in f64: every activation, loss,
//! normalization, residual block and penalty. For each layer, every parameter's central
//! difference (L(p + ε) − L(p − ε)) / 2ε, ε = 1e-6, is compared with backpropagation by the
//! relative error ‖numeric − analytic‖ / (‖numeric‖ + ‖analytic‖) over the layer's
//! parameters, which must be below 1e-6.

use ndarray::{Array2, ArrayView2};

use crate::nn::layers::activation::Activation;
use crate::nn::layers::init::{BiasInit, Init, InitConfig};
use crate::nn::layers::layer::{LayerConfig, for_each_param};
use crate::nn::layers::loss::{Loss, Targets};
use crate::nn::layers::network::{BlockConfig, Network, NetworkConfig, Placement};
use crate::nn::layers::norm::{Mode, Norm};
use crate::nn::rng::{Purpose, RandomStream};
use crate::nn::training::regularize::Regularization;

/// The batch the checks use: 6 examples of 3 features, 3 classes, and 3 target values.
pub(super) struct Batch {
    inputs: Array2<f64>,
    labels: Vec<usize>,
    values: Array2<f64>,
}

pub(super) fn batch() -> Batch {
    let mut rng = RandomStream::new(21, Purpose::Data);
    Batch {
        inputs: Array2::from_shape_simple_fn((6, 3), || rng.normal()),
        labels: vec![0, 2, 1, 1, 0, 2],
        values: Array2::from_shape_simple_fn((6, 3), || rng.uniform()),
    }
}

fn targets<'a>(loss: Loss, batch: &'a Batch) -> Targets<'a, f64> {
    match loss {
        Loss::SoftmaxCrossEntropy => Targets::Labels(&batch.labels),
        _ => Targets::Values(batch.values.view()),
    }
}

/// Loss (plus penalty) of the batch in training mode.
fn total_loss(
    net: &Network<f64>,
    inputs: ArrayView2<f64>,
    loss: Loss,
    targets: Targets<f64>,
    reg: &Regularization,
) -> f64 {
    let mut work = net.workspace(inputs.nrows());
    net.forward(inputs, Mode::Train, &mut work);
    let mut grads = net.zero_grads();
    loss.evaluate(net.output(&work), targets).0 + reg.add_penalty(net.layers(), &mut grads)
}

/// The worst relative error over the layers (and which layer).
pub(super) fn check(
    net: &Network<f64>,
    loss: Loss,
    reg: Regularization,
    batch: &Batch,
) -> (f64, usize) {
    let inputs = batch.inputs.view();
    let targets = targets(loss, batch);
    let mut work = net.workspace(inputs.nrows());
    net.forward(inputs, Mode::Train, &mut work);
    let (_, output_grad) = loss.evaluate(net.output(&work), targets);
    let mut grads = net.zero_grads();
    net.backward(inputs, output_grad.view(), &mut work, &mut grads);
    reg.add_penalty(net.layers(), &mut grads);

    // Flatten analytic gradients per layer, in for_each_param order.
    let mut analytic: Vec<Vec<f64>> = vec![Vec::new(); net.layers().len()];
    let mut scratch = net.clone();
    for_each_param(scratch.layers_mut(), &grads, |layer, _, _, g| {
        analytic[layer].extend_from_slice(g)
    });

    let eps = 1e-6;
    let mut numeric: Vec<Vec<f64>> = vec![Vec::new(); net.layers().len()];
    let mut counts = Vec::new(); // (layer, array index in order, length)
    for_each_param(scratch.layers_mut(), &grads, |layer, _, params, _| {
        counts.push((layer, params.len()))
    });
    for (array, &(layer, len)) in counts.iter().enumerate() {
        for i in 0..len {
            let nudged = |delta: f64| {
                let mut copy = net.clone();
                let mut seen = 0;
                for_each_param(copy.layers_mut(), &grads, |_, _, params, _| {
                    if seen == array {
                        params[i] += delta;
                    }
                    seen += 1;
                });
                total_loss(&copy, inputs, loss, targets, &reg)
            };
            numeric[layer].push((nudged(eps) - nudged(-eps)) / (2.0 * eps));
        }
    }
    let mut worst = (0.0, 0);
    for (layer, (n, a)) in numeric.iter().zip(&analytic).enumerate() {
        let diff: f64 = n
            .iter()
            .zip(a)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt();
        let scale = n.iter().map(|x| x * x).sum::<f64>().sqrt()
            + a.iter().map(|x| x * x).sum::<f64>().sqrt();
        let error = diff / scale.max(1e-300);
        if error > worst.0 {
            worst = (error, layer + 1);
        }
    }
    worst
}

/// Non-zero random biases, so their gradients are exercised away from the initial state.
pub(super) fn init() -> InitConfig {
    InitConfig {
        weights: Init::XavierNormal,
        gain: 1.0,
        biases: BiasInit::Normal { std: 0.3 },
    }
}

/// Asserts no pre-activation of a kinked activation is within reach of a 1e-6 nudge.
fn away_from_kinks(net: &Network<f64>, batch: &Batch) {
    let mut work = net.workspace(batch.inputs.nrows());
    net.forward(batch.inputs.view(), Mode::Train, &mut work);
    for (layer, cache) in net.layers().iter().zip(&work.layers) {
        if matches!(
            layer.activation,
            Activation::Relu
                | Activation::LeakyRelu { .. }
                | Activation::Elu { .. }
                | Activation::Selu
        ) {
            let closest = layer
                .pre_activation(cache)
                .iter()
                .fold(f64::INFINITY, |m, z| m.min(z.abs()));
            assert!(closest > 1e-4, "pre-activation {closest} too near the kink");
        }
    }
}

#[test]
fn every_activation_backpropagates_exactly() {
    let batch = batch();
    let mut all = Activation::ALL.to_vec();
    all.push(Activation::LeakyRelu { slope: 0.2 });
    for activation in all {
        let config = NetworkConfig::mlp(3, &[5, 4], 3, activation, init());
        let net = Network::<f64>::new(&config, 4);
        away_from_kinks(&net, &batch);
        let (error, layer) = check(
            &net,
            Loss::SoftmaxCrossEntropy,
            Regularization::default(),
            &batch,
        );
        assert!(
            error < 1e-6,
            "{activation}: layer {layer} relative error {error:e}"
        );
    }
}

#[test]
fn every_loss_backpropagates_exactly() {
    let batch = batch();
    for loss in Loss::ALL {
        let config = NetworkConfig::mlp(3, &[4], 3, Activation::Tanh, init());
        let net = Network::<f64>::new(&config, 5);
        let (error, layer) = check(&net, loss, Regularization::default(), &batch);
        assert!(
            error < 1e-6,
            "{loss:?}: layer {layer} relative error {error:e}"
        );
    }
}

#[test]
fn norms_and_residual_blocks_backpropagate_exactly() {
    let batch = batch();
    let layer = |units, norm| LayerConfig {
        units,
        activation: Activation::Tanh,
        norm,
    };
    for norm in [Norm::None, Norm::BATCH, Norm::LAYER, Norm::RMS] {
        for branch in [1, 2] {
            let config = NetworkConfig {
                input_dim: 3,
                blocks: vec![
                    BlockConfig::Plain(layer(4, norm)),
                    BlockConfig::Residual {
                        layers: vec![layer(4, norm); branch],
                        alpha: 0.7,
                        learn_alpha: false,
                        placement: Placement::Branch,
                        fixup: false,
                    },
                    BlockConfig::Residual {
                        layers: vec![layer(4, norm); branch],
                        alpha: 1.0,
                        learn_alpha: false,
                        placement: Placement::Branch,
                        fixup: false,
                    },
                    BlockConfig::Plain(LayerConfig {
                        units: 3,
                        activation: Activation::Linear,
                        norm: Norm::None,
                    }),
                ],
                init: init(),
                final_norm: Norm::None,
                init_overrides: Default::default(),
            };
            let mut net = Network::<f64>::new(&config, 6);
            // Move γ and β off 1 and 0 so their gradients are tested in general position.
            let mut rng = RandomStream::new(8, Purpose::Data);
            for l in net.layers_mut() {
                if let Some(n) = &mut l.norm {
                    n.gamma.mapv_inplace(|_| 1.0 + 0.3 * rng.normal());
                    n.beta.mapv_inplace(|_| 0.3 * rng.normal());
                }
            }
            let (error, at) = check(
                &net,
                Loss::SoftmaxCrossEntropy,
                Regularization::default(),
                &batch,
            );
            assert!(
                error < 1e-6,
                "{norm:?}, branch of {branch}: layer {at} relative error {error:e}"
            );
        }
    }
}

#[test]
fn penalties_backpropagate_exactly() {
    let batch = batch();
    let config = NetworkConfig::mlp(3, &[5, 4], 3, Activation::Sigmoid, init());
    let net = Network::<f64>::new(&config, 7);
    let reg = Regularization {
        l1: 0.01,
        l2: 0.1,
        weight_decay: 0.0,
    };
    let (error, layer) = check(&net, Loss::MeanSquaredError, reg, &batch);
    assert!(error < 1e-6, "layer {layer} relative error {error:e}");
}

#[test]
fn width_one_chains_and_uneven_widths_work() {
    let batch = batch();
    // The seeds' chain: a stack of single units; and Nielsen-style uneven widths.
    for hidden in [vec![1, 1, 1, 1], vec![7, 2, 5]] {
        let config = NetworkConfig::mlp(3, &hidden, 3, Activation::Sigmoid, init());
        let net = Network::<f64>::new(&config, 9);
        let (error, layer) = check(
            &net,
            Loss::SoftmaxCrossEntropy,
            Regularization::default(),
            &batch,
        );
        assert!(
            error < 1e-6,
            "{hidden:?}: layer {layer} relative error {error:e}"
        );
    }
}
