//! mdBook's link directives in chapter text: `{{#include}}`, `{{#rustdoc_include}}`,
//! `{{#playground}}` (and its old name `{{#playpen}}`) and `{{#title}}`, expanded the way
//! mdBook 0.5.4's built-in `links` preprocessor expands them, with `\{{#include …}}` escapes.
//! Expansion keeps a map from every line of the result back to the file and line it came from,
//! and reports every bad directive (not just the first) at its file, line and column.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// mdBook's `MAX_LINK_NESTED_DEPTH`: a chapter may nest includes this deep; a directive in a
/// file this deep is an error (a file that includes itself ends up here).
pub const MAX_INCLUDE_DEPTH: usize = 10;

/// A chapter's text with its directives expanded.
#[derive(Debug, Clone)]
pub struct Expanded {
    pub text: String,
    /// The argument of the last `{{#title …}}` in reading order, included files too.
    pub title: Option<String>,
    files: Files,
    /// Where the lines of `text` came from; empty means line for line from the chapter.
    origins: Vec<Run>,
}

impl Expanded {
    /// Every file the chapter included, directly or not.
    pub fn included_files(&self) -> impl Iterator<Item = &Path> {
        self.files.included.iter().map(PathBuf::as_path)
    }

    /// Where 1-based line `line` of `text` came from: (file, 1-based line in that file). A line
    /// belongs to the file its first character came from (a line holding an included file's
    /// first line after some chapter text belongs to the chapter); the lines of a
    /// `{{#playground}}` code fence belong to the directive. Line 0 ("no line") maps to
    /// (chapter, 0).
    pub fn locate(&self, line: usize) -> (&Path, usize) {
        match line.checked_sub(1) {
            Some(k) if !self.origins.is_empty() => {
                let (file, line) = origin(&self.origins, k);
                (self.files.path(file), line)
            }
            _ => (&self.files.chapter, line),
        }
    }
}

/// The files text comes from: file 0 is the chapter, file `i` is `included[i - 1]`.
#[derive(Debug, Clone)]
struct Files {
    chapter: PathBuf,
    included: Vec<PathBuf>,
}

impl Files {
    fn path(&self, file: usize) -> &Path {
        file.checked_sub(1)
            .map_or(&self.chapter, |i| &self.included[i])
    }

    fn intern(&mut self, path: PathBuf) -> usize {
        if path == self.chapter {
            return 0;
        }
        let known = self.included.iter().position(|f| *f == path);
        known.unwrap_or_else(|| {
            self.included.push(path);
            self.included.len() - 1
        }) + 1
    }
}

/// Lines `first..` (0-based) of some text are lines `line..` (1-based) of file `file`, up to
/// the next run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    first: usize,
    file: usize,
    line: usize,
}

fn run(first: usize, file: usize, line: usize) -> Run {
    Run { first, file, line }
}

/// (file, 1-based line) of 0-based line `k` of a text whose lines came from `runs` (in order,
/// the first one starting at line 0).
fn origin(runs: &[Run], k: usize) -> (usize, usize) {
    let r = runs[runs.partition_point(|r| r.first <= k).max(1) - 1];
    (r.file, r.line + k.saturating_sub(r.first))
}

/// A directive that could not be expanded, at the `{{` (or `\`) that starts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeError {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
    /// The line the directive is on.
    pub snippet: Option<String>,
}

impl fmt::Display for IncludeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = self.file.display();
        write!(f, "{place}:{}:{}: {}", self.line, self.column, self.message)?;
        match &self.hint {
            Some(hint) => write!(f, " ({hint})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for IncludeError {}

impl From<IncludeError> for Diagnostic {
    fn from(e: IncludeError) -> Diagnostic {
        let mut d = Diagnostic::error(&e.file, e.line, e.message).with_column(e.column);
        (d.hint, d.snippet) = (e.hint, e.snippet);
        d
    }
}

/// The directives mdBook's `links` preprocessor expands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Include,
    /// mdBook shows the selected lines and hides the rest of the file behind `# `; gradbook
    /// has no hidden lines, so this includes the selected lines only, like `include`.
    RustdocInclude,
    Playground,
    Title,
}

impl Kind {
    fn named(name: &str) -> Option<Kind> {
        match name {
            "include" => Some(Kind::Include),
            "rustdoc_include" => Some(Kind::RustdocInclude),
            "playground" | "playpen" => Some(Kind::Playground),
            "title" => Some(Kind::Title),
            _ => None,
        }
    }
}

/// What a `{{` starts, at bytes `start..end`, read the way mdBook's link regex reads it:
/// `\\\{\{\#.*\}\}` (an escape) or `\{\{\s*\#([a-zA-Z0-9_]+)\s+([^}]+)\}\}` (a directive).
struct Found<'t> {
    start: usize,
    end: usize,
    what: What<'t>,
}

enum What<'t> {
    /// `\{{#include …}}` up to the last `}}` on its line (mdBook's `.*` is greedy): kept
    /// without its backslash, unexpanded. mdBook unescapes any `\{{#…}}`; gradbook keeps its
    /// own `\{{#ref …}}` (and any other name) as it is.
    Escaped,
    /// What the regex takes but mdBook does not expand, such as `{{#ref fig}}`: kept as is.
    Other,
    /// Kind, name as written, argument.
    Directive(Kind, &'t str, &'t str),
    /// One of ours that mdBook would leave unexpanded; scanning goes on at `end`.
    Broken(&'t str, Broken),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Broken {
    NoArgument,
    Unterminated,
}

/// The directive name at `at`: mdBook's `[a-zA-Z0-9_]+`, maybe empty.
fn name_at(text: &str, at: usize) -> &str {
    let tail = &text[at..];
    let len = tail
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_');
    &tail[..len.count()]
}

/// What starts at the `{{` at byte `brace`; `floor` is where the previous match ended, so a
/// backslash before it cannot escape.
fn read_at(text: &str, brace: usize, floor: usize) -> Option<Found<'_>> {
    let found = |start, end, what| Some(Found { start, end, what });
    let bytes = text.as_bytes();
    if brace > floor && bytes[brace - 1] == b'\\' && bytes.get(brace + 2) == Some(&b'#') {
        let line_end = text[brace..].find('\n').map_or(text.len(), |i| brace + i);
        let close = text[brace + 3..line_end].rfind("}}");
        if let (Some(_), Some(close)) = (Kind::named(name_at(text, brace + 3)), close) {
            return found(brace - 1, brace + 3 + close + 2, What::Escaped);
        }
    }
    let after = &text[brace + 2..];
    let hash = brace + 2 + (after.len() - after.trim_start().len());
    if bytes.get(hash) != Some(&b'#') {
        return None;
    }
    let name = name_at(text, hash + 1);
    if name.is_empty() {
        return None;
    }
    let (kind, q) = (Kind::named(name), hash + 1 + name.len());
    let tail = &text[q..];
    let close = tail.find('}').filter(|&c| tail[c + 1..].starts_with('}'));
    let region = &tail[..tail.find('}').unwrap_or(tail.len())];
    let broken = |end, why| found(brace, end, What::Broken(name, why));
    let spaced = region.starts_with(char::is_whitespace);
    if let Some(close) = close.filter(|_| spaced && region.chars().nth(1).is_some()) {
        let end = q + close + 2;
        let Some(kind) = kind else {
            return found(brace, end, What::Other);
        };
        // `\s+` takes the leading space (all of it: a space-only argument is no argument).
        let args = region.trim_start();
        return match () {
            _ if args.contains("{{") => broken(brace + 2, Broken::Unterminated),
            _ if args.is_empty() => broken(end, Broken::NoArgument),
            _ => found(brace, end, What::Directive(kind, name, args)),
        };
    }
    kind?;
    match (tail.chars().next(), close) {
        (Some('}'), Some(0)) => broken(q + 2, Broken::NoArgument),
        (Some(c), Some(close)) if c.is_whitespace() => broken(q + close + 2, Broken::NoArgument),
        (Some(c), _) if c != '}' && !c.is_whitespace() => None,
        _ => broken(brace + 2, Broken::Unterminated),
    }
}

/// A text being expanded: the chapter, or the lines an include selected from a file.
struct Source<'t> {
    text: &'t str,
    /// The file whose directory the paths of directives in `text` are relative to.
    file: usize,
    runs: Vec<Run>,
}

/// A byte offset into a source's text and the 0-based line it is on.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    byte: usize,
    line: usize,
}

/// The expanded text as it is written, with where its lines came from.
#[derive(Default)]
struct Output {
    text: String,
    origins: Vec<Run>,
    /// The 0-based line of `text` the next character goes on, and whether it has any yet.
    line: usize,
    mid_line: bool,
}

impl Output {
    /// Append `chunk`, which starts on 0-based line `line` of a text whose lines came from
    /// `runs`; returns how many lines it ended.
    fn push(&mut self, chunk: &str, runs: &[Run], line: usize) -> usize {
        if chunk.is_empty() {
            return 0;
        }
        if !self.mid_line {
            self.note(origin(runs, line));
        }
        let mut ended = 0;
        for (i, _) in chunk.match_indices('\n') {
            (ended, self.line) = (ended + 1, self.line + 1);
            if i + 1 < chunk.len() {
                self.note(origin(runs, line + ended));
            }
        }
        self.text.push_str(chunk);
        self.mid_line = !chunk.ends_with('\n');
        ended
    }

    /// Record that line `self.line` is `line` of `file`, unless the last run says so already.
    fn note(&mut self, (file, line): (usize, usize)) {
        if let Some(last) = self.origins.last()
            && last.file == file
            && last.line + (self.line - last.first) == line
        {
            return;
        }
        self.origins.push(run(self.line, file, line));
    }
}

struct Expander<'r> {
    read: &'r dyn Fn(&Path) -> io::Result<String>,
    files: Files,
    out: Output,
    title: Option<String>,
    errors: Vec<IncludeError>,
    /// The included files being expanded, outermost first.
    chain: Vec<usize>,
    /// Set by the first depth error: a cycle is then not followed round again.
    too_deep: bool,
}

/// Expand the directives in `text`, the text of chapter `file` (as the loader knows it, e.g.
/// `/book/src/a/b.md`). Paths are relative to the directory of the file a directive is in, may
/// lead out of the book, and are read with `read` (`std::fs::read_to_string`, or a map in
/// tests). Directives are expanded everywhere in the text, code blocks too, as mdBook does.
pub fn expand(
    text: &str,
    file: &Path,
    read: &dyn Fn(&Path) -> io::Result<String>,
) -> Result<Expanded, Vec<IncludeError>> {
    let files = Files {
        chapter: file.to_path_buf(),
        included: Vec::new(),
    };
    let mut ex = Expander {
        read,
        files,
        out: Output::default(),
        title: None,
        errors: Vec::new(),
        chain: Vec::new(),
        too_deep: false,
    };
    if text.contains("{{") {
        let chapter = Source {
            text,
            file: 0,
            runs: vec![run(0, 0, 1)],
        };
        ex.expand_source(&chapter, 0);
    } else {
        ex.out.text = text.to_owned(); // and no origins: line for line
    }
    if !ex.errors.is_empty() {
        return Err(ex.errors);
    }
    let (text, origins) = (ex.out.text, ex.out.origins);
    Ok(Expanded {
        text,
        title: ex.title,
        files: ex.files,
        origins,
    })
}

impl Expander<'_> {
    fn expand_source(&mut self, src: &Source<'_>, depth: usize) {
        let mut at = Cursor { byte: 0, line: 0 };
        let mut from = 0;
        while let Some(i) = src.text[from..].find("{{") {
            let Some(Found { start, end, what }) = read_at(src.text, from + i, from) else {
                from += i + 1;
                continue;
            };
            from = end;
            if let What::Other = what {
                continue;
            }
            self.flush(src, &mut at, start);
            match what {
                What::Escaped => at.byte += 1, // drop the backslash
                // `{{#include}}` with nothing after it is prose about the directive (mdBook's
                // own guide writes it so): mdBook leaves it as text, and so do we.
                What::Broken(_, Broken::NoArgument) => {}
                What::Broken(name, why) => self.broken(src, at, name, why),
                What::Directive(kind, name, args) => {
                    if self.directive(src, at, kind, name, args, depth) {
                        at.line += src.text[start..end].matches('\n').count();
                        at.byte = end;
                    }
                }
                What::Other => {}
            }
        }
        self.flush(src, &mut at, src.text.len());
    }

    /// Write `src.text[at..upto]` out and move `at` to `upto`.
    fn flush(&mut self, src: &Source<'_>, at: &mut Cursor, upto: usize) {
        at.line += self.out.push(&src.text[at.byte..upto], &src.runs, at.line);
        at.byte = upto;
    }

    /// Expand one directive whose `{{` is at `at`; false when it could not be (the error is
    /// recorded and the directive stays in the text).
    fn directive(
        &mut self,
        src: &Source<'_>,
        at: Cursor,
        kind: Kind,
        name: &str,
        args: &str,
        depth: usize,
    ) -> bool {
        if kind == Kind::Title {
            self.title = Some(args.to_owned());
            return true;
        }
        let mut words = args.split_whitespace();
        let first = words.next().unwrap_or_default();
        let (path, pick) = match first.split_once(':') {
            Some((path, pick)) if kind != Kind::Playground => (path, Some(pick)),
            _ => (first, None),
        };
        if path.is_empty() {
            self.broken(src, at, name, Broken::NoArgument);
            return false;
        }
        let dir = self
            .files
            .path(src.file)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        let target = dir.join(path);
        if depth >= MAX_INCLUDE_DEPTH {
            if !self.too_deep {
                let chain = self.chain.iter().map(|&f| self.files.path(f));
                let mut chain: Vec<_> = chain.map(|p| p.display().to_string()).collect();
                chain.insert(0, self.files.chapter.display().to_string());
                chain.push(target.display().to_string());
                let message = format!(
                    "`{{{{#{name}}}}}` nests includes more than {MAX_INCLUDE_DEPTH} deep: {}",
                    chain.join(" → ")
                );
                let hint = "a file includes itself, directly or through others; break the cycle";
                self.report(src, at, problem(message, hint));
            }
            self.too_deep = true;
            return false;
        }
        let contents = match (self.read)(&target) {
            Ok(contents) => contents,
            Err(e) => {
                let message = format!("`{{{{#{name}}}}}` cannot read {}: {e}", target.display());
                let hint = format!(
                    "paths are relative to the directory of the file the directive is in ({}); \
                     check the spelling or the number of `../`",
                    dir.display()
                );
                self.report(src, at, problem(message, hint));
                return false;
            }
        };
        let file = self.files.intern(target);
        if self.too_deep && (file == 0 || self.chain.contains(&file)) {
            return false; // the cycle has been reported once
        }
        let expansion = match kind {
            Kind::Playground => {
                let (here, line) = origin(&src.runs, at.line);
                Ok(playground(
                    &contents,
                    &words.collect::<Vec<_>>(),
                    run(0, here, line),
                    file,
                ))
            }
            _ => {
                let all_sections = kind == Kind::RustdocInclude;
                select(&contents, pick, all_sections, self.files.path(file), file)
            }
        };
        let (text, runs) = match expansion {
            Ok(expansion) => expansion,
            Err(p) => {
                self.report(src, at, p);
                return false;
            }
        };
        self.chain.push(file);
        self.expand_source(
            &Source {
                text: &text,
                file,
                runs,
            },
            depth + 1,
        );
        self.chain.pop();
        true
    }

    fn broken(&mut self, src: &Source<'_>, at: Cursor, name: &str, why: Broken) {
        let p = match (why, Kind::named(name)) {
            (Broken::NoArgument, Some(Kind::Title)) => problem(
                "`{{#title}}` has no title",
                "write the page title after it: `{{#title The page title}}`",
            ),
            (Broken::NoArgument, _) => problem(
                format!("`{{{{#{name}}}}}` has no path"),
                format!(
                    "write the file to include after it: `{{{{#{name} path/to/file}}}}`, \
                     relative to this file's directory"
                ),
            ),
            (Broken::Unterminated, _) => problem(
                format!("`{{{{#{name}` is not closed by `}}}}`"),
                format!(
                    "end it with `}}}}` before any other `{{{{`, or write `\\{{{{#{name}` to \
                     show it as text"
                ),
            ),
        };
        self.report(src, at, p);
    }

    /// Record `p` at the directive at `at` (once, however often an include repeats it).
    fn report(&mut self, src: &Source<'_>, at: Cursor, p: Problem) {
        let text = src.text;
        let line_start = text[..at.byte].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[at.byte..]
            .find('\n')
            .map_or(text.len(), |i| at.byte + i);
        let (file, line) = origin(&src.runs, at.line);
        let error = IncludeError {
            file: self.files.path(file).to_path_buf(),
            line,
            column: text[line_start..at.byte].chars().count() + 1,
            message: p.message,
            hint: Some(p.hint),
            snippet: Some(text[line_start..line_end].to_owned()),
        };
        if !self.errors.contains(&error) {
            self.errors.push(error);
        }
    }
}

/// A problem with a directive, before it is placed: what went wrong and what to do.
struct Problem {
    message: String,
    hint: String,
}

fn problem(message: impl Into<String>, hint: impl Into<String>) -> Problem {
    Problem {
        message: message.into(),
        hint: hint.into(),
    }
}

#[path = "include_lines.rs"]
mod lines;
use lines::{playground, select};

#[cfg(test)]
#[path = "include_tests.rs"]
mod tests;
