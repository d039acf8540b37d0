//! "Did you mean …?" for a misspelt key or name: the closest valid spelling by Jaro–Winkler
//! similarity (strsim). Every "unknown …" message of the block language names the given word
//! in backticks and lists the valid ones after "expected", so one function serves them all.

/// Below this similarity a guess is more likely to mislead than to help (`sigmod` → `sigmoid`
/// is 0.97, `depht` → `depth` 0.95; `swish` → `sigmoid` 0.60 is not suggested).
const SIMILAR_ENOUGH: f64 = 0.8;

/// The valid name closest to `given`, if one is close enough.
pub(super) fn closest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .filter(|c| **c != given)
        .map(|c| (strsim::jaro_winkler(given, c), *c))
        .filter(|(score, _)| *score >= SIMILAR_ENOUGH)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `message` with "; did you mean `…`?" appended when it is an "unknown `word`, expected …"
/// message and one of the listed names is close to the word.
pub(super) fn with_suggestion(message: &str) -> String {
    match suggestion(message) {
        Some(name) => format!("{message}; did you mean `{name}`?"),
        None => message.to_string(),
    }
}

fn suggestion(message: &str) -> Option<String> {
    let after_unknown = &message[message.find("unknown ")?..];
    let given = after_unknown.split('`').nth(1)?;
    let listed = &after_unknown[after_unknown.find("expected")? + "expected".len()..];
    let names = listed_names(listed);
    closest(given, &names).map(str::to_string)
}

/// The names a message lists: its backticked words (serde's style), or else its words.
fn listed_names(listed: &str) -> Vec<&str> {
    let quoted: Vec<&str> = listed.split('`').skip(1).step_by(2).collect();
    if !quoted.is_empty() {
        return quoted;
    }
    const FILLER: [&str; 5] = ["one", "of", "or", "name", "expected"];
    listed
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !FILLER.contains(w))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_misspellings_get_a_suggestion_and_far_ones_do_not() {
        assert_eq!(
            with_suggestion("unknown activation `sigmod`; expected one of: linear, sigmoid, tanh"),
            "unknown activation `sigmod`; expected one of: linear, sigmoid, tanh; did you mean `sigmoid`?"
        );
        assert_eq!(
            with_suggestion("unknown field `titel`, expected one of `id`, `title`, `caption`"),
            "unknown field `titel`, expected one of `id`, `title`, `caption`; did you mean `title`?"
        );
        let far = "unknown activation `swish`; expected one of: linear, sigmoid, tanh";
        assert_eq!(with_suggestion(far), far);
        assert_eq!(
            with_suggestion("depth must be positive"),
            "depth must be positive"
        );
    }
}
