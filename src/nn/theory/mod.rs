//! Mean-field theory of signal propagation in wide random networks (Poole et al. 2016;
//! Schoenholz et al. 2017), for weights W ~ N(0, σ_w²/n) and biases b ~ N(0, σ_b²).
//!
//! A pre-activation of layer l is, over the randomness of the weights, h ~ N(0, q_l), with
//!   q_{l+1} = σ_w² · E[f(h)²] + σ_b²          (the q-map; q₁ = σ_w²·E[x²] + σ_b² for input x),
//! and a gradient crossing from layer l+1 down to layer l is scaled, in mean square, by
//!   χ₁(l) = σ_w² · E[f′(h)²],  h ~ N(0, q_l),
//! so ‖δ_l‖² ≈ χ₁(l)·‖δ_{l+1}‖². At the q-map's fixed point q*, χ₁ < 1 means gradients
//! vanish and χ₁ > 1 that they explode, geometrically, over the depth scale ξ = −1/ln χ₁.
//!
//! Expectations over a Gaussian are computed by Gauss–Hermite quadrature with 80 nodes,
//! found here by Newton's method on the Hermite polynomials.

#[cfg(test)]
mod signal_tests;

use std::sync::OnceLock;

use crate::nn::layers::activation::Activation;

/// The number of Gauss–Hermite nodes.
pub const NODES: usize = 80;

/// Nodes xᵢ and weights wᵢ with Σ wᵢ g(xᵢ) ≈ ∫ e^(−x²) g(x) dx, exact for polynomials of
/// degree < 2n. Newton's method on the orthonormal Hermite polynomials, from the usual
/// asymptotic starting guesses (Numerical Recipes' `gauher`), largest node first.
pub fn gauss_hermite(n: usize) -> (Vec<f64>, Vec<f64>) {
    let pi_to_minus_quarter = std::f64::consts::PI.powf(-0.25);
    let (mut nodes, mut weights) = (vec![0.0; n], vec![0.0; n]);
    let mut z: f64 = 0.0;
    for i in 0..n.div_ceil(2) {
        let nf = n as f64;
        z = match i {
            0 => (2.0 * nf + 1.0).sqrt() - 1.85575 * (2.0 * nf + 1.0).powf(-1.0 / 6.0),
            1 => z - 1.14 * nf.powf(0.426) / z,
            2 => 1.86 * z - 0.86 * nodes[0],
            3 => 1.91 * z - 0.91 * nodes[1],
            _ => 2.0 * z - nodes[i - 2],
        };
        let mut derivative = 1.0;
        for _ in 0..100 {
            // The recurrence for orthonormal Hermite polynomials p_j(z).
            let (mut p1, mut p2) = (pi_to_minus_quarter, 0.0);
            for j in 0..n {
                let p3 = p2;
                p2 = p1;
                let jf = j as f64;
                p1 = z * (2.0 / (jf + 1.0)).sqrt() * p2 - (jf / (jf + 1.0)).sqrt() * p3;
            }
            derivative = (2.0 * nf).sqrt() * p2;
            let step = p1 / derivative;
            z -= step;
            if step.abs() <= 1e-15 * z.abs().max(1.0) {
                break;
            }
        }
        nodes[i] = z;
        nodes[n - 1 - i] = -z;
        weights[i] = 2.0 / (derivative * derivative);
        weights[n - 1 - i] = weights[i];
    }
    (nodes, weights)
}

/// E[g(Z)] for Z ~ N(0, 1): (1/√π) Σ wᵢ g(√2 xᵢ).
pub fn expect_standard_normal(g: impl Fn(f64) -> f64) -> f64 {
    static RULE: OnceLock<(Vec<f64>, Vec<f64>)> = OnceLock::new();
    let (nodes, weights) = RULE.get_or_init(|| gauss_hermite(NODES));
    let sum: f64 = nodes
        .iter()
        .zip(weights)
        .map(|(&x, &w)| w * g(std::f64::consts::SQRT_2 * x))
        .sum();
    sum / std::f64::consts::PI.sqrt()
}

/// A random network's mean-field parameters: activation f and the weight and bias variances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanField {
    pub activation: Activation,
    pub sigma_w2: f64,
    pub sigma_b2: f64,
}

impl MeanField {
    pub fn new(activation: Activation, sigma_w2: f64, sigma_b2: f64) -> Self {
        MeanField {
            activation,
            sigma_w2,
            sigma_b2,
        }
    }

    /// q_{l+1} = σ_w² E[f(h)²] + σ_b², h ~ N(0, q).
    pub fn q_map(&self, q: f64) -> f64 {
        let f = self.activation;
        let s = q.max(0.0).sqrt();
        self.sigma_w2 * expect_standard_normal(|z| f.apply(s * z).powi(2)) + self.sigma_b2
    }

    /// χ₁ = σ_w² E[f′(h)²], h ~ N(0, q).
    pub fn chi1(&self, q: f64) -> f64 {
        let f = self.activation;
        let s = q.max(0.0).sqrt();
        self.sigma_w2 * expect_standard_normal(|z| f.derivative(s * z).powi(2))
    }

    /// q₁ for inputs whose mean square per feature is `input_second_moment`.
    pub fn q_first(&self, input_second_moment: f64) -> f64 {
        self.sigma_w2 * input_second_moment + self.sigma_b2
    }

    /// q₁, q₂, …, q_layers, starting from q₁.
    pub fn q_sequence(&self, q1: f64, layers: usize) -> Vec<f64> {
        let mut q = Vec::with_capacity(layers);
        let mut current = q1;
        for _ in 0..layers {
            q.push(current);
            current = self.q_map(current);
        }
        q
    }

    /// χ₁ at each of those layers.
    pub fn chi1_sequence(&self, q1: f64, layers: usize) -> Vec<f64> {
        self.q_sequence(q1, layers)
            .into_iter()
            .map(|q| self.chi1(q))
            .collect()
    }

    /// The q-map's fixed point q*, iterating from q = 1 until it moves by less than 1e-12
    /// relative; `None` if q runs off to infinity or does not settle in 100 000 iterations
    /// (e.g. ReLU with σ_w² > 2).
    pub fn fixed_point(&self) -> Option<f64> {
        let mut q = 1.0;
        for _ in 0..100_000 {
            let next = self.q_map(q);
            if !next.is_finite() || next > 1e300 {
                return None;
            }
            if (next - q).abs() <= 1e-12 * q.max(1e-300) {
                return Some(next);
            }
            q = next;
        }
        None
    }
}

/// ξ = −1/ln χ₁: the depth over which gradients shrink (χ₁ < 1) or grow (χ₁ > 1, ξ < 0)
/// by a factor e; infinite at χ₁ = 1 (the edge of chaos).
pub fn depth_scale(chi1: f64) -> f64 {
    -1.0 / chi1.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrature_integrates_gaussian_moments() {
        let (nodes, weights) = gauss_hermite(NODES);
        assert!((weights.iter().sum::<f64>() - std::f64::consts::PI.sqrt()).abs() < 1e-13);
        assert!(
            nodes.windows(2).all(|p| p[0] > p[1]),
            "nodes are distinct and ordered"
        );
        assert!((expect_standard_normal(|z| z * z) - 1.0).abs() < 1e-13);
        assert!((expect_standard_normal(|z| z.powi(4)) - 3.0).abs() < 1e-12);
        assert!((expect_standard_normal(|z| z.powi(8)) - 105.0).abs() < 1e-9);
        assert!((expect_standard_normal(f64::cos) - (-0.5_f64).exp()).abs() < 1e-14);
        // A small rule too: 5 nodes integrate degree 9 exactly.
        let (x, w) = gauss_hermite(5);
        let m6: f64 = x
            .iter()
            .zip(&w)
            .map(|(x, w)| w * (2.0_f64.sqrt() * x).powi(6))
            .sum::<f64>();
        assert!((m6 / std::f64::consts::PI.sqrt() - 15.0).abs() < 1e-12);
    }

    #[test]
    fn known_maps() {
        // ReLU: E[relu(h)²] = q/2 and E[relu′(h)²] = 1/2, so σ_w² = 2 (He) preserves q and χ₁ = 1.
        let relu = MeanField::new(Activation::Relu, 2.0, 0.0);
        assert!((relu.q_map(3.0) - 3.0).abs() < 1e-12);
        assert!((relu.chi1(3.0) - 1.0).abs() < 1e-12);
        // Linear: q_{l+1} = σ_w² q + σ_b², χ₁ = σ_w².
        let linear = MeanField::new(Activation::Linear, 0.5, 0.1);
        assert!((linear.q_map(2.0) - 1.1).abs() < 1e-12);
        assert!((linear.fixed_point().unwrap() - 0.2).abs() < 1e-10);
        // Tanh with σ_w² ≤ 1, σ_b² = 0: q* = 0 and χ₁(q*) = σ_w² (ordered phase).
        let tanh = MeanField::new(Activation::Tanh, 0.5, 0.0);
        assert!(tanh.fixed_point().unwrap() < 1e-9);
        assert!((tanh.chi1(0.0) - 0.5).abs() < 1e-12);
        // σ_w² = 2, σ_b² = 0 is in the chaotic phase (σ_w > 1; Poole et al. 2016): q* > 0,
        // χ₁(q*) > 1, and ξ is then negative.
        let chaotic = MeanField::new(Activation::Tanh, 2.0, 0.0);
        let q_star = chaotic.fixed_point().unwrap();
        assert!(q_star > 0.5, "{q_star}");
        assert!(chaotic.chi1(q_star) > 1.0);
        assert!(depth_scale(chaotic.chi1(q_star)) < 0.0);
        assert!(depth_scale(0.9) > 9.0 && depth_scale(0.9) < 10.0);
        assert!(
            MeanField::new(Activation::Relu, 3.0, 0.0)
                .fixed_point()
                .is_none()
        );
        assert!(
            relu.q_sequence(1.5, 3)
                .iter()
                .all(|q| (q - 1.5).abs() < 1e-12)
        );
    }
}
