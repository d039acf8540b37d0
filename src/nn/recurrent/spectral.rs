//! The spectrum probes of a recurrent matrix W: its spectral radius ρ(W) = max |λ| (the
//! growth rate of W^k, which decides whether a linear RNN's gradients vanish or explode)
//! and its largest singular value σ₁(W) (the most one step can stretch a vector; ρ ≤ σ₁).
//!
//! Both come from Gelfand's formula ρ(W) = lim_{k→∞} ‖W^k‖^{1/k}, with k = 2^16 reached by
//! squaring W sixteen times (renormalizing each time, so nothing overflows or underflows,
//! and keeping the scale in a logarithm). This needs only matrix products, handles complex
//! eigenvalues (where power iteration oscillates) and is deterministic. The Frobenius norm
//! overestimates by at most a factor (√n·κ)^{1/k}, κ the condition number of W's
//! eigenvectors: 1.00004 for an orthogonal 128 × 128 matrix, 1.0002 for the defective
//! 2 × 2 shear in the tests (where ‖W^k‖ grows like k·ρ^k). σ₁(W)² = ρ(WᵀW) exactly, and
//! WᵀW is symmetric (κ = 1).

use ndarray::Array2;

const SQUARINGS: i32 = 16;

/// ρ(W) for a square matrix; NaN if W has a non-finite entry.
pub fn spectral_radius(w: &Array2<f64>) -> f64 {
    assert_eq!(
        w.nrows(),
        w.ncols(),
        "the spectral radius needs a square matrix"
    );
    if w.iter().any(|v| !v.is_finite()) {
        return f64::NAN;
    }
    // Invariant: W^(2^s) = e^log_scale · power.
    let mut power = w.clone();
    let mut log_scale = 0.0;
    for _ in 0..SQUARINGS {
        let norm = frobenius(&power);
        if norm == 0.0 {
            return 0.0; // nilpotent
        }
        power /= norm;
        log_scale = 2.0 * (log_scale + norm.ln());
        power = power.dot(&power);
    }
    let norm = frobenius(&power);
    if norm == 0.0 {
        return 0.0;
    }
    ((log_scale + norm.ln()) / 2f64.powi(SQUARINGS)).exp()
}

/// σ₁(W), the spectral norm, for any shape.
pub fn top_singular_value(w: &Array2<f64>) -> f64 {
    spectral_radius(&w.t().dot(w)).sqrt()
}

fn frobenius(a: &Array2<f64>) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Init;
    use crate::nn::rng::{Purpose, RandomStream};
    use ndarray::array;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn known_spectra() {
        // Rotation by 90° times 2: eigenvalues ±2i, which power iteration cannot find.
        let rotation = array![[0.0, -2.0], [2.0, 0.0]];
        assert!(close(spectral_radius(&rotation), 2.0, 1e-3));
        // Non-normal: eigenvalues 0.5, but one step stretches by ~10.
        let shear = array![[0.5, 10.0], [0.0, 0.5]];
        assert!(
            close(spectral_radius(&shear), 0.5, 2e-3),
            "{}",
            spectral_radius(&shear)
        );
        let sigma = top_singular_value(&shear);
        let expected = {
            // σ₁² is the larger eigenvalue of sheartᵀ·shear = [[0.25, 5], [5, 100.25]].
            let (a, b, d) = (0.25_f64, 5.0_f64, 100.25_f64);
            ((a + d) / 2.0 + (((a - d) / 2.0).powi(2) + b * b).sqrt()).sqrt()
        };
        assert!(close(sigma, expected, 1e-3), "{sigma} vs {expected}");
        assert_eq!(spectral_radius(&array![[0.0, 1.0], [0.0, 0.0]]), 0.0);
        assert!(spectral_radius(&array![[f64::NAN]]).is_nan());
        // ρ · orthogonal: every |λ| and σ is ρ.
        let mut rng = RandomStream::new(4, Purpose::Init);
        for rho in [0.8, 1.2] {
            let w: Array2<f64> = Init::Orthogonal.weights_with_gain(64, 64, rho, &mut rng);
            assert!(close(spectral_radius(&w), rho, 1e-3));
            assert!(close(top_singular_value(&w), rho, 1e-3));
        }
    }
}
