//! What one run produced, as the engine hands it over and results hold it: a seed's
//! [`RunOutcome`] (measurements, histograms, decision grid, divergence), the seeds of one run
//! ([`RunSummary`]), and [`Seeded`], one recorded thing read with its run and seed.

use std::ops::Deref;

use serde::{Deserialize, Serialize};

use crate::nn::{DecisionGrid, Divergence, Histogram, Metric};

/// One measurement of one (variant, seed) run. `layer` is `None` for whole-network metrics
/// such as `loss`; layers count from 1 (closest to the input) to L+1 (the output layer).
/// In the cache a measurement is a 4-element array, not a map with its field names: there
/// are tens of thousands per book, and the names were most of the bytes and of the decoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "MeasurementRow", into = "MeasurementRow")]
pub struct Measurement {
    pub step: u64,
    pub layer: Option<u32>,
    pub metric: Metric,
    pub value: f64,
}

type MeasurementRow = (u64, Option<u32>, Metric, f64);

impl From<MeasurementRow> for Measurement {
    fn from((step, layer, metric, value): MeasurementRow) -> Self {
        Measurement {
            step,
            layer,
            metric,
            value,
        }
    }
}

impl From<Measurement> for MeasurementRow {
    fn from(m: Measurement) -> Self {
        (m.step, m.layer, m.metric, m.value)
    }
}

/// What one (variant, seed) run produced: the unit the cache stores and results hold.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunOutcome {
    pub measurements: Vec<Measurement>,
    /// The step at which loss or a gradient became NaN/Inf, and what did.
    pub diverged: Option<Divergence>,
    /// Only when a figure asks for them (activation histograms).
    pub histograms: Vec<Histogram>,
    /// Only when a figure asks for it (decision boundaries).
    pub grid: Option<DecisionGrid>,
    /// The engine refused the configuration (e.g. shapes that do not fit): never cached.
    pub problem: Option<String>,
}

/// One seed of a run and what it produced.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedOutcome {
    pub seed: u64,
    pub outcome: RunOutcome,
}

impl SeedOutcome {
    /// A seed that recorded nothing but (perhaps) its divergence.
    pub fn ended(seed: u64, diverged: Option<(u64, &str)>) -> Self {
        let diverged = diverged.map(|(step, what)| Divergence {
            step,
            what: what.into(),
        });
        SeedOutcome {
            seed,
            outcome: RunOutcome {
                diverged,
                ..RunOutcome::default()
            },
        }
    }
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
            .filter_map(|s| s.outcome.diverged.as_ref().map(|d| d.step))
            .min();
        RunSummary {
            label: label.into(),
            diverged_at,
            seeds,
        }
    }
}

/// Something one seed of a run recorded (a measurement, a histogram, a grid), with the run
/// and seed it belongs to; it reads as the thing itself.
#[derive(Debug, PartialEq)]
pub struct Seeded<'a, T> {
    pub run: &'a str,
    pub seed: u64,
    pub item: &'a T,
}

impl<T> Clone for Seeded<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Seeded<'_, T> {}

impl<T> Deref for Seeded<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.item
    }
}

/// One row of the tidy table: a measurement with its run and seed.
pub type Row<'a> = Seeded<'a, Measurement>;
