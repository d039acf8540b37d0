//! Axis ranges, tick positions and tick labels. A log axis is handled as a linear axis over
//! log10(value), with ticks chosen here rather than by plotters (whose log ticks vanish on
//! spans under a decade).

/// How data values map onto an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    Linear,
    /// Plotted position is log10(value); zero and negative values sit on the axis bottom.
    Log10,
}

/// One axis, in plotted units (log10 of the value on a log axis).
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    pub description: String,
    pub scale: Scale,
    pub lo: f64,
    pub hi: f64,
    /// Labelled ticks (with grid lines).
    pub ticks: Vec<f64>,
    /// Unlabelled, fainter grid lines.
    pub minor: Vec<f64>,
    /// Decimals on linear labels.
    decimals: usize,
    /// On a log axis: label every tick as a power of ten (ticks are whole decades).
    decade_labels: bool,
}

impl Axis {
    /// Where a data value goes on this axis, or `None` if it cannot be drawn (NaN/Inf).
    /// On a log axis zero and negatives are clipped to the bottom of the axis.
    pub(crate) fn position(&self, value: f64) -> Option<f64> {
        if !value.is_finite() {
            return None;
        }
        match self.scale {
            // Far-off values are pulled in to 1000 axis lengths away: the visible part of a
            // line to them is unchanged to within 0.1 % of a step, and clipping arithmetic
            // stays finite (±f64::MAX would overflow it).
            Scale::Linear => {
                let reach = 1e3 * (self.hi - self.lo);
                Some(value.clamp(self.lo - reach, self.hi + reach))
            }
            Scale::Log10 if value <= 0.0 => Some(self.lo),
            Scale::Log10 => Some(value.log10()),
        }
    }

    /// Text for a tick at plotted position `tick`.
    pub(crate) fn label(&self, tick: f64) -> String {
        match self.scale {
            Scale::Linear => fixed(tick, self.decimals),
            Scale::Log10 if self.decade_labels => power_of_ten(tick.round() as i32),
            Scale::Log10 => log_value_label(tick),
        }
    }
}

/// How a linear axis is laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinearOptions {
    /// About how many tick intervals to aim for.
    pub intervals: f64,
    /// Only whole-number ticks (training steps).
    pub integer: bool,
    /// Keep padding from dipping below zero for non-negative data.
    pub floor_at_zero: bool,
}

/// A linear axis covering `[min, max]` plus 5 % padding.
pub(crate) fn linear(description: &str, min: f64, max: f64, options: LinearOptions) -> Axis {
    let LinearOptions {
        intervals,
        integer,
        floor_at_zero,
    } = options;
    // Beyond ±1e300 the span itself would overflow to infinity.
    let (min, max) = (min.max(-1e300), max.min(1e300));
    let (mut lo, mut hi) = if min.is_finite() && max.is_finite() && min <= max {
        (min, max)
    } else {
        (0.0, 1.0)
    };
    if hi - lo < 1e-12 * lo.abs().max(1.0) {
        let half = if integer {
            1.0
        } else {
            lo.abs().max(1.0) * 0.1
        };
        lo -= half;
        hi += half;
    }
    let pad = (hi - lo) * 0.05;
    let lo_padded = lo - pad;
    lo = if floor_at_zero && lo >= 0.0 && lo_padded < 0.0 {
        0.0
    } else {
        lo_padded
    };
    hi += pad;
    let (step, decimals) = nice_step(hi - lo, intervals, integer);
    Axis {
        description: description.to_string(),
        scale: Scale::Linear,
        lo,
        hi,
        ticks: multiples_within(step, lo, hi),
        minor: Vec::new(),
        decimals,
        decade_labels: false,
    }
}

/// An axis of layer numbers `1..=layers`, every layer labelled when there are few.
pub(crate) fn layers(description: &str, layers: u32) -> Axis {
    let layers = layers.max(1);
    let (step, _) = nice_step(f64::from(layers), 12.0, true);
    // Layer 1 is always labelled; with a stride of 2 count 1, 3, 5, … so it does not crowd
    // the next label, with wider strides use round numbers 5, 10, ….
    let ticks = if step <= 2.0 {
        multiples_within(step, 0.0, f64::from(layers - 1))
            .into_iter()
            .map(|t| t + 1.0)
            .collect()
    } else {
        let mut ticks = vec![1.0];
        ticks.extend(multiples_within(step, step, f64::from(layers)));
        ticks
    };
    Axis {
        description: description.to_string(),
        scale: Scale::Linear,
        lo: 0.6,
        hi: f64::from(layers) + 0.4,
        ticks,
        minor: Vec::new(),
        decimals: 0,
        decade_labels: false,
    }
}

/// A log axis covering the positive finite `values`, padded by 5 % of the span in log space
/// and never narrower than one decade (so a constant series still gets ticks and labels).
pub(crate) fn log10(description: &str, values: impl IntoIterator<Item = f64>) -> Axis {
    let logs: Vec<f64> = values
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(f64::log10)
        .collect();
    let (mut lo, mut hi) = match (
        logs.iter().copied().reduce(f64::min),
        logs.iter().copied().reduce(f64::max),
    ) {
        (Some(lo), Some(hi)) => (lo, hi),
        _ => (-1.0, 0.0),
    };
    let pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
    if hi - lo < 1.0 {
        let centre = (lo + hi) / 2.0;
        lo = centre - 0.5;
        hi = centre + 0.5;
    }
    let first_decade = lo.ceil() as i32;
    let last_decade = hi.floor() as i32;
    let decades = (last_decade - first_decade + 1).max(0);
    let (ticks, minor, decade_labels) = if decades >= 2 {
        let stride = (decades + 6) / 7;
        let on_stride = |d: &i32| d.rem_euclid(stride) == 0;
        let ticks = (first_decade..=last_decade)
            .filter(on_stride)
            .map(f64::from)
            .collect();
        let minor = if stride > 1 {
            (first_decade..=last_decade)
                .filter(|d| !on_stride(d))
                .map(f64::from)
                .collect()
        } else if decades <= 4 {
            mantissa_points(lo, hi, &[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
        } else {
            Vec::new()
        };
        (ticks, minor, true)
    } else {
        let ticks = mantissa_points(lo, hi, &[1.0, 2.0, 5.0]);
        let minor = mantissa_points(lo, hi, &[3.0, 4.0, 6.0, 7.0, 8.0, 9.0]);
        (ticks, minor, false)
    };
    Axis {
        description: description.to_string(),
        scale: Scale::Log10,
        lo,
        hi,
        ticks,
        minor,
        decimals: 0,
        decade_labels,
    }
}

/// log10 of every `m × 10^d` (m from `mantissas`) inside `[lo, hi]`, ascending.
fn mantissa_points(lo: f64, hi: f64, mantissas: &[f64]) -> Vec<f64> {
    let mut points = Vec::new();
    for decade in (lo.floor() as i32)..=(hi.ceil() as i32) {
        for m in mantissas {
            let position = f64::from(decade) + m.log10();
            if position >= lo - 1e-9 && position <= hi + 1e-9 {
                points.push(position);
            }
        }
    }
    points
}

/// A 1-2-5 step giving about `target` intervals over `span`, and the decimals it needs.
fn nice_step(span: f64, target: f64, integer: bool) -> (f64, usize) {
    let raw = (span / target).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let step = if integer { step.max(1.0).round() } else { step };
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    (step, decimals)
}

/// `k × step` for every integer k with the product inside `[lo, hi]`.
fn multiples_within(step: f64, lo: f64, hi: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        text.trim_start_matches('-').to_string()
    } else {
        text
    }
}

/// "10⁻³"-style label.
fn power_of_ten(exponent: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut out = String::from("10");
    if exponent < 0 {
        out.push('⁻');
    }
    for digit in exponent.unsigned_abs().to_string().bytes() {
        out.push(DIGITS[usize::from(digit - b'0')]);
    }
    out
}

/// Label for a 1-2-5 tick on a log axis: plain decimals for moderate values, else "2×10⁻⁵".
fn log_value_label(position: f64) -> String {
    let exponent = position.floor() as i32;
    let mantissa = 10f64.powf(position - f64::from(exponent)).round();
    if (-3..=3).contains(&exponent) {
        fixed(
            mantissa * 10f64.powi(exponent),
            exponent.min(0).unsigned_abs() as usize,
        )
    } else if mantissa == 1.0 {
        power_of_ten(exponent)
    } else {
        format!("{mantissa}×{}", power_of_ten(exponent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_log_range_gets_decade_ticks() {
        let axis = log10("y", [1e-6, 3e-2, 1.0]);
        assert!(axis.lo < -6.0 && axis.hi > 0.0);
        assert!(axis.ticks.contains(&-6.0) && axis.ticks.contains(&0.0));
        assert_eq!(axis.label(-3.0), "10⁻³");
        assert_eq!(axis.label(0.0), "10⁰");
    }

    #[test]
    fn constant_log_series_gets_a_decade_and_labels() {
        let axis = log10("y", [0.3, 0.3]);
        assert!((axis.hi - axis.lo - 1.0).abs() < 1e-9);
        assert!(axis.ticks.len() >= 2);
        let labels: Vec<String> = axis.ticks.iter().map(|t| axis.label(*t)).collect();
        assert!(
            labels.contains(&"0.2".to_string()) && labels.contains(&"0.5".to_string()),
            "{labels:?}"
        );
    }

    #[test]
    fn log_axis_without_positive_values_still_has_a_range() {
        let axis = log10("y", [0.0, -1.0, f64::NAN]);
        assert!(axis.lo.is_finite() && axis.hi > axis.lo);
        assert_eq!(axis.position(0.0), Some(axis.lo));
        assert_eq!(axis.position(f64::INFINITY), None);
    }

    #[test]
    fn linear_ticks_are_round_and_inside() {
        let steps = LinearOptions {
            intervals: 7.0,
            integer: true,
            floor_at_zero: true,
        };
        let axis = linear("x", 0.0, 299.0, steps);
        assert_eq!(axis.lo, 0.0);
        assert!(axis.ticks.iter().all(|t| *t >= axis.lo && *t <= axis.hi));
        assert_eq!(axis.label(axis.ticks[1]), "50");
        let values = LinearOptions {
            intervals: 8.0,
            integer: false,
            floor_at_zero: true,
        };
        let small = linear("y", 0.12, 0.9, values);
        assert_eq!(small.label(small.ticks[0]), "0.2");
    }

    #[test]
    fn layer_axis_labels_every_layer_when_few() {
        let axis = layers("layer", 11);
        assert_eq!(axis.ticks, (1..=11).map(f64::from).collect::<Vec<_>>());
        assert_eq!(
            layers("layer", 21).ticks,
            (0..=10).map(|k| f64::from(2 * k + 1)).collect::<Vec<_>>()
        );
        assert_eq!(
            layers("layer", 51).ticks,
            vec![
                1.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0
            ]
        );
    }
}
