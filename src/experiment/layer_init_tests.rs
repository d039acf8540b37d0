//! `model.layer_init`: the named layers get their own init, every other parameter keeps its
//! bits, the cache text changes only when it is given, and bad keys are refused by name.

use crate::experiment::feed_forward::network;
use crate::experiment::parse_block;
use crate::experiment::run::{input_dim, output_dim};
use crate::experiment::spec::{Model, RunSpec, SpecError};
use crate::nn::Network;

const MLP: &str = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"blobs\", dim = 8, classes = 4 }\nmodel = { depth = 3, width = 64, activation = \"tanh\" }\ntrain = { lr = 0.1, steps = 10 }\n";

fn with_layer_init(table: &str) -> String {
    MLP.replace(
        "activation = \"tanh\" }",
        &format!("activation = \"tanh\", layer_init = {table} }}"),
    )
}

fn built(run: &RunSpec) -> Network<f64> {
    let Model::Mlp(mlp) = &run.model else {
        panic!("a feed-forward model")
    };
    Network::new(&network(mlp, input_dim(run), output_dim(run)), 7)
}

fn only_error(text: &str) -> SpecError {
    let errors = parse_block(text).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.into_iter().next().unwrap()
}

#[test]
fn overridden_layers_take_their_init_and_the_others_keep_their_bits() {
    let plain = parse_block(MLP).unwrap().runs.remove(0);
    let text =
        with_layer_init("{ \"2\" = { name = \"normal\", std = 0.01 }, output = \"orthogonal\" }");
    let overridden = parse_block(&text).unwrap().runs.remove(0);
    let (a, b) = (built(&plain), built(&overridden));
    assert_eq!(a.layers().len(), 4);
    let Model::Mlp(mlp) = &plain.model else {
        unreachable!()
    };
    assert_eq!(super::dense_layers(mlp), 4);
    let residual = MLP.replace("\"tanh\" }", "\"tanh\", residual = { layers = 2 } }");
    let residual = parse_block(&residual).unwrap().runs.remove(0);
    let Model::Mlp(mlp) = &residual.model else {
        unreachable!()
    };
    assert_eq!(super::dense_layers(mlp), built(&residual).layers().len());
    for (l, (x, y)) in a.layers().iter().zip(b.layers()).enumerate() {
        assert_eq!(x.dense.biases, y.dense.biases, "layer {}", l + 1);
        if l == 0 || l == 2 {
            assert_eq!(
                x.dense.weights,
                y.dense.weights,
                "layer {} unchanged",
                l + 1
            );
        }
    }
    // Layer 2: 64 × 64 draws of N(0, 0.01²); the sample std is within 3% (its standard
    // error is 1/√(2·4096) ≈ 1.1%).
    let w = &b.layers()[1].dense.weights;
    let std = (w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64).sqrt();
    println!("layer 2 std {std:.5} (override 0.01)");
    assert!((std / 0.01 - 1.0).abs() < 0.03, "{std}");
    // The output layer (64 × 4) is orthogonal: orthonormal columns.
    let out = &b.layers()[3].dense.weights;
    let gram = out.t().dot(out);
    let worst = gram
        .indexed_iter()
        .map(|((i, j), v)| (v - f64::from(u8::from(i == j))).abs())
        .fold(0.0, f64::max);
    println!("output WᵀW − I: worst {worst:e}");
    assert!(worst < 1e-12, "{worst}");
    // Printed in the cache text only when given.
    assert!(!format!("{:?}", plain.model).contains("layer_init"));
    assert!(
        format!("{:?}", overridden.model)
            .contains("layer_init: [(Number(2), Normal { std: 0.01 }), (Output, Orthogonal)]")
    );
}

#[test]
fn bad_layer_init_keys_are_refused_by_name() {
    for (table, key, says) in [
        (
            "{ first = \"orthogonal\" }",
            "model",
            "unknown layer `first`",
        ),
        ("{ \"0\" = \"orthogonal\" }", "model", "no layer 0"),
        (
            "{ \"5\" = \"orthogonal\" }",
            "model.layer_init",
            "names layer 5, but the net has 4",
        ),
        (
            "{ \"4\" = \"orthogonal\", output = \"he_normal\" }",
            "model.layer_init",
            "twice",
        ),
        ("{ \"2\" = \"zero\" }", "model", "unknown init `zero`"),
    ] {
        let error = only_error(&with_layer_init(table));
        println!("{table}: {:?} {}", error.key, error.message);
        assert!(
            error.key.as_deref().is_some_and(|k| k.starts_with(key)),
            "{table}: {:?}",
            error.key
        );
        assert!(error.message.contains(says), "{table}: {}", error.message);
    }
    let rnn = "id = \"r\"\ntitle = \"t\"\ndata = { name = \"adding\", length = 5 }\nmodel = { kind = \"rnn\", hidden = 4, layer_init = { output = \"orthogonal\" } }\ntrain = { lr = 0.1, steps = 10 }\n";
    let error = only_error(rnn);
    assert!(
        error.key.as_deref().is_some_and(|k| k.starts_with("model")),
        "{:?}",
        error.key
    );
    assert!(
        error
            .message
            .contains("`layer_init` belongs to feed-forward models"),
        "{}",
        error.message
    );
}
