//! The claim language's expression tree: what a parsed claim or formula is made of.

use std::fmt;

use crate::nn::Metric;

/// A position along layers or steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Position {
    At(u64),
    First,
    Last,
}

/// `metric[layer=…, step=…, run=…, seed=…]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub metric: Metric,
    pub layer: Option<Position>,
    pub step: Option<Position>,
    pub run: Option<String>,
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Median,
    Mean,
    Min,
    Max,
    /// How many seeds a truth holds for: `count(diverged) >= 3` (a rate over seeds rather
    /// than one seed's luck).
    Count,
    Abs,
    Log10,
    Ln,
    Sqrt,
    Exp,
}

impl Function {
    const ALL: [(&'static str, Function); 10] = [
        ("median", Function::Median),
        ("mean", Function::Mean),
        ("min", Function::Min),
        ("max", Function::Max),
        ("count", Function::Count),
        ("abs", Function::Abs),
        ("log10", Function::Log10),
        ("ln", Function::Ln),
        ("sqrt", Function::Sqrt),
        ("exp", Function::Exp),
    ];

    pub(super) fn from_name(name: &str) -> Option<Function> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    /// Aggregates collapse the seeds into one value; the others apply per seed.
    pub fn is_aggregate(self) -> bool {
        matches!(
            self,
            Function::Median | Function::Mean | Function::Min | Function::Max | Function::Count
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    /// A named number in a formula (`l`, `L` in a figure's theory curve); claims have none.
    Variable(String),
    Select(Selector),
    Diverged(Option<String>),
    Call(Function, Box<Expr>),
    Negate(Box<Expr>),
    /// `+ - * / ^` and comparisons, by their symbol.
    Binary(&'static str, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

/// A parsed claim: the expression and its `where` context.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimSyntax {
    pub expr: Expr,
    pub run: Option<String>,
    pub seed: Option<u64>,
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let position = |p: &Position| match p {
            Position::At(n) => n.to_string(),
            Position::First => "first".into(),
            Position::Last => "last".into(),
        };
        let mut parts = Vec::new();
        if let Some(run) = &self.run {
            parts.push(format!("run='{run}'"));
        }
        if let Some(layer) = &self.layer {
            parts.push(format!("layer={}", position(layer)));
        }
        if let Some(step) = &self.step {
            parts.push(format!("step={}", position(step)));
        }
        if let Some(seed) = self.seed {
            parts.push(format!("seed={seed}"));
        }
        write!(f, "{}[{}]", self.metric, parts.join(", "))
    }
}
