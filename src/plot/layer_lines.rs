//! Figure `grad_norm_over_steps`: a per-layer metric against training step, one line per
//! layer coloured from input (dark) to output (light) on viridis, one panel per run on a
//! shared log axis — how each layer's gradient evolves while the network trains.

use super::PlotError;
use super::axis::{self, LinearOptions};
use super::colormap::{self, ColorBar};
use super::data::{self, Along};
use super::frame::{self, Band, FigureSpec, Panel, Series};
use super::index::Indexed;
use super::legend::LegendEntry;
use super::lines;
use super::over_steps::step_axis;
use super::shapes::Marker;
use super::{metric_names, run_label, run_list_text, seeds_text, with_scale};
use crate::experiment::PlotSpec;
use crate::experiment::results::Results;
use crate::locale::{Words, fill};

/// The part of viridis used for lines: its darkest purple vanishes on dark pages and its
/// brightest yellow on white ones.
const RANGE: (f64, f64) = (0.2, 0.85);

/// Colour of layer `layer` of `layers`.
pub(crate) fn layer_color(layer: u32, layers: u32) -> &'static str {
    let t = if layers > 1 {
        f64::from(layer - 1) / f64::from(layers - 1)
    } else {
        0.0
    };
    colormap::viridis_table(RANGE.0 + t * (RANGE.1 - RANGE.0))
}

/// SVG document: per run a panel of one median line per layer (with interquartile bands
/// over seeds), a ✕ where the run diverged, and a colour bar that names the layers.
pub(crate) fn grad_norm_over_steps(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
) -> Result<String, PlotError> {
    let metric = spec.metric;
    if results.has_rows() && !results.has_metric(metric) {
        return Err(PlotError::NoLayerRows(metric));
    }
    let log = spec.log_y.unwrap_or(!metric.is_layer_fraction());
    let (symbol, name) = metric_names(metric, words);
    let by_run = Indexed::new(results, &[metric]);
    let runs = by_run.runs;
    let layers = runs
        .iter()
        .filter_map(|r| by_run.layer_count(&r.label, metric))
        .max()
        .unwrap_or(1);
    let mut per_run: Vec<(String, Vec<Series>, Vec<Band>)> = Vec::new();
    let (mut max_seeds, mut any_diverged) = (0, false);
    for run in runs {
        let Some(run_layers) = by_run.layer_count(&run.label, metric) else {
            continue;
        };
        let seeds = data::seed_count(&by_run, &run.label, metric);
        max_seeds = max_seeds.max(seeds);
        let (mut series, mut bands) = (Vec::new(), Vec::new());
        let mut last_layer = Vec::new();
        for layer in 1..=run_layers {
            let along = Along::Steps { layer: Some(layer) };
            let summaries = data::summaries(&by_run, &run.label, metric, along, log);
            let color = layer_color(layer, layers);
            bands.extend(lines::band(color, &summaries, seeds));
            series.push(Series::line(color, None, data::medians(&summaries)));
            last_layer = summaries;
        }
        let subtitle = run_label(&run.label, run.diverged_at, words);
        if let Some(step) = run.diverged_at {
            any_diverged = true;
            let y = data::last_finite_before(&last_layer, step).unwrap_or(f64::MAX);
            series.push(Series::marker(
                "currentColor",
                Marker::Cross,
                (step as f64, y),
            ));
        }
        per_run.push((subtitle, series, bands));
    }
    let all: Vec<Series> = per_run.iter().flat_map(|p| p.1.clone()).collect();
    let all_bands: Vec<Band> = per_run.iter().flat_map(|p| p.2.clone()).collect();
    let scale_text = if log {
        &words.axis.log_scale
    } else {
        &words.axis.linear_scale
    };
    let y = lines::y_axis(&with_scale(symbol, log, words), log, &all, &all_bands, &[]);
    let columns = if per_run.len() > 1 { 2 } else { 1 };
    let x = step_axis(&all, if columns > 1 { 4.0 } else { 7.0 }, words);
    let mut panels: Vec<Panel> = per_run
        .into_iter()
        .map(|(subtitle, series, bands)| Panel {
            subtitle: if columns > 1 { subtitle } else { String::new() },
            series,
            bands,
            ..Panel::new(x.clone(), y.clone())
        })
        .collect();
    if panels.is_empty() {
        panels.push(Panel::new(x, y));
    }
    let legend = if any_diverged {
        vec![LegendEntry {
            label: words.legend.diverged_no_data.clone(),
            color: "currentColor",
            dash: None,
            marker: Marker::Cross,
            group: 0,
        }]
    } else {
        Vec::new()
    };
    let description = fill(
        &words.desc.layer_lines,
        &[
            ("name", &name),
            ("symbol", &symbol),
            ("scale", scale_text),
            ("layers", &layers),
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
            legend,
            legend_group: 1,
            colorbar: Some(layer_bar(layers, words)),
        },
        words,
    ))
}

/// A discrete colour bar, one swatch per layer.
fn layer_bar(layers: u32, words: &Words) -> ColorBar {
    let mut bar_axis = axis::layers("", layers);
    (bar_axis.lo, bar_axis.hi) = (0.5, f64::from(layers) + 0.5);
    if layers > 12 {
        // Fewer labels on the bar than on a full axis: it is only 300 px wide.
        let options = LinearOptions {
            intervals: 5.0,
            integer: true,
            floor_at_zero: true,
        };
        let ticks = axis::linear("", 1.0, f64::from(layers), options).ticks;
        bar_axis.ticks = ticks.into_iter().filter(|t| *t >= 1.0).collect();
    }
    let stops = (1..=layers)
        .map(|l| {
            let color = layer_color(l, layers).to_string();
            (f64::from(l) - 0.5, f64::from(l) + 0.5, color)
        })
        .collect();
    ColorBar {
        label: words.axis.layer.clone(),
        axis: bar_axis,
        stops,
        missing: None,
    }
}
