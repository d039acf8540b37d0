//! Finding where in a block's text a key or an error is, through toml's spanned parse, so
//! every problem can be reported at its line, column and dotted key.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::spec::SpecError;
use crate::diagnostic::{column_of_offset, line_of_offset};

/// An error located at a dotted key of the block (the deepest part of the path that exists).
pub(super) fn error_at(text: &str, path: &[&str], message: &str) -> SpecError {
    let span = key_span(text, path).unwrap_or(0..0);
    SpecError {
        line: line_of_offset(text, span.start),
        column: column_of_offset(text, span.start),
        key: Some(path.join(".")).filter(|k| !k.is_empty()),
        message: message.to_string(),
        hint: None,
    }
}

pub(super) fn key_span(text: &str, path: &[&str]) -> Option<Range<usize>> {
    let document = DeTable::parse(text).ok()?;
    let mut table: &DeTable = document.get_ref();
    let mut found = None;
    for segment in path {
        let Some((key, value)) = table.iter().find(|(k, _)| k.get_ref() == segment) else {
            break;
        };
        found = Some(key.span());
        match value.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => break,
        }
    }
    found
}

pub(super) fn toml_error(text: &str, error: &toml::de::Error) -> SpecError {
    let span = error.span().unwrap_or(0..0);
    let key = key_path_at(text, span.start);
    let message = error.message().trim().to_string();
    let hint = message.contains("unknown field").then(|| {
        "check the spelling; README.md lists every key of an experiment block".to_string()
    });
    SpecError {
        line: line_of_offset(text, span.start),
        column: column_of_offset(text, span.start),
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

/// The span of the `index`-th element of the array at top-level `key` (`expect`, `case`).
pub(super) fn array_item_span(text: &str, key: &str, index: usize) -> Option<Range<usize>> {
    let (document, _) = DeTable::parse_recoverable(text);
    let (_, value) = document
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref() == key)?;
    match value.get_ref() {
        DeValue::Array(items) => items.get(index).map(|item| item.span()),
        _ => None,
    }
}

/// A problem at the `index`-th element of the array at `key`, falling back to the key.
pub(super) fn error_at_item(text: &str, key: &str, index: usize, message: &str) -> SpecError {
    match array_item_span(text, key, index) {
        Some(span) => SpecError {
            line: line_of_offset(text, span.start),
            column: column_of_offset(text, span.start),
            key: Some(format!("{key}[{}]", index + 1)),
            message: message.to_string(),
            hint: None,
        },
        None => error_at(text, &[key], message),
    }
}
