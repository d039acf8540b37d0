//! Watching a book's sources (`content/`, which holds book.toml, and `templates/`) for
//! changes. Editors save in bursts (temp file, rename, chmod): a change is reported once the
//! files have been quiet for a moment, so one save is one rebuild.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

/// How long the files must stay quiet before a burst of events counts as one change. An
/// editor's save (temp file, rename, chmod) is a burst of well under a millisecond; this is
/// part of every preview's delay, so it stays short.
const QUIET: Duration = Duration::from_millis(60);

pub struct SourceWatcher {
    // Dropping the watcher stops the events: keep it alive as long as the receiver.
    _watcher: RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    /// Files watched through their folder (mdBook's book.toml beside the site): only their
    /// own events count, not the site's swap in the same folder.
    single_files: Vec<PathBuf>,
}

impl SourceWatcher {
    pub fn start(root: &Path) -> io::Result<Self> {
        let (tx, events) = channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = tx.send(event);
        })
        .map_err(io::Error::other)?;
        let mut single_files = Vec::new();
        let mut watched = crate::book::watched(root);
        watched.push(root.join("templates"));
        for path in watched {
            // Canonical, so reported paths read `/book/content/a.md`, not `/book/./content/a.md`.
            let Ok(path) = path.canonicalize() else {
                continue;
            };
            if path.is_dir() {
                watcher
                    .watch(&path, RecursiveMode::Recursive)
                    .map_err(io::Error::other)?;
            } else if let Some(folder) = path.parent() {
                // Editors replace a file by renaming a new one over it: watch its folder.
                watcher
                    .watch(folder, RecursiveMode::NonRecursive)
                    .map_err(io::Error::other)?;
                single_files.push(path);
            }
        }
        Ok(SourceWatcher {
            _watcher: watcher,
            events,
            single_files,
        })
    }

    /// Block until a source file changes and the burst is over; the files that changed.
    pub fn next_change(&self) -> Result<Vec<PathBuf>, String> {
        let mut changed: Vec<PathBuf> = Vec::new();
        loop {
            let event = if changed.is_empty() {
                self.events
                    .recv()
                    .map_err(|_| "the file watcher stopped".to_string())?
            } else {
                match self.events.recv_timeout(QUIET) {
                    Ok(event) => event,
                    Err(RecvTimeoutError::Timeout) => return Ok(changed),
                    Err(RecvTimeoutError::Disconnected) => {
                        return Err("the file watcher stopped".into());
                    }
                }
            };
            let event = event.map_err(|e| format!("file watcher: {e}"))?;
            if matches!(event.kind, EventKind::Access(_)) {
                continue;
            }
            for path in event.paths {
                let beside_a_single_file = self
                    .single_files
                    .iter()
                    .any(|file| file.parent() == path.parent());
                if beside_a_single_file && !self.single_files.contains(&path) {
                    continue;
                }
                if !is_editor_scratch(&path) && !changed.contains(&path) {
                    changed.push(path);
                }
            }
        }
    }
}

/// Swap and backup files that editors write next to the real one.
fn is_editor_scratch(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.ends_with('~')
        || name.starts_with(".#")
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name == "4913" // vim's write test file
}
