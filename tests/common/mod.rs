//! A fixture book in a temporary directory, built with chainable calls:
//! `TestBook::new().chapter("a.md", "# A").build()`.
#![allow(dead_code)] // each test file uses a different part of it

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use gradbook::build::{BuildOptions, BuildReport, build};
use gradbook::diagnostic::Diagnostics;

pub struct TestBook {
    dir: tempfile::TempDir,
    chapters: Vec<(String, String)>,
}

/// A small, fast experiment block (2 runs, 4 hidden layers, 12 steps).
pub const SMALL_BLOCK: &str = r#"```experiment
id = "small"
title = "小实验"
data = { name = "spirals", samples = 128, noise = 0.1 }
model = { depth = 4, width = 8, activation = "sigmoid", init = "he_normal" }
train = { lr = 0.1, steps = 12, batch = 32, seed = 3, record_every = 4 }
sweep = { "model.activation" = ["sigmoid", "relu"] }
plot = ["grad_norm_by_layer", "loss"]
```"#;

impl TestBook {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        let book = TestBook {
            dir,
            chapters: Vec::new(),
        };
        book.file(
            "content/book.toml",
            "title = \"测试之书\"\nlanguage = \"zh-CN\"\n",
        )
    }

    /// Add a chapter file and list it in SUMMARY.md (in call order).
    pub fn chapter(mut self, path: &str, text: &str) -> Self {
        self.chapters.push((path.to_string(), text.to_string()));
        let summary: String = self
            .chapters
            .iter()
            .map(|(p, text)| format!("- [{}]({p})\n", title_of(text, p)))
            .collect();
        self.file(&format!("content/{path}"), text)
            .file("content/SUMMARY.md", &format!("# Summary\n\n{summary}"))
    }

    /// Write any file of the book, relative to its root.
    pub fn file(self, path: &str, text: &str) -> Self {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
        self
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("book")
    }

    /// The built page `name` as a `file://` address, for the browser.
    pub fn page_url(&self, name: &str) -> String {
        format!("file://{}", self.out().join(name).display())
    }

    pub fn build(&self) -> Result<BuildReport, Diagnostics> {
        self.build_to(&self.out())
    }

    pub fn build_to(&self, dest: &Path) -> Result<BuildReport, Diagnostics> {
        self.build_with(BuildOptions {
            dest: Some(dest.to_path_buf()),
            ..self.options()
        })
    }

    /// Options for this book (output to `book/`, cache in `.gradbook/`), to adjust and pass
    /// to [`TestBook::build_with`].
    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            dest: Some(self.out()),
            ..BuildOptions::new(self.root())
        }
    }

    pub fn build_with(&self, options: BuildOptions) -> Result<BuildReport, Diagnostics> {
        build(&options)
    }

    /// Run the real binary in the book's directory.
    pub fn run_cli(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_gradbook"))
            .args(args)
            .current_dir(self.root())
            .output()
            .expect("run gradbook")
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.out().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }
}

fn title_of(text: &str, path: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(str::to_string)
        .unwrap_or_else(|| path.to_string())
}

/// Every file under `dir` with its bytes, keyed by relative path.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

pub mod http;
pub mod serve;
pub mod webdriver;
