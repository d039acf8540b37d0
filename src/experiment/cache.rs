//! The run cache: one file per (normalized spec, seed, engine version) under
//! `<book>/.gradbook/cache/`, so a rebuild after a prose edit trains nothing. Entries end with a
//! checksum of their content; a corrupted or truncated entry is ignored and recomputed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::results::HistogramOf;
use super::run::{Grid, LayerHistogram, Measurement, RunOutcome};

/// Bump when the engine's numbers change, so old entries are never reused.
pub const ENGINE_VERSION: &str = "5";

const MAGIC: &str = "gradbook-run-cache 1";

/// Where entries live, or nowhere (`--no-cache`).
#[derive(Debug, Clone)]
pub struct Cache {
    dir: Option<PathBuf>,
}

impl Cache {
    /// The cache of the book at `root`: `<root>/.gradbook/cache`.
    pub fn for_book(root: &Path) -> Self {
        Cache {
            dir: Some(root.join(".gradbook").join("cache")),
        }
    }

    pub fn disabled() -> Self {
        Cache { dir: None }
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|dir| dir.join(format!("{key}.run")))
    }

    /// The stored outcome, if present and intact.
    pub fn load(&self, key: &str) -> Option<RunOutcome> {
        let text = std::fs::read_to_string(self.path(key)?).ok()?;
        decode(&text, key)
    }

    /// Store an outcome. Failing to write only costs a recomputation later, so errors are
    /// ignored; the write goes through a temporary file so readers never see half an entry.
    pub fn store(&self, key: &str, outcome: &RunOutcome) {
        let Some(path) = self.path(key) else { return };
        let Some(dir) = path.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let temporary = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&temporary, encode(outcome, key)).is_ok() {
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

fn encode(outcome: &RunOutcome, key: &str) -> String {
    let mut body = format!("{MAGIC}\nkey {key}\n");
    if let Some((step, what)) = &outcome.diverged {
        let _ = writeln!(body, "diverged {step} {}", what.replace('\n', " "));
    }
    let _ = writeln!(body, "rows {}", outcome.measurements.len());
    for m in &outcome.measurements {
        let layer = m.layer.map_or("-".to_string(), |l| l.to_string());
        // `{}` of an f64 is the shortest text that parses back to the same bits.
        let _ = writeln!(body, "{}\t{layer}\t{}\t{}", m.step, m.metric, m.value);
    }
    let _ = writeln!(body, "histograms {}", outcome.histograms.len());
    for h in &outcome.histograms {
        let of = match h.of {
            HistogramOf::Activations => "activations",
            HistogramOf::Gradients => "gradients",
        };
        let _ = writeln!(
            body,
            "{}\t{}\t{of}\t{}\t{}",
            h.step,
            h.layer,
            join(&h.edges),
            join(&h.counts)
        );
    }
    if let Some(g) = &outcome.grid {
        let _ = writeln!(
            body,
            "grid {} {} {} {} {} {}",
            g.x_range.0,
            g.x_range.1,
            g.y_range.0,
            g.y_range.1,
            g.resolution,
            join(&g.classes)
        );
    }
    let checksum = blake3::hash(body.as_bytes()).to_hex();
    body.push_str(&format!("checksum {checksum}\n"));
    body
}

fn join<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn split<T: std::str::FromStr>(text: &str) -> Option<Vec<T>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',').map(|v| v.parse().ok()).collect()
}

fn decode(text: &str, key: &str) -> Option<RunOutcome> {
    let body_end = text.rfind("checksum ")?;
    let (body, trailer) = text.split_at(body_end);
    if trailer.trim_end() != format!("checksum {}", blake3::hash(body.as_bytes()).to_hex()) {
        return None;
    }
    let mut lines = body.lines().peekable();
    if lines.next()? != MAGIC || lines.next()? != format!("key {key}") {
        return None;
    }
    let mut outcome = RunOutcome::default();
    if let Some(rest) = lines.peek().and_then(|l| l.strip_prefix("diverged ")) {
        let (step, what) = rest.split_once(' ')?;
        outcome.diverged = Some((step.parse().ok()?, what.to_string()));
        lines.next();
    }
    let count: usize = lines.next()?.strip_prefix("rows ")?.parse().ok()?;
    for _ in 0..count {
        let mut fields = lines.next()?.split('\t');
        let step = fields.next()?.parse().ok()?;
        let layer = match fields.next()? {
            "-" => None,
            n => Some(n.parse().ok()?),
        };
        let metric = fields.next()?.to_string();
        let value = fields.next()?.parse().ok()?;
        outcome.measurements.push(Measurement {
            step,
            layer,
            metric,
            value,
        });
    }
    let count: usize = lines.next()?.strip_prefix("histograms ")?.parse().ok()?;
    for _ in 0..count {
        let fields: Vec<&str> = lines.next()?.split('\t').collect();
        let [step, layer, of, edges, counts] = fields.as_slice() else {
            return None;
        };
        let of = match *of {
            "activations" => HistogramOf::Activations,
            "gradients" => HistogramOf::Gradients,
            _ => return None,
        };
        outcome.histograms.push(LayerHistogram {
            step: step.parse().ok()?,
            layer: layer.parse().ok()?,
            of,
            edges: split(edges)?,
            counts: split(counts)?,
        });
    }
    if let Some(rest) = lines.peek().and_then(|l| l.strip_prefix("grid ")) {
        let fields: Vec<&str> = rest.split(' ').collect();
        let [x0, x1, y0, y1, resolution, classes] = fields.as_slice() else {
            return None;
        };
        outcome.grid = Some(Grid {
            x_range: (x0.parse().ok()?, x1.parse().ok()?),
            y_range: (y0.parse().ok()?, y1.parse().ok()?),
            resolution: resolution.parse().ok()?,
            classes: split(classes)?,
        });
        lines.next();
    }
    lines.next().is_none().then_some(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome() -> RunOutcome {
        RunOutcome {
            measurements: vec![
                Measurement {
                    step: 0,
                    layer: None,
                    metric: "loss".into(),
                    value: 0.123_456_789_012_345_68,
                },
                Measurement {
                    step: 0,
                    layer: Some(3),
                    metric: "grad_norm".into(),
                    value: 1.849e-6,
                },
                Measurement {
                    step: 7,
                    layer: Some(1),
                    metric: "grad_norm".into(),
                    value: f64::MIN_POSITIVE,
                },
            ],
            diverged: Some((8, "loss is NaN".into())),
            histograms: vec![LayerHistogram {
                step: 0,
                layer: 2,
                of: HistogramOf::Gradients,
                edges: vec![-3.5, -2.25, -1.0],
                counts: vec![4, 0],
            }],
            grid: Some(Grid {
                x_range: (-1.5, 1.25),
                y_range: (0.0, 2.0),
                resolution: 2,
                classes: vec![0, 1, 1, 0],
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

    #[test]
    fn truncated_or_altered_entries_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::for_book(dir.path());
        cache.store("abc", &outcome());
        let path = cache.path("abc").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        assert_eq!(cache.load("abc"), None, "truncated");
        std::fs::write(&path, text.replace("0.12345", "0.12346")).unwrap();
        assert_eq!(cache.load("abc"), None, "altered");
        std::fs::write(&path, text.replace("key abc", "key abd")).unwrap();
        assert_eq!(cache.load("abc"), None, "entry of another key");
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
