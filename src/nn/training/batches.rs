//! Mini-batch selection: which examples each training step sees, and copying them into the
//! step's batch buffers.

use ndarray::Array2;
use rayon::prelude::*;

use crate::nn::Float;
use crate::nn::data::sets::Data;
#[cfg(test)]
use crate::nn::data::sets::Dataset;
use crate::nn::kernels;
use crate::nn::rng::{Purpose, RandomStream};

/// Epochs of shuffled mini-batches. Each epoch is a fresh Fisher–Yates shuffle of all
/// example indices, walked through in consecutive batches; a remainder too short for a full
/// batch is skipped (so every step averages over exactly `batch` examples) and the next
/// epoch starts. A batch larger than the data set is cut to the whole data set.
#[derive(Debug)]
pub struct BatchSampler {
    order: Vec<usize>,
    position: usize,
    batch: usize,
    rng: RandomStream,
}

impl BatchSampler {
    /// Batches over `examples` indices, ordered by the seed's `Batches` stream.
    pub fn new(examples: usize, batch: usize, seed: u64) -> Self {
        BatchSampler {
            order: (0..examples).collect(),
            position: examples, // "end of epoch", so the first call shuffles
            batch: batch.min(examples),
            rng: RandomStream::new(seed, Purpose::Batches),
        }
    }

    pub fn batch_size(&self) -> usize {
        self.batch
    }

    /// The example indices of the next batch.
    pub fn next_batch(&mut self) -> &[usize] {
        if self.position + self.batch > self.order.len() {
            self.rng.shuffle(&mut self.order);
            self.position = 0;
        }
        let batch = &self.order[self.position..self.position + self.batch];
        self.position += self.batch;
        batch
    }
}

/// Copies the examples at `indices` into the batch buffers (as the engine's scalar type).
pub(crate) fn fill_batch<T: Float>(
    data: &Data,
    indices: &[usize],
    inputs: &mut Array2<T>,
    labels: &mut Vec<usize>,
    targets: &mut Array2<T>,
) {
    labels.clear();
    let source = data.inputs();
    let copy_row = |input: &mut [T], index: usize| {
        for (x, &v) in input.iter_mut().zip(source.row(index)) {
            *x = T::from_f64(v);
        }
    };
    let width = inputs.ncols().max(1);
    let rows = inputs
        .as_slice_mut()
        .expect("the batch buffer is contiguous");
    if rows.len() > kernels::CHUNK && kernels::on_a_pool_thread() {
        rows.par_chunks_mut(width)
            .zip(indices)
            .for_each(|(input, &index)| copy_row(input, index));
    } else {
        for (input, &index) in rows.chunks_mut(width).zip(indices) {
            copy_row(input, index);
        }
    }
    for (row, &index) in indices.iter().enumerate() {
        match data {
            Data::Classes(set) => labels.push(set.labels[index]),
            Data::Values(set) => targets
                .row_mut(row)
                .zip_mut_with(&set.targets.row(index), |t, &v| *t = T::from_f64(v)),
        }
    }
}

/// (The original loop's gather, kept for the reference test in `train.rs`.)
/// Copies the chosen examples into reusable buffers (`inputs` must be `indices.len()` ×
/// input_dim), converting to the engine's scalar type on the way.
#[cfg(test)]
pub fn gather<T: Float>(
    data: &Dataset,
    indices: &[usize],
    inputs: &mut Array2<T>,
    labels: &mut Vec<usize>,
) {
    labels.clear();
    for (mut row, &index) in inputs.rows_mut().into_iter().zip(indices) {
        row.zip_mut_with(&data.inputs.row(index), |x, &v| *x = T::from_f64(v));
        labels.push(data.labels[index]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_epoch_visits_every_example_once() {
        let mut sampler = BatchSampler::new(12, 4, 1);
        for _epoch in 0..3 {
            let mut seen: Vec<usize> = (0..3).flat_map(|_| sampler.next_batch().to_vec()).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..12).collect::<Vec<_>>());
        }
    }

    #[test]
    fn remainders_are_skipped_and_big_batches_are_cut() {
        let mut sampler = BatchSampler::new(10, 4, 1);
        let first_epoch: Vec<Vec<usize>> = (0..2).map(|_| sampler.next_batch().to_vec()).collect();
        let next = sampler.next_batch().to_vec();
        assert_eq!(next.len(), 4);
        assert!(first_epoch.iter().all(|b| b.len() == 4));

        let mut whole = BatchSampler::new(5, 64, 1);
        assert_eq!(whole.batch_size(), 5);
        assert_eq!(whole.next_batch().len(), 5);
    }

    #[test]
    fn gather_copies_rows_and_labels() {
        let data = Dataset {
            inputs: ndarray::array![[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]],
            labels: vec![0, 1, 2],
            classes: 3,
        };
        let mut inputs = Array2::<f32>::zeros((2, 2));
        let mut labels = Vec::new();
        gather(&data, &[2, 0], &mut inputs, &mut labels);
        assert_eq!(inputs, ndarray::array![[4.0, 5.0], [0.0, 1.0]]);
        assert_eq!(labels, vec![2, 0]);
    }
}
