//! Where a site may be written. A build replaces its destination whole, so before anything
//! runs the destination is refused when it is, holds or lies inside the book's sources (the
//! root, `content/` or mdBook's `src/`, `templates/`, `.gradbook/`), when it is not a directory, or when it is
//! a non-empty directory that is not a site gradbook built (no [`SITE_MARKER`]): an author's
//! files are never replaced by a mistyped `--dest`.

use std::path::{Component, Path, PathBuf};

use super::output::SITE_MARKER;

/// Why `dest` may not receive the site of the book at `root`, with a hint; `None` when it may.
pub fn check_destination(root: &Path, dest: &Path) -> Option<(String, String)> {
    let shown = dest.display();
    let (Some(root_abs), Some(dest_abs)) = (absolute(root), absolute(dest)) else {
        return Some((
            format!("cannot resolve the destination `{shown}` or the book root"),
            "give a destination path that exists or whose parent can be created".into(),
        ));
    };
    let choose = "choose a new or empty directory, e.g. `--dest book` or `--dest /tmp/site`";
    if root_abs.starts_with(&dest_abs) {
        let what = if root_abs == dest_abs {
            "is the book's root"
        } else {
            "contains the book"
        };
        return Some((
            format!(
                "the destination `{shown}` {what}: building there would replace the book's sources"
            ),
            choose.into(),
        ));
    }
    let chapters = crate::book::watched(root)
        .into_iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    let sources: Vec<String> = ["content", "templates", ".gradbook"]
        .into_iter()
        .map(String::from)
        .chain(chapters)
        .collect();
    for source in &sources {
        if dest_abs.starts_with(root_abs.join(source)) {
            return Some((
                format!(
                    "the destination `{shown}` lies inside the book's `{source}/`: building there would replace its files"
                ),
                choose.into(),
            ));
        }
    }
    let metadata = match std::fs::symlink_metadata(dest) {
        Ok(metadata) => metadata,
        Err(_) => return None, // a new directory
    };
    if metadata.file_type().is_symlink() {
        return Some((
            format!("the destination `{shown}` is a symbolic link"),
            format!(
                "give the directory it points to ({}) instead",
                dest_abs.display()
            ),
        ));
    }
    if !metadata.is_dir() {
        return Some((
            format!("the destination `{shown}` is a file, not a directory"),
            choose.into(),
        ));
    }
    if is_empty_dir(dest) || is_site(dest) {
        return None;
    }
    Some((
        format!(
            "the destination `{shown}` is not empty and is not a site gradbook built (it has no `{SITE_MARKER}` file): building would replace what it holds"
        ),
        format!("{choose}; or move its files away yourself"),
    ))
}

/// A site of this or an earlier gradbook: the marker, or (built before the marker existed)
/// the script, search index and `.nojekyll` every gradbook site has.
fn is_site(dir: &Path) -> bool {
    dir.join(SITE_MARKER).is_file()
        || ["gradbook.js", "search-index.js", ".nojekyll"]
            .iter()
            .all(|name| dir.join(name).is_file())
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// `path` made absolute with symbolic links resolved, for the part that exists; the rest is
/// appended with `.` and `..` applied.
fn absolute(path: &Path) -> Option<PathBuf> {
    let path = std::path::absolute(path).ok()?;
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    let resolved = loop {
        match existing.canonicalize() {
            Ok(resolved) => break resolved,
            Err(_) => {
                rest.push(existing.file_name()?);
                existing = existing.parent()?;
            }
        }
    };
    let mut out = resolved;
    for part in rest.iter().rev() {
        match Path::new(part).components().next() {
            Some(Component::ParentDir) => {
                out.pop();
            }
            Some(Component::CurDir) | None => {}
            _ => out.push(part),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for dir in ["content", "templates", ".git"] {
            std::fs::create_dir_all(tmp.path().join(dir)).unwrap();
        }
        std::fs::write(tmp.path().join("content/a.md"), "# A").unwrap();
        std::fs::write(tmp.path().join(".git/HEAD"), "ref").unwrap();
        tmp
    }

    #[test]
    fn the_sources_and_their_ancestors_are_refused() {
        let tmp = book();
        let root = tmp.path();
        for dest in [
            root.to_path_buf(),
            root.join("."),
            root.join("content"),
            root.join("content/new"),
            root.join("templates"),
            root.join(".gradbook/site"),
            root.join("content/../content"),
            root.parent().unwrap().to_path_buf(),
            PathBuf::from("/"),
        ] {
            let refused = check_destination(root, &dest);
            assert!(refused.is_some(), "{} was accepted", dest.display());
        }
    }

    #[test]
    fn a_non_empty_directory_that_is_not_a_site_is_refused() {
        let tmp = book();
        let root = tmp.path();
        let (message, _) = check_destination(root, &root.join(".git")).unwrap();
        assert!(message.contains("not empty"), "{message}");
        std::fs::write(root.join("notes.txt"), "mine").unwrap();
        assert!(check_destination(root, &root.join("notes.txt")).is_some());
    }

    #[test]
    fn new_empty_and_earlier_sites_are_accepted() {
        let tmp = book();
        let root = tmp.path();
        assert_eq!(check_destination(root, &root.join("book")), None);
        assert_eq!(check_destination(root, &root.join("out/deep/site")), None);
        std::fs::create_dir_all(root.join("empty")).unwrap();
        assert_eq!(check_destination(root, &root.join("empty")), None);
        let site = root.join("site");
        std::fs::create_dir_all(&site).unwrap();
        std::fs::write(site.join(SITE_MARKER), "").unwrap();
        std::fs::write(site.join("index.html"), "").unwrap();
        assert_eq!(check_destination(root, &site), None);
        let legacy = root.join("legacy");
        std::fs::create_dir_all(&legacy).unwrap();
        for name in ["gradbook.js", "search-index.js", ".nojekyll", "index.html"] {
            std::fs::write(legacy.join(name), "").unwrap();
        }
        assert_eq!(check_destination(root, &legacy), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_refused() {
        let tmp = book();
        let root = tmp.path();
        std::os::unix::fs::symlink(root.join("content"), root.join("link")).unwrap();
        assert!(check_destination(root, &root.join("link")).is_some());
    }
}
