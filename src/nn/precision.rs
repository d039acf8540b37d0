//! Emulated mixed-precision training: the half formats, rounding to them, and loss scaling.
//!
//! The engine computes in f32 (or f64); a run "in f16" keeps its master weights in f32 and
//! rounds to the format where a real fp16 kernel would store a tensor: the weights each
//! step, every layer's output and every gradient at a layer boundary (δ, ∂L/∂a, the
//! parameters' gradients). Products accumulate in f32, as tensor cores do. The conversions
//! are the `half` crate's: round to nearest, ties to even, subnormals kept, overflow to ±∞.
//!
//! Loss scaling multiplies ∂L/∂output by S before the backward pass, so gradients that
//! would fall below the format's smallest subnormal stay representable, and divides the
//! parameters' gradients by S in f32 afterwards. The dynamic scaler is PyTorch's
//! `GradScaler`: a step whose gradients hold an inf or NaN is skipped and S halves; after
//! `growth_interval` clean steps in a row S doubles.

use half::slice::HalfFloatSliceExt;
use half::{bf16, f16};

use crate::nn::Float;

/// A 16-bit floating-point format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HalfFormat {
    /// IEEE 754 binary16: 5 exponent bits, 10 fraction bits (max 65504, smallest
    /// subnormal 2⁻²⁴ ≈ 6.0e-8).
    F16,
    /// bfloat16: f32's 8 exponent bits, 7 fraction bits (the range of f32, 3 digits).
    Bf16,
}

impl HalfFormat {
    pub fn name(self) -> &'static str {
        match self {
            HalfFormat::F16 => "f16",
            HalfFormat::Bf16 => "bf16",
        }
    }

    /// `value` rounded to the format and back.
    pub fn round<T: Float>(self, value: T) -> T {
        let mut one = [value];
        self.round_slice(&mut one);
        one[0]
    }

    /// Every value rounded to the format in place. f32 goes through `half`'s slice
    /// conversions (vectorized where the CPU has F16C) in blocks on the stack.
    pub fn round_slice<T: Float>(self, values: &mut [T]) {
        let Some(values) = T::as_f32s_mut(values) else {
            // f64 values (tests only: emulated runs keep f32 masters). bf16 goes through
            // f32, because half 2.7's `bf16::from_f64` truncates where the result is
            // subnormal (f32 bits 0x006e8001 give 0x6e, not 0x6f); through f32 a value
            // within f32's rounding of a bf16 midpoint can round twice.
            for v in values.iter_mut() {
                *v = match self {
                    HalfFormat::F16 => T::from_f64(f16::from_f64(v.to_f64()).to_f64()),
                    HalfFormat::Bf16 => T::from_f64(bf16::from_f32(v.to_f64() as f32).to_f64()),
                };
            }
            return;
        };
        const BLOCK: usize = 256;
        match self {
            HalfFormat::F16 => {
                let mut buffer = [f16::ZERO; BLOCK];
                for block in values.chunks_mut(BLOCK) {
                    let buffer = &mut buffer[..block.len()];
                    buffer.convert_from_f32_slice(block);
                    buffer.convert_to_f32_slice(block);
                }
            }
            HalfFormat::Bf16 => {
                let mut buffer = [bf16::ZERO; BLOCK];
                for block in values.chunks_mut(BLOCK) {
                    let buffer = &mut buffer[..block.len()];
                    buffer.convert_from_f32_slice(block);
                    buffer.convert_to_f32_slice(block);
                }
            }
        }
    }
}

/// Rounds `values` to `format` if there is one (a no-op for a full-precision run).
pub fn round_if<T: Float>(format: Option<HalfFormat>, values: &mut [T]) {
    if let Some(format) = format {
        format.round_slice(values);
    }
}

/// How the loss is scaled before the backward pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LossScaling {
    /// S = 1, and a non-finite gradient ends the run as in f32.
    None,
    /// A fixed S; a step with a non-finite gradient is skipped.
    Static(f64),
    /// PyTorch's `GradScaler`: S starts at `init`, halves on a skipped step, doubles after
    /// `growth_interval` clean steps in a row.
    Dynamic { init: f64, growth_interval: usize },
}

impl LossScaling {
    /// PyTorch's defaults: 2¹⁶, doubling after 2000 clean steps.
    pub const DYNAMIC_DEFAULT: LossScaling = LossScaling::Dynamic {
        init: 65536.0,
        growth_interval: 2000,
    };
}

/// Training in an emulated half format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MixedPrecision {
    pub format: HalfFormat,
    pub scaling: LossScaling,
}

/// The smallest loss scale the dynamic scaler goes down to before the run is declared
/// diverged: below it, the overflow is in the forward pass, not in the scaled gradients.
pub const SMALLEST_LOSS_SCALE: f64 = 1.0 / 16_777_216.0; // 2⁻²⁴

/// The scale over a run: what S is now, and how many steps it has skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct LossScaler {
    scaling: LossScaling,
    scale: f64,
    clean_steps: usize,
    pub skipped_steps: usize,
}

/// What to do with a step once its gradients are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Update the weights.
    Apply,
    /// Leave the weights alone (the scaler has already backed off).
    Skip,
    /// Stop: no scaler to skip with, or the scale has collapsed.
    Diverge,
}

impl LossScaler {
    pub fn new(scaling: LossScaling) -> Self {
        let scale = match scaling {
            LossScaling::None => 1.0,
            LossScaling::Static(scale) => scale,
            LossScaling::Dynamic { init, .. } => init,
        };
        LossScaler {
            scaling,
            scale,
            clean_steps: 0,
            skipped_steps: 0,
        }
    }

    /// S for the coming backward pass.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The step's verdict from whether its loss and gradients were finite, and the scale's
    /// move that follows from it.
    pub fn after_step(&mut self, finite: bool) -> Verdict {
        match (finite, self.scaling) {
            (
                true,
                LossScaling::Dynamic {
                    growth_interval, ..
                },
            ) => {
                self.clean_steps += 1;
                if self.clean_steps >= growth_interval {
                    self.scale *= 2.0;
                    self.clean_steps = 0;
                }
                Verdict::Apply
            }
            (true, _) => Verdict::Apply,
            (false, LossScaling::None) => Verdict::Diverge,
            (false, LossScaling::Static(_)) => {
                self.skipped_steps += 1;
                Verdict::Skip
            }
            (false, LossScaling::Dynamic { .. }) => {
                self.skipped_steps += 1;
                self.clean_steps = 0;
                self.scale *= 0.5;
                if self.scale < SMALLEST_LOSS_SCALE {
                    Verdict::Diverge
                } else {
                    Verdict::Skip
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "precision_tests.rs"]
mod tests;
