//! `gradbook build [--dest DIR]` and `gradbook check [--margins]`.

use std::path::PathBuf;
use std::process::ExitCode;

use gradbook::build::{BuildOptions, build_with_progress, claim_margins};

use super::progress::Reporter;

use super::output::outln;
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

#[derive(clap::Args)]
pub struct CheckArgs {
    /// List every claim with how far it is from failing: the factor by which the measured side
    /// could move before the claim fails (claims over 10× are marked).
    #[arg(long)]
    margins: bool,
}

pub fn check(global: &Global, args: CheckArgs) -> ExitCode {
    if args.margins {
        return margins(global);
    }
    build_or_check(global, None, true)
}

/// Claims whose bound is more than this factor away from what was measured are marked.
const WIDE_MARGIN: f64 = 10.0;

fn margins(global: &Global) -> ExitCode {
    let options = BuildOptions {
        no_cache: global.no_cache,
        jobs: global.jobs,
        ..BuildOptions::new(global.root.clone())
    };
    let words = &gradbook::book::language_of(&global.root).words().progress;
    let reporter = Reporter::new(global.quiet, words);
    let outcome = claim_margins(&options, &reporter);
    reporter.finish();
    let margins = match outcome {
        Ok(margins) => margins,
        Err(diagnostics) => {
            print_failure(&diagnostics, "");
            return ExitCode::FAILURE;
        }
    };
    let root = &global.root;
    let (mut wide, mut none) = (0, 0);
    outln!("{:>9}  {:<34} claim", "margin", "where");
    for m in &margins {
        let place = format!(
            "{}:{}",
            m.file.strip_prefix(root).unwrap_or(&m.file).display(),
            m.line
        );
        let shown = match m.margin {
            Some(f) if f.is_infinite() => "∞".to_string(),
            Some(f) => format!("{f:.3}×"),
            None => "—".to_string(),
        };
        let mark = match m.margin {
            Some(f) if f > WIDE_MARGIN => {
                wide += 1;
                "  ← over 10×"
            }
            None => {
                none += 1;
                ""
            }
            _ => "",
        };
        outln!("{shown:>9}  {place:<34} {}{mark}", m.claim);
    }
    outln!(
        "\n{} claims: {wide} with a margin over 10×, {none} without a comparison (diverged, ==, not)",
        margins.len()
    );
    ExitCode::SUCCESS
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
