//! Training in an emulated half format: underflow in deep sigmoid nets and what a loss
//! scale does about it, the scaler's skips, f32 master weights, and bf16's range.

use super::{first_and_last, mean, mlp, spiral_data};
use crate::nn::Metric;
use crate::nn::layers::activation::Activation;
use crate::nn::layers::init::Init;
use crate::nn::precision::{HalfFormat, LossScaling, MixedPrecision};
use crate::nn::training::fit::{FitConfig, train_network};

fn in_format(format: HalfFormat, scaling: LossScaling, steps: usize) -> FitConfig {
    FitConfig {
        steps,
        mixed_precision: Some(MixedPrecision { format, scaling }),
        ..FitConfig::default()
    }
}

/// Layer l's underflow fraction at step 0, for seeds 1..=4, as `[seed][l − 1]`.
fn underflow_at_start(format: HalfFormat, scaling: LossScaling) -> Vec<Vec<f64>> {
    // Ten sigmoid layers under Xavier: δ shrinks about fourfold a layer on its way down
    // (σ′ ≤ 1/4), from ~1e-3 at the output to below f16's smallest subnormal (6e-8).
    let net = mlp(&[32; 10], Activation::Sigmoid, Init::XavierNormal);
    let config = in_format(format, scaling, 1);
    (1..=4)
        .map(|seed| {
            let (_, record) = train_network::<f32>(&net, seed, &config, &spiral_data(), None);
            record
                .layer_metric(Metric::UnderflowFrac)
                .expect("recorded")[0]
                .clone()
        })
        .collect()
}

fn layer_mean(fractions: &[Vec<f64>], layer: usize) -> f64 {
    mean(&fractions.iter().map(|f| f[layer - 1]).collect::<Vec<_>>())
}

#[test]
fn deep_sigmoid_in_f16_loses_its_first_layers_gradient_and_a_loss_scale_recovers_it() {
    // Measured (seeds 1–3, layer 1 / layer 3): no scale 1.00 / 0.59–1.00; 2⁴ 0.50–1.00 /
    // 0–0.44; 2⁸ 0.03–0.06 / 0–0.09; 2¹² 0 / 0. The output layer never underflows.
    let unscaled = underflow_at_start(HalfFormat::F16, LossScaling::None);
    for fractions in &unscaled {
        assert!(
            fractions[0] >= 0.9,
            "layer 1 without a scale: {fractions:?}"
        );
        assert_eq!(fractions[10], 0.0, "the output layer: {fractions:?}");
    }
    let by_scale: Vec<f64> = [4, 8, 12]
        .map(|k| underflow_at_start(HalfFormat::F16, LossScaling::Static(2f64.powi(k))))
        .iter()
        .map(|fractions| layer_mean(fractions, 1))
        .collect();
    // Each fourfold-per-layer loss regained by the scale: less underflow at every 2⁴.
    let mut previous = layer_mean(&unscaled, 1);
    for (k, fraction) in [4, 8, 12].iter().zip(&by_scale) {
        assert!(*fraction < previous, "2^{k}: {fraction} after {previous}");
        previous = *fraction;
    }
    assert!(by_scale[2] <= 0.01, "2¹²: {by_scale:?}");
    // bf16 has f32's exponent range: the same gradients do not underflow. What little is
    // lost (measured: at most 2.8% of one layer's entries, none in layer 1) is saturation
    // by rounding: with 8 significant bits σ(u) rounds to 1 from u ≈ 5.5, and σ′ = 0.
    let bf16 = underflow_at_start(HalfFormat::Bf16, LossScaling::None);
    assert!(bf16.iter().flatten().all(|&f| f <= 0.05), "{bf16:?}");
    assert_eq!(layer_mean(&bf16, 1), 0.0, "{bf16:?}");
}

#[test]
fn the_dynamic_scaler_backs_off_from_overflow_and_training_goes_on() {
    // Starting at 2²⁴, the output layer's scaled gradient overflows f16's 65504.
    let net = mlp(&[32; 4], Activation::Tanh, Init::XavierNormal);
    let scaling = LossScaling::Dynamic {
        init: 2f64.powi(24),
        growth_interval: 50,
    };
    let config = in_format(HalfFormat::F16, scaling, 200);
    let (_, record) = train_network::<f32>(&net, 1, &config, &spiral_data(), None);
    assert_eq!(record.diverged, None);
    let scales = &record.series(Metric::LossScale).expect("recorded").values;
    let skipped = &record
        .series(Metric::OverflowSteps)
        .expect("recorded")
        .values;
    assert_eq!(scales[0], 2f64.powi(24));
    let lowest = scales.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(lowest < 2f64.powi(20), "{scales:?}");
    assert!(*skipped.last().unwrap() >= 4.0, "{skipped:?}");
    // Skipped steps record only the scale: the rest of the record has fewer steps.
    assert!(record.steps.len() < scales.len());
    let (first, last) = first_and_last(&record);
    assert!(last < 0.9 * first, "{first} → {last}");
}

#[test]
fn a_forward_pass_that_overflows_ends_the_run_once_the_scale_collapses() {
    // Weights of std 3 in a deep linear-output ReLU net: activations pass 65504 in f16.
    let net = mlp(&[64; 8], Activation::Relu, Init::Normal { std: 3.0 });
    let config = in_format(HalfFormat::F16, LossScaling::DYNAMIC_DEFAULT, 100);
    let (_, record) = train_network::<f32>(&net, 1, &config, &spiral_data(), None);
    let divergence = record.diverged.expect("diverged");
    assert_eq!(divergence.step, 40, "2¹⁶ halves 41 times to below 2⁻²⁴");
    assert!(divergence.what.contains("2⁻²⁴"), "{}", divergence.what);
    // The same net's first step is finite in f32: the format's range did it.
    let full = FitConfig {
        steps: 1,
        ..FitConfig::default()
    };
    let (_, record) = train_network::<f32>(&net, 1, &full, &spiral_data(), None);
    assert_eq!(record.diverged, None);
    let loss = record.series(Metric::Loss).expect("recorded").values[0];
    assert!(loss.is_finite() && loss > 1e3, "{loss}");
}

#[test]
fn master_weights_stay_f32_and_f16_trains_like_f32() {
    let net = mlp(&[32; 3], Activation::Tanh, Init::XavierNormal);
    let losses = |config: &FitConfig| {
        let (trained, record) = train_network::<f32>(&net, 1, config, &spiral_data(), None);
        (trained, first_and_last(&record))
    };
    let (_, (f32_first, f32_last)) = losses(&FitConfig {
        steps: 300,
        ..FitConfig::default()
    });
    let (trained, (first, last)) = losses(&in_format(
        HalfFormat::F16,
        LossScaling::DYNAMIC_DEFAULT,
        300,
    ));
    assert!(
        (first / f32_first - 1.0).abs() < 0.01,
        "{first} vs {f32_first}"
    );
    assert!((last / f32_last - 1.0).abs() < 0.05, "{last} vs {f32_last}");
    // Updates far below an f16 ulp of the weight still add up in the master copy.
    let weights = &trained.layers()[1].dense.weights;
    let off_grid = weights
        .iter()
        .filter(|&&w| HalfFormat::F16.round(w) != w)
        .count();
    assert!(
        off_grid > weights.len() / 2,
        "{off_grid} of {}",
        weights.len()
    );
}
