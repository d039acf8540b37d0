//! How far a claim is from failing, for `gradbook check --margins`: the factor by which the
//! measured side of its tightest comparison could move before the claim would fail. For
//! `a < b` (or `<=`) it is b/a, for `a > b` a/b, the smallest over the seeds; `and` takes the
//! smaller of its sides, `or` the larger. A bound of the other sign or zero gives no finite
//! factor (∞: `x > 0` holds however small a positive x becomes); `==`, `!=`, `not` and
//! `diverged` have none.

use super::eval::numbers_in;
use super::{ClaimSyntax, EvalError, Expr};
use crate::experiment::results::Results;

/// The margin of a claim that holds, or `None` when it has no comparison to measure.
pub fn margin(claim: &ClaimSyntax, results: &Results) -> Result<Option<f64>, EvalError> {
    margin_of(claim, &claim.expr, results)
}

fn margin_of(
    claim: &ClaimSyntax,
    expr: &Expr,
    results: &Results,
) -> Result<Option<f64>, EvalError> {
    Ok(match expr {
        Expr::And(left, right) => match (
            margin_of(claim, left, results)?,
            margin_of(claim, right, results)?,
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
        Expr::Or(left, right) => match (
            margin_of(claim, left, results)?,
            margin_of(claim, right, results)?,
        ) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        },
        Expr::Binary(symbol @ ("<" | "<=" | ">" | ">="), left, right) => {
            let left = numbers_in(claim, left, results)?;
            let right = numbers_in(claim, right, results)?;
            let n = left.len().max(right.len());
            let at = |values: &[f64], i: usize| values[if values.len() == 1 { 0 } else { i }];
            let factors = (0..n).map(|i| {
                let (a, b) = (at(&left, i), at(&right, i));
                // Room for `small < large`.
                let (small, large) = if symbol.starts_with('<') {
                    (a, b)
                } else {
                    (b, a)
                };
                factor(small, large)
            });
            factors.reduce(f64::min)
        }
        _ => None,
    })
}

/// By what factor `small` and `large` (with small < large) may approach each other.
fn factor(small: f64, large: f64) -> f64 {
    if small > 0.0 && large > 0.0 {
        large / small
    } else if small < 0.0 && large < 0.0 {
        small / large
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_factor_is_the_room_on_either_side_and_infinite_across_zero() {
        assert_eq!(factor(2.0, 8.0), 4.0);
        assert_eq!(factor(-8.0, -2.0), 4.0);
        assert_eq!(factor(0.0, 8.0), f64::INFINITY);
        assert_eq!(factor(-1.0, 8.0), f64::INFINITY);
    }
}
