//! The block's keys checked one at a time, before the typed deserialization. serde stops at
//! the first bad field; here every key is tried on its own (with stand-ins for the required
//! ones), so an unknown key, a value of the wrong type, an unknown name or a number that is not
//! finite is reported for every key that has one. The model's `kind` is read first: the other
//! model keys are tried as that kind's, and a key of another kind says which kind it belongs
//! to. The bad keys are then left out, so that the range checks can still run on the rest of
//! the block and report its other problems too.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::model::{Model, ModelKind};
use super::settings::{DataName, DataSpec, TrainSpec};
use super::spec::BlockToml;
use super::suggest::{closest, with_suggestion};

/// A problem with one key: `(dotted key, message)`.
pub(super) type KeyProblem = (String, String);

/// Why a key alone is refused.
#[derive(Debug, thiserror::Error)]
enum KeyError {
    /// What serde says about it, with a "did you mean …?" where a valid spelling is close.
    #[error("{0}")]
    Refused(String),
    #[error("{0} is not a finite number: write a number such as 0.5")]
    NotFinite(f64),
}

/// A key that must be given: the stand-in used while the others are tried, and what to say
/// when it is missing.
struct Required {
    key: &'static str,
    stand_in: toml::Value,
    /// `None`: a stand-in for a key that may be left out (the model's `kind`).
    missing: Option<String>,
}

impl Required {
    /// A key every block (or every table of the section) gives.
    fn always(section: Option<&str>, key: &'static str, stand_in: toml::Value) -> Self {
        let dotted = section.map_or(key.to_string(), |s| format!("{s}.{key}"));
        Required {
            key,
            stand_in,
            missing: Some(format!("missing key `{key}`: every block gives `{dotted}`")),
        }
    }

    /// A model key the kind cannot do without, with an example of it.
    fn of_model(key: &'static str, stand_in: toml::Value, example: &str) -> Self {
        Required {
            key,
            stand_in,
            missing: Some(format!("missing key `{key}`: {example}")),
        }
    }
}

/// The block's top-level keys that must be given.
fn required_top() -> Vec<Required> {
    let table = || toml::Value::Table(toml::Table::new());
    vec![
        Required::always(None, "id", toml::Value::String("block".into())),
        Required::always(None, "title", toml::Value::String("block".into())),
        Required::always(None, "data", table()),
        Required::always(None, "model", table()),
        Required::always(None, "train", table()),
    ]
}

/// The `data` and `train` keys that must be given (never trained: a block with a bad or
/// missing required key is an error).
fn required_in(section: &str) -> Vec<Required> {
    match section {
        "data" => vec![Required::always(
            Some("data"),
            "name",
            toml::Value::String("spirals".into()),
        )],
        "train" => vec![
            Required::always(Some("train"), "lr", toml::Value::Float(0.1)),
            Required::always(Some("train"), "steps", toml::Value::Integer(1)),
        ],
        _ => Vec::new(),
    }
}

/// The model keys a kind must be given, and `kind` itself as its stand-in.
fn required_model(kind: ModelKind) -> Vec<Required> {
    let mut required = vec![Required {
        key: "kind",
        stand_in: toml::Value::String(kind.name().into()),
        missing: None,
    }];
    if kind.is_recurrent() {
        required.push(Required::of_model(
            "hidden",
            toml::Value::Integer(1),
            "say the state size, e.g. hidden = 16",
        ));
    } else {
        required.push(Required::of_model(
            "activation",
            toml::Value::String("tanh".into()),
            "say which activation, e.g. activation = \"relu\"",
        ));
        required.push(Required::of_model(
            "width",
            toml::Value::Integer(1),
            "say how wide the hidden layers are, e.g. width = 32 (or a list)",
        ));
    }
    required
}

/// The `train` keys that shape feed-forward training only.
const FEED_FORWARD_TRAINING: [&str; 9] = [
    "schedule",
    "warmup",
    "l1",
    "l2",
    "eval_every",
    "clip_adaptive",
    "sharpness_every",
    "loss_reduction",
    "loss_scale",
];

/// Try `key = value` alone in a table of the stand-ins: `Err` is what serde says about it.
fn try_key<T: DeserializeOwned>(
    required: &[Required],
    key: &str,
    value: &toml::Value,
) -> Result<(), KeyError> {
    let mut table: toml::Table = required
        .iter()
        .map(|r| (r.key.to_string(), r.stand_in.clone()))
        .collect();
    table.insert(key.to_string(), value.clone());
    toml::Value::Table(table)
        .try_into::<T>()
        .map(drop)
        .map_err(|e| KeyError::Refused(with_suggestion(e.message().trim())))
}

/// The block's top-level keys, each checked on its own. Returns the block with the bad keys
/// replaced by stand-ins (only usable when `problems` stays empty for the required ones) and
/// every problem found.
pub(super) fn block_keys(tree: &toml::Table, problems: &mut Vec<KeyProblem>) -> BlockToml {
    let required = required_top();
    let mut usable = toml::Table::new();
    for r in &required {
        if !tree.contains_key(r.key) {
            problems.extend(r.missing.clone().map(|m| (r.key.to_string(), m)));
            usable.insert(r.key.to_string(), r.stand_in.clone());
        }
    }
    for (key, value) in tree {
        match try_key::<BlockToml>(&required, key, value) {
            Ok(()) => {
                usable.insert(key.clone(), value.clone());
            }
            Err(problem) => {
                problems.push((key.clone(), problem.to_string()));
                if let Some(r) = required.iter().find(|r| r.key == key) {
                    usable.insert(key.clone(), r.stand_in.clone());
                }
            }
        }
    }
    toml::Value::Table(usable)
        .try_into()
        .expect("every key was accepted alone, and the required ones are there")
}

/// One run's settings after the key-by-key check.
pub(super) struct CheckedSettings {
    /// The `data`, `model` and `train` tables with the bad keys left out and stand-ins for
    /// bad or missing required ones, ready for the typed deserialization.
    pub usable: toml::Table,
    /// Every problem found, as `(dotted key, message)`.
    pub problems: Vec<KeyProblem>,
    /// Keys (or whole tables, such as `model` when its kind is unknown) replaced by stand-ins
    /// without a problem of their own: what the range checks say about them is moot.
    pub unchecked: Vec<String>,
}

/// The `data`, `model` and `train` tables of one run, each key checked on its own.
pub(super) fn settings_keys(settings: &toml::Table) -> CheckedSettings {
    let table_of = |section: &str| {
        settings
            .get(section)
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_default()
    };
    let mut checked = CheckedSettings {
        usable: toml::Table::new(),
        problems: Vec::new(),
        unchecked: Vec::new(),
    };
    let data = section_keys::<DataSpec>("data", &table_of("data"), &required_in("data"));
    // With an unknown kind, the model's stand-in is of the kind the data asks for, so that no
    // rule across the tables complains about the stand-in.
    let sequence_data = table_of("data")
        .get("name")
        .and_then(|name| DataName::deserialize(name.clone()).ok())
        .is_some_and(DataName::is_sequence);
    let stand_in_kind = if sequence_data {
        ModelKind::Rnn
    } else {
        ModelKind::Mlp
    };
    let (model, kind) = model_keys(&table_of("model"), stand_in_kind, &mut checked);
    let mut train = section_keys::<TrainSpec>("train", &table_of("train"), &required_in("train"));
    if kind.is_some_and(ModelKind::is_recurrent) {
        // Given is given, whatever its value: a default value is refused too.
        for key in FEED_FORWARD_TRAINING {
            if train.kept.remove(key).is_some() {
                train.problems.push((
                    format!("train.{key}"),
                    format!(
                        "`{key}` is not used by recurrent models (schedules, warm-up, l1, l2, eval_every, adaptive clipping, sharpness, the loss's reduction and its scale shape feed-forward training only)"
                    ),
                ));
            }
        }
    }
    for (section, table) in [("data", data), ("model", model), ("train", train)] {
        checked.problems.extend(table.problems);
        checked
            .usable
            .insert(section.to_string(), toml::Value::Table(table.kept));
    }
    checked
}

/// One settings table after its keys were tried.
struct SectionKeys {
    kept: toml::Table,
    problems: Vec<KeyProblem>,
}

/// Every key of `given` tried alone as a key of `T`, and the required ones that are missing.
fn section_keys<T: DeserializeOwned>(
    section: &str,
    given: &toml::Table,
    required: &[Required],
) -> SectionKeys {
    let mut kept = toml::Table::new();
    let mut problems = Vec::new();
    for (key, value) in given {
        match finite(value).and_then(|()| try_key::<T>(required, key, value)) {
            Ok(()) => {
                kept.insert(key.clone(), value.clone());
            }
            Err(problem) => problems.push((format!("{section}.{key}"), problem.to_string())),
        }
    }
    for r in required {
        if !given.contains_key(r.key) {
            problems.extend(
                r.missing
                    .clone()
                    .map(|m| (format!("{section}.{}", r.key), m)),
            );
        }
        kept.entry(r.key).or_insert_with(|| r.stand_in.clone());
    }
    SectionKeys { kept, problems }
}

/// The `model` table: its kind first, then every other key as a key of that kind. `None`
/// when the kind is unknown: the other keys cannot be judged, and the model is a stand-in
/// of `stand_in_kind`.
fn model_keys(
    given: &toml::Table,
    stand_in_kind: ModelKind,
    checked: &mut CheckedSettings,
) -> (SectionKeys, Option<ModelKind>) {
    let kind = match given.get("kind") {
        None => Ok(ModelKind::Mlp),
        Some(kind) => {
            ModelKind::deserialize(kind.clone()).map_err(|e| with_suggestion(e.message().trim()))
        }
    };
    let kind = match kind {
        Ok(kind) => kind,
        Err(message) => {
            checked.unchecked.push("model".into());
            let stand_in: toml::Table = required_model(stand_in_kind)
                .into_iter()
                .map(|r| (r.key.to_string(), r.stand_in))
                .collect();
            let problems = vec![("model.kind".to_string(), message)];
            return (
                SectionKeys {
                    kept: stand_in,
                    problems,
                },
                None,
            );
        }
    };
    let mut keys = section_keys::<Model>("model", given, &required_model(kind));
    for (dotted, message) in &mut keys.problems {
        let key = dotted.trim_start_matches("model.");
        let Some(value) = given.get(key).filter(|_| key != "kind") else {
            continue;
        };
        if let Some(owners) = kinds_taking(key, value, kind) {
            *message = format!(
                "unknown field `{key}` for model kind `{}`: `{key}` belongs to {owners}",
                kind.name()
            );
        } else if closest(key, &["kind"]).is_some() && !message.contains("did you mean") {
            // `kind` is read before the kind's own keys, so serde does not list it.
            message.push_str("; did you mean `kind`?");
        }
    }
    (keys, Some(kind))
}

/// The other kinds that take `key = value`, as a reader would name them; `None` when no kind
/// does (a misspelling, or a bad value).
fn kinds_taking(key: &str, value: &toml::Value, kind: ModelKind) -> Option<String> {
    let owners: Vec<ModelKind> = ModelKind::ALL
        .into_iter()
        .filter(|&other| other != kind)
        .filter(|&other| {
            finite(value).is_ok() && try_key::<Model>(&required_model(other), key, value).is_ok()
        })
        .collect();
    let quoted: Vec<String> = owners.iter().map(|k| format!("\"{}\"", k.name())).collect();
    match owners.as_slice() {
        [] => None,
        [ModelKind::Mlp] => Some("feed-forward models (model.kind = \"mlp\")".into()),
        _ if owners.iter().all(|k| k.is_recurrent()) && owners.len() > 1 => Some(format!(
            "recurrent models (model.kind = {})",
            or_list(&quoted)
        )),
        _ => Some(format!("model.kind = {}", or_list(&quoted))),
    }
}

/// `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// TOML allows `inf` and `nan`; no setting means anything with them.
fn finite(value: &toml::Value) -> Result<(), KeyError> {
    match value {
        toml::Value::Float(x) if !x.is_finite() => Err(KeyError::NotFinite(*x)),
        toml::Value::Array(items) => items.iter().try_for_each(finite),
        toml::Value::Table(table) => table.values().try_for_each(finite),
        _ => Ok(()),
    }
}

/// Whether a problem about `problem_key` concerns `key` itself or something inside it.
pub(super) fn concerns(problem_key: &str, key: &str) -> bool {
    key == problem_key
        || key
            .strip_prefix(problem_key)
            .is_some_and(|rest| rest.starts_with('.'))
}
#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
