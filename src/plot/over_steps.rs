//! Figures `loss`, `accuracy` and `sharpness`: a whole-network metric against training step,
//! one colour and dash per run, train and test side by side when the test metric was
//! recorded. A run that diverged gets a ✕ at the step it diverged, and says so in the legend.
//! The sharpness figure draws each run's 2/η dotted in its colour beside its λ_max.

use super::PlotError;
use super::axis::{self, Axis, LinearOptions};
use super::data::{self, Along};
use super::frame::{self, FigureSpec, Panel, Series};
use super::index::Indexed;
use super::legend::LegendEntry;
use super::lines;
use super::shapes::Marker;
use super::style;
use super::theory::Reference;
use super::{run_label, run_list_text, seeds_text, with_scale};
use crate::experiment::PlotSpec;
use crate::experiment::results::Results;
use crate::locale::{Words, fill};
use crate::nn::Metric;

/// On a linear axis the loss is cut at this multiple of the largest initial loss, so one
/// exploding run does not flatten every other curve into the x axis.
const LOSS_CAP_FACTOR: f64 = 3.0;

/// A threshold's dots: finer than any run's dash.
const THRESHOLD_DASH: &str = "1 3";

/// What one of the two figures plots.
struct Quantity<'w> {
    train: Metric,
    /// The test-set counterpart, drawn in a second panel when recorded.
    test: Option<Metric>,
    /// Axis description and `<desc>` name.
    name: &'w str,
    /// Values are multiplied by this (accuracy is shown in percent).
    scale: f64,
    cap: bool,
    /// A threshold each run's curve is read against, drawn dotted in the run's colour.
    threshold: Option<(Metric, &'w str)>,
}

/// SVG document: training (and test) loss against step.
pub(crate) fn loss(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
    reference: Option<&Reference>,
) -> Result<String, PlotError> {
    let quantity = Quantity {
        train: Metric::Loss,
        test: Some(Metric::TestLoss),
        name: &words.figure.loss,
        scale: 1.0,
        cap: true,
        threshold: None,
    };
    over_steps(spec, results, title, words, reference, &quantity)
}

/// SVG document: training and test accuracy (percent) against step.
pub(crate) fn accuracy(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
    reference: Option<&Reference>,
) -> Result<String, PlotError> {
    let quantity = Quantity {
        train: Metric::TrainAccuracy,
        test: Some(Metric::TestAccuracy),
        name: &words.figure.accuracy_percent,
        scale: 100.0,
        cap: false,
        threshold: None,
    };
    over_steps(spec, results, title, words, reference, &quantity)
}

/// SVG document: λ_max of the loss Hessian against step, each run's 2/η dotted beside it
/// (log y by default: the two can be decades apart before training sharpens).
pub(crate) fn sharpness(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
) -> Result<String, PlotError> {
    let quantity = Quantity {
        train: Metric::Sharpness,
        test: None,
        name: &words.figure.sharpness,
        scale: 1.0,
        cap: false,
        threshold: Some((
            Metric::StabilityThreshold,
            &words.figure.stability_threshold,
        )),
    };
    log_by_default(spec, results, title, words, &quantity)
}

/// SVG document: the loss scale S against step (log y by default: the dynamic scaler
/// moves it by factors of two), a step down where a step's gradients overflowed.
pub(crate) fn loss_scale(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
) -> Result<String, PlotError> {
    let quantity = Quantity {
        train: Metric::LossScale,
        test: None,
        name: &words.figure.loss_scale,
        scale: 1.0,
        cap: false,
        threshold: None,
    };
    log_by_default(spec, results, title, words, &quantity)
}

/// `over_steps` with a log y axis unless the spec asks for a linear one.
fn log_by_default(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
    quantity: &Quantity,
) -> Result<String, PlotError> {
    let spec = PlotSpec {
        log_y: Some(spec.log_y.unwrap_or(true)),
        ..spec.clone()
    };
    over_steps(&spec, results, title, words, None, quantity)
}

fn over_steps(
    spec: &PlotSpec,
    results: &Results,
    title: &str,
    words: &Words,
    reference: Option<&Reference>,
    q: &Quantity,
) -> Result<String, PlotError> {
    let recorded_test = q.test.filter(|&test| results.has_metric(test));
    if results.has_rows() && !results.has_metric(q.train) && recorded_test.is_none() {
        return Err(match q.test {
            Some(test) => PlotError::NoStepRows {
                train: q.train,
                test,
            },
            None => PlotError::NoSeriesRows(q.train),
        });
    }
    let log = spec.log_y.unwrap_or(false);
    let metrics: Vec<Metric> = [q.train].into_iter().chain(recorded_test).collect();
    let by_run = Indexed::new(results, &metrics);
    let thresholds: Vec<Metric> = q.threshold.iter().map(|t| t.0).collect();
    let by_threshold = Indexed::new(results, &thresholds);
    let mut panels_series: Vec<(Vec<Series>, Vec<_>)> =
        vec![(Vec::new(), Vec::new()); metrics.len()];
    let mut legend = Vec::new();
    let mut max_seeds = 0;
    let mut initial = f64::NAN;
    for (index, run) in by_run.runs.iter().enumerate() {
        let (color, dash) = (style::color(index), style::dash(index));
        let mut drawn = false;
        for (metric, (series, bands)) in metrics.iter().zip(panels_series.iter_mut()) {
            let seeds = data::seed_count(&by_run, &run.label, *metric);
            max_seeds = max_seeds.max(seeds);
            let mut summaries = data::summaries(
                &by_run,
                &run.label,
                *metric,
                Along::Steps { layer: None },
                log,
            );
            if summaries.is_empty() {
                continue;
            }
            for s in &mut summaries {
                (s.median, s.q1, s.q3) = (s.median * q.scale, s.q1 * q.scale, s.q3 * q.scale);
            }
            drawn = true;
            if let Some(first) = summaries.iter().find(|s| s.median.is_finite()) {
                initial = initial.max(first.median);
            }
            bands.extend(lines::band(color, &summaries, seeds));
            series.push(Series::line(color, dash, data::medians(&summaries)));
            if let Some(step) = run.diverged_at {
                let y = data::last_finite_before(&summaries, step).unwrap_or(f64::MAX);
                series.push(Series::marker(color, Marker::Cross, (step as f64, y)));
            }
            if let Some((threshold, _)) = q.threshold {
                let along = Along::Steps { layer: None };
                let line = data::summaries(&by_threshold, &run.label, threshold, along, log);
                series.push(Series::line(
                    color,
                    Some(THRESHOLD_DASH),
                    data::medians(&line),
                ));
            }
        }
        if drawn {
            let diverged = run.diverged_at.is_some();
            legend.push(LegendEntry {
                label: run_label(&run.label, run.diverged_at, words),
                color,
                dash,
                marker: if diverged {
                    Marker::Cross
                } else {
                    Marker::None
                },
                group: index,
            });
        }
    }
    let mut extra = Vec::new();
    if let Some((_, label)) = q.threshold {
        legend.push(LegendEntry {
            label: label.to_string(),
            color: lines::REFERENCE_COLOR,
            dash: Some(THRESHOLD_DASH),
            marker: Marker::None,
            group: usize::MAX,
        });
    }
    if let Some(reference) = reference {
        let (series, entry) = lines::reference(reference, usize::MAX);
        extra.push(series);
        legend.push(entry);
    }

    let all_series: Vec<Series> = panels_series.iter().flat_map(|p| p.0.clone()).collect();
    let all_bands: Vec<_> = panels_series.iter().flat_map(|p| p.1.clone()).collect();
    let scale_text = if log {
        &words.axis.log_scale
    } else {
        &words.axis.linear_scale
    };
    let mut y = lines::y_axis(
        &with_scale(q.name, log, words),
        log,
        &all_series,
        &all_bands,
        &extra,
    );
    let capped = q.cap && !log && initial > 0.0 && y.hi > LOSS_CAP_FACTOR * initial * 1.05;
    if capped {
        let (lo, _) = data::bounds(all_series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
        let options = LinearOptions {
            intervals: 6.0,
            integer: false,
            floor_at_zero: true,
        };
        y = axis::linear(
            &y.description,
            lo.min(initial),
            LOSS_CAP_FACTOR * initial,
            options,
        );
    }
    let narrow = metrics.len() > 1;
    let x = step_axis(&all_series, if narrow { 4.0 } else { 7.0 }, words);
    let mut panels = Vec::new();
    for (i, (mut series, bands)) in panels_series.into_iter().enumerate() {
        series.extend(extra.iter().cloned());
        let mut panel = Panel::new(x.clone(), y.clone());
        if narrow {
            panel.subtitle = if i == 0 {
                &words.figure.train_set
            } else {
                &words.figure.test_set
            }
            .clone();
        }
        panel.series = series;
        panel.bands = bands;
        panels.push(panel);
    }
    let sides = if narrow {
        words.desc.over_steps_sides.as_str()
    } else {
        ""
    };
    let mut description = fill(
        &words.desc.over_steps,
        &[
            ("name", &q.name),
            ("scale", scale_text),
            ("sides", &sides),
            ("runs", &run_list_text(by_run.runs, words)),
            ("seeds", &seeds_text(max_seeds, words)),
        ],
    );
    if capped {
        description.push_str(&words.desc.loss_capped);
    }
    Ok(frame::draw(
        &FigureSpec {
            title: title.to_string(),
            description,
            panels,
            columns: metrics.len(),
            legend,
            legend_group: 1,
            colorbar: None,
        },
        words,
    ))
}

/// Training steps on x, from the finite points of `series`.
pub(crate) fn step_axis(series: &[Series], intervals: f64, words: &Words) -> Axis {
    let (lo, hi) = data::bounds(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let options = LinearOptions {
        intervals,
        integer: true,
        floor_at_zero: true,
    };
    axis::linear(&words.axis.steps, lo, hi, options)
}
