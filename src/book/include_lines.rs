//! Which lines an include takes: `path:N`, `:N:M`, `:N:`, `::M` and `:anchor` parsed as
//! mdBook 0.5.4 parses them (except where it quietly guesses, which is an error here), the
//! lines selected with where each came from, and `{{#playground}}`'s fenced block.

use std::path::Path;

use super::{Problem, Run, problem, run};

/// How an include's `path:…` suffix says which lines to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pick<'s> {
    /// 1-based, inclusive; `first: None` is line 1 without having been asked for.
    Lines {
        first: Option<usize>,
        last: Option<usize>,
    },
    Anchor(&'s str),
}

pub(super) const RANGE_HINT: &str = "write `path:N` (line N), `path:N:M` (lines N to M), `path:N:` (N to \
                          the end), `path::M` (1 to M) or `path:anchor`; lines count from 1";

/// mdBook's `parse_range_or_anchor`, except that what mdBook quietly reads as something else
/// (`:0` as line 1, `:3:x` and `:1:2:3` as `:3:`/`:1:2`, `:5:3` as no lines) is an error.
pub(super) fn parse_pick(pick: Option<&str>) -> Result<Pick<'_>, Problem> {
    let Some(pick) = pick else {
        return Ok(Pick::Lines {
            first: None,
            last: None,
        });
    };
    let malformed = || problem(format!("malformed line range `:{pick}`"), RANGE_HINT);
    let mut parts = pick.split(':');
    let start = parts.next().unwrap_or_default();
    let first = match start.parse::<usize>() {
        Ok(n) => Some(n),
        Err(_) if start.is_empty() => None,
        Err(_) => return Ok(Pick::Anchor(start)), // mdBook ignores what follows an anchor
    };
    let (end, extra) = (parts.next(), parts.next());
    if extra.is_some() {
        return Err(malformed());
    }
    let last = match end {
        None => first,
        Some("") => None,
        Some(end) => Some(end.parse::<usize>().map_err(|_| malformed())?),
    };
    if first == Some(0) || last == Some(0) {
        return Err(problem(
            format!("line range `:{pick}` counts from 0"),
            RANGE_HINT,
        ));
    }
    if let Some(m) = last
        && first.unwrap_or(1) > m
    {
        let n = first.unwrap_or(1);
        let message = format!("line range `:{pick}` is empty: it starts at line {n}, after {m}");
        return Err(problem(message, "write the first line first"));
    }
    Ok(Pick::Lines { first, last })
}

/// The lines of `contents` that `pick` selects, joined by `\n` with no newline after the
/// last (mdBook's `take_lines`/`take_anchored_lines`; they read lines with `str::lines`, so
/// `\r\n` becomes `\n`), with where each came from in `file`. A range may run past the end of
/// the file (it stops there), but not start past it. Anchor marker lines inside the anchor
/// are dropped; `all_sections` takes every section of a repeated anchor, as
/// `{{#rustdoc_include}}` shows them, not just the first.
pub(super) fn select(
    contents: &str,
    pick: Option<&str>,
    all_sections: bool,
    target: &Path,
    file: usize,
) -> Result<(String, Vec<Run>), Problem> {
    let lines = contents.lines().enumerate();
    match parse_pick(pick)? {
        Pick::Lines { first, last } => {
            let count = contents.lines().count();
            let start = first.unwrap_or(1);
            if first.is_some() && start > count {
                let message = format!(
                    "line range `:{}` starts at line {start}, but {} has {count} lines",
                    pick.unwrap_or_default(),
                    target.display()
                );
                return Err(problem(
                    message,
                    "the file is shorter than the range expects",
                ));
            }
            let take = last.map_or(usize::MAX, |last| last + 1 - start);
            Ok(gather(lines.skip(start - 1).take(take), file))
        }
        Pick::Anchor(anchor) => {
            let (mut inside, mut seen, mut picked) = (false, false, Vec::new());
            for (i, line) in lines {
                if inside {
                    match marker(line, "ANCHOR_END:") {
                        Some(end) if end == anchor && all_sections => inside = false,
                        Some(end) if end == anchor => break,
                        Some(_) => {}
                        None if marker(line, "ANCHOR:").is_some() => {}
                        None => picked.push((i, line)),
                    }
                } else if marker(line, "ANCHOR:") == Some(anchor) {
                    (inside, seen) = (true, true);
                }
            }
            if seen {
                return Ok(gather(picked.into_iter(), file));
            }
            let mut anchors: Vec<&str> = Vec::new();
            for name in contents.lines().filter_map(|l| marker(l, "ANCHOR:")) {
                if !anchors.contains(&name) {
                    anchors.push(name);
                }
            }
            let message = format!("no anchor `{anchor}` in {}", target.display());
            let hint = match anchors.is_empty() {
                true => format!(
                    "the file has no anchors; mark the lines with `ANCHOR: {anchor}` and \
                     `ANCHOR_END: {anchor}` lines (in comments), or give a line range"
                ),
                false => format!("the file's anchors are `{}`", anchors.join("`, `")),
            };
            Err(problem(message, hint))
        }
    }
}

/// The anchor name of the first `MARKER\s*[\w_-]+` in `line` (mdBook's anchor regexes, which
/// match anywhere in the line; `\w` is taken as alphanumeric or `_`).
pub(super) fn marker<'l>(line: &'l str, marker: &str) -> Option<&'l str> {
    line.match_indices(marker).find_map(|(i, m)| {
        let rest = line[i + m.len()..].trim_start();
        let len: usize = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .map(char::len_utf8)
            .sum();
        (len > 0).then(|| &rest[..len])
    })
}

/// Join `(0-based line number, line)` pairs with `\n`, with the runs they came from.
pub(super) fn gather<'a>(
    lines: impl Iterator<Item = (usize, &'a str)>,
    file: usize,
) -> (String, Vec<Run>) {
    let (mut text, mut runs) = (String::new(), Vec::new());
    let mut previous = None;
    for (k, (i, line)) in lines.enumerate() {
        if k > 0 {
            text.push('\n');
        }
        text.push_str(line);
        if previous.is_none_or(|p| p + 1 != i) {
            runs.push(run(k, file, i + 1));
        }
        previous = Some(i);
    }
    if runs.is_empty() {
        runs.push(run(0, file, 1));
    }
    (text, runs)
}

/// mdBook's playground block: the whole file (its own line endings kept, a final newline
/// added if missing) in a ```` ```rust,attr1,attr2 ```` fence, with a newline after the
/// closing fence. The fence lines come from `fence` (the directive's line).
pub(super) fn playground(
    contents: &str,
    attrs: &[&str],
    fence: Run,
    file: usize,
) -> (String, Vec<Run>) {
    let comma = if attrs.is_empty() { "" } else { "," };
    let newline = if contents.ends_with('\n') { "" } else { "\n" };
    let text = format!(
        "```rust{comma}{}\n{contents}{newline}```\n",
        attrs.join(",")
    );
    let closing = 1 + contents.matches('\n').count() + newline.len();
    let runs = vec![fence, run(1, file, 1), run(closing, fence.file, fence.line)];
    (text, runs)
}
