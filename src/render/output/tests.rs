//! Tests of the staging, the swap and the recovery of interrupted builds.

use super::*;

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn replaces_the_destination_and_leaves_no_staging() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("book");
    std::fs::create_dir_all(dest.join("stale")).unwrap();
    std::fs::write(dest.join("stale/x.html"), "old").unwrap();
    let notes = write_site(&dest, &[OutputFile::new("a/index.html", "new")]).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(
        std::fs::read_to_string(dest.join("a/index.html")).unwrap(),
        "new"
    );
    assert!(
        dest.join(SITE_MARKER).is_file(),
        "the site carries its marker"
    );
    assert!(
        !dest.join("stale").exists(),
        "files of the previous build are gone"
    );
    assert_eq!(names(tmp.path()), vec!["book".to_string()]);
}

#[test]
fn a_write_error_leaves_the_old_site_and_no_staging() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("book");
    write_site(&dest, &[OutputFile::new("index.html", "old")]).unwrap();
    // A file where a directory must go: the write fails half-way.
    let files = [
        OutputFile::new("a", "a file"),
        OutputFile::new("a/b.html", "cannot be written"),
    ];
    assert!(write_site(&dest, &files).is_err());
    assert_eq!(
        std::fs::read_to_string(dest.join("index.html")).unwrap(),
        "old"
    );
    assert_eq!(names(tmp.path()), vec!["book".to_string()]);
}

#[test]
fn a_swap_cut_between_its_renames_is_healed_from_the_old_site() {
    // What a kill between the two renames of the fallback swap leaves: no book/, the
    // previous site as .book.old-<pid>, a half-written staging directory.
    let tmp = tempfile::tempdir().unwrap();
    let old = tmp.path().join(".book.old-4242");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("index.html"), "last good").unwrap();
    let staging = tmp.path().join(".book.staging-4242");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("half.html"), "half").unwrap();

    let dest = tmp.path().join("book");
    assert!(recover(&dest).unwrap().is_empty());
    assert_eq!(
        std::fs::read_to_string(dest.join("index.html")).unwrap(),
        "last good",
        "the last complete site is back"
    );
    assert_eq!(names(tmp.path()), vec!["book".to_string()]);
}

#[test]
fn leftovers_of_earlier_versions_are_found_and_only_they() {
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        ".book.old",
        ".book.staging",
        ".book.old-7",
        ".booklet.old",
        "book",
    ] {
        std::fs::create_dir_all(tmp.path().join(name)).unwrap();
    }
    let found: Vec<String> = build_leftovers(&tmp.path().join("book"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(found, [".book.old", ".book.old-7", ".book.staging"]);
}

#[test]
fn recovery_keeps_a_present_site_and_removes_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("book");
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::write(dest.join("index.html"), "current").unwrap();
    std::fs::create_dir_all(tmp.path().join(".book.old")).unwrap();
    std::fs::write(tmp.path().join(".book.old/index.html"), "older").unwrap();
    recover(&dest).unwrap();
    assert_eq!(
        std::fs::read_to_string(dest.join("index.html")).unwrap(),
        "current"
    );
    assert_eq!(names(tmp.path()), vec!["book".to_string()]);
}

#[test]
fn unchanged_writable_files_are_linked_and_the_rest_written() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let (previous, staging) = (tmp.path().join("book"), tmp.path().join("staging"));
    std::fs::create_dir_all(previous.join("figures")).unwrap();
    std::fs::write(previous.join("same.html"), "same").unwrap();
    std::fs::write(previous.join("figures/changed.svg"), "<svg>old</svg>").unwrap();
    std::fs::write(previous.join("locked.html"), "locked").unwrap();
    let mut read_only = std::fs::metadata(previous.join("locked.html"))
        .unwrap()
        .permissions();
    read_only.set_readonly(true);
    std::fs::set_permissions(previous.join("locked.html"), read_only).unwrap();
    let files = [
        OutputFile::new("same.html", "same"),
        OutputFile::new("figures/changed.svg", "<svg>new</svg>"),
        OutputFile::new("locked.html", "locked"),
        OutputFile::new("new.html", "new"),
    ];
    write_all(&staging, &files, &previous).unwrap();
    let inode = |path: PathBuf| std::fs::metadata(path).unwrap().ino();
    assert_eq!(
        inode(staging.join("same.html")),
        inode(previous.join("same.html"))
    );
    for name in ["figures/changed.svg", "locked.html"] {
        assert_ne!(
            inode(staging.join(name)),
            inode(previous.join(name)),
            "{name}"
        );
    }
    for file in &files {
        assert_eq!(std::fs::read(staging.join(&file.path)).unwrap(), file.bytes);
    }
    // The previous site is as it was.
    let old = std::fs::read_to_string(previous.join("figures/changed.svg")).unwrap();
    assert_eq!(old, "<svg>old</svg>");
}
