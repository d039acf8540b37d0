//! Claims (`expect = ["…"]`): statements about what an experiment measured, checked on every
//! build, so the prose can never silently go stale. `syntax` parses, `eval` judges.

mod eval;
mod syntax;

pub use eval::{Verdict, evaluate, evaluate_formula};
pub use syntax::{ClaimSyntax, Expr, Selector, SyntaxError, parse_claim, parse_formula};

use crate::experiment::results::Results;

/// A claim as written in a block, parsed, with its line inside the block.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub text: String,
    /// 1-based line of the claim inside the block's TOML.
    pub line: usize,
    pub syntax: ClaimSyntax,
}

impl Claim {
    /// `Ok(None)` when the claim holds; `Ok(Some(message))` with the measured values when it
    /// does not; `Err` when it refers to something the results do not have.
    pub fn check(&self, results: &Results) -> Result<Option<String>, String> {
        let verdict = evaluate(&self.syntax, results)?;
        if verdict.holds {
            return Ok(None);
        }
        let seeds: Vec<String> = verdict.seeds.iter().map(u64::to_string).collect();
        let mut message = format!(
            "claim does not hold: `{}`\n      measured (seeds {}):",
            self.text,
            seeds.join(", ")
        );
        for (what, values) in &verdict.measured {
            let shown: Vec<String> = values.iter().map(|&v| format_value(v)).collect();
            message.push_str(&format!("\n        {what} = {}", shown.join(", ")));
        }
        Ok(Some(message))
    }

    /// Every run name the claim mentions (for checks before anything runs).
    pub fn runs(&self) -> Vec<String> {
        let mut runs: Vec<String> = self.syntax.run.iter().cloned().collect();
        collect_runs(&self.syntax.expr, &mut runs);
        runs
    }

    /// Every metric name the claim reads.
    pub fn metrics(&self) -> Vec<String> {
        let mut metrics = Vec::new();
        collect_metrics(&self.syntax.expr, &mut metrics);
        metrics
    }
}

fn children(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::Call(_, a) | Expr::Negate(a) | Expr::Not(a) => vec![a],
        Expr::Binary(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => vec![a, b],
        Expr::Number(_) | Expr::Variable(_) | Expr::Select(_) | Expr::Diverged(_) => vec![],
    }
}

fn collect_runs(expr: &Expr, runs: &mut Vec<String>) {
    match expr {
        Expr::Select(Selector { run: Some(run), .. }) | Expr::Diverged(Some(run)) => {
            runs.push(run.clone())
        }
        _ => children(expr)
            .into_iter()
            .for_each(|child| collect_runs(child, runs)),
    }
}

fn collect_metrics(expr: &Expr, metrics: &mut Vec<String>) {
    match expr {
        Expr::Select(selector) => metrics.push(selector.metric.clone()),
        _ => children(expr)
            .into_iter()
            .for_each(|child| collect_metrics(child, metrics)),
    }
}

/// Short, exact-enough numbers for messages: 0.7321, 1.849e-6.
pub fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN (no value: diverged earlier)".into()
    } else if value == 0.0 || (1e-3..1e5).contains(&value.abs()) {
        let text = format!("{value:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{value:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_take_variables_and_reject_unknown_names() {
        let formula = parse_formula("0.25^(L-l) * exp(0)", &["l", "L"]).unwrap();
        assert_eq!(
            evaluate_formula(&formula, &[("l", 1.0), ("L", 3.0)]),
            Ok(0.0625)
        );
        let error = parse_formula("0.25^(L-k)", &["l", "L"]).unwrap_err();
        assert!(
            error.message.contains("unknown name `k`"),
            "{}",
            error.message
        );
        assert!(parse_formula("loss < 1", &["l"]).is_err());
    }

    #[test]
    fn claims_parse_precedence_and_where() {
        let claim = parse_claim(
            "not a[step=0] + 2 * b[step=last] ^ 2 < 1 or diverged where run = 'x' and seed = 3",
        )
        .unwrap();
        assert_eq!((claim.run.as_deref(), claim.seed), (Some("x"), Some(3)));
        let Expr::Or(left, right) = claim.expr else {
            panic!("or binds loosest")
        };
        assert!(matches!(*right, Expr::Diverged(None)));
        let Expr::Not(inner) = *left else {
            panic!("not binds before or")
        };
        let Expr::Binary("<", sum, _) = *inner else {
            panic!("comparison under not")
        };
        let Expr::Binary("+", _, product) = *sum else {
            panic!("+ over *")
        };
        assert!(matches!(*product, Expr::Binary("*", _, _)));
    }

    #[test]
    fn syntax_errors_point_at_the_column() {
        let error = parse_claim("loss[step=last] <").unwrap_err();
        assert_eq!(error.column, 18);
        let error = parse_claim("loss[stp=0] < 1").unwrap_err();
        assert!(error.message.contains("unknown selector `stp`"));
        assert_eq!(error.column, 6);
        assert!(
            parse_claim("loss < 1")
                .unwrap_err()
                .message
                .contains("needs a selector")
        );
    }
}
