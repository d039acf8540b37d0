//! Recurrent networks (issue 7): Elman RNN, GRU and LSTM cells, stacked, read out at the
//! last step or every step, trained by backpropagation through time on sequence tasks that
//! need memory over T steps, with the probes that show why plain RNNs forget: ‖∂L/∂h_t‖
//! for every step t, the recurrent matrix's spectrum, the LSTM's forget gates.
//!
//! Map:
//! - [`RecurrentConfig`] ([`Cell`], [`Readout`], [`RecurrentInit`]) → [`RecurrentNet`];
//! - the cells, one file each, forward and BPTT written out step by step: `rnn.rs`,
//!   `gru.rs`, `lstm.rs` (shared pieces and the time-major layout: `common.rs`);
//! - the stack, readout and loss: `network.rs`;
//! - data: [`SequenceTask`] (adding, copy, parity, delayed recall) → [`SequenceDataset`];
//! - training: [`fit_recurrent`]/[`train_recurrent`] with [`RecurrentTrainConfig`] →
//!   [`RecurrentRecord`]; [`evaluate`];
//! - probes: [`spectral_radius`], [`top_singular_value`];
//! - speed: [`StepBench`], one training step for `benches/`.
//!
//! It reuses the engine's scalar type, random streams (`streams.rs`), initializers,
//! activations, losses, mini-batch sampler, optimizers and `Clip` rules.

mod bench;
mod common;
mod config;
mod gru;
mod lstm;
mod network;
mod params;
mod rnn;
mod spectral;
mod streams;
mod tasks;
mod train;

#[cfg(test)]
mod gradcheck_tests;
#[cfg(test)]
mod memory_tests;

pub use bench::StepBench;
pub use config::{Cell, Readout, RecurrentConfig, RecurrentInit};
pub use network::{BatchTargets, RecurrentNet, Workspace};
pub use params::{CellParams, Params};
pub use spectral::{spectral_radius, top_singular_value};
pub use tasks::{SequenceDataset, SequenceTargets, SequenceTask};
pub use train::{RecurrentRecord, RecurrentTrainConfig, evaluate, fit_recurrent, train_recurrent};
