//! Sharpness: the top eigenvalue λ_max of the training loss's Hessian with respect to every
//! parameter of the network. Cohen et al. 2021 ("edge of stability") compare it with 2/η:
//! gradient descent at learning rate η is stable on a quadratic only while λ_max < 2/η, and
//! full-batch training drives λ_max up to about that threshold and holds it there.
//!
//! λ_max comes from power iteration ([`power_iteration`]) on Hessian–vector products, each
//! the central difference of two gradients from the network's own backward pass, in f64:
//! Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / (2ε). The Hessian is never formed, so the cost is two
//! forward/backward passes over the batch per iteration, whatever the parameter count.
//! Power iteration finds the eigenvalue of largest magnitude; when that is a negative one,
//! a second run on the shifted Hessian finds the top one.
//!
//! The loss is the one a training step differentiates: the batch mean of [`Loss::evaluate`]
//! in `Mode::Train`, penalties excluded (an L2 penalty c‖W‖² would add 2c to every weight's
//! curvature). With batch norm, train mode normalizes by the batch's own statistics, so the
//! Hessian is that of the loss training sees, statistics included; running averages are
//! not touched. With piecewise-linear activations (relu) a difference can straddle a kink and
//! see an average curvature there: λ is then the finite-difference one, still deterministic.

use ndarray::ArrayView2;

use crate::nn::Float;
use crate::nn::kernels;
use crate::nn::layers::layer::{LayerGrads, for_each_param};
use crate::nn::layers::loss::{Loss, Targets};
use crate::nn::layers::network::{Network, Workspace};
use crate::nn::layers::norm::Mode;
use crate::nn::rng::{Purpose, RandomStream};

/// Power iteration stops once λ changes by less than this, relative to |λ|.
pub const RELATIVE_TOLERANCE: f64 = 1e-8;

/// Length of the finite-difference step θ ± εv in parameter space: ε = STEP/‖v‖. The central
/// difference's truncation error is O(STEP²·∂³L) and its rounding error about
/// 1e-16·‖∇L‖/STEP; for losses and parameters of order one, 1e-4 keeps both near 1e-8 or
/// below (the optimum is near the cube root of f64's epsilon, 5e-6, but a larger step is
/// safer for gradients that are themselves only accurate to many roundings). An exactly
/// quadratic loss has no truncation error at all.
pub const STEP: f64 = 1e-4;

/// What [`sharpness`] measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sharpness {
    /// The Hessian's largest eigenvalue (see [`power_iteration`]).
    pub lambda_max: f64,
    /// Hessian–vector products taken (two gradients each), over both of
    /// [`power_iteration`]'s runs when it needs two.
    pub iterations: usize,
    /// Whether λ settled (relative change below `RELATIVE_TOLERANCE`, 1e-8) before the
    /// iterations ran out.
    pub converged: bool,
}

impl Sharpness {
    /// λ_max·η/2: below 1 gradient descent at learning rate `lr` is stable along the
    /// sharpest direction, above 1 it oscillates and grows (1 is the edge of stability).
    pub fn relative_to_stability_threshold(&self, lr: f64) -> f64 {
        self.lambda_max * lr / 2.0
    }
}

/// The top Hessian eigenvalue of `loss` on `inputs` and `targets` (one batch, all rows) with
/// respect to all of `network`'s parameters, by power iteration (at most `iterations`
/// Hessian–vector products in all) from a random direction drawn from `seed`. `network` is not changed (the probe works on a copy).
/// The same arguments give the same bits.
///
/// # Panics
/// If `inputs` is not as wide as the network's input, or the targets do not fit `loss` and
/// the outputs (as [`Loss::evaluate`] panics).
pub fn sharpness<'a>(
    network: &Network<f64>,
    loss: Loss,
    inputs: ArrayView2<'a, f64>,
    targets: Targets<'a, f64>,
    iterations: usize,
    seed: u64,
) -> Sharpness {
    assert_eq!(
        inputs.ncols(),
        network.input_dim(),
        "sharpness: the inputs have {} features, the network takes {}",
        inputs.ncols(),
        network.input_dim()
    );
    // On the pool like `fit`, so the products split over its threads (same bits either way).
    kernels::on_pool(|| {
        let mut batch = LossGradient::new(network, loss, inputs, targets);
        let theta = batch.params();
        let dim = theta.len();
        let (mut grad_plus, mut grad_minus) = (vec![0.0; dim], vec![0.0; dim]);
        let mut products = 0;
        let hessian_times = |v: &[f64], hv: &mut [f64]| {
            products += 1;
            let epsilon = STEP / length(v);
            batch.gradient_at(&theta, epsilon, v, &mut grad_plus);
            batch.gradient_at(&theta, -epsilon, v, &mut grad_minus);
            for ((h, &plus), &minus) in hv.iter_mut().zip(&grad_plus).zip(&grad_minus) {
                *h = (plus - minus) / (2.0 * epsilon);
            }
        };
        let (lambda_max, converged) = power_iteration(dim, hessian_times, iterations, seed);
        Sharpness {
            lambda_max,
            iterations: products,
            converged,
        }
    })
}

/// The largest eigenvalue λ_max of the symmetric `dim × dim` operator applied by
/// `hvp(v, out)` (out ← Hv), and whether it converged, within `iterations` products in all.
///
/// Power iteration from a normal vector drawn from `seed`'s `Sharpness` stream finds the
/// eigenvalue of largest magnitude; when that one is negative (a Hessian curving down more
/// steeply than up, as this module's batch-norm test net does at init), a second run on H − λ_neg·I, whose
/// spectrum is shifted to λ ≥ 0 with λ_max − λ_neg on top, finds λ_max.
/// No products (`iterations` or `dim` 0, or the budget spent on λ_neg) give NaN.
pub fn power_iteration(
    dim: usize,
    mut hvp: impl FnMut(&[f64], &mut [f64]),
    iterations: usize,
    seed: u64,
) -> (f64, bool) {
    if dim == 0 {
        return (f64::NAN, false);
    }
    let mut rng = RandomStream::new(seed, Purpose::Sharpness);
    let (dominant, converged, used) = dominant_eigenvalue(dim, &mut hvp, iterations, &mut rng);
    if !(converged && dominant < 0.0) {
        return (dominant, converged);
    }
    let mut shifted = |v: &[f64], out: &mut [f64]| {
        hvp(v, out);
        for (o, &x) in out.iter_mut().zip(v) {
            *o -= dominant * x;
        }
    };
    let (top, converged, _) = dominant_eigenvalue(dim, &mut shifted, iterations - used, &mut rng);
    (top + dominant, converged)
}

/// The eigenvalue of largest magnitude, whether it converged, and the products taken: v
/// starts as a random unit vector, then v ← Hv/‖Hv‖, with λ = vᵀHv (‖v‖ = 1), until λ
/// changes by less than [`RELATIVE_TOLERANCE`] of |λ|. The error in λ shrinks like
/// (λ₂/λ₁)^(2k) over k products, λ₂ the next eigenvalue by magnitude; "converged" means λ
/// stopped moving, which a tiny gap can fake. Hv = 0 gives 0, converged.
fn dominant_eigenvalue(
    dim: usize,
    hvp: &mut impl FnMut(&[f64], &mut [f64]),
    iterations: usize,
    rng: &mut RandomStream,
) -> (f64, bool, usize) {
    let mut v: Vec<f64> = (0..dim).map(|_| rng.normal()).collect();
    let start = length(&v);
    v.iter_mut().for_each(|x| *x /= start);
    let mut hv = vec![0.0; dim];
    let mut lambda = f64::NAN;
    for used in 1..=iterations {
        hvp(&v, &mut hv);
        let previous = lambda;
        lambda = v.iter().zip(&hv).map(|(a, b)| a * b).sum();
        let size = length(&hv);
        if !(lambda.is_finite() && size.is_finite()) {
            return (lambda, false, used);
        }
        if size == 0.0 {
            return (0.0, true, used);
        }
        if (lambda - previous).abs() < RELATIVE_TOLERANCE * lambda.abs() {
            return (lambda, true, used);
        }
        for (x, &h) in v.iter_mut().zip(&hv) {
            *x = h / size;
        }
    }
    (lambda, false, iterations)
}

/// ‖v‖₂.
fn length(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// The mean loss's gradient on one batch as a function of the flat parameters (in
/// [`for_each_param`]'s order), computed on a scratch copy of the network.
struct LossGradient<'a> {
    net: Network<f64>,
    work: Workspace<f64>,
    grads: Vec<LayerGrads<f64>>,
    loss: Loss,
    inputs: ArrayView2<'a, f64>,
    targets: Targets<'a, f64>,
}

impl<'a> LossGradient<'a> {
    fn new(
        network: &Network<f64>,
        loss: Loss,
        inputs: ArrayView2<'a, f64>,
        targets: Targets<'a, f64>,
    ) -> Self {
        LossGradient {
            net: network.clone(),
            work: network.workspace(inputs.nrows()),
            grads: network.zero_grads(),
            loss,
            inputs,
            targets,
        }
    }

    /// The parameters as one flat vector.
    fn params(&mut self) -> Vec<f64> {
        let mut flat = Vec::new();
        for_each_param(self.net.layers_mut(), &self.grads, |_, _, params, _| {
            flat.extend_from_slice(params)
        });
        flat
    }

    /// ∇L at the flat parameters θ + step·direction, into `grad`.
    fn gradient_at(&mut self, theta: &[f64], step: f64, direction: &[f64], grad: &mut [f64]) {
        let mut offset = 0;
        for_each_param(self.net.layers_mut(), &self.grads, |_, _, params, _| {
            let range = offset..offset + params.len();
            for ((p, &t), &d) in params
                .iter_mut()
                .zip(&theta[range.clone()])
                .zip(&direction[range])
            {
                *p = t + step * d;
            }
            offset += params.len();
        });
        self.net.forward(self.inputs, Mode::Train, &mut self.work);
        let (_, output_grad) = self
            .loss
            .evaluate(self.net.output(&self.work), self.targets);
        self.net.backward(
            self.inputs,
            output_grad.view(),
            &mut self.work,
            &mut self.grads,
        );
        let mut offset = 0;
        for_each_param(self.net.layers_mut(), &self.grads, |_, _, _, grads| {
            grad[offset..offset + grads.len()].copy_from_slice(grads);
            offset += grads.len();
        });
    }
}

/// λ_max of the mini-batch loss at step `step`, measured on an f64 copy of `net` (so an f32
/// run's sharpness is not drowned in f32's rounding), from a direction seeded by the step.
pub(crate) fn sharpness_in_f64<T: Float>(
    net: &Network<T>,
    loss: Loss,
    inputs: ndarray::ArrayView2<T>,
    targets: Targets<T>,
    step: usize,
) -> f64 {
    let wide = net.cast::<f64>();
    let inputs = inputs.mapv(Float::to_f64);
    let values;
    let targets = match targets {
        Targets::Labels(labels) => Targets::Labels(labels),
        Targets::Values(v) => {
            values = v.mapv(Float::to_f64);
            Targets::Values(values.view())
        }
    };
    let seed = step as u64;
    sharpness(
        &wide,
        loss,
        inputs.view(),
        targets,
        crate::nn::probes::SHARPNESS_PRODUCTS,
        seed,
    )
    .lambda_max
}

#[cfg(test)]
#[path = "sharpness_tests.rs"]
mod tests;
