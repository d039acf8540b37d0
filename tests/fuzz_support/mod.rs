//! Shared machinery of the fuzz targets (tests/fuzz_*.rs): how many cases to run (from the
//! environment), the switch for inputs that still crash known defects, a watchdog that turns
//! a hang into a failure naming its input, and byte-level mutation of valid seed inputs.
#![allow(dead_code)] // each fuzz file uses a different part of it

pub mod blocks;
pub mod claims;
pub mod keys;
pub mod latex;
pub mod summary;

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, FileFailurePersistence};

/// Cases per property: `GRADBOOK_FUZZ_CASES` if set, else `default` (the CI slice).
/// `weight` scales it for targets that cost more or less than a parser call.
pub fn cases(default: u32, weight: f64) -> u32 {
    let base = std::env::var("GRADBOOK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(default);
    ((base as f64 * weight).round() as u32).max(1)
}

/// `GRADBOOK_FUZZ_KNOWN=1` also generates the shapes of defects still open (deep nesting,
/// huge sizes, huge sweeps): they abort or exhaust memory until their fixes land.
pub fn known_defects() -> bool {
    std::env::var("GRADBOOK_FUZZ_KNOWN").is_ok_and(|v| v == "1")
}

/// `GRADBOOK_FUZZ_VERBOSE=1` prints why inputs were rejected, to tune the generators.
pub fn verbose() -> bool {
    std::env::var("GRADBOOK_FUZZ_VERBOSE").is_ok_and(|v| v == "1")
}

/// proptest's configuration for a target: failures are shrunk (briefly) and their seeds are
/// kept in `tests/<file>.regressions`, replayed first on every later run.
pub fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        max_shrink_time: 60_000,
        max_shrink_iters: 10_000,
        ..Config::default()
    }
}

/// A case that runs longer than this is a hang (`GRADBOOK_FUZZ_HANG_SECS`, default 20).
pub fn hang_limit() -> Duration {
    let secs = std::env::var("GRADBOOK_FUZZ_HANG_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

thread_local! {
    static ACCEPTED: Cell<u64> = const { Cell::new(0) };
}

/// Count an input the code under test accepted (`Ok`), to show how deep a target reaches.
pub fn accepted() {
    ACCEPTED.with(|n| n.set(n.get() + 1));
}

/// The inputs accepted on this thread since the last call.
pub fn take_accepted() -> u64 {
    ACCEPTED.with(|n| n.replace(0))
}

struct Running {
    target: &'static str,
    started: Instant,
    input: String,
}

fn running() -> &'static Mutex<HashMap<ThreadId, Running>> {
    static RUNNING: OnceLock<Mutex<HashMap<ThreadId, Running>>> = OnceLock::new();
    RUNNING.get_or_init(|| {
        thread::spawn(watch);
        Mutex::new(HashMap::new())
    })
}

/// A case that never returns cannot fail its test, so the watchdog ends the whole process,
/// printing the input (and writing it to `target/fuzz-hang-<target>.txt`).
fn watch() {
    let limit = hang_limit();
    loop {
        thread::sleep(Duration::from_millis(200));
        let table = running().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(case) = table.values().find(|c| c.started.elapsed() > limit) {
            let file = format!("target/fuzz-hang-{}.txt", case.target);
            let _ = std::fs::write(&file, &case.input);
            let shown: String = case.input.chars().take(2000).collect();
            eprintln!(
                "fuzz target `{}` hung: still running after {} s (input in {file}):\n{shown:?}",
                case.target,
                limit.as_secs()
            );
            std::process::exit(3);
        }
    }
}

/// Run one case under the watchdog; a case that returns but took longer than the limit fails.
pub fn bounded<T>(
    target: &'static str,
    input: &str,
    run: impl FnOnce() -> T,
) -> Result<T, TestCaseError> {
    bounded_within(hang_limit(), target, input, run)
}

/// [`bounded`] with a limit of its own for cases that return (the watchdog's stays).
pub fn bounded_within<T>(
    limit: Duration,
    target: &'static str,
    input: &str,
    run: impl FnOnce() -> T,
) -> Result<T, TestCaseError> {
    let id = thread::current().id();
    let started = Instant::now();
    let case = Running {
        target,
        started,
        input: input.to_string(),
    };
    running()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, case);
    // Unregisters on every path, also when `run` panics (proptest then reports the panic).
    struct Done(ThreadId);
    impl Drop for Done {
        fn drop(&mut self) {
            running()
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&self.0);
        }
    }
    let _done = Done(id);
    let value = run();
    let took = started.elapsed();
    prop_assert!(
        took <= limit,
        "{target} took {took:?} on this input (limit {limit:?})"
    );
    Ok(value)
}

/// One edit of a seed input, at positions chosen relative to its length.
#[derive(Debug, Clone)]
pub enum Mutation {
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Duplicate(Index, usize),
    Replace(Index, usize, Vec<u8>),
    /// Overwrite one byte (often breaks UTF-8, so the parser sees replacement characters).
    Flip(Index, u8),
}

/// A piece to insert: a token of the input language (`words`) or a few random bytes.
fn piece(words: &'static [&'static str]) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(words).prop_map(|w| w.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 1..4),
        1 => prop::sample::select(&["\n", " ", "\"", "'", "[", "]", "{", "}", "=", ",", "\\", "\u{feff}", "\r\n", "\t"][..])
            .prop_map(|w| w.as_bytes().to_vec()),
    ]
    .boxed()
}

fn mutation(words: &'static [&'static str]) -> BoxedStrategy<Mutation> {
    prop_oneof![
        3 => (any::<Index>(), piece(words)).prop_map(|(at, text)| Mutation::Insert(at, text)),
        2 => (any::<Index>(), 1usize..16).prop_map(|(at, n)| Mutation::Delete(at, n)),
        1 => (any::<Index>(), 1usize..40).prop_map(|(at, n)| Mutation::Duplicate(at, n)),
        2 => (any::<Index>(), 1usize..8, piece(words)).prop_map(|(at, n, text)| Mutation::Replace(at, n, text)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(at, b)| Mutation::Flip(at, b)),
    ]
    .boxed()
}

fn apply(bytes: &mut Vec<u8>, edit: &Mutation) {
    let at = |index: &Index, len: usize| if len == 0 { 0 } else { index.index(len + 1) };
    match edit {
        Mutation::Insert(i, text) => {
            let p = at(i, bytes.len());
            bytes.splice(p..p, text.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let p = at(i, bytes.len());
            bytes.drain(p..(p + n).min(bytes.len()));
        }
        Mutation::Duplicate(i, n) => {
            let p = at(i, bytes.len());
            let copy: Vec<u8> = bytes[p..(p + n).min(bytes.len())].to_vec();
            bytes.splice(p..p, copy);
        }
        Mutation::Replace(i, n, text) => {
            let p = at(i, bytes.len());
            let end = (p + n).min(bytes.len());
            bytes.splice(p..end, text.iter().copied());
        }
        Mutation::Flip(i, b) => {
            if !bytes.is_empty() {
                let p = i.index(bytes.len());
                bytes[p] = *b;
            }
        }
    }
}

/// Inputs made by 1 to 8 edits of a generated valid input (`valid`), with tokens from
/// `words`; invalid UTF-8 becomes U+FFFD as it would when a file is read lossily.
pub fn mutated(
    valid: BoxedStrategy<String>,
    words: &'static [&'static str],
) -> BoxedStrategy<String> {
    (valid, prop::collection::vec(mutation(words), 1..8))
        .prop_map(|(text, edits)| {
            let mut bytes = text.into_bytes();
            for edit in &edits {
                apply(&mut bytes, edit);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
        .boxed()
}

/// Arbitrary text: random bytes (lossily decoded) or random Unicode.
pub fn noise() -> BoxedStrategy<String> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        any::<String>(),
    ]
    .boxed()
}

/// Join generated pieces with generated separators (spaces, none, newlines, tabs).
pub fn spaced(parts: &[String], gaps: &[u8]) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(match gaps.get(i).copied().unwrap_or(0) % 8 {
                0 => "",
                5 => "  ",
                6 => "\t",
                7 => "\n",
                _ => " ",
            });
        }
        out.push_str(part);
    }
    out
}
