//! Losses at the top of a network, and their gradients, which start the backward pass:
//! softmax cross-entropy, binary cross-entropy (on logits) and mean squared error.

use crate::nn::error::{UnknownName, by_name};
use ndarray::{Array2, ArrayView2};

use crate::nn::Float;

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

/// The loss a network is trained on. All are means over the batch, so δ carries a 1/batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Loss {
    /// −log softmax(z)_label, averaged over the batch; the outputs are logits.
    #[default]
    SoftmaxCrossEntropy,
    /// −[t log σ(z) + (1 − t) log(1 − σ(z))], averaged over every output of every example
    /// (PyTorch's `BCEWithLogitsLoss`); the outputs are logits.
    BinaryCrossEntropy,
    /// (y − t)², averaged over every output of every example (PyTorch's `MSELoss`).
    MeanSquaredError,
}

/// How a batch's per-example losses combine into the one a step differentiates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reduction {
    /// The batch mean (PyTorch's default): the step does not grow with the batch.
    #[default]
    Mean,
    /// The batch sum: the loss and every gradient B times the mean's (Nielsen's
    /// network.py sums the examples' gradients before dividing by the batch in the step).
    Sum,
}

impl Reduction {
    pub const ALL: [Reduction; 2] = [Reduction::Mean, Reduction::Sum];

    pub fn name(self) -> &'static str {
        match self {
            Reduction::Mean => "mean",
            Reduction::Sum => "sum",
        }
    }

    /// What the batch mean is multiplied by.
    pub fn factor(self, batch: usize) -> f64 {
        match self {
            Reduction::Mean => 1.0,
            Reduction::Sum => batch as f64,
        }
    }
}

impl std::str::FromStr for Reduction {
    type Err = crate::nn::UnknownName;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        crate::nn::by_name("loss reduction", text, &Reduction::ALL, Reduction::name)
    }
}

impl Loss {
    pub const ALL: [Loss; 3] = [
        Loss::SoftmaxCrossEntropy,
        Loss::BinaryCrossEntropy,
        Loss::MeanSquaredError,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Loss::SoftmaxCrossEntropy => "softmax_cross_entropy",
            Loss::BinaryCrossEntropy => "binary_cross_entropy",
            Loss::MeanSquaredError => "mean_squared_error",
        }
    }

    /// The mean loss of a batch of `outputs` against `targets`, and ∂loss/∂outputs.
    /// Softmax cross-entropy needs class labels; the others take target values, which
    /// [`Targets::Labels`] supplies as one-hot rows (or, for a single output, the label itself).
    pub fn evaluate<T: Float>(
        self,
        outputs: ArrayView2<T>,
        targets: Targets<'_, T>,
    ) -> (f64, Array2<T>) {
        match (self, targets) {
            (Loss::SoftmaxCrossEntropy, Targets::Labels(labels)) => {
                softmax_cross_entropy(outputs, labels)
            }
            (Loss::SoftmaxCrossEntropy, Targets::Values(_)) => {
                panic!("softmax cross-entropy needs class labels, not target values")
            }
            (loss, targets) => {
                let count = outputs.len().max(1) as f64;
                let scale = T::from_f64(1.0 / count);
                let mut delta = outputs.to_owned();
                let mut total = 0.0;
                for ((i, j), d) in delta.indexed_iter_mut() {
                    let target = targets.value(i, j, outputs.ncols());
                    let y = *d;
                    let (value, slope) = match loss {
                        Loss::MeanSquaredError => {
                            let r = y - target;
                            (r * r, (r + r))
                        }
                        // log(1 + e^z) − t·z, written stably; its slope is σ(z) − t.
                        _ => {
                            let softplus = y.max(T::zero()) + (-y.abs()).exp().ln_1p();
                            let sigmoid = if y >= T::zero() {
                                T::one() / (T::one() + (-y).exp())
                            } else {
                                y.exp() / (T::one() + y.exp())
                            };
                            (softplus - target * y, sigmoid - target)
                        }
                    };
                    total += value.to_f64();
                    *d = slope * scale;
                }
                (total / count, delta)
            }
        }
    }
}

impl std::str::FromStr for Loss {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        by_name("loss", text, &Loss::ALL, Loss::name)
    }
}

/// What a batch's outputs are compared with.
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a, T> {
    /// One class per example.
    Labels(&'a [usize]),
    /// One row of target values per example, as wide as the outputs.
    Values(ArrayView2<'a, T>),
}

impl<T: Float> Targets<'_, T> {
    /// The target for output `j` of example `i`: one-hot for labels, except that a single
    /// output is compared with the label itself (binary classification).
    fn value(&self, i: usize, j: usize, outputs: usize) -> T {
        match self {
            Targets::Values(values) => values[(i, j)],
            Targets::Labels(labels) if outputs == 1 => T::from_f64(labels[i] as f64),
            Targets::Labels(labels) => {
                if labels[i] == j {
                    T::one()
                } else {
                    T::zero()
                }
            }
        }
    }
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

    #[test]
    fn every_loss_matches_central_differences() {
        let outputs = array![[0.3, -1.2, 2.0], [1.5, 0.1, -0.4], [-2.0, 0.0, 0.7]];
        let labels = [2, 0, 1];
        let values = array![[0.2, 0.9, 0.0], [1.0, 0.5, 0.3], [0.0, 0.1, 0.7]];
        for loss in Loss::ALL {
            for targets in [Targets::Labels(&labels), Targets::Values(values.view())] {
                if loss == Loss::SoftmaxCrossEntropy && matches!(targets, Targets::Values(_)) {
                    continue;
                }
                let (_, analytic) = loss.evaluate(outputs.view(), targets);
                let eps = 1e-6;
                let numeric = Array2::from_shape_fn(outputs.dim(), |index| {
                    let mut plus = outputs.clone();
                    plus[index] += eps;
                    let mut minus = outputs.clone();
                    minus[index] -= eps;
                    (loss.evaluate(plus.view(), targets).0 - loss.evaluate(minus.view(), targets).0)
                        / (2.0 * eps)
                });
                let error = (&numeric - &analytic).mapv(|x| x * x).sum().sqrt();
                let scale =
                    numeric.mapv(|x| x * x).sum().sqrt() + analytic.mapv(|x| x * x).sum().sqrt();
                assert!(
                    error / scale < 1e-6,
                    "{loss:?}: relative error {}",
                    error / scale
                );
            }
        }
    }

    #[test]
    fn known_loss_values() {
        // MSE of outputs (1, 3) against (0, 0): (1 + 9)/2.
        let (mse, _) = Loss::MeanSquaredError.evaluate(
            array![[1.0, 3.0]].view(),
            Targets::Values(array![[0.0, 0.0]].view()),
        );
        assert_eq!(mse, 5.0);
        // BCE of logit 0 is ln 2 whatever the label; a single output compares with the label.
        let (bce, delta) =
            Loss::BinaryCrossEntropy.evaluate(array![[0.0_f64]].view(), Targets::Labels(&[1]));
        assert!((bce - 2.0_f64.ln()).abs() < 1e-15);
        assert_eq!(delta, array![[-0.5]]);
        let (huge, _) =
            Loss::BinaryCrossEntropy.evaluate(array![[-1e30_f32]].view(), Targets::Labels(&[1]));
        assert!((huge / 1e30 - 1.0).abs() < 1e-6);
        for loss in Loss::ALL {
            assert_eq!(loss.name().parse::<Loss>(), Ok(loss));
        }
    }
}
