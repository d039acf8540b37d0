//! From block text to a validated [`Experiment`]: TOML syntax, typed keys, sweep expansion,
//! range checks. Every problem becomes a [`SpecError`] located at the key it concerns.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::spec::{BlockToml, Experiment, PlotKind, RunSpec, SpecError};

/// Sane maximums: a typo should not start an hour-long build.
pub const MAX_DEPTH: usize = 200;
pub const MAX_WIDTH: usize = 4096;
pub const MAX_STEPS: usize = 100_000;
pub const MAX_SAMPLES: usize = 100_000;

/// Parse and validate one block. Returns every problem found, not just the first.
pub fn parse_block(text: &str) -> Result<Experiment, Vec<SpecError>> {
    let block: BlockToml = toml::from_str(text).map_err(|e| vec![toml_error(text, &e)])?;
    let mut tree: toml::Table = toml::from_str(text).map_err(|e| vec![toml_error(text, &e)])?;
    for key in ["id", "title", "caption", "sweep", "plot"] {
        tree.remove(key);
    }

    let mut errors = Vec::new();
    if !is_valid_id(&block.id) {
        errors.push(error_at(
            text,
            &["id"],
            "id must be non-empty and use only a-z, 0-9, '-' and '_'",
        ));
    }
    let mut plots = Vec::new();
    for name in &block.plot {
        match name.parse::<PlotKind>() {
            Ok(kind) if !plots.contains(&kind) => plots.push(kind),
            Ok(_) => errors.push(error_at(
                text,
                &["plot"],
                &format!("plot `{name}` is listed twice"),
            )),
            Err(message) => errors.push(error_at(text, &["plot"], &message)),
        }
    }

    let mut runs = Vec::new();
    for (label, overrides) in sweep_points(text, &block.sweep, &mut errors) {
        let mut variant = tree.clone();
        for (path, value) in &overrides {
            set_path(&mut variant, path, value.clone());
        }
        let swept_keys: Vec<&str> = overrides.iter().map(|(path, _)| path.as_str()).collect();
        let in_run = |message: &str| match label.as_str() {
            "" => message.to_string(),
            _ => format!("{message} (in run `{label}`)"),
        };
        let run = match toml::Value::Table(variant).try_into::<RunSpec>() {
            Ok(run) => run,
            Err(e) => {
                errors.push(sweep_error(
                    text,
                    &swept_keys.join("\", \""),
                    &in_run(e.message()),
                ));
                continue;
            }
        };
        for (key, message) in range_problems(&run) {
            let e = if swept_keys.contains(&key.as_str()) {
                sweep_error(text, &key, &in_run(&message))
            } else {
                error_at(text, &key.split('.').collect::<Vec<_>>(), &message)
            };
            // A value outside the sweep is wrong in every run: report it once.
            if !errors.contains(&e) {
                errors.push(e);
            }
        }
        runs.push(RunSpec { label, ..run });
    }

    if errors.is_empty() {
        let single = runs.len() == 1 && runs[0].label.is_empty();
        if single {
            runs[0].label = block.id.clone();
        }
        Ok(Experiment {
            id: block.id,
            title: block.title,
            caption: block.caption,
            plots,
            runs,
        })
    } else {
        Err(errors)
    }
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The `(dotted key, value)` pairs a sweep point sets.
type Overrides = Vec<(String, toml::Value)>;

/// One sweep point: its label and its overrides.
type SweepPoint = (String, Overrides);

/// An error about a swept key, located at the `sweep` line.
fn sweep_error(text: &str, key: &str, message: &str) -> SpecError {
    SpecError {
        key: Some(format!("sweep.\"{key}\"")),
        ..error_at(text, &["sweep"], message)
    }
}

/// The cartesian product of the sweep's value lists, in declaration order, with labels.
/// One key: the label is the value (`relu`); several: `activation=relu, depth=10`.
fn sweep_points(text: &str, sweep: &toml::Table, errors: &mut Vec<SpecError>) -> Vec<SweepPoint> {
    let mut points: Vec<(Vec<String>, Overrides)> = vec![(vec![], vec![])];
    for (path, values) in sweep {
        let root = path.split('.').next().unwrap_or_default();
        if !["data", "model", "train"].contains(&root) || !path.contains('.') {
            let message =
                format!("cannot sweep `{path}`: only keys under data, model and train vary");
            let hint = "sweep keys are dotted paths such as \"model.depth\" or \"train.lr\"";
            errors.push(SpecError {
                hint: Some(hint.into()),
                ..sweep_error(text, path, &message)
            });
            continue;
        }
        let values = match values {
            toml::Value::Array(values) if !values.is_empty() => values,
            _ => {
                errors.push(sweep_error(
                    text,
                    path,
                    &format!("sweep `{path}` needs a non-empty list of values"),
                ));
                continue;
            }
        };
        let short = path.rsplit('.').next().unwrap_or(path);
        let many = sweep.len() > 1;
        points = points
            .into_iter()
            .flat_map(|(labels, overrides)| {
                values.iter().map(move |value| {
                    let shown = match value {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let mut labels = labels.clone();
                    labels.push(if many {
                        format!("{short}={shown}")
                    } else {
                        shown
                    });
                    let mut overrides = overrides.clone();
                    overrides.push((path.clone(), value.clone()));
                    (labels, overrides)
                })
            })
            .collect();
    }
    points
        .into_iter()
        .map(|(labels, overrides)| (labels.join(", "), overrides))
        .collect()
}

fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) {
    let mut segments: Vec<&str> = path.split('.').collect();
    let last = segments.pop().unwrap_or(path);
    let mut current = table;
    for segment in segments {
        let entry = current
            .entry(segment.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        current = entry.as_table_mut().expect("just made a table");
    }
    current.insert(last.to_string(), value);
}

/// Values that parse but cannot be trained: `(dotted key, what is wrong)`.
fn range_problems(run: &RunSpec) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, key: &str, message: String| {
        if !ok {
            problems.push((key.to_string(), message));
        }
    };
    let (d, m, t) = (&run.data, &run.model, &run.train);
    check(
        (1..=MAX_SAMPLES).contains(&d.samples),
        "data.samples",
        format!(
            "samples must be between 1 and {MAX_SAMPLES}, got {}",
            d.samples
        ),
    );
    check(
        d.noise >= 0.0 && d.noise.is_finite(),
        "data.noise",
        format!("noise must be zero or positive, got {}", d.noise),
    );
    check(
        (2..=10).contains(&d.classes),
        "data.classes",
        format!("classes must be between 2 and 10, got {}", d.classes),
    );
    check(
        (1..=MAX_DEPTH).contains(&m.depth),
        "model.depth",
        format!(
            "depth must be between 1 and {MAX_DEPTH} hidden layers, got {}",
            m.depth
        ),
    );
    check(
        (1..=MAX_WIDTH).contains(&m.width),
        "model.width",
        format!("width must be between 1 and {MAX_WIDTH}, got {}", m.width),
    );
    check(
        t.lr > 0.0 && t.lr.is_finite(),
        "train.lr",
        format!("learning rate must be positive, got {}", t.lr),
    );
    check(
        (1..=MAX_STEPS).contains(&t.steps),
        "train.steps",
        format!("steps must be between 1 and {MAX_STEPS}, got {}", t.steps),
    );
    check(
        t.batch >= 1 && t.batch <= d.samples,
        "train.batch",
        format!(
            "batch must be between 1 and the number of samples ({}), got {}",
            d.samples, t.batch
        ),
    );
    problems
}

/// An error located at a dotted key of the block (the deepest part of the path that exists).
fn error_at(text: &str, path: &[&str], message: &str) -> SpecError {
    let span = key_span(text, path).unwrap_or(0..0);
    SpecError {
        line: crate::diagnostic::line_of_offset(text, span.start),
        column: crate::diagnostic::column_of_offset(text, span.start),
        key: Some(path.join(".")).filter(|k| !k.is_empty()),
        message: message.to_string(),
        hint: None,
    }
}

fn key_span(text: &str, path: &[&str]) -> Option<Range<usize>> {
    let document = DeTable::parse(text).ok()?;
    let mut table: &DeTable = document.get_ref();
    let mut found = None;
    for segment in path {
        let (key, value) = table.iter().find(|(k, _)| k.get_ref() == segment)?;
        found = Some(key.span());
        match value.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => break,
        }
    }
    found
}

fn toml_error(text: &str, error: &toml::de::Error) -> SpecError {
    let span = error.span().unwrap_or(0..0);
    let key = key_path_at(text, span.start);
    let message = error.message().trim().to_string();
    let hint = message.contains("unknown field").then(|| {
        "check the spelling; README.md lists every key of an experiment block".to_string()
    });
    SpecError {
        line: crate::diagnostic::line_of_offset(text, span.start),
        column: crate::diagnostic::column_of_offset(text, span.start),
        key,
        message,
        hint,
    }
}

/// The dotted path of the key at `offset`, or of the key whose value holds `offset`
/// (`model.activation` for an error pointing into `activation = "sigmod"`).
fn key_path_at(text: &str, offset: usize) -> Option<String> {
    let (document, _) = DeTable::parse_recoverable(text);
    let mut path = Vec::new();
    let mut table: &DeTable = document.get_ref();
    'descend: loop {
        for (key, value) in table.iter() {
            if key.span().contains(&offset) {
                path.push(key.get_ref().to_string());
                break 'descend;
            }
            if value.span().contains(&offset) {
                path.push(key.get_ref().to_string());
                match value.get_ref() {
                    DeValue::Table(inner) => {
                        table = inner;
                        continue 'descend;
                    }
                    _ => break 'descend,
                }
            }
        }
        // Inside a table but not in any of its keys or values: an unknown key the
        // parser dropped, or the table itself. Name it by the text at the offset.
        if let Some(word) = word_at(text, offset) {
            path.push(word);
        }
        break;
    }
    (!path.is_empty()).then(|| path.join("."))
}

fn word_at(text: &str, offset: usize) -> Option<String> {
    let rest = text.get(offset..)?;
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    (!word.is_empty()).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Init};

    const BASE: &str = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"spirals\" }\nmodel = { depth = 3, width = 8, activation = \"tanh\" }\ntrain = { lr = 0.1, steps = 10 }\n";

    fn with(extra: &str) -> String {
        format!("{BASE}{extra}")
    }

    #[test]
    fn defaults_fill_in_and_a_single_run_is_labelled_by_id() {
        let experiment = parse_block(BASE).unwrap();
        assert_eq!(
            experiment.plots,
            vec![PlotKind::GradNormByLayer, PlotKind::Loss]
        );
        let run = &experiment.runs[0];
        assert_eq!(run.label, "e");
        assert_eq!(
            (
                run.data.samples,
                run.data.classes,
                run.train.batch,
                run.train.seed
            ),
            (512, 2, 64, 1)
        );
        assert_eq!(run.model.init, Init::XavierNormal);
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
            .map(|r| (r.label.as_str(), r.model.activation))
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
        assert_eq!((runs[3].model.depth, runs[3].train.lr), (4, 0.01));
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let errors = parse_block(&BASE.replace("depth = 3", "depth = 0")).unwrap_err();
        assert_eq!(
            (errors[0].line, errors[0].key.as_deref()),
            (4, Some("model.depth"))
        );

        let errors =
            parse_block(&BASE.replace("steps = 10", "steps = 10, lr_decay = 1")).unwrap_err();
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
        assert_eq!(experiment.runs[0].model.init, Init::Normal { std: 2.0 });
        let errors = parse_block(&BASE.replace(
            "activation = \"tanh\"",
            "activation = \"tanh\", init = \"normal\"",
        ))
        .unwrap_err();
        assert!(errors[0].message.contains("std"), "{}", errors[0].message);
    }
}
