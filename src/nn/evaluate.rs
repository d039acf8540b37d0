//! Using a trained network: full-set evaluation (loss and accuracy), class predictions
//! with their probabilities, and the decision grid over a 2-D input range.

use ndarray::{Array2, ArrayView2};

use super::data::Data;
use super::loss::{Loss, Targets};
use super::net::Network;
use super::probes::{self, DecisionGrid, Record};
use super::{Float, Metric};

/// The full-set loss (and accuracy, for classes) in evaluation mode, as `{prefix}_loss`
/// and `{prefix}_accuracy`.
pub(crate) fn evaluate<T: Float>(
    net: &Network<T>,
    loss: Loss,
    data: &Data,
    prefix: &str,
    step: usize,
    record: &mut Record,
) {
    let inputs = data.inputs().mapv(T::from_f64);
    let outputs = net.predict(inputs.view());
    let (names, step) = if prefix == "train" {
        ((Metric::TrainLoss, Metric::TrainAccuracy), step as u64)
    } else {
        ((Metric::TestLoss, Metric::TestAccuracy), step as u64)
    };
    match data {
        Data::Classes(set) => {
            let (value, _) = loss.evaluate(outputs.view(), Targets::Labels(&set.labels));
            record.push(names.0, step, value);
            let predicted = predicted_classes(outputs.view(), loss);
            let correct = predicted
                .iter()
                .zip(&set.labels)
                .filter(|(p, l)| p.0 == **l)
                .count();
            record.push(
                names.1,
                step,
                correct as f64 / set.labels.len().max(1) as f64,
            );
        }
        Data::Values(set) => {
            let targets = set.targets.mapv(T::from_f64);
            let (value, _) = loss.evaluate(outputs.view(), Targets::Values(targets.view()));
            record.push(names.0, step, value);
        }
    }
}

/// Each row's predicted class and its probability: softmax for softmax cross-entropy,
/// sigmoid for binary cross-entropy (one output: class 1 if σ(z) > ½), the raw outputs for
/// mean squared error (one output: class 1 if y > ½).
pub fn predicted_classes<T: Float>(outputs: ArrayView2<T>, loss: Loss) -> Vec<(usize, f64)> {
    outputs
        .rows()
        .into_iter()
        .map(|row| {
            let values: Vec<f64> = row.iter().map(|&v| Float::to_f64(v)).collect();
            let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
            if values.len() == 1 {
                let p = if loss == Loss::MeanSquaredError {
                    values[0]
                } else {
                    sigmoid(values[0])
                };
                return if p > 0.5 { (1, p) } else { (0, 1.0 - p) };
            }
            let (best, &top) =
                values
                    .iter()
                    .enumerate()
                    .fold((0, &f64::NEG_INFINITY), |acc, (i, v)| {
                        if *v > *acc.1 { (i, v) } else { acc }
                    });
            let probability = match loss {
                Loss::SoftmaxCrossEntropy => {
                    1.0 / values.iter().map(|v| (v - top).exp()).sum::<f64>()
                }
                Loss::BinaryCrossEntropy => sigmoid(top),
                Loss::MeanSquaredError => top,
            };
            (best, probability)
        })
        .collect()
}

/// The class and probability predicted at every cell centre of `spec` (inputs must be 2-D).
pub fn decision_grid<T: Float>(
    net: &Network<T>,
    loss: Loss,
    spec: probes::GridSpec,
) -> DecisionGrid {
    let points = spec.points();
    let inputs = Array2::from_shape_fn((points.len(), 2), |(i, j)| T::from_f64(points[i][j]));
    let predicted = predicted_classes(net.predict(inputs.view()).view(), loss);
    DecisionGrid {
        spec,
        classes: predicted.iter().map(|p| p.0).collect(),
        confidence: predicted.iter().map(|p| p.1).collect(),
    }
}
