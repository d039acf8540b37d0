//! The engine's hot loops, written for speed but computing exactly what the plain versions
//! would (up to the association of f64 sums, see [`sum_squares`]), and giving the same bits
//! whatever the thread count.
//!
//! - [`matmul`]: C = A·B through the `gemm` crate, which splits large products over blocks
//!   of C's rows and columns on the ambient rayon pool. Each element of C is computed by the
//!   same kernel with the same sequence of operations whichever block and thread it lands
//!   on (gemm blocks over k sequentially, with block sizes from the shape and the cache
//!   sizes only), so the thread count changes the speed only. The pool being the ambient
//!   one, a run already inside a parallel map over runs (the experiment runner) shares its
//!   threads instead of oversubscribing the cores.
//! - [`sum_squares`], [`sum_map`]: f64 sums in eight fixed lanes (vectorizable), long
//!   arrays in fixed pieces on the pool; how they are split and added depends on nothing
//!   but the length.
//! - [`count_where`]: a vectorized count (the saturation probe's, each activation giving
//!   its own test);
//! - [`with_wide_vectors`]: the sums and the statistics' loops compiled for AVX2 where the
//!   CPU has it, with the same bits as on the baseline.
//! - [`on_pool`]: runs a whole training loop on the pool with the other threads kept
//!   spinning for work, so that splitting a product between two cores pays.

#[cfg(test)]
use ndarray::linalg::general_mat_mul;
use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::{ArrayView2, ArrayViewMut2};
use rayon::prelude::*;

use super::Float;

/// C = A·B (C's previous contents are ignored), through the `gemm` crate.
///
/// gemm splits the work over blocks of C's rows and columns only; every element's sum over
/// k is accumulated by the same micro-kernel in the same k-blocks (whose size depends on the
/// shape and the cache sizes, never on the thread count), so the bits do not depend on how
/// many threads share the product. Its threads are the ambient rayon pool's: a run inside
/// the experiment runner's parallel map shares those threads instead of oversubscribing.
pub fn matmul<T: Float>(a: ArrayView2<T>, b: ArrayView2<T>, mut c: ArrayViewMut2<T>) {
    let (m, k) = a.dim();
    let n = b.ncols();
    assert_eq!(b.nrows(), k);
    assert_eq!(c.dim(), (m, n));
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.fill(T::zero());
        return;
    }
    let parallelism = if rayon::current_num_threads() > 1 {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    let (c_rs, c_cs) = (c.strides()[0], c.strides()[1]);
    // SAFETY: the pointers and strides describe the three views (m×k, k×n, m×n), which
    // ndarray guarantees valid; C is uniquely borrowed and does not alias A or B.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            c_cs,
            c_rs,
            false,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            T::zero(),
            T::one(),
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// Runs `work` on a thread of rayon's ambient pool, with the pool's other threads kept
/// awake to share its matrix products, and returns its result.
///
/// Why: a product of a few hundred rows takes ~0.1 ms per thread, and between two
/// products the serial parts of a step (activations, sums) take tens of µs, long enough
/// for an idle rayon thread to fall asleep; waking it costs ~70 µs on a virtual machine
/// (measured), which ate the whole gain of a second thread. So, like OpenMP's spin-wait,
/// the other threads spin for work ([`rayon::yield_now`]) until `work` is done. A caller
/// outside the pool would also be one thread too many on a busy core; inside the pool, it
/// is one of the pool's. Already on a pool thread (the experiment runner's parallel map
/// keeps every thread busy with runs), `work` simply runs here; with a pool of one it
/// moves onto that thread, with no helpers.
pub fn on_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    if on_a_pool_thread() {
        return work();
    }
    let done = AtomicBool::new(false);
    rayon::scope(|scope| {
        let owner = rayon::current_thread_index();
        for _ in 1..rayon::current_num_threads() {
            let done = &done;
            scope.spawn(move |_| help_until(done, owner));
        }
        let result = work();
        done.store(true, Ordering::Release);
        result
    })
}

/// Whether this thread is one of rayon's: only then do the engine's passes split over the
/// pool (from outside, every split would wait for a pool thread to wake).
pub fn on_a_pool_thread() -> bool {
    rayon::current_thread_index().is_some()
}

/// Runs the pool's pending jobs until `done`; returns at once on the owner's own thread
/// (which would otherwise wait on itself).
fn help_until(done: &AtomicBool, owner: Option<usize>) {
    if rayon::current_thread_index() == owner {
        return;
    }
    while !done.load(Ordering::Acquire) {
        if rayon::yield_now() != Some(rayon::Yield::Executed) {
            std::hint::spin_loop();
        }
    }
}

/// Runs `work` compiled for AVX2 when the CPU has it (chosen at run time; else the baseline
/// SSE2): the statistics' loops run 2–3× faster on its wider vectors (measured; AVX-512
/// was no faster). The same Rust code is compiled for both, with the same operations in the
/// same order (Rust never fuses a·b + c into an FMA on its own), so the bits do not depend
/// on which one runs. Only what is inlined into `work` (`#[inline(always)]`) benefits.
#[inline(always)]
pub fn with_wide_vectors<R>(work: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { on_avx2(work) };
    }
    work()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn on_avx2<R>(work: impl FnOnce() -> R) -> R {
    work()
}

/// Arrays longer than this many elements are split into pieces of this size for the pool's
/// threads (elementwise passes, and sums: each piece's sum, then the pieces' sums in
/// order). The split depends on the length only, never on the thread count.
pub const CHUNK: usize = 1 << 15;

/// Σ v² accumulated in f64 (exact squares for f32); see [`sum_map`].
pub fn sum_squares<T: Float>(values: &[T]) -> f64 {
    sum_map(values, |v| v * v)
}

/// Σ f(v) in f64: in eight lanes summed at the end in a fixed order; arrays longer than
/// [`CHUNK`] piece by piece on the pool, the pieces' sums added in order.
#[inline(always)]
pub fn sum_map<T: Float>(values: &[T], f: impl Fn(f64) -> f64 + Sync) -> f64 {
    if values.len() <= CHUNK {
        lane_sum(values, &f)
    } else {
        sum_pieces(values, &f)
    }
}

// Not inlined: the parallel branch inlined next to the short one made the compiler give up
// full-width vectors in the short one (measured).
#[inline(never)]
fn sum_pieces<T: Float>(values: &[T], f: &(impl Fn(f64) -> f64 + Sync)) -> f64 {
    let pieces = map_pieces(values.len(), CHUNK, |range| lane_sum(&values[range], f));
    pieces.iter().sum()
}

/// `measure` of each range of `piece` indices in 0..`len` (the last one shorter), in
/// order: on the pool's threads when called from the pool and there is more than one
/// piece, else here. The pieces depend on `len` and `piece` only.
pub fn map_pieces<R: Send>(
    len: usize,
    piece: usize,
    measure: impl Fn(std::ops::Range<usize>) -> R + Sync,
) -> Vec<R> {
    let piece = piece.max(1);
    let range = |index: usize| index * piece..((index + 1) * piece).min(len);
    let pieces = len.div_ceil(piece);
    if pieces > 1 && on_a_pool_thread() {
        (0..pieces)
            .into_par_iter()
            .map(|index| measure(range(index)))
            .collect()
    } else {
        (0..pieces).map(|index| measure(range(index))).collect()
    }
}

// Always inlined, so that `f` is inlined into the lane loop (which then vectorizes) even
// when called from the pool's closures.
#[inline(always)]
fn lane_sum<T: Float>(values: &[T], f: &impl Fn(f64) -> f64) -> f64 {
    with_wide_vectors(
        #[inline(always)]
        || {
            let mut lanes = [0.0f64; 8];
            add_map(&mut lanes, values, f);
            combine_lanes(lanes)
        },
    )
}

/// Adds f(v) of `values` to `lanes`, element i to lane i mod 8, in order.
#[inline(always)]
fn add_map<T: Float>(lanes: &mut [f64; 8], values: &[T], f: &impl Fn(f64) -> f64) {
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        // Whole arrays of eight, which the compiler turns into full-width vectors.
        let chunk: [T; 8] = chunk.try_into().expect("chunks of 8");
        for (lane, v) in lanes.iter_mut().zip(chunk.map(|v| f(v.to_f64()))) {
            *lane += v;
        }
    }
    for (lane, &v) in lanes.iter_mut().zip(rest) {
        *lane += f(v.to_f64());
    }
}

/// How many of `values` pass `test`: eight counting lanes over whole arrays of eight, so
/// that an inlined `test` vectorizes, compiled for wide vectors ([`with_wide_vectors`]).
#[inline(always)]
pub fn count_where<T: Float>(values: &[T], test: impl Fn(T) -> bool) -> usize {
    with_wide_vectors(
        #[inline(always)]
        || {
            let mut lanes = [0u32; 8];
            let chunks = values.chunks_exact(8);
            let rest = chunks.remainder();
            for chunk in chunks {
                let chunk: [T; 8] = chunk.try_into().expect("chunks of 8");
                for (lane, v) in lanes.iter_mut().zip(chunk) {
                    *lane += u32::from(test(v));
                }
            }
            let whole: usize = lanes.iter().map(|&n| n as usize).sum();
            whole + rest.iter().filter(|&&v| test(v)).count()
        },
    )
}

/// Adds the squares of `values` to `lanes` as [`sum_squares`] does: called on consecutive
/// stretches whose lengths are multiples of 8 (the last one excepted), it accumulates
/// exactly what one call on the whole would.
#[inline(always)]
pub fn add_squares<T: Float>(lanes: &mut [f64; 8], values: &[T]) {
    add_map(lanes, values, &|v| v * v);
}

/// The lanes' total, added in a fixed tree order.
#[inline]
pub fn combine_lanes(lanes: [f64; 8]) -> f64 {
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
#[path = "kernels_tests.rs"]
mod tests;
