//! The residual blocks of today's nets, checked: Pre-LN x + α·F(Norm(x)) and Post-LN
//! Norm(x + α·F(x)) with the Transformer's MLP branch (width → k·width → width), a final
//! norm, a learned α (ReZero) and Fixup's zero start. Finite differences (f64, relative
//! error < 1e-6, as in `gradcheck_tests.rs`) for every placement, norm and gate; then what
//! the theory says they do at initialization.

use ndarray::Array2;

use super::gradcheck_tests::{batch, check, init};
use crate::nn::layers::activation::Activation;
use crate::nn::layers::init::{Init, InitConfig};
use crate::nn::layers::layer::LayerConfig;
use crate::nn::layers::loss::{Loss, Targets};
use crate::nn::layers::network::{BlockConfig, Network, NetworkConfig, Placement};
use crate::nn::layers::norm::{Mode, Norm};
use crate::nn::rng::{Purpose, RandomStream};
use crate::nn::training::regularize::Regularization;

fn dense(units: usize, activation: Activation) -> LayerConfig {
    LayerConfig {
        units,
        activation,
        norm: Norm::None,
    }
}

/// input → width (tanh), `blocks` residual blocks, linear output; the branch is
/// width → expand·width (`activation`) → width (linear), or one layer of `activation`.
#[allow(clippy::too_many_arguments)]
fn transformer_stack(
    input_dim: usize,
    width: usize,
    blocks: usize,
    branch_layers: usize,
    expand: usize,
    activation: Activation,
    placement: Placement,
    learn_alpha: bool,
    alpha: f64,
    final_norm: Norm,
    init: InitConfig,
) -> NetworkConfig {
    let branch = match branch_layers {
        1 => vec![dense(width, activation)],
        _ => vec![
            dense(expand * width, activation),
            dense(width, Activation::Linear),
        ],
    };
    let mut all = vec![BlockConfig::Plain(dense(width, Activation::Tanh))];
    all.extend((0..blocks).map(|_| BlockConfig::Residual {
        layers: branch.clone(),
        alpha,
        learn_alpha,
        placement,
        fixup: false,
    }));
    all.push(BlockConfig::Plain(dense(3, Activation::Linear)));
    NetworkConfig {
        input_dim,
        blocks: all,
        init,
        final_norm,
        init_overrides: Default::default(),
    }
}

#[test]
fn every_placement_norm_and_gate_backpropagates_exactly() {
    let batch = batch();
    for norm in [Norm::LAYER, Norm::RMS] {
        for placement in [Placement::Pre(norm), Placement::Post(norm)] {
            for (branch, expand) in [(1, 1), (2, 3)] {
                for learn_alpha in [false, true] {
                    let final_norm = match placement {
                        Placement::Pre(_) => norm,
                        _ => Norm::None,
                    };
                    let config = transformer_stack(
                        3,
                        4,
                        2,
                        branch,
                        expand,
                        Activation::Gelu,
                        placement,
                        learn_alpha,
                        0.6,
                        final_norm,
                        init(),
                    );
                    let mut net = Network::<f64>::new(&config, 6);
                    // γ, β and α off their starting values: tested in general position.
                    let mut rng = RandomStream::new(8, Purpose::Data);
                    for layer in net.layers_mut() {
                        if let Some(n) = &mut layer.block_norm {
                            n.gamma.mapv_inplace(|_| 1.0 + 0.3 * rng.normal());
                            n.beta.mapv_inplace(|_| 0.3 * rng.normal());
                        }
                        if let Some(alpha) = &mut layer.alpha {
                            *alpha += 0.2 * rng.normal();
                        }
                    }
                    let (error, at) = check(
                        &net,
                        Loss::SoftmaxCrossEntropy,
                        Regularization::default(),
                        &batch,
                    );
                    assert!(
                        error < 1e-6,
                        "{placement:?}, branch {branch}×{expand}, learned α {learn_alpha}: \
                         layer {at} relative error {error:e}"
                    );
                }
            }
        }
    }
}

/// The hidden stack's output and each layer's gradients for a batch of Gaussian inputs.
fn pass(
    net: &Network<f64>,
    inputs: &Array2<f64>,
    labels: &[usize],
) -> Vec<super::layer::LayerGrads<f64>> {
    let mut work = net.workspace(inputs.nrows());
    net.forward(inputs.view(), Mode::Train, &mut work);
    let (_, output_grad) =
        Loss::SoftmaxCrossEntropy.evaluate(net.output(&work), Targets::Labels(labels));
    let mut grads = net.zero_grads();
    net.backward(inputs.view(), output_grad.view(), &mut work, &mut grads);
    grads
}

fn gaussian(rows: usize, columns: usize, seed: u64) -> Array2<f64> {
    let mut rng = RandomStream::new(seed, Purpose::Data);
    Array2::from_shape_simple_fn((rows, columns), || rng.normal())
}

#[test]
fn rezero_starts_as_the_identity_and_its_gradient_reaches_every_alpha() {
    // Bachlechner et al. 2020: with α = 0 each block is the identity, so the hidden stack
    // returns the first layer's output unchanged; ∂L/∂α = Σ g ⊙ F is not zero (F is not),
    // while the branches' own weights get exactly zero gradient until α moves.
    let config = transformer_stack(
        3,
        8,
        5,
        2,
        2,
        Activation::Relu,
        Placement::Branch,
        true,
        0.0,
        Norm::None,
        InitConfig::new(Init::HeNormal),
    );
    let net = Network::<f64>::new(&config, 4);
    let inputs = gaussian(16, 3, 5);
    let stack = net.hidden_stack().expect("a hidden stack");
    let first_only = Network::from_layers(net.layers()[..1].to_vec());
    assert_eq!(
        stack.predict(inputs.view()),
        first_only.predict(inputs.view())
    );
    let labels: Vec<usize> = (0..16).map(|i| i % 3).collect();
    let grads = pass(&net, &inputs, &labels);
    let blocks: Vec<_> = (1..net.layers().len() - 1).step_by(2).collect();
    assert_eq!(blocks.len(), 5);
    for &first in &blocks {
        assert!(
            grads[first].alpha[0].abs() > 1e-6,
            "block at layer {}",
            first + 1
        );
        let mut branch_weights = grads[first]
            .weights
            .iter()
            .chain(grads[first + 1].weights.iter());
        assert!(branch_weights.all(|&g| g == 0.0));
    }
}

#[test]
fn fixup_blocks_start_as_the_identity_yet_their_last_layers_learn() {
    // Zhang et al. 2019: the branch's last layer at zero makes every block the identity;
    // its gradient aᵀδ is not zero (a is the first layer's output), so it leaves zero at
    // once (as long as the last layer is linear: under ReLU, f′(0) = 0 would hold it at
    // zero for good, which is why the experiment language makes it linear); the first
    // layers' weights are scaled by L^(−1/(2m−2)) = 1/√L for m = 2.
    let blocks = 4;
    let with_fixup = |fixup| {
        let mut config = transformer_stack(
            3,
            8,
            blocks,
            2,
            1,
            Activation::Relu,
            Placement::Branch,
            false,
            1.0,
            Norm::None,
            InitConfig::new(Init::HeNormal),
        );
        for block in &mut config.blocks {
            if let BlockConfig::Residual { fixup: f, .. } = block {
                *f = fixup;
            }
        }
        Network::<f64>::new(&config, 2)
    };
    let (plain, fixup) = (with_fixup(false), with_fixup(true));
    let inputs = gaussian(16, 3, 5);
    let stack = fixup.hidden_stack().expect("a hidden stack");
    let first_only = Network::from_layers(fixup.layers()[..1].to_vec());
    assert_eq!(
        stack.predict(inputs.view()),
        first_only.predict(inputs.view())
    );
    for block in 0..blocks {
        let (opening, closing) = (1 + 2 * block, 2 + 2 * block);
        let scaled = &plain.layers()[opening].dense.weights / (blocks as f64).sqrt();
        let diff = (&fixup.layers()[opening].dense.weights - &scaled)
            .iter()
            .fold(0.0f64, |m, d| m.max(d.abs()));
        assert!(
            diff < 1e-15,
            "block {block}: first layer not scaled by 1/√L"
        );
        assert!(
            fixup.layers()[closing]
                .dense
                .weights
                .iter()
                .all(|&w| w == 0.0)
        );
    }
    let labels: Vec<usize> = (0..16).map(|i| i % 3).collect();
    let grads = pass(&fixup, &inputs, &labels);
    for block in 0..blocks {
        let closing = &grads[2 + 2 * block].weights;
        assert!(
            closing.iter().any(|g| g.abs() > 1e-8),
            "block {block}'s last layer gets no gradient"
        );
    }
}

/// ‖∂L/∂W‖_F of the last block's last layer for one example at a time (as Xiong et al.
/// bound it: a batch would add the examples' gradients coherently or not, depending on how
/// alike deep representations become), the mean over `seeds` nets × 8 examples.
fn last_block_gradient(placement: Placement, final_norm: Norm, blocks: usize, seeds: u64) -> f64 {
    let width = 32;
    let mut total = 0.0;
    for seed in 0..seeds {
        let config = transformer_stack(
            width,
            width,
            blocks,
            2,
            4,
            Activation::Relu,
            placement,
            false,
            1.0,
            final_norm,
            InitConfig::new(Init::XavierNormal),
        );
        let net = Network::<f64>::new(&config, 100 + seed);
        for example in 0..8 {
            let input = gaussian(1, width, 1000 * seed + example);
            let grads = pass(&net, &input, &[example as usize % 3]);
            let last = &grads[grads.len() - 2].weights;
            total += last.iter().map(|g| g * g).sum::<f64>().sqrt();
        }
    }
    total / (8 * seeds) as f64
}

#[test]
fn pre_ln_last_block_gradients_shrink_as_one_over_root_depth_and_post_ln_ones_do_not() {
    // Xiong et al. 2020, Theorems 1–2: at initialization the gradient of the last FFN
    // layer's weights is O(d·√(ln d)) for Post-LN, independent of the depth L, and
    // O(d·√(ln d / L)) for Pre-LN, because the final norm divides by ‖x_L‖, which grows as
    // √L (each block adds a branch output of O(1) variance to the stream). So from 6 to
    // 24 blocks the Pre-LN norm should fall by √(6/24) = 0.5 and the Post-LN one stay put.
    // Tolerance: the 1/√L law is asymptotic (‖x_L‖² = ‖x_0‖² + L·c, with ‖x_0‖² not
    // negligible at 6 blocks: with these widths and Xavier weights ‖x_0‖²/d ≈ 0.4 and
    // c ≈ 0.32, so √((0.4 + 6c)/(0.4 + 24c)) ≈ 0.54), so the Pre-LN ratio is held to
    // [0.43, 0.62] and the Post-LN one to [0.85, 1.18], each the mean over 6 seeds × 8
    // examples (measured: 0.515 and 1.053).
    let seeds = 6;
    let ln = Norm::LAYER;
    let pre = last_block_gradient(Placement::Pre(ln), ln, 24, seeds)
        / last_block_gradient(Placement::Pre(ln), ln, 6, seeds);
    let post = last_block_gradient(Placement::Post(ln), Norm::None, 24, seeds)
        / last_block_gradient(Placement::Post(ln), Norm::None, 6, seeds);
    eprintln!("pre-LN ratio {pre:.3}, post-LN ratio {post:.3}");
    assert!(
        (0.43..=0.62).contains(&pre),
        "Pre-LN 24/6 ratio {pre:.3}, expected ≈ 0.5"
    );
    assert!(
        (0.85..=1.18).contains(&post),
        "Post-LN 24/6 ratio {post:.3}, expected ≈ 1"
    );
}
