//! Which figures a block's runs can fill. A figure that cannot apply to a run (a decision
//! boundary of 3-D data, gradients through time of a feed-forward net, a theory curve that is
//! not a number at some layer) would otherwise be found only after training, or publish an
//! empty figure; here it is refused at parse time, at the `plot` entry's line.

use super::claims::evaluate_formula;
use super::feed_forward::network;
use super::plot_spec::{PlotKind, PlotSpec, Theory};
use super::run::{input_dim, output_dim};
use super::spec::{Model, RunSpec};

/// What is wrong with drawing `plot` for `runs`, if anything (the first run it cannot apply to).
pub(super) fn plot_problem(plot: &PlotSpec, runs: &[RunSpec]) -> Option<String> {
    runs.iter().find_map(|run| run_problem(plot, run))
}

fn run_problem(plot: &PlotSpec, run: &RunSpec) -> Option<String> {
    let kind = plot.kind;
    let recurrent = run.model.is_recurrent();
    let in_run = |message: String| match run.label.as_str() {
        "" => message,
        label => format!("{message} (run `{label}`)"),
    };
    if kind.draws_layers() && recurrent {
        return Some(in_run(format!(
            "plot `{kind}` draws the layers of a feed-forward net; a recurrent model records gradients through time: use \"grad_through_time\" or \"grad_through_time_flow\""
        )));
    }
    match kind {
        PlotKind::GradThroughTime | PlotKind::GradThroughTimeFlow if !recurrent => {
            Some(in_run(format!(
                "plot `{kind}` draws gradients through time, which only recurrent models have (model.kind = \"rnn\", \"gru\" or \"lstm\"); for a feed-forward net use \"grad_norm_by_layer\" or \"grad_flow\""
            )))
        }
        PlotKind::DecisionBoundary if recurrent || run.data.name.is_regression() => {
            Some(in_run(format!(
                "plot `{kind}` draws the classes of a 2-D classification set, and `{}` is not one",
                run.data.name.name()
            )))
        }
        PlotKind::DecisionBoundary if input_dim(run) != 2 => Some(in_run(format!(
            "plot `{kind}` draws the 2-D input plane, but `{}` has {}-D inputs: use a 2-D set (spirals, moons, circles, xor) or dim = 2",
            run.data.name.name(),
            input_dim(run)
        ))),
        PlotKind::JacobianSpectrum
            if matches!(&run.model, Model::Mlp(m) if matches!(m.norm, crate::nn::Norm::Batch { .. })) =>
        {
            Some(in_run(format!(
                "plot `{kind}` takes the Jacobian one example at a time, which batch norm's batch statistics do not allow: use norm = \"layer\" or \"rms\", or no norm"
            )))
        }
        PlotKind::Sharpness if recurrent => Some(in_run(format!(
            "plot `{kind}` measures the Hessian of a feed-forward net's loss; recurrent models do not record it"
        ))),
        PlotKind::Accuracy if recurrent || run.data.name.is_regression() => Some(in_run(
            "plot `accuracy` needs classes; this run is a regression (its loss is the measure): use \"loss\"".into(),
        )),
        _ => plot
            .theory
            .as_ref()
            .and_then(|theory| theory_problem(theory, layer_count(run)))
            .map(in_run),
    }
}

/// The number of layers a feed-forward run records (L of a theory formula; none for a
/// recurrent run, whose figures have no theory).
fn layer_count(run: &RunSpec) -> usize {
    match &run.model {
        Model::Mlp(mlp) => network(mlp, input_dim(run), output_dim(run)).layers().len(),
        Model::Recurrent(_) => 0,
    }
}

/// A theory formula must be a finite number at every layer l = 1 … L, and not 0 at l = L
/// (the curve is anchored to the data there).
fn theory_problem(theory: &Theory, layers: usize) -> Option<String> {
    let total = layers as f64;
    for l in 1..=layers {
        let value = evaluate_formula(&theory.formula, &[("l", l as f64), ("L", total)]);
        let problem = match value {
            Err(message) => Some(message.to_string()),
            Ok(v) if !v.is_finite() => Some(format!("it is {v}")),
            Ok(v) if v == 0.0 && l == layers => Some("it is 0, so it cannot be anchored".into()),
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            return Some(format!(
                "theory `{}` at layer l = {l} of L = {layers}: {problem}; write a formula that is a finite number at every layer",
                theory.formula_text
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::experiment::parse_block;
    use crate::experiment::spec::SpecError;

    const MLP: &str = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"spirals\" }\nmodel = { depth = 3, width = 8, activation = \"tanh\" }\ntrain = { lr = 0.1, steps = 10 }\n";
    const RNN: &str = "id = \"r\"\ntitle = \"t\"\ndata = { name = \"adding\", length = 5 }\nmodel = { kind = \"rnn\", hidden = 4 }\ntrain = { lr = 0.1, steps = 10 }\n";

    fn plot_error(block: &str, plot: &str) -> SpecError {
        let errors = parse_block(&format!("{block}plot = [\"loss\",\n  {plot}]\n")).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            (errors[0].line, errors[0].key.as_deref()),
            (7, Some("plot[2]"))
        );
        errors.into_iter().next().unwrap()
    }

    #[test]
    fn a_decision_boundary_needs_two_dimensional_classes() {
        let blobs = MLP.replace("\"spirals\"", "\"blobs\", dim = 3");
        let e = plot_error(&blobs, "\"decision_boundary\"");
        assert!(e.message.contains("3-D inputs"), "{}", e.message);
        let sine = MLP.replace("\"spirals\"", "\"sine\"");
        assert!(
            plot_error(&sine, "\"decision_boundary\"")
                .message
                .contains("sine")
        );
        assert!(parse_block(&format!("{MLP}plot = [\"decision_boundary\"]\n")).is_ok());
        assert!(
            parse_block(&format!(
                "{}plot = [\"decision_boundary\"]\n",
                MLP.replace("\"spirals\"", "\"blobs\", dim = 2")
            ))
            .is_ok()
        );
    }

    #[test]
    fn figures_of_time_and_of_layers_go_to_their_own_models() {
        let e = plot_error(MLP, "\"grad_through_time\"");
        assert!(e.message.contains("only recurrent models"), "{}", e.message);
        plot_error(MLP, "\"grad_through_time_flow\"");
        for per_layer in [
            "\"grad_norm_by_layer\"",
            "\"grad_flow\"",
            "\"activation_stats\"",
        ] {
            let e = plot_error(RNN, per_layer);
            assert!(e.message.contains("grad_through_time"), "{}", e.message);
        }
        let e = plot_error(RNN, "\"accuracy\"");
        assert!(e.message.contains("regression"), "{}", e.message);
        // Without a `plot`, a recurrent block draws its own kind of figure.
        let kinds: Vec<String> = parse_block(RNN)
            .unwrap()
            .plots
            .iter()
            .map(|p| p.kind.to_string())
            .collect();
        assert_eq!(kinds, ["grad_through_time", "loss"]);
    }

    #[test]
    fn a_theory_formula_must_be_a_number_at_every_layer() {
        // depth 3: layers 1 … 4; 1/(l-2) is infinite at l = 2, (l-3)^0.5 not a number at l = 1.
        for formula in ["1/(l-2)", "(l-3)^0.5", "L-l"] {
            let e = plot_error(
                MLP,
                &format!("{{ kind = \"grad_norm_by_layer\", theory = \"{formula}\" }}"),
            );
            assert!(
                e.message.contains(formula) && e.message.contains("L = 4"),
                "{}",
                e.message
            );
        }
        let swept = format!(
            "{MLP}sweep = {{ \"model.depth\" = [1, 5] }}\nplot = [{{ kind = \"grad_norm_by_layer\", theory = \"1/(l-4)\" }}]\n"
        );
        let errors = parse_block(&swept).unwrap_err();
        assert!(
            errors[0].message.contains("run `5`"),
            "{}",
            errors[0].message
        );
        assert!(
            parse_block(&format!(
                "{MLP}plot = [{{ kind = \"grad_norm_by_layer\", theory = \"0.25^(L-l)\" }}]\n"
            ))
            .is_ok()
        );
    }
}
