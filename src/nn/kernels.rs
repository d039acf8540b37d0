//! The engine's hot loops, written for speed but computing exactly what the plain versions
//! would (up to the association of f64 sums, see [`sum_squares`]), and giving the same bits
//! whatever the thread count.
//!
//! - [`matmul`]: C = A·B through ndarray (matrixmultiply), split over row blocks of C with
//!   rayon when the product is large. Each element of C is computed by the same kernel with
//!   the same sequence of operations whichever block it lands in (matrixmultiply blocks
//!   only over k, sequentially, and m/n blocks do not touch an element's arithmetic), so the
//!   split changes the speed only: the bits are those of one unsplit call. The rayon pool
//!   is the ambient one, so a run already inside a parallel map over runs (the experiment
//!   runner) shares its threads instead of oversubscribing the cores.
//! - [`sum_squares`], [`sum_map`]: f64 sums in eight fixed lanes (vectorizable; the lanes
//!   and their order do not depend on anything but the length).

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, Axis};

use super::Float;

/// Products with fewer multiply-adds than this run on one thread.
const PARALLEL_MIN_WORK: usize = 1 << 21;
/// Rows per block at least (a multiple of the f32/f64 kernels' row counts).
const PARALLEL_MIN_ROWS: usize = 32;

/// C = A·B (C's previous contents are ignored).
pub fn matmul<T: Float>(a: ArrayView2<T>, b: ArrayView2<T>, c: ArrayViewMut2<T>) {
    let threads = rayon::current_num_threads();
    let (m, k) = a.dim();
    let n = b.ncols();
    if threads <= 1 || m * k * n < PARALLEL_MIN_WORK || m < 2 * PARALLEL_MIN_ROWS {
        let mut c = c;
        general_mat_mul(T::one(), &a, &b, T::zero(), &mut c);
        return;
    }
    let blocks = threads.min(m / PARALLEL_MIN_ROWS).max(1);
    split_rows(a, b, c, blocks);
}

/// Splits the rows of A and C into `blocks` near-equal runs (multiples of 16 rows apart
/// from the last), computed in parallel.
fn split_rows<T: Float>(
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    mut c: ArrayViewMut2<T>,
    blocks: usize,
) {
    if blocks <= 1 {
        general_mat_mul(T::one(), &a, &b, T::zero(), &mut c);
        return;
    }
    let m = a.nrows();
    let left_blocks = blocks / 2;
    let split = (m * left_blocks / blocks).div_ceil(16) * 16;
    let split = split.clamp(1, m - 1);
    let (a_top, a_bottom) = a.split_at(Axis(0), split);
    let (c_top, c_bottom) = c.view_mut().split_at(Axis(0), split);
    rayon::join(
        || split_rows(a_top, b, c_top, left_blocks),
        || split_rows(a_bottom, b, c_bottom, blocks - left_blocks),
    );
}

/// Σ v² accumulated in f64 (exact squares for f32), in eight lanes.
pub fn sum_squares<T: Float>(values: &[T]) -> f64 {
    sum_map(values, |v| v * v)
}

/// Σ f(v) in f64, in eight lanes summed at the end in a fixed order.
#[inline]
pub fn sum_map<T: Float>(values: &[T], f: impl Fn(f64) -> f64) -> f64 {
    let mut lanes = [0.0f64; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += f(v.to_f64());
        }
    }
    for (lane, &v) in lanes.iter_mut().zip(rest) {
        *lane += f(v.to_f64());
    }
    ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6]))
        + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]))
}

/// Σ ((a − b) as f64)² over two equally long slices, the difference taken in T.
pub fn sum_squared_differences<T: Float>(after: &[T], before: &[T]) -> f64 {
    assert_eq!(after.len(), before.len());
    let mut lanes = [0.0f64; 8];
    let mut chunks_a = after.chunks_exact(8);
    let mut chunks_b = before.chunks_exact(8);
    for (ca, cb) in (&mut chunks_a).zip(&mut chunks_b) {
        for ((lane, &x), &y) in lanes.iter_mut().zip(ca).zip(cb) {
            let d = (x - y).to_f64();
            *lane += d * d;
        }
    }
    for ((lane, &x), &y) in lanes
        .iter_mut()
        .zip(chunks_a.remainder())
        .zip(chunks_b.remainder())
    {
        let d = (x - y).to_f64();
        *lane += d * d;
    }
    ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6]))
        + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]))
}

/// √(Σ v²) from a sum of squares computed in one pass, falling back to the scaled
/// (overflow-proof) two-pass norm when the sum overflowed or underflowed.
pub fn norm_from_squares<T: Float>(squares: f64, values: &[T]) -> f64 {
    if squares.is_finite() && squares > 1e-280 {
        squares.sqrt()
    } else if squares == 0.0 && values.iter().all(|v| *v == T::zero()) {
        0.0
    } else {
        super::probes::norm(values.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn pseudo_random(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
        let mut state = seed;
        Array2::from_shape_simple_fn((rows, cols), || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
    }

    /// The split product is bit for bit the single call, for every block count and for
    /// transposed (strided) operands, as the layers use them.
    #[test]
    fn split_products_are_bit_identical() {
        for &(m, k, n) in &[
            (512, 300, 257),
            (97, 64, 33),
            (256, 1024, 10),
            (1024, 512, 64),
        ] {
            let a = pseudo_random(m, k, 1);
            let b = pseudo_random(k, n, 2);
            let mut whole = Array2::zeros((m, n));
            general_mat_mul(1.0, &a, &b, 0.0, &mut whole);
            for blocks in [2, 3, 4, 7] {
                let mut split = Array2::from_elem((m, n), f32::NAN);
                split_rows(a.view(), b.view(), split.view_mut(), blocks);
                assert!(
                    whole
                        .iter()
                        .zip(&split)
                        .all(|(x, y)| x.to_bits() == y.to_bits()),
                    "{m}×{k}×{n} in {blocks} blocks"
                );
            }
            // aᵀ·δ, as in the weight gradient: a strided left operand.
            let at = pseudo_random(k, m, 3);
            let mut whole = Array2::zeros((m, n));
            general_mat_mul(1.0, &at.t(), &b, 0.0, &mut whole);
            let mut split = Array2::zeros((m, n));
            split_rows(at.t(), b.view(), split.view_mut(), 2);
            assert!(
                whole
                    .iter()
                    .zip(&split)
                    .all(|(x, y)| x.to_bits() == y.to_bits())
            );
        }
    }

    #[test]
    fn lane_sums_match_plain_sums() {
        let values: Vec<f32> = (0..1003).map(|i| (i as f32 * 0.37).sin()).collect();
        let plain: f64 = values.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        assert!((sum_squares(&values) - plain).abs() < 1e-12 * plain);
        assert_eq!(sum_squares::<f32>(&[]), 0.0);
        let before: Vec<f32> = values.iter().map(|v| v * 0.5).collect();
        let direct: f64 = values
            .iter()
            .zip(&before)
            .map(|(&a, &b)| f64::from(a - b).powi(2))
            .sum();
        assert!((sum_squared_differences(&values, &before) - direct).abs() < 1e-12 * direct);
        let huge = [3e200, 4e200];
        assert!((norm_from_squares(sum_squares(&huge), &huge) / 5e200 - 1.0).abs() < 1e-15);
        assert_eq!(norm_from_squares(0.0, &[0.0f32; 3]), 0.0);
    }
}
