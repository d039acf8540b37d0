//! The `data`, `model` and `train` tables of an experiment block: every engine option as a
//! TOML key with a documented default. Named choices are parsed by the engine's own names, so
//! an unknown name lists the valid ones.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::nn::recurrent::RecurrentInit;
use crate::nn::{Activation, BiasInit, Init, Loss, Norm, Optimizer};

/// Generated data sets (the engine generates them from `data.seed`), and the shipped digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataName {
    Spirals,
    Moons,
    Circles,
    Xor,
    Blobs,
    Random,
    Sine,
    Teacher,
    Digits,
    /// Sequence tasks for recurrent models (`length` = T).
    Adding,
    Copy,
    Parity,
    DelayedRecall,
}

impl DataName {
    /// The name as a block writes it.
    pub fn name(self) -> &'static str {
        match self {
            DataName::Spirals => "spirals",
            DataName::Moons => "moons",
            DataName::Circles => "circles",
            DataName::Xor => "xor",
            DataName::Blobs => "blobs",
            DataName::Random => "random",
            DataName::Sine => "sine",
            DataName::Teacher => "teacher",
            DataName::Digits => "digits",
            DataName::Adding => "adding",
            DataName::Copy => "copy",
            DataName::Parity => "parity",
            DataName::DelayedRecall => "delayed_recall",
        }
    }

    /// Regression sets are trained with mean squared error and have no classes.
    pub fn is_regression(self) -> bool {
        matches!(self, DataName::Sine | DataName::Teacher)
    }

    /// Sequence tasks, for recurrent models.
    pub fn is_sequence(self) -> bool {
        matches!(
            self,
            DataName::Adding | DataName::Copy | DataName::Parity | DataName::DelayedRecall
        )
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    pub name: DataName,
    /// Examples to generate (digits: how many of the 1,797 to use; all by default).
    #[serde(default)]
    pub samples: Option<usize>,
    #[serde(default = "defaults::noise")]
    pub noise: f64,
    /// spirals, blobs, random.
    #[serde(default = "defaults::classes")]
    pub classes: usize,
    /// Input dimension of blobs, random and teacher.
    #[serde(default = "defaults::dim")]
    pub dim: usize,
    /// circles: the inner circle's radius relative to the outer one.
    #[serde(default = "defaults::factor")]
    pub factor: f64,
    /// blobs: the standard deviation of each cluster.
    #[serde(default = "defaults::spread")]
    pub spread: f64,
    /// teacher: the hidden width and outputs of the random teacher network.
    #[serde(default = "defaults::teacher_width")]
    pub teacher_width: usize,
    #[serde(default = "defaults::one")]
    pub outputs: usize,
    /// Sequence tasks: the length T (default 50; parity 10), the copy task's symbols to
    /// remember and the alphabet size of copy and delayed recall.
    #[serde(default)]
    pub length: Option<usize>,
    #[serde(default = "defaults::symbols")]
    pub symbols: usize,
    #[serde(default = "defaults::alphabet")]
    pub alphabet: usize,
    /// The share of examples held out as a test set (0: none).
    #[serde(default)]
    pub test_fraction: f64,
    /// The data set's own seed: changing the training seed keeps the data.
    #[serde(default = "defaults::seed")]
    pub seed: u64,
}

impl DataSpec {
    /// The number of examples used (before the test split).
    pub fn sample_count(&self) -> usize {
        let default = match self.name {
            DataName::Digits => 1797,
            name if name.is_sequence() => 1024,
            _ => 512,
        };
        self.samples.unwrap_or(default)
    }
}

/// `residual = true` or `residual = { layers = 2, alpha = 0.14 }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResidualSpec {
    /// Dense layers inside each block's branch F (1 or 2).
    pub layers: usize,
    /// The branch scale α in x + α·F(x).
    pub alpha: f64,
}

impl Default for ResidualSpec {
    fn default() -> Self {
        ResidualSpec {
            layers: 2,
            alpha: 1.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// "mlp" (default) or a recurrent cell: "rnn", "gru", "lstm".
    #[serde(default)]
    pub kind: ModelKind,
    /// Hidden layers (or residual blocks); may be left out when `width` is a list.
    #[serde(default)]
    pub depth: Option<usize>,
    /// Units per hidden layer, or a list of widths, one per hidden layer (mlp).
    #[serde(default)]
    pub width: Option<Widths>,
    /// Required for mlp; rnn's nonlinearity (default tanh).
    #[serde(default, deserialize_with = "optional_name")]
    pub activation: Option<Activation>,
    /// Recurrent models: state size, stacked layers, the LSTM's forget-gate bias (default 1)
    /// and how the recurrent matrices start ("pytorch" U(±1/√H) by default, "orthogonal",
    /// "identity", "normal", "xavier_normal", or a table with gain / scale / std).
    #[serde(default)]
    pub hidden: Option<usize>,
    #[serde(default = "defaults::one")]
    pub layers: usize,
    #[serde(default)]
    pub forget_bias: Option<f64>,
    #[serde(default, deserialize_with = "recurrent_init_spec")]
    pub recurrent_init: Option<RecurrentInit>,
    /// leaky_relu's negative slope (default 0.01); elu's α (default 1).
    #[serde(default)]
    pub slope: Option<f64>,
    #[serde(default)]
    pub alpha: Option<f64>,
    #[serde(default = "defaults::init", deserialize_with = "init_spec")]
    pub init: Init,
    /// Multiplies every initial weight.
    #[serde(default = "defaults::one_f")]
    pub gain: f64,
    #[serde(default, deserialize_with = "bias_spec")]
    pub bias_init: BiasInit,
    #[serde(default, deserialize_with = "from_name")]
    pub norm: Norm,
    #[serde(default, deserialize_with = "flag_or_table")]
    pub residual: Option<ResidualSpec>,
    /// Default: softmax cross-entropy for classes, mean squared error for regression.
    #[serde(default, deserialize_with = "optional_name")]
    pub loss: Option<Loss>,
}

/// `width = 32` or `width = [30, 30]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Widths {
    Same(usize),
    List(Vec<usize>),
}

/// Feed-forward or recurrent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    #[default]
    Mlp,
    Rnn,
    Gru,
    Lstm,
}

impl ModelKind {
    pub fn is_recurrent(self) -> bool {
        self != ModelKind::Mlp
    }
}

impl ModelSpec {
    /// The hidden widths, one per hidden layer (or residual block).
    pub fn hidden(&self) -> Vec<usize> {
        match &self.width {
            Some(Widths::Same(width)) => vec![*width; self.depth.unwrap_or(1)],
            Some(Widths::List(widths)) => widths.clone(),
            None => Vec::new(),
        }
    }

    /// The activation with its parameters applied (tanh when none is given).
    pub fn activation_function(&self) -> Activation {
        match self.activation.unwrap_or(Activation::Tanh) {
            Activation::LeakyRelu { slope } => Activation::LeakyRelu {
                slope: self.slope.unwrap_or(slope),
            },
            Activation::Elu { alpha } => Activation::Elu {
                alpha: self.alpha.unwrap_or(alpha),
            },
            other => other,
        }
    }
}

/// `pretrain = true` or `pretrain = { steps_per_layer = 200, lr = 0.1, batch = 64 }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PretrainSpec {
    pub steps_per_layer: usize,
    pub lr: f64,
    pub batch: usize,
}

impl Default for PretrainSpec {
    fn default() -> Self {
        PretrainSpec {
            steps_per_layer: 200,
            lr: 0.1,
            batch: 64,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    #[serde(default = "defaults::optimizer", deserialize_with = "from_name")]
    pub optimizer: Optimizer,
    /// momentum/nesterov's μ; adam's β₁, β₂; rmsprop's ρ; ε of rmsprop and adam.
    #[serde(default)]
    pub momentum: Option<f64>,
    #[serde(default)]
    pub beta1: Option<f64>,
    #[serde(default)]
    pub beta2: Option<f64>,
    #[serde(default)]
    pub rho: Option<f64>,
    #[serde(default)]
    pub eps: Option<f64>,
    pub lr: f64,
    /// "constant", "step" (× decay_factor every decay_every steps), "exponential" (× gamma
    /// per step) or "cosine" (to lr × min_lr_factor at the last step); plus a linear warmup.
    #[serde(default = "defaults::schedule")]
    pub schedule: String,
    #[serde(default)]
    pub decay_every: Option<usize>,
    #[serde(default)]
    pub decay_factor: Option<f64>,
    #[serde(default)]
    pub gamma: Option<f64>,
    #[serde(default)]
    pub min_lr_factor: Option<f64>,
    #[serde(default)]
    pub warmup: usize,
    pub steps: usize,
    #[serde(default = "defaults::batch")]
    pub batch: usize,
    #[serde(default = "defaults::seed")]
    pub seed: u64,
    #[serde(default = "defaults::one_usize")]
    pub record_every: usize,
    /// Evaluate on the whole train (and test) set every this many steps; 0 = only when a
    /// figure or claim needs accuracy, then about 50 times per run.
    #[serde(default)]
    pub eval_every: usize,
    #[serde(default)]
    pub clip_norm: Option<f64>,
    #[serde(default)]
    pub clip_value: Option<f64>,
    #[serde(default)]
    pub l1: f64,
    #[serde(default)]
    pub l2: f64,
    /// Decoupled weight decay (any optimizer; adamw's own when it is adamw).
    #[serde(default)]
    pub weight_decay: Option<f64>,
    #[serde(default, deserialize_with = "flag_or_table")]
    pub pretrain: Option<PretrainSpec>,
    /// Recurrent models: truncated BPTT over this many steps (default: full BPTT).
    #[serde(default)]
    pub truncation: Option<usize>,
    /// "f32" (default, like the frameworks readers know) or "f64".
    #[serde(default = "defaults::precision")]
    pub precision: String,
}

/// The defaults an author may leave out, written down in one place (and in the reference).
mod defaults {
    use super::{Init, Optimizer};
    pub fn noise() -> f64 {
        0.1
    }
    pub fn classes() -> usize {
        2
    }
    pub fn dim() -> usize {
        2
    }
    pub fn factor() -> f64 {
        0.5
    }
    pub fn spread() -> f64 {
        1.0
    }
    pub fn teacher_width() -> usize {
        32
    }
    pub fn one() -> usize {
        1
    }
    pub fn symbols() -> usize {
        10
    }
    pub fn alphabet() -> usize {
        8
    }
    pub fn one_usize() -> usize {
        1
    }
    pub fn one_f() -> f64 {
        1.0
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
    pub fn schedule() -> String {
        "constant".into()
    }
    pub fn batch() -> usize {
        64
    }
    pub fn precision() -> String {
        "f32".into()
    }
}

/// Deserialize an engine enum from its name, so an unknown name lists the valid ones.
fn from_name<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err: std::fmt::Display>,
{
    let name = String::deserialize(deserializer)?;
    name.parse().map_err(de::Error::custom)
}

fn optional_name<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err: std::fmt::Display>,
{
    from_name(deserializer).map(Some)
}

/// A name, or a table `{ name = "…", <parameter> = … }`: the shape of `init` and `bias_init`.
struct NamedTable {
    name: String,
    parameters: Vec<(String, f64)>,
}

impl<'de> Deserialize<'de> for NamedTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NamedVisitor;
        impl<'de> Visitor<'de> for NamedVisitor {
            type Value = NamedTable;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name, or a table with a `name` and its parameters")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<NamedTable, E> {
                Ok(NamedTable {
                    name: name.to_string(),
                    parameters: Vec::new(),
                })
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<NamedTable, M::Error> {
                let (mut name, mut parameters) = (None, Vec::new());
                while let Some(key) = map.next_key::<String>()? {
                    if key == "name" {
                        name = Some(map.next_value()?);
                    } else {
                        parameters.push((key, map.next_value()?));
                    }
                }
                Ok(NamedTable {
                    name: name.ok_or_else(|| de::Error::missing_field("name"))?,
                    parameters,
                })
            }
        }
        deserializer.deserialize_any(NamedVisitor)
    }
}

impl NamedTable {
    /// The parameters, checked against the ones this name takes (`wanted`), in that order.
    fn take<E: de::Error>(&self, wanted: &[&str]) -> Result<Vec<f64>, E> {
        if let Some((extra, _)) = self
            .parameters
            .iter()
            .find(|(k, _)| !wanted.contains(&k.as_str()))
        {
            let takes = if wanted.is_empty() {
                "no parameters".to_string()
            } else {
                wanted.join(", ")
            };
            return Err(E::custom(format!(
                "`{}` takes {takes}, not `{extra}`",
                self.name
            )));
        }
        wanted
            .iter()
            .map(|w| {
                let value = self
                    .parameters
                    .iter()
                    .find(|(k, _)| k == w)
                    .map(|(_, v)| *v);
                value.ok_or_else(|| {
                    E::custom(format!(
                        "`{}` needs `{w}`: write {{ name = \"{}\", {w} = … }}",
                        self.name, self.name
                    ))
                })
            })
            .collect()
    }
}

const INIT_NAMES: &str = "xavier_normal, xavier_uniform, he_normal, he_uniform, lecun_normal, orthogonal, \
     { name = \"normal\", std }, { name = \"uniform\", limit }, { name = \"constant\", value }, { name = \"mean_field\", sigma_w2 }";

/// `init = "he_normal"` or `init = { name = "normal", std = 0.5 }` (and the other schemes).
fn init_spec<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Init, D::Error> {
    let spec = NamedTable::deserialize(deserializer)?;
    let positive = |value: f64, what: &str| {
        if value > 0.0 && value.is_finite() {
            Ok(value)
        } else {
            Err(de::Error::custom(format!(
                "init {what} must be positive, got {value}"
            )))
        }
    };
    Ok(match spec.name.as_str() {
        "xavier_normal" => spec.take(&[]).map(|_| Init::XavierNormal)?,
        "xavier_uniform" => spec.take(&[]).map(|_| Init::XavierUniform)?,
        "he_normal" => spec.take(&[]).map(|_| Init::HeNormal)?,
        "he_uniform" => spec.take(&[]).map(|_| Init::HeUniform)?,
        "lecun_normal" => spec.take(&[]).map(|_| Init::LecunNormal)?,
        "orthogonal" => spec.take(&[]).map(|_| Init::Orthogonal)?,
        "normal" => Init::Normal {
            std: positive(spec.take(&["std"])?[0], "std")?,
        },
        "uniform" => Init::Uniform {
            limit: positive(spec.take(&["limit"])?[0], "limit")?,
        },
        "constant" => Init::Constant {
            value: spec.take(&["value"])?[0],
        },
        "mean_field" => Init::MeanField {
            sigma_w2: positive(spec.take(&["sigma_w2"])?[0], "sigma_w2")?,
        },
        other => {
            return Err(de::Error::custom(format!(
                "unknown init `{other}`; expected {INIT_NAMES}"
            )));
        }
    })
}

/// `bias_init = "zeros"`, `{ name = "constant", value = -1 }` or `{ name = "normal", std = 1 }`.
fn bias_spec<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BiasInit, D::Error> {
    let spec = NamedTable::deserialize(deserializer)?;
    Ok(match spec.name.as_str() {
        "zeros" => spec.take(&[]).map(|_| BiasInit::Zeros)?,
        "constant" => BiasInit::Constant {
            value: spec.take(&["value"])?[0],
        },
        "normal" => BiasInit::Normal {
            std: spec.take(&["std"])?[0],
        },
        other => {
            return Err(de::Error::custom(format!(
                "unknown bias_init `{other}`; expected \"zeros\", {{ name = \"constant\", value }} or {{ name = \"normal\", std }}"
            )));
        }
    })
}

/// `recurrent_init = "orthogonal"` or `{ name = "orthogonal", gain = 1.0 }`, `{ name =
/// "identity", scale = 1.0 }`, `{ name = "normal", std = 0.1 }`.
fn recurrent_init_spec<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<RecurrentInit>, D::Error> {
    let spec = NamedTable::deserialize(deserializer)?;
    let one = |name: &str| -> Result<f64, D::Error> {
        Ok(if spec.parameters.is_empty() {
            1.0
        } else {
            spec.take(&[name])?[0]
        })
    };
    Ok(Some(match spec.name.as_str() {
        "pytorch" => spec.take(&[]).map(|_| RecurrentInit::Pytorch)?,
        "xavier_normal" => spec.take(&[]).map(|_| RecurrentInit::XavierNormal)?,
        "orthogonal" => RecurrentInit::Orthogonal { gain: one("gain")? },
        "identity" => RecurrentInit::Identity {
            scale: one("scale")?,
        },
        "normal" => RecurrentInit::Normal {
            std: spec.take(&["std"])?[0],
        },
        other => {
            return Err(de::Error::custom(format!(
                "unknown recurrent_init `{other}`; expected pytorch, orthogonal (gain), identity (scale), {{ name = \"normal\", std }} or xavier_normal"
            )));
        }
    }))
}

/// `key = true` (the defaults), `key = false` (off) or `key = { … }` (a table of the type).
fn flag_or_table<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written<T> {
        Flag(bool),
        Table(T),
    }
    match Written::<T>::deserialize(deserializer) {
        Ok(Written::Flag(on)) => Ok(on.then(T::default)),
        Ok(Written::Table(table)) => Ok(Some(table)),
        Err(_) => Err(de::Error::custom(
            "expected true, false or a table of its keys (see the reference appendix)",
        )),
    }
}
