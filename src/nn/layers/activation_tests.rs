//! Tests of `activation.rs`: derivatives against central differences, known values (erf, Φ), the slice forms bit-identical to the scalar ones, saturated counts, stability at extremes, and names.

use super::*;

#[test]
fn derivatives_match_central_differences() {
    let eps = 1e-6;
    // Points away from the ReLU family's kink at 0, and not so far out that f′ is smaller
    // than the differences' rounding error (~1e-16 / eps); saturation is checked below.
    let points: [f64; 8] = [-4.0, -2.5, -0.7, -0.1, 0.2, 0.9, 3.0, 4.0];
    let mut all = Activation::ALL.to_vec();
    all.extend([
        Activation::LeakyRelu { slope: 0.3 },
        Activation::Elu { alpha: 0.5 },
    ]);
    for activation in all {
        for z in points {
            let numeric = (activation.apply(z + eps) - activation.apply(z - eps)) / (2.0 * eps);
            let analytic = activation.derivative(z);
            let relative = (numeric - analytic).abs() / (numeric.abs() + analytic.abs()).max(1e-9);
            assert!(
                relative < 1e-6,
                "{activation} at {z}: numeric {numeric}, analytic {analytic}"
            );
        }
        for z in [-12.0_f64, 12.0] {
            let numeric = (activation.apply(z + eps) - activation.apply(z - eps)) / (2.0 * eps);
            let analytic = activation.derivative(z);
            // The differences' rounding error grows with |f(z)| (≈ 2e-16·|f|/eps).
            let tolerance = 1e-9 + 1e-8 * activation.apply(z).abs();
            assert!(
                (numeric - analytic).abs() < tolerance,
                "{activation} at {z}"
            );
        }
    }
}

#[test]
fn known_values() {
    // erf(1) and Φ(1) to 15 digits (Abramowitz & Stegun).
    assert!((erf(1.0) - 0.842_700_792_949_715).abs() < 1e-15);
    assert!((normal_cdf(1.0) - 0.841_344_746_068_543).abs() < 1e-15);
    assert!((Activation::Gelu.apply(1.0_f64) - 0.841_344_746_068_543).abs() < 1e-15);
    assert!((Activation::Softplus.apply(0.0_f64) - 2.0_f64.ln()).abs() < 1e-16);
    assert_eq!(Activation::Softplus.apply(1000.0_f64), 1000.0);
    assert_eq!(Activation::LeakyRelu { slope: 0.01 }.apply(-2.0_f64), -0.02);
    // SELU's constants make a N(0,1) input keep mean 0 and variance 1; at −∞ it is −λα.
    assert!((Activation::Selu.apply(-50.0_f64) + SELU_LAMBDA * SELU_ALPHA).abs() < 1e-12);
}

/// The slice forms compute exactly the scalar ones, f′ from the stored output included.
#[test]
fn slice_forms_are_bit_identical_to_the_scalar_ones() {
    let z: Vec<f32> = (0..203)
        .map(|i| (i as f32 - 101.0) * 0.173)
        .chain([0.0, -0.0, 40.0, -40.0, f32::NAN, f32::INFINITY])
        .collect();
    let g: Vec<f32> = z.iter().map(|v| (v * 1.7).cos()).collect();
    let mut all = Activation::ALL.to_vec();
    all.push(Activation::LeakyRelu { slope: 0.3 });
    for activation in all {
        let mut out = vec![0.0f32; z.len()];
        activation.apply_slice(&z, &mut out);
        let mut delta = vec![0.0f32; z.len()];
        activation.backward_slice(&g, &z, &out, &mut delta);
        for i in 0..z.len() {
            let same = |x: f32, y: f32| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
            assert!(
                same(out[i], activation.apply(z[i])),
                "{activation} f({})",
                z[i]
            );
            let expected = g[i] * activation.derivative(z[i]);
            assert!(same(delta[i], expected), "{activation} f′({})", z[i]);
            let from = activation.derivative_from(z[i], out[i]);
            assert!(
                same(from, activation.derivative(z[i])),
                "{activation} at {}",
                z[i]
            );
        }
    }
}

/// The vectorized count is the scalar rule |f′(a)| < fraction · max |f′|, f′ read off
/// the output in its own type; NaN is never saturated.
#[test]
fn saturated_counts_follow_the_scalar_rule() {
    let values = [0.5f64, -0.999, 0.2, 1.0, 0.0];
    // |1 − a²| < 0.01 for a = 1 and a = −0.999 (1 − 0.998001 = 0.001999).
    assert_eq!(Activation::Tanh.count_saturated(&values, 0.01), 2);
    assert_eq!(
        Activation::Sigmoid.count_saturated(&[f32::NAN, 0.0], 0.01),
        1,
        "NaN is not saturated, 0 is"
    );
    for len in [0usize, 3, 8, 61, 2053] {
        let outputs: Vec<f32> = (0..len)
            .map(|i| match i % 97 {
                0 => 1.0,
                1 => -1.0,
                2 => f32::NAN,
                _ => ((i as f32) * 0.61).sin(),
            })
            .collect();
        for activation in Activation::ALL {
            let expected = activation.saturating_max_derivative().map_or(0, |largest| {
                let threshold = f32::at_least(0.01 * largest);
                let derivative = |a: f32| activation.derivative_from(a, a).abs();
                outputs
                    .iter()
                    .filter(|&&a| derivative(a) < threshold)
                    .count()
            });
            let got = activation.count_saturated(&outputs, 0.01);
            assert_eq!(got, expected, "{activation}, {len} outputs");
        }
    }
}

#[test]
fn sigmoid_is_stable_at_extremes() {
    assert_eq!(Activation::Sigmoid.apply(1000.0_f64), 1.0);
    assert_eq!(Activation::Sigmoid.apply(-1000.0_f64), 0.0);
    assert_eq!(Activation::Sigmoid.apply(-200.0_f32), 0.0);
    assert!(Activation::Sigmoid.derivative(-1000.0_f64).is_finite());
}

#[test]
fn names_round_trip_and_errors_list_the_choices() {
    for activation in Activation::ALL {
        assert_eq!(activation.name().parse::<Activation>(), Ok(activation));
    }
    let error = "swish".parse::<Activation>().unwrap_err().to_string();
    assert!(
        error.contains("swish") && error.contains("linear, sigmoid, tanh, relu, leaky_relu"),
        "{error}"
    );
}
