//! Writing the site: every file goes into a staging directory beside the destination, which
//! replaces the destination only once the whole site is written. A failed build leaves the
//! previous site untouched.

use std::io;
use std::path::{Path, PathBuf};

/// A file of the site, relative to its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// Write `files` as the new content of `dest` (created if missing).
pub fn write_site(dest: &Path, files: &[OutputFile]) -> io::Result<()> {
    let staging = sibling(dest, "staging");
    let old = sibling(dest, "old");
    remove_if_present(&staging)?;
    let written = write_all(&staging, files);
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    remove_if_present(&old)?;
    if dest.exists() {
        std::fs::rename(dest, &old)?;
    }
    if let Err(e) = std::fs::rename(&staging, dest) {
        // Put the previous site back rather than leave no site at all.
        if old.exists() {
            let _ = std::fs::rename(&old, dest);
        }
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    remove_if_present(&old)
}

fn write_all(root: &Path, files: &[OutputFile]) -> io::Result<()> {
    std::fs::create_dir_all(root)?;
    for file in files {
        let path = root.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.bytes)?;
    }
    Ok(())
}

/// The directories an interrupted build may leave beside `dest` (`.book.staging`, `.book.old`).
pub fn build_leftovers(dest: &Path) -> [PathBuf; 2] {
    [sibling(dest, "staging"), sibling(dest, "old")]
}

/// `book` → `.book.staging` in the same directory, so the final rename stays on one file system.
fn sibling(dest: &Path, what: &str) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "book".into());
    dest.with_file_name(format!(".{name}.{what}"))
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_destination_and_leaves_no_staging() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("book");
        std::fs::create_dir_all(dest.join("stale")).unwrap();
        std::fs::write(dest.join("stale/x.html"), "old").unwrap();
        write_site(&dest, &[OutputFile::new("a/index.html", "new")]).unwrap();
        assert_eq!(
            std::fs::read_to_string(dest.join("a/index.html")).unwrap(),
            "new"
        );
        assert!(
            !dest.join("stale").exists(),
            "files of the previous build are gone"
        );
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("book")]);
    }
}
