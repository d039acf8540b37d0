//! The figure cache: what one experiment block adds to the site once its runs are done (its
//! SVG and CSV files, its figures for references, the HTML that takes its place, how many of
//! its claims held), kept under `<book>/.gradbook/figures/` with the key of everything it is
//! made from. A prose edit then rebuilds without reading a run, checking a claim or drawing.
//!
//! The key holds the block's text, its runs' cache keys (spec, seed, engine version), where the
//! block sits (chapter, figure numbers), the book's language, and the identity of the program
//! itself: any rebuilt `gradbook` draws everything once more, so a change to the plotting code
//! can never leave an old figure in place. Only blocks whose figures were all drawn and whose
//! claims all held are stored.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::blocks::Block;
use super::figures::BlockDrawing;
use crate::book::Book;
use crate::experiment::cache::Cache;
use crate::experiment::run::cache_key;
use crate::render::OutputFile;
use crate::render::figure::BlockFigures;

/// The extension of an entry under the cache's directory.
const EXTENSION: &str = "figures";

/// A block's part of the site, as stored.
#[derive(Serialize, Deserialize)]
pub(super) struct CachedBlock {
    /// (path in the site, text): SVG and CSV files are UTF-8.
    files: Vec<(String, String)>,
    /// (name, number, caption title) per figure.
    figures: Vec<(String, String, String)>,
    html: String,
    pub(super) claims_held: usize,
}

impl CachedBlock {
    /// What is stored of `drawing` (a block with `claims_held` claims that held), or `None`
    /// when one of its files is not text.
    pub(super) fn of(drawing: &BlockDrawing, claims_held: usize) -> Option<Self> {
        let files = drawing
            .files
            .iter()
            .map(|f| {
                let path = f.path.to_str()?.to_string();
                let text = String::from_utf8(f.bytes.clone()).ok()?;
                Some((path, text))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(CachedBlock {
            files,
            figures: drawing.figures.figures.clone(),
            html: drawing.html.clone(),
            claims_held,
        })
    }

    /// The drawing of block `id` back, as [`super::figures::draw_block`] made it.
    pub(super) fn into_drawing(self, id: &str) -> BlockDrawing {
        BlockDrawing {
            files: self
                .files
                .into_iter()
                .map(|(path, text)| OutputFile::new(PathBuf::from(path), text))
                .collect(),
            figures: BlockFigures {
                id: id.to_string(),
                figures: self.figures,
            },
            html: self.html,
            errors: Vec::new(),
        }
    }
}

/// The book's figure cache, or none (`--no-cache`, or a program whose file cannot be read).
pub(super) fn for_book(book: &Book, no_cache: bool) -> Cache {
    if no_cache || program_identity().is_none() {
        Cache::disabled()
    } else {
        Cache::in_dir(book.root.join(".gradbook").join("figures"))
    }
}

pub(super) fn load(cache: &Cache, key: &str) -> Option<CachedBlock> {
    cache.load_entry(key, EXTENSION)
}

pub(super) fn store(cache: &Cache, key: &str, block: &CachedBlock) {
    cache.store_entry(key, EXTENSION, block);
}

/// The key of `block`, whose first figure is number `before + 1` of its chapter.
pub(super) fn key_of(book: &Book, block: &Block, before: usize) -> String {
    let chapter = &book.chapters[block.chapter];
    let mut text = format!(
        "gradbook figures\nprogram {}\nlanguage {:?}\nchapter {:?} {:?}\nfirst figure {}\nruns",
        program_identity().unwrap_or_default(),
        book.config.language,
        chapter.path,
        chapter.number_label(),
        before + 1,
    );
    for run in &block.experiment.runs {
        for &seed in &run.seeds {
            text.push(' ');
            text.push_str(&cache_key(run, seed));
        }
    }
    text.push_str("\nblock\n");
    text.push_str(&block.toml);
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

/// What tells this program from any other build of it: its version, and its file's size and
/// modification time. `None` when the file cannot be read (the cache is then off).
pub(super) fn program_identity() -> Option<&'static str> {
    static IDENTITY: OnceLock<Option<String>> = OnceLock::new();
    IDENTITY
        .get_or_init(|| {
            let metadata = std::env::current_exe().ok()?.metadata().ok()?;
            let modified = metadata
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?;
            Some(format!(
                "{} {} {}",
                env!("CARGO_PKG_VERSION"),
                metadata.len(),
                modified.as_nanos()
            ))
        })
        .as_deref()
}
