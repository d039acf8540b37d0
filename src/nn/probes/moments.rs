//! The probes' loops that take two f64 sums in one pass, which the compiler does not
//! vectorize (measured: 2.0 elements per ns, against 10.8 for a hand-written kernel):
//! - [`piece_moments`]: Σ v and Σ v² of a layer's outputs (how many of them saturate is the
//!   activation's to count: `Activation::count_saturated`);
//! - [`add_step_squares`]: Σ before² and Σ (after − before)² of a parameter update.
//!
//! For f32 on CPUs with AVX2 they run as kernels written with `std::arch` intrinsics, which
//! give the portable loops' bits: both add element i into lane i mod 8, in order.

use crate::nn::Float;
use crate::nn::kernels::combine_lanes;

/// Σ v and Σ v² of some values.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub sum: f64,
    pub squares: f64,
}

impl Moments {
    /// The sums of two pieces, this one first.
    pub fn plus(self, other: Moments) -> Moments {
        Moments {
            sum: self.sum + other.sum,
            squares: self.squares + other.squares,
        }
    }
}

/// The [`Moments`] of `values` in one piece (callers split long arrays: see
/// `layer_stats::piece_len`).
pub fn piece_moments<T: Float>(values: &[T]) -> Moments {
    match T::as_f32s(values) {
        Some(values) => f32_moments(values),
        None => portable_moments(values),
    }
}

/// The definition: element i into lane i mod 8, in order; the lanes combined by
/// [`combine_lanes`].
fn portable_moments<T: Float>(values: &[T]) -> Moments {
    let mut lanes = MomentLanes::default();
    lanes.add(values);
    lanes.total()
}

/// The eight lanes of the sums in [`Moments`].
#[derive(Default)]
struct MomentLanes {
    sums: [f64; 8],
    squares: [f64; 8],
}

impl MomentLanes {
    /// Adds `values`, element i into lane i mod 8.
    fn add<T: Float>(&mut self, values: &[T]) {
        for (i, &v) in values.iter().enumerate() {
            let wide = v.to_f64();
            self.sums[i % 8] += wide;
            self.squares[i % 8] += wide * wide;
        }
    }

    fn total(&self) -> Moments {
        Moments {
            sum: combine_lanes(self.sums),
            squares: combine_lanes(self.squares),
        }
    }
}

fn f32_moments(values: &[f32]) -> Moments {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { avx2::moments(values) };
    }
    portable_moments(values)
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

    use super::{MomentLanes, Moments, portable_step_squares};

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
    pub(super) fn moments(values: &[f32]) -> Moments {
        let chunks = values.chunks_exact(8);
        let rest = chunks.remainder();
        let mut lanes = MomentLanes::default();
        // SAFETY: every load reads eight f32 of a chunk of exactly eight; every store
        // writes into an array of eight lanes at offsets 0 and 4; the CPU has AVX2.
        unsafe {
            let (mut sum_low, mut sum_high) = (_mm256_setzero_pd(), _mm256_setzero_pd());
            let (mut square_low, mut square_high) = (_mm256_setzero_pd(), _mm256_setzero_pd());
            for chunk in chunks {
                let (low, high) = widen(_mm256_loadu_ps(chunk.as_ptr()));
                sum_low = _mm256_add_pd(sum_low, low);
                sum_high = _mm256_add_pd(sum_high, high);
                square_low = _mm256_add_pd(square_low, _mm256_mul_pd(low, low));
                square_high = _mm256_add_pd(square_high, _mm256_mul_pd(high, high));
            }
            _mm256_storeu_pd(lanes.sums.as_mut_ptr(), sum_low);
            _mm256_storeu_pd(lanes.sums.as_mut_ptr().add(4), sum_high);
            _mm256_storeu_pd(lanes.squares.as_mut_ptr(), square_low);
            _mm256_storeu_pd(lanes.squares.as_mut_ptr().add(4), square_high);
        }
        // The remainder goes to lanes 0, 1, … as in the portable loop.
        lanes.add(rest);
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

    /// The kernel's bits are the portable loop's, for lengths with and without a
    /// remainder.
    #[test]
    fn kernel_has_the_portable_bits() {
        for len in [0usize, 3, 8, 61, 2048, 2053, 40_000] {
            let values = values(len);
            let expected = portable_moments(&values);
            let got = piece_moments(&values);
            assert_eq!(got.sum.to_bits(), expected.sum.to_bits(), "{len}");
            assert_eq!(got.squares.to_bits(), expected.squares.to_bits(), "{len}");
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

    /// The sums are the sums (f64 values: the portable loop).
    #[test]
    fn moments_are_sums() {
        let values = [0.5f64, -0.999, 0.2, 1.0, 0.0];
        let m = piece_moments(&values);
        assert!((m.sum - 0.701).abs() < 1e-15);
        assert!((m.squares - (0.25 + 0.998001 + 0.04 + 1.0)).abs() < 1e-15);
        assert!(piece_moments(&[f32::NAN, 0.0]).sum.is_nan());
    }
}
