//! One training step in an emulated half format (see `nn::precision`): the rounded copy
//! of the master weights the passes compute with, the scaled and rounded gradients, and the
//! f32 pass beside it at recorded steps that tells how much of the gradient underflowed.

use ndarray::{Array2, ArrayView2};

use crate::nn::Float;
use crate::nn::Metric;
use crate::nn::layers::layer::LayerGrads;
use crate::nn::layers::loss::{Loss, Reduction, Targets};
use crate::nn::layers::network::{Network, Workspace};
use crate::nn::layers::norm::Mode;
use crate::nn::precision::{HalfFormat, MixedPrecision};
use crate::nn::probes::Record;

/// What an emulated run keeps besides the master network.
pub(crate) struct MixedStep<T> {
    pub format: HalfFormat,
    /// The master weights rounded to the format: what the step's passes use.
    pub compute: Network<T>,
    /// An f32 pass's buffers and gradients, for the underflow probe.
    reference_work: Workspace<T>,
    reference_grads: Vec<LayerGrads<T>>,
}

impl<T: Float> MixedStep<T> {
    pub fn new(mixed: MixedPrecision, master: &Network<T>, batch: usize) -> Self {
        MixedStep {
            format: mixed.format,
            compute: master.clone(),
            reference_work: master.workspace(batch),
            reference_grads: master.zero_grads(),
        }
    }

    /// The compute copy from the master weights as they are now.
    pub fn refresh(&mut self, master: &Network<T>) {
        self.compute.copy_rounded_from(master, self.format);
    }

    /// ∂L/∂output × S, rounded to the format: what the backward pass starts from.
    pub fn scale_output_grad(&self, output_grad: &mut Array2<T>, scale: f64) {
        if scale != 1.0 {
            let scale = T::from_f64(scale);
            output_grad.mapv_inplace(|g| g * scale);
        }
        self.format.round_slice(contiguous_mut(output_grad));
    }

    /// Each parameter gradient rounded to the format (as a half-precision kernel stores
    /// it), then divided by S in full precision.
    pub fn round_and_unscale(&self, grads: &mut [LayerGrads<T>], scale: f64) {
        let inverse = T::from_f64(1.0 / scale);
        for grad in grads {
            for values in grad.slices_mut() {
                self.format.round_slice(values);
                if scale != 1.0 {
                    values.iter_mut().for_each(|v| *v = *v * inverse);
                }
            }
        }
    }

    /// Per layer, the fraction of ∂L/∂W's entries that a full-precision pass on the same
    /// master weights and batch finds non-zero but `grads` (the emulated step's, unscaled)
    /// holds as exactly 0: the gradient lost to underflow. 0 where no entry is non-zero.
    pub fn underflow(
        &mut self,
        master: &Network<T>,
        (loss, reduction): (Loss, Reduction),
        inputs: ArrayView2<T>,
        targets: Targets<T>,
        grads: &[LayerGrads<T>],
    ) -> Vec<f64> {
        let work = &mut self.reference_work;
        master.forward(inputs, Mode::Train, work);
        let (_, mut output_grad) = loss.evaluate(master.output(work), targets);
        let factor = reduction.factor(inputs.nrows());
        if factor != 1.0 {
            output_grad.mapv_inplace(|g| g * T::from_f64(factor));
        }
        master.backward(inputs, output_grad.view(), work, &mut self.reference_grads);
        (self.reference_grads.iter().zip(grads))
            .map(|(full, emulated)| {
                let pairs = full.weights.iter().zip(&emulated.weights);
                let nonzero = pairs.clone().filter(|&(f, _)| !f.is_zero()).count();
                let lost = pairs.filter(|&(f, e)| !f.is_zero() && e.is_zero()).count();
                match nonzero {
                    0 => 0.0,
                    n => lost as f64 / n as f64,
                }
            })
            .collect()
    }
}

/// The loss scale of a step and the count of skipped steps so far.
pub(crate) fn record_scale(record: &mut Record, step: usize, scale: f64, skipped: usize) {
    record.push(Metric::LossScale, step as u64, scale);
    record.push(Metric::OverflowSteps, step as u64, skipped as f64);
}

/// The layers' δ (and their measured norms) divided by the loss scale, so that a recorded
/// step's δ statistics are of the loss itself (exact when the scale is a power of two).
pub(crate) fn unscale_deltas<T: Float>(work: &mut Workspace<T>, scale: f64) {
    let inverse = T::from_f64(1.0 / scale);
    for cache in &mut work.layers {
        cache.delta.mapv_inplace(|d| d * inverse);
        cache.delta_norm = cache.delta_norm.map(|norm| norm / scale);
    }
}

fn contiguous_mut<T, D: ndarray::Dimension>(array: &mut ndarray::Array<T, D>) -> &mut [T] {
    array
        .as_slice_mut()
        .expect("the engine's arrays are contiguous")
}
