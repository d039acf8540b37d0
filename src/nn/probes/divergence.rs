//! How a training run ended when it blew up ([`Divergence`]), and the overflow-safe norm the probes share.

/// Where and how a run blew up.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Divergence {
    /// The step whose loss or gradient was not finite; nothing was recorded for it.
    pub step: u64,
    /// What overflowed, e.g. "loss is NaN" or "gradient of layer 3 is inf".
    pub what: String,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norms_are_frobenius_and_survive_extreme_but_finite_values() {
        assert_eq!(frobenius_norm([3.0, 0.0, 0.0, 4.0].into_iter()), 5.0);
        assert_eq!(frobenius_norm([0.0, -0.0].into_iter()), 0.0);
        let huge = frobenius_norm([3e200, 4e200].into_iter());
        assert!((huge / 5e200 - 1.0).abs() < 1e-15);
        let tiny = frobenius_norm([3e-200, 4e-200].into_iter());
        assert!((tiny / 5e-200 - 1.0).abs() < 1e-15);
    }
}
