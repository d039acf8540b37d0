//! Figure `grad_norm_by_layer`: a per-layer metric (‖∂L/∂W‖ by default, ‖δ‖ with
//! `metric = "delta"`) against layer on a log axis, one colour per run, one dash per chosen
//! step — the picture of gradients vanishing or exploding towards the input.

use super::PlotError;
use super::axis;
use super::data::{self, Along};
use super::frame::{self, FigureSpec, Panel};
use super::index::Indexed;
use super::legend::LegendEntry;
use super::lines;
use super::shapes::Marker;
use super::style;
use super::theory::{self, Reference};
use super::{metric_names, run_list_text, seeds_text, with_scale};
use crate::experiment::PlotSpec;
use crate::experiment::results::Results;
use crate::locale::{Words, fill};

/// SVG document: per run, the metric by layer (1 = closest to the input) at the steps asked
/// for (default: the first step, solid with dots, and the last step whose values are all
/// finite, dashed); the median over seeds with an interquartile band; the block's theory
/// curve and any precomputed `reference` dashed in the text colour.
pub(crate) fn grad_norm_by_layer(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
    reference: Option<&Reference>,
) -> Result<String, PlotError> {
    let metric = spec.metric;
    let log = spec.log_y.unwrap_or(!metric.is_layer_fraction());
    let (symbol, name) = metric_names(metric, words);
    let by_run = Indexed::new(results, &[metric]);
    let (mut series, mut bands, mut legend) = (Vec::new(), Vec::new(), Vec::new());
    let (mut max_layer, mut max_seeds) = (1, 0);
    // The first run's median at its last layer and last shown step: where theory is anchored.
    let mut anchor: Option<(u32, f64, u64)> = None;
    // That run's label and its medians by layer at that step: where a mean-field curve is
    // anchored (at the last hidden layer).
    let mut first_profile: Option<(&str, Vec<(f64, f64)>)> = None;
    let mut first_run = None;
    for (index, run) in by_run.runs.iter().enumerate() {
        let seeds = data::seed_count(&by_run, &run.label, metric);
        max_seeds = max_seeds.max(seeds);
        let color = style::color(index);
        let steps = data::shown_steps(&by_run, &run.label, metric, spec.steps.as_deref());
        for (k, &step) in steps.iter().enumerate() {
            let summaries =
                data::summaries(&by_run, &run.label, metric, Along::Layers { step }, log);
            let Some(last) = summaries.last() else {
                continue;
            };
            max_layer = max_layer.max(last.x as u32);
            if first_run.is_none_or(|first| first == index) {
                first_run = Some(index);
                anchor = Some((last.x as u32, last.median, step));
                let medians = summaries.iter().map(|s| (s.x, s.median)).collect();
                first_profile = Some((run.label.as_str(), medians));
            }
            let (dash, marker) = (
                style::dash(k),
                if k == 0 { Marker::Circle } else { Marker::None },
            );
            bands.extend(lines::band(color, &summaries, seeds));
            series.extend(lines::median_series(color, dash, marker, &summaries));
            let diverged = if run.diverged_at.is_some() {
                words.legend.diverged.as_str()
            } else {
                ""
            };
            let run_label = format!("{}{diverged}", run.label);
            legend.push(LegendEntry {
                label: fill(
                    &words.legend.run_at_step,
                    &[("run", &run_label), ("step", &step)],
                ),
                color,
                dash,
                marker,
                group: index,
            });
        }
    }

    let mut curves = Vec::new();
    let scale = if log {
        &words.desc.log
    } else {
        &words.desc.linear
    };
    let mut description = fill(
        &words.desc.by_layer,
        &[
            ("name", &name),
            ("symbol", &symbol),
            ("scale", scale),
            ("runs", &run_list_text(by_run.runs, words)),
            ("seeds", &seeds_text(max_seeds, words)),
        ],
    );
    if let Some(theory) = &spec.theory {
        let (layers, value, step) = anchor.ok_or_else(|| PlotError::TheoryWithoutValues {
            formula: theory.formula_text.clone(),
            metric,
        })?;
        let curve = theory::anchored_by_layer(theory, layers, value, words)?;
        description.push_str(&fill(
            &words.desc.theory,
            &[
                ("formula", &theory.formula_text),
                ("step", &step),
                ("layers", &layers),
            ],
        ));
        curves.push(curve);
    }
    if let Some(curve) = &spec.mean_field {
        let step = anchor.map_or(0, |(_, _, step)| step);
        let (run, medians) = first_profile
            .as_ref()
            .ok_or(PlotError::MeanFieldWithoutValues { metric })?;
        let prediction = curve
            .for_run(run)
            .ok_or_else(|| PlotError::MeanFieldWithoutRun {
                run: run.to_string(),
            })?;
        let reference = theory::mean_field_by_layer(curve, prediction, medians, words)?;
        description.push_str(&fill(
            &words.desc.mean_field,
            &[
                ("run", &prediction.run),
                ("activation", &prediction.activation),
                ("sigma_w2", &format_args!("{:.3}", prediction.sigma_w2)),
                ("sigma_b2", &format_args!("{:.3}", prediction.sigma_b2)),
                ("step", &step),
                ("layer", &prediction.relative.len()),
            ],
        ));
        curves.push(reference);
    }
    if let Some(reference) = reference {
        description.push_str(&fill(&words.desc.reference, &[("label", &reference.label)]));
        curves.push(reference.clone());
    }
    let mut extra = Vec::new();
    for (i, curve) in curves.iter().enumerate() {
        let (s, entry) = lines::reference(curve, usize::MAX - i);
        extra.push(s);
        legend.push(entry);
    }
    let y = lines::y_axis(
        &with_scale(symbol, log, words),
        log,
        &series,
        &bands,
        &extra,
    );
    series.extend(extra);
    let mut panel = Panel::new(
        axis::layers(super::layer_axis_label(spec.metric, words), max_layer),
        y,
    );
    panel.series = series;
    panel.bands = bands;
    Ok(frame::draw(
        &FigureSpec {
            legend,
            legend_group: 2,
            ..FigureSpec::single(title, description, panel)
        },
        words,
    ))
}
