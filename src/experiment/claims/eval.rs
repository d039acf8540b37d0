//! Evaluating a claim against an experiment's results. Every value is a vector over the run's
//! seeds; arithmetic and comparisons apply seed by seed, aggregates (median, mean, min, max, and count over truths)
//! collapse the seeds into one value, and a claim holds only if it holds for every seed.

use super::syntax::{ClaimSyntax, Expr, Function, Position, Selector};
use crate::experiment::results::{Results, quantile};
use crate::nn::Metric;

/// Why a claim (or a formula) could not be evaluated: it refers to something the results do
/// not have, or mixes truths and numbers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error("the experiment has several runs: add `where run = …` (one of {runs})")]
    WhichRun { runs: String },
    #[error("a claim must be a comparison or a truth such as `diverged`, not a number")]
    NotATruth,
    #[error("there is no run '{run}'; the runs are {runs}")]
    NoRun { run: String, runs: String },
    #[error("run '{run}' has no seed {seed}")]
    NoSeed { run: String, seed: u64 },
    #[error("`{name}` is not a metric")]
    NotAMetric { name: String },
    #[error("a comparison or `diverged` was used where a number is needed")]
    TruthForNumber,
    #[error("a number was used where a comparison is needed (and, or, not)")]
    NumberForTruth,
    #[error("run '{run}' recorded no metric `{metric}`; it recorded {recorded}")]
    NotRecorded {
        run: String,
        metric: Metric,
        recorded: String,
    },
    #[error("`{metric}` is a whole-network metric: remove `layer=`")]
    WholeNetwork { metric: Metric },
    #[error("`{metric}` is recorded per layer: say which, e.g. {metric}[layer=1, …]")]
    PerLayer { metric: Metric },
    #[error("`{metric}` has layers 1 to {count}; there is no layer {layer}")]
    NoLayer {
        metric: Metric,
        count: u32,
        layer: u64,
    },
    #[error("say at which step, e.g. {metric}[step=0] or {metric}[step=last]")]
    NoStep { metric: Metric },
    #[error(
        "`{metric}` was not recorded at step {step} (recorded from step {first} to {last}; see train.record_every)"
    )]
    NotAtStep {
        metric: Metric,
        step: u64,
        first: u64,
        last: u64,
    },
    #[error("cannot compare {left} seeds with {right} seeds: the runs have different seed lists")]
    SeedCounts { left: usize, right: usize },
    #[error("no value for `{name}`")]
    NoValue { name: String },
    #[error("`{operator}` does not belong in a formula")]
    NotInFormula { operator: String },
    #[error("a formula is numbers, variables, + - * / ^ and functions such as exp, ln, sqrt")]
    NotAFormula,
}

/// The runs' labels as messages list them: 'a', 'b'.
fn run_names(results: &Results) -> String {
    let names: Vec<String> = results
        .runs
        .iter()
        .map(|r| format!("'{}'", r.label))
        .collect();
    names.join(", ")
}

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
pub fn evaluate(claim: &ClaimSyntax, results: &Results) -> Result<Verdict, EvalError> {
    let mut evaluator = Evaluator::for_claim(claim, results)?;
    match evaluator.eval(&claim.expr)? {
        Value::Truths(truths) => Ok(Verdict {
            holds: truths.iter().all(|&t| t),
            seeds: evaluator.seeds,
            measured: evaluator.measured,
        }),
        Value::Numbers(_) => Err(EvalError::NotATruth),
    }
}

/// The values of the number `expr` for each seed of the claim's run (for margins).
pub(super) fn numbers_in(
    claim: &ClaimSyntax,
    expr: &Expr,
    results: &Results,
) -> Result<Vec<f64>, EvalError> {
    Evaluator::for_claim(claim, results)?.numbers(expr)
}

fn seeds_of(results: &Results, run: &str, only: Option<u64>) -> Result<Vec<u64>, EvalError> {
    let summary = results.run(run).ok_or_else(|| EvalError::NoRun {
        run: run.into(),
        runs: run_names(results),
    })?;
    let seeds: Vec<u64> = summary
        .seeds
        .iter()
        .map(|s| s.seed)
        .filter(|s| only.is_none_or(|o| o == *s))
        .collect();
    if seeds.is_empty() {
        return Err(EvalError::NoSeed {
            run: run.into(),
            seed: only.unwrap_or_default(),
        });
    }
    Ok(seeds)
}

impl<'a> Evaluator<'a> {
    /// An evaluator over the claim's run (named by `where run`, or the only one) and seeds.
    fn for_claim(claim: &ClaimSyntax, results: &'a Results) -> Result<Self, EvalError> {
        let run = match &claim.run {
            Some(run) => run.clone(),
            None if results.runs.len() == 1 => results.runs[0].label.clone(),
            None => {
                return Err(EvalError::WhichRun {
                    runs: run_names(results),
                });
            }
        };
        let seeds = seeds_of(results, &run, claim.seed)?;
        Ok(Evaluator {
            results,
            run,
            seeds,
            measured: Vec::new(),
        })
    }

    fn eval(&mut self, expr: &Expr) -> Result<Value, EvalError> {
        match expr {
            Expr::Number(n) => Ok(Value::Numbers(vec![*n])),
            Expr::Variable(name) => Err(EvalError::NotAMetric { name: name.clone() }),
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
            Expr::Call(Function::Count, argument) => {
                let truths = self.truths(argument)?;
                let held = truths.iter().filter(|&&t| t).count();
                Ok(Value::Numbers(vec![held as f64]))
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

    fn numbers(&mut self, expr: &Expr) -> Result<Vec<f64>, EvalError> {
        match self.eval(expr)? {
            Value::Numbers(values) => Ok(values),
            Value::Truths(_) => Err(EvalError::TruthForNumber),
        }
    }

    fn truths(&mut self, expr: &Expr) -> Result<Vec<bool>, EvalError> {
        match self.eval(expr)? {
            Value::Truths(truths) => Ok(truths),
            Value::Numbers(_) => Err(EvalError::NumberForTruth),
        }
    }

    fn logic(
        &mut self,
        left: &Expr,
        right: &Expr,
        op: fn(bool, bool) -> bool,
    ) -> Result<Value, EvalError> {
        let (left, right) = (self.truths(left)?, self.truths(right)?);
        let n = broadcast_len(&left, &right)?;
        Ok(Value::Truths(
            (0..n)
                .map(|i| op(pick(&left, i), pick(&right, i)))
                .collect(),
        ))
    }

    fn seeds_for(&self, run: &str, seed: Option<u64>) -> Result<Vec<u64>, EvalError> {
        if run == self.run && seed.is_none() {
            return Ok(self.seeds.clone());
        }
        seeds_of(self.results, run, seed)
    }

    /// One metric at one layer and step, for each seed.
    fn select(&mut self, selector: &Selector) -> Result<Vec<f64>, EvalError> {
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
            return Err(EvalError::NotRecorded {
                run,
                metric,
                recorded: recorded.join(", "),
            });
        }
        let layers = results.layer_count(&run, metric);
        let layer = match (layers, selector.layer) {
            (None, None) => None,
            (None, Some(_)) => return Err(EvalError::WholeNetwork { metric }),
            (Some(_), None) => return Err(EvalError::PerLayer { metric }),
            (Some(count), Some(position)) => Some(match position {
                Position::First => 1,
                Position::Last => count,
                Position::At(n) if n >= 1 && n <= u64::from(count) => n as u32,
                Position::At(n) => {
                    return Err(EvalError::NoLayer {
                        metric,
                        count,
                        layer: n,
                    });
                }
            }),
        };
        let step = selector.step.ok_or(EvalError::NoStep { metric })?;
        let all_steps = results.steps(&run, metric);
        let mut values = Vec::with_capacity(seeds.len());
        for &seed in &seeds {
            let at = match step {
                Position::First => results.first_step(&run, seed, metric),
                Position::Last => results.last_step(&run, seed, metric),
                Position::At(n)
                    if all_steps.last().is_some_and(|&last| n > last)
                        || !all_steps.contains(&n) =>
                {
                    let (first, last) = (
                        all_steps.first().copied().unwrap_or(0),
                        all_steps.last().copied().unwrap_or(0),
                    );
                    return Err(EvalError::NotAtStep {
                        metric,
                        step: n,
                        first,
                        last,
                    });
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
pub fn evaluate_formula(expr: &Expr, variables: &[(&str, f64)]) -> Result<f64, EvalError> {
    let value = |e: &Expr| evaluate_formula(e, variables);
    Ok(match expr {
        Expr::Number(n) => *n,
        Expr::Variable(name) => variables
            .iter()
            .find(|(v, _)| v == name)
            .map(|(_, x)| *x)
            .ok_or_else(|| EvalError::NoValue { name: name.clone() })?,
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
                other => {
                    return Err(EvalError::NotInFormula {
                        operator: other.into(),
                    });
                }
            }
        }
        _ => return Err(EvalError::NotAFormula),
    })
}

fn apply(function: Function, values: &[f64]) -> Vec<f64> {
    let each = |f: fn(f64) -> f64| values.iter().map(|&v| f(v)).collect();
    match function {
        Function::Median => vec![quantile(values, 0.5)],
        Function::Mean => vec![values.iter().sum::<f64>() / values.len() as f64],
        Function::Min => vec![values.iter().copied().fold(f64::INFINITY, f64::min)],
        Function::Max => vec![values.iter().copied().fold(f64::NEG_INFINITY, f64::max)],
        Function::Count => unreachable!("count takes truths: evaluated before apply"),
        Function::Abs => each(f64::abs),
        Function::Log10 => each(f64::log10),
        Function::Ln => each(f64::ln),
        Function::Sqrt => each(f64::sqrt),
        Function::Exp => each(f64::exp),
    }
}

fn broadcast_len<T>(left: &[T], right: &[T]) -> Result<usize, EvalError> {
    match (left.len(), right.len()) {
        (a, b) if a == b || b == 1 => Ok(a),
        (1, b) => Ok(b),
        (left, right) => Err(EvalError::SeedCounts { left, right }),
    }
}

fn pick<T: Copy>(values: &[T], i: usize) -> T {
    if values.len() == 1 {
        values[0]
    } else {
        values[i]
    }
}
