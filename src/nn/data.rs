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
    fn noiseless_arms_are_exact() {
        let data = spirals(4, 2, 0.0, 0);
        // Class 1, second point: radius 1, angle 8.
        assert!((data.inputs[(3, 0)] - 8.0_f64.sin()).abs() < 1e-15);
        assert!((data.inputs[(3, 1)] - 8.0_f64.cos()).abs() < 1e-15);
        assert_eq!(data.labels, vec![0, 0, 1, 1]);
    }
}
