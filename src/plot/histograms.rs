//! Figure `activation_hist`: per layer, the distribution of activations (and of their
//! gradients, when recorded) at a step, as a ridgeline — one small histogram per layer stacked
//! from the input (bottom) up. The classic Glorot & Bengio picture: sigmoid layers piling up
//! at 0 and 1 (saturated), or ReLU layers collapsing onto 0 (dead).

use std::collections::BTreeMap;

use super::PlotError;
use super::axis::{self, LinearOptions};
use super::data::{self, nearest_step};
use super::frame::{self, Band, FigureSpec, Panel, Series};
use super::index::Indexed;
use super::layer_lines::layer_color;
use super::run_list_text;
use crate::experiment::PlotSpec;
use crate::experiment::results::{Results, Seeded};
use crate::locale::{Words, fill};
use crate::nn::{Histogram, HistogramOf};

/// Height of the tallest ridge, in layers: a little overlap reads as one landscape.
const RIDGE_HEIGHT: f64 = 0.9;
/// Where a layer's baseline sits below its tick, in layers.
const BASELINE: f64 = 0.4;

/// SVG document; `Err` when no histograms were recorded.
pub(crate) fn activation_hist(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
) -> Result<String, PlotError> {
    if results.histograms().next().is_none() {
        return Err(PlotError::NoHistograms);
    }
    let by_run = Indexed::new(results, &[]);
    let mut panels = Vec::new();
    let mut max_seeds = 0;
    for run in by_run.runs {
        let of_run = by_run.histograms(&run.label);
        let mut steps: Vec<u64> = of_run.iter().map(|h| h.step).collect();
        steps.sort_unstable();
        steps.dedup();
        let shown: Vec<u64> = match &spec.steps {
            Some(asked) => asked
                .iter()
                .filter_map(|s| nearest_step(&steps, *s))
                .collect(),
            None => steps.first().copied().into_iter().collect(),
        };
        for step in shown {
            for of in [HistogramOf::Activations, HistogramOf::Gradients] {
                let at: Vec<Seeded<Histogram>> = of_run
                    .iter()
                    .copied()
                    .filter(|h| h.step == step && h.of == of)
                    .collect();
                if at.is_empty() {
                    continue;
                }
                let mut seeds: Vec<u64> = at.iter().map(|h| h.seed).collect();
                seeds.sort_unstable();
                seeds.dedup();
                max_seeds = max_seeds.max(seeds.len());
                let what = match of {
                    HistogramOf::Activations => words.figure.activations.as_str(),
                    HistogramOf::Gradients => words.figure.gradients.as_str(),
                };
                let mut subtitle = fill(
                    &words.figure.histogram_subtitle,
                    &[("run", &run.label), ("step", &step), ("what", &what)],
                );
                if run.diverged_at.is_some_and(|d| d <= step) {
                    subtitle.push_str(&words.legend.already_diverged);
                }
                panels.push((subtitle, what, ridges(&at)));
            }
        }
    }
    let layers = panels
        .iter()
        .flat_map(|p| p.2.iter().map(|r| r.0))
        .max()
        .unwrap_or(1);
    let columns = if panels.len() > 1 { 2 } else { 1 };
    let mut y = axis::layers(
        if columns > 1 {
            &words.axis.layer_short
        } else {
            &words.axis.layer
        },
        layers,
    );
    (y.lo, y.hi) = (
        1.0 - BASELINE - 0.1,
        f64::from(layers) - BASELINE + RIDGE_HEIGHT + 0.1,
    );
    let figure_panels = panels
        .into_iter()
        .map(|(subtitle, what, ridges)| {
            let (lo, hi) = data::bounds(ridges.iter().flat_map(|r| r.1.iter().map(|p| p.0)));
            let options = LinearOptions {
                intervals: if columns > 1 { 4.0 } else { 7.0 },
                integer: false,
                floor_at_zero: false,
            };
            let mut panel = Panel::new(axis::linear(what, lo, hi, options), y.clone());
            panel.subtitle = subtitle;
            // Back to front: the top (output-side) ridge first, so lower ridges overlap it.
            for (layer, outline) in ridges.into_iter().rev() {
                let color = layer_color(layer, layers);
                let base = f64::from(layer) - BASELINE;
                panel.bands.push(Band {
                    color,
                    points: outline.iter().map(|&(x, h)| (x, base, base + h)).collect(),
                });
                let top = outline.iter().map(|&(x, h)| (x, base + h)).collect();
                panel.series.push(Series::line(color, None, top));
            }
            panel
        })
        .collect();
    let seeds = if max_seeds >= 2 {
        words.desc.histogram_seeds.as_str()
    } else {
        ""
    };
    let description = fill(
        &words.desc.histograms,
        &[
            ("runs", &run_list_text(by_run.runs, words)),
            ("seeds", &seeds),
        ],
    );
    Ok(frame::draw(
        &FigureSpec {
            title: title.to_string(),
            description,
            panels: figure_panels,
            columns,
            legend: Vec::new(),
            legend_group: 1,
            colorbar: None,
        },
        words,
    ))
}

/// Per layer, the histogram outline as `(x, height)` steps, heights scaled so the layer's
/// densest bin is [`RIDGE_HEIGHT`]. Seeds with the same bin edges as the first seed are
/// pooled; a histogram with non-finite edges (a diverged layer) is left out.
fn ridges(histograms: &[Seeded<Histogram>]) -> Vec<(u32, Vec<(f64, f64)>)> {
    // Grouped in one pass (a scan per layer would be quadratic in the depth).
    let mut layers: BTreeMap<u32, Vec<Seeded<Histogram>>> = BTreeMap::new();
    for &h in histograms {
        let of_layer = layers.entry(h.layer as u32).or_default();
        if h.edges.len() == h.counts.len() + 1 && h.edges.iter().all(|e| e.is_finite()) {
            of_layer.push(h);
        }
    }
    let mut out = Vec::new();
    for (layer, mut of_layer) in layers {
        of_layer.sort_by_key(|h| h.seed);
        let Some(first) = of_layer.first() else {
            continue;
        };
        let mut counts = vec![0u64; first.counts.len()];
        for h in of_layer.iter().filter(|h| h.edges == first.edges) {
            for (total, c) in counts.iter_mut().zip(&h.counts) {
                *total += c;
            }
        }
        let densities: Vec<f64> = counts
            .iter()
            .zip(first.edges.windows(2))
            .map(|(c, e)| {
                if e[1] > e[0] {
                    *c as f64 / (e[1] - e[0])
                } else {
                    0.0
                }
            })
            .collect();
        let peak = densities.iter().copied().fold(0.0, f64::max);
        let scale = if peak > 0.0 { RIDGE_HEIGHT / peak } else { 0.0 };
        let mut outline = vec![(first.edges[0], 0.0)];
        for (d, e) in densities.iter().zip(first.edges.windows(2)) {
            outline.push((e[0], d * scale));
            outline.push((e[1], d * scale));
        }
        outline.push((*first.edges.last().unwrap_or(&0.0), 0.0));
        out.push((layer, outline));
    }
    out
}
