//! Toy data sets, generated deterministically from a seed.

use ndarray::Array2;

use super::rng::{Purpose, RandomStream};

/// Labelled points: row i of `inputs` has class `labels[i]`, in `0..classes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub inputs: Array2<f64>,
    pub labels: Vec<usize>,
    pub classes: usize,
}

impl Dataset {
    /// The number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The number of input features per example.
    pub fn input_dim(&self) -> usize {
        self.inputs.ncols()
    }
}

/// Regression examples: row i of `inputs` has target row i of `targets`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionData {
    pub inputs: Array2<f64>,
    pub targets: Array2<f64>,
}

/// Any data set the trainer accepts: classes (labels) or values (regression targets).
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Classes(Dataset),
    Values(RegressionData),
}

impl From<Dataset> for Data {
    fn from(data: Dataset) -> Self {
        Data::Classes(data)
    }
}

impl From<RegressionData> for Data {
    fn from(data: RegressionData) -> Self {
        Data::Values(data)
    }
}

impl Data {
    pub fn inputs(&self) -> &Array2<f64> {
        match self {
            Data::Classes(data) => &data.inputs,
            Data::Values(data) => &data.inputs,
        }
    }

    /// The number of examples.
    pub fn len(&self) -> usize {
        self.inputs().nrows()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn input_dim(&self) -> usize {
        self.inputs().ncols()
    }

    /// The outputs a network needs: one per class, or one per target column.
    pub fn output_dim(&self) -> usize {
        match self {
            Data::Classes(data) => data.classes,
            Data::Values(data) => data.targets.ncols(),
        }
    }

    /// The examples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Data {
        let rows = |a: &Array2<f64>| a.select(ndarray::Axis(0), indices);
        match self {
            Data::Classes(data) => Data::Classes(Dataset {
                inputs: rows(&data.inputs),
                labels: indices.iter().map(|&i| data.labels[i]).collect(),
                classes: data.classes,
            }),
            Data::Values(data) => Data::Values(RegressionData {
                inputs: rows(&data.inputs),
                targets: rows(&data.targets),
            }),
        }
    }

    /// Splits off a test set of round(test_fraction · len) examples chosen by the seed's
    /// `Split` stream; both parts keep the original order.
    pub fn split(&self, test_fraction: f64, seed: u64) -> (Data, Data) {
        let count = self.len();
        let test_count =
            ((test_fraction.clamp(0.0, 1.0) * count as f64).round() as usize).min(count);
        let mut order: Vec<usize> = (0..count).collect();
        RandomStream::new(seed, Purpose::Split).shuffle(&mut order);
        let (mut test, mut train) = (order[..test_count].to_vec(), order[test_count..].to_vec());
        test.sort_unstable();
        train.sort_unstable();
        (self.select(&train), self.select(&test))
    }
}

/// Interleaved spiral arms in 2-D, as in CS231n: class k's points run along an arm from the
/// origin (radius 0) out to radius 1 while their angle sweeps from 4k to 4(k+1) radians.
/// `noise` is the standard deviation of Gaussian jitter added to each point's angle (as
/// CS231n does), so the arms blur more at the rim than at the centre.
///
/// `samples` points in all, classes as balanced as possible (the first `samples % classes`
/// classes get one extra), stored class by class. Deterministic from `seed`.
///
/// # Panics
/// If `classes` is 0.
pub fn spirals(samples: usize, classes: usize, noise: f64, seed: u64) -> Dataset {
    assert!(classes > 0, "spirals: need at least one class");
    let mut rng = RandomStream::new(seed, Purpose::Data);
    let mut inputs = Array2::zeros((samples, 2));
    let mut labels = Vec::with_capacity(samples);
    for class in 0..classes {
        let count = samples / classes + usize::from(class < samples % classes);
        for i in 0..count {
            // Position along the arm, 0 at the origin to 1 at the tip.
            let along = if count > 1 {
                i as f64 / (count - 1) as f64
            } else {
                0.0
            };
            let radius = along;
            let angle = 4.0 * (class as f64 + along) + noise * rng.normal();
            let row = labels.len();
            inputs[(row, 0)] = radius * angle.sin();
            inputs[(row, 1)] = radius * angle.cos();
            labels.push(class);
        }
    }
    Dataset {
        inputs,
        labels,
        classes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spirals_are_balanced_bounded_and_deterministic() {
        let data = spirals(301, 3, 0.2, 5);
        assert_eq!(data.len(), 301);
        assert_eq!(data.input_dim(), 2);
        let counts: Vec<usize> = (0..3)
            .map(|c| data.labels.iter().filter(|&&l| l == c).count())
            .collect();
        assert_eq!(counts, vec![101, 100, 100]);
        for row in data.inputs.rows() {
            assert!(row[0].hypot(row[1]) <= 1.0 + 1e-12);
        }
        assert_eq!(data, spirals(301, 3, 0.2, 5));
        assert_ne!(data, spirals(301, 3, 0.2, 6));
    }

    #[test]
    fn split_partitions_the_examples() {
        let data = Data::from(spirals(100, 2, 0.1, 1));
        let (train, test) = data.split(0.25, 3);
        assert_eq!((train.len(), test.len()), (75, 25));
        let (Data::Classes(train), Data::Classes(test)) = (&train, &test) else {
            panic!()
        };
        let Data::Classes(all) = &data else { panic!() };
        // Every original row appears exactly once across the two parts.
        let mut rows: Vec<(u64, u64)> = train
            .inputs
            .rows()
            .into_iter()
            .chain(test.inputs.rows())
            .map(|r| (r[0].to_bits(), r[1].to_bits()))
            .collect();
        let mut original: Vec<(u64, u64)> = all
            .inputs
            .rows()
            .into_iter()
            .map(|r| (r[0].to_bits(), r[1].to_bits()))
            .collect();
        rows.sort_unstable();
        original.sort_unstable();
        assert_eq!(rows, original);
        assert_eq!(data.split(0.25, 3), data.split(0.25, 3));
        assert_ne!(data.split(0.25, 3), data.split(0.25, 4));
    }

    #[test]
    fn noiseless_arms_are_exact() {
        let data = spirals(4, 2, 0.0, 0);
        // Class 1, second point: radius 1, angle 8.
        assert!((data.inputs[(3, 0)] - 8.0_f64.sin()).abs() < 1e-15);
        assert!((data.inputs[(3, 1)] - 8.0_f64.cos()).abs() < 1e-15);
        assert_eq!(data.labels, vec![0, 0, 1, 1]);
    }
}
