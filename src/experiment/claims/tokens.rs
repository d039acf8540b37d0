//! The claim language's tokens: numbers, names, quoted text and symbols, each with the
//! 1-based character column it starts at (for error messages).

use super::syntax::SyntaxError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    Number(f64),
    Word(String),
    Text(String),
    Symbol(&'static str),
}

pub(super) fn tokenize(source: &str) -> Result<Vec<(Token, usize)>, SyntaxError> {
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
