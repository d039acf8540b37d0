//! Whole-loop tests of `fit`, by topic: what the probes record (`probes.rs`), what
//! training learns and which remedies help (`learning.rs`), and what stays stable —
//! determinism, divergence, refusals (`stability.rs`). The helpers below are shared.

mod learning;
mod mixed;
mod probes;
mod stability;

use crate::nn::Data;
use crate::nn::Metric;
use crate::nn::data::toy::spirals;
use crate::nn::layers::activation::Activation;
use crate::nn::layers::init::{Init, InitConfig};
use crate::nn::layers::network::NetworkConfig;
use crate::nn::probes::Record;

pub(super) fn spiral_data() -> Data {
    Data::Classes(spirals(256, 2, 0.1, 1))
}

pub(super) fn mlp(hidden: &[usize], activation: Activation, init: Init) -> NetworkConfig {
    NetworkConfig::mlp(2, hidden, 2, activation, InitConfig::new(init))
}

pub(super) fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Mean loss over the first and the last 20 recorded steps.
pub(super) fn first_and_last(record: &Record) -> (f64, f64) {
    let loss = &record
        .series(Metric::Loss)
        .expect("loss is always recorded")
        .values;
    (mean(&loss[..20]), mean(&loss[loss.len() - 20..]))
}
