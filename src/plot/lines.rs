//! Building blocks shared by the line figures: a run's median line with its interquartile band,
//! ✕ markers where the median diverged, reference curves, and a y axis fitted to all of them.

use super::axis::{self, Axis, LinearOptions};
use super::data::{self, SeedSummary};
use super::frame::{Band, Series};
use super::legend::LegendEntry;
use super::shapes::Marker;
use super::theory::Reference;

/// Reference curves are dashed in the text colour, unlike any run.
pub(crate) const REFERENCE_COLOR: &str = "currentColor";
const REFERENCE_DASH: &str = "5 3";

/// The median as a line, with ✕ pinned to the top of the axis wherever it is infinite or NaN
/// (a diverged value is clipped to the axis and marked, never written as a coordinate).
pub(crate) fn median_series(
    color: &'static str,
    dash: Option<&'static str>,
    point_marker: Marker,
    summaries: &[SeedSummary],
) -> Vec<Series> {
    let mut out = vec![Series {
        point_marker,
        ..Series::line(color, dash, data::medians(summaries))
    }];
    for s in summaries.iter().filter(|s| !s.median.is_finite()) {
        out.push(Series::marker(color, Marker::Cross, (s.x, f64::MAX)));
    }
    out
}

/// The interquartile band, or nothing with fewer than two seeds.
pub(crate) fn band(color: &'static str, summaries: &[SeedSummary], seeds: usize) -> Vec<Band> {
    if seeds < 2 {
        return Vec::new();
    }
    vec![Band {
        color,
        points: summaries.iter().map(|s| (s.x, s.q1, s.q3)).collect(),
    }]
}

/// A reference curve as a dashed series and its legend entry.
pub(crate) fn reference(curve: &Reference, group: usize) -> (Series, LegendEntry) {
    let series = Series::line(REFERENCE_COLOR, Some(REFERENCE_DASH), curve.points.clone());
    let entry = LegendEntry {
        label: curve.label.clone(),
        color: REFERENCE_COLOR,
        dash: Some(REFERENCE_DASH),
        marker: Marker::None,
        group,
    };
    (series, entry)
}

/// A y axis over the finite values of `series` (bands included), log or linear. Reference
/// curves (`extra`) widen it by at most two decades (log) or half the data span (linear), so
/// a steep theory cannot squash the data into a sliver.
pub(crate) fn y_axis(
    description: &str,
    log: bool,
    series: &[Series],
    bands: &[Band],
    extra: &[Series],
) -> Axis {
    let finite = |v: &f64| v.is_finite() && (!log || *v > 0.0) && v.abs() < f64::MAX;
    let mut values: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(
            bands
                .iter()
                .flat_map(|b| b.points.iter().flat_map(|p| [p.1, p.2])),
        )
        .filter(finite)
        .collect();
    let (lo, hi) = data::bounds(values.iter().copied());
    let reach = |v: f64| {
        if lo.is_nan() {
            return true;
        }
        if log {
            v >= lo / 100.0 && v <= hi * 100.0
        } else {
            let half = (hi - lo) / 2.0;
            v >= lo - half && v <= hi + half
        }
    };
    values.extend(
        extra
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .filter(|v| finite(v) && reach(*v)),
    );
    if log {
        axis::log10(description, values)
    } else {
        let (lo, hi) = data::bounds(values);
        let options = LinearOptions {
            intervals: 6.0,
            integer: false,
            floor_at_zero: true,
        };
        axis::linear(description, lo, hi, options)
    }
}
