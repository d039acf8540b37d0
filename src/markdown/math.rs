//! LaTeX → MathML at build time (pulldown-latex), so pages need no JavaScript or CDN for math.

use pulldown_latex::config::DisplayMode;
use pulldown_latex::event::{Content, Dimension, DimensionUnit, Event};
use pulldown_latex::{Parser, RenderConfig, Storage, push_mathml};

/// Why a formula was not converted; the caller shows its source as code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MathError {
    #[error(
        "the formula nests deeper than {MAX_FORMULA_NESTING} levels of braces, `\\left` or `\\begin`; split it"
    )]
    TooDeep,
    #[error("a colour `#…` must be six hexadecimal digits, like `#1f77b4`")]
    NonAsciiColour,
    /// The first line of pulldown-latex's message.
    #[error("{0}")]
    Parse(String),
}

/// Convert one formula.
pub fn latex_to_mathml(latex: &str, display: bool) -> Result<String, MathError> {
    // pulldown-latex takes time quadratic in the nesting (20,000 nested `\frac{1}{` take 21 s),
    // so a formula nested deeper than any real one is refused before it is parsed.
    if nesting_depth(latex) > MAX_FORMULA_NESTING {
        return Err(MathError::TooDeep);
    }
    // pulldown-latex 0.8 slices a `#rrggbb` colour by bytes and panics on a non-ASCII one
    // (`\color{#…}` with a multi-byte character among its six bytes).
    if has_non_ascii_colour(latex) {
        return Err(MathError::NonAsciiColour);
    }
    let storage = Storage::new();
    let events: Vec<_> = Parser::new(latex, &storage).collect();
    if let Some(Err(error)) = events.iter().find(|e| e.is_err()) {
        let message = error.to_string();
        let first_line = message.lines().next().unwrap_or("cannot parse formula");
        return Err(MathError::Parse(first_line.trim().to_string()));
    }
    let config = RenderConfig {
        display_mode: if display {
            DisplayMode::Block
        } else {
            DisplayMode::Inline
        },
        annotation: Some(latex),
        ..RenderConfig::default()
    };
    // pulldown-latex 0.8 gives `\ ` and `~` as the text "&nbsp;", which its writer then
    // escapes into a visible "&amp;nbsp;": make them the interword space they are (⅓ em).
    let space = Event::Space {
        width: Some(Dimension::new(1.0 / 3.0, DimensionUnit::Em)),
        height: None,
        depth: None,
    };
    let events = events.into_iter().map(|event| match event {
        Ok(Event::Content(Content::Text("&nbsp;"))) => Ok(space.clone()),
        other => other,
    });
    let mut mathml = String::new();
    push_mathml(&mut mathml, events, config).map_err(|e| MathError::Parse(e.to_string()))?;
    Ok(mathml)
}

/// A `#` (not `\#`) whose next six bytes hold a non-ASCII character.
fn has_non_ascii_colour(latex: &str) -> bool {
    latex.match_indices('#').any(|(at, _)| {
        !latex[..at].ends_with('\\')
            && latex.as_bytes()[at + 1..]
                .iter()
                .take(6)
                .any(|b| !b.is_ascii())
    })
}

/// Deeper than any formula a person writes; far below where converting gets slow.
pub const MAX_FORMULA_NESTING: usize = 256;

/// The deepest nesting of `{…}`, `\left…\right` and `\begin…\end` in `latex` (escaped
/// braces `\{` `\}` do not count).
fn nesting_depth(latex: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut rest = latex;
    while let Some(c) = rest.chars().next() {
        let mut step = c.len_utf8();
        if c == '\\' {
            let command: String = rest[1..]
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            match command.as_str() {
                "left" | "begin" => depth += 1,
                "right" | "end" => depth = depth.saturating_sub(1),
                _ => {}
            }
            // `\{`, `\}`, `\\`: the escaped character is skipped with the backslash.
            step += if command.is_empty() {
                rest[1..].chars().next().map_or(0, char::len_utf8)
            } else {
                command.len()
            };
        } else if c == '{' {
            depth += 1;
        } else if c == '}' {
            depth = depth.saturating_sub(1);
        }
        deepest = deepest.max(depth);
        rest = &rest[step..];
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colour_with_a_multibyte_character_is_an_error_not_a_panic() {
        // Found by tests/fuzz_parsers.rs: pulldown-latex panicked slicing `#\u{fffd}red`.
        for latex in [
            "\\color{#\u{fffd}red}x",
            "\\textcolor{#ab\u{e9}cd}{x}",
            "\\color{#红色}x",
        ] {
            let error = latex_to_mathml(latex, false).unwrap_err();
            assert_eq!(error, MathError::NonAsciiColour, "{latex}");
            assert!(error.to_string().contains("colour"), "{latex}: {error}");
        }
        assert!(latex_to_mathml("\\color{#1f77b4}x", false).is_ok());
        assert!(latex_to_mathml("\\#红色", false).is_ok());
    }

    #[test]
    fn deeply_nested_formulas_are_refused_at_once() {
        for (open, close) in [
            ("\\frac{1}{", "}"),
            ("\\sqrt{", "}"),
            ("\\left(", "\\right)"),
        ] {
            let latex = format!("{}x{}", open.repeat(20_000), close.repeat(20_000));
            let started = std::time::Instant::now();
            let error = latex_to_mathml(&latex, false).unwrap_err();
            assert_eq!(error, MathError::TooDeep);
            assert!(
                error.to_string().contains("256 levels of braces, `\\left`"),
                "{error}"
            );
            assert!(
                started.elapsed().as_secs_f64() < 1.0,
                "{open}: took {:?}",
                started.elapsed()
            );
        }
        let fine = format!("{}x{}", "{".repeat(200), "}".repeat(200));
        assert!(latex_to_mathml(&fine, false).is_ok());
        assert_eq!(nesting_depth("\\{a\\} \\\\ {b}"), 1);
        assert_eq!(nesting_depth("\\begin{matrix} {a} \\end{matrix}"), 2);
    }

    #[test]
    fn converts_fractions_cases_and_norms() {
        for latex in [
            r"\sigma'(z) = \sigma(z)(1-\sigma(z)) \le \frac{1}{4}",
            r"\delta^l = \left((W^{l+1})^\top \delta^{l+1}\right) \odot f'(z^l)",
            r"f(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
            r"\|g\| \in \mathbb{R}",
        ] {
            let mathml = latex_to_mathml(latex, true).unwrap();
            assert!(mathml.starts_with("<math"), "{mathml}");
            assert!(mathml.contains("display=\"block\""), "{mathml}");
        }
    }

    #[test]
    fn reports_unknown_commands_instead_of_panicking() {
        assert!(latex_to_mathml(r"\frac{1}{", false).is_err());
        assert!(latex_to_mathml(r"\notacommand x", false).is_err());
    }

    #[test]
    fn a_control_space_and_a_tie_are_spaces_not_escaped_entities() {
        for latex in [r"a \ \text{或} \ b", r"a~b"] {
            let mathml = latex_to_mathml(latex, false).unwrap();
            assert!(!mathml.contains("&amp;nbsp;"), "{mathml}");
            assert!(mathml.contains("<mspace width=\"0.33"), "{mathml}");
        }
    }
}
