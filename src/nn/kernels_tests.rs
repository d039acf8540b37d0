//! Tests of `kernels.rs`: products bit-identical across thread counts and when nested in a parallel map, and the wide-vector sums bit-identical to the portable loop they stand for.

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

fn bits(x: &Array2<f32>) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn product_in_pool(threads: usize, a: ArrayView2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut c = Array2::from_elem((a.nrows(), b.ncols()), f32::NAN);
    pool.install(|| matmul(a, b, c.view_mut()));
    c
}

/// The product has the same bits on 1, 2, 3 or 4 threads, for odd shapes and for
/// transposed (strided) operands, as the layers use them; and it is the product.
#[test]
fn products_are_bit_identical_across_thread_counts() {
    for &(m, k, n) in &[
        (512, 300, 257),
        (97, 64, 33),
        (256, 1024, 10),
        (1024, 512, 64),
        (513, 1025, 1023),
        (64, 32, 2),
        (7, 3, 5),
    ] {
        let a = pseudo_random(m, k, 1);
        let b = pseudo_random(k, n, 2);
        let at = pseudo_random(k, m, 3);
        let bt = pseudo_random(n, k, 4);
        let mut reference = Array2::<f64>::zeros((m, n));
        general_mat_mul(
            1.0,
            &a.mapv(f64::from),
            &b.mapv(f64::from),
            0.0,
            &mut reference,
        );
        let one = product_in_pool(1, a.view(), b.view());
        let error = one
            .iter()
            .zip(&reference)
            .map(|(&x, &y)| (f64::from(x) - y).abs())
            .fold(0.0, f64::max);
        assert!(error < 1e-4 * (k as f64).sqrt(), "{m}×{k}×{n}: {error}");
        for (lhs, rhs) in [(a.view(), bt.t()), (at.t(), b.view()), (at.t(), bt.t())] {
            let single = product_in_pool(1, lhs, rhs);
            for threads in [2, 3, 4] {
                let multi = product_in_pool(threads, lhs, rhs);
                assert_eq!(bits(&single), bits(&multi), "{m}×{k}×{n} on {threads}");
            }
        }
        for threads in [2, 3, 4] {
            let multi = product_in_pool(threads, a.view(), b.view());
            assert_eq!(bits(&one), bits(&multi), "{m}×{k}×{n} on {threads}");
        }
    }
}

/// Products nested in a parallel map (the experiment runner) neither deadlock nor
/// change bits.
#[test]
fn nested_products_are_bit_identical() {
    use rayon::prelude::*;
    let a = pseudo_random(512, 784, 5);
    let b = pseudo_random(784, 1024, 6);
    let alone = product_in_pool(1, a.view(), b.view());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let all: Vec<Array2<f32>> = pool.install(|| {
        (0..6)
            .into_par_iter()
            .map(|_| {
                let mut c = Array2::zeros((512, 1024));
                matmul(a.view(), b.view(), c.view_mut());
                c
            })
            .collect()
    });
    for c in &all {
        assert_eq!(bits(&alone), bits(c));
    }
}

/// The sums, compiled for wide vectors where the CPU has them, have the bits of the
/// portable loop they stand for: element i into lane i mod 8, the lanes added in the
/// fixed tree, pieces of `CHUNK` added in order.
#[test]
fn wide_vector_sums_have_the_portable_bits() {
    fn reference(values: &[f32], f: impl Fn(f64) -> f64) -> f64 {
        let mut total = 0.0;
        for piece in values.chunks(CHUNK) {
            let mut lanes = [0.0f64; 8];
            for (i, &v) in piece.iter().enumerate() {
                lanes[i % 8] += f(f64::from(v));
            }
            total += combine_lanes(lanes);
        }
        total
    }
    for len in [0, 1, 7, 8, 33, 2048, 2051, CHUNK, 2 * CHUNK + 13] {
        let values: Vec<f32> = pseudo_random(1, len, len as u64 + 7)
            .into_raw_vec_and_offset()
            .0;
        let square = |v: f64| v * v;
        assert_eq!(
            sum_squares(&values).to_bits(),
            reference(&values, square).to_bits()
        );
        assert_eq!(
            sum_map(&values, |v| v).to_bits(),
            reference(&values, |v| v).to_bits(),
            "{len}"
        );
        let shifted = |v: f64| (v - 0.1) * (v - 0.1);
        assert_eq!(
            sum_map(&values, shifted).to_bits(),
            reference(&values, shifted).to_bits()
        );
    }
}

#[test]
fn lane_sums_match_plain_sums() {
    let values: Vec<f32> = (0..1003).map(|i| (i as f32 * 0.37).sin()).collect();
    let plain: f64 = values.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    assert!((sum_squares(&values) - plain).abs() < 1e-12 * plain);
    assert_eq!(sum_squares::<f32>(&[]), 0.0);
    let huge = [3e200, 4e200];
    assert!((norm_from_squares(sum_squares(&huge), &huge) / 5e200 - 1.0).abs() < 1e-15);
    assert_eq!(norm_from_squares(0.0, &[0.0f32; 3]), 0.0);
}
