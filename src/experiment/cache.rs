//! The run cache: one file per (normalized spec, seed, engine version) under
//! `<book>/.gradbook/cache/`, so a rebuild after a prose edit trains nothing. An entry is the
//! run's outcome in CBOR (serde), tagged with the cache's format and the entry's key, deflated
//! (a quarter of the size), after a checksum of those bytes: an entry that is damaged,
//! truncated, of another format or of another key is ignored and the run retrained.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::results::RunOutcome;

/// Bump when the engine's numbers change or it records new metrics, so old entries are
/// never reused (6: bias_update_norm and alpha).
pub const ENGINE_VERSION: &str = "6";

/// Bump when what an entry holds changes shape.
const FORMAT: u32 = 3;

/// The checksum's length: a BLAKE3 hash.
const CHECKSUM_BYTES: usize = 32;

/// Why a stored entry was not used (the run is then trained again).
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error("shorter than its checksum")]
    Truncated,
    #[error("its checksum does not match its content")]
    Damaged,
    #[error("not a cache entry of this shape: {0}")]
    Unreadable(#[from] ciborium::de::Error<std::io::Error>),
    #[error("written by cache format {0}")]
    OtherFormat(u32),
    #[error("the entry of another run ({0})")]
    OtherKey(String),
}

/// What an entry file holds after its checksum.
#[derive(Serialize, Deserialize)]
struct Entry<O> {
    format: u32,
    key: String,
    outcome: O,
}

/// Where entries live, or nowhere (`--no-cache`).
#[derive(Debug, Clone)]
pub struct Cache {
    dir: Option<PathBuf>,
    /// Entries are deflated (runs: a quarter of the size), or stored as they are (figures:
    /// inflating them took longer than the rest of a warm rebuild's reading).
    deflate: bool,
}

impl Cache {
    /// The cache of the book at `root`: `<root>/.gradbook/cache`.
    pub fn for_book(root: &Path) -> Self {
        Cache {
            dir: Some(root.join(".gradbook").join("cache")),
            deflate: true,
        }
    }

    /// Entries under `dir`, not deflated, for what a layer above keeps beside the runs (the
    /// book's drawn figures), checked as the runs' are.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Cache {
            dir: Some(dir.into()),
            deflate: false,
        }
    }

    pub fn disabled() -> Self {
        Cache {
            dir: None,
            deflate: true,
        }
    }

    #[cfg(test)]
    fn path(&self, key: &str) -> Option<PathBuf> {
        self.entry_path(key, "run")
    }

    fn entry_path(&self, key: &str, extension: &str) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|dir| dir.join(format!("{key}.{extension}")))
    }

    /// The stored outcome, if present and intact.
    pub fn load(&self, key: &str) -> Option<RunOutcome> {
        self.load_entry(key, "run")
    }

    /// Store an outcome. Failing to write only costs a recomputation later, so errors are
    /// ignored; the write goes through a temporary file so readers never see half an entry.
    pub fn store(&self, key: &str, outcome: &RunOutcome) {
        self.store_entry(key, "run", outcome);
    }

    /// The value stored under `key` in `<key>.<extension>`, if present, intact, of this
    /// format and of this shape.
    pub fn load_entry<O: DeserializeOwned>(&self, key: &str, extension: &str) -> Option<O> {
        let bytes = std::fs::read(self.entry_path(key, extension)?).ok()?;
        open(&bytes, key, self.deflate).ok()
    }

    /// Store `value` under `key`, as [`Cache::store`] does.
    pub fn store_entry<O: Serialize>(&self, key: &str, extension: &str, value: &O) {
        let Some(path) = self.entry_path(key, extension) else {
            return;
        };
        let Some(dir) = path.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let temporary = path.with_extension(format!("tmp{}", std::process::id()));
        let entry = Entry {
            format: FORMAT,
            key: key.to_string(),
            outcome: value,
        };
        let Some(bytes) = seal(&entry, self.deflate) else {
            return;
        };
        if std::fs::write(&temporary, bytes).is_ok() {
            let _ = std::fs::rename(&temporary, &path);
        }
        let _ = std::fs::remove_file(&temporary);
    }
}

/// Remove the book's cache (`gradbook clean`): everything under `<root>/.gradbook/` but the
/// build lock, which another process may be waiting on.
pub fn clean(root: &Path) -> std::io::Result<()> {
    let dir = root.join(".gradbook");
    let entries = match std::fs::read_dir(&dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_name() == "lock" {
            continue;
        }
        let removed = if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())
        } else {
            std::fs::remove_file(entry.path())
        };
        match removed {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// The checksum, then the CBOR of `entry`, deflated if asked.
fn seal<O: Serialize>(entry: &Entry<O>, deflate: bool) -> Option<Vec<u8>> {
    let body = if deflate {
        let mut body = DeflateEncoder::new(Vec::new(), Compression::default());
        ciborium::into_writer(entry, &mut body).ok()?;
        body.finish().ok()?
    } else {
        let mut body = Vec::new();
        ciborium::into_writer(entry, &mut body).ok()?;
        body
    };
    let mut bytes = blake3::hash(&body).as_bytes().to_vec();
    bytes.extend(body);
    Some(bytes)
}

/// The outcome in `bytes`, if the checksum matches and the entry is of this format and key.
#[cfg(test)]
fn decode(bytes: &[u8], key: &str) -> Result<RunOutcome, Refused> {
    open(bytes, key, true)
}

/// The value in `bytes`, if the checksum matches and the entry is of this format and key.
fn open<O: DeserializeOwned>(bytes: &[u8], key: &str, deflated: bool) -> Result<O, Refused> {
    let (checksum, body) = bytes
        .split_at_checked(CHECKSUM_BYTES)
        .ok_or(Refused::Truncated)?;
    if blake3::hash(body).as_bytes() != checksum {
        return Err(Refused::Damaged);
    }
    // Inflated whole first: ciborium reads a byte at a time, which through the decoder
    // costs a call each (measured: the cached build's run stage took twice as long).
    let mut inflated = Vec::new();
    let cbor = if deflated {
        inflated.reserve(body.len() * 4);
        DeflateDecoder::new(body)
            .read_to_end(&mut inflated)
            .map_err(|e| Refused::Unreadable(ciborium::de::Error::Io(e)))?;
        inflated.as_slice()
    } else {
        body
    };
    let entry: Entry<O> = ciborium::from_reader(cbor)?;
    if entry.format != FORMAT {
        return Err(Refused::OtherFormat(entry.format));
    }
    if entry.key != key {
        return Err(Refused::OtherKey(entry.key));
    }
    Ok(entry.outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::results::Measurement;
    use crate::nn::{DecisionGrid, Divergence, GridSpec, Histogram, HistogramOf, Metric};

    fn measurement(step: u64, layer: Option<u32>, metric: Metric, value: f64) -> Measurement {
        Measurement {
            step,
            layer,
            metric,
            value,
        }
    }

    fn outcome() -> RunOutcome {
        RunOutcome {
            measurements: vec![
                measurement(0, None, Metric::Loss, 0.123_456_789_012_345_68),
                measurement(0, Some(3), Metric::GradNorm, 1.849e-6),
                measurement(7, Some(1), Metric::GradNorm, f64::MIN_POSITIVE),
            ],
            diverged: Some(Divergence {
                step: 8,
                what: "loss is NaN".into(),
            }),
            histograms: vec![Histogram {
                step: 0,
                layer: 2,
                of: HistogramOf::Gradients,
                edges: vec![-3.5, -2.25, -1.0],
                counts: vec![4, 0],
            }],
            grid: Some(DecisionGrid {
                spec: GridSpec {
                    x: (-1.5, 1.25),
                    y: (0.0, 2.0),
                    resolution: 2,
                },
                classes: vec![0, 1, 1, 0],
                confidence: vec![0.5, 0.75, 1.0, 0.625],
            }),
            problem: None,
        }
    }

    #[test]
    fn round_trips_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::for_book(dir.path());
        cache.store("abc", &outcome());
        assert_eq!(cache.load("abc"), Some(outcome()));
        assert_eq!(cache.load("other"), None);
    }

    /// A cached build must be byte-identical to a fresh one, so every f64 comes back with the
    /// same bits: signed zeros, infinities, NaN (with its payload), subnormals.
    #[test]
    fn every_float_comes_back_bit_for_bit() {
        let specials = [
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7ff8_0000_dead_beef),
            f64::MIN_POSITIVE / 3.0,
            f64::MAX,
            0.1,
            1.0 / 3.0,
            1.5,
            65504.0,
        ];
        let mut stored = outcome();
        stored.measurements = specials
            .iter()
            .map(|&v| measurement(1, None, Metric::Loss, v))
            .collect();
        stored.histograms[0].edges = specials.to_vec();
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::for_book(dir.path());
        cache.store("abc", &stored);
        let loaded = cache.load("abc").expect("stored entries load");
        let bits = |o: &RunOutcome| -> Vec<u64> {
            let values = o.measurements.iter().map(|m| m.value);
            values
                .chain(o.histograms[0].edges.iter().copied())
                .map(f64::to_bits)
                .collect()
        };
        assert_eq!(bits(&loaded), bits(&stored));
    }

    #[test]
    fn truncated_or_altered_entries_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::for_book(dir.path());
        cache.store("abc", &outcome());
        let path = cache.path("abc").unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert_eq!(cache.load("abc"), None, "truncated");
        assert!(matches!(
            decode(&bytes[..bytes.len() / 2], "abc"),
            Err(Refused::Damaged)
        ));
        assert!(matches!(
            decode(&bytes[..10], "abc"),
            Err(Refused::Truncated)
        ));
        for position in [0, CHECKSUM_BYTES, bytes.len() / 2, bytes.len() - 1] {
            let mut altered = bytes.clone();
            altered[position] ^= 0x10;
            std::fs::write(&path, &altered).unwrap();
            assert_eq!(cache.load("abc"), None, "byte {position} altered");
            assert!(matches!(decode(&altered, "abc"), Err(Refused::Damaged)));
        }
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(cache.load("abc"), Some(outcome()), "the intact entry");
    }

    /// Entries of another key, of another format of this cache, or of the text format before
    /// it, are retrained, not read.
    #[test]
    fn entries_of_another_key_or_format_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::for_book(dir.path());
        let path = cache.path("abc").unwrap();
        let write_entry = |format: u32, key: &str| {
            let entry = Entry {
                format,
                key: key.into(),
                outcome: outcome(),
            };
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, seal(&entry, true).unwrap()).unwrap();
        };
        write_entry(FORMAT, "abc");
        assert_eq!(cache.load("abc"), Some(outcome()), "this format and key");
        write_entry(FORMAT, "abd");
        assert_eq!(cache.load("abc"), None, "entry of another key");
        let stored = std::fs::read(&path).unwrap();
        assert!(matches!(decode(&stored, "abc"), Err(Refused::OtherKey(k)) if k == "abd"));
        write_entry(FORMAT + 1, "abc");
        assert_eq!(cache.load("abc"), None, "entry of another format");
        let stored = std::fs::read(&path).unwrap();
        assert!(matches!(decode(&stored, "abc"), Err(Refused::OtherFormat(f)) if f == FORMAT + 1));
        // An entry of an older shape: the same checksum and tags around other data.
        let old = Entry {
            format: FORMAT,
            key: "abc".to_string(),
            outcome: vec![("loss", 1.0)],
        };
        let bytes = seal(&old, true).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(cache.load("abc"), None, "an outcome of another shape");
        assert!(matches!(decode(&bytes, "abc"), Err(Refused::Unreadable(_))));
        let text = "gradbook-run-cache 1\nkey abc\nrows 0\nhistograms 0\nchecksum 00\n";
        std::fs::write(&path, text).unwrap();
        assert_eq!(cache.load("abc"), None, "the text format before");
    }

    #[test]
    fn clean_removes_the_cache_and_tolerates_none() {
        let dir = tempfile::tempdir().unwrap();
        Cache::for_book(dir.path()).store("abc", &outcome());
        std::fs::write(dir.path().join(".gradbook/lock"), "").unwrap();
        std::fs::write(dir.path().join(".gradbook/stray"), "").unwrap();
        clean(dir.path()).unwrap();
        let left: Vec<_> = std::fs::read_dir(dir.path().join(".gradbook"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["lock"], "everything but the build lock is gone");
        std::fs::remove_dir_all(dir.path().join(".gradbook")).unwrap();
        clean(dir.path()).unwrap();
    }
}
