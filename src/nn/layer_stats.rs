//! The per-layer statistics a recorded step takes past the norms: Σ_batch ‖δ‖ and the
//! activations' mean, std, saturated and dead fractions. Their loops run on wide vectors
//! where the CPU has them ([`with_wide_vectors`]) with the bits of the portable loops.

use super::Float;
use super::activation::Activation;
use super::kernels::{
    CHUNK, add_squares, combine_lanes, norm_from_squares, sum_map, with_wide_vectors,
};
use super::layer::{Layer, LayerCache};

/// Per layer: Σ_batch ‖δ_b‖ (δ = ∂L/∂z).
///
/// Rows are short (a layer's width): their sums of squares (as `kernels::sum_squares`
/// adds them) go to a buffer first and the square roots are taken after, so that rows do
/// not wait on each other's roots.
pub fn delta_norm<T: Float>(cache: &LayerCache<T>) -> f64 {
    let width = cache.delta.ncols().max(1);
    let delta = cache
        .delta
        .as_slice()
        .expect("the engine's arrays are contiguous");
    let mut squares = Vec::with_capacity(delta.len() / width);
    with_wide_vectors(
        #[inline(always)]
        || {
            for row in delta.chunks_exact(width) {
                let mut lanes = [0.0f64; 8];
                add_squares(&mut lanes, row);
                squares.push(combine_lanes(lanes));
            }
        },
    );
    let mut total = 0.0;
    for (&s, row) in squares.iter().zip(delta.chunks_exact(width)) {
        total += norm_from_squares(s, row);
    }
    total
}

/// (mean, std, saturated fraction, dead fraction) of a layer's output on this batch.
///
/// Mean, then variance about it (not the cancellation-prone Σv²/n − mean²) together with
/// saturation, counted from the outputs alone (tanh′ = 1 − a², σ′ = a(1 − a)); deadness
/// from the pre-activations, row by row. The loops are specialized per activation.
pub fn activation_stats<T: Float>(layer: &Layer<T>, cache: &LayerCache<T>) -> [f64; 4] {
    let out = cache
        .out
        .as_slice()
        .expect("the engine's arrays are contiguous");
    let count = out.len().max(1) as f64;
    let mean = sum_map(out, |v| v) / count;
    // The second pass takes the squared deviations and, for saturating activations, the
    // count of |f′| below 1% of its maximum, specialized per activation.
    let one = T::one();
    let threshold = T::at_least(0.01 * layer.activation.saturating_max_derivative().unwrap_or(0.0));
    let (squares, hits) = match layer.activation {
        Activation::Tanh => deviations_and_count(out, mean, |a| (one - a * a).abs() < threshold),
        Activation::Sigmoid => {
            deviations_and_count(out, mean, |a| (a * (one - a)).abs() < threshold)
        }
        _ => (sum_map(out, |v| (v - mean) * (v - mean)), 0),
    };
    let variance = squares / count;
    let saturated = hits as f64 / count;
    let dead = if layer.activation.can_die() {
        let u = layer.pre_activation(cache);
        let units = u.ncols().max(1);
        let values = u.as_slice().expect("the engine's arrays are contiguous");
        // alive[j] = some example has z > 0 (or NaN) in unit j, i.e. not all z ≤ 0; as u32
        // flags and one comparison (`!(z ≤ 0)` is also true for NaN), which vectorize.
        let mut alive = vec![0u32; units];
        with_wide_vectors(
            #[inline(always)]
            || {
                // The negation is the point: NaN counts as alive.
                #[allow(clippy::neg_cmp_op_on_partial_ord)]
                for row in values.chunks_exact(units) {
                    for (alive, &z) in alive.iter_mut().zip(row) {
                        *alive |= u32::from(!(z <= T::zero()));
                    }
                }
            },
        );
        alive.iter().filter(|&&a| a == 0).count() as f64 / units as f64
    } else {
        0.0
    };
    [mean, variance.sqrt(), saturated, dead]
}

/// Σ (v − mean)² exactly as [`sum_map`] adds it, and how many `values` satisfy `test`: in
/// one pass for arrays of one piece, else in two.
#[inline(always)]
fn deviations_and_count<T: Float>(
    values: &[T],
    mean: f64,
    test: impl Fn(T) -> bool,
) -> (f64, usize) {
    if values.len() > CHUNK {
        return deviations_and_count_in_pieces(values, mean, test);
    }
    with_wide_vectors(
        #[inline(always)]
        || deviations_and_count_here(values, mean, test),
    )
}

#[inline(always)]
fn deviations_and_count_here<T: Float>(
    values: &[T],
    mean: f64,
    test: impl Fn(T) -> bool,
) -> (f64, usize) {
    let mut lanes = [0.0f64; 8];
    let mut hits = [0u32; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        // Whole arrays of eight, which the compiler turns into full-width vectors.
        let chunk: [T; 8] = chunk.try_into().expect("chunks of 8");
        for i in 0..8 {
            hits[i] += u32::from(test(chunk[i]));
        }
        let wide = chunk.map(|v| v.to_f64());
        for i in 0..8 {
            let d = wide[i] - mean;
            lanes[i] += d * d;
        }
    }
    for ((lane, hit), &v) in lanes.iter_mut().zip(&mut hits).zip(rest) {
        let d = v.to_f64() - mean;
        *lane += d * d;
        *hit += u32::from(test(v));
    }
    (combine_lanes(lanes), hits.iter().map(|&h| h as usize).sum())
}

// Not inlined, for the reason given at `kernels::sum_pieces`.
#[inline(never)]
fn deviations_and_count_in_pieces<T: Float>(
    values: &[T],
    mean: f64,
    test: impl Fn(T) -> bool,
) -> (f64, usize) {
    let squares = sum_map(values, |v| (v - mean) * (v - mean));
    (squares, values.iter().map(|&v| usize::from(test(v))).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The squared deviations and the count, on wide vectors where the CPU has them, are
    /// what the portable loop gives (lane i mod 8, the fixed tree of `combine_lanes`).
    #[test]
    fn deviations_and_counts_have_the_portable_bits() {
        for len in [0usize, 5, 64, 2048, 2053, CHUNK + 9] {
            let values: Vec<f32> = (0..len).map(|i| ((i as f32) * 0.61).sin()).collect();
            let threshold = f32::at_least(0.01);
            let test = |a: f32| (1.0 - a * a).abs() < threshold;
            let mean = 0.03;
            let mut lanes = [0.0f64; 8];
            let mut total = 0.0;
            for piece in values.chunks(CHUNK) {
                lanes.fill(0.0);
                for (i, &v) in piece.iter().enumerate() {
                    let d = f64::from(v) - mean;
                    lanes[i % 8] += d * d;
                }
                total += combine_lanes(lanes);
            }
            let count = values.iter().filter(|&&v| test(v)).count();
            let (squares, hits) = deviations_and_count(&values, mean, test);
            assert_eq!((squares.to_bits(), hits), (total.to_bits(), count), "{len}");
        }
    }
}
