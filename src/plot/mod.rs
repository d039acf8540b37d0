//! Figures: turns an experiment's tidy `Results` into self-contained SVG documents.
//!
//! This module owns every figure gradbook draws: which data each figure kind shows, its
//! layout, styling and accessibility text. Each figure function returns the SVG document as a
//! `String` (no XML declaration, `xmlns` kept) that can be inlined into HTML or written to a
//! `.svg` file as is. The SVG:
//! - has a `viewBox` and fixed width/height, so CSS `width:100%; height:auto` scales it;
//! - draws text, axes and grid in `currentColor`, so it follows the page's light/dark text
//!   colour; only data series use fixed (Okabe–Ito) colours;
//! - starts with `<title>` (the figure title) and `<desc>` (what is plotted, which runs);
//! - is deterministic (same `Results` ⇒ same bytes) and never contains NaN/Inf coordinates.
//!
//! A run keeps the same colour in every figure (its position in `Results::runs`).

mod axis;
mod by_layer;
mod frame;
mod legend;
mod over_steps;
mod shapes;
mod style;
#[cfg(test)]
mod tests;

use crate::experiment::results::{Results, RunSummary};
pub use crate::experiment::{PlotKind, PlotSpec};

pub use by_layer::grad_norm_by_layer;
pub use over_steps::loss;

/// The SVG document for the figure `spec` asks for, titled `title`; `Err` says why it cannot
/// be drawn (e.g. the results lack what the kind needs).
pub fn render(spec: &PlotSpec, results: &Results, title: &str) -> Result<String, String> {
    match spec.kind {
        PlotKind::GradNormByLayer => Ok(grad_norm_by_layer(results, title)),
        PlotKind::Loss => Ok(loss(results, title)),
        other => Err(format!("the figure kind `{other}` is not drawn yet")),
    }
}

/// The runs to draw, in declaration order, followed by any run that has rows but no summary
/// (so data is never silently dropped).
fn list_runs(results: &Results) -> Vec<RunSummary> {
    let mut runs = results.runs.clone();
    for row in &results.rows {
        if !runs.iter().any(|run| run.label == row.run) {
            runs.push(RunSummary::new(row.run.clone(), Vec::new()));
        }
    }
    runs
}

/// "sigmoid、relu（第 40 步发散）" for `<desc>`.
fn run_list_text(results: &Results) -> String {
    let runs = list_runs(results);
    if runs.is_empty() {
        return "无".to_string();
    }
    let names: Vec<String> = runs
        .iter()
        .map(|run| match run.diverged_at {
            Some(step) => format!("{}（第 {step} 步发散）", run.label),
            None => run.label.clone(),
        })
        .collect();
    names.join("、")
}
