//! A network's shape as plain configuration: blocks of layers, with builders for the
//! common cases (an MLP; a residual net) and a check that the shapes fit together.

use crate::nn::error::ConfigError;
use crate::nn::layers::activation::Activation;
use std::collections::BTreeMap;

use crate::nn::layers::init::{Init, InitConfig};
use crate::nn::layers::layer::LayerConfig;
use crate::nn::layers::norm::Norm;

/// One block of a network.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockConfig {
    Plain(LayerConfig),
    /// x + α·F(x), F = `layers` in order (1 or 2 of them, the last as wide as x), with the
    /// block's own norm where `placement` puts it.
    Residual {
        layers: Vec<LayerConfig>,
        alpha: f64,
        /// α is a parameter trained with the rest, starting at `alpha` (ReZero: 0).
        learn_alpha: bool,
        placement: Placement,
        /// Fixup-style start (Zhang et al. 2019): the branch's last layer all zeros, the
        /// others' weights scaled by L^(−1/(2m−2)) for L blocks of m layers.
        fixup: bool,
    },
}

/// Where a residual block normalizes (Xiong et al. 2020).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// Inside the branch, each layer's own norm (the `LayerConfig`'s): x + α·F(x).
    Branch,
    /// Pre-LN: x + α·F(Norm(x)).
    Pre(Norm),
    /// Post-LN (the original Transformer's): Norm(x + α·F(x)).
    Post(Norm),
}

impl Placement {
    pub fn norm(self) -> Option<Norm> {
        match self {
            Placement::Branch => None,
            Placement::Pre(norm) | Placement::Post(norm) => Some(norm),
        }
    }
}

/// The shape of a network. Every layer's parameters start per `init`, drawn from the
/// seed's `Init` stream layer by layer (weights, then biases if they are random); a layer
/// in `init_overrides` then has its weights redrawn from a stream of their own.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkConfig {
    pub input_dim: usize,
    pub blocks: Vec<BlockConfig>,
    pub init: InitConfig,
    /// A norm on the output layer's input (the final norm of Pre-LN stacks), or `None`.
    pub final_norm: Norm,
    /// Dense layer index (0 = nearest the input) → the init of that layer's weights instead
    /// of `init.weights` (`init.gain` still multiplies them; biases are as `init` says).
    pub init_overrides: BTreeMap<usize, Init>,
}

impl NetworkConfig {
    /// A multilayer perceptron: hidden layers of the given widths (which may differ, e.g.
    /// Nielsen's [30, 30]) with `activation`, then a linear output layer.
    pub fn mlp(
        input_dim: usize,
        hidden: &[usize],
        output_dim: usize,
        activation: Activation,
        init: InitConfig,
    ) -> Self {
        let plain = |units, activation| {
            BlockConfig::Plain(LayerConfig {
                units,
                activation,
                norm: Norm::None,
            })
        };
        let mut blocks: Vec<BlockConfig> = hidden.iter().map(|&w| plain(w, activation)).collect();
        blocks.push(plain(output_dim, Activation::Linear));
        NetworkConfig {
            input_dim,
            blocks,
            init,
            final_norm: Norm::None,
            init_overrides: BTreeMap::new(),
        }
    }

    /// A residual net: one dense layer up to `width`, `blocks` residual blocks of
    /// `layers_per_block` (1 or 2) layers each with `activation` and `norm`, scaled by
    /// `alpha`, then a linear output layer.
    #[allow(clippy::too_many_arguments)]
    pub fn residual(
        input_dim: usize,
        width: usize,
        blocks: usize,
        layers_per_block: usize,
        alpha: f64,
        output_dim: usize,
        activation: Activation,
        norm: Norm,
        init: InitConfig,
    ) -> Self {
        let inner = LayerConfig {
            units: width,
            activation,
            norm,
        };
        let mut all = vec![BlockConfig::Plain(LayerConfig {
            norm: Norm::None,
            ..inner
        })];
        all.extend((0..blocks).map(|_| BlockConfig::Residual {
            layers: vec![inner; layers_per_block],
            alpha,
            learn_alpha: false,
            placement: Placement::Branch,
            fixup: false,
        }));
        all.push(BlockConfig::Plain(LayerConfig {
            units: output_dim,
            activation: Activation::Linear,
            norm: Norm::None,
        }));
        NetworkConfig {
            input_dim,
            blocks: all,
            init,
            final_norm: Norm::None,
            init_overrides: BTreeMap::new(),
        }
    }

    /// All layers' configurations, input to output.
    pub fn layers(&self) -> Vec<LayerConfig> {
        self.blocks
            .iter()
            .flat_map(|block| match block {
                BlockConfig::Plain(layer) => vec![*layer],
                BlockConfig::Residual { layers, .. } => layers.clone(),
            })
            .collect()
    }

    pub fn output_dim(&self) -> usize {
        self.layers().last().map_or(self.input_dim, |l| l.units)
    }

    /// Why this network cannot be built, if it cannot.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.input_dim == 0 || self.layers().iter().any(|l| l.units == 0) {
            return Err(ConfigError::NoUnits);
        }
        if self.blocks.is_empty() {
            return Err(ConfigError::NoLayers);
        }
        let mut width = self.input_dim;
        for (b, block) in self.blocks.iter().enumerate() {
            match block {
                BlockConfig::Plain(layer) => width = layer.units,
                BlockConfig::Residual {
                    layers, placement, ..
                } => {
                    let out = layers.last().map(|l| l.units);
                    if !(1..=2).contains(&layers.len()) || out != Some(width) {
                        return Err(ConfigError::ResidualShape {
                            block: b + 1,
                            width,
                        });
                    }
                    check_block_norm(placement.norm())?;
                }
            }
        }
        let layers = self.layers().len();
        if let Some(&layer) = self.init_overrides.keys().find(|&&l| l >= layers) {
            return Err(ConfigError::InitOverrideLayer { layer, layers });
        }
        check_block_norm(Some(self.final_norm))
    }
}

/// A block's own norm (and the final norm) acts on one example at a time: layer norm or
/// RMSNorm. Batch norm there would need running statistics the block does not keep.
fn check_block_norm(norm: Option<Norm>) -> Result<(), ConfigError> {
    match norm {
        Some(Norm::Batch { .. }) => Err(ConfigError::BlockBatchNorm),
        _ => Ok(()),
    }
}
