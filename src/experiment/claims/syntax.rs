//! The claim language's grammar and its parser: the entry points, the token-level helpers and
//! selectors here, the expression levels in `precedence` (tokens are in `tokens`, the tree in
//! `tree`).
//!
//! ```text
//! claim     := expr ("where" condition ("and" condition)*)?
//! condition := "run" "=" string | "seed" "=" integer
//! expr      := or;  or := and ("or" and)*;  and := not ("and" not)*;  not := "not" not | compare
//! compare   := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
//! sum       := product (("+" | "-") product)*;  product := unary (("*" | "/") unary)*
//! unary     := "-" unary | power;  power := atom ("^" unary)?
//! atom      := number | "(" expr ")" | function "(" expr ")" | "diverged" ("[" run "]")?
//!            | metric "[" selector ("," selector)* "]"
//! selector  := ("layer" | "step") "=" (integer | "first" | "last") | "run" "=" string | "seed" "=" integer
//! function  := median | mean | min | max | count | abs | log10 | ln | sqrt | exp
//! ```

mod precedence;

use super::tokens::{Token, tokenize};
pub use super::tree::{ClaimSyntax, Expr, Function, Position, Selector};

/// A syntax error at a character column (1-based) of the claim.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub column: usize,
    pub message: String,
}

/// How deeply a claim or formula may nest. Each parenthesis, operator, `not` and function call
/// is a level; numbers and metrics are none. The parser, the evaluator and dropping the tree
/// each recurse once per level, so this bounds their stack (5,000 parentheses overflowed it).
pub const MAX_NESTING: usize = 256;

pub fn parse_claim(source: &str) -> Result<ClaimSyntax, SyntaxError> {
    let mut parser = Parser::new(source, &[], "claim", "split it into several shorter claims")?;
    let expr = *parser.or()?.expr;
    let (mut run, mut seed) = (None, None);
    if parser.eat_word("where") {
        loop {
            let column = parser.column();
            match parser.word()?.as_str() {
                "run" => {
                    parser.expect("=")?;
                    run = Some(parser.text()?);
                }
                "seed" => {
                    parser.expect("=")?;
                    seed = Some(parser.integer()?);
                }
                other => {
                    return Err(SyntaxError {
                        column,
                        message: format!(
                            "expected `run = '…'` or `seed = …` after `where`, found `{other}`"
                        ),
                    });
                }
            }
            if !parser.eat_word("and") {
                break;
            }
        }
    }
    if parser.next < parser.tokens.len() {
        return Err(SyntaxError {
            column: parser.column(),
            message: "unexpected text after the claim".into(),
        });
    }
    Ok(ClaimSyntax { expr, run, seed })
}

/// Parse a formula of numbers, `variables`, arithmetic and functions, e.g. `0.25^(L-l)`.
pub fn parse_formula(
    source: &str,
    variables: &'static [&'static str],
) -> Result<Expr, SyntaxError> {
    let advice = "write it with fewer parentheses and operators";
    let mut parser = Parser::new(source, variables, "formula", advice)?;
    let expr = *parser.sum()?.expr;
    if parser.next < parser.tokens.len() {
        return Err(SyntaxError {
            column: parser.column(),
            message: "unexpected text after the formula".into(),
        });
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    next: usize,
    end_column: usize,
    /// Names that stand for numbers (formulas only).
    variables: &'static [&'static str],
    /// Levels open around the token being parsed: bounds the parser's own recursion.
    open: usize,
    /// "claim" or "formula", and how to make one shallower, for the nesting error.
    subject: &'static str,
    advice: &'static str,
}

impl Parser {
    fn new(
        source: &str,
        variables: &'static [&'static str],
        subject: &'static str,
        advice: &'static str,
    ) -> Result<Parser, SyntaxError> {
        Ok(Parser {
            tokens: tokenize(source)?,
            next: 0,
            end_column: source.chars().count() + 1,
            variables,
            open: 0,
            subject,
            advice,
        })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|(t, _)| t)
    }

    fn column(&self) -> usize {
        self.tokens
            .get(self.next)
            .map_or(self.end_column, |(_, c)| *c)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            column: self.column(),
            message: message.into(),
        })
    }

    fn eat(&mut self, symbol: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Symbol(s)) if *s == symbol);
        self.next += usize::from(found);
        found
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Word(w)) if w == word);
        self.next += usize::from(found);
        found
    }

    fn expect(&mut self, symbol: &str) -> Result<(), SyntaxError> {
        if self.eat(symbol) {
            Ok(())
        } else {
            self.error(format!("expected `{symbol}`"))
        }
    }

    fn word(&mut self) -> Result<String, SyntaxError> {
        match self.peek().cloned() {
            Some(Token::Word(w)) => {
                self.next += 1;
                Ok(w)
            }
            _ => self.error("expected a name"),
        }
    }

    fn text(&mut self) -> Result<String, SyntaxError> {
        match self.peek().cloned() {
            Some(Token::Text(t)) => {
                self.next += 1;
                Ok(t)
            }
            _ => self.error("expected a quoted name, e.g. 'relu'"),
        }
    }

    fn integer(&mut self) -> Result<u64, SyntaxError> {
        match self.peek().cloned() {
            Some(Token::Number(n)) if n >= 0.0 && n.fract() == 0.0 => {
                self.next += 1;
                Ok(n as u64)
            }
            _ => self.error("expected a whole number"),
        }
    }

    fn run_selector(&mut self) -> Result<String, SyntaxError> {
        if self.word()? != "run" {
            return self.error("expected run = '…'");
        }
        self.expect("=")?;
        self.text()
    }

    fn selector_part(&mut self, selector: &mut Selector) -> Result<(), SyntaxError> {
        let column = self.column();
        let key = self.word()?;
        self.expect("=")?;
        match key.as_str() {
            "layer" => selector.layer = Some(self.position()?),
            "step" => selector.step = Some(self.position()?),
            "run" => selector.run = Some(self.text()?),
            "seed" => selector.seed = Some(self.integer()?),
            other => {
                return Err(SyntaxError {
                    column,
                    message: format!(
                        "unknown selector `{other}`; expected layer, step, run or seed"
                    ),
                });
            }
        }
        Ok(())
    }

    fn position(&mut self) -> Result<Position, SyntaxError> {
        if self.eat_word("first") {
            return Ok(Position::First);
        }
        if self.eat_word("last") {
            return Ok(Position::Last);
        }
        Ok(Position::At(self.integer()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 1-based column of the `n`th (1-based) occurrence of `needle` in `source`.
    fn column_of(source: &str, needle: &str, n: usize) -> usize {
        let (byte, _) = source.match_indices(needle).nth(n - 1).unwrap();
        source[..byte].chars().count() + 1
    }

    /// Each shape that used to overflow the stack, as `(source, the token where the limit is
    /// hit, which occurrence of it)`: every one of them an expression of `1`s.
    fn too_deep_shapes() -> Vec<(String, &'static str, usize)> {
        let n = 100_000;
        vec![
            (
                format!("{}1{}", "(".repeat(5_000), ")".repeat(5_000)),
                "(",
                257,
            ),
            (format!("{}1", "-".repeat(n)), "-", 257),
            (format!("1{}", "^1".repeat(n)), "^", 257),
            (format!("1{}", "+1".repeat(n)), "+", 257),
            (format!("1{}", "-1".repeat(n)), "-", 257),
            (format!("1{}", "*1".repeat(n)), "*", 257),
            (format!("1{}", "/1".repeat(n)), "/", 257),
            (
                format!("{}1{}", "abs(".repeat(5_000), ")".repeat(5_000)),
                "abs",
                257,
            ),
        ]
    }

    fn assert_too_deep(result: Result<impl std::fmt::Debug, SyntaxError>, column: usize) {
        let error = result.unwrap_err();
        assert_eq!(error.column, column, "{}", error.message);
        assert!(
            error.message.contains("more than 256 levels"),
            "{}",
            error.message
        );
    }

    #[test]
    fn too_deep_formulas_are_located_errors() {
        for (source, token, n) in too_deep_shapes() {
            assert_too_deep(parse_formula(&source, &["l"]), column_of(&source, token, n));
        }
    }

    #[test]
    fn too_deep_claims_are_located_errors() {
        let n = 100_000;
        let mut shapes: Vec<(String, &str, usize)> = too_deep_shapes()
            .into_iter()
            .map(|(source, token, k)| (format!("{source} > 0"), token, k))
            .collect();
        shapes.extend([
            (format!("{}1 < 2", "not ".repeat(n)), "not", 257),
            // A comparison is the first level, so the 256th `and` / `or` is one too many.
            (format!("1 < 2{}", " and 1 < 2".repeat(n)), "and", 256),
            (format!("1 < 2{}", " or 1 < 2".repeat(n)), "or", 256),
            (
                format!("{}1 < 2{}", "(".repeat(300), ")".repeat(300)),
                "(",
                257,
            ),
        ]);
        for (source, token, k) in shapes {
            assert_too_deep(parse_claim(&source), column_of(&source, token, k));
        }
    }

    #[test]
    fn nesting_up_to_the_limit_parses() {
        let parens = |k: usize| format!("{}1{}", "(".repeat(k), ")".repeat(k));
        assert!(parse_formula(&parens(MAX_NESTING), &[]).is_ok());
        assert_too_deep(parse_formula(&parens(MAX_NESTING + 1), &[]), 257);
        // 255 `not`s over a comparison nest 256 levels; one more is caught where the tree
        // is built (at the outermost `not`), not while descending.
        let nots = |k: usize| format!("{}1 < 2", "not ".repeat(k));
        assert!(parse_claim(&nots(MAX_NESTING - 1)).is_ok());
        assert_too_deep(parse_claim(&nots(MAX_NESTING)), 1);
        let sum = |k: usize| format!("1{}", "+1".repeat(k));
        assert!(parse_formula(&sum(MAX_NESTING), &[]).is_ok());
        assert!(parse_formula(&sum(MAX_NESTING + 1), &[]).is_err());
    }
}
