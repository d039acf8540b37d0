//! The neural-network engine: feed-forward networks (dense layers, batch/layer norm,
//! residual blocks) trained on toy data with the usual losses, optimizers, schedules,
//! clipping and regularizers, recording per-layer probes so the book can show gradients
//! vanish or explode, and a mean-field theory module to compare them with. It knows nothing
//! of books or experiments.
//!
//! Map:
//! - scalars and randomness: [`Float`] (f32/f64), `rng.rs` (seeded ChaCha streams);
//! - pieces: [`Activation`], [`Init`]/[`BiasInit`]/[`InitConfig`], [`Norm`], [`Layer`],
//!   [`Network`] (plain and residual blocks), [`Loss`];
//! - training: [`fit`]/[`train_network`] with [`FitConfig`] ([`Optimizer`], [`Schedule`],
//!   [`Clip`], [`Regularization`], [`Probes`]) → [`Record`]; [`pretrain`] (greedy layer-wise);
//! - data: [`Dataset`] (classes), [`RegressionData`], [`Data`] (either, with `split`);
//!   generators [`spirals`], [`moons`], [`circles`], [`xor`], [`blobs`], [`random`], [`sine`],
//!   [`teacher`], and `digits`;
//! - theory: [`theory`] (Gauss–Hermite quadrature, q-map, χ₁, depth scale);
//! - the original API, kept for its callers: [`MlpConfig`], [`Mlp`], [`TrainConfig`],
//!   [`train`] → [`TrainingRecord`].

mod activation;
mod architecture;
mod batches;
mod clip;
mod data;
mod dense;
mod digits;
mod evaluate;
mod fit;
mod fit_probes;
#[cfg(test)]
mod fit_tests;
mod float;
#[cfg(test)]
mod gradcheck;
mod init;
mod kernels;
mod layer;
mod layer_stats;
mod loss;
mod metric;
mod moments;
mod net;
mod network;
mod norm;
mod optimizer;
mod params;
mod pretrain;
mod probes;
mod record;
pub mod recurrent;
mod regularize;
mod rng;
mod schedule;
#[cfg(test)]
mod signal_tests;
pub mod theory;
mod toy_data;
mod train;

pub use activation::Activation;
pub use clip::{Clip, global_norm};
pub use data::{Data, Dataset, RegressionData, spirals};
pub use dense::{Dense, LayerGradient};
pub use digits::digits;
pub use evaluate::{decision_grid, predicted_classes};
pub use fit::{FitConfig, check, fit, train_network};
pub use float::Float;
pub use init::{BiasInit, Init, InitConfig};
pub use kernels::on_pool;
pub use layer::{Layer, LayerConfig, LayerGrads, ParamKind};
pub use loss::{Loss, Targets, softmax_cross_entropy};
pub use metric::{Metric, Probe, Scope, UnknownMetric};
pub use net::{BlockConfig, Network, NetworkConfig, Workspace};
pub use network::{ForwardPass, Mlp, MlpConfig};
pub use norm::{Mode, Norm};
pub use optimizer::{Measure, Optimizer, OptimizerState, Sizes};
pub use pretrain::{PretrainConfig, pretrain};
pub use probes::{DecisionGrid, GridSpec, Histogram, HistogramOf, Probes, Record, Series};
pub use record::{Divergence, TrainingRecord};
pub use regularize::Regularization;
pub use schedule::{Decay, Schedule};
pub use toy_data::{blobs, circles, moons, random, sine, teacher, xor};
pub use train::{TrainConfig, train, validate};
