//! The results of an experiment as plain data: a tidy table of
//! `(run, seed, step, layer, metric, value)` rows plus one summary per run. The CSV a reader
//! downloads is this table; plots and claims query it. Queries without a seed take the median
//! over the run's seeds, so a figure of a multi-seed run draws its median.

use std::fmt::Write as _;

/// One measurement. `layer` is `None` for whole-network metrics such as `loss`;
/// layers count from 1 (closest to the input) to L+1 (the output layer).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub run: String,
    pub seed: u64,
    pub step: u64,
    pub layer: Option<u32>,
    pub metric: String,
    pub value: f64,
}

/// How one seed of a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedOutcome {
    pub seed: u64,
    /// The step at which loss or a gradient became NaN/Inf, and what did.
    pub diverged: Option<(u64, String)>,
}

/// What happened to one run (one variant of the experiment, over all its seeds).
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// The series label shown in legends and in the CSV's `run` column.
    pub label: String,
    /// The earliest step at which any seed diverged.
    pub diverged_at: Option<u64>,
    pub seeds: Vec<SeedOutcome>,
}

impl RunSummary {
    pub fn new(label: impl Into<String>, seeds: Vec<SeedOutcome>) -> Self {
        let diverged_at = seeds
            .iter()
            .filter_map(|s| s.diverged.as_ref().map(|d| d.0))
            .min();
        RunSummary {
            label: label.into(),
            diverged_at,
            seeds,
        }
    }
}

/// What a histogram counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistogramOf {
    Activations,
    Gradients,
}

/// The distribution of one layer's activations (or their gradients) at one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub run: String,
    pub seed: u64,
    pub step: u64,
    pub layer: u32,
    pub of: HistogramOf,
    /// `counts.len() + 1` ascending bin edges.
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

/// The class a trained network predicts on a regular grid over a 2-D input range.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionGrid {
    pub run: String,
    pub seed: u64,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    /// Cells per side.
    pub resolution: usize,
    /// Row-major, `y` outer (row 0 at `y_range.0`), one class per cell.
    pub classes: Vec<u32>,
}

/// A training point of a 2-D data set, for drawing over its decision regions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataPoint {
    pub x: f64,
    pub y: f64,
    pub class: u32,
}

/// Everything one experiment block measured, runs in the order they were declared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    pub runs: Vec<RunSummary>,
    pub rows: Vec<Row>,
    /// Only when a figure asks for them (activation histograms).
    pub histograms: Vec<Histogram>,
    /// Only when a figure asks for them (decision boundaries).
    pub grids: Vec<DecisionGrid>,
    /// The data set's points, when it is 2-D and a decision boundary is drawn.
    pub points: Vec<DataPoint>,
    /// Runs the engine refused to train, with why (a build error).
    pub problems: Vec<String>,
}

impl Results {
    /// `(step, value)` of one metric of one run (and layer), in step order; the median over
    /// seeds at each step.
    pub fn series(&self, run: &str, metric: &str, layer: Option<u32>) -> Vec<(u64, f64)> {
        let mut points: Vec<(u64, f64)> = self
            .rows
            .iter()
            .filter(|r| r.run == run && r.metric == metric && r.layer == layer)
            .map(|r| (r.step, r.value))
            .collect();
        median_by_key(&mut points)
    }

    /// A per-layer metric of one run at one step as `(layer, value)` in layer order; the
    /// median over seeds.
    pub fn by_layer(&self, run: &str, metric: &str, step: u64) -> Vec<(u32, f64)> {
        let mut points: Vec<(u32, f64)> = self
            .rows
            .iter()
            .filter(|r| r.run == run && r.metric == metric && r.step == step)
            .filter_map(|r| r.layer.map(|layer| (layer, r.value)))
            .collect();
        median_by_key(&mut points)
    }

    /// The steps at which a metric was recorded for a run (any seed), ascending.
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

    /// One seed's value, if it was recorded.
    pub fn value(
        &self,
        run: &str,
        seed: u64,
        metric: &str,
        layer: Option<u32>,
        step: u64,
    ) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| {
                r.run == run
                    && r.seed == seed
                    && r.metric == metric
                    && r.layer == layer
                    && r.step == step
            })
            .map(|r| r.value)
    }

    /// The last step at which one seed recorded a metric.
    pub fn last_step(&self, run: &str, seed: u64, metric: &str) -> Option<u64> {
        self.rows
            .iter()
            .filter(|r| r.run == run && r.seed == seed && r.metric == metric)
            .map(|r| r.step)
            .max()
    }

    /// The highest layer number a metric has in a run.
    pub fn layer_count(&self, run: &str, metric: &str) -> Option<u32> {
        self.rows
            .iter()
            .filter(|r| r.run == run && r.metric == metric)
            .filter_map(|r| r.layer)
            .max()
    }

    pub fn run(&self, label: &str) -> Option<&RunSummary> {
        self.runs.iter().find(|r| r.label == label)
    }

    /// Whether any row of any run has this metric.
    pub fn has_metric(&self, metric: &str) -> bool {
        self.rows.iter().any(|r| r.metric == metric)
    }

    /// The tidy CSV (`run,seed,step,layer,metric,value`). Values use Rust's shortest
    /// round-trip formatting, so the file is deterministic and exact.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("run,seed,step,layer,metric,value\n");
        for row in &self.rows {
            let layer = row.layer.map(|l| l.to_string()).unwrap_or_default();
            let _ = writeln!(
                out,
                "{},{},{},{},{},{}",
                csv_field(&row.run),
                row.seed,
                row.step,
                layer,
                csv_field(&row.metric),
                row.value
            );
        }
        out
    }
}

/// Sort `(key, value)` pairs by key and replace each group of equal keys by its median.
fn median_by_key<K: Ord + Copy>(points: &mut [(K, f64)]) -> Vec<(K, f64)> {
    points.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    points
        .chunk_by(|a, b| a.0 == b.0)
        .map(|group| {
            let values: Vec<f64> = group.iter().map(|p| p.1).collect();
            (group[0].0, median(&values))
        })
        .collect()
}

/// The median of sorted or unsorted values (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5)
}

/// Linear-interpolated quantile (q in [0, 1]); NaN for no values.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

/// A text cell (a run label or a metric name) of the CSV. One a spreadsheet would run as a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return, and not a number
/// such as `-1.5`) gets a leading `'` (OWASP's advice against CSV injection); then the cell is
/// quoted when it holds a comma, quote or line break (RFC 4180).
fn csv_field(text: &str) -> String {
    let formula =
        text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    let text = if formula {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(run: &str, seed: u64, step: u64, layer: Option<u32>, metric: &str, value: f64) -> Row {
        Row {
            run: run.into(),
            seed,
            step,
            layer,
            metric: metric.into(),
            value,
        }
    }

    #[test]
    fn csv_has_header_seed_empty_layer_and_quoted_labels() {
        let results = Results {
            runs: vec![],
            rows: vec![
                row("a,b", 1, 0, Some(1), "grad_norm", 0.5),
                row("plain", 2, 3, None, "loss", 1.25),
            ],
            ..Default::default()
        };
        assert_eq!(
            results.to_csv(),
            "run,seed,step,layer,metric,value\n\"a,b\",1,0,1,grad_norm,0.5\nplain,2,3,,loss,1.25\n"
        );
    }

    #[test]
    fn csv_text_cells_that_look_like_formulas_are_defused_and_numbers_are_not() {
        let cell = |label: &str| {
            let results = Results {
                rows: vec![row(label, 1, 0, None, label, -1.5)],
                ..Default::default()
            };
            let csv = results.to_csv();
            let record = csv
                .strip_prefix("run,seed,step,layer,metric,value\n")
                .and_then(|r| r.strip_suffix(",-1.5\n"))
                .expect("one record whose value column stays a number");
            let (run, metric) = record.split_once(",1,0,,").unwrap();
            assert_eq!(run, metric, "run and metric cells are written alike");
            run.to_string()
        };
        for (label, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
            ),
            ("-x", "'-x"),
            ("+1abc", "'+1abc"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tTAB", "'\tTAB"),
            ("=1,2", "\"'=1,2\""),
            ("-1.5", "-1.5"),
            ("-inf", "-inf"),
            ("+3", "+3"),
            ("1e-3", "1e-3"),
            ("relu", "relu"),
            ("lr 0.1 + 预热", "lr 0.1 + 预热"),
            ("a \"b\"", "\"a \"\"b\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("", ""),
        ] {
            assert_eq!(cell(label), written, "label {label:?}");
        }
    }

    #[test]
    fn queries_take_the_median_over_seeds() {
        let results = Results {
            runs: vec![],
            rows: vec![
                row("r", 1, 5, Some(2), "grad_norm", 2.0),
                row("r", 1, 0, Some(2), "grad_norm", 1.0),
                row("r", 2, 0, Some(2), "grad_norm", 3.0),
                row("r", 3, 0, Some(2), "grad_norm", 10.0),
                row("r", 1, 0, Some(1), "grad_norm", 3.0),
                row("s", 1, 0, Some(1), "grad_norm", 9.0),
            ],
            ..Default::default()
        };
        assert_eq!(
            results.series("r", "grad_norm", Some(2)),
            vec![(0, 3.0), (5, 2.0)]
        );
        assert_eq!(
            results.by_layer("r", "grad_norm", 0),
            vec![(1, 3.0), (2, 3.0)]
        );
        assert_eq!(results.steps("r", "grad_norm"), vec![0, 5]);
        assert_eq!(results.value("r", 3, "grad_norm", Some(2), 0), Some(10.0));
        assert_eq!(results.last_step("r", 1, "grad_norm"), Some(5));
        assert_eq!(results.layer_count("r", "grad_norm"), Some(2));
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(quantile(&[0.0, 10.0], 0.25), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn a_run_diverged_at_its_earliest_seed() {
        let run = RunSummary::new(
            "x",
            vec![
                SeedOutcome {
                    seed: 1,
                    diverged: Some((9, "loss is NaN".into())),
                },
                SeedOutcome {
                    seed: 2,
                    diverged: None,
                },
                SeedOutcome {
                    seed: 3,
                    diverged: Some((4, "loss is inf".into())),
                },
            ],
        );
        assert_eq!(run.diverged_at, Some(4));
    }
}
