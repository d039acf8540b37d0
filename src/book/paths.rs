//! Which chapter paths a book may name. A chapter is read from `content/<path>` and written
//! to `<site>/<path with .html>`, so the path must stay inside both: relative, no `..`, no
//! root, drive or Windows stream (`C:\x.md`, `/etc/x.md`, `a:b.md`), `/` as the separator, and
//! a file name ending in `.md` with something before it. `.` and empty segments are dropped,
//! so `./a.md` and `a.md` are one chapter.

use std::path::{Component, Path, PathBuf};

/// Why a chapter path was refused: what is wrong, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathProblem {
    pub message: String,
    pub hint: &'static str,
}

const RELATIVE_HINT: &str =
    "chapter paths are relative to content/ and stay inside it, e.g. `part/chapter.md`";

/// The chapter file `target` names, relative to `content/` and with `.` segments dropped.
pub fn chapter_path(target: &str) -> Result<PathBuf, PathProblem> {
    let problem = |message: String, hint| Err(PathProblem { message, hint });
    if target.contains('\\') {
        return problem(
            format!("the chapter path `{target}` contains a backslash"),
            "separate directories with `/`, e.g. `part/chapter.md`",
        );
    }
    if target.chars().any(char::is_control) {
        return problem(
            format!(
                "the chapter path `{}` contains a control character",
                target.escape_debug()
            ),
            RELATIVE_HINT,
        );
    }
    // Checked by hand as well as by `Path`: on Unix, `C:` is an ordinary name, but the same
    // book built on Windows would then read and write outside the book.
    if target.starts_with('/') || Path::new(target).has_root() || target.contains(':') {
        return problem(
            format!("the chapter path `{target}` is absolute (or names a drive or stream)"),
            RELATIVE_HINT,
        );
    }
    let mut path = PathBuf::new();
    for component in Path::new(target).components() {
        match component {
            Component::Normal(segment) => path.push(segment),
            Component::CurDir => {}
            Component::ParentDir => {
                return problem(
                    format!("the chapter path `{target}` leaves content/ through `..`"),
                    RELATIVE_HINT,
                );
            }
            Component::RootDir | Component::Prefix(_) => {
                return problem(
                    format!("the chapter path `{target}` is absolute"),
                    RELATIVE_HINT,
                );
            }
        }
    }
    // `Path::extension` of `.md` is `None`: a hidden file without a name would become `.md.html`.
    let named_md = path.extension().is_some_and(|e| e == "md") && !target.ends_with('/');
    if !named_md {
        return problem(
            format!("the chapter path `{target}` does not name a `.md` file"),
            "a chapter is a Markdown file such as `chapter.md`; its page becomes `chapter.html`",
        );
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_relative_markdown_paths_and_drops_dot_segments() {
        for (target, expected) in [
            ("a.md", "a.md"),
            ("part/中文.md", "part/中文.md"),
            ("./a.md", "a.md"),
            ("part//b.md", "part/b.md"),
            ("my chapter.md", "my chapter.md"),
            ("..a.md", "..a.md"),
        ] {
            assert_eq!(
                chapter_path(target),
                Ok(PathBuf::from(expected)),
                "{target}"
            );
        }
    }

    #[test]
    fn refuses_paths_that_leave_the_book_or_name_no_chapter() {
        for (target, says) in [
            ("../outside.md", "`..`"),
            ("part/../../outside.md", "`..`"),
            ("/etc/passwd.md", "absolute"),
            ("C:\\Windows\\x.md", "backslash"),
            ("C:/Windows/x.md", "absolute"),
            ("a.md:stream.md", "absolute"),
            ("..\\outside.md", "backslash"),
            ("a\u{0}.md", "control"),
            (".md", "`.md` file"),
            ("part/.md", "`.md` file"),
            ("a.txt", "`.md` file"),
            ("a.md/", "`.md` file"),
            ("part", "`.md` file"),
        ] {
            let problem = chapter_path(target).expect_err(target);
            assert!(
                problem.message.contains(says),
                "{target}: {}",
                problem.message
            );
        }
    }
}
