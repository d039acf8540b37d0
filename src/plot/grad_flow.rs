//! Figure `grad_flow`: a heat map of layer × training step coloured by log10 of a per-layer
//! metric (‖∂L/∂W‖ by default), one panel per run on one shared colour scale — gradients dying
//! out towards the input (dark bottom rows) or blowing up, and how that changes with training.

use super::PlotError;
use super::axis::{self, Axis, LinearOptions};
use super::colormap::{self, ColorBar};
use super::data::{self, Along};
use super::frame::{self, Cell, FigureSpec, Panel, Series};
use super::index::Indexed;
use super::shapes::Marker;
use super::{metric_names, run_label, run_list_text, seeds_text};
use crate::experiment::PlotSpec;
use crate::experiment::results::Results;
use crate::locale::{Words, fill};

/// At most this many step columns per panel: finer than a phone can show, and it bounds the
/// file size of long runs.
const MAX_COLUMNS: usize = 150;

/// One run's grid: sampled steps and, per step, log10 of each layer's median (None: NaN/Inf).
struct Grid {
    label: String,
    diverged_at: Option<u64>,
    steps: Vec<u64>,
    /// `values[column][layer - 1]`.
    values: Vec<Vec<Option<f64>>>,
}

/// SVG document; `Err` when the results hold no rows of the metric.
pub(crate) fn grad_flow(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
) -> Result<String, PlotError> {
    let metric = spec.metric;
    if results.has_rows() && !results.has_metric(metric) {
        return Err(PlotError::NoLayerRows(metric));
    }
    let (symbol, name) = metric_names(metric, words);
    let by_run = Indexed::new(results, &[metric]);
    let mut grids = Vec::new();
    let mut max_seeds = 0;
    let mut layers = 1;
    for run in by_run.runs {
        let Some(run_layers) = by_run.layer_count(&run.label, metric) else {
            continue;
        };
        layers = layers.max(run_layers);
        max_seeds = max_seeds.max(data::seed_count(&by_run, &run.label, metric));
        let steps = sample(&by_run.steps(&run.label, metric));
        let values = steps
            .iter()
            .map(|&step| {
                let mut column = vec![None; run_layers as usize];
                let along = Along::Layers { step };
                for s in data::summaries(&by_run, &run.label, metric, along, true) {
                    // Zero (e.g. every unit dead) is the extreme of vanishing: log10 → −∞, drawn
                    // in the darkest colour by the clamp in `colormap::level`.
                    let value = (s.median >= 0.0 && s.median.is_finite()).then(|| s.median.log10());
                    if let Some(cell) = column.get_mut((s.x as usize).wrapping_sub(1)) {
                        *cell = value.map(|v| v.max(-1e300));
                    }
                }
                column
            })
            .collect();
        grids.push(Grid {
            label: run.label.clone(),
            diverged_at: run.diverged_at,
            steps,
            values,
        });
    }
    let finite = grids
        .iter()
        .flat_map(|g| g.values.iter().flatten().flatten().copied())
        .filter(|v| *v > -1e300);
    let (mut lo, mut hi) = data::bounds(finite);
    if lo.is_nan() || hi.is_nan() {
        (lo, hi) = (-1.0, 0.0);
    } else if hi - lo < 1e-9 {
        (lo, hi) = (lo - 0.5, hi + 0.5);
    }
    let first = grids
        .iter()
        .filter_map(|g| g.steps.first())
        .min()
        .copied()
        .unwrap_or(0);
    let last = grids
        .iter()
        .filter_map(|g| g.steps.last())
        .max()
        .copied()
        .unwrap_or(1);
    let columns = if grids.len() > 1 { 2 } else { 1 };
    let x = exact_axis(
        &words.axis.steps,
        (first as f64, last as f64),
        if columns > 1 { 4.0 } else { 7.0 },
        true,
    );
    let mut y = axis::layers(super::layer_axis_label(spec.metric, words), layers);
    (y.lo, y.hi) = (0.5, f64::from(layers) + 0.5);
    let any_missing = grids
        .iter()
        .any(|g| g.diverged_at.is_some() || g.values.iter().flatten().any(Option::is_none));
    let mut panels: Vec<Panel> = grids
        .iter()
        .map(|grid| {
            let mut panel = Panel::new(x.clone(), y.clone());
            panel.cells = cells(grid, (lo, hi), x.hi);
            panel.subtitle = run_label(&grid.label, grid.diverged_at, words);
            if let Some(step) = grid.diverged_at {
                let at = (step as f64, f64::from(layers) + 0.5);
                panel
                    .series
                    .push(Series::marker("currentColor", Marker::Cross, at));
            }
            panel
        })
        .collect();
    if panels.is_empty() {
        panels.push(Panel::new(x, y));
    }
    let bar_axis = exact_axis("", (lo, hi), 5.0, false);
    let stops = (0..colormap::LEVELS)
        .map(|level| {
            let at = |l: u32| lo + (hi - lo) * f64::from(l) / f64::from(colormap::LEVELS);
            (
                at(level),
                at(level + 1),
                colormap::level_color(level).to_string(),
            )
        })
        .collect();
    let missing = if any_missing {
        words.desc.grad_flow_missing.as_str()
    } else {
        ""
    };
    let description = fill(
        &words.desc.grad_flow,
        &[
            ("name", &name),
            ("symbol", &symbol),
            ("lo", &format_log(lo)),
            ("hi", &format_log(hi)),
            ("missing", &missing),
            ("runs", &run_list_text(by_run.runs, words)),
            ("seeds", &seeds_text(max_seeds, words)),
        ],
    );
    Ok(frame::draw(
        &FigureSpec {
            title: title.to_string(),
            description,
            panels,
            columns,
            legend: Vec::new(),
            legend_group: 1,
            colorbar: Some(ColorBar {
                label: format!("log₁₀ {symbol}"),
                axis: bar_axis,
                stops,
                missing: any_missing.then(|| words.figure.no_data_after_divergence.clone()),
            }),
        },
        words,
    ))
}

fn format_log(v: f64) -> String {
    format!("{:.1}", v)
}

/// At most [`MAX_COLUMNS`] steps, evenly spread, always keeping the first and the last.
fn sample(steps: &[u64]) -> Vec<u64> {
    if steps.len() <= MAX_COLUMNS {
        return steps.to_vec();
    }
    let n = steps.len() - 1;
    let mut out: Vec<u64> = (0..MAX_COLUMNS)
        .map(|i| steps[(i * n + (MAX_COLUMNS - 1) / 2) / (MAX_COLUMNS - 1)])
        .collect();
    out.dedup();
    out
}

/// A linear axis spanning exactly `range` (heat maps and colour bars have no padding).
fn exact_axis(description: &str, (lo, hi): (f64, f64), intervals: f64, integer: bool) -> Axis {
    let options = LinearOptions {
        intervals,
        integer,
        floor_at_zero: false,
    };
    let mut axis = axis::linear(description, lo, hi, options);
    if hi > lo {
        (axis.lo, axis.hi) = (lo, hi);
    } else {
        (axis.lo, axis.hi) = (lo - 0.5, hi + 0.5);
    }
    let (a, b) = (axis.lo, axis.hi);
    axis.ticks.retain(|t| (a - 1e-9..=b + 1e-9).contains(t));
    axis
}

/// The grid's cells: each column spans halfway to its neighbours; runs of equal colour along
/// a row merge into one rectangle; after a diverged run's last column, up to `x_end`, the
/// row is hatched.
fn cells(grid: &Grid, (lo, hi): (f64, f64), x_end: f64) -> Vec<Cell> {
    let steps: Vec<f64> = grid.steps.iter().map(|s| *s as f64).collect();
    let edge = |i: usize| -> f64 {
        match (i.checked_sub(1).map(|j| steps[j]), steps.get(i)) {
            (None, Some(s)) => s - (steps.get(1).map_or(0.5, |n| (n - s) / 2.0)),
            (Some(p), Some(s)) => (p + s) / 2.0,
            (Some(p), None) => {
                let n = steps.len();
                p + if n >= 2 {
                    (steps[n - 1] - steps[n - 2]) / 2.0
                } else {
                    0.5
                }
            }
            (None, None) => 0.0,
        }
    };
    let layers = grid.values.first().map_or(0, Vec::len);
    let mut out = Vec::new();
    for layer in 0..layers {
        let y = (layer as f64 + 0.5, layer as f64 + 1.5);
        let key = |column: usize| grid.values[column][layer].map(|v| colormap::level(v, lo, hi));
        let mut start = 0;
        for column in 1..=steps.len() {
            if column < steps.len() && key(column) == key(start) {
                continue;
            }
            out.push(Cell {
                x: (edge(start), edge(column)),
                y,
                fill: key(start).map(|l| colormap::level_color(l).to_string()),
            });
            start = column;
        }
        let end = edge(steps.len());
        if grid.diverged_at.is_some() && end < x_end {
            out.push(Cell {
                x: (end, x_end),
                y,
                fill: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_keeps_ends_and_caps_columns() {
        let steps: Vec<u64> = (0..1000).collect();
        let sampled = sample(&steps);
        assert!(sampled.len() <= MAX_COLUMNS);
        assert_eq!((sampled[0], *sampled.last().unwrap()), (0, 999));
        assert_eq!(sample(&[0, 5]), vec![0, 5]);
    }

    #[test]
    fn equal_neighbours_merge_and_missing_cells_are_hatched() {
        let grid = Grid {
            label: "r".into(),
            diverged_at: Some(20),
            steps: vec![0, 10, 20],
            values: vec![vec![Some(-1.0)], vec![Some(-1.0)], vec![None]],
        };
        let cells = cells(&grid, (-2.0, 0.0), 40.0);
        assert_eq!(cells.len(), 3, "{cells:?}");
        assert_eq!(cells[0].x, (-5.0, 15.0));
        assert!(cells[1].fill.is_none() && cells[2].fill.is_none());
    }
}
