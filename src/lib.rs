//! gradbook: Markdown chapters in, a static HTML study guide out, with figures computed at
//! build time by the crate's own neural-network engine.
//!
//! Layers, each depending only on those listed before it:
//! `nn` (the engine) ← `experiment` (spec, sweeps, runs, results) ← `plot` (SVG figures)
//! ← `book` / `markdown` (the book model and chapter rendering) ← `render` (pages, staging,
//! swap) ← `build` ← `serve` (rebuild on change, local server with live reload) ← the CLI in
//! `main.rs` and `cli/`. `locale` (the words of each book language) depends on none of them
//! and is used by all that write text.

pub mod book;
pub mod build;
pub mod diagnostic;
pub mod experiment;
pub mod locale;
pub mod lock;
pub mod markdown;
pub mod nn;
pub mod plot;
pub mod render;
pub mod serve;
