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
    /// tanh as the `Tanh` activation computes it: `f64::tanh` for f64 (exact paths stay
    /// libm's), and for f32 the vectorizable [`tanh_f32`] (within 1 ulp of the true value).
    fn activation_tanh(self) -> Self;
    /// The smallest value of this type ≥ `t`: for any x of this type, x < t (compared in
    /// f64) exactly when x < `at_least(t)`, so a loop can compare without converting.
    fn at_least(t: f64) -> Self;
    /// Whether the square of every finite nonzero value, taken in f64, is a normal number
    /// far from overflow, so that a sum of squares of them needs no scaled fallback: true
    /// for f32 (squares from 2e-90 to 1.2e77), false for f64.
    const SQUARES_STAY_NORMAL: bool;
    /// The values as f32s if this type is f32, for kernels written for f32 only.
    fn as_f32s(values: &[Self]) -> Option<&[f32]>;
    fn as_f32s_mut(values: &mut [Self]) -> Option<&mut [f32]>;
}

impl Float for f32 {
    const SQUARES_STAY_NORMAL: bool = true;
    fn as_f32s(values: &[Self]) -> Option<&[f32]> {
        Some(values)
    }
    fn as_f32s_mut(values: &mut [Self]) -> Option<&mut [f32]> {
        Some(values)
    }
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    fn activation_tanh(self) -> Self {
        tanh_f32(self)
    }
    fn at_least(t: f64) -> Self {
        let nearest = t as f32;
        if f64::from(nearest) < t {
            nearest.next_up()
        } else {
            nearest
        }
    }
}

impl Float for f64 {
    const SQUARES_STAY_NORMAL: bool = false;
    fn as_f32s(_: &[Self]) -> Option<&[f32]> {
        None
    }
    fn as_f32s_mut(_: &mut [Self]) -> Option<&mut [f32]> {
        None
    }
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn activation_tanh(self) -> Self {
        self.tanh()
    }
    fn at_least(t: f64) -> Self {
        t
    }
}

/// tanh of an f32, computed in f64 without calls into libm so that loops over it vectorize.
///
/// For |x| < 0.625 the odd Taylor series to x²⁵ (relative error < 1e-11); beyond, with
/// e = exp(2|x|) from its degree-13 Taylor polynomial after reduction by ln 2 (relative error
/// < 1e-14), tanh = 1 − 2/(e + 1), which rounds to ±1 in f32 from |x| ≈ 9. The f64
/// result is within 1e-11 relative of tanh x before its rounding to f32, so the f32 is the
/// correctly rounded tanh except in the rare near-ties, where it is 1 ulp off: always within
/// 1 ulp. NaN gives NaN, ±∞ gives ±1, and −0 gives −0.
#[inline]
pub fn tanh_f32(x: f32) -> f32 {
    let x = f64::from(x);
    let a = x.abs();
    // Series: tanh x = x·P(x²), coefficients of x^(2i+1).
    const SERIES: [f64; 13] = [
        1.0,
        -0.333_333_333_333_333_3,
        0.133_333_333_333_333_33,
        -0.053_968_253_968_253_97,
        0.021_869_488_536_155_203,
        -0.008_863_235_529_902_197,
        0.003_592_128_036_572_481,
        -0.001_455_834_387_051_318_3,
        0.000_590_027_440_945_586,
        -0.000_239_129_114_243_552_5,
        9.691_537_956_929_451e-5,
        -3.927_832_388_331_683e-5,
        1.591_890_506_932_896_4e-5,
    ];
    let x2 = x * x;
    let mut p = SERIES[12];
    for &c in SERIES[..12].iter().rev() {
        p = p * x2 + c;
    }
    let small = x * p;
    // exp(y), y = 2|x| clamped to [1.25, 19]: y = n·ln2 + r, |r| ≤ ln2/2.
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5·2⁵²: adding it rounds to an integer
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let y = (2.0 * a).clamp(1.25, 19.0);
    let shifted = y * std::f64::consts::LOG2_E + SHIFT;
    let n = shifted - SHIFT;
    let r = (y - n * LN2_HI) - n * LN2_LO;
    // exp r = 1 + r(1 + r/2(1 + r/3(… (1 + r/13)))), with the reciprocals 1/d.
    const INVERSES: [f64; 13] = [
        1.0,
        1.0 / 2.0,
        1.0 / 3.0,
        1.0 / 4.0,
        1.0 / 5.0,
        1.0 / 6.0,
        1.0 / 7.0,
        1.0 / 8.0,
        1.0 / 9.0,
        1.0 / 10.0,
        1.0 / 11.0,
        1.0 / 12.0,
        1.0 / 13.0,
    ];
    let mut q = 1.0;
    for &inverse in INVERSES.iter().rev() {
        q = q * (r * inverse) + 1.0;
    }
    // 2ⁿ from the integer in the low bits of `shifted` (n ≤ 28).
    let scale = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    let e = q * scale;
    let large = (1.0 - 2.0 / (e + 1.0)).copysign(x);
    // Past 9.5 the clamp makes this 1 − 1.1e-8, which rounds to ±1 in f32; NaN stays NaN.
    let t = if a < 0.625 { small } else { large };
    t as f32
}

#[cfg(test)]
mod tests {
    use super::{Float, tanh_f32};

    /// x < t in f64 exactly when x < at_least(t) in f32, for thresholds the probes use
    /// and for f32 values right around them.
    #[test]
    fn at_least_compares_like_f64() {
        for t in [0.01, 0.0025, 1e-3, 0.5, 1.0, 3.0e-39, -0.01] {
            let bound = f32::at_least(t);
            assert!(f64::from(bound) >= t);
            let near = f32::from_bits((t as f32).to_bits());
            let mut x = f32::from_bits(near.to_bits().saturating_sub(4));
            for _ in 0..9 {
                assert_eq!(f64::from(x) < t, x < bound, "t {t}, x {x:e}");
                x = x.next_up();
            }
        }
        assert_eq!(f64::at_least(0.01), 0.01);
    }

    /// Within 1 ulp of the f64 tanh (itself within 1 ulp of the truth, far finer than an f32
    /// ulp) over a dense sweep and the special values; almost always correctly rounded.
    #[test]
    fn tanh_f32_is_within_one_ulp() {
        let mut off_by_one = 0usize;
        let mut total = 0usize;
        let mut check = |x: f32| {
            let fast = tanh_f32(x);
            let exact = f64::from(x).tanh() as f32;
            let ulps = (fast.to_bits() as i64 - exact.to_bits() as i64).abs();
            assert!(
                ulps <= 1 && fast.is_sign_negative() == exact.is_sign_negative(),
                "{x}: {fast} vs {exact}"
            );
            off_by_one += usize::from(ulps == 1);
            total += 1;
        };
        let mut bits = 0u32;
        while bits < 0x4200_0000 {
            check(f32::from_bits(bits));
            check(-f32::from_bits(bits));
            bits += 997;
        }
        for x in [
            0.0,
            -0.0,
            0.625,
            0.624_999_94,
            9.5,
            9.499_999,
            1e-30,
            1e-45,
            f32::MAX,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ] {
            check(x);
        }
        assert!(
            off_by_one * 1000 < total,
            "{off_by_one} of {total} off by one ulp"
        );
        assert!(tanh_f32(f32::NAN).is_nan());
    }
}
