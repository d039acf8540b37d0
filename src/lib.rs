//! gradbook: Markdown chapters in, a static HTML study guide out, with figures computed at
//! build time by the crate's own neural-network engine.

pub mod nn;
