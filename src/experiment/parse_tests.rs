//! Tests of `parse`: blocks in, experiments or located errors out.

use super::*;
use crate::experiment::spec::{MlpSpec, Model};
use crate::nn::{Activation, Init};

fn mlp(run: &RunSpec) -> &MlpSpec {
    match &run.model {
        Model::Mlp(mlp) => mlp,
        Model::Recurrent(r) => panic!("a recurrent model: {r:?}"),
    }
}

const BASE: &str = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"spirals\" }\nmodel = { depth = 3, width = 8, activation = \"tanh\" }\ntrain = { lr = 0.1, steps = 10 }\n";

fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

#[test]
fn defaults_fill_in_and_a_single_run_is_labelled_by_id() {
    let experiment = parse_block(BASE).unwrap();
    let kinds: Vec<PlotKind> = experiment.plots.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, vec![PlotKind::GradNormByLayer, PlotKind::Loss]);
    let run = &experiment.runs[0];
    assert_eq!(run.label, "e");
    assert_eq!(
        (
            run.data.samples,
            run.data.classes,
            run.train.batch,
            run.train.seed
        ),
        (None, 2, 64, 1)
    );
    assert_eq!(mlp(run).init, Init::XavierNormal);
}

#[test]
fn one_sweep_key_labels_runs_by_value() {
    let experiment = parse_block(&with(
        "sweep = { \"model.activation\" = [\"sigmoid\", \"relu\"] }\n",
    ))
    .unwrap();
    let labels: Vec<_> = experiment
        .runs
        .iter()
        .map(|r| (r.label.as_str(), mlp(r).activation))
        .collect();
    assert_eq!(
        labels,
        vec![("sigmoid", Activation::Sigmoid), ("relu", Activation::Relu)]
    );
}

#[test]
fn several_sweep_keys_make_the_cartesian_product_in_order() {
    let text = with("sweep = { \"model.depth\" = [2, 4], \"train.lr\" = [0.1, 0.01] }\n");
    let runs = parse_block(&text).unwrap().runs;
    let labels: Vec<_> = runs.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            "depth=2, lr=0.1",
            "depth=2, lr=0.01",
            "depth=4, lr=0.1",
            "depth=4, lr=0.01"
        ]
    );
    assert_eq!((mlp(&runs[3]).depth, runs[3].train.lr), (Some(4), 0.01));
}

#[test]
fn errors_name_the_line_and_key() {
    let errors = parse_block(&BASE.replace("depth = 3", "depth = 0")).unwrap_err();
    assert_eq!(
        (errors[0].line, errors[0].key.as_deref()),
        (4, Some("model.depth"))
    );

    let errors = parse_block(&BASE.replace("steps = 10", "steps = 10, lr_decay = 1")).unwrap_err();
    assert_eq!(
        (errors[0].line, errors[0].key.as_deref()),
        (5, Some("train.lr_decay"))
    );

    let errors = parse_block(&BASE.replace("\"tanh\"", "\"swish\"")).unwrap_err();
    assert_eq!(errors[0].key.as_deref(), Some("model.activation"));
    assert!(
        errors[0].message.contains("sigmoid"),
        "lists the valid names: {}",
        errors[0].message
    );

    let errors = parse_block(&BASE.replace("width = 8", "width = \"8\"")).unwrap_err();
    assert_eq!(
        (errors[0].line, errors[0].key.as_deref()),
        (4, Some("model.width"))
    );
}

#[test]
fn sweep_problems_point_at_the_sweep() {
    let errors = parse_block(&with("\nsweep = { \"model.width\" = [0, 4] }\n")).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 7);
    assert!(
        errors[0].message.contains("width=0") || errors[0].message.contains("run `0`"),
        "{}",
        errors[0].message
    );

    let errors = parse_block(&with("sweep = { \"model.depht\" = [1] }\n")).unwrap_err();
    assert!(errors[0].message.contains("depht"), "{}", errors[0].message);

    let errors = parse_block(&with("sweep = { \"title\" = [\"a\"] }\n")).unwrap_err();
    assert!(
        errors[0].message.contains("cannot sweep"),
        "{}",
        errors[0].message
    );

    let errors = parse_block(&with("sweep = { \"model.depth\" = [] }\n")).unwrap_err();
    assert!(
        errors[0].message.contains("non-empty"),
        "{}",
        errors[0].message
    );
}

#[test]
fn bad_syntax_ids_and_plots_are_errors() {
    let errors = parse_block("id = \"e\"\ntitle = \n").unwrap_err();
    assert_eq!(errors[0].line, 2);
    let errors = parse_block(&BASE.replace("id = \"e\"", "id = \"Has Space\"")).unwrap_err();
    assert_eq!(errors[0].key.as_deref(), Some("id"));
    let errors = parse_block(&with("plot = [\"heatmap\"]\n")).unwrap_err();
    assert!(
        errors[0].message.contains("grad_norm_by_layer"),
        "{}",
        errors[0].message
    );
}

#[test]
fn init_accepts_names_and_normal_with_std() {
    let experiment = parse_block(&BASE.replace(
        "activation = \"tanh\"",
        "activation = \"tanh\", init = { name = \"normal\", std = 2.0 }",
    ))
    .unwrap();
    assert_eq!(mlp(&experiment.runs[0]).init, Init::Normal { std: 2.0 });
    let errors = parse_block(&BASE.replace(
        "activation = \"tanh\"",
        "activation = \"tanh\", init = \"normal\"",
    ))
    .unwrap_err();
    assert!(errors[0].message.contains("std"), "{}", errors[0].message);
}
