//! Experiments: the block language (`spec`, `parse`, `variants`, `claims`), running the engine
//! for every variant and seed (`run`, with `cache`), and the tidy table of what was measured
//! (`results`). Knows the engine, not Markdown.

mod applicable;
pub mod cache;
pub mod claims;
mod feed_forward;
pub mod layer_init;
mod locate;
pub mod mean_field;
pub mod model;
mod named;
mod outcome;
mod parse;
pub mod plot_spec;
mod precision;
mod ranges;
mod recurrent;
pub mod results;
pub mod run;
mod schema;
pub mod settings;
mod sizes;
pub mod spec;
mod suggest;
pub mod table;
mod variants;

pub use parse::parse_block;
pub use plot_spec::{PlotKind, PlotSpec, Theory};
pub use results::{Results, Row, RunSummary, SeedOutcome};
pub use sizes::{MAX_DEPTH, MAX_RUNS, MAX_SAMPLES, MAX_SEEDS, MAX_STEPS, MAX_WIDTH};
pub use spec::{Experiment, RunSpec, SpecError};
