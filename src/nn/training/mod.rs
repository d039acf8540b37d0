//! Training and using a network: the loop (`fit.rs`), mini-batches (`batches.rs`),
//! optimizers (`optimizer.rs`), learning-rate schedules (`schedule.rs`), clipping
//! (`clip.rs`), penalties (`regularize.rs`), greedy layer-wise pretraining
//! (`pretrain.rs`), the emulated half-precision step (`mixed.rs`) and evaluation and predictions (`evaluate.rs`).

pub(crate) mod batches;
pub(crate) mod clip;
pub(crate) mod evaluate;
pub(crate) mod fit;
#[cfg(test)]
mod fit_tests;
pub(crate) mod mixed;
pub(crate) mod optimizer;
pub(crate) mod pretrain;
pub(crate) mod regularize;
pub(crate) mod schedule;
