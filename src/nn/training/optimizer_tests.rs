//! Tests of the optimizers: first steps against hand-computed values, and measured
//! updates against plain ones.

use crate::nn::*;

/// Two steps of `optimizer` on the parameters [1, −2] with gradients [0.5, −1] then
/// [0.25, 2], learning rate 0.1.
fn two_steps(optimizer: Optimizer, kind: ParamKind) -> Vec<[f64; 2]> {
    let mut state = OptimizerState::<f64>::new(optimizer);
    let mut params = [1.0, -2.0];
    let mut history = Vec::new();
    for grads in [[0.5, -1.0], [0.25, 2.0]] {
        state.begin_step();
        state.update(0, kind, &mut params, &grads, 0.1);
        history.push(params);
    }
    history
}

fn assert_close(actual: &[[f64; 2]], expected: &[[f64; 2]], what: &str) {
    for (a, e) in actual.iter().flatten().zip(expected.iter().flatten()) {
        assert!((a - e).abs() < 1e-12, "{what}: {actual:?} vs {expected:?}");
    }
}

#[test]
fn first_steps_match_hand_computed_values() {
    let w = ParamKind::Weights;
    // sgd: 1 − 0.05 = 0.95, then 0.95 − 0.025.
    assert_close(
        &two_steps(Optimizer::Sgd, w),
        &[[0.95, -1.9], [0.925, -2.1]],
        "sgd",
    );
    // momentum 0.9: v = 0.5 → p 0.95; v = 0.45 + 0.25 = 0.7 → p 0.88. Second unit:
    // v = −1 → −1.9; v = −0.9 + 2 = 1.1 → −2.01.
    let momentum = Optimizer::Momentum {
        momentum: 0.9,
        nesterov: false,
    };
    assert_close(
        &two_steps(momentum, w),
        &[[0.95, -1.9], [0.88, -2.01]],
        "momentum",
    );
    // nesterov: step g + μv: 0.5 + 0.45 = 0.95 → 0.905; then v = 0.7, 0.25 + 0.63 = 0.88 → 0.817.
    // Second unit: −1 − 0.9 = −1.9 → −1.81; v = 1.1, 2 + 0.99 = 2.99 → −2.109.
    let nesterov = Optimizer::Momentum {
        momentum: 0.9,
        nesterov: true,
    };
    assert_close(
        &two_steps(nesterov, w),
        &[[0.905, -1.81], [0.817, -2.109]],
        "nesterov",
    );
    // rmsprop ρ 0.99, ε 0: s = 0.01 g², so the first step is η·g/(0.1|g|) = ±1.
    let rms = Optimizer::RmsProp {
        rho: 0.99,
        eps: 0.0,
    };
    let got = two_steps(rms, w);
    // step 2, unit 1: s = 0.99·0.0025 + 0.01·0.0625 = 0.003100; 0.1·0.25/√s.
    let second = 0.1 * 0.25 / 0.0031_f64.sqrt();
    assert_close(
        &got,
        &[
            [0.0, -1.0],
            [-second, -1.0 - 0.1 * 2.0 / (0.99 * 0.01_f64 + 0.04).sqrt()],
        ],
        "rmsprop",
    );
    // adam ε 0: the first step is η·sign(g) exactly; the second, unit 1:
    // m = 0.09·0.5·… computed out: m = 0.9·0.05 + 0.1·0.25 = 0.07, v = 0.999·0.00025 + 0.001·0.0625.
    let adam = Optimizer::Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 0.0,
    };
    let got = two_steps(adam, w);
    let (m, v) = (
        0.07 / (1.0 - 0.81),
        (0.999 * 0.00025 + 0.001 * 0.0625) / (1.0 - 0.999_f64 * 0.999),
    );
    let (m2, v2) = (
        (0.9 * -0.1 + 0.2) / (1.0 - 0.81),
        (0.999 * 0.001 + 0.001 * 4.0) / (1.0 - 0.999_f64 * 0.999),
    );
    assert_close(
        &got,
        &[
            [0.9, -1.9],
            [0.9 - 0.1 * m / v.sqrt(), -1.9 - 0.1 * m2 / v2.sqrt()],
        ],
        "adam",
    );
    // adamw λ 0.5: first shrink by 1 − 0.1·0.5 = 0.95, then the adam step.
    let adamw = Optimizer::AdamW {
        beta1: 0.9,
        beta2: 0.999,
        eps: 0.0,
        weight_decay: 0.5,
    };
    let got = two_steps(adamw, w);
    assert_close(&got[..1], &[[0.95 - 0.1, -1.9 + 0.1]], "adamw");
    // ... but biases are not decayed.
    assert_close(
        &two_steps(adamw, ParamKind::Biases)[..1],
        &[[0.9, -1.9]],
        "adamw bias",
    );
}

/// Measuring an update changes nothing of it (the measured pass runs on wide vectors where
/// the CPU has them, the plain one on the baseline: the same bits); the measured sum is
/// Σ change² exactly as `sum_squares` adds it, and neither depends on the thread count —
/// for an array of one piece and for one of several pieces, for every optimizer, with
/// weight decay.
#[test]
fn measured_updates_equal_plain_ones() {
    use crate::nn::kernels::{CHUNK, sum_squares};
    for len in [1000, 2 * CHUNK + 77] {
        let params: Vec<f32> = (0..len)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.01)
            .collect();
        let grads: Vec<f32> = (0..len)
            .map(|i| ((i * 53 % 97) as f32 - 48.0) * 0.003)
            .collect();
        for optimizer in Optimizer::ALL {
            let run = |measure: u8| {
                let mut state = OptimizerState::<f32>::new(optimizer);
                let mut p = params.clone();
                let mut changes = Vec::new();
                let mut sums = Vec::new();
                for _ in 0..2 {
                    state.begin_step();
                    sums.push(state.update_with(
                        0,
                        ParamKind::Weights,
                        &mut p,
                        &grads,
                        0.01,
                        Some(0.999),
                        match measure {
                            0 => Measure::Nothing,
                            1 => Measure::Squares,
                            _ => Measure::SquaresAndChanges(&mut changes),
                        },
                    ));
                }
                (p, sums, changes)
            };
            let (plain, none, _) = run(0);
            assert_eq!(none, vec![None, None]);
            let (measured, sums, changes) = run(2);
            assert_eq!(plain, measured, "{optimizer:?}");
            let last = sums[1].expect("measured");
            assert_eq!(
                last.change_squares.to_bits(),
                sum_squares(&changes).to_bits()
            );
            let before: Vec<f32> = measured.iter().zip(&changes).map(|(a, c)| a - c).collect();
            let near = (last.before_squares / sum_squares(&before) - 1.0).abs();
            assert!(near < 1e-6, "{near}");
            let first = sums[0].expect("measured");
            assert_eq!(
                first.before_squares.to_bits(),
                sum_squares(&params).to_bits()
            );
            assert!(last.change_squares > 0.0);
            // Without keeping the changes: the same update and the same sums.
            assert_eq!(run(1).0, measured);
            assert_eq!(run(1).1, sums);
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .unwrap();
            let (on_two, sums_on_two, _) = pool.install(|| run(2));
            assert_eq!(on_two, measured);
            assert_eq!(sums_on_two, sums);
        }
    }
}

#[test]
fn names_round_trip() {
    for optimizer in Optimizer::ALL {
        assert_eq!(optimizer.name().parse::<Optimizer>(), Ok(optimizer));
    }
    assert!("lbfgs".parse::<Optimizer>().is_err());
}
