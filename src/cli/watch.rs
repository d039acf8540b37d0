//! `gradbook watch`: build, then rebuild whenever the chapters (content/ or src/), mdBook's
//! book.toml or templates/ change.

use std::path::PathBuf;
use std::process::ExitCode;

use gradbook::build::BuildOptions;
use gradbook::serve::{self, Event};

use super::output::{errln, outln};
use super::{Global, print_failure, print_summary, print_warnings};

#[derive(clap::Args)]
pub struct Args {
    /// Write the site here instead of <root>/book.
    #[arg(long)]
    dest: Option<PathBuf>,
}

pub fn run(global: &Global, args: Args) -> ExitCode {
    let options = BuildOptions {
        dest: args.dest,
        ..BuildOptions::new(global.root.clone())
    };
    let result = serve::watch(&options, &mut |event| report_event(global, event));
    // Serving and watching only end on an error.
    let Err(e) = result;
    errln!("error: cannot watch {}: {e}", global.root.display());
    ExitCode::FAILURE
}

/// How `watch` and `serve` report a build: failures in full, keeping the last good site.
pub fn report_event(global: &Global, event: Event) {
    match event {
        Event::Listening(addr) => outln!("serving the book at http://{addr}/ (Ctrl-C stops)"),
        Event::Changed(paths) => {
            if !global.quiet {
                let root = global
                    .root
                    .canonicalize()
                    .unwrap_or_else(|_| global.root.clone());
                let names: Vec<String> = paths
                    .iter()
                    .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
                    .collect();
                outln!("changed: {}", names.join(", "));
            }
        }
        Event::Built(report) => {
            print_warnings(report);
            if !global.quiet {
                print_summary(report, false, global.verbose);
            }
        }
        Event::Failed(diagnostics) => {
            print_failure(
                diagnostics,
                "the build failed; still showing the last good book",
            );
        }
    }
}
