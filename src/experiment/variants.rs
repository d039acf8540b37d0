//! The variants of an experiment: `[[case]]` tables (explicit, labelled overrides) times the
//! `sweep` (the cartesian product of value lists). Each variant is a label and the
//! `(dotted key, value)` overrides it applies to the block's base settings.

use super::locate::{error_at, error_at_item};
use super::sizes::{MAX_RUNS, run_count};
use super::spec::SpecError;

/// The `(dotted key, value)` pairs a variant sets.
pub(super) type Overrides = Vec<(String, toml::Value)>;

/// One variant of the block.
pub(super) struct Variant {
    /// Empty for the single variant of a block without cases or sweep.
    pub label: String,
    pub overrides: Overrides,
    /// Which `[[case]]` (0-based) it comes from, if any.
    pub case: Option<usize>,
    /// The dotted keys set by the sweep (the rest of `overrides` come from the case).
    pub swept: Vec<String>,
}

const SETTINGS: [&str; 3] = ["data", "model", "train"];

/// Cases × sweep points, in declaration order (cases outermost). `seeds` is the number of
/// runs per variant: a block asking for more than [`MAX_RUNS`] runs in all is refused here,
/// from the list lengths alone, before a single variant is made.
pub(super) fn variants(
    text: &str,
    cases: Option<&[toml::Table]>,
    sweep: &toml::Table,
    seeds: usize,
    errors: &mut Vec<SpecError>,
) -> Vec<Variant> {
    if let Some(too_many) = too_many_runs(text, cases.map_or(1, <[_]>::len), sweep, seeds) {
        errors.push(too_many);
        return Vec::new();
    }
    let cases: Vec<(Option<usize>, String, Overrides)> = match cases {
        None => vec![(None, String::new(), Vec::new())],
        Some([]) => {
            errors.push(error_at(
                text,
                &["case"],
                "the case list is empty: add [[case]] tables with a label, or remove `case`",
            ));
            return Vec::new();
        }
        Some(tables) => case_variants(text, tables, errors),
    };
    let points = sweep_points(text, sweep, errors);
    let mut variants = Vec::new();
    for (case, case_label, case_overrides) in &cases {
        for (point_label, point_overrides) in &points {
            let label = [case_label.as_str(), point_label.as_str()]
                .iter()
                .filter(|l| !l.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            variants.push(Variant {
                label,
                overrides: case_overrides
                    .iter()
                    .chain(point_overrides)
                    .cloned()
                    .collect(),
                case: *case,
                swept: point_overrides
                    .iter()
                    .map(|(path, _)| path.clone())
                    .collect(),
            });
        }
    }
    variants
}

/// The error for a block that asks for more than [`MAX_RUNS`] runs, at its sweep (or its
/// cases, or its seeds: whichever multiplies the runs).
fn too_many_runs(text: &str, cases: usize, sweep: &toml::Table, seeds: usize) -> Option<SpecError> {
    let lengths: Vec<usize> = sweep
        .values()
        .map(|values| values.as_array().map_or(1, Vec::len))
        .collect();
    let runs = run_count(cases, &lengths, seeds);
    if runs <= MAX_RUNS as u128 {
        return None;
    }
    let mut factors = Vec::new();
    if cases > 1 {
        factors.push(format!("{cases} cases"));
    }
    if !lengths.is_empty() {
        let product = run_count(1, &lengths, 1);
        let shown: Vec<String> = lengths.iter().map(usize::to_string).collect();
        factors.push(format!("{product} sweep points ({})", shown.join(" × ")));
    }
    factors.push(format!("{seeds} seed{}", if seeds == 1 { "" } else { "s" }));
    let message = format!(
        "this block asks for {runs} runs ({}), over the limit of {MAX_RUNS} runs per block",
        factors.join(" × ")
    );
    let at = if !sweep.is_empty() {
        "sweep"
    } else if cases > 1 {
        "case"
    } else {
        "seeds"
    };
    Some(SpecError {
        hint: Some(
            "sweep fewer values (or fewer keys at once), or split the block into several".into(),
        ),
        ..error_at(text, &[at], &message)
    })
}

fn case_variants(
    text: &str,
    tables: &[toml::Table],
    errors: &mut Vec<SpecError>,
) -> Vec<(Option<usize>, String, Overrides)> {
    let mut cases: Vec<(Option<usize>, String, Overrides)> = Vec::new();
    for (index, table) in tables.iter().enumerate() {
        let mut problem =
            |message: String| errors.push(error_at_item(text, "case", index, &message));
        let label = match table.get("label") {
            Some(toml::Value::String(label)) if !label.trim().is_empty() => label.clone(),
            Some(_) => {
                problem("a case's `label` must be a non-empty string".into());
                continue;
            }
            None => {
                problem(
                    "every [[case]] needs a `label` (the name of its series in figures and claims)"
                        .into(),
                );
                continue;
            }
        };
        if cases.iter().any(|(_, l, _)| *l == label) {
            problem(format!("two cases are labelled `{label}`"));
            continue;
        }
        let mut overrides = Vec::new();
        for (key, value) in table.iter().filter(|(k, _)| *k != "label") {
            match value {
                toml::Value::Table(settings) if SETTINGS.contains(&key.as_str()) => {
                    flatten(key, settings, &mut overrides)
                }
                _ => problem(format!(
                    "a case may set only `label`, `data`, `model` and `train`, not `{key}`"
                )),
            }
        }
        cases.push((Some(index), label, overrides));
    }
    cases
}

/// `model = { depth = 3 }` → `("model.depth", 3)`; nested tables (e.g. an init table) stay whole.
fn flatten(prefix: &str, table: &toml::Table, out: &mut Overrides) {
    for (key, value) in table {
        out.push((format!("{prefix}.{key}"), value.clone()));
    }
}

/// An error about a swept key, located at the `sweep` line.
pub(super) fn sweep_error(text: &str, key: &str, message: &str) -> SpecError {
    SpecError {
        key: Some(format!("sweep.\"{key}\"")),
        ..error_at(text, &["sweep"], message)
    }
}

/// The cartesian product of the sweep's value lists, in declaration order, with labels.
/// One key: the label is the value (`relu`); several: `activation=relu, depth=10`.
fn sweep_points(
    text: &str,
    sweep: &toml::Table,
    errors: &mut Vec<SpecError>,
) -> Vec<(String, Overrides)> {
    let mut points: Vec<(Vec<String>, Overrides)> = vec![(vec![], vec![])];
    for (path, values) in sweep {
        let root = path.split('.').next().unwrap_or_default();
        if !SETTINGS.contains(&root) || !path.contains('.') {
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
                    let shown = shown_value(value);
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

/// A swept value as labels show it: a string without quotes, anything else as TOML.
pub(super) fn shown_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Set a dotted key in a TOML tree, creating tables on the way.
pub(super) fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) {
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
