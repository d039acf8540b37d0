//! The neural-network engine: multilayer perceptrons trained by mini-batch SGD on toy data,
//! reporting per-layer gradient norms so the book can show gradients vanish or explode.
//! It knows nothing of books or experiments.
//!
//! Owns: the scalar type ([`Float`]), activations, weight initialization, dense layers,
//! softmax cross-entropy, the network's forward/backward passes, toy data sets, mini-batch
//! order, the training loop and its record. All randomness is seeded (see `rng.rs`).

mod activation;
mod batches;
mod data;
mod dense;
mod float;
mod init;
mod loss;
mod network;
mod record;
mod rng;
mod train;

pub use activation::Activation;
pub use data::{Dataset, spirals};
pub use dense::{Dense, LayerGradient};
pub use float::Float;
pub use init::Init;
pub use loss::softmax_cross_entropy;
pub use network::{ForwardPass, Mlp, MlpConfig};
pub use record::{Divergence, TrainingRecord};
pub use train::{TrainConfig, train, validate};
