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
pub use crate::nn::layers::architecture::{BlockConfig, NetworkConfig};
use crate::nn::layers::layer::{Layer, LayerCache, LayerConfig, LayerGrads};
use crate::nn::layers::norm::Mode;
use crate::nn::rng::{Purpose, RandomStream};

/// Where a block's layers sit in the flat layer list.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Block {
    Plain {
        layer: usize,
    },
    Residual {
        first: usize,
        count: usize,
        alpha: f64,
    },
}

/// A network's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Network<T> {
    input_dim: usize,
    layers: Vec<Layer<T>>,
    blocks: Vec<Block>,
}

/// Reusable buffers for one batch size: per layer caches, and for residual blocks their
/// output and the gradient of their input (a plain block's are in its layer's cache).
#[derive(Debug, Clone)]
pub struct Workspace<T> {
    pub batch: usize,
    pub layers: Vec<LayerCache<T>>,
    block_out: Vec<Array2<T>>,
    /// ∂L/∂(block input), for residual blocks.
    block_grad: Vec<Array2<T>>,
}

impl<T: Float> Network<T> {
    /// Fresh parameters for `config`, from the seed's `Init` stream.
    ///
    /// # Panics
    /// If [`NetworkConfig::check`] rejects the configuration.
    pub fn new(config: &NetworkConfig, seed: u64) -> Self {
        let mut rng = RandomStream::new(seed, Purpose::Init);
        Network::with_rng(config, &mut rng)
    }

    /// Fresh parameters drawn from `rng`.
    pub(crate) fn with_rng(config: &NetworkConfig, rng: &mut RandomStream) -> Self {
        if let Err(problem) = config.check() {
            panic!("Network::new: {problem}");
        }
        let mut layers = Vec::new();
        let mut blocks = Vec::new();
        let mut width = config.input_dim;
        for block in &config.blocks {
            let first = layers.len();
            let members: &[LayerConfig] = match block {
                BlockConfig::Plain(layer) => std::slice::from_ref(layer),
                BlockConfig::Residual { layers, .. } => layers,
            };
            for layer in members {
                layers.push(Layer::new(width, layer, &config.init, rng));
                width = layer.units;
            }
            blocks.push(match block {
                BlockConfig::Plain(_) => Block::Plain { layer: first },
                BlockConfig::Residual { alpha, .. } => Block::Residual {
                    first,
                    count: members.len(),
                    alpha: *alpha,
                },
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
            .map(|layer| Block::Plain { layer })
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
            [_, .., Block::Plain { layer }] => Some(Network {
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
        let input_shaped =
            |block: &Block| Array2::zeros((batch, self.layers[block_first_layer(*block)].fan_in()));
        let residual_output = |block: &Block| match block {
            Block::Plain { .. } => Array2::zeros((0, 0)),
            Block::Residual { .. } => input_shaped(block),
        };
        Workspace {
            batch,
            layers: self.layers.iter().map(|l| l.cache(batch)).collect(),
            block_out: self.blocks.iter().map(residual_output).collect(),
            block_grad: self.blocks.iter().map(residual_output).collect(),
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
        for b in 0..self.blocks.len() {
            let (done, rest) = work.layers.split_at_mut(block_first_layer(self.blocks[b]));
            let (outputs_before, own_output) = work.block_out.split_at_mut(b);
            let block_input = match b {
                0 => inputs,
                _ => block_output(&self.blocks[b - 1], done, &outputs_before[b - 1]),
            };
            match self.blocks[b] {
                Block::Plain { layer } => {
                    self.layers[layer].forward(block_input, mode, &mut rest[0])
                }
                Block::Residual {
                    first,
                    count,
                    alpha,
                } => {
                    self.layers[first].forward(block_input, mode, &mut rest[0]);
                    if count == 2 {
                        let (one, two) = rest.split_at_mut(1);
                        self.layers[first + 1].forward(one[0].out.view(), mode, &mut two[0]);
                    }
                    // y = x + α·F(x)
                    let alpha = T::from_f64(alpha);
                    Zip::from(&mut own_output[0])
                        .and(&block_input)
                        .and(&rest[count - 1].out)
                        .for_each(|y, &x, &f| *y = x + alpha * f);
                }
            }
        }
    }

    /// Backpropagation from ∂L/∂output (`output_grad`) through every block, filling
    /// `grads` (layer 1 first) and each layer's δ in the workspace.
    pub fn backward(
        &self,
        inputs: ArrayView2<T>,
        output_grad: ArrayView2<T>,
        work: &mut Workspace<T>,
        grads: &mut [LayerGrads<T>],
    ) {
        let last = self.blocks.len() - 1;
        for b in (0..=last).rev() {
            let first = block_first_layer(self.blocks[b]);
            let next_first = self
                .blocks
                .get(b + 1)
                .map_or(self.layers.len(), |&n| block_first_layer(n));
            let (below, rest) = work.layers.split_at_mut(first);
            let (rest, later) = rest.split_at_mut(next_first - first);
            let block_input = match b {
                0 => inputs,
                _ => block_output(&self.blocks[b - 1], below, &work.block_out[b - 1]),
            };
            // ∂L/∂(this block's output): the loss's for the last block; else the gradient
            // of the next block's input, which a plain block leaves in its layer's cache
            // and a residual block in its block_grad. A residual block writes its own
            // input's gradient to block_grad[b].
            let (up_to_here, above) = work.block_grad.split_at_mut(b + 1);
            let out_grad = match self.blocks.get(b + 1) {
                None => output_grad,
                Some(Block::Plain { .. }) => later[0].input_grad.view(),
                Some(Block::Residual { .. }) => above[0].view(),
            };
            let input_grad = &mut up_to_here[b];
            match self.blocks[b] {
                Block::Plain { layer } => {
                    self.layers[layer].backward(
                        block_input,
                        out_grad,
                        &mut rest[0],
                        &mut grads[layer],
                        b > 0,
                    );
                }
                Block::Residual {
                    first,
                    count,
                    alpha,
                } => {
                    // The branch sees α·∂L/∂y (staged in our own output buffer) ...
                    let alpha = T::from_f64(alpha);
                    Zip::from(&mut *input_grad)
                        .and(&out_grad)
                        .for_each(|s, &g| *s = alpha * g);
                    let scaled = input_grad.view();
                    if count == 2 {
                        let (one, two) = rest.split_at_mut(1);
                        self.layers[first + 1].backward(
                            one[0].out.view(),
                            scaled,
                            &mut two[0],
                            &mut grads[first + 1],
                            true,
                        );
                        self.layers[first].backward(
                            block_input,
                            two[0].input_grad.view(),
                            &mut one[0],
                            &mut grads[first],
                            true,
                        );
                    } else {
                        self.layers[first].backward(
                            block_input,
                            scaled,
                            &mut rest[0],
                            &mut grads[first],
                            true,
                        );
                    }
                    // ... and the skip passes ∂L/∂y straight through: ∂L/∂x = ∂L/∂y + branch's.
                    Zip::from(&mut *input_grad)
                        .and(&out_grad)
                        .and(&rest[0].input_grad)
                        .for_each(|d, &g, &branch| *d = g + branch);
                }
            }
        }
    }
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
        Block::Plain { layer } => layer,
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
