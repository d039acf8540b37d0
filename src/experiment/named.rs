//! How the settings' named values are read: an engine enum by its name (an unknown name lists
//! the valid ones), a name or a `{ name = "…", <parameter> = … }` table (`init`, `bias_init`,
//! `recurrent_init`), and `key = true | false | { … }` (`residual`, `pretrain`).

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::nn::recurrent::RecurrentInit;
use crate::nn::{BiasInit, Init};

/// Deserialize an engine enum from its name, so an unknown name lists the valid ones.
pub(super) fn from_name<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err: fmt::Display>,
{
    let name = String::deserialize(deserializer)?;
    name.parse().map_err(de::Error::custom)
}

pub(super) fn optional_name<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err: fmt::Display>,
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
pub(super) fn init_spec<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Init, D::Error> {
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
pub(super) fn bias_spec<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BiasInit, D::Error> {
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
pub(super) fn recurrent_init_spec<'de, D: Deserializer<'de>>(
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
pub(super) fn flag_or_table<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned + Default,
{
    // Read as a TOML value first (not as an untagged enum, which would hide what is
    // wrong inside a table behind "did not match any variant").
    match toml::Value::deserialize(deserializer)? {
        toml::Value::Boolean(on) => Ok(on.then(T::default)),
        table @ toml::Value::Table(_) => T::deserialize(table)
            .map(Some)
            .map_err(|e| de::Error::custom(e.message().trim_end())),
        _ => Err(de::Error::custom(
            "expected true, false or a table of its keys (see the reference appendix)",
        )),
    }
}
