//! The block's keys checked one at a time, before the typed deserialization. serde stops at
//! the first bad field; here every key is tried on its own (with stand-ins for the required
//! ones), so an unknown key, a value of the wrong type, an unknown name or a number that is not
//! finite is reported for every key that has one. The bad keys are then left out, so that the
//! range checks can still run on the rest of the block and report its other problems too.

use serde::de::DeserializeOwned;

use super::settings::{DataSpec, ModelSpec, TrainSpec};
use super::spec::BlockToml;
use super::suggest::with_suggestion;

/// A problem with one key: `(dotted key, message)`.
pub(super) type KeyProblem = (String, String);

/// The block's top-level keys that must be given, with a stand-in used while others are tried.
fn required_top() -> Vec<(&'static str, toml::Value)> {
    let table = || toml::Value::Table(toml::Table::new());
    vec![
        ("id", toml::Value::String("block".into())),
        ("title", toml::Value::String("block".into())),
        ("data", table()),
        ("model", table()),
        ("train", table()),
    ]
}

/// The settings keys that must be given, with stand-ins (never trained: a block with a bad or
/// missing required key is an error).
fn required_in(section: &str) -> Vec<(&'static str, toml::Value)> {
    match section {
        "data" => vec![("name", toml::Value::String("spirals".into()))],
        "train" => vec![
            ("lr", toml::Value::Float(0.1)),
            ("steps", toml::Value::Integer(1)),
        ],
        _ => Vec::new(),
    }
}

/// Try `key = value` alone in a table of the stand-ins: `Err` is what serde says about it.
fn try_key<T: DeserializeOwned>(
    stand_ins: &[(&str, toml::Value)],
    key: &str,
    value: &toml::Value,
) -> Result<(), String> {
    let mut table: toml::Table = stand_ins
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    table.insert(key.to_string(), value.clone());
    toml::Value::Table(table)
        .try_into::<T>()
        .map(drop)
        .map_err(|e| with_suggestion(e.message().trim()))
}

/// The block's top-level keys, each checked on its own. Returns the block with the bad keys
/// replaced by stand-ins (only usable when `problems` stays empty for the required ones) and
/// every problem found.
pub(super) fn block_keys(tree: &toml::Table, problems: &mut Vec<KeyProblem>) -> BlockToml {
    let stand_ins = required_top();
    let mut usable = toml::Table::new();
    for (key, stand_in) in &stand_ins {
        if !tree.contains_key(*key) {
            problems.push((key.to_string(), missing(key, None)));
            usable.insert(key.to_string(), stand_in.clone());
        }
    }
    for (key, value) in tree {
        match try_key::<BlockToml>(&stand_ins, key, value) {
            Ok(()) => {
                usable.insert(key.clone(), value.clone());
            }
            Err(message) => {
                problems.push((key.clone(), message));
                if let Some((_, stand_in)) = stand_ins.iter().find(|(k, _)| k == key) {
                    usable.insert(key.clone(), stand_in.clone());
                }
            }
        }
    }
    toml::Value::Table(usable)
        .try_into()
        .expect("every key was accepted alone, and the required ones are there")
}

/// The `data`, `model` and `train` tables of one run, each key checked on its own. Returns
/// the settings with the bad keys left out (and stand-ins for bad or missing required ones),
/// ready for the typed deserialization, and the problems as `(dotted key, message)`.
pub(super) fn settings_keys(settings: &toml::Table) -> (toml::Table, Vec<KeyProblem>) {
    let mut usable = toml::Table::new();
    let mut problems = Vec::new();
    for section in ["data", "model", "train"] {
        let given = settings
            .get(section)
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_default();
        let stand_ins = required_in(section);
        let mut kept = toml::Table::new();
        for (key, value) in &given {
            let result = finite(value).and_then(|()| match section {
                "data" => try_key::<DataSpec>(&stand_ins, key, value),
                "model" => try_key::<ModelSpec>(&stand_ins, key, value),
                _ => try_key::<TrainSpec>(&stand_ins, key, value),
            });
            match result {
                Ok(()) => {
                    kept.insert(key.clone(), value.clone());
                }
                Err(message) => problems.push((format!("{section}.{key}"), message)),
            }
        }
        for (key, stand_in) in stand_ins {
            if !given.contains_key(key) {
                problems.push((format!("{section}.{key}"), missing(key, Some(section))));
            }
            kept.entry(key).or_insert(stand_in);
        }
        usable.insert(section.to_string(), toml::Value::Table(kept));
    }
    (usable, problems)
}

fn missing(key: &str, section: Option<&str>) -> String {
    match section {
        Some(section) => format!("missing key `{key}`: every block gives `{section}.{key}`"),
        None => format!("missing key `{key}`: every block gives `{key}`"),
    }
}

/// TOML allows `inf` and `nan`; no setting means anything with them.
fn finite(value: &toml::Value) -> Result<(), String> {
    match value {
        toml::Value::Float(x) if !x.is_finite() => Err(format!(
            "{x} is not a finite number: write a number such as 0.5"
        )),
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
mod tests {
    use crate::experiment::parse_block;

    const BLOCK: &str = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"spirals\" }\nmodel = { depth = 3, width = 8, activation = \"tanh\" }\ntrain = { lr = 0.1, steps = 10 }\n";

    fn keys_and_lines(text: &str) -> Vec<(String, usize)> {
        let mut found: Vec<(String, usize)> = parse_block(text)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.key.unwrap_or_default(), e.line))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn every_problem_of_a_block_is_reported_at_once() {
        let text = "id = \"e\"\ntitle = \"t\"\ndata = { name = \"spirals\" }\nmodel = { depth = 0, width = 8,\n  activation = \"swish\" }\ntrain = { lr = -1,\n  steps = 0 }\n";
        assert_eq!(
            keys_and_lines(text),
            vec![
                ("model.activation".to_string(), 5),
                ("model.depth".to_string(), 4),
                ("train.lr".to_string(), 6),
                ("train.steps".to_string(), 7),
            ]
        );
        // Unknown keys and wrong types alongside range problems, in every table at once.
        let text = "id = \"e\"\ntitle = \"t\"\ncolour = \"red\"\ndata = { name = \"spirals\", nois = 0.1 }\nmodel = { depth = 3, width = \"8\", activation = \"tanh\" }\ntrain = { steps = 10, batch = 0 }\n";
        assert_eq!(
            keys_and_lines(text),
            vec![
                ("colour".to_string(), 3),
                ("data.nois".to_string(), 4),
                ("model.width".to_string(), 5),
                ("train.batch".to_string(), 6),
                ("train.lr".to_string(), 6),
            ]
        );
    }

    #[test]
    fn misspelt_keys_and_names_get_a_suggestion() {
        let errors = parse_block(&BLOCK.replace("title", "titel")).unwrap_err();
        let unknown = errors
            .iter()
            .find(|e| e.key.as_deref() == Some("titel"))
            .unwrap();
        assert!(
            unknown.message.contains("did you mean `title`?"),
            "{}",
            unknown.message
        );
        assert!(
            unknown.message.contains("`caption`"),
            "still lists the keys: {}",
            unknown.message
        );
        assert!(unknown.hint.is_some());
        for (from, to, suggested) in [
            ("\"tanh\"", "\"sigmod\"", "sigmoid"),
            ("depth = 3", "depht = 3", "depth"),
            ("\"spirals\"", "\"spiral\"", "spirals"),
            ("steps = 10", "steps = 10, optimizer = \"adma\"", "adam"),
        ] {
            let errors = parse_block(&BLOCK.replace(from, to)).unwrap_err();
            let wanted = format!("did you mean `{suggested}`?");
            assert!(
                errors.iter().any(|e| e.message.contains(&wanted)),
                "{to}: {errors:?}"
            );
        }
        let errors = parse_block(&format!("{BLOCK}plot = [\"los\"]\n")).unwrap_err();
        assert!(
            errors[0].message.contains("did you mean `loss`?"),
            "{}",
            errors[0].message
        );
        let errors = parse_block(&format!(
            "{BLOCK}sweep = {{ \"model.activaton\" = [\"relu\"] }}\n"
        ))
        .unwrap_err();
        assert!(
            errors[0].message.contains("did you mean `activation`?"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].line, 6);
    }

    #[test]
    fn numbers_that_are_not_finite_are_refused_where_they_are_written() {
        for (from, to, key, line) in [
            (
                "activation = \"tanh\"",
                "activation = \"tanh\", init = { name = \"constant\", value = inf }",
                "model.init",
                4,
            ),
            (
                "activation = \"tanh\"",
                "activation = \"tanh\", bias_init = { name = \"normal\", std = nan }",
                "model.bias_init",
                4,
            ),
            (
                "steps = 10",
                "steps = 10, momentum = -inf",
                "train.momentum",
                5,
            ),
            ("\"spirals\"", "\"spirals\", noise = nan", "data.noise", 3),
        ] {
            let errors = parse_block(&BLOCK.replace(from, to)).unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(
                (errors[0].key.as_deref(), errors[0].line),
                (Some(key), line)
            );
            assert!(
                errors[0].message.contains("not a finite number"),
                "{}",
                errors[0].message
            );
        }
        let errors =
            parse_block(&format!("{BLOCK}sweep = {{ \"train.lr\" = [0.1, nan] }}\n")).unwrap_err();
        assert_eq!((errors.len(), errors[0].line), (1, 6), "{errors:?}");
    }
}
