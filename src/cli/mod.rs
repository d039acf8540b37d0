//! The command line. Each subcommand lives in its own file with an `Args` struct and a `run`
//! function; this file only declares them and prints what every command shares (diagnostics,
//! the build summary). The library never prints or exits: printing happens here.

mod build;
mod clean;
mod init;
mod mdbook;
mod output;
mod progress;
mod run;
mod serve;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use gradbook::build::{BuildReport, MAX_JOBS};
use gradbook::diagnostic::Diagnostics;

use output::{errln, outln};

#[derive(Parser)]
#[command(
    name = "gradbook",
    version,
    about = "Markdown chapters in, a study guide with computed figures out"
)]
struct Cli {
    /// The book directory (the one holding content/).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    /// Print nothing but errors and warnings.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Also print how long each build stage took.
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Train every run again instead of reading .gradbook/cache (and store nothing).
    #[arg(long, global = true)]
    no_cache: bool,
    /// Threads for training runs, 1 to 256 (default: every core). Output is the same for any number.
    #[arg(short, long, global = true, value_parser = parse_jobs)]
    jobs: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the whole book into book/ (or --dest).
    Build(build::Args),
    /// Run every experiment and render every page, but write nothing.
    Check(build::CheckArgs),
    /// Start a new book: book.toml, SUMMARY.md, a sample chapter and the Pages workflow.
    Init(init::Args),
    /// Build, serve the book on 127.0.0.1, and rebuild and reload pages on every change.
    Serve(serve::Args),
    /// Build, then rebuild on every change (without a server).
    Watch(watch::Args),
    /// Remove the experiment cache (.gradbook/) and leftovers of interrupted builds.
    Clean(clean::Args),
    /// Run one experiment block (content/<chapter>.md#<id>) and print its runs and claims.
    Run(run::Args),
    /// Run as an mdBook preprocessor: add `[preprocessor.gradbook]` with
    /// `command = "gradbook mdbook-preprocessor"` to an mdBook's book.toml.
    MdbookPreprocessor(mdbook::Args),
}

/// The options every subcommand takes.
pub struct Global {
    pub root: PathBuf,
    pub quiet: bool,
    pub verbose: bool,
    pub no_cache: bool,
    pub jobs: Option<usize>,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let global = Global {
        root: cli.root,
        quiet: cli.quiet,
        verbose: cli.verbose,
        no_cache: cli.no_cache,
        jobs: cli.jobs,
    };
    let code = match cli.command {
        Command::Build(args) => build::run(&global, args),
        Command::Check(args) => build::check(&global, args),
        Command::Init(args) => init::run(&global, args),
        Command::Serve(args) => serve::run(&global, args),
        Command::Watch(args) => watch::run(&global, args),
        Command::Clean(args) => clean::run(&global, args),
        Command::Run(args) => run::run(&global, args),
        Command::MdbookPreprocessor(args) => mdbook::run(&global, args),
    };
    output::finish(code)
}

/// `-j N`: 1 to [`MAX_JOBS`] threads.
fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(jobs) if (1..=MAX_JOBS).contains(&jobs) => Ok(jobs),
        _ => Err(format!("expected a number of threads from 1 to {MAX_JOBS}")),
    }
}

pub fn print_warnings(report: &BuildReport) {
    for warning in &report.warnings {
        errln!("{warning}\n");
    }
}

pub fn print_failure(diagnostics: &Diagnostics, consequence: &str) {
    errln!("{diagnostics}");
    errln!("{consequence}");
}

pub fn print_summary(report: &BuildReport, dry_run: bool, verbose: bool) {
    let total: f64 = report.timings.iter().map(|(_, t)| t.as_secs_f64()).sum();
    let what = if dry_run {
        "checked".to_string()
    } else {
        format!("built {}", report.dest.display())
    };
    outln!(
        "{what}: {} chapters, {} experiments, {} runs ({} trained, {} from the cache), {} claims held, {} figures, {} files in {total:.2} s",
        report.chapters,
        report.experiments,
        report.runs,
        report.runs_trained,
        report.runs_cached,
        report.claims,
        report.figures,
        report.files
    );
    if verbose {
        for (stage, time) in &report.timings {
            outln!("  {stage:<7} {:>8.1} ms", time.as_secs_f64() * 1000.0);
        }
    }
}
