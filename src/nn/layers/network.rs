//! The general feed-forward network: a chain of blocks, each a plain [`Layer`] or a
//! residual block y = x + α·F(x) whose branch F is one or two layers (Veit et al. 2016's
//! view: with α small or F near zero, every block starts near the identity, so 50+ blocks
//! still pass signals and gradients).
//!
//! Layers are numbered 1..=N over all layers, input to output, blocks flattened: a residual
//! block with two layers contributes two. The last layer is the output (its activation is
//! usually linear; the loss applies softmax/sigmoid itself).

use ndarray::{Array2, ArrayView2, Zip};

use crate::nn::Float;
pub use crate::nn::layers::architecture::{BlockConfig, NetworkConfig, Placement};
use crate::nn::layers::layer::{Layer, LayerCache, LayerConfig, LayerGrads};
use crate::nn::layers::norm::{Mode, Norm, NormCache, NormLayer};
use crate::nn::precision::{HalfFormat, round_if};
use crate::nn::rng::{Purpose, RandomStream};

mod backward;
mod cast;
mod init_overrides;

/// Where a block's layers sit in the flat layer list. A block's own parameters (its
/// norm, a learned α) are carried by its first layer (`Layer::block_norm`, `Layer::alpha`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Block {
    Plain {
        layer: usize,
        /// The layer's input is normalized first (the final norm of a Pre-LN stack).
        pre_norm: bool,
    },
    Residual {
        first: usize,
        count: usize,
        /// The fixed α; a learned one is `layers[first].alpha`.
        alpha: f64,
        placement: Placement,
    },
}

/// A network's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Network<T> {
    input_dim: usize,
    layers: Vec<Layer<T>>,
    blocks: Vec<Block>,
}

/// Reusable buffers for one batch size: per layer caches, and per block what a plain
/// block does not need (its layer's cache holds its output and input gradient).
#[derive(Debug, Clone)]
pub struct Workspace<T> {
    pub batch: usize,
    pub layers: Vec<LayerCache<T>>,
    /// A residual block's output y.
    block_out: Vec<Array2<T>>,
    /// ∂L/∂(block input), for residual blocks and normalized plain ones.
    block_grad: Vec<Array2<T>>,
    /// Norm(x) (pre placement, a normalized plain block) or x + α·F (post placement).
    block_mid: Vec<Array2<T>>,
    /// The block norm's cache, and scratch for the gradient through it.
    block_norm: Vec<Option<NormCache<T>>>,
    block_mid_grad: Vec<Array2<T>>,
    /// The emulated half format the passes round to (see `nn::precision`), or `None`.
    rounding: Option<HalfFormat>,
}

impl<T: Float> Workspace<T> {
    /// Rounds every tensor the passes write to `format` from now on (`None`: full precision).
    pub fn set_rounding(&mut self, format: Option<HalfFormat>) {
        self.rounding = format;
        for cache in &mut self.layers {
            cache.rounding = format;
        }
    }
}

impl<T: Float> Network<T> {
    /// Fresh parameters for `config`, from the seed's `Init` stream.
    ///
    /// # Panics
    /// If [`NetworkConfig::check`] rejects the configuration.
    pub fn new(config: &NetworkConfig, seed: u64) -> Self {
        let mut rng = RandomStream::new(seed, Purpose::Init);
        let mut network = Network::with_rng(config, &mut rng);
        network.override_inits(config, seed);
        network
    }

    /// Fresh parameters drawn from `rng`.
    pub(crate) fn with_rng(config: &NetworkConfig, rng: &mut RandomStream) -> Self {
        if let Err(problem) = config.check() {
            panic!("Network::new: {problem}");
        }
        let residual_blocks = config
            .blocks
            .iter()
            .filter(|b| matches!(b, BlockConfig::Residual { .. }))
            .count();
        let mut layers = Vec::new();
        let mut blocks = Vec::new();
        let mut width = config.input_dim;
        let last_block = config.blocks.len() - 1;
        for (b, block) in config.blocks.iter().enumerate() {
            let first = layers.len();
            let block_input_width = width;
            let members: &[LayerConfig] = match block {
                BlockConfig::Plain(layer) => std::slice::from_ref(layer),
                BlockConfig::Residual { layers, .. } => layers,
            };
            for layer in members {
                layers.push(Layer::new(width, layer, &config.init, rng));
                width = layer.units;
            }
            blocks.push(match *block {
                BlockConfig::Plain(_) => {
                    let pre_norm = b == last_block && config.final_norm != Norm::None;
                    if pre_norm {
                        let norm = NormLayer::new(config.final_norm, block_input_width);
                        layers[first].block_norm = Some(norm);
                    }
                    Block::Plain {
                        layer: first,
                        pre_norm,
                    }
                }
                BlockConfig::Residual {
                    alpha,
                    learn_alpha,
                    placement,
                    fixup,
                    ..
                } => {
                    let branch = &mut layers[first..];
                    if let Some(norm) = placement.norm() {
                        branch[0].block_norm = Some(NormLayer::new(norm, block_input_width));
                    }
                    if learn_alpha {
                        branch[0].alpha = Some(T::from_f64(alpha));
                    }
                    if fixup {
                        fixup_start(branch, residual_blocks);
                    }
                    Block::Residual {
                        first,
                        count: members.len(),
                        alpha,
                        placement,
                    }
                }
            });
        }
        Network {
            input_dim: config.input_dim,
            layers,
            blocks,
        }
    }

    /// A plain chain of the given layers (used by pretraining to build small autoencoders).
    pub fn from_layers(layers: Vec<Layer<T>>) -> Self {
        let input_dim = layers.first().map_or(0, Layer::fan_in);
        let blocks = (0..layers.len())
            .map(|layer| Block::Plain {
                layer,
                pre_norm: false,
            })
            .collect();
        Network {
            input_dim,
            layers,
            blocks,
        }
    }

    /// The network without its output layer: the hidden stack, whose input–output Jacobian
    /// is the one dynamical isometry is about. `None` when the last block is not a plain
    /// layer or is the only one.
    pub fn hidden_stack(&self) -> Option<Network<T>> {
        match self.blocks.as_slice() {
            [_, .., Block::Plain { layer, .. }] => Some(Network {
                input_dim: self.input_dim,
                layers: self.layers[..*layer].to_vec(),
                blocks: self.blocks[..self.blocks.len() - 1].to_vec(),
            }),
            _ => None,
        }
    }

    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    pub fn output_dim(&self) -> usize {
        self.layers.last().map_or(self.input_dim, Layer::units)
    }

    /// Layers 1..=N at indices 0..N.
    pub fn layers(&self) -> &[Layer<T>] {
        &self.layers
    }

    pub fn layers_mut(&mut self) -> &mut [Layer<T>] {
        &mut self.layers
    }

    /// Buffers for batches of `batch` examples.
    pub fn workspace(&self, batch: usize) -> Workspace<T> {
        let input_width = |block: &Block| self.layers[block_first_layer(*block)].fan_in();
        let empty = || Array2::zeros((0, 0));
        let input_shaped = |block: &Block| Array2::zeros((batch, input_width(block)));
        let residual_only = |block: &Block| match block {
            Block::Plain { .. } => empty(),
            Block::Residual { .. } => input_shaped(block),
        };
        let normalized = |block: &Block| match block {
            Block::Plain { pre_norm, .. } => *pre_norm,
            Block::Residual { placement, .. } => placement.norm().is_some(),
        };
        let if_normalized = |block: &Block| match normalized(block) {
            true => input_shaped(block),
            false => empty(),
        };
        let grad_buffer = |block: &Block| match block {
            Block::Plain { pre_norm: true, .. } | Block::Residual { .. } => input_shaped(block),
            Block::Plain { .. } => empty(),
        };
        Workspace {
            batch,
            layers: self.layers.iter().map(|l| l.cache(batch)).collect(),
            block_out: self.blocks.iter().map(residual_only).collect(),
            block_grad: self.blocks.iter().map(grad_buffer).collect(),
            block_mid: self.blocks.iter().map(if_normalized).collect(),
            block_norm: (self.blocks.iter())
                .map(|b| normalized(b).then(|| NormCache::new(batch, input_width(b))))
                .collect(),
            // Scratch for a residual block's norm only: a plain block's norm writes the
            // gradient of its input straight into block_grad.
            block_mid_grad: (self.blocks.iter())
                .map(|b| match b {
                    Block::Residual { .. } => if_normalized(b),
                    Block::Plain { .. } => empty(),
                })
                .collect(),
            rounding: None,
        }
    }

    /// Zeroed gradients for every layer.
    pub fn zero_grads(&self) -> Vec<LayerGrads<T>> {
        self.layers.iter().map(Layer::zero_grads).collect()
    }

    /// Runs a batch through the network; the output is [`Workspace::output`].
    pub fn forward(&self, inputs: ArrayView2<T>, mode: Mode, work: &mut Workspace<T>) {
        assert_eq!(
            inputs.nrows(),
            work.batch,
            "the workspace is for another batch size"
        );
        let Workspace {
            layers: caches,
            block_out,
            block_mid,
            block_norm,
            rounding,
            ..
        } = work;
        let round = |array: &mut Array2<T>| round_if(*rounding, slice_mut(array));
        for b in 0..self.blocks.len() {
            let (done, rest) = caches.split_at_mut(block_first_layer(self.blocks[b]));
            let (outputs_before, own_output) = block_out.split_at_mut(b);
            let block_input = match b {
                0 => inputs,
                _ => block_output(&self.blocks[b - 1], done, &outputs_before[b - 1]),
            };
            let (mid, norm_cache) = (&mut block_mid[b], &mut block_norm[b]);
            match self.blocks[b] {
                Block::Plain { layer, pre_norm } => {
                    let layer = &self.layers[layer];
                    if pre_norm {
                        let norm = layer.block_norm.as_ref().expect("a block norm");
                        norm.forward(
                            block_input,
                            mode,
                            norm_cache.as_mut().expect("a cache"),
                            mid,
                        );
                        round(mid);
                        layer.forward(mid.view(), mode, &mut rest[0]);
                    } else {
                        layer.forward(block_input, mode, &mut rest[0]);
                    }
                }
                Block::Residual {
                    first,
                    count,
                    placement,
                    ..
                } => {
                    let alpha = self.alpha(b);
                    let norm = self.layers[first].block_norm.as_ref();
                    let branch_input = match placement {
                        Placement::Pre(_) => {
                            let cache = norm_cache.as_mut().expect("a cache");
                            norm.expect("a block norm")
                                .forward(block_input, mode, cache, mid);
                            round(mid);
                            mid.view()
                        }
                        _ => block_input,
                    };
                    self.layers[first].forward(branch_input, mode, &mut rest[0]);
                    if count == 2 {
                        let (one, two) = rest.split_at_mut(1);
                        self.layers[first + 1].forward(one[0].out.view(), mode, &mut two[0]);
                    }
                    let branch_out = &rest[count - 1].out;
                    // y = x + α·F, or for post placement y = Norm(s) with s = x + α·F.
                    let sum = match placement {
                        Placement::Post(_) => &mut *mid,
                        _ => &mut own_output[0],
                    };
                    Zip::from(&mut *sum)
                        .and(&block_input)
                        .and(branch_out)
                        .for_each(|y, &x, &f| *y = x + alpha * f);
                    round(sum);
                    if let Placement::Post(_) = placement {
                        let cache = norm_cache.as_mut().expect("a cache");
                        let norm = norm.expect("a block norm");
                        norm.forward(mid.view(), mode, cache, &mut own_output[0]);
                        round(&mut own_output[0]);
                    }
                }
            }
        }
    }

    /// Block `b`'s α: learned (carried by its first layer) or fixed; 1 for a plain block.
    fn alpha(&self, b: usize) -> T {
        match self.blocks[b] {
            Block::Plain { .. } => T::one(),
            Block::Residual { first, alpha, .. } => {
                self.layers[first].alpha.unwrap_or(T::from_f64(alpha))
            }
        }
    }
}

/// Fixup's start for one block's branch among `blocks` residual blocks: the last layer's
/// weights zero (the block starts as the identity, and its gradient still reaches that
/// layer), the others' scaled by L^(−1/(2m−2)) so the sum over blocks stays O(1).
fn fixup_start<T: Float>(branch: &mut [Layer<T>], blocks: usize) {
    let m = branch.len();
    if m >= 2 {
        let scale = T::from_f64((blocks as f64).powf(-1.0 / (2.0 * m as f64 - 2.0)));
        for layer in &mut branch[..m - 1] {
            layer.dense.weights.mapv_inplace(|w| w * scale);
        }
    }
    branch[m - 1].dense.weights.fill(T::zero());
}

impl<T: Float> Network<T> {
    /// The network's output after [`Network::forward`] on `work`.
    pub fn output<'a>(&self, work: &'a Workspace<T>) -> ArrayView2<'a, T> {
        let last = self.blocks.len() - 1;
        block_output(&self.blocks[last], &work.layers, &work.block_out[last])
    }

    /// Batch norm's running averages move toward the batch statistics in `work` (a no-op
    /// without batch norm).
    pub fn update_running_stats(&mut self, work: &Workspace<T>) {
        for (layer, cache) in self.layers.iter_mut().zip(&work.layers) {
            if let (Some(norm), Some(norm_cache)) = (&mut layer.norm, &cache.norm) {
                norm.update_running_stats(norm_cache, work.batch);
            }
        }
    }

    /// The outputs for `inputs`, in evaluation mode, in chunks of at most 1024 rows.
    pub fn predict(&self, inputs: ArrayView2<T>) -> Array2<T> {
        let mut outputs = Array2::zeros((inputs.nrows(), self.output_dim()));
        let chunk = 1024;
        let mut work: Option<Workspace<T>> = None;
        for (rows, mut out) in inputs
            .axis_chunks_iter(ndarray::Axis(0), chunk)
            .zip(outputs.axis_chunks_iter_mut(ndarray::Axis(0), chunk))
        {
            if work.as_ref().is_none_or(|w| w.batch != rows.nrows()) {
                work = Some(self.workspace(rows.nrows()));
            }
            let work = work.as_mut().expect("just made");
            self.forward(rows, Mode::Eval, work);
            out.assign(&self.output(work));
        }
        outputs
    }
}

fn block_first_layer(block: Block) -> usize {
    match block {
        Block::Plain { layer, .. } => layer,
        Block::Residual { first, .. } => first,
    }
}

/// A block's output, given the layer caches before the next block and its own buffer.
fn block_output<'a, T>(
    block: &Block,
    layers_before: &'a [LayerCache<T>],
    own: &'a Array2<T>,
) -> ArrayView2<'a, T> {
    match block {
        Block::Plain { .. } => layers_before
            .last()
            .expect("a plain block has a layer")
            .out
            .view(),
        Block::Residual { .. } => own.view(),
    }
}

fn slice_mut<T>(array: &mut Array2<T>) -> &mut [T] {
    array
        .as_slice_mut()
        .expect("the engine's arrays are contiguous")
}
