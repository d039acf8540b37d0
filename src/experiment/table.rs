//! A plain-text table of an experiment's runs for the terminal (`gradbook run`): per run and
//! seed, the final loss, the first and last layers' gradient norms at the last step, and the
//! step at which it diverged.

use super::claims::format_value;
use super::results::Results;

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
            let last = results.last_step(label, outcome.seed, "loss");
            let at = |metric: &str, layer: Option<u32>| {
                last.and_then(|step| results.value(label, outcome.seed, metric, layer, step))
                    .map_or("–".to_string(), format_value)
            };
            let layers = results.layer_count(label, "grad_norm");
            rows.push(vec![
                label.to_string(),
                outcome.seed.to_string(),
                last.map_or("–".into(), |s| s.to_string()),
                at("loss", None),
                at("grad_norm", Some(1)),
                layers.map_or("–".into(), |l| at("grad_norm", Some(l))),
                outcome
                    .diverged
                    .as_ref()
                    .map_or("–".into(), |(step, what)| format!("{step} ({what})")),
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
    use crate::experiment::results::{Row, RunSummary, SeedOutcome};

    #[test]
    fn one_line_per_run_and_seed_with_final_values() {
        let row = |run: &str, step, layer, metric: &str, value| Row {
            run: run.into(),
            seed: 1,
            step,
            layer,
            metric: metric.into(),
            value,
        };
        let results = Results {
            runs: vec![
                RunSummary::new(
                    "sigmoid",
                    vec![SeedOutcome {
                        seed: 1,
                        diverged: None,
                    }],
                ),
                RunSummary::new(
                    "发散",
                    vec![SeedOutcome {
                        seed: 1,
                        diverged: Some((3, "loss is NaN".into())),
                    }],
                ),
            ],
            rows: vec![
                row("sigmoid", 9, None, "loss", 0.7312),
                row("sigmoid", 9, Some(1), "grad_norm", 1.849e-6),
                row("sigmoid", 9, Some(2), "grad_norm", 0.5),
                row("发散", 2, None, "loss", 40.0),
            ],
            ..Default::default()
        };
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
