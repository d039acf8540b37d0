//! Queries the figures need beyond `Results`' own: per-seed quantiles (median and
//! interquartile range) taken in the space the axis draws in, and step picking.
//!
//! A seed whose value is NaN or ±Inf has diverged; it counts as +Inf (it blew up), so the
//! median stays honest: when half the seeds have diverged, the median is off the scale too
//! and the line stops instead of following the survivors.

use super::index::Indexed;
use crate::nn::Metric;

/// The median and quartiles over seeds of one metric at one key (a step or a layer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SeedSummary {
    pub x: f64,
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
}

/// The key a row is grouped by.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Along {
    /// One layer (or the whole network with `None`) over steps.
    Steps { layer: Option<u32> },
    /// Every layer at one step.
    Layers { step: u64 },
}

/// Median and quartiles over seeds of `metric` in `run`, in key order. With `log`, the
/// quantiles are taken over log10 of the values (zero and negatives are −∞ there).
pub(crate) fn summaries(
    index: &Indexed,
    run: &str,
    metric: Metric,
    along: Along,
    log: bool,
) -> Vec<SeedSummary> {
    let mut keyed: Vec<(u64, f64)> = index
        .rows(run, metric, along)
        .iter()
        .filter_map(|r| match along {
            Along::Steps { layer } if r.layer == layer => Some((r.step, r.value)),
            Along::Layers { step } if r.step == step => r.layer.map(|l| (u64::from(l), r.value)),
            _ => None,
        })
        .map(|(key, value)| {
            let value = if value.is_nan() { f64::INFINITY } else { value };
            let value = match (log, value > 0.0) {
                (false, _) => value,
                (true, true) => value.log10(),
                (true, false) => f64::NEG_INFINITY,
            };
            (key, value)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let back = |v: f64| if log { 10f64.powf(v) } else { v };
    keyed
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| {
            let sorted: Vec<f64> = group.iter().map(|p| p.1).collect();
            SeedSummary {
                x: group[0].0 as f64,
                median: back(sorted_quantile(&sorted, 0.5)),
                q1: back(sorted_quantile(&sorted, 0.25)),
                q3: back(sorted_quantile(&sorted, 0.75)),
            }
        })
        .collect()
}

/// Linear-interpolated quantile of ascending values that may include ±∞ (an infinite
/// neighbour wins instead of producing NaN).
fn sorted_quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    let (a, b) = (sorted[low], sorted[high]);
    let fraction = position - low as f64;
    if fraction == 0.0 || a == b || a.is_infinite() {
        a
    } else if b.is_infinite() {
        b
    } else {
        a + (b - a) * fraction
    }
}

/// How many seeds recorded `metric` in `run`.
pub(crate) fn seed_count(index: &Indexed, run: &str, metric: Metric) -> usize {
    let mut seeds: Vec<u64> = index.all_rows(run, metric).map(|r| r.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    seeds.len()
}

/// The recorded step closest to `wanted` (the earlier one on a tie).
pub(crate) fn nearest_step(steps: &[u64], wanted: u64) -> Option<u64> {
    steps
        .iter()
        .copied()
        .min_by_key(|s| (s.abs_diff(wanted), *s))
}

/// The steps a by-layer figure shows: those asked for (snapped to recorded steps), else the
/// first and the last step at which every layer's median is finite.
pub(crate) fn shown_steps(
    index: &Indexed,
    run: &str,
    metric: Metric,
    asked: Option<&[u64]>,
) -> Vec<u64> {
    let steps = index.steps(run, metric);
    let mut shown: Vec<u64> = match asked {
        Some(asked) => asked
            .iter()
            .filter_map(|s| nearest_step(&steps, *s))
            .collect(),
        None => {
            let finite = |step: &u64| {
                summaries(index, run, metric, Along::Layers { step: *step }, false)
                    .iter()
                    .all(|s| s.median.is_finite())
            };
            let first = steps.first().copied();
            let last = steps.iter().rev().find(|s| finite(s)).copied();
            first.into_iter().chain(last).collect()
        }
    };
    shown.dedup();
    shown
}

/// Drawable points of the median: `(x, median)`.
pub(crate) fn medians(summaries: &[SeedSummary]) -> Vec<(f64, f64)> {
    summaries.iter().map(|s| (s.x, s.median)).collect()
}

/// The last finite median at or before `step` (where a divergence marker goes).
pub(crate) fn last_finite_before(summaries: &[SeedSummary], step: u64) -> Option<f64> {
    summaries
        .iter()
        .filter(|s| s.x <= step as f64 && s.median.is_finite())
        .map(|s| s.median)
        .next_back()
}

/// (min, max) of the finite values, NaN for none (axes then fall back to a default range).
pub(crate) fn bounds(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::NAN, f64::NAN), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::results::{Measurement, Results};

    const M: Metric = Metric::GradNorm;

    fn rows(values: &[(u64, f64)]) -> Results {
        let mut results = Results::default();
        for &(seed, value) in values {
            let measurement = Measurement {
                step: 3,
                layer: Some(1),
                metric: M,
                value,
            };
            results.record("r", seed, measurement);
        }
        results
    }

    #[test]
    fn quartiles_over_seeds_in_log_space() {
        let results = rows(&[(1, 1.0), (2, 10.0), (3, 100.0)]);
        let index = Indexed::new(&results, &[M]);
        let s = summaries(&index, "r", M, Along::Layers { step: 3 }, true)[0];
        assert!((s.median - 10.0).abs() < 1e-9);
        assert!((s.q1 - 10f64.sqrt()).abs() < 1e-9);
        assert_eq!(seed_count(&index, "r", M), 3);
    }

    #[test]
    fn diverged_seeds_count_as_infinite() {
        let results = rows(&[(1, 1.0), (2, f64::NAN), (3, f64::NAN)]);
        let index = Indexed::new(&results, &[M]);
        let s = summaries(&index, "r", M, Along::Steps { layer: Some(1) }, false)[0];
        assert_eq!(s.median, f64::INFINITY);
        assert_eq!(s.q1, 0.5 * f64::INFINITY);
        assert!(!s.q1.is_nan());
    }

    #[test]
    fn steps_snap_to_recorded_ones() {
        assert_eq!(nearest_step(&[0, 10, 20], 14), Some(10));
        assert_eq!(nearest_step(&[0, 10, 20], 15), Some(10));
        assert_eq!(nearest_step(&[], 15), None);
    }
}
