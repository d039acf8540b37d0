//! `gradbook mdbook-preprocessor`: gradbook as an mdBook preprocessor. mdBook runs
//! `gradbook mdbook-preprocessor supports <renderer>` (exit 0: yes) and then the command itself
//! with its book on stdin, and reads the book back from stdout; so stdout carries only that
//! JSON, and everything said goes to stderr. See `build/mdbook.rs`.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use gradbook::build::mdbook::{preprocess, supports_renderer};
use gradbook::experiment::run::Silent;

use super::Global;
use super::output::errln;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Ask>,
}

#[derive(clap::Subcommand)]
enum Ask {
    /// Exit 0 when the renderer (mdBook's `html`) takes gradbook's figures, 1 otherwise.
    Supports { renderer: String },
}

pub fn run(global: &Global, args: Args) -> ExitCode {
    if let Some(Ask::Supports { renderer }) = args.command {
        return if supports_renderer(&renderer) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    let stdout = std::io::stdout().lock();
    let mut output = BufWriter::new(stdout);
    match preprocess(std::io::stdin().lock(), &mut output, global.jobs, &Silent) {
        Ok(report) => {
            if let Err(e) = output.flush() {
                errln!("error: cannot hand the book back to mdBook: {e}");
                return ExitCode::FAILURE;
            }
            if !global.quiet {
                errln!(
                    "gradbook: {} experiments, {} runs ({} trained, {} from the cache), {} claims held, {} figures",
                    report.experiments,
                    report.runs,
                    report.runs_trained,
                    report.runs - report.runs_trained,
                    report.claims,
                    report.figures
                );
            }
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            errln!("{diagnostics}");
            errln!("gradbook: the book was not preprocessed");
            ExitCode::FAILURE
        }
    }
}
