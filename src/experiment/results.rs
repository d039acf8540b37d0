//! The results of an experiment as plain data: a tidy table of
//! `(run, step, layer, metric, value)` rows plus one summary per run. The CSV a reader
//! downloads is this table; plots and (later) claims query it.

use std::fmt::Write as _;

/// One measurement. `layer` is `None` for whole-network metrics such as `loss`;
/// layers count from 1 (closest to the input) to L+1 (the output layer).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub run: String,
    pub step: u64,
    pub layer: Option<u32>,
    pub metric: String,
    pub value: f64,
}

/// What happened to one run as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// The series label shown in legends and in the CSV's `run` column.
    pub label: String,
    /// The training step at which loss or a gradient became NaN/Inf, if it did.
    pub diverged_at: Option<u64>,
}

/// Everything one experiment block measured, runs in the order they were declared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    pub runs: Vec<RunSummary>,
    pub rows: Vec<Row>,
}

impl Results {
    /// `(step, value)` pairs of one metric of one run (and layer), in step order.
    pub fn series(&self, run: &str, metric: &str, layer: Option<u32>) -> Vec<(u64, f64)> {
        let mut points: Vec<(u64, f64)> = self
            .rows
            .iter()
            .filter(|r| r.run == run && r.metric == metric && r.layer == layer)
            .map(|r| (r.step, r.value))
            .collect();
        points.sort_by_key(|&(step, _)| step);
        points
    }

    /// Values of a per-layer metric of one run at one step, as `(layer, value)` in layer order.
    pub fn by_layer(&self, run: &str, metric: &str, step: u64) -> Vec<(u32, f64)> {
        let mut points: Vec<(u32, f64)> = self
            .rows
            .iter()
            .filter(|r| r.run == run && r.metric == metric && r.step == step)
            .filter_map(|r| r.layer.map(|layer| (layer, r.value)))
            .collect();
        points.sort_by_key(|&(layer, _)| layer);
        points
    }

    /// The steps at which a metric was recorded for a run, ascending and without repeats.
    pub fn steps(&self, run: &str, metric: &str) -> Vec<u64> {
        let mut steps: Vec<u64> = self
            .rows
            .iter()
            .filter(|r| r.run == run && r.metric == metric)
            .map(|r| r.step)
            .collect();
        steps.sort_unstable();
        steps.dedup();
        steps
    }

    /// The tidy CSV (`run,step,layer,metric,value`). Values use Rust's shortest round-trip
    /// formatting, so the file is deterministic and exact.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("run,step,layer,metric,value\n");
        for row in &self.rows {
            let layer = row.layer.map(|l| l.to_string()).unwrap_or_default();
            let _ = writeln!(
                out,
                "{},{},{},{},{}",
                csv_field(&row.run),
                row.step,
                layer,
                csv_field(&row.metric),
                row.value
            );
        }
        out
    }
}

/// Quote a CSV field when it holds a comma, quote or line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(run: &str, step: u64, layer: Option<u32>, metric: &str, value: f64) -> Row {
        Row {
            run: run.into(),
            step,
            layer,
            metric: metric.into(),
            value,
        }
    }

    #[test]
    fn csv_has_header_empty_layer_and_quoted_labels() {
        let results = Results {
            runs: vec![],
            rows: vec![
                row("a,b", 0, Some(1), "grad_norm", 0.5),
                row("plain", 3, None, "loss", 1.25),
            ],
        };
        assert_eq!(
            results.to_csv(),
            "run,step,layer,metric,value\n\"a,b\",0,1,grad_norm,0.5\nplain,3,,loss,1.25\n"
        );
    }

    #[test]
    fn queries_select_and_sort() {
        let results = Results {
            runs: vec![],
            rows: vec![
                row("r", 5, Some(2), "grad_norm", 2.0),
                row("r", 0, Some(2), "grad_norm", 1.0),
                row("r", 0, Some(1), "grad_norm", 3.0),
                row("s", 0, Some(1), "grad_norm", 9.0),
            ],
        };
        assert_eq!(
            results.series("r", "grad_norm", Some(2)),
            vec![(0, 1.0), (5, 2.0)]
        );
        assert_eq!(
            results.by_layer("r", "grad_norm", 0),
            vec![(1, 3.0), (2, 1.0)]
        );
        assert_eq!(results.steps("r", "grad_norm"), vec![0, 5]);
    }
}
