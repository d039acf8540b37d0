//! `fit`'s probes: recorded on their schedule with their names and shapes, absent when not asked for, and measuring what they say.

use super::{mlp, spiral_data};
use crate::nn::layers::activation::Activation;
use crate::nn::layers::init::{BiasInit, Init, InitConfig};
use crate::nn::layers::network::NetworkConfig;
use crate::nn::probes::{GridSpec, HistogramOf, Probes};
use crate::nn::training::fit::{FitConfig, train_network};
use crate::nn::{Metric, Probe};

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
    // Every per-layer metric but the emulated half formats' (an f32 run).
    let per_layer = Metric::ALL
        .into_iter()
        .filter(|m| m.scope() == crate::nn::Scope::Layer && m.probe() != Probe::Precision);
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
        vec![
            Metric::Loss,
            Metric::GlobalGradNorm,
            Metric::Clipped,
            Metric::ClippedGradNorm
        ]
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
fn delta_norms_of_both_kinds_and_the_clipped_norm_measure_what_they_say() {
    use crate::nn::Clip;
    let data = spiral_data();
    let train = |batch, clip| {
        let config = FitConfig {
            steps: 3,
            batch,
            clip,
            ..FitConfig::default()
        };
        let net = mlp(&[8, 6], Activation::Tanh, Init::XavierNormal);
        train_network::<f64>(&net, 1, &config, &data, None).1
    };
    // One example: the batch's δ matrix is that example's δ, so the two norms agree.
    let single = train(1, Clip::None);
    let (mean, frobenius) = (
        single.layer_metric(Metric::DeltaNorm).unwrap(),
        single.layer_metric(Metric::DeltaFrobenius).unwrap(),
    );
    for (m, f) in mean.iter().flatten().zip(frobenius.iter().flatten()) {
        assert!((m - f).abs() <= 1e-12 * f, "{m} vs {f}");
    }
    // B examples, rows r_b of ∂L/∂Z (delta_norm = Σ_b ‖r_b‖): Cauchy–Schwarz gives
    // Σ_b ‖r_b‖ ≤ √B·‖∂L/∂Z‖_F and the triangle inequality ‖∂L/∂Z‖_F ≤ Σ_b ‖r_b‖, each
    // equal only in a degenerate case (equal norms; one non-zero row), which these are not.
    let batch = 32.0f64;
    let many = train(32, Clip::None);
    let (mean, frobenius) = (
        many.layer_metric(Metric::DeltaNorm).unwrap(),
        many.layer_metric(Metric::DeltaFrobenius).unwrap(),
    );
    for (m, f) in mean.iter().flatten().zip(frobenius.iter().flatten()) {
        assert!(*f > m / batch.sqrt() * (1.0 + 1e-6), "{f} vs {m}/√B");
        assert!(*f < m * (1.0 - 1e-6), "{f} vs {m}");
    }
    // Nothing clipped: the clipped norm is the norm; clipped: exactly the threshold.
    let same = &many.series(Metric::ClippedGradNorm).unwrap().values;
    assert_eq!(same, &many.series(Metric::GlobalGradNorm).unwrap().values);
    let tight = train(32, Clip::GlobalNorm { max_norm: 1e-3 });
    let after = &tight.series(Metric::ClippedGradNorm).unwrap().values;
    assert!(after.iter().all(|n| (n - 1e-3).abs() < 1e-12), "{after:?}");
}

#[test]
fn a_summed_loss_is_the_mean_times_the_batch_and_so_are_its_gradients() {
    use crate::nn::Reduction;
    let data = spiral_data();
    let first_step = |reduction| {
        let config = FitConfig {
            steps: 1,
            batch: 48,
            reduction,
            ..FitConfig::default()
        };
        let net = mlp(&[8, 6], Activation::Sigmoid, Init::XavierNormal);
        train_network::<f64>(&net, 1, &config, &data, None).1
    };
    let (mean, sum) = (first_step(Reduction::Mean), first_step(Reduction::Sum));
    let loss = |r: &crate::nn::Record| r.series(Metric::Loss).unwrap().values[0];
    assert!((loss(&sum) - 48.0 * loss(&mean)).abs() < 1e-12 * loss(&sum));
    for metric in [Metric::GradNorm, Metric::GradNormBias, Metric::DeltaNorm] {
        let of = |r: &crate::nn::Record| r.layer_metric(metric).unwrap()[0].clone();
        for (s, m) in of(&sum).iter().zip(&of(&mean)) {
            assert!(
                (s - 48.0 * m).abs() < 1e-12 * s,
                "{metric}: {s} vs 48 × {m}"
            );
        }
    }
}

#[test]
fn bias_update_norm_is_the_learning_rate_times_the_bias_gradient_under_plain_sgd() {
    // Plain SGD moves b by −lr·∂L/∂b, so ‖Δb‖ = lr·‖∂L/∂b‖ (the gradient recorded at the
    // same step, before the update). Biases start at 0, so no ratio is taken.
    let config = FitConfig {
        steps: 4,
        lr: 0.2,
        ..FitConfig::default()
    };
    let net = mlp(&[8], Activation::Tanh, Init::XavierNormal);
    let (_, wide) = train_network::<f64>(&net, 3, &config, &spiral_data(), None);
    let (_, narrow) = train_network::<f32>(&net, 3, &config, &spiral_data(), None);
    for record in [wide, narrow] {
        let [update, gradient] =
            [Metric::BiasUpdateNorm, Metric::GradNormBias].map(|m| record.layer_metric(m).unwrap());
        assert_eq!(update.len(), 4);
        let mut worst: f64 = 0.0;
        for (updates, gradients) in update.iter().zip(gradient) {
            assert_eq!(updates.len(), 2, "two layers");
            for (u, g) in updates.iter().zip(gradients) {
                assert!(*g > 0.0);
                worst = worst.max((u / (0.2 * g) - 1.0).abs());
            }
        }
        println!("bias_update_norm vs lr·‖∂L/∂b‖: worst relative error {worst:e}");
        assert!(worst < 1e-6, "{worst}");
    }
}

#[test]
fn rezero_alpha_starts_at_zero_moves_with_training_and_is_absent_without_it() {
    use crate::nn::{BlockConfig, Norm};
    let mut rezero = NetworkConfig::residual(
        2,
        16,
        3,
        1,
        0.0,
        2,
        Activation::Tanh,
        Norm::None,
        InitConfig::new(Init::XavierNormal),
    );
    for block in &mut rezero.blocks {
        if let BlockConfig::Residual { learn_alpha, .. } = block {
            *learn_alpha = true;
        }
    }
    let config = FitConfig {
        steps: 20,
        lr: 0.1,
        ..FitConfig::default()
    };
    let (_, record) = train_network::<f64>(&rezero, 1, &config, &spiral_data(), None);
    let alpha = record
        .layer_metric(Metric::Alpha)
        .expect("recorded with learned α");
    assert_eq!(alpha[0], vec![0.0; 3], "ReZero starts at α = 0");
    let last = alpha.last().unwrap();
    println!("α after training: {last:?}");
    assert_eq!(last.len(), 3, "one value per block");
    assert!(last.iter().all(|a| a.abs() > 1e-6), "{last:?}");
    let plain = mlp(&[16, 16], Activation::Tanh, Init::XavierNormal);
    let (_, record) = train_network::<f64>(&plain, 1, &config, &spiral_data(), None);
    assert!(record.layer_metric(Metric::Alpha).is_none());
}
