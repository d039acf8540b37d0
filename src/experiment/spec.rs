//! The experiment block's language: the TOML an author writes inside ```` ```experiment ````,
//! its defaults, and its validation. Sweeps are applied to the TOML tree before the typed
//! deserialization, so every variant is checked by the same rules as the base block.
//! Errors carry the line (inside the block) and the key, never panic.

use std::fmt;

use serde::Deserialize;

use super::claims::Claim;

pub use super::plot_spec::{PlotKind, PlotSpec, Theory};

pub use super::model::{CellSpec, MlpSpec, Model, ModelKind, RecurrentSpec, ResidualSpec, Widths};
pub use super::settings::{DataName, DataSpec, LrSchedule, Precision, PretrainSpec, TrainSpec};

/// The block as written, before sweeps are expanded.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BlockToml {
    pub(super) id: String,
    pub(super) title: String,
    #[serde(default)]
    pub(super) caption: Option<String>,
    /// The settings tables, checked key by key in `schema` (so every bad key is reported).
    pub(super) data: toml::Table,
    pub(super) model: toml::Table,
    pub(super) train: toml::Table,
    #[serde(default)]
    pub(super) sweep: toml::Table,
    /// A figure name, a table, or a list of them; checked in `parse` so errors are precise.
    #[serde(default)]
    pub(super) plot: Option<toml::Value>,
    #[serde(default)]
    pub(super) seeds: Option<Seeds>,
    #[serde(default)]
    pub(super) case: Option<Vec<toml::Table>>,
    #[serde(default)]
    pub(super) expect: Vec<String>,
    #[serde(default)]
    pub(super) note: Option<String>,
}

/// `seeds = 5` (seeds 1, 2, …, 5; `train.seed` is then not used) or `seeds = [1, 7, 9]`;
/// either as a table `{ count = 5 }` / `{ list = [1, 7, 9] }` with `data = true` to draw
/// the data with each seed too (`data.seed` is then not used).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Seeds {
    Count(i64),
    List(Vec<u64>),
    Table(SeedTable),
}

impl<'de> Deserialize<'de> for Seeds {
    /// By the value's shape, so a wrong table says what is wrong in it.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let fail = |e: toml::de::Error| D::Error::custom(e.message().trim_end());
        match toml::Value::deserialize(deserializer)? {
            toml::Value::Integer(n) => Ok(Seeds::Count(n)),
            list @ toml::Value::Array(_) => Vec::deserialize(list).map(Seeds::List).map_err(fail),
            table @ toml::Value::Table(_) => SeedTable::deserialize(table)
                .map(Seeds::Table)
                .map_err(fail),
            _ => Err(D::Error::custom(
                "expected a count (seeds = 5), a list (seeds = [1, 7, 9]) or a table { count = 5, data = true }",
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SeedTable {
    #[serde(default)]
    pub count: Option<i64>,
    #[serde(default)]
    pub list: Option<Vec<u64>>,
    /// The data set (and its train/test split) is drawn with each training seed.
    #[serde(default)]
    pub data: bool,
}

/// One fully specified training run: the block's settings with one sweep point applied.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    #[serde(skip)]
    pub label: String,
    /// The training seeds this variant runs with (`train.seed` alone unless `seeds` is given).
    #[serde(skip)]
    pub seeds: Vec<u64>,
    /// Each seed draws its own data set too (`seeds = { …, data = true }`).
    #[serde(skip)]
    pub seeds_vary_data: bool,
    /// The sweep's `(dotted key, value as shown in the label)` for this variant, in the
    /// sweep's order; empty without a sweep. Lets pages group runs by a swept value.
    #[serde(skip)]
    pub sweep_point: Vec<(String, String)>,
    /// What the block's figures and claims need recorded beyond the defaults.
    #[serde(skip)]
    pub needs: ProbeNeeds,
    pub data: DataSpec,
    pub model: Model,
    pub train: TrainSpec,
}

/// Probes a run records only when a figure or a claim needs them (they cost time).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProbeNeeds {
    /// δ norms, update ratios and activation statistics per layer.
    pub layer_stats: bool,
    /// Loss and accuracy over the whole train and test sets.
    pub evaluate: bool,
    /// Steps at which to take activation and gradient histograms.
    pub histogram_steps: Vec<u64>,
    /// Classify a grid over the 2-D input plane after training.
    pub decision_grid: bool,
    /// The input–output Jacobian's singular values at init.
    pub jacobian: bool,
    /// The loss Hessian's top eigenvalue over training.
    pub sharpness: bool,
}

/// A parsed, validated experiment block: what to run and what to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    pub id: String,
    pub title: String,
    pub caption: Option<String>,
    /// The author's remark, shown with the spec under the figures.
    pub note: Option<String>,
    pub plots: Vec<PlotSpec>,
    /// One per variant (case × sweep point), each with its seeds.
    pub runs: Vec<RunSpec>,
    pub claims: Vec<Claim>,
}

/// A problem in a block. `line` is 1-based inside the block's TOML text.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub line: usize,
    pub column: usize,
    pub key: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "key `{key}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}
