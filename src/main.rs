//! The `gradbook` command line: `build` (the whole book into `book/`) and `check` (run every
//! experiment and write nothing). Prints diagnostics; the library never prints or exits.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use gradbook::build::{BuildOptions, BuildReport, build};

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the whole book into book/ (or --dest).
    Build {
        /// Write the site here instead of <root>/book.
        #[arg(long)]
        dest: Option<PathBuf>,
    },
    /// Run every experiment and render every page, but write nothing.
    Check,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (dest, dry_run) = match &cli.command {
        Command::Build { dest } => (dest.clone(), false),
        Command::Check => (None, true),
    };
    match build(&BuildOptions {
        dest,
        dry_run,
        ..BuildOptions::new(cli.root.clone())
    }) {
        Ok(report) => {
            for warning in &report.warnings {
                eprintln!("{warning}\n");
            }
            if !cli.quiet {
                print_summary(&report, dry_run, cli.verbose);
            }
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            eprintln!("nothing was written");
            ExitCode::FAILURE
        }
    }
}

fn print_summary(report: &BuildReport, dry_run: bool, verbose: bool) {
    let total: f64 = report.timings.iter().map(|(_, t)| t.as_secs_f64()).sum();
    let what = if dry_run {
        "checked".to_string()
    } else {
        format!("built {}", report.dest.display())
    };
    println!(
        "{what}: {} chapters, {} experiments, {} runs, {} figures, {} files in {total:.2} s",
        report.chapters, report.experiments, report.runs, report.figures, report.files
    );
    if verbose {
        for (stage, time) in &report.timings {
            println!("  {stage:<7} {:>8.1} ms", time.as_secs_f64() * 1000.0);
        }
    }
}
