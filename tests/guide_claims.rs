//! The book's own experiments, run as tests: the guide's claims hold for what the engine
//! computes, not for numbers pasted into the prose.

use gradbook::experiment::{parse_block, run::run_experiment};
use gradbook::markdown::find_experiment_blocks;
use gradbook::nn::Metric;

fn experiment(chapter: &str, id: &str) -> gradbook::experiment::Experiment {
    let path = format!("{}/content/{chapter}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    find_experiment_blocks(&text)
        .into_iter()
        .map(|block| parse_block(&block.toml).unwrap_or_else(|e| panic!("{path}: {e:?}")))
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("{path} has no experiment `{id}`"))
}

#[test]
fn sigmoid_first_layer_gradient_is_100x_smaller_and_relu_stays_within_10x() {
    let experiment = experiment("saturation.md", "sigmoid-vs-relu");
    let results = run_experiment(&experiment);
    let ratio = |run: &str| {
        let norms = results.by_layer(run, Metric::GradNorm, 0);
        let (first, last) = (norms.first().unwrap().1, norms.last().unwrap().1);
        assert_eq!(norms.len(), 11, "10 hidden layers + the output layer");
        first / last
    };
    let (sigmoid, relu) = (ratio("sigmoid"), ratio("relu"));
    eprintln!("step-0 ‖∇W₁‖/‖∇W₁₁‖: sigmoid {sigmoid:.3e}, relu {relu:.3}");
    assert!(
        sigmoid < 1e-2,
        "sigmoid ratio {sigmoid:e} should be below 1/100"
    );
    assert!(
        (0.1..=10.0).contains(&relu),
        "relu ratio {relu} should be within 10×"
    );
}
