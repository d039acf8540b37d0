//! The scalar type the engine computes in. The engine is generic over it so gradient checks
//! run in `f64` (where finite differences are accurate) while book runs may use `f32`.

use std::fmt::Debug;

use ndarray::{LinalgScalar, ScalarOperand};

/// A floating-point scalar usable in ndarray matrix products: `f32` or `f64`.
///
/// `from_f64`/`to_f64` are the only conversions the engine uses: configuration (learning
/// rates, data) is `f64`, and everything recorded (loss, norms) goes back out as `f64`.
pub trait Float:
    LinalgScalar + num_traits::Float + ScalarOperand + Debug + Send + Sync + 'static
{
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
}

impl Float for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Float for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
}
