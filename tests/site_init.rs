//! `gradbook init DIR` makes a book that builds at once, with a valid GitHub Pages workflow;
//! `gradbook clean` removes the cache and build leftovers but not the site.

use std::process::Command;

use yaml_rust::YamlLoader;

fn gradbook(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gradbook"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run gradbook")
}

#[test]
fn init_makes_a_book_that_builds_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = gradbook(&["init", "x"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let book = tmp.path().join("x");
    for file in [
        "content/book.toml",
        "content/SUMMARY.md",
        "content/first-experiment.md",
        ".github/workflows/pages.yml",
    ] {
        assert!(book.join(file).is_file(), "{file}");
    }
    let out = gradbook(&["build"], &book);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(book.join("book/first-experiment.html")).unwrap();
    assert!(
        page.contains("<svg"),
        "the sample experiment drew its figure"
    );

    let again = gradbook(&["init", "x"], tmp.path());
    assert!(!again.status.success(), "init refuses to overwrite a book");

    std::fs::create_dir_all(book.join(".gradbook/cache")).unwrap();
    std::fs::create_dir_all(book.join(".book.staging")).unwrap();
    let out = gradbook(&["clean"], &book);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!book.join(".gradbook/cache").exists() && !book.join(".book.staging").exists());
    assert!(
        book.join("book/index.html").exists(),
        "clean keeps the last good site"
    );
}

/// Both workflows (this repository's and the one `init` writes) deploy with the official
/// Pages actions.
#[test]
fn workflows_are_valid_yaml_with_the_pages_steps() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(gradbook(&["init", "y"], tmp.path()).status.success());
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for path in [
        repo.join(".github/workflows/pages.yml"),
        tmp.path().join("y/.github/workflows/pages.yml"),
    ] {
        let text = std::fs::read_to_string(&path).unwrap();
        let docs =
            YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let workflow = &docs[0];
        assert_eq!(workflow["on"]["push"]["branches"][0].as_str(), Some("main"));
        assert_eq!(workflow["permissions"]["pages"].as_str(), Some("write"));
        assert_eq!(workflow["permissions"]["id-token"].as_str(), Some("write"));
        let uses = |job: &str| -> Vec<String> {
            workflow["jobs"][job]["steps"]
                .as_vec()
                .unwrap()
                .iter()
                .filter_map(|s| {
                    s["uses"]
                        .as_str()
                        .map(|u| u.split('@').next().unwrap().to_string())
                })
                .collect()
        };
        let build = uses("build");
        for action in [
            "actions/checkout",
            "actions/configure-pages",
            "actions/upload-pages-artifact",
        ] {
            assert!(
                build.contains(&action.to_string()),
                "{}: {build:?}",
                path.display()
            );
        }
        assert_eq!(uses("deploy"), vec!["actions/deploy-pages"]);
        assert!(text.contains("path: book"));
    }
}
