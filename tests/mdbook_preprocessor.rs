//! gradbook inside mdBook: the real `mdbook` (0.5.x, installed by `.ci/run`) builds a fixture
//! book whose experiments run through `gradbook mdbook-preprocessor`: numbered SVG figures and
//! their caption in the HTML, `data:` downloads, references as links, the cache on a rebuild,
//! and a failing claim failing `mdbook build` with its located message. `gradbook init
//! --mdbook` makes a book both tools build. Without `mdbook` the tests skip, except under CI.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mdbook() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("MDBOOK").map(PathBuf::from),
        Some(PathBuf::from("mdbook")),
        std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin/mdbook")),
    ];
    for candidate in candidates.into_iter().flatten() {
        let version = Command::new(&candidate).arg("--version").output();
        if let Ok(out) = version
            && out.status.success()
            && String::from_utf8_lossy(&out.stdout).contains("v0.5.")
        {
            return Some(candidate);
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "mdbook 0.5.x is not installed: .ci/run installs it with `cargo install --locked mdbook@0.5.4`"
    );
    eprintln!("skipped: mdbook 0.5.x is not installed (cargo install --locked mdbook@0.5.4)");
    None
}

const GRADBOOK: &str = env!("CARGO_BIN_EXE_gradbook");

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn mdbook_build(mdbook: &Path, root: &Path) -> Output {
    Command::new(mdbook)
        .arg("build")
        .current_dir(root)
        .env("PATH", path_with_gradbook())
        .output()
        .expect("mdbook runs")
}

/// PATH with the test's gradbook first, so `command = "gradbook mdbook-preprocessor"` finds it.
fn path_with_gradbook() -> std::ffi::OsString {
    let dir = Path::new(GRADBOOK).parent().unwrap().to_path_buf();
    let mut paths = vec![dir];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

const BLOCK: &str = r#"```experiment
id = "depth"
title = "Sigmoid against ReLU"
caption = "Gradient norms per layer."
data = { name = "spirals", samples = 128, noise = 0.1 }
model = { depth = 4, width = 8, activation = "sigmoid", init = "he_normal" }
train = { lr = 0.1, steps = 12, batch = 32, seed = 3, record_every = 4 }
sweep = { "model.activation" = ["sigmoid", "relu"] }
plot = ["grad_norm_by_layer", "loss"]
expect = ["max(loss[step=last]) < 100  where run = 'relu'"]
```"#;

fn fixture(block: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let chapter = format!(
        "# Depth\n\nAs {{{{#ref depth:loss}}}} shows.\n\n{block}\n\nAfter the block.\n\n\
         ```toml\n# {{{{#ref depth}}}} in code stays\n```\n"
    );
    write(
        dir.path(),
        &[
            (
                "book.toml",
                "[book]\ntitle = \"Inside mdBook\"\nlanguage = \"en\"\n\n\
                 [preprocessor.gradbook]\ncommand = \"gradbook mdbook-preprocessor\"\nafter = [\"links\"]\n",
            ),
            (
                "src/SUMMARY.md",
                "# Summary\n\n[Intro](README.md)\n\n- [Depth](depth.md)\n",
            ),
            ("src/README.md", "# Intro\n\nSee {{#ref depth.md#depth}}.\n"),
            ("src/depth.md", &chapter),
        ],
    );
    dir
}

#[test]
fn mdbook_build_runs_the_experiments_and_draws_their_figures() {
    let Some(mdbook) = mdbook() else { return };
    let dir = fixture(BLOCK);
    let first = mdbook_build(&mdbook, dir.path());
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    assert!(
        stderr.contains("2 runs (2 trained, 0 from the cache), 1 claims held, 2 figures"),
        "{stderr}"
    );

    let page = std::fs::read_to_string(dir.path().join("book/depth.html")).unwrap();
    assert_eq!(
        page.matches("<figure class=\"experiment-figure").count(),
        2,
        "{page}"
    );
    assert!(
        page.contains("Figure 1.1"),
        "numbered by mdBook's chapter number"
    );
    assert!(page.contains("Figure 1.2"));
    assert!(page.contains("Gradient norms per layer."), "the caption");
    assert!(page.contains("<svg"), "the plot is inline SVG");
    assert!(
        page.contains("href=\"data:text/csv;base64,"),
        "the CSV download"
    );
    assert!(page.contains("download=\"depth.csv\""));
    assert!(
        page.contains("href=\"data:image/svg+xml;base64,"),
        "the SVG download"
    );
    assert!(
        page.contains("<p>After the block.</p>"),
        "Markdown after the block is Markdown"
    );
    assert!(
        page.contains("href=\"#fig-depth-loss\""),
        "{{#ref}} became a link"
    );
    assert!(page.contains("{{#ref depth}} in code stays"));
    let intro = std::fs::read_to_string(dir.path().join("book/index.html")).unwrap();
    assert!(
        intro.contains("href=\"depth.html#fig-depth-grad_norm_by_layer\""),
        "{intro}"
    );

    let second = mdbook_build(&mdbook, dir.path());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    assert!(stderr.contains("(0 trained, 2 from the cache)"), "{stderr}");
    let again = std::fs::read_to_string(dir.path().join("book/depth.html")).unwrap();
    assert_eq!(page, again, "a rebuild gives the same page");
}

#[test]
fn a_failing_claim_fails_mdbook_build_with_the_located_message() {
    let Some(mdbook) = mdbook() else { return };
    let dir = fixture(&BLOCK.replace(
        "max(loss[step=last]) < 100",
        "max(loss[step=last]) < 0.000001",
    ));
    let out = mdbook_build(&mdbook, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let chapter = dir.path().join("src/depth.md");
    assert!(
        stderr.contains(&format!("{}:14", chapter.display())),
        "{stderr}"
    );
    assert!(stderr.contains("loss[step=last]) < 0.000001"), "{stderr}");
    assert!(
        stderr.contains("claim does not hold"),
        "the claim is well formed and fails: {stderr}"
    );
}

#[test]
fn init_mdbook_makes_a_book_both_tools_build() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("fresh");
    let init = Command::new(GRADBOOK)
        .args(["init", "--mdbook"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    assert!(root.join("book.toml").is_file() && root.join("src/SUMMARY.md").is_file());
    assert!(!root.join("content").exists());

    let gradbook = Command::new(GRADBOOK)
        .args(["build", "-q"])
        .current_dir(&root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&gradbook.stderr);
    assert!(gradbook.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "no warnings: {stderr}");
    let site = std::fs::read_to_string(root.join("site/first-experiment.html")).unwrap();
    assert!(site.contains("<svg"));

    let Some(mdbook) = mdbook() else { return };
    let out = mdbook_build(&mdbook, &root);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(root.join("book/first-experiment.html")).unwrap();
    assert!(page.contains("<figure class=\"experiment-figure"));
}
