//! A plain-text table of an experiment's runs for the terminal (`gradbook run`): per run and
//! seed, the final loss, the first and last layers' gradient norms at the last step, and the
//! step at which it diverged.

use super::claims::format_value;
use super::results::Results;
use crate::nn::Metric;

pub fn summary_table(results: &Results) -> String {
    let header = [
        "run",
        "seed",
        "steps",
        "final loss",
        "‖∇W‖ first layer",
        "‖∇W‖ last layer",
        "diverged at",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for run in &results.runs {
        for outcome in &run.seeds {
            let label = run.label.as_str();
            let last = results.last_step(label, outcome.seed, Metric::Loss);
            let at = |metric: Metric, layer: Option<u32>| {
                last.and_then(|step| results.value(label, outcome.seed, metric, layer, step))
                    .map_or("–".to_string(), format_value)
            };
            let layers = results.layer_count(label, Metric::GradNorm);
            rows.push(vec![
                label.to_string(),
                outcome.seed.to_string(),
                last.map_or("–".into(), |s| s.to_string()),
                at(Metric::Loss, None),
                at(Metric::GradNorm, Some(1)),
                layers.map_or("–".into(), |l| at(Metric::GradNorm, Some(l))),
                outcome
                    .outcome
                    .diverged
                    .as_ref()
                    .map_or("–".into(), |d| format!("{} ({})", d.step, d.what)),
            ]);
        }
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| display_width(&r[c]))
                .chain([display_width(header[c])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{cell}{}", " ".repeat(w - display_width(cell))))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut table = line(header.to_vec());
    table.push_str(&line(
        widths
            .iter()
            .map(|&w| "─".repeat(w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    ));
    for row in &rows {
        table.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    table
}

/// Terminal columns of a string: CJK characters take two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if ('\u{2E80}'..='\u{9FFF}').contains(&c) || ('\u{FF00}'..='\u{FFEF}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::results::Measurement;
    use crate::nn::Divergence;

    #[test]
    fn one_line_per_run_and_seed_with_final_values() {
        let mut results = Results::default();
        let mut row = |run: &str, step, layer, metric, value| {
            let measurement = Measurement {
                step,
                layer,
                metric,
                value,
            };
            results.record(run, 1, measurement);
        };
        row("sigmoid", 9, None, Metric::Loss, 0.7312);
        row("sigmoid", 9, Some(1), Metric::GradNorm, 1.849e-6);
        row("sigmoid", 9, Some(2), Metric::GradNorm, 0.5);
        row("发散", 2, None, Metric::Loss, 40.0);
        results.outcome_mut("发散", 1).diverged = Some(Divergence {
            step: 3,
            what: "loss is NaN".into(),
        });
        let table = summary_table(&results);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4, "{table}");
        assert!(
            lines[2].starts_with("sigmoid")
                && lines[2].contains("0.7312")
                && lines[2].contains("1.849e-6")
                && lines[2].contains("0.5"),
            "{table}"
        );
        assert!(lines[3].contains("3 (loss is NaN)"), "{table}");
    }
}
