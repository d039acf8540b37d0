//! Figure `activation_stats`: four small panels against layer — the activations' mean and
//! standard deviation, and the fraction of units saturated and dead — one colour and dash per
//! run. Shrinking std towards the output, or a saturated/dead fraction climbing with depth, is
//! the forward-pass side of vanishing gradients.

use super::axis::{self, LinearOptions};
use super::data::{self, Along};
use super::frame::{self, FigureSpec, Panel};
use super::index::Indexed;
use super::legend::LegendEntry;
use super::lines;
use super::shapes::Marker;
use super::style;
use super::{run_list_text, seeds_text};
use crate::experiment::PlotSpec;
use crate::experiment::results::Results;
use crate::nn::Metric;

/// The panels: metric, subtitle, values multiplied by (fractions are shown in percent).
const STATS: [(Metric, &str, f64); 4] = [
    (Metric::ActMean, "激活均值", 1.0),
    (Metric::ActStd, "激活标准差", 1.0),
    (Metric::SaturatedFrac, "饱和单元比例（%）", 100.0),
    (Metric::DeadFrac, "死亡单元比例（%）", 100.0),
];

/// SVG document; `Err` when none of the four metrics was recorded.
pub(crate) fn activation_stats(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
) -> Result<String, String> {
    let recorded: Vec<_> = STATS.iter().filter(|s| results.has_metric(s.0)).collect();
    if recorded.is_empty() && results.has_rows() {
        let names: Vec<String> = STATS.iter().map(|s| format!("`{}`", s.0)).collect();
        return Err(format!(
            "the results have none of {}; the engine records them per layer",
            names.join(", ")
        ));
    }
    let metrics: Vec<Metric> = recorded.iter().map(|s| s.0).collect();
    let by_run = Indexed::new(results, &metrics);
    let runs = by_run.runs;
    let mut legend = Vec::new();
    let mut panels = Vec::new();
    let mut max_seeds = 0;
    let mut max_layer = 1;
    let mut shown_text = Vec::new();
    for (panel_index, &&(metric, subtitle, scale)) in recorded.iter().enumerate() {
        let (mut series, mut bands) = (Vec::new(), Vec::new());
        for (index, run) in runs.iter().enumerate() {
            let seeds = data::seed_count(&by_run, &run.label, metric);
            max_seeds = max_seeds.max(seeds);
            // Default: the last step whose values are all finite (the trained network).
            let mut steps = data::shown_steps(&by_run, &run.label, metric, spec.steps.as_deref());
            if spec.steps.is_none() {
                steps.drain(..steps.len().saturating_sub(1));
            }
            let several = steps.len() > 1;
            for (k, &step) in steps.iter().enumerate() {
                let mut summaries =
                    data::summaries(&by_run, &run.label, metric, Along::Layers { step }, false);
                if summaries.is_empty() {
                    continue;
                }
                for s in &mut summaries {
                    (s.median, s.q1, s.q3) = (s.median * scale, s.q1 * scale, s.q3 * scale);
                }
                max_layer = max_layer.max(summaries.last().map_or(1, |s| s.x as u32));
                let color = style::color(index);
                let dash = if several {
                    style::dash(k)
                } else {
                    style::dash(index)
                };
                bands.extend(lines::band(color, &summaries, seeds));
                series.extend(lines::median_series(
                    color,
                    dash,
                    Marker::Circle,
                    &summaries,
                ));
                if panel_index == 0 {
                    let label = if several || spec.steps.is_some() {
                        format!("{} · 第 {step} 步", run.label)
                    } else {
                        run.label.clone()
                    };
                    shown_text.push(format!("{} 第 {step} 步", run.label));
                    legend.push(LegendEntry {
                        label,
                        color,
                        dash,
                        marker: Marker::Circle,
                        group: index,
                    });
                }
            }
        }
        let y = lines::y_axis("", false, &series, &bands, &[]);
        let mut panel = Panel::new(axis::layers("层", 1), y);
        panel.subtitle = subtitle.to_string();
        panel.series = series;
        panel.bands = bands;
        panels.push(panel);
    }
    for panel in &mut panels {
        panel.x = axis::layers("层（1 = 最靠近输入）", max_layer);
        if panel.subtitle.contains('%') {
            // Fractions: keep 0 % in view so "almost none" does not look like "many".
            let (lo, hi) = (panel.y.lo.min(0.0), panel.y.hi.max(1.0));
            let options = LinearOptions {
                intervals: 4.0,
                integer: false,
                floor_at_zero: true,
            };
            panel.y = axis::linear("", lo.max(0.0), hi.min(100.0), options);
        }
    }
    if panels.is_empty() {
        panels.push(Panel::new(
            axis::layers("层（1 = 最靠近输入）", 1),
            axis::linear(
                "",
                0.0,
                1.0,
                LinearOptions {
                    intervals: 4.0,
                    integer: false,
                    floor_at_zero: true,
                },
            ),
        ));
    }
    let description = format!(
        "四幅小图，横轴均为层（1 = 最靠近输入）：激活值的均值、标准差、饱和单元比例与死亡单元比例（百分比），每个运行一种颜色和线型；所示训练步：{}；运行：{}。{}",
        if shown_text.is_empty() {
            "无".to_string()
        } else {
            shown_text.join("、")
        },
        run_list_text(by_run.runs),
        seeds_text(max_seeds)
    );
    Ok(frame::draw(&FigureSpec {
        title: title.to_string(),
        description,
        panels,
        columns: 2,
        legend,
        legend_group: 1,
        colorbar: None,
    }))
}
