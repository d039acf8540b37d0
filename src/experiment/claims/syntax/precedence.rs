//! The expression levels of the claim grammar, loosest first (`or` … `atom`), and the
//! nesting bound ([`MAX_NESTING`]) every level is built under.

use super::{Expr, Function, MAX_NESTING, Parser, Selector, SyntaxError, Token};
use crate::nn::Metric;

/// A parsed expression and how many levels it nests (see [`MAX_NESTING`]). Boxed, so each
/// of the ten frames a parenthesis level recurses through moves 16 bytes, not a whole `Expr`:
/// 256 levels then fit a small stack.
pub(super) struct Nested {
    pub(super) expr: Box<Expr>,
    levels: usize,
}

impl Nested {
    fn leaf(expr: Expr) -> Nested {
        Nested {
            expr: Box::new(expr),
            levels: 0,
        }
    }
}

impl Parser {
    #[cold]
    fn too_deep(&self, column: usize) -> SyntaxError {
        SyntaxError {
            column,
            message: format!(
                "the {} nests more than {MAX_NESTING} levels deep (each parenthesis, operator, `not` and function call is a level); {}",
                self.subject, self.advice
            ),
        }
    }

    /// Parse with `inside` one level deeper; the level opens at `column`.
    fn deeper(
        &mut self,
        column: usize,
        inside: impl FnOnce(&mut Self) -> Result<Nested, SyntaxError>,
    ) -> Result<Nested, SyntaxError> {
        if self.open >= MAX_NESTING {
            return Err(self.too_deep(column));
        }
        self.open += 1;
        let inner = inside(self);
        self.open -= 1;
        inner
    }

    /// `expr`, one level above children nesting `levels` deep; written at `column`.
    fn level(&self, column: usize, levels: usize, expr: Box<Expr>) -> Result<Nested, SyntaxError> {
        if levels >= MAX_NESTING {
            return Err(self.too_deep(column));
        }
        Ok(Nested {
            expr,
            levels: levels + 1,
        })
    }

    /// The operator at `column` over `left` and `right`. Chains such as `1+1+1…` grow the
    /// tree here, in a loop, so this counts their depth too.
    fn join(
        &self,
        column: usize,
        left: Nested,
        right: Nested,
        make: impl FnOnce(Box<Expr>, Box<Expr>) -> Expr,
    ) -> Result<Nested, SyntaxError> {
        let levels = left.levels.max(right.levels);
        self.level(column, levels, Box::new(make(left.expr, right.expr)))
    }

    pub(super) fn or(&mut self) -> Result<Nested, SyntaxError> {
        let mut left = self.and()?;
        loop {
            let column = self.column();
            if !self.eat_word("or") {
                return Ok(left);
            }
            let right = self.and()?;
            left = self.join(column, left, right, Expr::Or)?;
        }
    }

    fn and(&mut self) -> Result<Nested, SyntaxError> {
        let mut left = self.not()?;
        loop {
            let column = self.column();
            if !self.eat_word("and") {
                return Ok(left);
            }
            let right = self.not()?;
            left = self.join(column, left, right, Expr::And)?;
        }
    }

    fn not(&mut self) -> Result<Nested, SyntaxError> {
        let column = self.column();
        if !self.eat_word("not") {
            return self.compare();
        }
        let inner = self.deeper(column, Self::not)?;
        self.level(column, inner.levels, Box::new(Expr::Not(inner.expr)))
    }

    fn compare(&mut self) -> Result<Nested, SyntaxError> {
        let left = self.sum()?;
        let column = self.column();
        for symbol in ["<=", ">=", "==", "!=", "<", ">"] {
            if self.eat(symbol) {
                let right = self.sum()?;
                return self.join(column, left, right, |a, b| Expr::Binary(symbol, a, b));
            }
        }
        Ok(left)
    }

    pub(super) fn sum(&mut self) -> Result<Nested, SyntaxError> {
        let mut left = self.product()?;
        loop {
            let column = self.column();
            let symbol = if self.eat("+") {
                "+"
            } else if self.eat("-") {
                "-"
            } else {
                return Ok(left);
            };
            let right = self.product()?;
            left = self.join(column, left, right, |a, b| Expr::Binary(symbol, a, b))?;
        }
    }

    fn product(&mut self) -> Result<Nested, SyntaxError> {
        let mut left = self.unary()?;
        loop {
            let column = self.column();
            let symbol = if self.eat("*") {
                "*"
            } else if self.eat("/") {
                "/"
            } else {
                return Ok(left);
            };
            let right = self.unary()?;
            left = self.join(column, left, right, |a, b| Expr::Binary(symbol, a, b))?;
        }
    }

    fn unary(&mut self) -> Result<Nested, SyntaxError> {
        let column = self.column();
        if !self.eat("-") {
            return self.power();
        }
        let inner = self.deeper(column, Self::unary)?;
        self.level(column, inner.levels, Box::new(Expr::Negate(inner.expr)))
    }

    fn power(&mut self) -> Result<Nested, SyntaxError> {
        let base = self.atom()?;
        let column = self.column();
        if !self.eat("^") {
            return Ok(base);
        }
        // Right-associative: `2^2^2…` recurses, one level per `^`.
        let exponent = self.deeper(column, Self::unary)?;
        self.join(column, base, exponent, |a, b| Expr::Binary("^", a, b))
    }

    fn atom(&mut self) -> Result<Nested, SyntaxError> {
        let column = self.column();
        match self.peek().cloned() {
            Some(Token::Number(n)) => {
                self.next += 1;
                Ok(Nested::leaf(Expr::Number(n)))
            }
            Some(Token::Symbol("(")) => {
                self.next += 1;
                let inner = self.deeper(column, |parser| {
                    let inner = parser.or()?;
                    parser.expect(")")?;
                    Ok(inner)
                })?;
                self.level(column, inner.levels, inner.expr)
            }
            Some(Token::Word(word)) => {
                self.next += 1;
                if let Some(function) = Function::from_name(&word) {
                    let argument = self.deeper(column, |parser| {
                        parser.expect("(")?;
                        let argument = parser.or()?;
                        parser.expect(")")?;
                        Ok(argument)
                    })?;
                    let call = Box::new(Expr::Call(function, argument.expr));
                    return self.level(column, argument.levels, call);
                }
                self.named(word, column).map(Nested::leaf)
            }
            _ => self.error("expected a number, a metric such as loss[step=last], or `(`"),
        }
    }

    /// A value named by `word` (at `column`), other than a function call: `diverged`, a
    /// formula's variable or a metric with its selector. Out of `atom`, so the frames that
    /// parentheses recurse through stay small.
    #[inline(never)]
    fn named(&mut self, word: String, column: usize) -> Result<Expr, SyntaxError> {
        if word == "diverged" {
            let run = if self.eat("[") {
                let run = self.run_selector()?;
                self.expect("]")?;
                Some(run)
            } else {
                None
            };
            return Ok(Expr::Diverged(run));
        }
        if ["and", "or", "not", "where"].contains(&word.as_str()) {
            return Err(SyntaxError {
                column,
                message: format!("expected a value, found `{word}`"),
            });
        }
        if self.variables.contains(&word.as_str()) {
            return Ok(Expr::Variable(word));
        }
        if !self.variables.is_empty() {
            let names = self.variables.join(", ");
            return Err(SyntaxError {
                column,
                message: format!(
                    "unknown name `{word}`; a formula may use {names}, numbers and functions"
                ),
            });
        }
        if !self.eat("[") {
            return Err(SyntaxError {
                column,
                message: format!("`{word}` needs a selector, e.g. {word}[step=last]"),
            });
        }
        let metric = word.parse::<Metric>().map_err(|unknown| SyntaxError {
            column,
            message: unknown.to_string(),
        })?;
        let mut selector = Selector {
            metric,
            layer: None,
            step: None,
            run: None,
            seed: None,
        };
        loop {
            self.selector_part(&mut selector)?;
            if !self.eat(",") {
                break;
            }
        }
        self.expect("]")?;
        Ok(Expr::Select(selector))
    }
}
