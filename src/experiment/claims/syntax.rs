//! The claim language's syntax: tokens, the expression tree, and a precedence-climbing parser.
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
//! function  := median | mean | min | max | abs | log10 | ln | sqrt | exp
//! ```

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Word(String),
    Text(String),
    Symbol(&'static str),
}

/// A syntax error at a character column (1-based) of the claim.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub column: usize,
    pub message: String,
}

fn tokenize(source: &str) -> Result<Vec<(Token, usize)>, SyntaxError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '.'
                    || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let value = text.parse().map_err(|_| SyntaxError {
                column,
                message: format!("`{text}` is not a number"),
            })?;
            tokens.push((Token::Number(value), column));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push((Token::Word(chars[start..i].iter().collect()), column));
        } else if c == '\'' || c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&q| q == c)
                .ok_or(SyntaxError {
                    column,
                    message: "unclosed quote".into(),
                })?;
            tokens.push((
                Token::Text(chars[i + 1..i + 1 + end].iter().collect()),
                column,
            ));
            i += end + 2;
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let symbol = ["<=", ">=", "==", "!="]
                .into_iter()
                .find(|s| *s == two)
                .or_else(|| {
                    [
                        "<", ">", "=", "+", "-", "*", "/", "^", "(", ")", "[", "]", ",",
                    ]
                    .into_iter()
                    .find(|s| s.starts_with(c))
                });
            let symbol = symbol.ok_or(SyntaxError {
                column,
                message: format!("unexpected character `{c}`"),
            })?;
            i += symbol.len();
            tokens.push((Token::Symbol(symbol), column));
        }
    }
    Ok(tokens)
}

/// A position along layers or steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Position {
    At(u64),
    First,
    Last,
}

/// `metric[layer=…, step=…, run=…, seed=…]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selector {
    pub metric: String,
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
    Abs,
    Log10,
    Ln,
    Sqrt,
    Exp,
}

impl Function {
    const ALL: [(&'static str, Function); 9] = [
        ("median", Function::Median),
        ("mean", Function::Mean),
        ("min", Function::Min),
        ("max", Function::Max),
        ("abs", Function::Abs),
        ("log10", Function::Log10),
        ("ln", Function::Ln),
        ("sqrt", Function::Sqrt),
        ("exp", Function::Exp),
    ];

    fn from_name(name: &str) -> Option<Function> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    /// Aggregates collapse the seeds into one value; the others apply per seed.
    pub fn is_aggregate(self) -> bool {
        matches!(
            self,
            Function::Median | Function::Mean | Function::Min | Function::Max
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

pub fn parse_claim(source: &str) -> Result<ClaimSyntax, SyntaxError> {
    let tokens = tokenize(source)?;
    let end_column = source.chars().count() + 1;
    let mut parser = Parser {
        tokens,
        next: 0,
        end_column,
        variables: &[],
    };
    let expr = parser.or()?;
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
    let tokens = tokenize(source)?;
    let end_column = source.chars().count() + 1;
    let mut parser = Parser {
        tokens,
        next: 0,
        end_column,
        variables,
    };
    let expr = parser.sum()?;
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
}

impl Parser {
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

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.and()?;
        while self.eat_word("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.not()?;
        while self.eat_word("and") {
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, SyntaxError> {
        if self.eat_word("not") {
            Ok(Expr::Not(Box::new(self.not()?)))
        } else {
            self.compare()
        }
    }

    fn compare(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.sum()?;
        for symbol in ["<=", ">=", "==", "!=", "<", ">"] {
            if self.eat(symbol) {
                return Ok(Expr::Binary(symbol, Box::new(left), Box::new(self.sum()?)));
            }
        }
        Ok(left)
    }

    fn sum(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.product()?;
        loop {
            let symbol = if self.eat("+") {
                "+"
            } else if self.eat("-") {
                "-"
            } else {
                return Ok(left);
            };
            left = Expr::Binary(symbol, Box::new(left), Box::new(self.product()?));
        }
    }

    fn product(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.unary()?;
        loop {
            let symbol = if self.eat("*") {
                "*"
            } else if self.eat("/") {
                "/"
            } else {
                return Ok(left);
            };
            left = Expr::Binary(symbol, Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if self.eat("-") {
            Ok(Expr::Negate(Box::new(self.unary()?)))
        } else {
            self.power()
        }
    }

    fn power(&mut self) -> Result<Expr, SyntaxError> {
        let base = self.atom()?;
        if self.eat("^") {
            Ok(Expr::Binary("^", Box::new(base), Box::new(self.unary()?)))
        } else {
            Ok(base)
        }
    }

    fn atom(&mut self) -> Result<Expr, SyntaxError> {
        let column = self.column();
        match self.peek().cloned() {
            Some(Token::Number(n)) => {
                self.next += 1;
                Ok(Expr::Number(n))
            }
            Some(Token::Symbol("(")) => {
                self.next += 1;
                let inner = self.or()?;
                self.expect(")")?;
                Ok(inner)
            }
            Some(Token::Word(word)) => {
                self.next += 1;
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
                if let Some(function) = Function::from_name(&word) {
                    self.expect("(")?;
                    let argument = self.or()?;
                    self.expect(")")?;
                    return Ok(Expr::Call(function, Box::new(argument)));
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
                let mut selector = Selector {
                    metric: word,
                    ..Selector::default()
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
            _ => self.error("expected a number, a metric such as loss[step=last], or `(`"),
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
