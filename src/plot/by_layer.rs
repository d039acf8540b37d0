//! Figure: gradient norm per layer (log scale) at the first and the last recorded step, one
//! colour per run — the picture of gradients vanishing or exploding towards the input.

use super::axis;
use super::frame::{self, FigureSpec, Series};
use super::legend::LegendEntry;
use super::shapes::Marker;
use super::style::{self, LATER_STEP_DASH};
use super::{list_runs, run_list_text};
use crate::experiment::results::Results;

const GRAD_NORM: &str = "grad_norm";

/// SVG document: ‖∂L/∂W‖ against layer (1 = closest to the input) on a log axis; per run a
/// solid line with dots at the first recorded step (normally step 0) and a dashed line in the
/// same colour at the last step whose norms are all finite (for a diverged run, the last
/// step before NaN/Inf took over).
pub fn grad_norm_by_layer(results: &Results, title: &str) -> String {
    let mut series = Vec::new();
    let mut legend = Vec::new();
    let mut max_layer = 1;
    for (index, run) in list_runs(results).iter().enumerate() {
        let steps = results.steps(&run.label, GRAD_NORM);
        let Some(&first) = steps.first() else {
            continue;
        };
        let all_finite = |step: u64| {
            results
                .by_layer(&run.label, GRAD_NORM, step)
                .iter()
                .all(|(_, v)| v.is_finite())
        };
        let last = steps
            .iter()
            .rev()
            .copied()
            .find(|s| all_finite(*s))
            .unwrap_or(first);
        let mut shown = vec![(first, None, Marker::Circle)];
        if last != first {
            shown.push((last, Some(LATER_STEP_DASH), Marker::None));
        }
        for (step, dash, marker) in shown {
            let points: Vec<(f64, f64)> = results
                .by_layer(&run.label, GRAD_NORM, step)
                .into_iter()
                .map(|(layer, value)| (f64::from(layer), value))
                .collect();
            max_layer = points.iter().map(|p| p.0 as u32).fold(max_layer, u32::max);
            let color = style::color(index);
            series.push(Series {
                color,
                dash,
                points,
                point_marker: marker,
                end_marker: Marker::None,
            });
            legend.push(LegendEntry {
                label: format!("{} · 第 {step} 步", run.label),
                color,
                dash,
                marker,
                group: index,
            });
        }
    }
    let values = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let y = axis::log10("梯度范数 ‖∂L/∂W‖（对数坐标）", values);
    let description = format!(
        "各层权重梯度的范数 ‖∂L/∂W‖（对数纵轴）随层序号（1 = 最靠近输入）的变化，实线为第一次记录（通常是第 0 步），虚线为最后一次记录；运行：{}。",
        run_list_text(results)
    );
    frame::draw(&FigureSpec {
        title: title.to_string(),
        description,
        x: axis::layers("层（1 = 最靠近输入）", max_layer),
        y,
        series,
        legend,
        legend_group: 2,
    })
}
