//! gradbook: Markdown chapters in, a static HTML study guide out, with figures computed at
//! build time by the crate's own neural-network engine.

pub mod diagnostic;
pub mod experiment;
pub mod nn;
pub mod plot;
