//! Writing the site: every file goes into a staging directory of this process beside the
//! destination, which replaces the destination only once the whole site is written. On Linux
//! the two are exchanged in one `renameat2(RENAME_EXCHANGE)`, so the destination is always a
//! complete site, old or new; elsewhere (or on a file system without it) two renames, and a
//! build interrupted between them is healed by [`recover`] at the start of the next build or
//! `clean`. A failed build leaves the previous site untouched and nothing beside it.
//!
//! The caller holds the book's lock ([`crate::lock::BookLock`]), so leftovers found here
//! belong to builds that died.

use std::io;
use std::path::{Path, PathBuf};

/// The file every site gradbook writes carries at its root: a non-empty destination without
/// it is not replaced (see [`crate::render::check_destination`]).
pub const SITE_MARKER: &str = ".gradbook-site";

const MARKER_TEXT: &str =
    "This directory is a site built by gradbook: `gradbook build` replaces it whole.\n";

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

/// Write `files` (plus [`SITE_MARKER`]) as the new content of `dest` (created if missing).
/// Returns notes worth a warning: leftovers that could not be removed.
pub fn write_site(dest: &Path, files: &[OutputFile]) -> io::Result<Vec<String>> {
    let mut notes = recover(dest)?;
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let staging = Staging::new(leftover_path(dest, "staging"));
    write_all(&staging.path, files, dest)?;
    if !dest.exists() {
        std::fs::rename(&staging.path, dest)?;
        staging.disarm();
        return Ok(notes);
    }
    let old = match exchange(&staging.path, dest) {
        // The previous site now sits at the staging path.
        Ok(()) => staging.disarm(),
        Err(_) => {
            let old = leftover_path(dest, "old");
            std::fs::rename(dest, &old)?;
            if let Err(e) = std::fs::rename(&staging.path, dest) {
                // Put the previous site back rather than leave no site at all.
                let _ = std::fs::rename(&old, dest);
                return Err(e);
            }
            staging.disarm();
            old
        }
    };
    notes.extend(remove_leftover(&old));
    Ok(notes)
}

/// Heal what an interrupted build left beside `dest`: with `dest` missing, the newest
/// `.<name>.old-*` (the last complete site) is put back; then every staging and old directory
/// is removed. Returns notes on leftovers that could not be removed (they are left in place
/// and never block a build).
pub fn recover(dest: &Path) -> io::Result<Vec<String>> {
    let mut leftovers = build_leftovers(dest);
    if !dest.exists() {
        let newest_old = leftovers
            .iter()
            .filter(|path| is_old(dest, path))
            .max_by_key(|path| modified(path))
            .cloned();
        if let Some(old) = newest_old {
            std::fs::rename(&old, dest)?;
            leftovers.retain(|path| *path != old);
        }
    }
    Ok(leftovers
        .iter()
        .filter_map(|path| remove_leftover(path))
        .collect())
}

/// The directories interrupted builds left beside `dest`: `.<name>.staging-<pid>` and
/// `.<name>.old-<pid>` (and the `.<name>.staging` / `.<name>.old` of earlier versions).
pub fn build_leftovers(dest: &Path) -> Vec<PathBuf> {
    let prefix = leftover_prefix(dest);
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&parent) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            ["staging", "old"].iter().any(|what| {
                let stem = format!("{prefix}{what}");
                name == stem || name.starts_with(&format!("{stem}-"))
            })
        })
        .map(|entry| entry.path())
        .collect();
    found.sort();
    found
}

fn is_old(dest: &Path, path: &Path) -> bool {
    let prefix = format!("{}old", leftover_prefix(dest));
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
}

fn modified(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or(std::time::UNIX_EPOCH)
}

/// `book` → `.book.`, so leftovers sit in the same directory and the rename stays on one file
/// system.
fn leftover_prefix(dest: &Path) -> String {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "book".into());
    format!(".{name}.")
}

/// `.book.staging-<pid>`: each process its own, so two builds never write into one directory.
fn leftover_path(dest: &Path, what: &str) -> PathBuf {
    dest.with_file_name(format!(
        "{}{what}-{}",
        leftover_prefix(dest),
        std::process::id()
    ))
}

fn write_all(root: &Path, files: &[OutputFile], previous: &Path) -> io::Result<()> {
    std::fs::create_dir_all(root)?;
    for file in files {
        let path = root.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if !reuse_unchanged(&previous.join(&file.path), &path, &file.bytes) {
            std::fs::write(&path, &file.bytes)?;
        }
    }
    std::fs::write(root.join(SITE_MARKER), MARKER_TEXT)
}

/// Hard-link the previous site's file at `old` to `new` when it already holds `bytes` and is
/// writable: most files of a rebuild after a prose edit are unchanged, and a link costs
/// neither the write nor, later, freeing the old copy. Anything else (no such file, other
/// bytes, read-only, another file system) is written afresh.
fn reuse_unchanged(old: &Path, new: &Path, bytes: &[u8]) -> bool {
    let Ok(metadata) = std::fs::symlink_metadata(old) else {
        return false;
    };
    if !metadata.is_file()
        || metadata.len() != bytes.len() as u64
        || metadata.permissions().readonly()
    {
        return false;
    }
    std::fs::read(old).is_ok_and(|held| held == bytes) && std::fs::hard_link(old, new).is_ok()
}

/// Swap two directories in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Remove a leftover directory; one whose files are read-only is made writable first. What
/// still cannot be removed is left where it is (it never blocks a later build, whose own
/// directories carry its own process id) and reported.
fn remove_leftover(path: &Path) -> Option<String> {
    let first = match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => e,
        _ => return None,
    };
    make_writable(path);
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Some(format!(
            "could not remove {} ({first}; then {e}); remove it yourself, nothing depends on it",
            path.display()
        )),
        _ => None,
    }
}

fn make_writable(path: &Path) {
    for entry in walkdir::WalkDir::new(path)
        .into_iter()
        .filter_map(Result::ok)
    {
        if let Ok(metadata) = entry.metadata() {
            let mut permissions = metadata.permissions();
            #[allow(clippy::permissions_set_readonly_false)] // owner-writable is what we want
            permissions.set_readonly(false);
            let _ = std::fs::set_permissions(entry.path(), permissions);
        }
    }
}

/// The staging directory, removed when dropped unless the site was swapped in: every early
/// return (a write error, a failed rename) leaves nothing behind.
struct Staging {
    path: PathBuf,
    armed: bool,
}

impl Staging {
    fn new(path: PathBuf) -> Self {
        let _ = std::fs::remove_dir_all(&path);
        Staging { path, armed: true }
    }

    /// Keep the directory; returns its path.
    fn disarm(mut self) -> PathBuf {
        self.armed = false;
        std::mem::take(&mut self.path)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

#[cfg(test)]
mod tests;
