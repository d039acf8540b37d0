//! `gradbook build [--dest DIR]` and `gradbook check`.

use std::path::PathBuf;
use std::process::ExitCode;

use gradbook::build::{BuildOptions, build_with_progress};

use super::progress::Reporter;

use super::{Global, print_failure, print_summary, print_warnings};

#[derive(clap::Args)]
pub struct Args {
    /// Write the site here instead of <root>/book.
    #[arg(long)]
    dest: Option<PathBuf>,
}

pub fn run(global: &Global, args: Args) -> ExitCode {
    build_or_check(global, args.dest, false)
}

pub fn check(global: &Global) -> ExitCode {
    build_or_check(global, None, true)
}

fn build_or_check(global: &Global, dest: Option<PathBuf>, dry_run: bool) -> ExitCode {
    let options = BuildOptions {
        dest,
        dry_run,
        no_cache: global.no_cache,
        jobs: global.jobs,
        ..BuildOptions::new(global.root.clone())
    };
    let words = &gradbook::book::language_of(&global.root).words().progress;
    let reporter = Reporter::new(global.quiet, words);
    let outcome = build_with_progress(&options, &reporter);
    reporter.finish();
    match outcome {
        Ok(report) => {
            print_warnings(&report);
            if !global.quiet {
                print_summary(&report, dry_run, global.verbose);
            }
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            print_failure(&diagnostics, "nothing was written");
            ExitCode::FAILURE
        }
    }
}
