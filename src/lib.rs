//! gradbook: Markdown chapters in, a static HTML study guide out, with figures computed at
//! build time by the crate's own neural-network engine.
//!
//! Layers, each depending only on those listed before it:
//! `nn` (the engine) ← `experiment` (spec, sweeps, runs, results) ← `plot` (SVG figures)
//! ← `book` / `markdown` (the book model and chapter rendering) ← `render` (pages, staging,
//! swap) ← `build` ← `serve` (rebuild on change, local server with live reload) ← the CLI in
//! `main.rs` and `cli/`.

pub mod book;
pub mod build;
pub mod diagnostic;
pub mod experiment;
pub mod lock;
pub mod markdown;
pub mod nn;
pub mod plot;
pub mod render;
pub mod serve;
