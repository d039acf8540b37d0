//! `theory = "mean_field"` on a `grad_norm_by_layer` figure: the engine's mean-field
//! prediction (`nn::theory`) of each run's gradient profile, computed once the runs are known.
//!
//! For a plain net of H hidden layers of one width n, weights of variance σ_w²/n and biases
//! of variance σ_b² (Poole et al. 2016; Schoenholz et al. 2017): the pre-activations of
//! layer l have variance q_l, with q₁ = Var(W₁)·Σᵢ E[xᵢ²] + σ_b² from the run's own training
//! inputs and q_{l+1} the q-map of q_l; a gradient crossing layer l is scaled in mean square by
//! χ₁(q_l) = σ_w² E[f′(h)²]. So ‖δ_l‖ ∝ ∏_{k=l}^{H−1} √χ₁(q_k) (= χ₁^((H−l)/2) at a fixed
//! point), and ‖∂L/∂W_l‖, ‖∂L/∂b_l‖ follow the same shape when the activations' size is the
//! same at every layer (exact at the q-map's fixed point; layer 1, fed the data, may sit off
//! it). The curve is anchored at the last hidden layer H (the output layer has another width).

use super::feed_forward::data;
use super::plot_spec::PlotSpec;
use super::run::input_dim;
use super::spec::{Model, RunSpec};
use crate::nn::theory::MeanField;
use crate::nn::{BiasInit, Init, Metric, Norm};

/// The mean-field curve of a figure, one prediction per run.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanFieldCurve {
    /// `theory_label`, if the block gave one.
    pub label: Option<String>,
    /// One per run of the block, in order; filled when the block's runs are parsed.
    pub runs: Vec<MeanFieldRun>,
}

/// The prediction for one run.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanFieldRun {
    /// The run's label, as in the results.
    pub run: String,
    pub activation: &'static str,
    /// σ_w² = n·Var(w) of the hidden-to-hidden layers, σ_b² = Var(b).
    pub sigma_w2: f64,
    pub sigma_b2: f64,
    /// ‖δ_l‖/‖δ_H‖ for l = 1 ..= H (the last entry is 1): the curve's shape.
    pub relative: Vec<f64>,
}

/// The per-layer metrics the prediction is about (gradients, not weights or updates).
pub const PREDICTED_METRICS: [Metric; 4] = [
    Metric::GradNorm,
    Metric::GradNormBias,
    Metric::DeltaNorm,
    Metric::DeltaFrobenius,
];

impl MeanFieldCurve {
    /// The prediction for the run labelled `run`.
    pub fn for_run(&self, run: &str) -> Option<&MeanFieldRun> {
        self.runs.iter().find(|r| r.run == run)
    }
}

/// Fill in every run's prediction if `spec` asks for the mean-field curve; `Err` says what
/// keeps the theory from applying to the first run it does not apply to (naming `theory`).
pub(super) fn predict_for(spec: &mut PlotSpec, runs: &[RunSpec]) -> Result<(), String> {
    let Some(curve) = &mut spec.mean_field else {
        return Ok(());
    };
    curve.runs = runs
        .iter()
        .map(|run| {
            predict(run).map_err(|problem| {
                let run_name = match run.label.as_str() {
                    "" => String::new(),
                    label => format!(" (run `{label}`)"),
                };
                format!("`theory = \"mean_field\"`: {problem}{run_name}")
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(())
}

/// The mean-field shape of one run's gradient profile.
pub(super) fn predict(run: &RunSpec) -> Result<MeanFieldRun, String> {
    let Model::Mlp(mlp) = &run.model else {
        return Err("the theory is of feed-forward nets, and this model is recurrent".into());
    };
    if mlp.residual.is_some() {
        return Err("the theory is of plain stacks; residual connections change the maps (remove `residual` or use a formula)".into());
    }
    if mlp.norm != Norm::None {
        return Err(format!(
            "the theory assumes no normalization, and this net has norm = \"{}\" (its statistics reset the scale at every layer)",
            mlp.norm.name()
        ));
    }
    let hidden = mlp.hidden();
    // A plain net: the hidden layers, then the output layer.
    let output = hidden.len();
    if let Some((layer, _)) = mlp
        .layer_init
        .iter()
        .find(|(l, _)| l.index(output + 1) != output)
    {
        return Err(format!(
            "layer_init gives layer {layer} its own init, and the theory needs one σ_w² for every hidden layer (an override of the output layer is fine)"
        ));
    }
    let width = hidden[0];
    if hidden.iter().any(|&w| w != width) {
        return Err(format!(
            "the theory needs one width for every hidden layer, and the widths are {hidden:?}"
        ));
    }
    if hidden.len() < 2 {
        return Err("a curve over hidden layers needs at least two of them (depth ≥ 2)".into());
    }
    let variance = |init: Init, fan_in, fan_out| (init.std_dev(fan_in, fan_out) * mlp.gain).powi(2);
    if matches!(mlp.init, Init::Constant { .. }) {
        return Err(
            "init = \"constant\" draws no random weights, and the theory is of random ones".into(),
        );
    }
    let sigma_b2 = match mlp.bias_init {
        BiasInit::Zeros => 0.0,
        BiasInit::Normal { std } => std * std,
        BiasInit::Constant { .. } => {
            return Err(
                "bias_init = \"constant\" is not random; use zeros or { name = \"normal\", std }"
                    .into(),
            );
        }
    };
    let sigma_w2 = width as f64 * variance(mlp.init, width, width);
    let activation = mlp.activation_function();
    let theory = MeanField::new(activation, sigma_w2, sigma_b2);
    let (train, _) = data(run);
    let inputs = train.inputs();
    let mean_square = inputs.iter().map(|x| x * x).sum::<f64>() / inputs.nrows().max(1) as f64;
    let q1 = variance(mlp.init, input_dim(run), width) * mean_square + sigma_b2;
    let chi1 = theory.chi1_sequence(q1, hidden.len());
    if let Some(bad) = chi1.iter().find(|c| !c.is_finite() || **c <= 0.0) {
        return Err(format!(
            "χ₁ of {} at σ_w² = {sigma_w2}, σ_b² = {sigma_b2} is {bad}, so no curve can be drawn",
            activation.name()
        ));
    }
    // ‖δ_l‖² = χ₁(q_l)·‖δ_{l+1}‖², from the last hidden layer down.
    let mut relative = vec![1.0; hidden.len()];
    for l in (0..hidden.len() - 1).rev() {
        relative[l] = relative[l + 1] * chi1[l].sqrt();
    }
    Ok(MeanFieldRun {
        run: run.label.clone(),
        activation: activation.name(),
        sigma_w2,
        sigma_b2,
        relative,
    })
}

#[cfg(test)]
#[path = "mean_field_tests.rs"]
mod tests;
