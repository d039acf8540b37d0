//! The layers' import rule, checked on the source: each layer of `src/` may name only the
//! layers beneath it (`nn` nothing of ours; `experiment` the engine; `plot` results, the engine's
//! types and the words; …). A `use crate::plot` in `nn`, or a `super::super::` that climbs out
//! of a layer into another, fails here with the file and line.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Each layer and the layers it may name. A module of `src/` missing here fails the test, so
/// a new layer has to say where it stands.
const ALLOWED: &[(&str, &[&str])] = &[
    ("nn", &[]),
    ("locale", &[]),
    ("diagnostic", &[]),
    ("lock", &[]),
    ("experiment", &["nn", "diagnostic"]),
    ("plot", &["experiment", "nn", "locale", "diagnostic"]),
    ("book", &["locale", "diagnostic"]),
    (
        "markdown",
        &["book", "experiment", "plot", "nn", "locale", "diagnostic"],
    ),
    (
        "render",
        &[
            "book",
            "markdown",
            "plot",
            "experiment",
            "nn",
            "locale",
            "diagnostic",
            "lock",
        ],
    ),
    (
        "build",
        &[
            "render",
            "book",
            "markdown",
            "plot",
            "experiment",
            "nn",
            "locale",
            "diagnostic",
            "lock",
        ],
    ),
    (
        "serve",
        &[
            "build",
            "render",
            "book",
            "markdown",
            "plot",
            "experiment",
            "nn",
            "locale",
            "diagnostic",
            "lock",
        ],
    ),
];

/// The top-level modules of ours that a path names: `crate::x`, `crate::{x, y::z}`, and
/// `super::…::x` where the `super`s climb to the crate root. `depth` is how many `super`s it
/// takes from this file's module to reach the root.
fn named_modules(source: &str, depth: usize) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let climb = "super::".repeat(depth);
    for (index, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut starts: Vec<usize> = code.match_indices("crate::").map(|(i, _)| i + 7).collect();
        if depth > 0 {
            starts.extend(
                code.match_indices(&climb)
                    // Exactly `depth` supers: one more would have been matched as a longer run.
                    .filter(|(i, _)| !code[..*i].ends_with("super::"))
                    .filter(|(i, _)| !code[i + climb.len()..].starts_with("super::"))
                    .map(|(i, _)| i + climb.len()),
            );
        }
        for start in starts {
            for name in names_at(&code[start..]) {
                found.push((index + 1, name));
            }
        }
    }
    found
}

/// The module names a path starts with: `x` in `x::y`, or the top-level names of a group
/// `{x::a, y}` (a nested group belongs to the name before it).
fn names_at(rest: &str) -> Vec<String> {
    let ident = |text: &str| -> String {
        text.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(group) = rest.strip_prefix('{') else {
        return vec![ident(rest)]
            .into_iter()
            .filter(|n| !n.is_empty())
            .collect();
    };
    let mut names = Vec::new();
    let mut level = 0;
    let mut expecting_name = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => level += 1,
            '}' if level == 0 => break,
            '}' => level -= 1,
            ',' if level == 0 => expecting_name = true,
            c if level == 0 && expecting_name && (c.is_alphanumeric() || c == '_') => {
                names.push(ident(&group[i..]));
                expecting_name = false;
            }
            _ => {}
        }
    }
    names
}

/// Every `.rs` file under `dir`, with how many `super`s climb from its module to the root.
fn sources(dir: &Path, depth: usize, out: &mut Vec<(PathBuf, usize)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, depth + 1, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let is_mod = path.file_name().is_some_and(|n| n == "mod.rs");
            // `a/mod.rs` is module `a` itself; `a/b.rs` is `a::b`, one level deeper.
            out.push((path, if is_mod { depth } else { depth + 1 }));
        }
    }
}

fn layer_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

#[test]
fn every_layer_names_only_the_layers_beneath_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, 1, &mut files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push((path, 1));
        }
    }
    let ours: BTreeSet<String> = files
        .iter()
        .map(|(path, _)| layer_of(path.strip_prefix(&src).unwrap()))
        .filter(|layer| !["lib", "main", "cli"].contains(&layer.as_str()))
        .collect();
    let mut problems = Vec::new();
    for layer in &ours {
        if !ALLOWED.iter().any(|(name, _)| name == layer) {
            problems.push(format!(
                "src/{layer} is not in tests/layers.rs's ALLOWED table: say which layers it may name"
            ));
        }
    }
    for (path, depth) in &files {
        let relative = path.strip_prefix(&src).unwrap();
        let layer = layer_of(relative);
        let Some((_, allowed)) = ALLOWED.iter().find(|(name, _)| *name == layer) else {
            continue;
        };
        let source = fs::read_to_string(path).unwrap();
        for (line, name) in named_modules(&source, *depth) {
            if name != layer && ours.contains(&name) && !allowed.contains(&name.as_str()) {
                problems.push(format!(
                    "src/{}:{line}: layer `{layer}` names `{name}`, which is not beneath it (it may name: {})",
                    relative.display(),
                    if allowed.is_empty() {
                        "nothing of ours".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_scanner_sees_plain_grouped_and_climbing_paths() {
    let source = "use crate::plot::Figure;\n\
                  use crate::{experiment::Results, nn};\n\
                  // use crate::render; (a comment)\n\
                  let x = super::super::book::load();\n\
                  use super::sibling;\n";
    let names: Vec<(usize, String)> = named_modules(source, 2);
    let names: Vec<(usize, &str)> = names.iter().map(|(l, n)| (*l, n.as_str())).collect();
    assert_eq!(
        names,
        vec![(1, "plot"), (2, "experiment"), (2, "nn"), (4, "book")]
    );
}
