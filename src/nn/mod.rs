//! The neural-network engine: feed-forward networks (dense layers, batch/layer norm,
//! residual blocks) trained on toy data with the usual losses, optimizers, schedules,
//! clipping and regularizers, recording per-layer probes so the book can show gradients
//! vanish or explode, and a mean-field theory module to compare them with. It knows nothing
//! of books or experiments.
//!
//! Map (folders by what they hold; every public name is re-exported here as `nn::X`):
//! - `layers/`: [`Activation`], [`Init`]/[`BiasInit`]/[`InitConfig`], [`Norm`], one
//!   [`Layer`]'s forward and backward pass (`layer.rs`), the [`Network`] of plain and
//!   residual blocks (`network.rs`, shaped by [`NetworkConfig`]), [`Loss`];
//! - `training/`: [`fit`]/[`train_network`] with [`FitConfig`] ([`Optimizer`],
//!   [`Schedule`], [`Clip`], [`Regularization`], [`Probes`]) → [`Record`]; [`pretrain`]
//!   (greedy layer-wise); evaluation and predictions;
//! - `probes/` (module file `probes.rs`): what a run records — [`Metric`] (every quantity
//!   the engine measures: its name, scope, probe and where it applies), [`Probes`],
//!   [`Record`], histograms and decision grids; `at_step.rs` (what a recorded step
//!   measures), `layer_stats.rs` and `moments.rs` (the per-layer statistics and their
//!   kernels), `divergence.rs` ([`Divergence`]), `jacobian.rs` (the input–output
//!   Jacobian and its singular values, [`Spectrum`]), `sharpness.rs` ([`Sharpness`]: the
//!   loss Hessian's top eigenvalue by [`power_iteration`], against 2/η);
//! - `data/`: [`Dataset`] (classes), [`RegressionData`], [`Data`] (either, with `split`);
//!   generators [`spirals`], [`moons`], [`circles`], [`xor`], [`blobs`], [`random`],
//!   [`sine`], [`teacher`], and [`digits`];
//! - [`theory`]: mean field (Gauss–Hermite quadrature, q-map, χ₁, depth scale), and the
//!   tests that hold wide networks to it;
//! - [`recurrent`]: RNN, GRU and LSTM cells trained by BPTT;
//! - `precision.rs`: emulated fp16/bf16 ([`HalfFormat`], [`MixedPrecision`]) and loss
//!   scaling ([`LossScaling`], [`LossScaler`]);
//! - underneath: [`Float`] (f32/f64), `rng.rs` (seeded ChaCha streams), `kernels.rs` (the
//!   hot loops: products, sums, counts, the pool).

mod data;
mod error;
mod float;
mod kernels;
mod layers;
mod precision;
mod probes;
pub mod recurrent;
mod rng;
pub mod theory;
mod training;

pub use data::digits::digits;
pub use data::sets::{Data, Dataset, RegressionData};
pub use data::toy::{blobs, circles, moons, random, sine, spirals, teacher, xor};
pub use error::{ConfigError, UnknownName, by_name};
pub use float::Float;
pub use kernels::on_pool;
pub use layers::activation::Activation;
pub use layers::dense::Dense;
pub use layers::init::{BiasInit, Init, InitConfig};
pub use layers::layer::{Layer, LayerConfig, LayerGrads, ParamKind};
pub use layers::loss::{Loss, Reduction, Targets, softmax_cross_entropy};
pub use layers::network::{BlockConfig, Network, NetworkConfig, Placement, Workspace};
pub use layers::norm::{Mode, Norm};
pub use precision::{HalfFormat, LossScaler, LossScaling, MixedPrecision, Verdict};
pub use probes::jacobian::{Spectrum, input_output_jacobian, singular_values};
pub use probes::metric::{Metric, Probe, Scope, UnknownMetric};
pub use probes::sharpness::{Sharpness, power_iteration, sharpness};
pub use probes::{
    DecisionGrid, Divergence, GridSpec, Histogram, HistogramOf, Probes, Record, Series,
};

pub use training::clip::{Clip, global_norm};
pub use training::evaluate::{decision_grid, predicted_classes};
pub use training::fit::{FitConfig, check, fit, train_network};
pub use training::optimizer::{Measure, Optimizer, OptimizerState, Sizes};
pub use training::pretrain::{PretrainConfig, pretrain};
pub use training::regularize::Regularization;
pub use training::schedule::{Decay, Schedule};
