//! Figure: training loss against step, one line per run; a run that diverged ends in a ✕ at
//! its last finite value.

use super::axis::{self, LinearOptions};
use super::frame::{self, FigureSpec, Series};
use super::legend::LegendEntry;
use super::shapes::Marker;
use super::style;
use super::{list_runs, run_list_text};
use crate::experiment::results::Results;

const LOSS: &str = "loss";

/// The y axis stops at this multiple of the largest initial loss, so one exploding run does
/// not flatten every other curve into the x axis; the exploding curve leaves through the top.
const LOSS_CAP_FACTOR: f64 = 3.0;

/// SVG document: loss (linear) against training step, colour and dash per run.
pub fn loss(results: &Results, title: &str) -> String {
    let mut series = Vec::new();
    let mut legend = Vec::new();
    for (index, run) in list_runs(results).iter().enumerate() {
        let points: Vec<(f64, f64)> = results
            .series(&run.label, LOSS, None)
            .into_iter()
            .map(|(step, value)| (step as f64, value))
            .collect();
        if points.is_empty() {
            continue;
        }
        let (color, dash) = (style::color(index), style::dash(index));
        let diverged = run.diverged_at.is_some();
        let marker = if diverged {
            Marker::Cross
        } else {
            Marker::None
        };
        series.push(Series {
            color,
            dash,
            points,
            point_marker: Marker::None,
            end_marker: marker,
        });
        let label = if diverged {
            format!("{}（发散）", run.label)
        } else {
            run.label.clone()
        };
        legend.push(LegendEntry {
            label,
            color,
            dash,
            marker,
            group: index,
        });
    }

    let finite = |s: &Series| {
        s.points
            .iter()
            .filter(|p| p.1.is_finite())
            .copied()
            .collect::<Vec<_>>()
    };
    let all: Vec<(f64, f64)> = series.iter().flat_map(finite).collect();
    let (min_step, max_step) = bounds(all.iter().map(|p| p.0));
    let (min_loss, mut max_loss) = bounds(all.iter().map(|p| p.1));
    let initial = series
        .iter()
        .filter_map(|s| finite(s).first().map(|p| p.1))
        .fold(f64::NAN, f64::max);
    let capped = initial > 0.0 && max_loss > LOSS_CAP_FACTOR * initial;
    if capped {
        max_loss = LOSS_CAP_FACTOR * initial;
    }
    let x_options = LinearOptions {
        intervals: 7.0,
        integer: true,
        floor_at_zero: true,
    };
    let y_options = LinearOptions {
        intervals: 6.0,
        integer: false,
        floor_at_zero: true,
    };
    let mut description = format!(
        "训练损失（线性纵轴）随训练步数的变化；运行：{}。",
        run_list_text(results)
    );
    if capped {
        description.push_str("纵轴截断在初始损失的 3 倍，更高的部分未画出。");
    }
    frame::draw(&FigureSpec {
        title: title.to_string(),
        description,
        x: axis::linear("训练步数", min_step, max_step, x_options),
        y: axis::linear("损失", min_loss.min(max_loss), max_loss, y_options),
        series,
        legend,
        legend_group: 1,
    })
}

/// (min, max) of finite values, NaN for none (the axis then falls back to a default range).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::NAN, f64::NAN), |(lo, hi), v| (lo.min(v), hi.max(v)))
}
