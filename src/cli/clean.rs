//! `gradbook clean`: remove the experiment cache (`<root>/.gradbook/`, but for the build
//! lock) and what an interrupted build may leave beside the site (`.book.staging-*/`,
//! `.book.old-*/`). The site itself stays: it is the last good build, and when an interrupted
//! build left no site, the last complete one is put back first.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Global;
use super::output::{errln, outln};

#[derive(clap::Args)]
pub struct Args {
    /// The site directory whose build leftovers to remove (default <root>/book).
    #[arg(long)]
    dest: Option<PathBuf>,
}

pub fn run(global: &Global, args: Args) -> ExitCode {
    let dest = args
        .dest
        .unwrap_or_else(|| gradbook::book::default_dest(&global.root));
    match gradbook::build::clean(&global.root, &dest) {
        Ok(notes) => {
            for note in &notes {
                errln!("warning: {note}");
            }
            if !global.quiet {
                outln!(
                    "removed the experiment cache ({}) and build leftovers beside {}",
                    global.root.join(".gradbook").display(),
                    dest.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            errln!(
                "error: cannot clean {}: {e}\nthe site in {} was left as it is",
                global.root.display(),
                dest.display()
            );
            ExitCode::FAILURE
        }
    }
}
