//! LaTeX → MathML at build time (pulldown-latex), so pages need no JavaScript or CDN for math.

use pulldown_latex::config::DisplayMode;
use pulldown_latex::{Parser, RenderConfig, Storage, push_mathml};

/// Convert one formula. `Err` carries the parser's message; the caller shows the source as code.
pub fn latex_to_mathml(latex: &str, display: bool) -> Result<String, String> {
    let storage = Storage::new();
    let events: Vec<_> = Parser::new(latex, &storage).collect();
    if let Some(Err(error)) = events.iter().find(|e| e.is_err()) {
        return Err(error
            .to_string()
            .lines()
            .next()
            .unwrap_or("cannot parse formula")
            .trim()
            .to_string());
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
    let mut mathml = String::new();
    push_mathml(&mut mathml, events.into_iter(), config).map_err(|e| e.to_string())?;
    Ok(mathml)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
