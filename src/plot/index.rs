//! The rows, histograms and decision grids of one `Results`, indexed by run (and metric,
//! layer and step) once per figure, so a figure reads what it draws instead of scanning every
//! row for every run: that scan was quadratic in the number of runs (1,600 tiny runs took
//! 11.6 s to plot). Each group keeps the table's order, so figures come out byte-identical.

use std::collections::{BTreeMap, HashMap};

use super::data::Along;
use crate::experiment::results::{Results, Row, RunSummary, Seeded};
use crate::nn::{DecisionGrid, Histogram, Metric};

/// One (run, metric)'s rows, grouped both ways a figure reads them.
#[derive(Default)]
struct MetricRows<'a> {
    by_layer: BTreeMap<Option<u32>, Vec<Row<'a>>>,
    by_step: BTreeMap<u64, Vec<Row<'a>>>,
}

pub(crate) struct Indexed<'a> {
    /// The runs to draw, in declaration order (every row belongs to one of them).
    pub runs: &'a [RunSummary],
    /// Run → metric → rows (keyed by run first: a map keyed by a pair of borrowed strings
    /// could not be looked up with shorter-lived ones).
    metrics: HashMap<&'a str, HashMap<Metric, MetricRows<'a>>>,
    histograms: HashMap<&'a str, Vec<Seeded<'a, Histogram>>>,
    grids: HashMap<&'a str, Vec<Seeded<'a, DecisionGrid>>>,
}

impl<'a> Indexed<'a> {
    /// Index the rows of `metrics` (the ones the figure draws) and every histogram and grid.
    pub fn new(results: &'a Results, metrics: &[Metric]) -> Indexed<'a> {
        let mut by_metric: HashMap<&str, HashMap<Metric, MetricRows>> = HashMap::new();
        for row in results.rows().filter(|r| metrics.contains(&r.metric)) {
            let of_run = by_metric.entry(row.run).or_default();
            let rows = of_run.entry(row.metric).or_default();
            rows.by_layer.entry(row.layer).or_default().push(row);
            rows.by_step.entry(row.step).or_default().push(row);
        }
        let mut histograms: HashMap<&str, Vec<Seeded<Histogram>>> = HashMap::new();
        for histogram in results.histograms() {
            histograms.entry(histogram.run).or_default().push(histogram);
        }
        let mut grids: HashMap<&str, Vec<Seeded<DecisionGrid>>> = HashMap::new();
        for grid in results.grids() {
            grids.entry(grid.run).or_default().push(grid);
        }
        Indexed {
            runs: &results.runs,
            metrics: by_metric,
            histograms,
            grids,
        }
    }

    fn metric(&self, run: &str, metric: Metric) -> Option<&MetricRows<'a>> {
        self.metrics.get(run)?.get(&metric)
    }

    /// The rows of `metric` in `run` that `along` groups: one layer's, or one step's.
    pub fn rows(&self, run: &str, metric: Metric, along: Along) -> &[Row<'a>] {
        let rows = self.metric(run, metric).and_then(|m| match along {
            Along::Steps { layer } => m.by_layer.get(&layer),
            Along::Layers { step } => m.by_step.get(&step),
        });
        rows.map_or(&[], Vec::as_slice)
    }

    /// Every row of `metric` in `run`, by step.
    pub fn all_rows(&self, run: &str, metric: Metric) -> impl Iterator<Item = Row<'a>> + '_ {
        let steps = self.metric(run, metric).map(|m| m.by_step.values());
        steps.into_iter().flatten().flatten().copied()
    }

    /// As [`Results::steps`]: the steps `metric` was recorded at in `run`, ascending.
    pub fn steps(&self, run: &str, metric: Metric) -> Vec<u64> {
        self.metric(run, metric)
            .map_or_else(Vec::new, |m| m.by_step.keys().copied().collect())
    }

    /// As [`Results::layer_count`]: the highest layer `metric` has in `run`.
    pub fn layer_count(&self, run: &str, metric: Metric) -> Option<u32> {
        // `None` (whole-network rows) sorts first, so the last key is the highest layer.
        self.metric(run, metric)
            .and_then(|m| m.by_layer.keys().next_back().copied().flatten())
    }

    /// `run`'s histograms, in the table's order.
    pub fn histograms(&self, run: &str) -> &[Seeded<'a, Histogram>] {
        self.histograms.get(run).map_or(&[], Vec::as_slice)
    }

    /// `run`'s decision grids, in the table's order.
    pub fn grids(&self, run: &str) -> &[Seeded<'a, DecisionGrid>] {
        self.grids.get(run).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::fixture;

    /// Where a row's measurement (a histogram, a grid) lives: the same address means the
    /// same row of the table.
    fn at<T>(seeded: &Seeded<T>) -> *const T {
        seeded.item
    }

    /// Every query answers what a scan of the whole table answers.
    #[test]
    fn queries_match_a_scan_of_the_table() {
        let results = fixture::gallery();
        let mut metrics: Vec<Metric> = results.rows().map(|r| r.metric).collect();
        metrics.sort_unstable();
        metrics.dedup();
        let index = Indexed::new(&results, &metrics);
        for run in index.runs {
            let run = run.label.as_str();
            for &metric in &metrics {
                assert_eq!(index.steps(run, metric), results.steps(run, metric));
                assert_eq!(
                    index.layer_count(run, metric),
                    results.layer_count(run, metric)
                );
                let scanned = |keep: &dyn Fn(&Row) -> bool| -> Vec<*const _> {
                    let of_run = results
                        .rows()
                        .filter(|r| r.run == run && r.metric == metric);
                    of_run.filter(|r| keep(r)).map(|r| at(&r)).collect()
                };
                let found = |rows: &[Row]| -> Vec<*const _> { rows.iter().map(at).collect() };
                let by_step: Vec<Row> = index.all_rows(run, metric).collect();
                // By step, then in the table's order within a step, which is the order of
                // the measurements' addresses (one seed's are contiguous, seeds in order).
                let mut all = found(&by_step);
                all.sort();
                let mut table = scanned(&|_| true);
                table.sort();
                assert_eq!(all, table);
                for step in results.steps(run, metric) {
                    let at_step = found(index.rows(run, metric, Along::Layers { step }));
                    assert_eq!(at_step, scanned(&|r| r.step == step));
                }
                for layer in [None, Some(1), Some(2)] {
                    let of = found(index.rows(run, metric, Along::Steps { layer }));
                    assert_eq!(of, scanned(&|r| r.layer == layer));
                }
            }
            let histograms: Vec<*const Histogram> = results
                .histograms()
                .filter(|h| h.run == run)
                .map(|h| at(&h))
                .collect();
            let indexed: Vec<*const Histogram> = index.histograms(run).iter().map(at).collect();
            assert_eq!(indexed, histograms);
            let grids: Vec<*const DecisionGrid> = results
                .grids()
                .filter(|g| g.run == run)
                .map(|g| at(&g))
                .collect();
            let indexed: Vec<*const DecisionGrid> = index.grids(run).iter().map(at).collect();
            assert_eq!(indexed, grids);
        }
    }
}
