//! Time of the input–output Jacobian's spectrum (`gradbook::nn::Spectrum::of`) of a 20×64
//! tanh net at init (issue 17: under 1 s): 64 backward passes in one batch, then a 64×64 SVD.
//!
//! `cargo bench --bench jacobian_spectrum`; `cargo test --benches` runs it once.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gradbook::nn::{Activation, Init, InitConfig, Network, NetworkConfig, Spectrum};
use ndarray::Array1;

fn bench_spectrum(c: &mut Criterion) {
    let config = NetworkConfig::mlp(
        64,
        &[64; 19],
        64,
        Activation::Tanh,
        InitConfig::new(Init::Orthogonal),
    );
    let net = Network::<f64>::new(&config, 1);
    let input = Array1::from_shape_fn(64, |i| ((i as f64) * 0.37).sin());
    c.bench_function("jacobian_spectrum_20x64", |b| {
        b.iter(|| black_box(Spectrum::of(&net, input.view()).unwrap()))
    });
}

criterion_group!(benches, bench_spectrum);
criterion_main!(benches);
