//! `gradbook init [DIR]`: a new book that builds at once: content/book.toml, SUMMARY.md, a
//! preface, a chapter with one small experiment, the GitHub Pages workflow and a .gitignore.
//! `--mdbook` makes the same book in mdBook's layout (book.toml at the root, chapters in
//! src/, gradbook as its preprocessor), which `gradbook build` and `mdbook build` both build.
//! Never overwrites: an existing file is left as it is and reported.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Global;
use super::output::{errln, outln};

#[derive(clap::Args)]
pub struct Args {
    /// Where to create the book (default: --root, i.e. the current directory).
    dir: Option<PathBuf>,
    /// Make an mdBook (book.toml at the root, chapters in src/) that `mdbook build` also builds.
    #[arg(long)]
    mdbook: bool,
}

/// (path in the new book, contents); `__TITLE__`, `__NAME__` and `__SRC__` are filled in.
const FILES: [(&str, &str); 6] = [
    ("content/book.toml", include_str!("scaffold/book.toml")),
    ("content/SUMMARY.md", include_str!("scaffold/SUMMARY.md")),
    ("content/preface.md", include_str!("scaffold/preface.md")),
    (
        "content/first-experiment.md",
        include_str!("scaffold/first-experiment.md"),
    ),
    (
        ".github/workflows/pages.yml",
        include_str!("scaffold/pages.yml"),
    ),
    (".gitignore", include_str!("scaffold/gitignore")),
];

/// The same book in mdBook's layout.
const MDBOOK_FILES: [(&str, &str); 6] = [
    ("book.toml", include_str!("scaffold/mdbook-book.toml")),
    ("src/SUMMARY.md", include_str!("scaffold/SUMMARY.md")),
    ("src/preface.md", include_str!("scaffold/preface.md")),
    (
        "src/first-experiment.md",
        include_str!("scaffold/first-experiment.md"),
    ),
    (
        ".github/workflows/pages.yml",
        include_str!("scaffold/pages.yml"),
    ),
    (".gitignore", include_str!("scaffold/mdbook-gitignore")),
];

pub fn run(global: &Global, args: Args) -> ExitCode {
    let dir = args.dir.unwrap_or_else(|| global.root.clone());
    for config in ["content/book.toml", "book.toml"] {
        if dir.join(config).exists() {
            errln!(
                "error: {} already holds a book ({config} exists)\n  = hint: pick an empty or new directory",
                dir.display()
            );
            return ExitCode::FAILURE;
        }
    }
    let name = book_name(&dir);
    let (files, src, site) = if args.mdbook {
        (MDBOOK_FILES, "src", "site")
    } else {
        (FILES, "content", "book")
    };
    for (path, text) in files {
        let target = dir.join(path);
        if target.exists() {
            errln!("warning: {} exists; left as it is", target.display());
            continue;
        }
        let text = text
            .replace("__TITLE__", &name)
            .replace("__NAME__", &name)
            .replace("__SRC__", src)
            .replace("__SITE__", site);
        if let Err(e) = write(&target, &text) {
            errln!("error: cannot write {}: {e}", target.display());
            return ExitCode::FAILURE;
        }
    }
    if !global.quiet {
        outln!("created a book in {}\n", dir.display());
        outln!("  cd {}", dir.display());
        outln!("  gradbook serve --open    # write in {src}/, see the pages update");
        outln!("  gradbook build           # the site in {site}/");
        if args.mdbook {
            outln!("  mdbook build             # mdBook's site in book/, figures by gradbook");
        }
        outln!(
            "\nTo publish on GitHub Pages: push to GitHub, then Settings → Pages → Source: GitHub Actions."
        );
    }
    ExitCode::SUCCESS
}

/// The directory's name, for the title and the Pages path.
fn book_name(dir: &Path) -> String {
    let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "book".into())
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}
