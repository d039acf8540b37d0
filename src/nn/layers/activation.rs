//! Elementwise activation functions f and their exact derivatives f′, as plain scalar
//! functions the layers map over their matrices.

use crate::nn::error::{UnknownName, by_name};
use std::fmt;
use std::str::FromStr;

use crate::nn::Float;
use crate::nn::kernels::count_where;

/// The nonlinearity applied after a dense layer (or after its normalization).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    Linear,
    Sigmoid,
    Tanh,
    Relu,
    /// max(z, slope·z); `slope` defaults to 0.01.
    LeakyRelu {
        slope: f64,
    },
    /// z for z > 0, α(eᶻ − 1) otherwise; α defaults to 1.
    Elu {
        alpha: f64,
    },
    /// λ·elu_α(z) with Klambauer et al.'s λ ≈ 1.0507, α ≈ 1.6733 (self-normalizing).
    Selu,
    /// The exact GELU, z·Φ(z) with Φ the standard normal CDF (PyTorch's default).
    Gelu,
    /// ln(1 + eᶻ), a smooth ReLU.
    Softplus,
    /// z·σ(z) (SiLU, Elfwing et al. 2018; Swish with β = 1, Ramachandran et al. 2017).
    Silu,
}

const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;

impl Activation {
    /// Every activation, with default parameters.
    pub const ALL: [Activation; 10] = [
        Activation::Linear,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.01 },
        Activation::Elu { alpha: 1.0 },
        Activation::Selu,
        Activation::Gelu,
        Activation::Softplus,
        Activation::Silu,
    ];

    /// The lowercase name used in configuration and legends; `FromStr` parses it back
    /// (with default parameters).
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu { .. } => "leaky_relu",
            Activation::Elu { .. } => "elu",
            Activation::Selu => "selu",
            Activation::Gelu => "gelu",
            Activation::Softplus => "softplus",
            Activation::Silu => "silu",
        }
    }

    /// f(z).
    pub fn apply<T: Float>(self, z: T) -> T {
        let zero = T::zero();
        match self {
            Activation::Linear => z,
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => z.activation_tanh(),
            Activation::Relu => z.max(zero),
            Activation::LeakyRelu { slope } => {
                if z > zero {
                    z
                } else {
                    T::from_f64(slope) * z
                }
            }
            Activation::Elu { alpha } => elu(z, alpha),
            Activation::Selu => T::from_f64(SELU_LAMBDA) * elu(z, SELU_ALPHA),
            Activation::Gelu => {
                let x = z.to_f64();
                T::from_f64(x * normal_cdf(x))
            }
            // max(z, 0) + ln(1 + e^−|z|): never exponentiates a positive number.
            Activation::Softplus => z.max(zero) + (-z.abs()).exp().ln_1p(),
            Activation::Silu => z * sigmoid(z),
        }
    }

    /// f′(z), the factor by which this activation scales gradients flowing back through it.
    /// Sigmoid's is at most 1/4, which is why deep sigmoid stacks vanish. At ReLU's kink
    /// z = 0 we take the left derivative, the usual convention.
    pub fn derivative<T: Float>(self, z: T) -> T {
        let (zero, one) = (T::zero(), T::one());
        match self {
            Activation::Linear => one,
            Activation::Sigmoid => {
                let s = sigmoid(z);
                s * (one - s)
            }
            Activation::Tanh => {
                let t = z.activation_tanh();
                one - t * t
            }
            Activation::Relu => {
                if z > zero {
                    one
                } else {
                    zero
                }
            }
            Activation::LeakyRelu { slope } => {
                if z > zero {
                    one
                } else {
                    T::from_f64(slope)
                }
            }
            Activation::Elu { alpha } => elu_derivative(z, alpha),
            Activation::Selu => T::from_f64(SELU_LAMBDA) * elu_derivative(z, SELU_ALPHA),
            Activation::Gelu => {
                let x = z.to_f64();
                T::from_f64(normal_cdf(x) + x * normal_pdf(x))
            }
            Activation::Softplus => sigmoid(z),
            // (zσ)′ = σ + zσ(1 − σ) = σ(1 + z(1 − σ)).
            Activation::Silu => {
                let s = sigmoid(z);
                s * (one + z * (one - s))
            }
        }
    }

    /// out = f(z + bias) and z ← z + bias, row by row (`z` is rows × bias.len(), row-major):
    /// the dense layer's bias and the activation in one pass, the activation chosen once
    /// outside the loop so the common ones vectorize. Exactly [`Activation::apply`] per element.
    pub fn add_bias_and_apply<T: Float>(self, bias: &[T], z: &mut [T], out: &mut [T]) {
        let width = bias.len();
        for (z, out) in z.chunks_exact_mut(width).zip(out.chunks_exact_mut(width)) {
            for (z, &b) in z.iter_mut().zip(bias) {
                *z = *z + b;
            }
            self.apply_slice(z, out);
        }
    }

    /// out = f(z) elementwise; exactly [`Activation::apply`].
    pub fn apply_slice<T: Float>(self, z: &[T], out: &mut [T]) {
        let pairs = out.iter_mut().zip(z);
        let zero = T::zero();
        match self {
            Activation::Linear => out.copy_from_slice(z),
            Activation::Relu => pairs.for_each(|(a, &z)| *a = z.max(zero)),
            Activation::Tanh => pairs.for_each(|(a, &z)| *a = z.activation_tanh()),
            Activation::Sigmoid => pairs.for_each(|(a, &z)| *a = sigmoid(z)),
            other => pairs.for_each(|(a, &z)| *a = other.apply(z)),
        }
    }

    /// δ = g ⊙ f′(z), given the pre-activation z and the output a = f(z) the forward pass
    /// stored. Tanh and sigmoid take f′ from a (1 − a², a(1 − a)): the same numbers as
    /// [`Activation::derivative`], which computes a again first, without the exponentials.
    pub fn backward_slice<T: Float>(self, g: &[T], z: &[T], a: &[T], delta: &mut [T]) {
        let (zero, one) = (T::zero(), T::one());
        match self {
            Activation::Linear => delta.iter_mut().zip(g).for_each(|(d, &g)| *d = g * one),
            Activation::Tanh => delta
                .iter_mut()
                .zip(g.iter().zip(a))
                .for_each(|(d, (&g, &a))| *d = g * tanh_derivative(a)),
            Activation::Sigmoid => delta
                .iter_mut()
                .zip(g.iter().zip(a))
                .for_each(|(d, (&g, &a))| *d = g * sigmoid_derivative(a)),
            Activation::Relu => delta
                .iter_mut()
                .zip(g.iter().zip(z))
                .for_each(|(d, (&g, &z))| *d = g * if z > zero { one } else { zero }),
            other => delta
                .iter_mut()
                .zip(g.iter().zip(z))
                .for_each(|(d, (&g, &z))| *d = g * other.derivative(z)),
        }
    }

    /// |f′(z)| given z and a = f(z), for the saturation probe (tanh and sigmoid from a, as
    /// in [`Activation::backward_slice`]; the same value as [`Activation::derivative`]).
    pub fn derivative_from<T: Float>(self, z: T, a: T) -> T {
        match self {
            Activation::Tanh => tanh_derivative(a),
            Activation::Sigmoid => sigmoid_derivative(a),
            other => other.derivative(z),
        }
    }

    /// The largest |f′| can be, for activations that saturate (|f′| → 0 on both sides):
    /// the saturation probe counts units with |f′(z)| < 1% of it. `None` for the others.
    /// A saturating activation also says, in [`Activation::count_saturated`], how f′ is
    /// read off its output.
    pub fn saturating_max_derivative(self) -> Option<f64> {
        match self {
            Activation::Sigmoid => Some(0.25),
            Activation::Tanh => Some(1.0),
            _ => None,
        }
    }

    /// How many of the `outputs` a = f(z) sit where f saturates: |f′| below `fraction` of
    /// [`Activation::saturating_max_derivative`], f′ read off a as the backward pass does
    /// (in the outputs' type, so f32 runs count what f32 computes). 0 for activations that
    /// do not saturate. Each arm is one vectorized pass ([`count_where`]).
    pub fn count_saturated<T: Float>(self, outputs: &[T], fraction: f64) -> usize {
        let Some(largest) = self.saturating_max_derivative() else {
            return 0;
        };
        let threshold = T::at_least(fraction * largest);
        match self {
            Activation::Tanh => count_where(outputs, |a| tanh_derivative(a).abs() < threshold),
            Activation::Sigmoid => {
                count_where(outputs, |a| sigmoid_derivative(a).abs() < threshold)
            }
            _ => 0,
        }
    }

    /// Whether units can die: the ReLU family, whose unit is "dead" on a batch when z ≤ 0
    /// for every example (its gradient is then 0, or only the leak).
    pub fn can_die(self) -> bool {
        matches!(self, Activation::Relu | Activation::LeakyRelu { .. })
    }
}

/// tanh′ from the output a = tanh z: 1 − a².
#[inline(always)]
fn tanh_derivative<T: Float>(a: T) -> T {
    T::one() - a * a
}

/// σ′ from the output a = σ(z): a(1 − a).
#[inline(always)]
fn sigmoid_derivative<T: Float>(a: T) -> T {
    a * (T::one() - a)
}

/// 1 / (1 + e^−z), written so that e^(±z) is only ever taken of a non-positive number
/// and cannot overflow.
fn sigmoid<T: Float>(z: T) -> T {
    if z >= T::zero() {
        T::one() / (T::one() + (-z).exp())
    } else {
        let e = z.exp();
        e / (T::one() + e)
    }
}

fn elu<T: Float>(z: T, alpha: f64) -> T {
    if z > T::zero() {
        z
    } else {
        T::from_f64(alpha) * z.exp_m1()
    }
}

fn elu_derivative<T: Float>(z: T, alpha: f64) -> T {
    if z > T::zero() {
        T::one()
    } else {
        T::from_f64(alpha) * z.exp()
    }
}

/// φ(x), the standard normal density.
pub(crate) fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Φ(x) = (1 + erf(x/√2)) / 2.
pub(crate) fn normal_cdf(x: f64) -> f64 {
    0.5 * (1.0 + erf(x / std::f64::consts::SQRT_2))
}

/// erf(x) to about 1e-16, by the everywhere-convergent series
/// erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)),
/// whose terms are all positive (no cancellation). Beyond |x| = 6, erf is ±1 in f64.
fn erf(x: f64) -> f64 {
    if x.abs() > 6.0 {
        return x.signum();
    }
    let x2 = x * x;
    let (mut term, mut sum, mut n) = (x, x, 0.0);
    while term.abs() > 1e-17 * sum.abs() {
        n += 1.0;
        term *= 2.0 * x2 / (2.0 * n + 1.0);
        sum += term;
    }
    2.0 / std::f64::consts::PI.sqrt() * (-x2).exp() * sum
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = UnknownName;

    /// Parses a name from [`Activation::name`], giving parameters their defaults.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        by_name("activation", text, &Activation::ALL, Activation::name)
    }
}

#[cfg(test)]
#[path = "activation_tests.rs"]
mod tests;
