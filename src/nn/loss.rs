//! Softmax cross-entropy: the loss at the top of every network, and its gradient, which
//! starts the backward pass.

use ndarray::{Array2, ArrayView2};

use super::Float;

/// Mean cross-entropy of softmax(logits) against integer `labels`, and its gradient with
/// respect to the logits, δ^L = (softmax − onehot) / batch.
///
/// Stable for any finite logits: each row has its maximum subtracted before `exp`, so the
/// largest term is e⁰ = 1, and the loss is log-sum-exp minus the label's logit. The loss is
/// summed in `f64` so `f32` runs lose no precision in the reported value. Non-finite logits
/// give a non-finite loss, which the trainer reports as divergence.
///
/// # Panics
/// If `labels.len()` differs from the number of rows or a label is not a valid column.
pub fn softmax_cross_entropy<T: Float>(
    logits: ArrayView2<T>,
    labels: &[usize],
) -> (f64, Array2<T>) {
    let (batch, classes) = logits.dim();
    assert_eq!(labels.len(), batch, "one label per row of logits");
    let batch_scale = T::from_f64(1.0 / batch as f64);

    // The gradient is built in place in a copy of the logits: shift, exponentiate, normalize.
    let mut delta = logits.to_owned();
    let mut total_loss = 0.0;
    for (i, &label) in labels.iter().enumerate() {
        assert!(
            label < classes,
            "label {label} out of range for {classes} classes"
        );
        let mut row = delta.row_mut(i);
        let max = row.fold(T::neg_infinity(), |m, &z| m.max(z));
        row.mapv_inplace(|z| (z - max).exp());
        let sum = row.sum();
        // −log softmax(z)_label = log Σ exp(z − max) − (z_label − max)
        total_loss += Float::to_f64(sum.ln()) - Float::to_f64(logits[(i, label)] - max);
        // softmax − onehot, divided by the batch because the loss is a batch mean.
        row.mapv_inplace(|e| e / sum);
        row[label] = row[label] - T::one();
        row.mapv_inplace(|g| g * batch_scale);
    }
    (total_loss / batch as f64, delta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn gradient_matches_central_differences() {
        let logits = array![
            [0.3, -1.2, 2.0],
            [1.5, 0.1, -0.4],
            [-2.0, 0.0, 0.7],
            [0.2, 0.2, 0.2]
        ];
        let labels = [2, 0, 1, 1];
        let (_, analytic) = softmax_cross_entropy(logits.view(), &labels);
        let eps = 1e-6;
        let mut numeric = Array2::zeros(logits.dim());
        for index in ndarray::indices(logits.dim()) {
            let mut plus = logits.clone();
            plus[index] += eps;
            let mut minus = logits.clone();
            minus[index] -= eps;
            let (loss_plus, _) = softmax_cross_entropy(plus.view(), &labels);
            let (loss_minus, _) = softmax_cross_entropy(minus.view(), &labels);
            numeric[index] = (loss_plus - loss_minus) / (2.0 * eps);
        }
        let error = (&numeric - &analytic).mapv(|x| x * x).sum().sqrt();
        let scale = numeric.mapv(|x| x * x).sum().sqrt() + analytic.mapv(|x| x * x).sum().sqrt();
        assert!(error / scale < 1e-6, "relative error {}", error / scale);
    }

    #[test]
    fn uniform_logits_cost_log_classes() {
        let (loss, delta) = softmax_cross_entropy(array![[5.0_f64, 5.0, 5.0, 5.0]].view(), &[3]);
        assert!((loss - 4.0_f64.ln()).abs() < 1e-12);
        assert_eq!(delta, array![[0.25, 0.25, 0.25, -0.75]]);
    }

    #[test]
    fn huge_logits_stay_finite() {
        let logits = array![[1e30_f32, -1e30, 0.0], [3e38, 3e38, -3e38]];
        let (loss, delta) = softmax_cross_entropy(logits.view(), &[1, 0]);
        assert!(loss.is_finite(), "{loss}");
        assert!(delta.iter().all(|g| g.is_finite()));
        // Row 0 puts all mass on class 0 but the label is 1: loss 2e30 / 2 rows.
        assert!((loss / 1e30 - 1.0).abs() < 1e-6, "{loss}");
    }

    #[test]
    fn infinite_logits_give_a_non_finite_loss() {
        let (loss, _) = softmax_cross_entropy(array![[f32::INFINITY, 0.0]].view(), &[1]);
        assert!(!loss.is_finite());
    }
}
