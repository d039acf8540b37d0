//! Tests of `schema`: every bad key of a block reported at once, at its line, with a
//! suggestion where a valid spelling is close.

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
