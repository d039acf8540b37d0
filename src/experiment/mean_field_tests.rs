//! `theory = "mean_field"`: parsed, predicted per run, flat at the edge of chaos and close
//! to the measured profile there, and refused clearly where the theory does not apply.

use crate::experiment::parse_block;
use crate::experiment::run::run_experiment;
use crate::nn::theory::MeanField;
use crate::nn::{Activation, Metric};

const PLOT: &str =
    "plot = [{ kind = \"grad_norm_by_layer\", theory = \"mean_field\", steps = [0] }]\n";

fn block(model: &str, seeds: usize) -> String {
    format!(
        "id = \"m\"\ntitle = \"t\"\nseeds = {seeds}\ndata = {{ name = \"random\", dim = 16, samples = 256 }}\nmodel = {model}\ntrain = {{ lr = 0.01, steps = 1 }}\n{PLOT}"
    )
}

/// σ_w² on tanh's edge of chaos for σ_b² (χ₁(q*) = 1), by bisection: χ₁(q*) grows with σ_w².
fn critical_sigma_w2(sigma_b2: f64) -> f64 {
    let (mut lo, mut hi) = (1.0, 3.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        let theory = MeanField::new(Activation::Tanh, mid, sigma_b2);
        let q_star = theory
            .fixed_point()
            .expect("tanh with σ_b² > 0 has a fixed point");
        if theory.chi1(q_star) < 1.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn critical_tanh(sigma_w2: f64, sigma_b2: f64) -> String {
    format!(
        "{{ depth = 8, width = 128, activation = \"tanh\", init = {{ name = \"mean_field\", sigma_w2 = {sigma_w2} }}, bias_init = {{ name = \"normal\", std = {} }} }}",
        sigma_b2.sqrt()
    )
}

#[test]
fn a_tanh_net_at_the_edge_of_chaos_has_a_flat_curve_that_the_measured_gradients_follow() {
    // Schoenholz et al. 2017: on the critical line χ₁(q*) = 1, so once q_l has settled at
    // q* gradients neither vanish nor explode; q₁ comes from the data, so the first layers
    // stray a little.
    let sigma_b2 = 0.05;
    let sigma_w2 = critical_sigma_w2(sigma_b2);
    let experiment = parse_block(&block(&critical_tanh(sigma_w2, sigma_b2), 4)).unwrap();
    let curve = experiment.plots[0].mean_field.as_ref().expect("parsed");
    let prediction = &curve.runs[0];
    assert_eq!(prediction.relative.len(), 8);
    assert_eq!(prediction.relative[7], 1.0);
    assert!((prediction.sigma_w2 - sigma_w2).abs() < 1e-12);
    // Flat once q_l has settled (layers 4 … 8); the first layers, fed q₁ = σ_w² + σ_b²
    // (unit inputs) rather than q*, are predicted to lose some gradient.
    let (lo, hi) = prediction.relative[3..]
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    println!(
        "σ_w² = {sigma_w2:.4}: predicted profile {:?}",
        prediction.relative
    );
    assert!(hi / lo < 1.05, "flat within 5%: {lo} … {hi}");

    // The measured ‖∂L/∂W_l‖ at init (median of 4 seeds, width 128) against the anchored
    // prediction, hidden layers 2 … 8 (layer 1's input is the data, not a layer's output):
    // within 20% at every layer (measured: 11%).
    let results = run_experiment(&experiment);
    let measured = results.by_layer(&prediction.run, Metric::GradNorm, 0);
    let anchor = measured[7].1;
    let mut worst: f64 = 0.0;
    for l in 2..=8 {
        let predicted = anchor * prediction.relative[l - 1];
        worst = worst.max((measured[l - 1].1 / predicted - 1.0).abs());
    }
    println!("measured {measured:?}; worst relative gap {worst:.3}");
    assert!(worst < 0.2, "{worst}");
}

#[test]
fn the_ordered_phase_predicts_vanishing_gradients_as_chi1() {
    // σ_w² = 0.5, σ_b² = 0: q → 0 and χ₁ → σ_w², so deep layers lose √0.5 per layer.
    let model = "{ depth = 12, width = 32, activation = \"tanh\", init = { name = \"mean_field\", sigma_w2 = 0.5 } }";
    let experiment = parse_block(&block(model, 1)).unwrap();
    let relative = &experiment.plots[0].mean_field.as_ref().unwrap().runs[0].relative;
    let ratio = relative[9] / relative[10];
    assert!((ratio - 0.5f64.sqrt()).abs() < 0.01, "{ratio}");
    assert!(relative.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn where_the_theory_does_not_apply_the_error_names_theory() {
    let tanh = "depth = 4, width = 16, activation = \"tanh\"";
    for (model, says) in [
        (
            format!("{{ {tanh}, norm = \"batch\" }}"),
            "norm = \"batch\"",
        ),
        (format!("{{ {tanh}, residual = true }}"), "residual"),
        (
            "{ width = [16, 8, 16], activation = \"tanh\" }".to_string(),
            "one width",
        ),
        (
            format!("{{ {tanh}, init = {{ name = \"constant\", value = 0.1 }} }}"),
            "constant",
        ),
        (
            format!("{{ {tanh}, layer_init = {{ \"2\" = \"orthogonal\" }} }}"),
            "layer_init gives layer 2",
        ),
    ] {
        let errors = parse_block(&block(&model, 1)).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let error = &errors[0];
        assert_eq!(error.key.as_deref(), Some("plot[1]"), "{model}");
        assert!(
            error.message.contains("`theory = \"mean_field\"`") && error.message.contains(says),
            "{model}: {}",
            error.message
        );
    }
    let output_only = format!("{{ {tanh}, layer_init = {{ \"5\" = \"orthogonal\" }} }}");
    assert!(
        parse_block(&block(&output_only, 1)).is_ok(),
        "layer 5 is the output"
    );
    let update = block("{ depth = 4, width = 16 }", 1).replace(
        "theory = \"mean_field\"",
        "metric = \"update_ratio\", theory = \"mean_field\"",
    );
    let errors = parse_block(&update).unwrap_err();
    assert!(
        errors[0].message.contains("not `update_ratio`"),
        "{errors:?}"
    );
    assert_eq!(errors[0].key.as_deref(), Some("plot[1]"));
}
