//! Experiments: the block language (`spec`, `parse`), running the engine for every variant
//! (`run`), and the tidy table of what was measured (`results`). Knows the engine, not Markdown.

mod parse;
pub mod results;
pub mod run;
pub mod spec;

pub use parse::{MAX_DEPTH, MAX_SAMPLES, MAX_STEPS, MAX_WIDTH, parse_block};
pub use results::{Results, Row, RunSummary};
pub use spec::{Experiment, PlotKind, RunSpec, SpecError};
