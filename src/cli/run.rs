//! `gradbook run content/<chapter>.md#<id>`: run one experiment block (using the cache) and
//! print a table of its runs and whether each of its claims holds.

use std::process::ExitCode;

use gradbook::build::{BuildOptions, run_block};
use gradbook::experiment::table::summary_table;

use super::output::outln;
use super::progress::Reporter;
use super::{Global, print_failure};

#[derive(clap::Args)]
pub struct Args {
    /// The block: content/<chapter>.md#<id> (src/<chapter>.md#<id> in an mdBook)
    target: String,
}

pub fn run(global: &Global, args: Args) -> ExitCode {
    let options = BuildOptions {
        no_cache: global.no_cache,
        jobs: global.jobs,
        ..BuildOptions::new(global.root.clone())
    };
    let words = &gradbook::book::language_of(&global.root).words().progress;
    let reporter = Reporter::new(global.quiet, words);
    let outcome = run_block(&options, &args.target, &reporter);
    reporter.finish();
    let (experiment, results) = match outcome {
        Ok(done) => done,
        Err(diagnostics) => {
            print_failure(&diagnostics, "");
            return ExitCode::FAILURE;
        }
    };
    outln!("{} — {}\n", experiment.id, experiment.title);
    outln!("{}", summary_table(&results).trim_end_matches('\n'));
    let mut all_hold = true;
    for claim in &experiment.claims {
        let verdict = match claim.check(&results) {
            Ok(None) => "holds".to_string(),
            Ok(Some(failure)) => failure,
            Err(problem) => problem.to_string(),
        };
        all_hold &= verdict == "holds";
        outln!("\nexpect `{}`: {verdict}", claim.text);
    }
    if all_hold {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
