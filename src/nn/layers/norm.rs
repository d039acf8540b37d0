//! Normalization inside a layer, between its dense part and its activation:
//! u = γ ⊙ x̂ + β with x̂ = (z − mean) / √(var + ε).
//!
//! - Batch norm (Ioffe & Szegedy 2015) takes mean and variance per unit over the batch while
//!   training, and keeps running averages (momentum 0.1, unbiased variance, as PyTorch) that
//!   replace them in evaluation.
//! - Layer norm (Ba et al. 2016) takes them per example over the units, the same in training
//!   and evaluation.
//!
//! Both share one backward formula, applied along different axes: with g = ∂L/∂x̂ and m the
//! number of values each statistic averages,
//! ∂L/∂z = (1/σ)·(g − mean(g) − x̂·mean(g ⊙ x̂)).

use crate::nn::error::UnknownName;
use std::str::FromStr;

use ndarray::{Array1, Array2, ArrayView2, Axis, Zip};

use crate::nn::Float;

/// Which normalization a layer applies, if any.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Norm {
    #[default]
    None,
    /// Defaults: momentum 0.1, eps 1e-5.
    Batch { momentum: f64, eps: f64 },
    /// Default eps 1e-5.
    Layer { eps: f64 },
    /// RMSNorm (Zhang & Sennrich 2019): each example divided by its root mean square over
    /// the units, without subtracting the mean; default eps 1e-5 (over the mean square).
    Rms { eps: f64 },
}

impl Norm {
    pub const BATCH: Norm = Norm::Batch {
        momentum: 0.1,
        eps: 1e-5,
    };
    pub const LAYER: Norm = Norm::Layer { eps: 1e-5 };
    pub const RMS: Norm = Norm::Rms { eps: 1e-5 };

    pub fn name(self) -> &'static str {
        match self {
            Norm::None => "none",
            Norm::Batch { .. } => "batch",
            Norm::Layer { .. } => "layer",
            Norm::Rms { .. } => "rms",
        }
    }
}

impl FromStr for Norm {
    type Err = UnknownName;
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        match text {
            "none" => Ok(Norm::None),
            "batch" => Ok(Norm::BATCH),
            "layer" => Ok(Norm::LAYER),
            "rms" => Ok(Norm::RMS),
            _ => Err(UnknownName::new(
                "norm",
                text,
                ["none", "batch", "layer", "rms"],
            )),
        }
    }
}

/// Whether batch norm uses the batch's statistics (and may update its running averages) or
/// the running averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Train,
    Eval,
}

/// A normalization's parameters and, for batch norm, its running statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct NormLayer<T> {
    pub kind: Norm,
    pub gamma: Array1<T>,
    pub beta: Array1<T>,
    pub running_mean: Array1<T>,
    pub running_var: Array1<T>,
}

/// What the forward pass keeps: x̂ and 1/σ (per unit for batch norm, per example for layer norm).
#[derive(Debug, Clone)]
pub struct NormCache<T> {
    pub normalized: Array2<T>,
    pub inv_std: Array1<T>,
    /// Batch norm's batch mean and (biased) variance, for the running averages.
    pub batch_mean: Array1<T>,
    pub batch_var: Array1<T>,
}

impl<T: Float> NormCache<T> {
    pub fn new(batch: usize, units: usize) -> Self {
        NormCache {
            normalized: Array2::zeros((batch, units)),
            inv_std: Array1::zeros(batch.max(units)),
            batch_mean: Array1::zeros(units),
            batch_var: Array1::zeros(units),
        }
    }
}

impl<T: Float> NormLayer<T> {
    /// γ = 1, β = 0, running mean 0 and variance 1.
    pub fn new(kind: Norm, units: usize) -> Self {
        NormLayer {
            kind,
            gamma: Array1::ones(units),
            beta: Array1::zeros(units),
            running_mean: Array1::zeros(units),
            running_var: Array1::ones(units),
        }
    }

    /// u = γ x̂ + β, written into `out`; x̂ and 1/σ are kept in `cache`.
    pub fn forward(
        &self,
        z: ArrayView2<T>,
        mode: Mode,
        cache: &mut NormCache<T>,
        out: &mut Array2<T>,
    ) {
        match (self.kind, mode) {
            (Norm::None, _) => out.assign(&z),
            (Norm::Batch { eps, .. }, Mode::Train) => {
                // Statistics per unit (column) over the batch.
                let eps = T::from_f64(eps);
                for (j, column) in z.columns().into_iter().enumerate() {
                    let (mean, var) = mean_and_variance(column);
                    cache.batch_mean[j] = mean;
                    cache.batch_var[j] = var;
                    let inv_std = T::one() / (var + eps).sqrt();
                    cache.inv_std[j] = inv_std;
                    let mut xhat = cache.normalized.column_mut(j);
                    Zip::from(&mut xhat)
                        .and(&column)
                        .for_each(|x, &v| *x = (v - mean) * inv_std);
                }
            }
            (Norm::Batch { eps, .. }, Mode::Eval) => {
                let eps = T::from_f64(eps);
                for (j, column) in z.columns().into_iter().enumerate() {
                    let inv_std = T::one() / (self.running_var[j] + eps).sqrt();
                    let mean = self.running_mean[j];
                    let mut xhat = cache.normalized.column_mut(j);
                    Zip::from(&mut xhat)
                        .and(&column)
                        .for_each(|x, &v| *x = (v - mean) * inv_std);
                }
            }
            (Norm::Layer { eps }, _) => {
                // Statistics per example (row) over the units.
                let eps = T::from_f64(eps);
                for (i, row) in z.rows().into_iter().enumerate() {
                    let (mean, var) = mean_and_variance(row);
                    let inv_std = T::one() / (var + eps).sqrt();
                    cache.inv_std[i] = inv_std;
                    let mut xhat = cache.normalized.row_mut(i);
                    Zip::from(&mut xhat)
                        .and(&row)
                        .for_each(|x, &v| *x = (v - mean) * inv_std);
                }
            }
            (Norm::Rms { eps }, _) => {
                // Each example (row) over its root mean square; the mean stays in.
                let eps = T::from_f64(eps);
                let m = T::from_f64(z.ncols().max(1) as f64);
                for (i, row) in z.rows().into_iter().enumerate() {
                    let mean_square = row.fold(T::zero(), |s, &v| s + v * v) / m;
                    let inv_rms = T::one() / (mean_square + eps).sqrt();
                    cache.inv_std[i] = inv_rms;
                    let mut xhat = cache.normalized.row_mut(i);
                    Zip::from(&mut xhat)
                        .and(&row)
                        .for_each(|x, &v| *x = v * inv_rms);
                }
            }
        }
        if self.kind != Norm::None {
            Zip::from(out.rows_mut())
                .and(cache.normalized.rows())
                .for_each(|mut u, xhat| {
                    Zip::from(&mut u)
                        .and(&xhat)
                        .and(&self.gamma)
                        .and(&self.beta)
                        .for_each(|u, &x, &g, &b| *u = g * x + b);
                });
        }
    }

    /// From g_u = ∂L/∂u: ∂L/∂γ and ∂L/∂β (written to `d_gamma`, `d_beta`) and ∂L/∂z (to `d_z`).
    /// Training mode only: evaluation is never differentiated.
    pub fn backward(
        &self,
        g_u: ArrayView2<T>,
        cache: &NormCache<T>,
        d_gamma: &mut Array1<T>,
        d_beta: &mut Array1<T>,
        d_z: &mut Array2<T>,
    ) {
        let xhat = &cache.normalized;
        // γ and β act per unit, so their gradients sum over the batch.
        d_beta.assign(&g_u.sum_axis(Axis(0)));
        d_gamma.assign(&(&g_u * xhat).sum_axis(Axis(0)));
        // g = ∂L/∂x̂ = g_u ⊙ γ.
        Zip::from(d_z.rows_mut())
            .and(g_u.rows())
            .for_each(|mut d, g| {
                Zip::from(&mut d)
                    .and(&g)
                    .and(&self.gamma)
                    .for_each(|d, &g, &gamma| *d = g * gamma);
            });
        let axis = match self.kind {
            Norm::None => return d_z.assign(&g_u),
            Norm::Batch { .. } => Axis(0), // each unit's statistics run down its column
            Norm::Layer { .. } => Axis(1), // each example's along its row
            Norm::Rms { .. } => {
                // x̂ = x/r: ∂L/∂x = (g − x̂·mean(g x̂))/r; no mean term, since the mean
                // was not subtracted (so a bias before RMSNorm still gets a gradient).
                for ((mut d, x), &inv_rms) in d_z
                    .rows_mut()
                    .into_iter()
                    .zip(xhat.rows())
                    .zip(&cache.inv_std)
                {
                    let m = T::from_f64(d.len() as f64);
                    let mean_gx = Zip::from(&d).and(&x).fold(T::zero(), |s, &g, &x| s + g * x) / m;
                    Zip::from(&mut d)
                        .and(&x)
                        .for_each(|g, &x| *g = inv_rms * (*g - x * mean_gx));
                }
                return;
            }
        };
        for ((mut d, x), &inv_std) in d_z
            .lanes_mut(axis)
            .into_iter()
            .zip(xhat.lanes(axis))
            .zip(&cache.inv_std)
        {
            let m = T::from_f64(d.len() as f64);
            let mean_g = d.sum() / m;
            let mean_gx = Zip::from(&d).and(&x).fold(T::zero(), |s, &g, &x| s + g * x) / m;
            Zip::from(&mut d)
                .and(&x)
                .for_each(|g, &x| *g = inv_std * (*g - mean_g - x * mean_gx));
        }
    }

    /// Batch norm's running averages move toward this batch's statistics (PyTorch's rule,
    /// with the unbiased variance). Other norms keep no running state.
    pub fn update_running_stats(&mut self, cache: &NormCache<T>, batch: usize) {
        if let Norm::Batch { momentum, .. } = self.kind {
            let m = T::from_f64(momentum);
            let unbias = T::from_f64(batch as f64 / (batch.max(2) - 1) as f64);
            Zip::from(&mut self.running_mean)
                .and(&cache.batch_mean)
                .for_each(|r, &b| *r = (T::one() - m) * *r + m * b);
            Zip::from(&mut self.running_var)
                .and(&cache.batch_var)
                .for_each(|r, &v| *r = (T::one() - m) * *r + m * v * unbias);
        }
    }
}

/// The mean and the biased (1/m) variance of a lane.
fn mean_and_variance<T: Float>(values: ndarray::ArrayView1<T>) -> (T, T) {
    let m = T::from_f64(values.len().max(1) as f64);
    let mean = values.sum() / m;
    let var = values.fold(T::zero(), |s, &v| s + (v - mean) * (v - mean)) / m;
    (mean, var)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn batch_norm_standardizes_columns_and_layer_norm_rows() {
        let z = array![[1.0, 10.0, -3.0], [3.0, 20.0, 5.0], [5.0, 60.0, 1.0]];
        for (kind, axis) in [(Norm::BATCH, Axis(0)), (Norm::LAYER, Axis(1))] {
            let layer = NormLayer::<f64>::new(kind, 3);
            let mut cache = NormCache::new(3, 3);
            let mut out = Array2::zeros((3, 3));
            layer.forward(z.view(), Mode::Train, &mut cache, &mut out);
            for lane in out.lanes(axis) {
                assert!(lane.mean().unwrap().abs() < 1e-12);
                assert!((lane.var(0.0) - 1.0).abs() < 1e-5, "{kind:?} {lane}");
            }
        }
    }

    #[test]
    fn rms_norm_gives_every_row_a_unit_root_mean_square_and_keeps_its_sign() {
        let z = array![[1.0, 2.0, 3.0], [-4.0, 0.5, 8.0]];
        let layer = NormLayer::<f64>::new(Norm::Rms { eps: 0.0 }, 3);
        let mut cache = NormCache::new(2, 3);
        let mut out = Array2::zeros((2, 3));
        layer.forward(z.view(), Mode::Train, &mut cache, &mut out);
        for (row, input) in out.rows().into_iter().zip(z.rows()) {
            let mean_square = row.iter().map(|v| v * v).sum::<f64>() / 3.0;
            assert!((mean_square - 1.0).abs() < 1e-12);
            // A positive row stays positive: the mean is not removed.
            for (v, x) in row.iter().zip(input) {
                assert_eq!(v.signum(), x.signum());
            }
        }
        assert!((out[(0, 0)] - 1.0 / (14.0_f64 / 3.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn running_averages_follow_pytorch() {
        let z = array![[1.0], [3.0]];
        let mut layer = NormLayer::<f64>::new(Norm::BATCH, 1);
        let mut cache = NormCache::new(2, 1);
        let mut out = Array2::zeros((2, 1));
        layer.forward(z.view(), Mode::Train, &mut cache, &mut out);
        layer.update_running_stats(&cache, 2);
        // mean 2, unbiased variance 2: 0.9·0 + 0.1·2 and 0.9·1 + 0.1·2.
        assert!((layer.running_mean[0] - 0.2).abs() < 1e-15);
        assert!((layer.running_var[0] - 1.1).abs() < 1e-15);
        layer.forward(z.view(), Mode::Eval, &mut cache, &mut out);
        let expected = (1.0 - 0.2) / (1.1_f64 + 1e-5).sqrt();
        assert!((out[(0, 0)] - expected).abs() < 1e-12);
    }
}
