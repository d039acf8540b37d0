//! How initial weights and biases are drawn. The choice of scale decides whether signals
//! (and gradients) shrink, keep their size, or grow as they pass through a deep stack.
//!
//! Formulas (n_in = fan_in, n_out = fan_out; "gain" multiplies every scheme's weights):
//! - Glorot & Bengio 2010: xavier_uniform U(±√(6/(n_in+n_out))), xavier_normal N(0, 2/(n_in+n_out));
//! - He et al. 2015: he_uniform U(±√(6/n_in)), he_normal N(0, 2/n_in);
//! - LeCun: lecun_normal N(0, 1/n_in);  mean-field: N(0, σ_w²/n_in);
//! - orthogonal (Saxe et al. 2014): a random matrix with orthonormal rows or columns.

use crate::nn::error::{UnknownName, by_name};
use std::fmt;
use std::str::FromStr;

use ndarray::{Array1, Array2};

use crate::nn::Float;
use crate::nn::rng::RandomStream;

/// Weight initialization scheme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// N(0, 2/(fan_in + fan_out)): keeps variance roughly constant through linear/tanh layers.
    XavierNormal,
    /// N(0, 2/fan_in): doubles Xavier's fan-in variance to make up for ReLU zeroing half its inputs.
    HeNormal,
    /// N(0, std²) regardless of layer size.
    Normal { std: f64 },
    /// U(−a, a) with a = √(6/(fan_in + fan_out)).
    XavierUniform,
    /// U(−a, a) with a = √(6/fan_in).
    HeUniform,
    /// N(0, 1/fan_in), the scale SELU's self-normalization assumes.
    LecunNormal,
    /// Orthonormal columns (fan_in ≥ fan_out) or rows (fan_in < fan_out), from the QR
    /// decomposition of a Gaussian matrix with the signs fixed so the result is Haar-uniform.
    Orthogonal,
    /// U(−limit, limit) regardless of layer size.
    Uniform { limit: f64 },
    /// Every weight equal to `value` (a symmetric start: all units stay identical).
    Constant { value: f64 },
    /// N(0, σ_w²/fan_in): the mean-field parametrization (Poole et al. 2016).
    MeanField { sigma_w2: f64 },
}

/// How biases start.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum BiasInit {
    /// All zero, the default.
    #[default]
    Zeros,
    Constant {
        value: f64,
    },
    /// N(0, std²); Nielsen's networks use std 1.
    Normal {
        std: f64,
    },
}

/// Everything about how a layer's parameters start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InitConfig {
    pub weights: Init,
    /// Multiplies every drawn weight; 1 by default (PyTorch's `gain`).
    pub gain: f64,
    pub biases: BiasInit,
}

impl InitConfig {
    /// `weights` with gain 1 and zero biases.
    pub fn new(weights: Init) -> Self {
        InitConfig {
            weights,
            gain: 1.0,
            biases: BiasInit::Zeros,
        }
    }
}

impl Default for InitConfig {
    /// Xavier normal, gain 1, zero biases.
    fn default() -> Self {
        InitConfig::new(Init::XavierNormal)
    }
}

impl Init {
    /// The configuration name of the scheme; parameters are separate keys.
    pub fn name(self) -> &'static str {
        match self {
            Init::XavierNormal => "xavier_normal",
            Init::HeNormal => "he_normal",
            Init::Normal { .. } => "normal",
            Init::XavierUniform => "xavier_uniform",
            Init::HeUniform => "he_uniform",
            Init::LecunNormal => "lecun_normal",
            Init::Orthogonal => "orthogonal",
            Init::Uniform { .. } => "uniform",
            Init::Constant { .. } => "constant",
            Init::MeanField { .. } => "mean_field",
        }
    }

    /// The standard deviation of the weights of a layer with these fans (before the gain).
    /// Orthogonal matrices have entries of variance 1/max(fan_in, fan_out).
    pub fn std_dev(self, fan_in: usize, fan_out: usize) -> f64 {
        let (n_in, n_out) = (fan_in as f64, fan_out as f64);
        match self {
            Init::XavierNormal | Init::XavierUniform => (2.0 / (n_in + n_out)).sqrt(),
            Init::HeNormal | Init::HeUniform => (2.0 / n_in).sqrt(),
            Init::Normal { std } => std,
            Init::LecunNormal => (1.0 / n_in).sqrt(),
            Init::Orthogonal => (1.0 / n_in.max(n_out)).sqrt(),
            Init::Uniform { limit } => limit / 3.0_f64.sqrt(),
            Init::Constant { .. } => 0.0,
            Init::MeanField { sigma_w2 } => (sigma_w2 / n_in).sqrt(),
        }
    }

    /// A `fan_in × fan_out` weight matrix with gain 1, filled in row-major order from `rng`.
    pub fn weights<T: Float>(
        self,
        fan_in: usize,
        fan_out: usize,
        rng: &mut RandomStream,
    ) -> Array2<T> {
        self.weights_with_gain(fan_in, fan_out, 1.0, rng)
    }

    /// A `fan_in × fan_out` weight matrix times `gain`, filled in row-major order from `rng`.
    pub fn weights_with_gain<T: Float>(
        self,
        fan_in: usize,
        fan_out: usize,
        gain: f64,
        rng: &mut RandomStream,
    ) -> Array2<T> {
        let shape = (fan_in, fan_out);
        // `scale * rng.normal()` with scale = std·1 is bit-identical to the original `std * normal`.
        let scale = self.std_dev(fan_in, fan_out) * gain;
        match self {
            Init::XavierNormal
            | Init::HeNormal
            | Init::Normal { .. }
            | Init::LecunNormal
            | Init::MeanField { .. } => {
                Array2::from_shape_simple_fn(shape, || T::from_f64(scale * rng.normal()))
            }
            Init::XavierUniform | Init::HeUniform | Init::Uniform { .. } => {
                // A uniform on ±limit has std limit/√3.
                let limit = scale * 3.0_f64.sqrt();
                Array2::from_shape_simple_fn(shape, || {
                    T::from_f64(limit * (2.0 * rng.uniform() - 1.0))
                })
            }
            Init::Constant { value } => Array2::from_elem(shape, T::from_f64(gain * value)),
            Init::Orthogonal => orthogonal(fan_in, fan_out, rng).mapv(|w| T::from_f64(gain * w)),
        }
    }
}

impl BiasInit {
    pub fn name(self) -> &'static str {
        match self {
            BiasInit::Zeros => "zeros",
            BiasInit::Constant { .. } => "constant",
            BiasInit::Normal { .. } => "normal",
        }
    }

    /// `fan_out` biases; only `Normal` draws from `rng` (so zero biases leave the stream as it was).
    pub fn biases<T: Float>(self, fan_out: usize, rng: &mut RandomStream) -> Array1<T> {
        match self {
            BiasInit::Zeros => Array1::zeros(fan_out),
            BiasInit::Constant { value } => Array1::from_elem(fan_out, T::from_f64(value)),
            BiasInit::Normal { std } => {
                Array1::from_shape_simple_fn(fan_out, || T::from_f64(std * rng.normal()))
            }
        }
    }
}

impl Init {
    /// Every scheme, parameterized ones with the defaults `FromStr` gives them.
    pub const ALL: [Init; 10] = [
        Init::XavierNormal,
        Init::HeNormal,
        Init::Normal { std: 1.0 },
        Init::XavierUniform,
        Init::HeUniform,
        Init::LecunNormal,
        Init::Orthogonal,
        Init::Uniform { limit: 1.0 },
        Init::Constant { value: 0.0 },
        Init::MeanField { sigma_w2: 1.0 },
    ];
}

impl FromStr for Init {
    type Err = UnknownName;
    /// A name from [`Init::name`]; parameters get the defaults in [`Init::ALL`] (std 1,
    /// limit 1, value 0, σ_w² 1), for the caller to replace.
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        by_name("init", text, &Init::ALL, Init::name)
    }
}

impl FromStr for BiasInit {
    type Err = UnknownName;
    /// `zeros`, `constant` (value 0) or `normal` (std 1, as Nielsen's networks).
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        match text {
            "zeros" => Ok(BiasInit::Zeros),
            "constant" => Ok(BiasInit::Constant { value: 0.0 }),
            "normal" => Ok(BiasInit::Normal { std: 1.0 }),
            _ => Err(UnknownName::new(
                "bias init",
                text,
                ["zeros", "constant", "normal"],
            )),
        }
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `rows × cols` matrix whose columns (rows ≥ cols) or rows (rows < cols) are orthonormal.
/// Gram–Schmidt with re-orthogonalization ("twice is enough") on a Gaussian matrix is the QR
/// decomposition; keeping each column's direction (not flipping it) is the sign fix
/// Q·sign(diag R) that makes Q uniformly distributed.
fn orthogonal(rows: usize, cols: usize, rng: &mut RandomStream) -> Array2<f64> {
    let (tall, short) = (rows.max(cols), rows.min(cols));
    // Columns of a tall × short Gaussian matrix, orthonormalized one by one.
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(short);
    for _ in 0..short {
        let mut v: Vec<f64> = (0..tall).map(|_| rng.normal()).collect();
        for _pass in 0..2 {
            for q in &columns {
                let projection: f64 = q.iter().zip(&v).map(|(a, b)| a * b).sum();
                v.iter_mut()
                    .zip(q)
                    .for_each(|(x, qi)| *x -= projection * qi);
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        columns.push(v);
    }
    if rows >= cols {
        Array2::from_shape_fn((rows, cols), |(i, j)| columns[j][i])
    } else {
        Array2::from_shape_fn((rows, cols), |(i, j)| columns[i][j])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::rng::Purpose;

    fn sample_moments(init: Init, fan_in: usize, fan_out: usize) -> (f64, f64) {
        let mut rng = RandomStream::new(11, Purpose::Init);
        let weights: Array2<f64> = init.weights(fan_in, fan_out, &mut rng);
        let mean = weights.mean().unwrap();
        let variance = weights.mapv(|w| (w - mean).powi(2)).mean().unwrap();
        (mean, variance)
    }

    #[test]
    fn weight_variance_matches_the_formula() {
        let cases = [
            (Init::XavierNormal, 512, 512, 2.0 / 1024.0),
            (Init::HeNormal, 512, 512, 2.0 / 512.0),
            (Init::XavierNormal, 512, 128, 2.0 / 640.0),
            (Init::HeNormal, 128, 512, 2.0 / 128.0),
            (Init::Normal { std: 0.3 }, 512, 512, 0.09),
            (Init::XavierUniform, 512, 128, 2.0 / 640.0),
            (Init::HeUniform, 128, 512, 2.0 / 128.0),
            (Init::LecunNormal, 256, 512, 1.0 / 256.0),
            (Init::Uniform { limit: 0.5 }, 512, 512, 0.25 / 3.0),
            (Init::MeanField { sigma_w2: 1.5 }, 300, 512, 1.5 / 300.0),
            (Init::Orthogonal, 512, 256, 1.0 / 512.0),
        ];
        for (init, fan_in, fan_out, expected) in cases {
            let (mean, variance) = sample_moments(init, fan_in, fan_out);
            // ≥ 131 072 samples: the sample variance's relative standard error is below 0.4%.
            assert!(
                (variance / expected - 1.0).abs() < 0.02,
                "{init:?} {fan_in}x{fan_out}: variance {variance}, expected {expected}"
            );
            assert!(
                mean.abs() < 5.0 * expected.sqrt() / 256.0,
                "{init:?}: mean {mean}"
            );
        }
    }

    #[test]
    fn uniform_schemes_respect_their_limit_and_gain_scales() {
        let mut rng = RandomStream::new(1, Purpose::Init);
        let w: Array2<f64> = Init::HeUniform.weights_with_gain(24, 10, 2.0, &mut rng);
        let limit = 2.0 * (6.0_f64 / 24.0).sqrt();
        assert!(w.iter().all(|x| x.abs() <= limit));
        assert!(w.iter().any(|x| x.abs() > 0.9 * limit));
        let c: Array2<f32> = Init::Constant { value: 0.5 }.weights_with_gain(2, 3, 3.0, &mut rng);
        assert!(c.iter().all(|&x| x == 1.5));
    }

    #[test]
    fn orthogonal_matrices_are_orthonormal() {
        let mut rng = RandomStream::new(3, Purpose::Init);
        for (rows, cols) in [(40, 40), (50, 20), (20, 50), (1, 1)] {
            let w: Array2<f64> = Init::Orthogonal.weights(rows, cols, &mut rng);
            let gram = if rows >= cols {
                w.t().dot(&w)
            } else {
                w.dot(&w.t())
            };
            let worst = ndarray::indices(gram.dim())
                .into_iter()
                .map(|(i, j)| (gram[(i, j)] - f64::from(u8::from(i == j))).abs())
                .fold(0.0, f64::max);
            assert!(worst < 1e-13, "{rows}x{cols}: off by {worst:e}");
        }
    }

    #[test]
    fn names_round_trip() {
        for init in Init::ALL {
            assert_eq!(init.name().parse::<Init>(), Ok(init));
        }
        for bias in ["zeros", "constant", "normal"] {
            assert_eq!(bias.parse::<BiasInit>().unwrap().name(), bias);
        }
        assert!(
            "glorot"
                .parse::<Init>()
                .unwrap_err()
                .expected
                .contains(&"xavier_uniform")
        );
    }

    #[test]
    fn biases_follow_their_scheme() {
        let mut rng = RandomStream::new(2, Purpose::Init);
        assert_eq!(
            BiasInit::Zeros.biases::<f64>(3, &mut rng),
            Array1::<f64>::zeros(3)
        );
        let c = BiasInit::Constant { value: 0.1 }.biases::<f64>(2, &mut rng);
        assert_eq!(c, ndarray::array![0.1, 0.1]);
        let n = BiasInit::Normal { std: 1.0 }.biases::<f64>(100_000, &mut rng);
        let variance = n.mapv(|b| b * b).mean().unwrap();
        assert!((variance - 1.0).abs() < 0.02, "{variance}");
    }
}
