//! Claims (`expect = ["…"]`): statements about what an experiment measured, checked on every
//! build, so the prose can never silently go stale. `syntax` parses, `eval` judges.

mod eval;
mod margin;
mod syntax;
mod tokens;
mod tree;

pub use eval::{EvalError, Verdict, evaluate, evaluate_formula};
pub use margin::margin;
pub use syntax::{
    ClaimSyntax, Expr, MAX_NESTING, Selector, SyntaxError, parse_claim, parse_formula,
};

use crate::experiment::results::Results;
use crate::nn::Metric;

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
    pub fn check(&self, results: &Results) -> Result<Option<String>, EvalError> {
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

    /// Every metric the claim reads.
    pub fn metrics(&self) -> Vec<Metric> {
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

fn collect_metrics(expr: &Expr, metrics: &mut Vec<Metric>) {
    match expr {
        Expr::Select(selector) => metrics.push(selector.metric),
        _ => children(expr)
            .into_iter()
            .for_each(|child| collect_metrics(child, metrics)),
    }
}

/// Short, exact-enough numbers for messages: 0.7321, 1.849e-6.
pub fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN (no value: diverged earlier, or a skipped step)".into()
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
            "not loss[step=0] + 2 * grad_norm[step=last] ^ 2 < 1 or diverged where run = 'x' and seed = 3",
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
    fn unknown_metrics_are_syntax_errors_at_their_name() {
        let error = parse_claim("loss[step=0] < accuracy[step=last]").unwrap_err();
        assert_eq!(error.column, 16);
        assert!(
            error.message.contains("metric `accuracy` is not recorded")
                && error.message.contains("test_accuracy"),
            "{}",
            error.message
        );
        let claim = parse_claim("test_accuracy[step=last] > 0.9").unwrap();
        let Expr::Binary(_, selected, _) = claim.expr else {
            panic!("a comparison")
        };
        assert!(matches!(
            *selected,
            Expr::Select(Selector {
                metric: Metric::TestAccuracy,
                ..
            })
        ));
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

    /// Claims and formulas nested [`MAX_NESTING`] levels deep, every shape: parsing,
    /// evaluating, printing, cloning, comparing and dropping them recurse once per level.
    /// Builds run on threads with Rust's default 2 MiB stack (rayon's workers, `serve`), so
    /// this runs on a quarter of that.
    #[test]
    fn the_deepest_claims_and_formulas_fit_a_small_stack() {
        let run = || {
            let mut results = Results::default();
            let loss = crate::experiment::results::Measurement {
                step: 0,
                layer: None,
                metric: Metric::Loss,
                value: 1.0,
            };
            results.record("r", 1, loss);
            let k = MAX_NESTING - 1;
            let loss = "loss[step=0]";
            let claims = [
                (
                    format!("{}{loss} < 2{}", "(".repeat(k), ")".repeat(k)),
                    true,
                ),
                (format!("{}{loss} < 2", "not ".repeat(k)), false),
                (format!("{}{loss} < 0", "-".repeat(k)), true),
                (format!("{loss}{} < 2", "^1".repeat(k)), true),
                (format!("{loss}{} < 2", "+0".repeat(k)), true),
                (format!("{loss}{} < 2", "*1".repeat(k)), true),
                (
                    format!("{loss} < 2{}", format!(" and {loss} < 2").repeat(k)),
                    true,
                ),
                (
                    format!("{loss} > 2{}", format!(" or {loss} > 2").repeat(k)),
                    false,
                ),
                (
                    format!("{}{loss}{} < 2", "abs(".repeat(k), ")".repeat(k)),
                    true,
                ),
            ];
            for (text, holds) in claims {
                let syntax = parse_claim(&text).unwrap_or_else(|e| panic!("{}", e.message));
                assert_eq!(evaluate(&syntax, &results).map(|v| v.holds), Ok(holds));
                let copy = syntax.clone();
                assert_eq!(copy, syntax);
                assert!(!format!("{syntax:?}").is_empty());
            }
            let n = MAX_NESTING;
            for text in [
                format!("{}l{}", "(".repeat(n), ")".repeat(n)),
                format!("{}l", "-".repeat(n)),
                format!("l{}", "^l".repeat(n)),
                format!("l{}", "-l".repeat(n)),
                format!("{}l{}", "exp(".repeat(n), ")".repeat(n)),
            ] {
                let formula =
                    parse_formula(&text, &["l"]).unwrap_or_else(|e| panic!("{}", e.message));
                assert!(evaluate_formula(&formula, &[("l", 0.0)]).is_ok());
                assert_eq!(formula.clone(), formula);
                assert!(!format!("{formula:?}").is_empty());
            }
        };
        let small = std::thread::Builder::new().stack_size(512 * 1024);
        small.spawn(run).unwrap().join().unwrap();
    }
}
