//! One training step of a recurrent network, for `benches/` (issue 7, "speed"): the
//! adding problem's inputs, float32, Adam, full BPTT, no probes beyond what every step
//! computes (‖∂L/∂h_t‖ comes with the backward pass).
//!
//! ```ignore
//! let mut bench = StepBench::new("lstm".parse()?, 128, 100, 32);
//! c.bench_function("lstm", |b| b.iter(|| bench.step()));
//! ```

use ndarray::Array2;

use super::config::{Cell, RecurrentConfig};
use super::network::{BatchTargets, RecurrentNet, Workspace};
use super::tasks::SequenceTask;
use crate::nn::{Loss, Optimizer, OptimizerState};

/// A network, its buffers and one fixed batch, ready to take training steps.
pub struct StepBench {
    net: RecurrentNet<f32>,
    work: Workspace<f32>,
    optimizer: OptimizerState<f32>,
    inputs: Array2<f32>,
    targets: BatchTargets<f32>,
    batch: usize,
}

impl StepBench {
    /// `cell` with `hidden` units reading `steps` steps, `batch` sequences per step.
    pub fn new(cell: Cell, hidden: usize, steps: usize, batch: usize) -> Self {
        let task = SequenceTask::Adding {
            length: steps.max(2),
        };
        let data = task.generate(batch, 1).expect("a valid adding problem");
        let config = RecurrentConfig::new(cell, task.input_dim(), hidden, task.output_dim());
        let net = RecurrentNet::new(config, 1).expect("a valid configuration");
        let mut inputs = Array2::zeros((0, 0));
        let mut targets = BatchTargets::Labels(Vec::new());
        let indices: Vec<usize> = (0..batch).collect();
        data.gather(&indices, &mut inputs, &mut targets);
        let work = net.workspace();
        let optimizer =
            OptimizerState::new("adam".parse::<Optimizer>().expect("a known optimizer"));
        StepBench {
            net,
            work,
            optimizer,
            inputs,
            targets,
            batch,
        }
    }

    /// Forward, BPTT and an Adam update; returns the loss.
    pub fn step(&mut self) -> f64 {
        let loss = self.net.loss_and_gradients(
            self.inputs.view(),
            self.batch,
            &self.targets,
            Loss::MeanSquaredError,
            None,
            &mut self.work,
        );
        self.optimizer.begin_step();
        let grads = self.work.grads.arrays();
        for (index, (params, (kind, grads))) in self
            .net
            .params
            .arrays_mut()
            .into_iter()
            .zip(grads)
            .enumerate()
        {
            self.optimizer.update(index, kind, params, grads, 1e-3);
        }
        loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    #[ignore = "timing, not a check: run with --release --ignored --nocapture"]
    fn time_one_step_of_each_cell() {
        for cell in Cell::ALL {
            let mut bench = StepBench::new(cell, 128, 100, 32);
            bench.step(); // allocations
            let repeats = 20;
            let start = Instant::now();
            for _ in 0..repeats {
                std::hint::black_box(bench.step());
            }
            let per_step = start.elapsed().as_secs_f64() / repeats as f64;
            println!(
                "{:>4}: {:.2} ms per step (hidden 128, T 100, batch 32)",
                cell.name(),
                per_step * 1e3
            );
        }
    }
}
