//! One build of a book at a time: an exclusive advisory lock (`flock`, through `std`'s
//! `File::lock`) on `<root>/.gradbook/lock`, held while a build writes the cache and the site
//! and while `clean` removes them. A second build (say, `serve` rebuilding on save while the
//! author runs `build`) waits for the first. The lock goes with the process, so a build killed
//! with `kill -9` never leaves a stale lock; the file itself stays (removing it while another
//! process waits on it would let a third one in).

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// The held lock; released when dropped.
#[derive(Debug)]
pub struct BookLock {
    _file: File,
    path: PathBuf,
}

impl BookLock {
    /// The lock file of the book at `root`.
    pub fn path_for(root: &Path) -> PathBuf {
        root.join(".gradbook").join("lock")
    }

    /// Take the lock, calling `waiting` once first when another process holds it.
    pub fn acquire(root: &Path, waiting: impl FnOnce(&Path)) -> io::Result<BookLock> {
        let path = Self::path_for(root);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                waiting(&path);
                file.lock()?;
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
        Ok(BookLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_second_taker_waits_until_the_first_lets_go() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let first = BookLock::acquire(&root, |_| panic!("nobody holds it yet")).unwrap();
        let (told, waited) = mpsc::channel();
        let (done, finished) = mpsc::channel();
        let other = std::thread::spawn(move || {
            let lock = BookLock::acquire(&root, |path| told.send(path.to_path_buf()).unwrap());
            done.send(()).unwrap();
            lock.map(drop)
        });
        let path = waited.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(path, first.path());
        assert!(
            finished.recv_timeout(Duration::from_millis(300)).is_err(),
            "the second taker must wait while the first holds the lock"
        );
        drop(first);
        finished.recv_timeout(Duration::from_secs(10)).unwrap();
        other.join().unwrap().unwrap();
    }
}
