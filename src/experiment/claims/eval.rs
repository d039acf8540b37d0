//! Evaluating a claim against an experiment's results. Every value is a vector over the run's
//! seeds; arithmetic and comparisons apply seed by seed, aggregates (median, mean, min, max)
//! collapse the seeds into one value, and a claim holds only if it holds for every seed.

use super::syntax::{ClaimSyntax, Expr, Function, Position, Selector};
use crate::experiment::results::{Results, quantile};

/// The outcome of a claim: whether it held, and what was measured, for the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub holds: bool,
    pub seeds: Vec<u64>,
    /// Each metric the claim read, with its values per seed (or one value when aggregated).
    pub measured: Vec<(String, Vec<f64>)>,
}

#[derive(Debug, Clone)]
enum Value {
    Numbers(Vec<f64>),
    Truths(Vec<bool>),
}

struct Evaluator<'a> {
    results: &'a Results,
    run: String,
    seeds: Vec<u64>,
    measured: Vec<(String, Vec<f64>)>,
}

/// Evaluate `claim`. `Err` means the claim refers to something that does not exist (a run,
/// a metric, a layer, a step) or mixes truths and numbers.
pub fn evaluate(claim: &ClaimSyntax, results: &Results) -> Result<Verdict, String> {
    let run = match &claim.run {
        Some(run) => run.clone(),
        None if results.runs.len() == 1 => results.runs[0].label.clone(),
        None => {
            let names: Vec<String> = results
                .runs
                .iter()
                .map(|r| format!("'{}'", r.label))
                .collect();
            return Err(format!(
                "the experiment has several runs: add `where run = …` (one of {})",
                names.join(", ")
            ));
        }
    };
    let seeds = seeds_of(results, &run, claim.seed)?;
    let mut evaluator = Evaluator {
        results,
        run,
        seeds: seeds.clone(),
        measured: Vec::new(),
    };
    match evaluator.eval(&claim.expr)? {
        Value::Truths(truths) => Ok(Verdict {
            holds: truths.iter().all(|&t| t),
            seeds,
            measured: evaluator.measured,
        }),
        Value::Numbers(_) => {
            Err("a claim must be a comparison or a truth such as `diverged`, not a number".into())
        }
    }
}

fn seeds_of(results: &Results, run: &str, only: Option<u64>) -> Result<Vec<u64>, String> {
    let summary = results.run(run).ok_or_else(|| {
        let names: Vec<String> = results
            .runs
            .iter()
            .map(|r| format!("'{}'", r.label))
            .collect();
        format!("there is no run '{run}'; the runs are {}", names.join(", "))
    })?;
    let seeds: Vec<u64> = summary
        .seeds
        .iter()
        .map(|s| s.seed)
        .filter(|s| only.is_none_or(|o| o == *s))
        .collect();
    if seeds.is_empty() {
        return Err(format!(
            "run '{run}' has no seed {}",
            only.unwrap_or_default()
        ));
    }
    Ok(seeds)
}

impl Evaluator<'_> {
    fn eval(&mut self, expr: &Expr) -> Result<Value, String> {
        match expr {
            Expr::Number(n) => Ok(Value::Numbers(vec![*n])),
            Expr::Variable(name) => Err(format!("`{name}` is not a metric")),
            Expr::Select(selector) => self.select(selector).map(Value::Numbers),
            Expr::Diverged(run) => {
                let run = run.clone().unwrap_or_else(|| self.run.clone());
                let seeds = self.seeds_for(&run, None)?;
                let summary = self.results.run(&run).expect("checked by seeds_for");
                let truths = seeds
                    .iter()
                    .map(|seed| {
                        summary
                            .seeds
                            .iter()
                            .any(|s| s.seed == *seed && s.outcome.diverged.is_some())
                    })
                    .collect();
                Ok(Value::Truths(truths))
            }
            Expr::Call(function, argument) => {
                let values = self.numbers(argument)?;
                Ok(Value::Numbers(apply(*function, &values)))
            }
            Expr::Negate(inner) => Ok(Value::Numbers(
                self.numbers(inner)?.iter().map(|v| -v).collect(),
            )),
            Expr::Binary(symbol, left, right) => {
                let (left, right) = (self.numbers(left)?, self.numbers(right)?);
                let n = broadcast_len(&left, &right)?;
                let pairs = (0..n).map(|i| (pick(&left, i), pick(&right, i)));
                Ok(match *symbol {
                    "+" => Value::Numbers(pairs.map(|(a, b)| a + b).collect()),
                    "-" => Value::Numbers(pairs.map(|(a, b)| a - b).collect()),
                    "*" => Value::Numbers(pairs.map(|(a, b)| a * b).collect()),
                    "/" => Value::Numbers(pairs.map(|(a, b)| a / b).collect()),
                    "^" => Value::Numbers(pairs.map(|(a, b)| a.powf(b)).collect()),
                    "<" => Value::Truths(pairs.map(|(a, b)| a < b).collect()),
                    "<=" => Value::Truths(pairs.map(|(a, b)| a <= b).collect()),
                    ">" => Value::Truths(pairs.map(|(a, b)| a > b).collect()),
                    ">=" => Value::Truths(pairs.map(|(a, b)| a >= b).collect()),
                    "==" => Value::Truths(pairs.map(|(a, b)| a == b).collect()),
                    "!=" => Value::Truths(pairs.map(|(a, b)| a != b).collect()),
                    other => unreachable!("the parser makes no operator `{other}`"),
                })
            }
            Expr::And(left, right) => self.logic(left, right, |a, b| a && b),
            Expr::Or(left, right) => self.logic(left, right, |a, b| a || b),
            Expr::Not(inner) => Ok(Value::Truths(
                self.truths(inner)?.iter().map(|t| !t).collect(),
            )),
        }
    }

    fn numbers(&mut self, expr: &Expr) -> Result<Vec<f64>, String> {
        match self.eval(expr)? {
            Value::Numbers(values) => Ok(values),
            Value::Truths(_) => {
                Err("a comparison or `diverged` was used where a number is needed".into())
            }
        }
    }

    fn truths(&mut self, expr: &Expr) -> Result<Vec<bool>, String> {
        match self.eval(expr)? {
            Value::Truths(truths) => Ok(truths),
            Value::Numbers(_) => {
                Err("a number was used where a comparison is needed (and, or, not)".into())
            }
        }
    }

    fn logic(
        &mut self,
        left: &Expr,
        right: &Expr,
        op: fn(bool, bool) -> bool,
    ) -> Result<Value, String> {
        let (left, right) = (self.truths(left)?, self.truths(right)?);
        let n = broadcast_len(&left, &right)?;
        Ok(Value::Truths(
            (0..n)
                .map(|i| op(pick(&left, i), pick(&right, i)))
                .collect(),
        ))
    }

    fn seeds_for(&self, run: &str, seed: Option<u64>) -> Result<Vec<u64>, String> {
        if run == self.run && seed.is_none() {
            return Ok(self.seeds.clone());
        }
        seeds_of(self.results, run, seed)
    }

    /// One metric at one layer and step, for each seed.
    fn select(&mut self, selector: &Selector) -> Result<Vec<f64>, String> {
        let results = self.results;
        let run = selector.run.clone().unwrap_or_else(|| self.run.clone());
        let seeds = self.seeds_for(&run, selector.seed)?;
        let metric = selector.metric;
        if !results.rows().any(|r| r.run == run && r.metric == metric) {
            let mut recorded: Vec<&str> = results
                .rows()
                .filter(|r| r.run == run)
                .map(|r| r.metric.name())
                .collect();
            recorded.sort_unstable();
            recorded.dedup();
            return Err(format!(
                "run '{run}' recorded no metric `{metric}`; it recorded {}",
                recorded.join(", ")
            ));
        }
        let layers = results.layer_count(&run, metric);
        let layer = match (layers, selector.layer) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(format!(
                    "`{metric}` is a whole-network metric: remove `layer=`"
                ));
            }
            (Some(_), None) => {
                return Err(format!(
                    "`{metric}` is recorded per layer: say which, e.g. {metric}[layer=1, …]"
                ));
            }
            (Some(count), Some(position)) => Some(match position {
                Position::First => 1,
                Position::Last => count,
                Position::At(n) if n >= 1 && n <= u64::from(count) => n as u32,
                Position::At(n) => {
                    return Err(format!(
                        "`{metric}` has layers 1 to {count}; there is no layer {n}"
                    ));
                }
            }),
        };
        let step = selector.step.ok_or_else(|| {
            format!("say at which step, e.g. {metric}[step=0] or {metric}[step=last]")
        })?;
        let all_steps = results.steps(&run, metric);
        let mut values = Vec::with_capacity(seeds.len());
        for &seed in &seeds {
            let at = match step {
                Position::First => all_steps.first().copied(),
                Position::Last => results.last_step(&run, seed, metric),
                Position::At(n)
                    if all_steps.last().is_some_and(|&last| n > last)
                        || !all_steps.contains(&n) =>
                {
                    let (first, last) = (
                        all_steps.first().copied().unwrap_or(0),
                        all_steps.last().copied().unwrap_or(0),
                    );
                    return Err(format!(
                        "`{metric}` was not recorded at step {n} (recorded from step {first} to {last}; see train.record_every)"
                    ));
                }
                Position::At(n) => Some(n),
            };
            // A seed that diverged before the step has no value there: NaN, which fails every
            // ordering comparison (but `!=` and `not` are true for it).
            values.push(
                at.and_then(|s| results.value(&run, seed, metric, layer, s))
                    .unwrap_or(f64::NAN),
            );
        }
        let mut shown = selector.clone();
        shown.run = Some(run);
        self.measured.push((shown.to_string(), values.clone()));
        Ok(values)
    }
}

/// The value of a formula (see [`super::syntax::parse_formula`]) for the given variables.
pub fn evaluate_formula(expr: &Expr, variables: &[(&str, f64)]) -> Result<f64, String> {
    let value = |e: &Expr| evaluate_formula(e, variables);
    Ok(match expr {
        Expr::Number(n) => *n,
        Expr::Variable(name) => variables
            .iter()
            .find(|(v, _)| v == name)
            .map(|(_, x)| *x)
            .ok_or_else(|| format!("no value for `{name}`"))?,
        Expr::Negate(inner) => -value(inner)?,
        Expr::Call(function, argument) if !function.is_aggregate() => {
            apply(*function, &[value(argument)?])[0]
        }
        Expr::Binary(symbol, left, right) => {
            let (a, b) = (value(left)?, value(right)?);
            match *symbol {
                "+" => a + b,
                "-" => a - b,
                "*" => a * b,
                "/" => a / b,
                "^" => a.powf(b),
                other => return Err(format!("`{other}` does not belong in a formula")),
            }
        }
        _ => {
            return Err(
                "a formula is numbers, variables, + - * / ^ and functions such as exp, ln, sqrt"
                    .into(),
            );
        }
    })
}

fn apply(function: Function, values: &[f64]) -> Vec<f64> {
    let each = |f: fn(f64) -> f64| values.iter().map(|&v| f(v)).collect();
    match function {
        Function::Median => vec![quantile(values, 0.5)],
        Function::Mean => vec![values.iter().sum::<f64>() / values.len() as f64],
        Function::Min => vec![values.iter().copied().fold(f64::INFINITY, f64::min)],
        Function::Max => vec![values.iter().copied().fold(f64::NEG_INFINITY, f64::max)],
        Function::Abs => each(f64::abs),
        Function::Log10 => each(f64::log10),
        Function::Ln => each(f64::ln),
        Function::Sqrt => each(f64::sqrt),
        Function::Exp => each(f64::exp),
    }
}

fn broadcast_len<T>(left: &[T], right: &[T]) -> Result<usize, String> {
    match (left.len(), right.len()) {
        (a, b) if a == b || b == 1 => Ok(a),
        (1, b) => Ok(b),
        (a, b) => Err(format!(
            "cannot compare {a} seeds with {b} seeds: the runs have different seed lists"
        )),
    }
}

fn pick<T: Copy>(values: &[T], i: usize) -> T {
    if values.len() == 1 {
        values[0]
    } else {
        values[i]
    }
}
