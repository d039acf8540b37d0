//! The experiment block's language: the TOML an author writes inside ```` ```experiment ````,
//! its defaults, and its validation. Sweeps are applied to the TOML tree before the typed
//! deserialization, so every variant is checked by the same rules as the base block.
//! Errors carry the line (inside the block) and the key, never panic.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::claims::Claim;
use crate::nn::{Activation, Init};

pub use super::plot_spec::{PlotKind, PlotSpec, Theory};

/// Generated data sets (the engine generates them from `seed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataName {
    Spirals,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    pub name: DataName,
    #[serde(default = "defaults::samples")]
    pub samples: usize,
    #[serde(default = "defaults::noise")]
    pub noise: f64,
    #[serde(default = "defaults::classes")]
    pub classes: usize,
    /// The data set's own seed: changing the training seed keeps the data.
    #[serde(default = "defaults::seed")]
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Hidden layers; the network has `depth + 1` weight layers with the output layer.
    pub depth: usize,
    pub width: usize,
    #[serde(deserialize_with = "from_name")]
    pub activation: Activation,
    #[serde(default = "defaults::init", deserialize_with = "init_spec")]
    pub init: Init,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Optimizer {
    Sgd,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    #[serde(default = "defaults::optimizer")]
    pub optimizer: Optimizer,
    pub lr: f64,
    pub steps: usize,
    #[serde(default = "defaults::batch")]
    pub batch: usize,
    #[serde(default = "defaults::seed")]
    pub seed: u64,
    #[serde(default = "defaults::record_every")]
    pub record_every: usize,
}

/// The defaults an author may leave out, written down in one place (and in README.md).
mod defaults {
    use super::{Init, Optimizer};
    pub fn samples() -> usize {
        512
    }
    pub fn noise() -> f64 {
        0.1
    }
    pub fn classes() -> usize {
        2
    }
    pub fn seed() -> u64 {
        1
    }
    pub fn init() -> Init {
        Init::XavierNormal
    }
    pub fn optimizer() -> Optimizer {
        Optimizer::Sgd
    }
    pub fn batch() -> usize {
        64
    }
    pub fn record_every() -> usize {
        1
    }
}

/// The block as written, before sweeps are expanded.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BlockToml {
    pub(super) id: String,
    pub(super) title: String,
    #[serde(default)]
    pub(super) caption: Option<String>,
    #[allow(dead_code)] // read through the TOML tree, typed here so unknown keys are caught
    pub(super) data: DataSpec,
    #[allow(dead_code)]
    pub(super) model: ModelSpec,
    #[allow(dead_code)]
    pub(super) train: TrainSpec,
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

/// `seeds = 5` (train.seed, train.seed + 1, …) or `seeds = [1, 7, 9]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(super) enum Seeds {
    Count(i64),
    List(Vec<u64>),
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
    pub data: DataSpec,
    pub model: ModelSpec,
    pub train: TrainSpec,
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

/// Deserialize an engine enum from its name, so an unknown name lists the valid ones.
fn from_name<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err = String>,
{
    let name = String::deserialize(deserializer)?;
    name.parse().map_err(de::Error::custom)
}

/// `init = "he_normal"` or `init = { name = "normal", std = 0.5 }`.
fn init_spec<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Init, D::Error> {
    struct InitVisitor;

    const HINT: &str =
        "expected \"xavier_normal\", \"he_normal\" or { name = \"normal\", std = 0.5 }";

    fn by_name<E: de::Error>(name: &str, std: Option<f64>) -> Result<Init, E> {
        match (name, std) {
            ("xavier_normal", None) => Ok(Init::XavierNormal),
            ("he_normal", None) => Ok(Init::HeNormal),
            ("normal", Some(std)) if std > 0.0 && std.is_finite() => Ok(Init::Normal { std }),
            ("normal", Some(std)) => {
                Err(E::custom(format!("init std must be positive, got {std}")))
            }
            ("normal", None) => Err(E::custom(
                "init \"normal\" needs a std: write init = { name = \"normal\", std = 1.0 }",
            )),
            ("xavier_normal" | "he_normal", Some(_)) => {
                Err(E::custom(format!("init \"{name}\" takes no std")))
            }
            _ => Err(E::custom(format!("unknown init `{name}`: {HINT}"))),
        }
    }

    impl<'de> Visitor<'de> for InitVisitor {
        type Value = Init;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(HINT)
        }
        fn visit_str<E: de::Error>(self, name: &str) -> Result<Init, E> {
            by_name(name, None)
        }
        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Init, M::Error> {
            let (mut name, mut std) = (None::<String>, None::<f64>);
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "name" => name = Some(map.next_value()?),
                    "std" => std = Some(map.next_value()?),
                    other => return Err(de::Error::unknown_field(other, &["name", "std"])),
                }
            }
            by_name(&name.ok_or_else(|| de::Error::missing_field("name"))?, std)
        }
    }
    deserializer.deserialize_any(InitVisitor)
}
