//! The results of an experiment as plain data: a tidy table of
//! `(run, seed, step, layer, metric, value)` rows plus one summary per run. The CSV a reader
//! downloads is this table; plots and claims query it. Queries without a seed take the median
//! over the run's seeds, so a figure of a multi-seed run draws its median.

use std::fmt::Write as _;

pub use super::outcome::{Measurement, Row, RunOutcome, RunSummary, SeedOutcome, Seeded};
use crate::nn::{DecisionGrid, Histogram, Metric};

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
    /// The data set's points, when it is 2-D and a decision boundary is drawn.
    pub points: Vec<DataPoint>,
    /// Runs the engine refused to train, with why (a build error).
    pub problems: Vec<String>,
}

impl Results {
    /// Every seed's outcome, with its run, in the table's order.
    fn outcomes(&self) -> impl Iterator<Item = (&str, &SeedOutcome)> + Clone {
        self.runs
            .iter()
            .flat_map(|run| run.seeds.iter().map(move |s| (run.label.as_str(), s)))
    }

    /// The tidy table: runs in order, each seed's measurements in recorded order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> + Clone {
        self.outcomes().flat_map(|(run, s)| {
            s.outcome.measurements.iter().map(move |item| Seeded {
                run,
                seed: s.seed,
                item,
            })
        })
    }

    /// Every histogram, with its run and seed, in the table's order.
    pub fn histograms(&self) -> impl Iterator<Item = Seeded<'_, Histogram>> + Clone {
        self.outcomes().flat_map(|(run, s)| {
            s.outcome.histograms.iter().map(move |item| Seeded {
                run,
                seed: s.seed,
                item,
            })
        })
    }

    /// Every decision grid, with its run and seed, in the table's order.
    pub fn grids(&self) -> impl Iterator<Item = Seeded<'_, DecisionGrid>> + Clone {
        self.outcomes().filter_map(|(run, s)| {
            s.outcome.grid.as_ref().map(|item| Seeded {
                run,
                seed: s.seed,
                item,
            })
        })
    }

    /// The rows of one run's `metric`, every seed.
    fn rows_of(&self, run: &str, metric: Metric) -> impl Iterator<Item = Row<'_>> + Clone {
        self.rows()
            .filter(move |r| r.run == run && r.metric == metric)
    }

    /// Add a measurement to `seed` of `run`, adding the run and the seed when they are new
    /// (tests and benches build results this way).
    pub fn record(&mut self, run: &str, seed: u64, measurement: Measurement) {
        self.outcome_mut(run, seed).measurements.push(measurement);
    }

    /// The outcome of `seed` of `run`, added when missing.
    pub fn outcome_mut(&mut self, run: &str, seed: u64) -> &mut RunOutcome {
        let r = match self.runs.iter().rposition(|r| r.label == run) {
            Some(r) => r,
            None => {
                self.runs.push(RunSummary::new(run, Vec::new()));
                self.runs.len() - 1
            }
        };
        let seeds = &mut self.runs[r].seeds;
        let s = match seeds.iter().rposition(|s| s.seed == seed) {
            Some(s) => s,
            None => {
                seeds.push(SeedOutcome {
                    seed,
                    outcome: RunOutcome::default(),
                });
                seeds.len() - 1
            }
        };
        &mut seeds[s].outcome
    }

    /// `(step, value)` of one metric of one run (and layer), in step order; the median over
    /// seeds at each step.
    pub fn series(&self, run: &str, metric: Metric, layer: Option<u32>) -> Vec<(u64, f64)> {
        let mut points: Vec<(u64, f64)> = self
            .rows_of(run, metric)
            .filter(|r| r.layer == layer)
            .map(|r| (r.step, r.value))
            .collect();
        median_by_key(&mut points)
    }

    /// A per-layer metric of one run at one step as `(layer, value)` in layer order; the
    /// median over seeds.
    pub fn by_layer(&self, run: &str, metric: Metric, step: u64) -> Vec<(u32, f64)> {
        let mut points: Vec<(u32, f64)> = self
            .rows_of(run, metric)
            .filter(|r| r.step == step)
            .filter_map(|r| r.layer.map(|layer| (layer, r.value)))
            .collect();
        median_by_key(&mut points)
    }

    /// The steps at which a metric was recorded for a run (any seed), ascending.
    pub fn steps(&self, run: &str, metric: Metric) -> Vec<u64> {
        let mut steps: Vec<u64> = self.rows_of(run, metric).map(|r| r.step).collect();
        steps.sort_unstable();
        steps.dedup();
        steps
    }

    /// One seed's value, if it was recorded.
    pub fn value(
        &self,
        run: &str,
        seed: u64,
        metric: Metric,
        layer: Option<u32>,
        step: u64,
    ) -> Option<f64> {
        self.rows_of(run, metric)
            .find(|r| r.seed == seed && r.layer == layer && r.step == step)
            .map(|r| r.value)
    }

    /// The last step at which one seed recorded a metric.
    /// The first step a seed recorded a metric at (later than 0 when a loss scaler
    /// skipped the first steps).
    pub fn first_step(&self, run: &str, seed: u64, metric: Metric) -> Option<u64> {
        self.rows_of(run, metric)
            .filter(|r| r.seed == seed)
            .map(|r| r.step)
            .min()
    }

    pub fn last_step(&self, run: &str, seed: u64, metric: Metric) -> Option<u64> {
        self.rows_of(run, metric)
            .filter(|r| r.seed == seed)
            .map(|r| r.step)
            .max()
    }

    /// The highest layer number a metric has in a run.
    pub fn layer_count(&self, run: &str, metric: Metric) -> Option<u32> {
        self.rows_of(run, metric).filter_map(|r| r.layer).max()
    }

    pub fn run(&self, label: &str) -> Option<&RunSummary> {
        self.runs.iter().find(|r| r.label == label)
    }

    /// Whether any row of any run has this metric.
    pub fn has_metric(&self, metric: Metric) -> bool {
        self.rows().any(|r| r.metric == metric)
    }

    /// Whether any run recorded any measurement.
    pub fn has_rows(&self) -> bool {
        self.rows().next().is_some()
    }

    /// The tidy CSV (`run,seed,step,layer,metric,value`). Values use Rust's shortest
    /// round-trip formatting, so the file is deterministic and exact.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("run,seed,step,layer,metric,value\n");
        for row in self.rows() {
            let layer = row.layer.map(|l| l.to_string()).unwrap_or_default();
            let _ = writeln!(
                out,
                "{},{},{},{},{},{}",
                csv_field(row.run),
                row.seed,
                row.step,
                layer,
                row.metric.name(),
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

/// A run label as a cell of the CSV (metric names are plain words). One a spreadsheet would run as a
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

    type Row<'a> = (&'a str, u64, u64, Option<u32>, Metric, f64);

    fn row(
        run: &str,
        seed: u64,
        step: u64,
        layer: Option<u32>,
        metric: Metric,
        value: f64,
    ) -> Row<'_> {
        (run, seed, step, layer, metric, value)
    }

    fn table(rows: Vec<Row>) -> Results {
        let mut results = Results::default();
        for (run, seed, step, layer, metric, value) in rows {
            let measurement = Measurement {
                step,
                layer,
                metric,
                value,
            };
            results.record(run, seed, measurement);
        }
        results
    }

    #[test]
    fn csv_has_header_seed_empty_layer_and_quoted_labels() {
        let results = table(vec![
            row("a,b", 1, 0, Some(1), Metric::GradNorm, 0.5),
            row("plain", 2, 3, None, Metric::Loss, 1.25),
        ]);
        assert_eq!(
            results.to_csv(),
            "run,seed,step,layer,metric,value\n\"a,b\",1,0,1,grad_norm,0.5\nplain,2,3,,loss,1.25\n"
        );
    }

    #[test]
    fn csv_text_cells_that_look_like_formulas_are_defused_and_numbers_are_not() {
        let cell = |label: &str| {
            let results = table(vec![row(label, 1, 0, None, Metric::Loss, -1.5)]);
            let csv = results.to_csv();
            let record = csv
                .strip_prefix("run,seed,step,layer,metric,value\n")
                .and_then(|r| r.strip_suffix(",1,0,,loss,-1.5\n"))
                .expect("one record whose value column stays a number");
            record.to_string()
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
    fn metric_names_are_plain_csv_cells() {
        for metric in Metric::ALL {
            assert_eq!(csv_field(metric.name()), metric.name());
        }
    }

    #[test]
    fn queries_take_the_median_over_seeds() {
        let g = Metric::GradNorm;
        let results = table(vec![
            row("r", 1, 5, Some(2), g, 2.0),
            row("r", 1, 0, Some(2), g, 1.0),
            row("r", 2, 0, Some(2), g, 3.0),
            row("r", 3, 0, Some(2), g, 10.0),
            row("r", 1, 0, Some(1), g, 3.0),
            row("s", 1, 0, Some(1), g, 9.0),
        ]);
        assert_eq!(results.series("r", g, Some(2)), vec![(0, 3.0), (5, 2.0)]);
        assert_eq!(results.by_layer("r", g, 0), vec![(1, 3.0), (2, 3.0)]);
        assert_eq!(results.steps("r", g), vec![0, 5]);
        assert_eq!(results.value("r", 3, g, Some(2), 0), Some(10.0));
        assert_eq!(results.last_step("r", 1, g), Some(5));
        assert_eq!(results.layer_count("r", g), Some(2));
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
                SeedOutcome::ended(1, Some((9, "loss is NaN"))),
                SeedOutcome::ended(2, None),
                SeedOutcome::ended(3, Some((4, "loss is inf"))),
            ],
        );
        assert_eq!(run.diverged_at, Some(4));
    }
}
