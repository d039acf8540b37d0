//! The memory experiments of issue 7 as tests: gradients through time scale as ρ^(T−t)
//! (Pascanu et al. 2013), the LSTM's memory path reaches back where a tanh RNN's cannot,
//! and that decides whether the adding problem can be learned.

use ndarray::Array2;

use super::config::{Cell, RecurrentConfig, RecurrentInit};
use super::network::{BatchTargets, RecurrentNet};
use super::tasks::SequenceTask;
use super::train::{RecurrentTrainConfig, evaluate, fit_recurrent, train_recurrent};
use crate::nn::{Activation, Clip};

fn model(cell: Cell, task: SequenceTask, hidden: usize) -> RecurrentConfig {
    let mut config = RecurrentConfig::new(cell, task.input_dim(), hidden, task.output_dim());
    config.readout = task.readout();
    config
}

/// ‖∂L/∂h_t‖ (top layer) for every t, at initialization, on one batch of the task.
fn grad_norms_at_init(config: RecurrentConfig, task: SequenceTask, batch: usize) -> Vec<f64> {
    let data = task.generate(batch, 11).unwrap();
    let net = RecurrentNet::<f64>::new(config, 3).unwrap();
    let mut work = net.workspace();
    let (mut inputs, mut targets) = (Array2::zeros((0, 0)), BatchTargets::Labels(Vec::new()));
    let indices: Vec<usize> = (0..batch).collect();
    data.gather(&indices, &mut inputs, &mut targets);
    net.loss_and_gradients(inputs.view(), batch, &targets, task.loss(), None, &mut work);
    work.grad_norms.last().unwrap().clone()
}

#[test]
fn linear_rnn_gradients_scale_as_rho_to_the_distance() {
    // h_t = h_{t−1} W + x_t W_x with W = ρQ: ∂L/∂h_t = ∂L/∂h_T (Wᵀ)^(T−t), and Q keeps
    // norms, so ‖∂L/∂h_t‖ = ρ^(T−t) ‖∂L/∂h_T‖ exactly.
    let task = SequenceTask::Adding { length: 20 };
    for rho in [0.8, 1.2] {
        let mut config = model(
            Cell::Rnn {
                activation: Activation::Linear,
            },
            task,
            32,
        );
        config.recurrent_init = RecurrentInit::Orthogonal { gain: rho };
        let norms = grad_norms_at_init(config, task, 16);
        let last = norms[19];
        let worst = (0..20)
            .map(|t| {
                let expected = rho.powi(19 - t as i32) * last;
                (norms[t] - expected).abs() / expected
            })
            .fold(0.0, f64::max);
        println!(
            "ρ = {rho}: ‖∂L/∂h_1‖/‖∂L/∂h_20‖ = {:.4e} (ρ^19 = {:.4e}), worst relative deviation {worst:.1e}",
            norms[0] / last,
            rho.powi(19)
        );
        assert!(worst < 0.05, "ρ = {rho}: deviation {worst} in {norms:?}");
    }
}

#[test]
fn tanh_rnn_gradients_are_bounded_by_rho_to_the_distance() {
    // tanh′ ≤ 1 only shrinks: ‖∂L/∂h_t‖ ≤ ρ^(T−t) ‖∂L/∂h_T‖.
    let task = SequenceTask::Adding { length: 20 };
    for rho in [0.8, 1.0, 1.2, 2.0] {
        let mut config = model(
            Cell::Rnn {
                activation: Activation::Tanh,
            },
            task,
            32,
        );
        config.recurrent_init = RecurrentInit::Orthogonal { gain: rho };
        let norms = grad_norms_at_init(config, task, 16);
        for t in 0..20 {
            let bound = rho.powi(19 - t as i32) * norms[19];
            assert!(
                norms[t] <= bound * (1.0 + 1e-9),
                "ρ = {rho}, t = {t}: {} > {bound}",
                norms[t]
            );
        }
    }
}

#[test]
fn lstm_reaches_back_much_further_than_a_tanh_rnn_at_initialization() {
    // The adding problem at T = 50, hidden 64, PyTorch's initialization.
    let task = SequenceTask::Adding { length: 50 };
    let reach = |cell| {
        let norms = grad_norms_at_init(model(cell, task, 64), task, 64);
        norms[0] / norms[49]
    };
    let rnn = reach(Cell::Rnn {
        activation: Activation::Tanh,
    });
    let gru = reach(Cell::Gru);
    let lstm: Vec<f64> = [0.0, 1.0, 3.0]
        .map(|forget_bias| reach(Cell::Lstm { forget_bias }))
        .to_vec();
    println!(
        "‖∂L/∂h_1‖/‖∂L/∂h_50‖ at init: rnn {rnn:.2e}, gru {gru:.2e}, lstm (forget bias 0/1/3) {:.2e} / {:.2e} / {:.2e}",
        lstm[0], lstm[1], lstm[2]
    );
    assert!(lstm[1] >= 100.0 * rnn, "lstm {} vs rnn {rnn}", lstm[1]);
    // A larger forget bias keeps more of the memory, so reaches further back.
    assert!(lstm[0] < lstm[1] && lstm[1] < lstm[2], "{lstm:?}");
    assert!(rnn < 1e-6, "a tanh RNN at PyTorch's init forgets: {rnn}");
}

/// Trains `cell` on the adding problem (Adam, batch 64, clipping at norm 1, 10 000
/// training sequences, 1000 test sequences); returns (test MSE, the record's first ‖∂L/∂h_1‖/‖∂L/∂h_T‖).
fn adding(cell: Cell, length: usize, hidden: usize, steps: u64, learning_rate: f64) -> (f64, f64) {
    let task = SequenceTask::Adding { length };
    let train = task.generate(10_000, 1).unwrap();
    let test = task.generate(1_000, 2).unwrap();
    let config = RecurrentTrainConfig {
        learning_rate,
        steps,
        batch: 64,
        seed: 1,
        clip: Clip::GlobalNorm { max_norm: 1.0 },
        record_every: steps,
        ..RecurrentTrainConfig::default()
    };
    let (net, record) = fit_recurrent::<f32>(&model(cell, task, hidden), &config, &train).unwrap();
    assert!(record.diverged.is_none(), "{:?}", record.diverged);
    let first = &record.grad_norm_time[0];
    (evaluate(&net, &test).unwrap(), first[0] / first[length - 1])
}

#[test]
#[ignore = "the issue's full budget (hidden 64, T = 50, Adam 1e-3, 3000 steps): ~4 minutes in release"]
fn adding_problem_t50_lstm_learns_and_tanh_rnn_stays_at_the_baseline() {
    let tanh = Cell::Rnn {
        activation: Activation::Tanh,
    };
    let (lstm, lstm_reach) = adding(Cell::Lstm { forget_bias: 1.0 }, 50, 64, 3000, 1e-3);
    let (rnn, rnn_reach) = adding(tanh, 50, 64, 3000, 1e-3);
    println!(
        "T = 50, 3000 steps: test MSE lstm {lstm:.4}, rnn {rnn:.4} (baseline 0.1667); reach at init lstm {lstm_reach:.2e}, rnn {rnn_reach:.2e}"
    );
    assert!(lstm < 0.05, "lstm {lstm}");
    // "Near the baseline": it may learn a little from a second marker that falls in its
    // last few steps (we measured 0.151), nothing like the LSTM.
    assert!((0.13..0.19).contains(&rnn), "rnn {rnn}");
    assert!(lstm_reach >= 100.0 * rnn_reach);
}

/// The always-run variant: the T = 50 with hidden 16, Adam 1e-2 and 900 steps
/// (measured: LSTM 0.0015, RNN 0.170). Shorter budgets leave the LSTM on its plateau
/// (0.167 after 400 steps at T = 30); at T = 30 and 700 steps the RNN learns a little too.
#[test]
fn adding_problem_short_lstm_learns_and_tanh_rnn_stays_at_the_baseline() {
    let (length, hidden, steps, learning_rate) = (50, 16, 900, 1e-2);
    let tanh = Cell::Rnn {
        activation: Activation::Tanh,
    };
    let (lstm, _) = adding(
        Cell::Lstm { forget_bias: 1.0 },
        length,
        hidden,
        steps,
        learning_rate,
    );
    let (rnn, _) = adding(tanh, length, hidden, steps, learning_rate);
    println!("T = {length}, hidden {hidden}, {steps} steps: test MSE lstm {lstm:.4}, rnn {rnn:.4}");
    assert!(lstm < 0.05, "lstm {lstm}");
    assert!(rnn > 0.14, "rnn {rnn}");
}

#[test]
fn records_probes_clipping_and_divergence() {
    let task = SequenceTask::Adding { length: 12 };
    let data = task.generate(256, 1).unwrap();
    let config = RecurrentTrainConfig {
        steps: 21,
        batch: 32,
        clip: Clip::GlobalNorm { max_norm: 1e-3 },
        record_every: 10,
        ..RecurrentTrainConfig::default()
    };
    let mut lstm = model(Cell::Lstm { forget_bias: 1.0 }, task, 8);
    lstm.layers = 2;
    let record = train_recurrent::<f64>(&lstm, &config, &data).unwrap();
    assert_eq!(record.steps, [0, 10, 20]);
    assert_eq!(record.grad_norm_time[0].len(), 12);
    assert_eq!(record.spectral_radius[0].len(), 2);
    assert!(
        record
            .spectral_radius
            .iter()
            .flatten()
            .zip(record.top_singular_value.iter().flatten())
            .all(|(r, s)| r <= &(s * 1.001))
    );
    let forget = record.forget_gate_mean.as_ref().unwrap();
    assert!(forget.iter().all(|f| (0.5..0.9).contains(f)), "{forget:?}"); // σ(1) ≈ 0.73 at init
    assert_eq!(record.clip_events, 21);
    assert!(record.clipped.iter().all(|&c| c));
    // Same seed, same record (f64 and f32 alike).
    assert_eq!(
        record,
        train_recurrent::<f64>(&lstm, &config, &data).unwrap()
    );

    // An IRNN with relu and W = 10·I overflows f32 within 50 steps: the run stops cleanly.
    let task = SequenceTask::Adding { length: 50 };
    let data = task.generate(64, 1).unwrap();
    let mut exploding = model(
        Cell::Rnn {
            activation: Activation::Relu,
        },
        task,
        8,
    );
    exploding.recurrent_init = RecurrentInit::Identity { scale: 10.0 };
    let record = train_recurrent::<f32>(&exploding, &config, &data).unwrap();
    let divergence = record.diverged.expect("diverged");
    assert_eq!(divergence.step, 0);
    assert!(record.steps.is_empty(), "{:?}", record.steps);

    // A model that does not fit the task is an error, not a panic.
    assert!(matches!(
        train_recurrent::<f32>(
            &model(Cell::Gru, SequenceTask::Parity { length: 5 }, 4),
            &config,
            &data
        ),
        Err(crate::nn::ConfigError::TaskMismatch { .. })
    ));
}
