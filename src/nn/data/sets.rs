//! The data sets training reads: classes ([`Dataset`]), regression targets
//! ([`RegressionData`]) or either ([`Data`]), with selection and a seeded train/test split.
//! The generators are in `toy.rs`.

use ndarray::Array2;

use crate::nn::rng::{Purpose, RandomStream};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::data::toy::spirals;

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
}
