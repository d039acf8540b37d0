//! Figure `activation_stats`: four small panels against layer — the activations' mean and
//! standard deviation, and the fraction of units saturated and dead — one colour and dash per
//! run. Shrinking std towards the output, or a saturated/dead fraction climbing with depth, is
//! the forward-pass side of vanishing gradients.

use super::PlotError;
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
use crate::locale::{FigureWords, Words, fill};
use crate::nn::Metric;

/// The panels: metric, subtitle, values multiplied by (fractions are shown in percent).
type Stat = (Metric, fn(&FigureWords) -> &str, f64);
const STATS: [Stat; 4] = [
    (Metric::ActMean, |w| &w.act_mean, 1.0),
    (Metric::ActStd, |w| &w.act_std, 1.0),
    (Metric::SaturatedFrac, |w| &w.saturated_frac, 100.0),
    (Metric::DeadFrac, |w| &w.dead_frac, 100.0),
];

/// SVG document; `Err` when none of the four metrics was recorded.
pub(crate) fn activation_stats(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
) -> Result<String, PlotError> {
    let recorded: Vec<_> = STATS.iter().filter(|s| results.has_metric(s.0)).collect();
    if recorded.is_empty() && results.has_rows() {
        return Err(PlotError::NoActivationStats {
            wanted: STATS.iter().map(|s| s.0).collect(),
        });
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
                    let at_step = [
                        ("run", &run.label as &dyn std::fmt::Display),
                        ("step", &step),
                    ];
                    let label = if several || spec.steps.is_some() {
                        fill(&words.legend.run_at_step, &at_step)
                    } else {
                        run.label.clone()
                    };
                    shown_text.push(fill(&words.figure.run_step, &at_step));
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
        let mut panel = Panel::new(axis::layers(&words.axis.layer_short, 1), y);
        panel.subtitle = subtitle(&words.figure).to_string();
        panel.series = series;
        panel.bands = bands;
        panels.push(panel);
    }
    // One panel per recorded metric, in order; a scale of 100 marks a fraction in percent.
    for (panel, (_, _, scale)) in panels.iter_mut().zip(&recorded) {
        panel.x = axis::layers(&words.axis.layer, max_layer);
        if *scale != 1.0 {
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
            axis::layers(&words.axis.layer, 1),
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
    let shown = if shown_text.is_empty() {
        words.figure.none.clone()
    } else {
        shown_text.join(&words.figure.list_separator)
    };
    let description = fill(
        &words.desc.activation_stats,
        &[
            ("shown", &shown),
            ("runs", &run_list_text(by_run.runs, words)),
            ("seeds", &seeds_text(max_seeds, words)),
        ],
    );
    Ok(frame::draw(
        &FigureSpec {
            title: title.to_string(),
            description,
            panels,
            columns: 2,
            legend,
            legend_group: 1,
            colorbar: None,
        },
        words,
    ))
}
