//! What `fit` records at a recorded step: the loss and global norm, every layer's norms
//! and (with `Probes::layer_stats`) statistics, layers in parallel on the pool; and the
//! histograms at the chosen steps.

use rayon::prelude::*;

use crate::nn::kernels::{CHUNK, norm_from_squares};
use crate::nn::layers::layer::LayerGrads;
use crate::nn::layers::network::{Network, Workspace};
use crate::nn::probes::{self, HistogramOf, Probes, Record};
use crate::nn::{Float, Metric};

#[allow(clippy::too_many_arguments)]
pub(crate) fn record_step<T: Float>(
    net: &Network<T>,
    work: &Workspace<T>,
    grads: &[LayerGrads<T>],
    squares: &[(f64, f64)],
    step: u64,
    (loss, global): (f64, f64),
    probes: &Probes,
    weight_norms_later: bool,
    record: &mut Record,
) {
    record.steps.push(step);
    record.push(Metric::Loss, step, loss);
    record.push(Metric::GlobalGradNorm, step, global);
    // ReZero's learned α, one per block that has one (nets without learned α record none).
    let alphas: Vec<f64> = net
        .layers()
        .iter()
        .filter_map(|l| l.alpha)
        .map(Float::to_f64)
        .collect();
    if !alphas.is_empty() {
        record.push_layer_metric(Metric::Alpha, alphas);
    }
    // Every layer's measurements at once: layers in parallel on the pool when there is
    // enough to measure; a small net's layers take ~1 µs each, less than handing them
    // over to another thread costs (measured). The bits are the same either way.
    // (The update ratio is measured after the update, in `fit`.)
    const MEASURED: [Metric; 9] = [
        Metric::GradNorm,
        Metric::GradNormBias,
        Metric::WeightNorm,
        Metric::DeltaNorm,
        Metric::DeltaFrobenius,
        Metric::ActMean,
        Metric::ActStd,
        Metric::SaturatedFrac,
        Metric::DeadFrac,
    ];
    let measure = |l: usize| {
        let (layer, cache) = (&net.layers()[l], &work.layers[l]);
        let mut values = [0.0; 9];
        values[0] = norm_from_squares(squares[l].0, slice(&grads[l].weights));
        values[1] = probes::fast_norm_slice(slice(&grads[l].biases));
        if !weight_norms_later {
            values[2] = probes::fast_norm_slice(slice(&layer.dense.weights));
        }
        if probes.layer_stats {
            values[3] = probes::delta_norm(cache);
            values[4] = probes::fast_norm_slice(slice(&cache.delta));
            values[5..].copy_from_slice(&probes::activation_stats(layer, cache));
        }
        values
    };
    let outputs: usize = work.layers.iter().map(|cache| cache.out.len()).sum();
    let measured: Vec<[f64; 9]> = if outputs >= CHUNK {
        (0..grads.len()).into_par_iter().map(measure).collect()
    } else {
        (0..grads.len()).map(measure).collect()
    };
    let metrics = if probes.layer_stats { 9 } else { 3 };
    for (i, metric) in MEASURED.into_iter().enumerate().take(metrics) {
        record.push_layer_metric(metric, measured.iter().map(|m| m[i]).collect());
    }
}

pub(crate) fn take_histograms<T: Float>(
    net: &Network<T>,
    work: &Workspace<T>,
    grads: &[LayerGrads<T>],
    step: u64,
    bins: usize,
    record: &mut Record,
) {
    for (l, (cache, grad)) in work
        .layers
        .iter()
        .zip(grads)
        .enumerate()
        .take(net.layers().len())
    {
        let activations: Vec<f64> = cache.out.iter().map(|&v| Float::to_f64(v)).collect();
        record.histograms.push(probes::histogram(
            step,
            l + 1,
            HistogramOf::Activations,
            &activations,
            bins,
        ));
        let magnitudes: Vec<f64> = grad
            .weights
            .iter()
            .map(|&g| Float::to_f64(g).abs())
            .filter(|&g| g > 0.0)
            .map(f64::log10)
            .collect();
        record.histograms.push(probes::histogram(
            step,
            l + 1,
            HistogramOf::Gradients,
            &magnitudes,
            bins,
        ));
    }
}

fn slice<T, D: ndarray::Dimension>(array: &ndarray::Array<T, D>) -> &[T] {
    array
        .as_slice()
        .expect("the engine's arrays are contiguous")
}
