//! The engine's error for a name it does not know (an activation, initializer, norm,
//! loss, optimizer, schedule, clipping rule, recurrent cell, readout or task): what kind of
//! name, what was given, and every name that would have been understood, so the spec's
//! diagnostics can list them.

/// A name that is not one of the engine's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}`; expected one of: {}", .expected.join(", "))]
pub struct UnknownName {
    /// What kind of name, e.g. "activation".
    pub what: &'static str,
    pub given: String,
    /// Every name of that kind, in the engine's order.
    pub expected: Vec<&'static str>,
}

impl UnknownName {
    pub fn new(
        what: &'static str,
        given: &str,
        expected: impl IntoIterator<Item = &'static str>,
    ) -> Self {
        UnknownName {
            what,
            given: given.to_string(),
            expected: expected.into_iter().collect(),
        }
    }
}

/// The one of `choices` whose `name` is `text`, or the error listing their names.
pub fn by_name<T: Copy>(
    what: &'static str,
    text: &str,
    choices: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, UnknownName> {
    (choices.iter().copied())
        .find(|&choice| name(choice) == text)
        .ok_or_else(|| UnknownName::new(what, text, choices.iter().map(|&c| name(c))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_kind_the_input_and_every_choice() {
        let error = by_name("cell", "rnm", &["rnn", "gru"], |c| c).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown cell `rnm`; expected one of: rnn, gru"
        );
        assert_eq!(by_name("cell", "gru", &["rnn", "gru"], |c| c), Ok("gru"));
    }
}
