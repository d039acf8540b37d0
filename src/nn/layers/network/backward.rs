//! The network's backward pass: from ∂L/∂output, block by block down to the input, through
//! plain layers, residual branches and skips, and the blocks' own norms (pre or post
//! placement, the final norm) and learned α.

use ndarray::{Array2, ArrayView2, Zip};

use super::{Block, Network, Workspace, block_first_layer, block_output};
use crate::nn::Float;
use crate::nn::layers::architecture::Placement;
use crate::nn::layers::layer::LayerGrads;
use crate::nn::precision::round_if;

impl<T: Float> Network<T> {
    /// Backpropagation from ∂L/∂output (`output_grad`) through every block, filling
    /// `grads` (layer 1 first) and each layer's δ in the workspace.
    pub fn backward(
        &self,
        inputs: ArrayView2<T>,
        output_grad: ArrayView2<T>,
        work: &mut Workspace<T>,
        grads: &mut [LayerGrads<T>],
    ) {
        let Workspace {
            layers: caches,
            block_out,
            block_grad,
            block_mid,
            block_norm,
            block_mid_grad,
            rounding,
            ..
        } = work;
        let round = |array: &mut Array2<T>| round_if(*rounding, super::slice_mut(array));
        let last = self.blocks.len() - 1;
        for b in (0..=last).rev() {
            let first = block_first_layer(self.blocks[b]);
            let next_first = self
                .blocks
                .get(b + 1)
                .map_or(self.layers.len(), |&n| block_first_layer(n));
            let (below, rest) = caches.split_at_mut(first);
            let (rest, later) = rest.split_at_mut(next_first - first);
            let block_input = match b {
                0 => inputs,
                _ => block_output(&self.blocks[b - 1], below, &block_out[b - 1]),
            };
            // ∂L/∂(this block's output): the loss's for the last block; else the gradient
            // of the next block's input, which a plain block leaves in its layer's cache
            // and the others in their block_grad. This block writes its own input's
            // gradient to block_grad[b] (unless it is a plain block without a norm).
            let (up_to_here, above) = block_grad.split_at_mut(b + 1);
            let out_grad = match self.blocks.get(b + 1) {
                None => output_grad,
                Some(Block::Plain {
                    pre_norm: false, ..
                }) => later[0].input_grad.view(),
                Some(_) => above[0].view(),
            };
            let input_grad = &mut up_to_here[b];
            let (mid, mid_grad) = (&block_mid[b], &mut block_mid_grad[b]);
            let norm_cache = block_norm[b].as_ref();
            let grads = &mut grads[first..next_first];
            match self.blocks[b] {
                Block::Plain { layer, pre_norm } => {
                    let layer = &self.layers[layer];
                    let (below_wants, layer_grads) = (b > 0, &mut grads[0]);
                    if pre_norm {
                        layer.backward(mid.view(), out_grad, &mut rest[0], layer_grads, true);
                        let norm = layer.block_norm.as_ref().expect("a block norm");
                        let (d_gamma, d_beta) =
                            (&mut layer_grads.block_gamma, &mut layer_grads.block_beta);
                        let cache = norm_cache.expect("a cache");
                        norm.backward(
                            rest[0].input_grad.view(),
                            cache,
                            d_gamma,
                            d_beta,
                            input_grad,
                        );
                        round(input_grad);
                    } else {
                        layer.backward(
                            block_input,
                            out_grad,
                            &mut rest[0],
                            layer_grads,
                            below_wants,
                        );
                    }
                }
                Block::Residual {
                    first,
                    count,
                    placement,
                    ..
                } => {
                    let alpha = self.alpha(b);
                    let block_norm = self.layers[first].block_norm.as_ref();
                    // Post placement: back through y = Norm(s) first, to g = ∂L/∂s.
                    // The scratch buffer serves one placement or the other.
                    let (post_scratch, pre_scratch) = match placement {
                        Placement::Post(_) => (Some(mid_grad), None),
                        _ => (None, Some(mid_grad)),
                    };
                    let sum_grad = match (placement, post_scratch) {
                        (Placement::Post(_), Some(mid_grad)) => {
                            let (d_gamma, d_beta) =
                                (&mut grads[0].block_gamma, &mut grads[0].block_beta);
                            let cache = norm_cache.expect("a cache");
                            block_norm
                                .expect("a block norm")
                                .backward(out_grad, cache, d_gamma, d_beta, mid_grad);
                            round(mid_grad);
                            mid_grad.view()
                        }
                        _ => out_grad,
                    };
                    // A learned α: ∂L/∂α = Σ g ⊙ F.
                    if self.layers[first].alpha.is_some() {
                        let branch_out = &rest[count - 1].out;
                        grads[0].alpha[0] = Zip::from(&sum_grad)
                            .and(branch_out)
                            .fold(T::zero(), |s, &g, &f| s + g * f);
                    }
                    let branch_input = match placement {
                        Placement::Pre(_) => mid.view(),
                        _ => block_input,
                    };
                    // The branch sees α·g (staged in our own input-gradient buffer) ...
                    Zip::from(&mut *input_grad)
                        .and(&sum_grad)
                        .for_each(|s, &g| *s = alpha * g);
                    round(input_grad);
                    let scaled = input_grad.view();
                    if count == 2 {
                        let (one, two) = rest.split_at_mut(1);
                        let (first_grads, second_grads) = grads.split_at_mut(1);
                        self.layers[first + 1].backward(
                            one[0].out.view(),
                            scaled,
                            &mut two[0],
                            &mut second_grads[0],
                            true,
                        );
                        self.layers[first].backward(
                            branch_input,
                            two[0].input_grad.view(),
                            &mut one[0],
                            &mut first_grads[0],
                            true,
                        );
                    } else {
                        self.layers[first].backward(
                            branch_input,
                            scaled,
                            &mut rest[0],
                            &mut grads[0],
                            true,
                        );
                    }
                    // Pre placement: the branch's input gradient back through Norm(x).
                    let branch_grad = match (placement, pre_scratch) {
                        (Placement::Pre(_), Some(mid_grad)) => {
                            let (d_gamma, d_beta) =
                                (&mut grads[0].block_gamma, &mut grads[0].block_beta);
                            let cache = norm_cache.expect("a cache");
                            let norm = block_norm.expect("a block norm");
                            norm.backward(
                                rest[0].input_grad.view(),
                                cache,
                                d_gamma,
                                d_beta,
                                mid_grad,
                            );
                            round(mid_grad);
                            mid_grad.view()
                        }
                        _ => rest[0].input_grad.view(),
                    };
                    // ... and the skip passes g straight through: ∂L/∂x = g + the branch's.
                    Zip::from(&mut *input_grad)
                        .and(&sum_grad)
                        .and(&branch_grad)
                        .for_each(|d, &g, &branch| *d = g + branch);
                    round(input_grad);
                }
            }
        }
    }
}
