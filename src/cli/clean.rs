//! `gradbook clean`: remove the experiment cache (`<root>/.gradbook/`) and what an interrupted
//! build may leave beside the site (`.book.staging/`, `.book.old/`). The site itself stays:
//! it is the last good build, and `gradbook build` replaces it anyway.

use std::path::PathBuf;
use std::process::ExitCode;

use gradbook::experiment::cache;
use gradbook::render::build_leftovers;

use super::Global;

#[derive(clap::Args)]
pub struct Args {
    /// The site directory whose build leftovers to remove (default <root>/book).
    #[arg(long)]
    dest: Option<PathBuf>,
}

pub fn run(global: &Global, args: Args) -> ExitCode {
    let dest = args.dest.unwrap_or_else(|| global.root.join("book"));
    let mut failed = false;
    if let Err(e) = cache::clean(&global.root) {
        eprintln!(
            "error: cannot remove {}: {e}",
            global.root.join(".gradbook").display()
        );
        failed = true;
    }
    for leftover in build_leftovers(&dest) {
        match std::fs::remove_dir_all(&leftover) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                eprintln!("error: cannot remove {}: {e}", leftover.display());
                failed = true;
            }
            _ => {}
        }
    }
    if failed {
        return ExitCode::FAILURE;
    }
    if !global.quiet {
        println!(
            "removed the experiment cache ({}) and build leftovers beside {}",
            global.root.join(".gradbook").display(),
            dest.display()
        );
    }
    ExitCode::SUCCESS
}
