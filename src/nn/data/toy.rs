//! Toy data sets, each generated deterministically from its seed's `Data` stream (the 8×8
//! digits are in `digits.rs`). Classes are stored class by class.

use ndarray::Array2;

use crate::nn::data::sets::{Dataset, RegressionData};
use crate::nn::layers::activation::Activation;
use crate::nn::rng::{Purpose, RandomStream};

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

/// How many of `samples` go to `class` out of `classes`: as balanced as possible, the
/// first `samples % classes` classes getting one extra.
fn class_count(samples: usize, classes: usize, class: usize) -> usize {
    samples / classes + usize::from(class < samples % classes)
}

/// Two interleaved half circles (scikit-learn's `make_moons`): class 0 on (cos t, sin t),
/// class 1 on (1 − cos t, ½ − sin t), t evenly spaced in [0, π], plus N(0, noise²) on each
/// coordinate.
pub fn moons(samples: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = RandomStream::new(seed, Purpose::Data);
    let mut inputs = Array2::zeros((samples, 2));
    let mut labels = Vec::with_capacity(samples);
    for class in 0..2 {
        let count = class_count(samples, 2, class);
        for i in 0..count {
            let t = std::f64::consts::PI * i as f64 / (count.max(2) - 1) as f64;
            let (x, y) = if class == 0 {
                (t.cos(), t.sin())
            } else {
                (1.0 - t.cos(), 0.5 - t.sin())
            };
            let row = labels.len();
            inputs[(row, 0)] = x + noise * rng.normal();
            inputs[(row, 1)] = y + noise * rng.normal();
            labels.push(class);
        }
    }
    Dataset {
        inputs,
        labels,
        classes: 2,
    }
}

/// Two concentric circles: class 0 on radius 1, class 1 on radius `factor` (scikit-learn
/// uses 0.8; 0.5 is easier), angles evenly spaced, plus N(0, noise²) on each coordinate.
pub fn circles(samples: usize, noise: f64, factor: f64, seed: u64) -> Dataset {
    let mut rng = RandomStream::new(seed, Purpose::Data);
    let mut inputs = Array2::zeros((samples, 2));
    let mut labels = Vec::with_capacity(samples);
    for class in 0..2 {
        let count = class_count(samples, 2, class);
        let radius = if class == 0 { 1.0 } else { factor };
        for i in 0..count {
            let angle = std::f64::consts::TAU * i as f64 / count as f64;
            let row = labels.len();
            inputs[(row, 0)] = radius * angle.cos() + noise * rng.normal();
            inputs[(row, 1)] = radius * angle.sin() + noise * rng.normal();
            labels.push(class);
        }
    }
    Dataset {
        inputs,
        labels,
        classes: 2,
    }
}

/// XOR: points uniform in [−1, 1]², class 1 where x and y have different signs (decided
/// before N(0, noise²) is added to each coordinate). Not stored class by class.
pub fn xor(samples: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = RandomStream::new(seed, Purpose::Data);
    let mut inputs = Array2::zeros((samples, 2));
    let mut labels = Vec::with_capacity(samples);
    for mut row in inputs.rows_mut() {
        let (x, y) = (2.0 * rng.uniform() - 1.0, 2.0 * rng.uniform() - 1.0);
        labels.push(usize::from((x > 0.0) != (y > 0.0)));
        row[0] = x + noise * rng.normal();
        row[1] = y + noise * rng.normal();
    }
    Dataset {
        inputs,
        labels,
        classes: 2,
    }
}

/// Gaussian blobs: `classes` centres drawn uniformly from [−4, 4]^dim, then each class's
/// points N(centre, spread²·I).
pub fn blobs(samples: usize, classes: usize, dim: usize, spread: f64, seed: u64) -> Dataset {
    assert!(classes > 0, "blobs: need at least one class");
    let mut rng = RandomStream::new(seed, Purpose::Data);
    let centres = Array2::from_shape_simple_fn((classes, dim), || 8.0 * rng.uniform() - 4.0);
    let mut inputs = Array2::zeros((samples, dim));
    let mut labels = Vec::with_capacity(samples);
    for class in 0..classes {
        for _ in 0..class_count(samples, classes, class) {
            let row = labels.len();
            for j in 0..dim {
                inputs[(row, j)] = centres[(class, j)] + spread * rng.normal();
            }
            labels.push(class);
        }
    }
    Dataset {
        inputs,
        labels,
        classes,
    }
}

/// Pure signal propagation: inputs i.i.d. N(0, 1) in `dim` dimensions, labels uniform over
/// `classes` and unrelated to the inputs.
pub fn random(samples: usize, dim: usize, classes: usize, seed: u64) -> Dataset {
    assert!(classes > 0, "random: need at least one class");
    let mut rng = RandomStream::new(seed, Purpose::Data);
    let inputs = Array2::from_shape_simple_fn((samples, dim), || rng.normal());
    let labels = (0..samples).map(|_| rng.below(classes)).collect();
    Dataset {
        inputs,
        labels,
        classes,
    }
}

/// 1-D regression: x uniform in [−π, π], target sin(x) + N(0, noise²).
pub fn sine(samples: usize, noise: f64, seed: u64) -> RegressionData {
    let mut rng = RandomStream::new(seed, Purpose::Data);
    let inputs = Array2::from_shape_simple_fn((samples, 1), || {
        std::f64::consts::PI * (2.0 * rng.uniform() - 1.0)
    });
    let targets = inputs.mapv(|x| x.sin() + noise * rng.normal());
    RegressionData { inputs, targets }
}

/// Teacher-network regression: inputs N(0, I) in `dim` dimensions; targets are the outputs
/// of a random one-hidden-layer tanh net (W₁ ~ N(0, 1/dim), W₂ ~ N(0, 1/width), no biases),
/// plus N(0, noise²). A student of the same shape can fit it exactly.
pub fn teacher(
    samples: usize,
    dim: usize,
    width: usize,
    outputs: usize,
    noise: f64,
    seed: u64,
) -> RegressionData {
    let mut rng = RandomStream::new(seed, Purpose::Data);
    let w1 = Array2::from_shape_simple_fn((dim, width), || rng.normal() / (dim as f64).sqrt());
    let w2 =
        Array2::from_shape_simple_fn((width, outputs), || rng.normal() / (width as f64).sqrt());
    let inputs = Array2::from_shape_simple_fn((samples, dim), || rng.normal());
    let hidden = inputs.dot(&w1).mapv(|z| Activation::Tanh.apply(z));
    let mut targets = hidden.dot(&w2);
    targets.mapv_inplace(|t| t + noise * rng.normal());
    RegressionData { inputs, targets }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Axis;

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

    /// Mean and standard deviation of each input column (used by tests; handy for callers
    /// who standardize).
    pub fn column_moments(inputs: &Array2<f64>) -> (Vec<f64>, Vec<f64>) {
        let mean = inputs
            .mean_axis(Axis(0))
            .map(|m| m.to_vec())
            .unwrap_or_default();
        let std = inputs.std_axis(Axis(0), 0.0).to_vec();
        (mean, std)
    }

    #[test]
    fn classification_sets_have_their_shape_and_balance() {
        let sets = [
            ("moons", moons(101, 0.1, 1)),
            ("circles", circles(101, 0.05, 0.5, 1)),
            ("xor", xor(100, 0.0, 1)),
            ("blobs", blobs(99, 3, 5, 0.5, 1)),
            ("random", random(100, 7, 4, 1)),
        ];
        for (name, data) in &sets {
            assert_eq!(data.len(), data.inputs.nrows(), "{name}");
            assert!(data.labels.iter().all(|&l| l < data.classes), "{name}");
            for class in 0..data.classes {
                let count = data.labels.iter().filter(|&&l| l == class).count();
                assert!(
                    count * data.classes >= data.len() / 2,
                    "{name}: class {class} has {count}"
                );
            }
        }
        assert_eq!(moons(10, 0.1, 3), moons(10, 0.1, 3));
        assert_ne!(moons(10, 0.1, 3), moons(10, 0.1, 4));
    }

    #[test]
    fn generators_put_points_where_they_say() {
        // Noiseless circles sit on their radii.
        let c = circles(40, 0.0, 0.5, 1);
        for (row, &label) in c.inputs.rows().into_iter().zip(&c.labels) {
            let r = row[0].hypot(row[1]);
            assert!((r - if label == 0 { 1.0 } else { 0.5 }).abs() < 1e-12);
        }
        // Noiseless xor labels follow the quadrants.
        let x = xor(200, 0.0, 2);
        for (row, &label) in x.inputs.rows().into_iter().zip(&x.labels) {
            assert_eq!(label == 1, row[0] * row[1] < 0.0);
        }
        // Random inputs are standard normal.
        let (mean, std) = column_moments(&random(20_000, 3, 2, 5).inputs);
        assert!(mean.iter().all(|m| m.abs() < 0.03) && std.iter().all(|s| (s - 1.0).abs() < 0.03));
        // Noiseless sine is sin.
        let s = sine(50, 0.0, 1);
        assert!(
            s.inputs
                .iter()
                .zip(&s.targets)
                .all(|(x, t)| (x.sin() - t).abs() < 1e-15)
        );
        let t = teacher(30, 4, 8, 2, 0.0, 1);
        assert_eq!((t.inputs.dim(), t.targets.dim()), ((30, 4), (30, 2)));
        assert!(
            t.targets.iter().all(|v| v.is_finite()) && t.targets.iter().any(|v| v.abs() > 0.01)
        );
    }
}
