//! What a network is made of, and its forward and backward passes: activations
//! (`activation.rs`), initializers (`init.rs`), the dense parameters (`dense.rs`),
//! normalization (`norm.rs`), one layer's forward and backward pass (`layer.rs`), the
//! network of plain and residual blocks (`network.rs`, shaped by `architecture.rs`), the
//! parameters in the optimizers' order (`params.rs`) and the losses on top (`loss.rs`).
//! `gradcheck_tests.rs` checks every backward pass against finite differences;
//! `placement_tests.rs` the residual blocks of today's nets (Pre-/Post-LN, ReZero, Fixup),
//! against finite differences and the theory.

pub(crate) mod activation;
pub(crate) mod architecture;
pub(crate) mod dense;
#[cfg(test)]
mod gradcheck_tests;
pub(crate) mod init;
pub(crate) mod layer;
pub(crate) mod loss;
pub(crate) mod network;
pub(crate) mod norm;
pub(crate) mod params;
#[cfg(test)]
mod placement_tests;
