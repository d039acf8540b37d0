//! Figure `decision_boundary`: for a 2-D data set, the class a trained network predicts over
//! the input plane (tinted regions) with the data points on top, one panel per run — whether a
//! network whose gradients vanished learned anything at all is visible at a glance.

use super::PlotError;
use super::axis::{self, Axis, LinearOptions};
use super::frame::{self, Cell, FigureSpec, Panel, Series};
use super::index::Indexed;
use super::legend::LegendEntry;
use super::shapes::Marker;
use super::style;
use super::{run_label, run_list_text};
use crate::experiment::results::{Results, Seeded};
use crate::locale::{Words, fill};
use crate::nn::DecisionGrid;

/// Opacity of the region tints: light enough that points of every class stay visible.
const REGION_OPACITY: f64 = 0.3;
/// Points drawn at most (evenly thinned beyond): enough to show the data's shape, and it
/// keeps the file small.
const MAX_POINTS: usize = 400;

/// SVG document; `Err` when no decision grids were recorded.
pub(crate) fn decision_boundary(
    results: &Results,
    title: &str,
    words: &Words,
) -> Result<String, PlotError> {
    if results.grids().next().is_none() {
        return Err(PlotError::NoDecisionGrids);
    }
    let by_run = Indexed::new(results, &[]);
    let mut panels = Vec::new();
    let mut classes = 0;
    let points: Vec<_> = {
        let step = results.points.len().div_ceil(MAX_POINTS).max(1);
        results.points.iter().step_by(step).collect()
    };
    for point in &points {
        classes = classes.max(point.class + 1);
    }
    let columns = if results
        .grids()
        .map(|g| g.run)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        > 1
    {
        2
    } else {
        1
    };
    for run in by_run.runs {
        let Some((grid, voted)) = majority(by_run.grids(&run.label)) else {
            continue;
        };
        classes = classes.max(voted.iter().max().map_or(0, |&c| c as u32 + 1));
        let x = exact(
            if columns > 1 {
                "x₁"
            } else {
                &words.axis.input_x1
            },
            grid.spec.x,
            columns,
        );
        let y = exact(
            if columns > 1 {
                "x₂"
            } else {
                &words.axis.input_x2
            },
            grid.spec.y,
            columns,
        );
        let mut panel = Panel::new(x, y);
        panel.cells = regions(grid, &voted);
        panel.cell_opacity = REGION_OPACITY;
        panel.subtitle = run_label(&run.label, run.diverged_at, words);
        for class in 0..classes {
            let color = style::color(class as usize);
            let at = points
                .iter()
                .filter(|p| p.class == class)
                .map(|p| (p.x, p.y))
                .collect();
            panel.series.push(Series {
                line: false,
                point_marker: Marker::nth(class as usize),
                ..Series::line(color, None, at)
            });
        }
        panels.push(panel);
    }
    if columns == 1 {
        for panel in &mut panels {
            panel.subtitle.clear();
        }
    }
    let legend = (0..classes)
        .map(|class| LegendEntry {
            label: fill(&words.legend.class, &[("class", &class)]),
            color: style::color(class as usize),
            dash: None,
            marker: Marker::nth(class as usize),
            group: class as usize,
        })
        .collect();
    let sampled = if results.points.len() > points.len() {
        fill(
            &words.desc.sampled_points,
            &[("total", &results.points.len()), ("shown", &points.len())],
        )
    } else {
        String::new()
    };
    let description = fill(
        &words.desc.decision_boundary,
        &[
            ("sampled", &sampled),
            ("runs", &run_list_text(by_run.runs, words)),
        ],
    );
    Ok(frame::draw(
        &FigureSpec {
            title: title.to_string(),
            description,
            panels,
            columns,
            legend,
            legend_group: 1,
            colorbar: None,
        },
        words,
    ))
}

/// The run's first grid (lowest seed) and, per cell, the class most of its seeds predict
/// (the lowest class on a tie); grids of another shape are ignored.
fn majority<'a>(grids: &[Seeded<'a, DecisionGrid>]) -> Option<(&'a DecisionGrid, Vec<usize>)> {
    let first = *grids.iter().min_by_key(|g| g.seed)?;
    let same: Vec<Seeded<DecisionGrid>> = grids
        .iter()
        .copied()
        .filter(|g| {
            g.spec.resolution == first.spec.resolution && g.classes.len() == first.classes.len()
        })
        .collect();
    let voted = (0..first.classes.len())
        .map(|cell| {
            let mut votes: Vec<usize> = same.iter().map(|g| g.classes[cell]).collect();
            votes.sort_unstable();
            votes
                .chunk_by(|a, b| a == b)
                .max_by(|a, b| a.len().cmp(&b.len()).then(b[0].cmp(&a[0])))
                .map_or(0, |group| group[0])
        })
        .collect();
    Some((first.item, voted))
}

fn exact(description: &str, (lo, hi): (f64, f64), columns: usize) -> Axis {
    let options = LinearOptions {
        intervals: if columns > 1 { 4.0 } else { 6.0 },
        integer: false,
        floor_at_zero: false,
    };
    let mut axis = axis::linear(description, lo, hi, options);
    if lo.is_finite() && hi.is_finite() && hi > lo {
        (axis.lo, axis.hi) = (lo, hi);
        axis.ticks.retain(|t| (lo - 1e-9..=hi + 1e-9).contains(t));
    }
    axis
}

/// Row by row, runs of equal class merged into one tinted rectangle.
fn regions(grid: &DecisionGrid, classes: &[usize]) -> Vec<Cell> {
    let n = grid.spec.resolution;
    if n == 0 || classes.len() != n * n {
        return Vec::new();
    }
    let (x0, x1) = grid.spec.x;
    let (y0, y1) = grid.spec.y;
    let (dx, dy) = ((x1 - x0) / n as f64, (y1 - y0) / n as f64);
    let mut out = Vec::new();
    for row in 0..n {
        let line = &classes[row * n..(row + 1) * n];
        let y = (y0 + row as f64 * dy, y0 + (row + 1) as f64 * dy);
        let mut start = 0;
        for run in line.chunk_by(|a, b| a == b) {
            out.push(Cell {
                x: (x0 + start as f64 * dx, x0 + (start + run.len()) as f64 * dx),
                y,
                fill: Some(style::color(run[0]).to_string()),
            });
            start += run.len();
        }
    }
    out
}
