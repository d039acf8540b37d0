//! The probes' loops that take two f64 sums in one pass, which the compiler does not
//! vectorize (measured: 2.0 elements per ns, against 10.8 for a hand-written kernel):
//! - [`piece_moments`]: Σ v and Σ v² of a layer's outputs, and how many sit where the
//!   activation saturates (|f′| below a threshold, f′ taken from the output as the
//!   backward pass does);
//! - [`add_step_squares`]: Σ before² and Σ (after − before)² of a parameter update.
//!
//! For f32 on CPUs with AVX2 they run as kernels written with `std::arch` intrinsics, which
//! give the portable loops' bits: both add element i into lane i mod 8, in order.

use super::Float;
use super::kernels::combine_lanes;

/// Which outputs count as saturated: for tanh |1 − a²| < threshold, for sigmoid
/// |a(1 − a)| < threshold (computed in the outputs' type); none for other activations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Saturation<T> {
    None,
    Tanh(T),
    Sigmoid(T),
}

impl<T: Float> Saturation<T> {
    #[inline(always)]
    fn test(self, a: T) -> bool {
        let one = T::one();
        match self {
            Saturation::None => false,
            Saturation::Tanh(threshold) => (one - a * a).abs() < threshold,
            Saturation::Sigmoid(threshold) => (a * (one - a)).abs() < threshold,
        }
    }
}

/// Σ v, Σ v² and the saturated count of some values.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub sum: f64,
    pub squares: f64,
    pub saturated: usize,
}

impl Moments {
    /// The sums of two pieces, this one first.
    pub fn plus(self, other: Moments) -> Moments {
        Moments {
            sum: self.sum + other.sum,
            squares: self.squares + other.squares,
            saturated: self.saturated + other.saturated,
        }
    }
}

/// The [`Moments`] of `values` in one piece (callers split long arrays: see
/// `layer_stats::piece_len`).
pub fn piece_moments<T: Float>(values: &[T], saturation: Saturation<T>) -> Moments {
    match (T::as_f32s(values), saturation.as_f32()) {
        (Some(values), Some(saturation)) => f32_moments(values, saturation),
        _ => portable_moments(values, saturation),
    }
}

impl<T: Float> Saturation<T> {
    fn as_f32(self) -> Option<Saturation<f32>> {
        let convert = |t: T| T::as_f32s(std::slice::from_ref(&t)).map(|t| t[0]);
        Some(match self {
            Saturation::None => Saturation::None,
            Saturation::Tanh(t) => Saturation::Tanh(convert(t)?),
            Saturation::Sigmoid(t) => Saturation::Sigmoid(convert(t)?),
        })
    }
}

/// The definition: element i into lane i mod 8, in order; the lanes combined by
/// [`combine_lanes`].
fn portable_moments<T: Float>(values: &[T], saturation: Saturation<T>) -> Moments {
    let mut lanes = MomentLanes::default();
    lanes.add(values, saturation);
    lanes.total()
}

/// The eight lanes of the sums in [`Moments`].
#[derive(Default)]
struct MomentLanes {
    sums: [f64; 8],
    squares: [f64; 8],
    hits: [usize; 8],
}

impl MomentLanes {
    /// Adds `values`, element i into lane i mod 8.
    fn add<T: Float>(&mut self, values: &[T], saturation: Saturation<T>) {
        for (i, &v) in values.iter().enumerate() {
            let wide = v.to_f64();
            self.sums[i % 8] += wide;
            self.squares[i % 8] += wide * wide;
            self.hits[i % 8] += usize::from(saturation.test(v));
        }
    }

    fn total(&self) -> Moments {
        Moments {
            sum: combine_lanes(self.sums),
            squares: combine_lanes(self.squares),
            saturated: self.hits.iter().sum(),
        }
    }
}

fn f32_moments(values: &[f32], saturation: Saturation<f32>) -> Moments {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { avx2::moments(values, saturation) };
    }
    portable_moments(values, saturation)
}

/// Adds `before`² to `before_lanes` and (`after` − `before`)² (the difference taken in T)
/// to `change_lanes`, element i into lane i mod 8, both squares in f64: what
/// `kernels::add_squares` of each would add.
pub fn add_step_squares<T: Float>(
    before_lanes: &mut [f64; 8],
    change_lanes: &mut [f64; 8],
    before: &[T],
    after: &[T],
) {
    #[cfg(target_arch = "x86_64")]
    if let (Some(before), Some(after)) = (T::as_f32s(before), T::as_f32s(after))
        && std::arch::is_x86_feature_detected!("avx2")
    {
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe { avx2::add_step_squares(before_lanes, change_lanes, before, after) };
        return;
    }
    portable_step_squares(before_lanes, change_lanes, before, after);
}

fn portable_step_squares<T: Float>(
    before_lanes: &mut [f64; 8],
    change_lanes: &mut [f64; 8],
    before: &[T],
    after: &[T],
) {
    for (i, (&b, &a)) in before.iter().zip(after).enumerate() {
        let (old, change) = (b.to_f64(), (a - b).to_f64());
        before_lanes[i % 8] += old * old;
        change_lanes[i % 8] += change * change;
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{MomentLanes, Moments, Saturation, portable_step_squares};

    /// [`super::add_step_squares`] of f32 values, eight at a time.
    #[target_feature(enable = "avx2")]
    pub(super) fn add_step_squares(
        before_lanes: &mut [f64; 8],
        change_lanes: &mut [f64; 8],
        before: &[f32],
        after: &[f32],
    ) {
        let len = before.len().min(after.len());
        let whole = len / 8 * 8;
        // SAFETY: the loads read eight f32 at offsets below `whole` ≤ both lengths; the
        // loads and stores of lanes read and write arrays of eight f64 at offsets 0 and 4.
        unsafe {
            let mut old_low = _mm256_loadu_pd(before_lanes.as_ptr());
            let mut old_high = _mm256_loadu_pd(before_lanes.as_ptr().add(4));
            let mut change_low = _mm256_loadu_pd(change_lanes.as_ptr());
            let mut change_high = _mm256_loadu_pd(change_lanes.as_ptr().add(4));
            for start in (0..whole).step_by(8) {
                let old = _mm256_loadu_ps(before.as_ptr().add(start));
                let change = _mm256_sub_ps(_mm256_loadu_ps(after.as_ptr().add(start)), old);
                let (low, high) = widen(old);
                old_low = _mm256_add_pd(old_low, _mm256_mul_pd(low, low));
                old_high = _mm256_add_pd(old_high, _mm256_mul_pd(high, high));
                let (low, high) = widen(change);
                change_low = _mm256_add_pd(change_low, _mm256_mul_pd(low, low));
                change_high = _mm256_add_pd(change_high, _mm256_mul_pd(high, high));
            }
            _mm256_storeu_pd(before_lanes.as_mut_ptr(), old_low);
            _mm256_storeu_pd(before_lanes.as_mut_ptr().add(4), old_high);
            _mm256_storeu_pd(change_lanes.as_mut_ptr(), change_low);
            _mm256_storeu_pd(change_lanes.as_mut_ptr().add(4), change_high);
        }
        // The remainder goes to lanes 0, 1, … as in the portable loop.
        portable_step_squares(
            before_lanes,
            change_lanes,
            &before[whole..len],
            &after[whole..len],
        );
    }

    /// The eight f32 lanes of `v` as two vectors of four f64 (lanes 0–3, 4–7).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn widen(v: __m256) -> (__m256d, __m256d) {
        (
            _mm256_cvtps_pd(_mm256_castps256_ps128(v)),
            _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(v)),
        )
    }

    /// [`portable_moments`] of f32 values, eight at a time: lanes 0–3 and 4–7 of the
    /// portable loop are the two halves of each 8-wide register.
    #[target_feature(enable = "avx2")]
    pub(super) fn moments(values: &[f32], saturation: Saturation<f32>) -> Moments {
        let chunks = values.chunks_exact(8);
        let rest = chunks.remainder();
        let (test, threshold) = match saturation {
            Saturation::None => (0, 0.0),
            Saturation::Tanh(t) => (1, t),
            Saturation::Sigmoid(t) => (2, t),
        };
        let mut lanes = MomentLanes::default();
        let mut hits = [0i32; 8];
        // SAFETY: every load reads eight f32 of a chunk of exactly eight; every store
        // writes into an array of eight lanes at offsets 0 and 4; the CPU has AVX2.
        unsafe {
            let (mut sum_low, mut sum_high) = (_mm256_setzero_pd(), _mm256_setzero_pd());
            let (mut square_low, mut square_high) = (_mm256_setzero_pd(), _mm256_setzero_pd());
            let mut counts = _mm256_setzero_si256();
            let one = _mm256_set1_ps(1.0);
            let limit = _mm256_set1_ps(threshold);
            let magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(i32::MAX));
            for chunk in chunks {
                let v = _mm256_loadu_ps(chunk.as_ptr());
                let (low, high) = widen(v);
                sum_low = _mm256_add_pd(sum_low, low);
                sum_high = _mm256_add_pd(sum_high, high);
                square_low = _mm256_add_pd(square_low, _mm256_mul_pd(low, low));
                square_high = _mm256_add_pd(square_high, _mm256_mul_pd(high, high));
                if test != 0 {
                    let derivative = if test == 1 {
                        _mm256_sub_ps(one, _mm256_mul_ps(v, v))
                    } else {
                        _mm256_mul_ps(v, _mm256_sub_ps(one, v))
                    };
                    // |f′| < threshold, false for NaN (ordered), as `<` in Rust; a true
                    // lane is all ones, −1 as an integer.
                    let below =
                        _mm256_cmp_ps::<_CMP_LT_OQ>(_mm256_and_ps(derivative, magnitude), limit);
                    counts = _mm256_sub_epi32(counts, _mm256_castps_si256(below));
                }
            }
            _mm256_storeu_pd(lanes.sums.as_mut_ptr(), sum_low);
            _mm256_storeu_pd(lanes.sums.as_mut_ptr().add(4), sum_high);
            _mm256_storeu_pd(lanes.squares.as_mut_ptr(), square_low);
            _mm256_storeu_pd(lanes.squares.as_mut_ptr().add(4), square_high);
            _mm256_storeu_si256(hits.as_mut_ptr().cast(), counts);
        }
        lanes.hits = hits.map(|h| h as usize);
        // The remainder goes to lanes 0, 1, … as in the portable loop.
        lanes.add(rest, saturation);
        lanes.total()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| match i % 97 {
                0 => 1.0,
                1 => -1.0,
                2 => 1e-30,
                3 => f32::MIN_POSITIVE / 8.0,
                _ => ((i as f32) * 0.61).sin() * 1.3,
            })
            .collect()
    }

    /// The kernel's bits are the portable loop's, for every saturation test and lengths
    /// with and without a remainder.
    #[test]
    fn kernel_has_the_portable_bits() {
        let threshold = f32::at_least(0.01);
        for len in [0usize, 3, 8, 61, 2048, 2053, 40_000] {
            let values = values(len);
            for saturation in [
                Saturation::None,
                Saturation::Tanh(threshold),
                Saturation::Sigmoid(f32::at_least(0.0025)),
            ] {
                let expected = portable_moments(&values, saturation);
                let got = piece_moments(&values, saturation);
                assert_eq!(got.sum.to_bits(), expected.sum.to_bits(), "{len}");
                assert_eq!(got.squares.to_bits(), expected.squares.to_bits(), "{len}");
                assert_eq!(got.saturated, expected.saturated, "{len} {saturation:?}");
            }
        }
    }

    /// The step's squares have the portable loop's bits, and that of `add_squares`.
    #[test]
    fn step_squares_have_the_portable_bits() {
        for len in [0usize, 5, 8, 256, 263] {
            let before = values(len);
            let after: Vec<f32> = before.iter().map(|v| v * 0.75 - 0.001).collect();
            let (mut b, mut c) = ([0.5f64; 8], [0.25f64; 8]);
            add_step_squares(&mut b, &mut c, &before, &after);
            let (mut plain_b, mut plain_c) = ([0.5f64; 8], [0.25f64; 8]);
            portable_step_squares(&mut plain_b, &mut plain_c, &before, &after);
            assert_eq!(b.map(f64::to_bits), plain_b.map(f64::to_bits), "{len}");
            assert_eq!(c.map(f64::to_bits), plain_c.map(f64::to_bits), "{len}");
            let mut squares = [0.5f64; 8];
            crate::nn::kernels::add_squares(&mut squares, &before);
            assert_eq!(b.map(f64::to_bits), squares.map(f64::to_bits), "{len}");
        }
    }

    /// The sums are the sums and the count is the count (f64 values: the portable loop).
    #[test]
    fn moments_are_sums_and_counts() {
        let values = [0.5f64, -0.999, 0.2, 1.0, 0.0];
        let m = piece_moments(&values, Saturation::Tanh(0.01));
        assert!((m.sum - 0.701).abs() < 1e-15);
        assert!((m.squares - (0.25 + 0.998001 + 0.04 + 1.0)).abs() < 1e-15);
        // |1 − a²| < 0.01 for a = 1 and a = −0.999 (1 − 0.998001 = 0.001999).
        assert_eq!(m.saturated, 2);
        let nan = piece_moments(&[f32::NAN, 0.0], Saturation::Sigmoid(0.01));
        assert!(nan.sum.is_nan());
        assert_eq!(nan.saturated, 1, "NaN is not saturated, 0 is");
    }
}
