//! Finite-difference checks of backpropagation through time, in f64: for every cell, two
//! stacked layers over 6 steps, both readouts and both losses, every parameter's central
//! difference (L(p + ε) − L(p − ε)) / 2ε with ε = 1e-6 is compared with BPTT by the relative
//! error ‖numeric − analytic‖ / (‖numeric‖ + ‖analytic‖) over each parameter array, which
//! must be below 1e-6. The inputs' gradient ∂L/∂x_t is checked the same way: it is what
//! arrives at step t after every recurrent path, so it checks the carries too.

use ndarray::Array2;

use super::config::{Cell, Readout, RecurrentConfig, RecurrentInit};
use super::network::{BatchTargets, RecurrentNet};
use crate::nn::rng::{Purpose, RandomStream};
use crate::nn::{Activation, Loss};

const STEPS: usize = 6;
const BATCH: usize = 3;
const EPS: f64 = 1e-6;

fn cells() -> Vec<Cell> {
    vec![
        Cell::Rnn {
            activation: Activation::Tanh,
        },
        Cell::Rnn {
            activation: Activation::Relu,
        },
        Cell::Rnn {
            activation: Activation::Linear,
        },
        Cell::Gru,
        Cell::Lstm { forget_bias: 1.0 },
    ]
}

fn network(cell: Cell, readout: Readout) -> RecurrentNet<f64> {
    let mut config = RecurrentConfig::new(cell, 3, 4, 2);
    config.layers = 2;
    config.readout = readout;
    // Larger than PyTorch's default, so the recurrent terms matter over 6 steps.
    config.recurrent_init = RecurrentInit::Normal { std: 0.6 };
    let mut net = RecurrentNet::new(config, 7).unwrap();
    // Non-zero biases, so every term of the backward pass is exercised.
    let mut rng = RandomStream::new(8, Purpose::Init);
    for layer in &mut net.params.layers {
        layer.bias.mapv_inplace(|b| b + 0.3 * rng.normal());
    }
    net
}

fn batch(readout: Readout, loss: Loss) -> (Array2<f64>, BatchTargets<f64>) {
    let mut rng = RandomStream::new(9, Purpose::Data);
    let inputs = Array2::from_shape_simple_fn((STEPS * BATCH, 3), || rng.normal());
    let rows = match readout {
        Readout::LastStep => BATCH,
        Readout::EveryStep => STEPS * BATCH,
    };
    let targets = match loss {
        Loss::SoftmaxCrossEntropy => {
            BatchTargets::Labels((0..rows).map(|_| rng.below(2)).collect())
        }
        _ => BatchTargets::Values(Array2::from_shape_simple_fn((rows, 2), || rng.normal())),
    };
    (inputs, targets)
}

fn relative_error(numeric: &[f64], analytic: &[f64]) -> f64 {
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let diff: Vec<f64> = numeric.iter().zip(analytic).map(|(n, a)| n - a).collect();
    let scale = norm(numeric) + norm(analytic);
    if scale == 0.0 {
        0.0
    } else {
        norm(&diff) / scale
    }
}

/// The worst relative error over the parameter arrays and the inputs, and where.
fn check(cell: Cell, readout: Readout, loss: Loss) -> (f64, String) {
    let net = network(cell, readout);
    let (inputs, targets) = batch(readout, loss);
    let mut work = net.workspace();
    net.loss_and_gradients(inputs.view(), BATCH, &targets, loss, None, &mut work);
    let analytic: Vec<Vec<f64>> = work
        .grads
        .arrays()
        .iter()
        .map(|(_, g)| g.to_vec())
        .collect();
    let analytic_inputs = work.d_inputs.clone();

    let mut worst = (0.0, String::new());
    let mut scratch = net.clone();
    let arrays = analytic.len();
    for (array, analytic) in analytic.iter().enumerate() {
        let mut numeric = Vec::with_capacity(analytic.len());
        for i in 0..analytic.len() {
            let original = scratch.params.arrays_mut()[array][i];
            scratch.params.arrays_mut()[array][i] = original + EPS;
            let plus = scratch.loss(inputs.view(), BATCH, &targets, loss, &mut work);
            scratch.params.arrays_mut()[array][i] = original - EPS;
            let minus = scratch.loss(inputs.view(), BATCH, &targets, loss, &mut work);
            scratch.params.arrays_mut()[array][i] = original;
            numeric.push((plus - minus) / (2.0 * EPS));
        }
        let error = relative_error(&numeric, analytic);
        if error > worst.0 {
            worst = (error, format!("parameter array {array} of {arrays}"));
        }
    }
    let mut numeric = Vec::new();
    let mut shifted = inputs.clone();
    for i in 0..inputs.len() {
        let original = shifted.as_slice().unwrap()[i];
        shifted.as_slice_mut().unwrap()[i] = original + EPS;
        let plus = net.loss(shifted.view(), BATCH, &targets, loss, &mut work);
        shifted.as_slice_mut().unwrap()[i] = original - EPS;
        let minus = net.loss(shifted.view(), BATCH, &targets, loss, &mut work);
        shifted.as_slice_mut().unwrap()[i] = original;
        numeric.push((plus - minus) / (2.0 * EPS));
    }
    let error = relative_error(&numeric, analytic_inputs.as_slice().unwrap());
    if error > worst.0 {
        worst = (error, "inputs".into());
    }
    worst
}

#[test]
fn bptt_matches_finite_differences_for_every_cell() {
    let mut worst: f64 = 0.0;
    for cell in cells() {
        for readout in [Readout::LastStep, Readout::EveryStep] {
            for loss in [Loss::MeanSquaredError, Loss::SoftmaxCrossEntropy] {
                let (error, where_) = check(cell, readout, loss);
                worst = worst.max(error);
                assert!(
                    error < 1e-6,
                    "{cell:?}, {readout:?}, {loss:?}: relative error {error:e} at {where_}"
                );
            }
        }
    }
    println!("worst relative error over cells, readouts, losses: {worst:e}");
}

#[test]
fn truncation_longer_than_the_sequence_changes_nothing_and_shorter_cuts_exactly() {
    for cell in cells() {
        let net = network(cell, Readout::LastStep);
        let (inputs, targets) = batch(Readout::LastStep, Loss::MeanSquaredError);
        let mut full = net.workspace();
        net.loss_and_gradients(
            inputs.view(),
            BATCH,
            &targets,
            Loss::MeanSquaredError,
            None,
            &mut full,
        );
        let mut long = net.workspace();
        net.loss_and_gradients(
            inputs.view(),
            BATCH,
            &targets,
            Loss::MeanSquaredError,
            Some(STEPS),
            &mut long,
        );
        assert_eq!(full.grads, long.grads, "{cell:?}");

        let mut short = net.workspace();
        net.loss_and_gradients(
            inputs.view(),
            BATCH,
            &targets,
            Loss::MeanSquaredError,
            Some(2),
            &mut short,
        );
        // The loss sits at the last step (t = 5): with k = 2, only steps 4 and 5 get a gradient.
        for layer in 0..2 {
            let norms = &short.grad_norms[layer];
            assert!(
                norms[..STEPS - 2].iter().all(|&n| n == 0.0),
                "{cell:?}: {norms:?}"
            );
            assert!(
                norms[STEPS - 2..].iter().all(|&n| n > 0.0),
                "{cell:?}: {norms:?}"
            );
            // Inside the window nothing was cut, so the gradients are the full ones.
            assert_eq!(norms[STEPS - 2..], full.grad_norms[layer][STEPS - 2..]);
        }
    }
}
