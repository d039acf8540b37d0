//! The `model` table as a type by kind: a feed-forward net ([`MlpSpec`]) or a recurrent one
//! ([`RecurrentSpec`] with its cell), each taking only its own keys. `kind` (default "mlp")
//! picks the shape before the other keys are read, so a key of another kind is refused by
//! name, and a required key (an mlp's `activation` and `width`, a recurrent net's `hidden`)
//! cannot be missing from a parsed model.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::layer_init::{LayerInits, layer_init_spec};
use super::named::{
    bias_spec, flag_or_table, from_name, init_spec, optional_name, recurrent_init_spec,
};
use crate::nn::recurrent::RecurrentInit;
use crate::nn::{Activation, BiasInit, Init, Loss, Norm};

/// The `model` table of a run.
#[derive(Clone, PartialEq)]
pub enum Model {
    Mlp(MlpSpec),
    Recurrent(RecurrentSpec),
}

/// `model.kind`: feed-forward or one of the recurrent cells.
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
    pub const ALL: [ModelKind; 4] = [
        ModelKind::Mlp,
        ModelKind::Rnn,
        ModelKind::Gru,
        ModelKind::Lstm,
    ];

    /// The name as a block writes it.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Mlp => "mlp",
            ModelKind::Rnn => "rnn",
            ModelKind::Gru => "gru",
            ModelKind::Lstm => "lstm",
        }
    }

    pub fn is_recurrent(self) -> bool {
        self != ModelKind::Mlp
    }
}

/// A multilayer perceptron: `depth` hidden layers (or residual blocks) of `width` units.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpSpec {
    /// Hidden layers (or residual blocks); may be left out when `width` is a list.
    #[serde(default)]
    pub depth: Option<usize>,
    /// Units per hidden layer, or a list of widths, one per hidden layer.
    pub width: Widths,
    #[serde(deserialize_with = "from_name")]
    pub activation: Activation,
    /// leaky_relu's negative slope (default 0.01); elu's α (default 1).
    #[serde(default)]
    pub slope: Option<f64>,
    #[serde(default)]
    pub alpha: Option<f64>,
    #[serde(default = "xavier_normal", deserialize_with = "init_spec")]
    pub init: Init,
    /// Multiplies every initial weight.
    #[serde(default = "one")]
    pub gain: f64,
    #[serde(default, deserialize_with = "bias_spec")]
    pub bias_init: BiasInit,
    /// Per-layer weight inits instead of `init` (`super::layer_init`).
    #[serde(default, deserialize_with = "layer_init_spec")]
    pub layer_init: LayerInits,
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

/// `residual = true` or `residual = { layers = 2, alpha = 0.14 }`, or a Transformer-style
/// MLP block: `residual = { placement = "pre", expand = 4, final_norm = true }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResidualSpec {
    /// Dense layers inside each block's branch F (1 or 2).
    pub layers: usize,
    /// The branch scale α in x + α·F(x) (its start, when learned).
    pub alpha: f64,
    /// α is trained with the rest (ReZero: `alpha = 0, learn_alpha = true`).
    pub learn_alpha: bool,
    /// Where the model's `norm` goes: inside the branch (`none`), `pre` or `post`.
    #[serde(deserialize_with = "from_name")]
    pub placement: PlacementName,
    /// The branch's first layer is `expand` times the width (of two layers).
    pub expand: usize,
    /// A norm (the model's) on the output layer's input: Pre-LN stacks end with one.
    pub final_norm: bool,
    /// Fixup-style start: each branch's last layer zero, the others depth-scaled.
    pub fixup: bool,
}

impl Default for ResidualSpec {
    fn default() -> Self {
        ResidualSpec {
            layers: 2,
            alpha: 1.0,
            learn_alpha: false,
            placement: PlacementName::None,
            expand: 1,
            final_norm: false,
            fixup: false,
        }
    }
}

/// `placement = "none" | "pre" | "post"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlacementName {
    #[default]
    None,
    Pre,
    Post,
}

impl PlacementName {
    pub fn name(self) -> &'static str {
        match self {
            PlacementName::None => "none",
            PlacementName::Pre => "pre",
            PlacementName::Post => "post",
        }
    }
}

impl std::str::FromStr for PlacementName {
    type Err = crate::nn::UnknownName;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        use PlacementName::*;
        crate::nn::by_name(
            "norm placement",
            text,
            &[None, Pre, Post],
            PlacementName::name,
        )
    }
}

/// A stack of recurrent cells with a state of `hidden` numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrentSpec {
    pub cell: CellSpec,
    pub hidden: usize,
    /// Stacked layers (default 1).
    pub layers: usize,
    /// How the recurrent matrices start (the engine's default when not given).
    pub recurrent_init: Option<RecurrentInit>,
    /// How the input-to-hidden weights start (PyTorch's U(−1/√H, 1/√H) when not given).
    pub input_init: Option<Init>,
}

/// The recurrent cell and the keys only it takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellSpec {
    /// A plain RNN: its nonlinearity (default tanh) and that activation's parameters.
    Rnn {
        activation: Option<Activation>,
        slope: Option<f64>,
        alpha: Option<f64>,
    },
    Gru,
    /// The forget gate's initial bias (default 1).
    Lstm {
        forget_bias: Option<f64>,
    },
}

impl Model {
    pub fn kind(&self) -> ModelKind {
        match self {
            Model::Mlp(_) => ModelKind::Mlp,
            Model::Recurrent(r) => match r.cell {
                CellSpec::Rnn { .. } => ModelKind::Rnn,
                CellSpec::Gru => ModelKind::Gru,
                CellSpec::Lstm { .. } => ModelKind::Lstm,
            },
        }
    }

    pub fn is_recurrent(&self) -> bool {
        matches!(self, Model::Recurrent(_))
    }

    /// The nonlinearity of the hidden units, with its parameters applied: the mlp's, the
    /// rnn's (tanh by default), and tanh for the gated cells' candidate state.
    pub fn activation_function(&self) -> Activation {
        match self {
            Model::Mlp(m) => m.activation_function(),
            Model::Recurrent(r) => match r.cell {
                CellSpec::Rnn {
                    activation,
                    slope,
                    alpha,
                } => with_parameters(activation.unwrap_or(Activation::Tanh), slope, alpha),
                CellSpec::Gru | CellSpec::Lstm { .. } => Activation::Tanh,
            },
        }
    }
}

impl MlpSpec {
    /// The activation with its parameters applied.
    pub fn activation_function(&self) -> Activation {
        with_parameters(self.activation, self.slope, self.alpha)
    }

    /// The hidden widths, one per hidden layer (or residual block).
    pub fn hidden(&self) -> Vec<usize> {
        match &self.width {
            Widths::Same(width) => vec![*width; self.depth.unwrap_or(1)],
            Widths::List(widths) => widths.clone(),
        }
    }
}

/// leaky_relu's slope and elu's α where the block gives them.
fn with_parameters(activation: Activation, slope: Option<f64>, alpha: Option<f64>) -> Activation {
    match activation {
        Activation::LeakyRelu { slope: default } => Activation::LeakyRelu {
            slope: slope.unwrap_or(default),
        },
        Activation::Elu { alpha: default } => Activation::Elu {
            alpha: alpha.unwrap_or(default),
        },
        other => other,
    }
}

fn xavier_normal() -> Init {
    Init::XavierNormal
}

fn one() -> f64 {
    1.0
}

fn one_layer() -> usize {
    1
}

fn optional_init<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Init>, D::Error> {
    init_spec(deserializer).map(Some)
}

/// The keys of each recurrent kind as written; made into a [`RecurrentSpec`] once read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RnnKeys {
    hidden: usize,
    #[serde(default = "one_layer")]
    layers: usize,
    #[serde(default, deserialize_with = "recurrent_init_spec")]
    recurrent_init: Option<RecurrentInit>,
    #[serde(default, deserialize_with = "optional_init")]
    input_init: Option<Init>,
    #[serde(default, deserialize_with = "optional_name")]
    activation: Option<Activation>,
    #[serde(default)]
    slope: Option<f64>,
    #[serde(default)]
    alpha: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GruKeys {
    hidden: usize,
    #[serde(default = "one_layer")]
    layers: usize,
    #[serde(default, deserialize_with = "recurrent_init_spec")]
    recurrent_init: Option<RecurrentInit>,
    #[serde(default, deserialize_with = "optional_init")]
    input_init: Option<Init>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LstmKeys {
    hidden: usize,
    #[serde(default = "one_layer")]
    layers: usize,
    #[serde(default, deserialize_with = "recurrent_init_spec")]
    recurrent_init: Option<RecurrentInit>,
    #[serde(default, deserialize_with = "optional_init")]
    input_init: Option<Init>,
    #[serde(default)]
    forget_bias: Option<f64>,
}

impl<'de> Deserialize<'de> for Model {
    /// `kind` first (mlp when not given), then the other keys as that kind's.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut keys = toml::Table::deserialize(deserializer)?;
        let kind = match keys.remove("kind") {
            Some(kind) => ModelKind::deserialize(kind).map_err(de::Error::custom)?,
            None => ModelKind::Mlp,
        };
        let keys = toml::Value::Table(keys);
        let recurrent = |cell, hidden, layers, recurrent_init, input_init| {
            Model::Recurrent(RecurrentSpec {
                cell,
                hidden,
                layers,
                recurrent_init,
                input_init,
            })
        };
        let model = match kind {
            ModelKind::Mlp => keys.try_into().map(Model::Mlp),
            ModelKind::Rnn => keys.try_into().map(|k: RnnKeys| {
                let cell = CellSpec::Rnn {
                    activation: k.activation,
                    slope: k.slope,
                    alpha: k.alpha,
                };
                recurrent(cell, k.hidden, k.layers, k.recurrent_init, k.input_init)
            }),
            ModelKind::Gru => keys.try_into().map(|k: GruKeys| {
                recurrent(
                    CellSpec::Gru,
                    k.hidden,
                    k.layers,
                    k.recurrent_init,
                    k.input_init,
                )
            }),
            ModelKind::Lstm => keys.try_into().map(|k: LstmKeys| {
                let cell = CellSpec::Lstm {
                    forget_bias: k.forget_bias,
                };
                recurrent(cell, k.hidden, k.layers, k.recurrent_init, k.input_init)
            }),
        };
        model.map_err(|e| de::Error::custom(e.message()))
    }
}

impl fmt::Debug for Model {
    /// The flat form every model had before it was typed by kind (all keys side by side,
    /// the unused ones at their defaults). `run::cache_key` hashes a run's Debug text, so
    /// printing this keeps every cached run valid.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let none = None::<f64>;
        let mut flat = f.debug_struct("ModelSpec");
        flat.field("kind", &self.kind());
        match self {
            Model::Mlp(m) => {
                flat.field("depth", &m.depth)
                    .field("width", &Some(&m.width))
                    .field("activation", &Some(m.activation))
                    .field("hidden", &None::<usize>)
                    .field("layers", &1usize)
                    .field("forget_bias", &none)
                    .field("recurrent_init", &None::<RecurrentInit>)
                    .field("slope", &m.slope)
                    .field("alpha", &m.alpha)
                    .field("init", &m.init)
                    .field("gain", &m.gain)
                    .field("bias_init", &m.bias_init)
                    .field("norm", &m.norm)
                    .field("residual", &m.residual)
                    .field("loss", &m.loss);
                // Printed only when given, so the runs cached before it stay valid.
                if !m.layer_init.is_empty() {
                    flat.field("layer_init", &m.layer_init);
                }
                &mut flat
            }
            Model::Recurrent(r) => {
                let (activation, slope, alpha, forget_bias) = match r.cell {
                    CellSpec::Rnn {
                        activation,
                        slope,
                        alpha,
                    } => (activation, slope, alpha, None),
                    CellSpec::Gru => (None, None, None, None),
                    CellSpec::Lstm { forget_bias } => (None, None, None, forget_bias),
                };
                flat.field("depth", &None::<usize>)
                    .field("width", &None::<Widths>)
                    .field("activation", &activation)
                    .field("hidden", &Some(r.hidden))
                    .field("layers", &r.layers)
                    .field("forget_bias", &forget_bias)
                    .field("recurrent_init", &r.recurrent_init)
                    .field("slope", &slope)
                    .field("alpha", &alpha)
                    .field("init", &Init::XavierNormal)
                    .field("gain", &1.0f64)
                    .field("bias_init", &BiasInit::Zeros)
                    .field("norm", &Norm::None)
                    .field("residual", &None::<ResidualSpec>)
                    .field("loss", &None::<Loss>);
                // Printed only when given, so the runs cached before it stay valid.
                if let Some(init) = &r.input_init {
                    flat.field("input_init", init);
                }
                &mut flat
            }
        };
        flat.finish()
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
