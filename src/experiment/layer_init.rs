//! `model.layer_init`: per-layer weight inits of a feed-forward net, e.g.
//! `layer_init = { output = { name = "normal", std = 0.01 }, "3" = "orthogonal" }`. Keys are
//! `output` or a dense layer's number 1 … L (as in the CSV's `layer` column); values are
//! anything `init` takes. The other layers keep `init`, bit for bit.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::model::{MlpSpec, Widths};
use super::named::init_spec;
use crate::nn::Init;

/// Which layer an override is for, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum InitLayer {
    /// The output layer, L.
    Output,
    /// Dense layer n, 1 = nearest the input.
    Number(usize),
}

impl fmt::Display for InitLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitLayer::Output => f.write_str("output"),
            InitLayer::Number(n) => write!(f, "{n}"),
        }
    }
}

impl InitLayer {
    /// The dense layer index (0 = nearest the input) in a net of `layers` dense layers.
    pub fn index(self, layers: usize) -> usize {
        match self {
            InitLayer::Output => layers - 1,
            InitLayer::Number(n) => n - 1,
        }
    }
}

/// The overrides as written, in key order.
pub type LayerInits = Vec<(InitLayer, Init)>;

/// Reads the `layer_init` table: each key `output` or a number ≥ 1, each value an init.
pub(super) fn layer_init_spec<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<LayerInits, D::Error> {
    let table = toml::Table::deserialize(deserializer)?;
    let mut overrides = Vec::new();
    for (key, value) in table {
        let layer = match key.as_str() {
            "output" => InitLayer::Output,
            number => match number.parse::<usize>() {
                Ok(0) => {
                    return Err(de::Error::custom(
                        "layer_init: layers count from 1 (nearest the input); there is no layer 0",
                    ));
                }
                Ok(n) => InitLayer::Number(n),
                Err(_) => {
                    return Err(de::Error::custom(format!(
                        "layer_init: unknown layer `{key}`; write \"output\" or a layer number 1 … L, e.g. \"3\""
                    )));
                }
            },
        };
        let init = init_spec(value).map_err(|e: toml::de::Error| {
            de::Error::custom(format!("layer_init.{key}: {}", e.message()))
        })?;
        overrides.push((layer, init));
    }
    Ok(overrides)
}

/// The number of dense layers L of `m`'s net, counted without building it (the range
/// checks run before sizes are known to be sane): the hidden layers and the output layer,
/// or for a residual net the input layer, every block's branch layers and the output layer.
pub(super) fn dense_layers(m: &MlpSpec) -> usize {
    let hidden = match &m.width {
        Widths::Same(_) => m.depth.unwrap_or(1),
        Widths::List(widths) => widths.len(),
    };
    match &m.residual {
        Some(residual) => hidden.saturating_mul(residual.layers).saturating_add(2),
        None => hidden.saturating_add(1),
    }
}

/// Dense layer index → init, for a net of `layers` dense layers; `Err` says which key names a
/// layer the net does not have or names a layer twice.
pub(super) fn resolve(
    overrides: &LayerInits,
    layers: usize,
) -> Result<BTreeMap<usize, Init>, String> {
    let mut by_index = BTreeMap::new();
    for &(layer, init) in overrides {
        if let InitLayer::Number(n) = layer
            && n > layers
        {
            return Err(format!(
                "layer_init names layer {n}, but the net has {layers} dense layers (1 … {layers}; \"output\" is {layers})"
            ));
        }
        if by_index.insert(layer.index(layers), init).is_some() {
            return Err(format!(
                "layer_init names layer {layers} twice (\"output\" is layer {layers})"
            ));
        }
    }
    Ok(by_index)
}

#[cfg(test)]
#[path = "layer_init_tests.rs"]
mod tests;
