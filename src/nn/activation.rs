//! Elementwise activation functions f and their derivatives f′, as plain scalar functions
//! the network maps over its matrices.

use std::fmt;
use std::str::FromStr;

use super::Float;

/// The nonlinearity applied after each hidden layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Activation {
    Linear,
    Sigmoid,
    Tanh,
    Relu,
}

impl Activation {
    pub const ALL: [Activation; 4] = [
        Activation::Linear,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
    ];

    /// The lowercase name used in configuration and legends; `FromStr` parses it back.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
        }
    }

    /// f(z).
    pub fn apply<T: Float>(self, z: T) -> T {
        match self {
            Activation::Linear => z,
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.max(T::zero()),
        }
    }

    /// f′(z), the factor by which this activation scales gradients flowing back through it.
    /// Sigmoid's is at most 1/4, which is why deep sigmoid stacks vanish.
    pub fn derivative<T: Float>(self, z: T) -> T {
        match self {
            Activation::Linear => T::one(),
            Activation::Sigmoid => {
                let s = sigmoid(z);
                s * (T::one() - s)
            }
            Activation::Tanh => {
                let t = z.tanh();
                T::one() - t * t
            }
            // At the kink z = 0 we pick 0, the usual convention.
            Activation::Relu => {
                if z > T::zero() {
                    T::one()
                } else {
                    T::zero()
                }
            }
        }
    }
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

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Activation::ALL
            .into_iter()
            .find(|activation| activation.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Activation::ALL.iter().map(|a| a.name()).collect();
                format!(
                    "unknown activation `{text}`; expected one of: {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_central_differences() {
        let eps = 1e-6;
        // Points away from ReLU's kink at 0, and not so far out that f′ is smaller than the
        // differences' rounding error (~1e-16 / eps); saturation is checked below.
        let points: [f64; 8] = [-4.0, -2.5, -0.7, -0.1, 0.2, 0.9, 3.0, 4.0];
        for activation in Activation::ALL {
            for z in points {
                let numeric = (activation.apply(z + eps) - activation.apply(z - eps)) / (2.0 * eps);
                let analytic = activation.derivative(z);
                let relative =
                    (numeric - analytic).abs() / (numeric.abs() + analytic.abs()).max(1e-9);
                assert!(
                    relative < 1e-6,
                    "{activation} at {z}: numeric {numeric}, analytic {analytic}"
                );
            }
            for z in [-12.0_f64, 12.0] {
                let numeric = (activation.apply(z + eps) - activation.apply(z - eps)) / (2.0 * eps);
                let analytic = activation.derivative(z);
                assert!((numeric - analytic).abs() < 1e-9, "{activation} at {z}");
            }
        }
    }

    #[test]
    fn sigmoid_is_stable_at_extremes() {
        assert_eq!(Activation::Sigmoid.apply(1000.0_f64), 1.0);
        assert_eq!(Activation::Sigmoid.apply(-1000.0_f64), 0.0);
        assert_eq!(Activation::Sigmoid.apply(-200.0_f32), 0.0);
        assert!(Activation::Sigmoid.derivative(-1000.0_f64).is_finite());
    }

    #[test]
    fn names_round_trip_and_errors_list_the_choices() {
        for activation in Activation::ALL {
            assert_eq!(activation.name().parse::<Activation>(), Ok(activation));
        }
        let error = "gelu".parse::<Activation>().unwrap_err();
        assert!(
            error.contains("gelu") && error.contains("linear, sigmoid, tanh, relu"),
            "{error}"
        );
    }
}
