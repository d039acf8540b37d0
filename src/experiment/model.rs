//! The `model` table as a type by kind: a feed-forward net ([`MlpSpec`]) or a recurrent one
//! ([`RecurrentSpec`] with its cell), each taking only its own keys. `kind` (default "mlp")
//! picks the shape before the other keys are read, so a key of another kind is refused by
//! name, and a required key (an mlp's `activation` and `width`, a recurrent net's `hidden`)
//! cannot be missing from a parsed model.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer};

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

/// A stack of recurrent cells with a state of `hidden` numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrentSpec {
    pub cell: CellSpec,
    pub hidden: usize,
    /// Stacked layers (default 1).
    pub layers: usize,
    /// How the recurrent matrices start (the engine's default when not given).
    pub recurrent_init: Option<RecurrentInit>,
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

/// The keys of each recurrent kind as written; made into a [`RecurrentSpec`] once read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RnnKeys {
    hidden: usize,
    #[serde(default = "one_layer")]
    layers: usize,
    #[serde(default, deserialize_with = "recurrent_init_spec")]
    recurrent_init: Option<RecurrentInit>,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LstmKeys {
    hidden: usize,
    #[serde(default = "one_layer")]
    layers: usize,
    #[serde(default, deserialize_with = "recurrent_init_spec")]
    recurrent_init: Option<RecurrentInit>,
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
        let recurrent = |cell, hidden, layers, recurrent_init| {
            Model::Recurrent(RecurrentSpec {
                cell,
                hidden,
                layers,
                recurrent_init,
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
                recurrent(cell, k.hidden, k.layers, k.recurrent_init)
            }),
            ModelKind::Gru => keys
                .try_into()
                .map(|k: GruKeys| recurrent(CellSpec::Gru, k.hidden, k.layers, k.recurrent_init)),
            ModelKind::Lstm => keys.try_into().map(|k: LstmKeys| {
                let cell = CellSpec::Lstm {
                    forget_bias: k.forget_bias,
                };
                recurrent(cell, k.hidden, k.layers, k.recurrent_init)
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
            Model::Mlp(m) => flat
                .field("depth", &m.depth)
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
                .field("loss", &m.loss),
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
                    .field("loss", &None::<Loss>)
            }
        };
        flat.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::parse_block;
    use crate::experiment::spec::{RunSpec, SpecError};

    const RNN: &str = "id = \"r\"\ntitle = \"t\"\ndata = { name = \"adding\", length = 5 }\nmodel = { kind = \"rnn\", hidden = 4 }\ntrain = { lr = 0.1, steps = 10 }\n";
    const MLP: &str = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"spirals\" }\nmodel = { depth = 3, width = 8, activation = \"tanh\" }\ntrain = { lr = 0.1, steps = 10 }\n";

    fn only_error(text: &str) -> SpecError {
        let errors = parse_block(text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.into_iter().next().unwrap()
    }

    fn model_of(text: &str) -> Model {
        parse_block(text).unwrap().runs.remove(0).model
    }

    #[test]
    fn the_kind_picks_the_shape_and_its_defaults() {
        let lstm = RNN.replace(
            "\"rnn\", hidden = 4",
            "\"lstm\", hidden = 4, forget_bias = 3.0",
        );
        assert_eq!(
            model_of(&lstm),
            Model::Recurrent(RecurrentSpec {
                cell: CellSpec::Lstm {
                    forget_bias: Some(3.0)
                },
                hidden: 4,
                layers: 1,
                recurrent_init: None,
            })
        );
        let Model::Mlp(mlp) = model_of(MLP) else {
            panic!("no kind is an mlp");
        };
        assert_eq!(
            (
                mlp.depth,
                &mlp.width,
                mlp.activation,
                mlp.gain,
                mlp.residual
            ),
            (Some(3), &Widths::Same(8), Activation::Tanh, 1.0, None)
        );
        let leaky = MLP.replace("\"tanh\"", "\"leaky_relu\", slope = 0.2");
        assert_eq!(
            model_of(&leaky).activation_function(),
            Activation::LeakyRelu { slope: 0.2 }
        );
    }

    #[test]
    fn a_key_of_another_kind_is_unknown_and_says_whose_it_is() {
        for (block, from, to, kind, key, owner) in [
            (
                RNN,
                "hidden = 4",
                "hidden = 4, init = \"he_normal\"",
                "rnn",
                "init",
                "feed-forward models (model.kind = \"mlp\")",
            ),
            (
                RNN,
                "\"rnn\", hidden = 4",
                "\"gru\", hidden = 4, forget_bias = 1.0",
                "gru",
                "forget_bias",
                "model.kind = \"lstm\"",
            ),
            (
                RNN,
                "\"rnn\", hidden = 4",
                "\"lstm\", hidden = 4, activation = \"relu\"",
                "lstm",
                "activation",
                "model.kind = \"mlp\" or \"rnn\"",
            ),
            (
                MLP,
                "depth = 3",
                "depth = 3, hidden = 8",
                "mlp",
                "hidden",
                "recurrent models (model.kind = \"rnn\", \"gru\" or \"lstm\")",
            ),
        ] {
            let e = only_error(&block.replace(from, to));
            assert_eq!(
                (e.line, e.key.as_deref()),
                (4, Some(format!("model.{key}").as_str()))
            );
            assert!(
                e.message.starts_with(&format!(
                    "unknown field `{key}` for model kind `{kind}`: `{key}` belongs to {owner}"
                )),
                "{}",
                e.message
            );
        }
        assert!(parse_block(&RNN.replace("\"rnn\"", "\"gru\"")).is_ok());
    }

    #[test]
    fn misspelt_model_keys_and_kinds_get_a_suggestion() {
        for (from, to, suggested) in [
            (
                "\"rnn\", hidden = 4",
                "\"lstm\", hiden = 4, forget_bias = 1.0",
                "hidden",
            ),
            ("kind = \"rnn\"", "knd = \"rnn\"", "kind"),
            ("\"rnn\"", "\"lstmm\"", "lstm"),
        ] {
            let errors = parse_block(&RNN.replace(from, to)).unwrap_err();
            let wanted = format!("did you mean `{suggested}`?");
            assert!(
                errors.iter().any(|e| e.message.contains(&wanted)),
                "{to}: {errors:?}"
            );
        }
        // An unknown kind is the one problem of the model: its other keys cannot be judged.
        let e = only_error(&RNN.replace(
            "\"rnn\", hidden = 4",
            "\"lstmm\", hidden = 4, forget_bias = 1.0",
        ));
        assert_eq!((e.line, e.key.as_deref()), (4, Some("model.kind")));
    }

    #[test]
    fn each_kind_says_what_it_cannot_do_without() {
        let e = only_error(&RNN.replace(", hidden = 4", ""));
        assert_eq!((e.line, e.key.as_deref()), (4, Some("model.hidden")));
        assert!(e.message.contains("hidden = 16"), "{}", e.message);
        let errors =
            parse_block(&MLP.replace("width = 8, activation = \"tanh\"", "init = \"he_normal\""))
                .unwrap_err();
        let keys: Vec<_> = errors.iter().map(|e| (e.key.as_deref(), e.line)).collect();
        assert_eq!(
            keys,
            [(Some("model.activation"), 4), (Some("model.width"), 4)],
            "{errors:?}"
        );
    }

    #[test]
    fn feed_forward_training_keys_are_refused_for_recurrent_models_when_given() {
        // Given is given: even the default value is refused, since it says nothing here.
        let text = RNN.replace(
            "steps = 10",
            "steps = 10, schedule = \"constant\", warmup = 5,\n  l2 = 0.0",
        );
        let errors = parse_block(&text).unwrap_err();
        let keys: Vec<_> = errors
            .iter()
            .map(|e| (e.key.as_deref().unwrap(), e.line))
            .collect();
        assert_eq!(
            keys,
            [("train.schedule", 5), ("train.warmup", 5), ("train.l2", 6)]
        );
        assert!(
            errors
                .iter()
                .all(|e| e.message.contains("not used by recurrent models"))
        );
    }

    /// The flat text `run::cache_key` hashes, as the code before the typed model printed it
    /// for two runs of the book (content/rnn.md `irnn-clip`, content/backprop.md
    /// `chain-seed003`): cached results stay valid.
    #[test]
    fn a_run_prints_the_text_its_cache_key_always_hashed() {
        let normalized = |text: &str| {
            let run = parse_block(text).unwrap().runs.remove(0);
            let run = RunSpec {
                label: String::new(),
                seeds: Vec::new(),
                ..run
            };
            format!("{run:?}")
        };
        let irnn = "id = \"irnn\"\ntitle = \"t\"\ndata = { name = \"adding\", length = 20, samples = 512, seed = 1 }\nmodel = { kind = \"rnn\", hidden = 16, layers = 1, activation = \"relu\", recurrent_init = \"identity\" }\ntrain = { optimizer = \"sgd\", lr = 0.05, steps = 100, batch = 32, record_every = 5, clip_norm = 1.0 }\nplot = [\"loss\"]\nexpect = [\"test_loss[step=last] < 0.25\"]\n";
        assert_eq!(normalized(irnn), RNN_TEXT);
        let chain = "id = \"chain\"\ntitle = \"t\"\ndata = { name = \"teacher\", dim = 1, teacher_width = 4, outputs = 1, samples = 64, seed = 1 }\nmodel = { depth = 3, width = 1, activation = \"sigmoid\", init = { name = \"normal\", std = 1.0 }, bias_init = { name = \"normal\", std = 1.0 }, loss = \"mean_squared_error\" }\ntrain = { optimizer = \"sgd\", lr = 0.1, steps = 1, batch = 1, seed = 1, precision = \"f64\" }\nplot = [{ kind = \"grad_norm_by_layer\", metric = \"delta\" }]\n";
        assert_eq!(normalized(chain), MLP_TEXT);
    }

    const RNN_TEXT: &str = r#"RunSpec { label: "", seeds: [], sweep_point: [], needs: ProbeNeeds { layer_stats: false, evaluate: true, histogram_steps: [], decision_grid: false }, data: DataSpec { name: Adding, samples: Some(512), noise: 0.1, classes: 2, dim: 2, factor: 0.5, spread: 1.0, teacher_width: 32, outputs: 1, length: Some(20), symbols: 10, alphabet: 8, test_fraction: 0.0, seed: 1 }, model: ModelSpec { kind: Rnn, depth: None, width: None, activation: Some(Relu), hidden: Some(16), layers: 1, forget_bias: None, recurrent_init: Some(Identity { scale: 1.0 }), slope: None, alpha: None, init: XavierNormal, gain: 1.0, bias_init: Zeros, norm: None, residual: None, loss: None }, train: TrainSpec { optimizer: Sgd, momentum: None, beta1: None, beta2: None, rho: None, eps: None, lr: 0.05, schedule: "constant", decay_every: None, decay_factor: None, gamma: None, min_lr_factor: None, warmup: 0, steps: 100, batch: 32, seed: 1, record_every: 5, eval_every: 0, clip_norm: Some(1.0), clip_value: None, l1: 0.0, l2: 0.0, weight_decay: None, pretrain: None, truncation: None, precision: "f32" } }"#;
    const MLP_TEXT: &str = r#"RunSpec { label: "", seeds: [], sweep_point: [], needs: ProbeNeeds { layer_stats: true, evaluate: false, histogram_steps: [], decision_grid: false }, data: DataSpec { name: Teacher, samples: Some(64), noise: 0.1, classes: 2, dim: 1, factor: 0.5, spread: 1.0, teacher_width: 4, outputs: 1, length: None, symbols: 10, alphabet: 8, test_fraction: 0.0, seed: 1 }, model: ModelSpec { kind: Mlp, depth: Some(3), width: Some(Same(1)), activation: Some(Sigmoid), hidden: None, layers: 1, forget_bias: None, recurrent_init: None, slope: None, alpha: None, init: Normal { std: 1.0 }, gain: 1.0, bias_init: Normal { std: 1.0 }, norm: None, residual: None, loss: Some(MeanSquaredError) }, train: TrainSpec { optimizer: Sgd, momentum: None, beta1: None, beta2: None, rho: None, eps: None, lr: 0.1, schedule: "constant", decay_every: None, decay_factor: None, gamma: None, min_lr_factor: None, warmup: 0, steps: 1, batch: 1, seed: 1, record_every: 1, eval_every: 0, clip_norm: None, clip_value: None, l1: 0.0, l2: 0.0, weight_decay: None, pretrain: None, truncation: None, precision: "f64" } }"#;
}
