//! `SUMMARY.md` in mdBook's format: a `# Summary` title, optional unnumbered prefix chapters
//! (plain links before the list), numbered chapters as a nested list of links, optional
//! `# Part` titles and `---` separators, draft chapters (`- [Title]()`: listed, numbered, no
//! page), and unnumbered suffix chapters after the list. Every problem is reported with its
//! line.

use std::path::PathBuf;

use super::paths::chapter_path;

/// One entry of the table of contents, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryItem {
    pub title: String,
    /// Relative to `content/`, as written in the link.
    pub path: PathBuf,
    /// "1.2" style section number; `None` for prefix and suffix chapters.
    pub number: Option<Vec<u32>>,
    /// Nesting depth in the list, 0 for top-level and unnumbered chapters.
    pub level: usize,
    /// 1-based line in SUMMARY.md.
    pub line: usize,
}

/// A part title (`# Part I`) that precedes a chapter in the table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartTitle {
    pub title: String,
    /// Index into `Summary::items` of the first chapter under it.
    pub before_item: usize,
}

/// A chapter listed without a file (`- [Title]()`): shown in the table of contents, unlinked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftChapter {
    pub title: String,
    pub number: Option<Vec<u32>>,
    pub level: usize,
    /// Index into `Summary::items` of the first chapter after it.
    pub before_item: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    pub title: Option<String>,
    /// The chapters with a file, in reading order.
    pub items: Vec<SummaryItem>,
    pub parts: Vec<PartTitle>,
    pub drafts: Vec<DraftChapter>,
    /// `---` lines: the index into `items` of the first chapter after each.
    pub separators: Vec<usize>,
}

/// A problem on a line of SUMMARY.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
}

/// Parse SUMMARY.md. Collects every malformed line rather than stopping at the first.
pub fn parse_summary(text: &str) -> Result<Summary, Vec<SummaryError>> {
    let mut summary = Summary::default();
    let mut errors = Vec::new();
    // The indentation of each open list level, and the counters of each level.
    let mut indents: Vec<usize> = Vec::new();
    let mut counters: Vec<u32> = Vec::new();
    let mut seen_list = false;

    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with("<!--") {
            continue;
        }
        if is_separator(trimmed) {
            summary.separators.push(summary.items.len());
            continue;
        }
        if let Some(heading) = trimmed.strip_prefix('#') {
            let title = heading.trim_start_matches('#').trim().to_string();
            if summary.title.is_none() && summary.items.is_empty() {
                summary.title = Some(title);
            } else {
                summary.parts.push(PartTitle {
                    title,
                    before_item: summary.items.len(),
                });
            }
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        let column = indent + 1;
        if let Some(rest) = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
        {
            seen_list = true;
            while indents.last().is_some_and(|&open| indent < open) {
                indents.pop();
                counters.pop();
            }
            if indents.last().is_none_or(|&open| indent > open) {
                indents.push(indent);
                counters.push(0);
            }
            *counters.last_mut().expect("a level is open") += 1;
            let (number, level) = (Some(counters.clone()), counters.len() - 1);
            match parse_link(rest) {
                Ok((title, Some(path))) => summary.items.push(SummaryItem {
                    title,
                    path,
                    number,
                    level,
                    line,
                }),
                Ok((title, None)) => summary.drafts.push(DraftChapter {
                    title,
                    number,
                    level,
                    before_item: summary.items.len(),
                }),
                Err(problem) => errors.push(problem.at(line, raw, indent + 2)),
            }
        } else if trimmed.starts_with('[') {
            if seen_list {
                // Suffix chapters close the numbered list.
                indents.clear();
                counters.clear();
            }
            match parse_link(trimmed) {
                Ok((title, Some(path))) => summary.items.push(SummaryItem {
                    title,
                    path,
                    number: None,
                    level: 0,
                    line,
                }),
                Ok((title, None)) => summary.drafts.push(DraftChapter {
                    title,
                    number: None,
                    level: 0,
                    before_item: summary.items.len(),
                }),
                Err(problem) => errors.push(problem.at(line, raw, indent)),
            }
        } else {
            errors.push(SummaryError {
                line,
                column,
                message: format!(
                    "expected a chapter link, a list item or a `# ` title, found `{trimmed}`"
                ),
                hint: Some(LINK_HINT.into()),
            });
        }
    }
    if errors.is_empty() {
        Ok(summary)
    } else {
        Err(errors)
    }
}

const LINK_HINT: &str = "write chapters as `- [Title](file.md)`; indent by two spaces to nest";

fn is_separator(line: &str) -> bool {
    line.len() >= 3 && line.chars().all(|c| c == '-')
}

/// A malformed link, `offset` bytes into the text given to [`parse_link`].
struct LinkProblem {
    offset: usize,
    message: String,
    hint: &'static str,
}

impl LinkProblem {
    fn new(offset: usize, message: String) -> Self {
        LinkProblem {
            offset,
            message,
            hint: LINK_HINT,
        }
    }

    /// Located on `line`, whose text is `raw`; the link text began `start` bytes into it.
    fn at(self, line: usize, raw: &str, start: usize) -> SummaryError {
        let offset = (start + self.offset).min(raw.len());
        SummaryError {
            line,
            column: raw[..offset].chars().count() + 1,
            message: self.message,
            hint: Some(self.hint.into()),
        }
    }
}

/// `[Title](path.md)` → (title, path); `[Title]()` → (title, no path), a draft. The link must
/// be the whole line, and the path a chapter file inside the chapters' folder (see
/// [`chapter_path`]); mdBook's `<path with spaces.md>` form is accepted.
fn parse_link(text: &str) -> Result<(String, Option<PathBuf>), LinkProblem> {
    let start = text.len() - text.trim_start().len();
    let text = text.trim();
    let malformed = || {
        LinkProblem::new(
            start,
            format!("expected `[Title](file.md)`, found `{text}`"),
        )
    };
    let inner = text.strip_prefix('[').ok_or_else(malformed)?;
    let close = inner.find("](").ok_or_else(malformed)?;
    let title = inner[..close].trim();
    let written = inner[close + 2..].strip_suffix(')').ok_or_else(|| {
        LinkProblem::new(start, format!("the link `{text}` is not closed with `)`"))
    })?;
    let target = written.trim();
    // Where the path begins, for the column: after `[`, the title, `](` and any spaces.
    let target_offset = start + 1 + close + 2 + (written.len() - written.trim_start().len());
    if title.is_empty() {
        return Err(LinkProblem::new(
            start,
            "the chapter link has an empty title".into(),
        ));
    }
    if target.is_empty() {
        return Ok((title.to_string(), None));
    }
    let target = target
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(target);
    let path = chapter_path(target).map_err(|problem| LinkProblem {
        offset: target_offset,
        message: format!("chapter `{title}`: {}", problem.message),
        hint: problem.hint,
    })?;
    Ok((title.to_string(), Some(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prefix_nested_parts_and_suffix() {
        let text = "# Summary\n\n[前言](preface.md)\n\n# 原因\n\n- [一](a.md)\n  - [一点一](a1.md)\n  - [一点二](a2.md)\n- [二](b.md)\n\n---\n\n[参考文献](refs.md)\n";
        let summary = parse_summary(text).unwrap();
        assert_eq!(summary.title.as_deref(), Some("Summary"));
        let numbers: Vec<_> = summary
            .items
            .iter()
            .map(|i| (i.path.to_str().unwrap(), i.number.clone(), i.level, i.line))
            .collect();
        assert_eq!(
            numbers,
            vec![
                ("preface.md", None, 0, 3),
                ("a.md", Some(vec![1]), 0, 7),
                ("a1.md", Some(vec![1, 1]), 1, 8),
                ("a2.md", Some(vec![1, 2]), 1, 9),
                ("b.md", Some(vec![2]), 0, 10),
                ("refs.md", None, 0, 14),
            ]
        );
        assert_eq!(
            summary.parts,
            vec![PartTitle {
                title: "原因".into(),
                before_item: 1
            }]
        );
    }

    #[test]
    fn reports_every_bad_line_with_its_number() {
        let text = "# Summary\n- [ok](a.md)\n- [broken(b.md)\nstray words\n- [](c.md)\n";
        let errors = parse_summary(text).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5]);
        assert!(errors[2].message.contains("empty title"));
    }

    #[test]
    fn drafts_are_numbered_and_separators_kept_in_place() {
        let text =
            "# S\n- [A](a.md)\n  - [Draft]()\n  - [B](<b c.md>)\n---\n[Z](z.md)\n[Later]()\n";
        let summary = parse_summary(text).unwrap();
        let paths: Vec<_> = summary
            .items
            .iter()
            .map(|i| i.path.to_str().unwrap())
            .collect();
        assert_eq!(paths, vec!["a.md", "b c.md", "z.md"]);
        assert_eq!(summary.items[1].number, Some(vec![1, 2]));
        assert_eq!(
            summary.drafts,
            vec![
                DraftChapter {
                    title: "Draft".into(),
                    number: Some(vec![1, 1]),
                    level: 1,
                    before_item: 1
                },
                DraftChapter {
                    title: "Later".into(),
                    number: None,
                    level: 0,
                    before_item: 3
                }
            ]
        );
        assert_eq!(summary.separators, vec![2]);
    }
}
