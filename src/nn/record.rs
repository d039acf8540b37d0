//! What a training run reports: cheap per-step probes, and how it ended.

#[cfg(test)]
use super::Float;
#[cfg(test)]
use super::dense::LayerGradient;

/// Probes recorded during training, one entry per recorded step in every vector.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainingRecord {
    /// Steps at which probes were recorded, ascending.
    pub steps: Vec<u64>,
    /// Mini-batch mean loss at that step, before that step's update.
    pub loss: Vec<f64>,
    /// `[k][l]`: Frobenius norm of ∂L/∂W of layer l+1 at `steps[k]`.
    pub grad_norm_per_layer: Vec<Vec<f64>>,
    /// Set when the run stopped early because loss or a gradient stopped being finite.
    pub diverged: Option<Divergence>,
}

/// Where and how a run blew up.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Divergence {
    /// The step whose loss or gradient was not finite; nothing was recorded for it.
    pub step: u64,
    /// What overflowed, e.g. "loss is NaN" or "gradient of layer 3 is inf".
    pub what: String,
}

/// (The original loop's check, kept for the reference test in `train.rs`.)
/// The per-layer Frobenius norms of ∂L/∂W, or a description of the first non-finite value:
/// the loss first, then layers from 1 up, weights then biases. Run every step, since one
/// NaN anywhere poisons all later updates; it costs one pass over the gradients.
#[cfg(test)]
pub fn weight_gradient_norms<T: Float>(
    loss: f64,
    gradients: &[LayerGradient<T>],
) -> Result<Vec<f64>, String> {
    if let Some(kind) = non_finite_kind([loss]) {
        return Err(format!("loss is {kind}"));
    }
    let mut norms = Vec::with_capacity(gradients.len());
    for (index, gradient) in gradients.iter().enumerate() {
        let layer = index + 1;
        let values = gradient.weights.iter().chain(&gradient.biases);
        if let Some(kind) = non_finite_kind(values.map(|&g| Float::to_f64(g))) {
            return Err(format!("gradient of layer {layer} is {kind}"));
        }
        let norm = frobenius_norm(gradient.weights.iter().map(|&g| Float::to_f64(g)));
        if !norm.is_finite() {
            return Err(format!("gradient norm of layer {layer} overflows"));
        }
        norms.push(norm);
    }
    Ok(norms)
}

/// √(Σ v²) of finite values, scaled by the largest |v| so squaring cannot overflow (or
/// underflow) even for the enormous (or tiny) gradients of a network about to explode (or
/// vanish): the result is infinite only if the norm itself exceeds `f64::MAX`.
pub(crate) fn frobenius_norm(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let largest = values.clone().fold(0.0, |max: f64, v| max.max(v.abs()));
    if largest == 0.0 {
        return 0.0;
    }
    largest * values.map(|v| (v / largest).powi(2)).sum::<f64>().sqrt()
}

/// "NaN" if any value is NaN, else "inf" if any is infinite, else `None`.
#[cfg(test)]
fn non_finite_kind(values: impl IntoIterator<Item = f64>) -> Option<&'static str> {
    let mut kind = None;
    for value in values {
        if value.is_nan() {
            return Some("NaN");
        }
        if value.is_infinite() {
            kind = Some("inf");
        }
    }
    kind
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, array};

    fn gradient(weights: ndarray::Array2<f64>) -> LayerGradient<f64> {
        LayerGradient {
            biases: Array1::zeros(weights.ncols()),
            weights,
        }
    }

    #[test]
    fn norms_are_frobenius() {
        let gradients = [
            gradient(array![[3.0, 0.0], [0.0, 4.0]]),
            gradient(array![[1.0]]),
        ];
        assert_eq!(weight_gradient_norms(0.5, &gradients), Ok(vec![5.0, 1.0]));
    }

    #[test]
    fn the_first_non_finite_value_is_named() {
        let fine = gradient(array![[1.0]]);
        let nan = gradient(array![[f64::INFINITY, f64::NAN]]);
        let inf = gradient(array![[f64::NEG_INFINITY]]);
        let check = |loss, g: &[LayerGradient<f64>]| weight_gradient_norms(loss, g).unwrap_err();
        assert_eq!(check(f64::NAN, std::slice::from_ref(&fine)), "loss is NaN");
        assert_eq!(
            check(f64::INFINITY, std::slice::from_ref(&fine)),
            "loss is inf"
        );
        assert_eq!(
            check(1.0, &[fine.clone(), nan, inf.clone()]),
            "gradient of layer 2 is NaN"
        );
        assert_eq!(
            check(1.0, &[fine.clone(), inf]),
            "gradient of layer 2 is inf"
        );
        let mut bad_bias = fine.clone();
        bad_bias.biases[0] = f64::NAN;
        assert_eq!(check(1.0, &[bad_bias]), "gradient of layer 1 is NaN");
        assert_eq!(
            check(1.0, &[gradient(array![[1.5e308, 1.5e308]])]),
            "gradient norm of layer 1 overflows"
        );
    }

    #[test]
    fn norms_survive_extreme_but_finite_gradients() {
        let huge = weight_gradient_norms(1.0, &[gradient(array![[3e200, 4e200]])]).unwrap();
        assert!((huge[0] / 5e200 - 1.0).abs() < 1e-15);
        let tiny = weight_gradient_norms(1.0, &[gradient(array![[3e-200, 4e-200]])]).unwrap();
        assert!((tiny[0] / 5e-200 - 1.0).abs() < 1e-15);
    }
}
