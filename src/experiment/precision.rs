//! `train.precision` (the float type a run trains in, or an emulated half format) and
//! `train.loss_scale` (the half formats' loss scaling), as the experiment language spells them.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use crate::nn::{UnknownName, by_name};

/// `train.loss_scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LossScaleSpec {
    Static(f64),
    Dynamic { init: f64, growth_interval: usize },
}

impl LossScaleSpec {
    pub fn scaling(self) -> crate::nn::LossScaling {
        match self {
            LossScaleSpec::Static(scale) => crate::nn::LossScaling::Static(scale),
            LossScaleSpec::Dynamic {
                init,
                growth_interval,
            } => crate::nn::LossScaling::Dynamic {
                init,
                growth_interval,
            },
        }
    }
}

/// `loss_scale = { init = 1024, growth_interval = 100 }`: the dynamic scaler's settings.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DynamicScaleTable {
    #[serde(default = "scale_init")]
    init: f64,
    #[serde(default = "growth_interval")]
    growth_interval: usize,
}

impl<'de> Deserialize<'de> for LossScaleSpec {
    /// By the value's shape, so a wrong table says what is wrong in it.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let fail = |e: toml::de::Error| D::Error::custom(e.message().trim_end());
        let dynamic = |table: DynamicScaleTable| LossScaleSpec::Dynamic {
            init: table.init,
            growth_interval: table.growth_interval,
        };
        match toml::Value::deserialize(deserializer)? {
            toml::Value::Integer(n) => Ok(LossScaleSpec::Static(n as f64)),
            toml::Value::Float(x) => Ok(LossScaleSpec::Static(x)),
            toml::Value::String(name) if name == "dynamic" => Ok(dynamic(DynamicScaleTable {
                init: scale_init(),
                growth_interval: growth_interval(),
            })),
            table @ toml::Value::Table(_) => DynamicScaleTable::deserialize(table)
                .map(dynamic)
                .map_err(fail),
            _ => Err(D::Error::custom(
                "expected a number (loss_scale = 1024), \"dynamic\" or a table { init = 65536, growth_interval = 2000 }",
            )),
        }
    }
}

/// `train.precision`: the float type the engine trains in. A new one is a variant here, its
/// name, and an arm where `feed_forward` and `recurrent` pick the engine's float type.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    #[default]
    F32,
    F64,
    /// Emulated IEEE half precision, f32 master weights.
    F16,
    /// Emulated bfloat16, f32 master weights.
    Bf16,
}

impl Precision {
    pub const ALL: [Precision; 4] = [
        Precision::F32,
        Precision::F64,
        Precision::F16,
        Precision::Bf16,
    ];

    /// The name as a block writes it.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
            Precision::F16 => "f16",
            Precision::Bf16 => "bf16",
        }
    }

    /// The emulated half format, if this is one.
    pub fn half_format(self) -> Option<crate::nn::HalfFormat> {
        match self {
            Precision::F16 => Some(crate::nn::HalfFormat::F16),
            Precision::Bf16 => Some(crate::nn::HalfFormat::Bf16),
            Precision::F32 | Precision::F64 => None,
        }
    }
}

impl FromStr for Precision {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        by_name("precision", text, &Precision::ALL, Precision::name)
    }
}

impl fmt::Debug for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.name(), f)
    }
}

/// PyTorch's GradScaler defaults: init_scale 2¹⁶, growth_interval 2000.
fn scale_init() -> f64 {
    65536.0
}

fn growth_interval() -> usize {
    2000
}

#[cfg(test)]
#[path = "precision_tests.rs"]
mod tests;
