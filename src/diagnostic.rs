//! Located diagnostics: what went wrong, where (file:line:column), the offending line, and a
//! hint, rendered the way a compiler does. Every layer reports problems as plain data; only the
//! CLI prints them.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    /// 1-based; 0 when the problem concerns the file as a whole.
    pub line: usize,
    /// 1-based column in characters; 0 when unknown.
    pub column: usize,
    pub message: String,
    /// The source line the problem is on, shown under the location.
    pub snippet: Option<String>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(file: &Path, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_path_buf(),
            line,
            column: 0,
            message: message.into(),
            snippet: None,
            hint: None,
        }
    }

    pub fn warning(file: &Path, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, line, message)
        }
    }

    pub fn with_column(mut self, column: usize) -> Self {
        self.column = column;
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Attach the offending line, taken from the full text of `file`.
    pub fn with_snippet_from(mut self, file_text: &str) -> Self {
        if self.line > 0 {
            self.snippet = file_text.lines().nth(self.line - 1).map(str::to_string);
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", self.message)?;
        let mut location = self.file.display().to_string();
        if self.line > 0 {
            location.push_str(&format!(":{}", self.line));
            if self.column > 0 {
                location.push_str(&format!(":{}", self.column));
            }
        }
        let gutter = " ".repeat(self.line.max(1).to_string().len());
        write!(f, "{gutter}--> {location}")?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{gutter} |\n{} | {snippet}", self.line)?;
            if self.column > 0 {
                let pad: String = snippet
                    .chars()
                    .take(self.column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n{gutter} | {pad}^")?;
            }
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n{gutter} = hint: {hint}")?;
        }
        Ok(())
    }
}

/// A failed build or check: every error found, not just the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{diagnostic}")?;
        }
        let errors = self.0.iter().filter(|d| d.is_error()).count();
        write!(f, "{errors} error(s)")
    }
}

impl std::error::Error for Diagnostics {}

/// 1-based line number of a byte offset in `text`.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// 1-based column (in characters) of a byte offset in `text`.
pub fn column_of_offset(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..offset].chars().count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_snippet_caret_and_hint() {
        let text = "a\nmodel = { depht = 3 }\n";
        let d = Diagnostic::error(Path::new("ch.md"), 2, "unknown key `depht`")
            .with_column(11)
            .with_hint("did you mean `depth`?")
            .with_snippet_from(text);
        let shown = d.to_string();
        assert!(shown.contains("error: unknown key `depht`"), "{shown}");
        assert!(shown.contains("--> ch.md:2:11"), "{shown}");
        assert!(shown.contains("2 | model = { depht = 3 }"), "{shown}");
        assert!(shown.contains("|           ^"), "{shown}");
        assert!(shown.contains("hint: did you mean `depth`?"), "{shown}");
    }

    #[test]
    fn offsets_map_to_lines_and_columns() {
        let text = "ab\n中文x\n";
        assert_eq!(line_of_offset(text, 0), 1);
        assert_eq!(line_of_offset(text, 3), 2);
        assert_eq!(column_of_offset(text, 3 + "中文".len()), 3);
    }
}
