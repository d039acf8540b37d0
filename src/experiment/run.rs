//! Running an experiment: each run's spec becomes an engine configuration, the engine trains,
//! and its record becomes rows of the tidy results table.

use crate::nn;

use super::results::{Results, Row, RunSummary};
use super::spec::{DataName, Experiment, RunSpec};

/// Train every run of the experiment, in declaration order.
pub fn run_experiment(experiment: &Experiment) -> Results {
    let mut results = Results::default();
    for run in &experiment.runs {
        let record = train_run(run);
        append_record(&mut results, &run.label, &record);
    }
    results
}

/// One run through the engine. Book runs use f32, like the frameworks readers know.
pub fn train_run(run: &RunSpec) -> nn::TrainingRecord {
    let data = match run.data.name {
        DataName::Spirals => nn::spirals(
            run.data.samples,
            run.data.classes,
            run.data.noise,
            run.data.seed,
        ),
    };
    let model = nn::MlpConfig {
        input_dim: data.inputs.ncols(),
        hidden: vec![run.model.width; run.model.depth],
        output_dim: data.classes,
        activation: run.model.activation,
        init: run.model.init,
    };
    let train = nn::TrainConfig {
        lr: run.train.lr,
        steps: run.train.steps,
        batch: run.train.batch,
        seed: run.train.seed,
        record_every: run.train.record_every,
    };
    nn::train::<f32>(&model, &train, &data)
}

/// Turn an engine record into tidy rows: per recorded step, `loss` then `grad_norm` per layer.
pub fn append_record(results: &mut Results, label: &str, record: &nn::TrainingRecord) {
    results.runs.push(RunSummary {
        label: label.to_string(),
        diverged_at: record.diverged.as_ref().map(|d| d.step),
    });
    for (k, &step) in record.steps.iter().enumerate() {
        results.rows.push(Row {
            run: label.to_string(),
            step,
            layer: None,
            metric: "loss".into(),
            value: record.loss[k],
        });
        for (l, &norm) in record.grad_norm_per_layer[k].iter().enumerate() {
            results.rows.push(Row {
                run: label.to_string(),
                step,
                layer: Some(l as u32 + 1),
                metric: "grad_norm".into(),
                value: norm,
            });
        }
    }
}
