//! The `gradbook` command line; each subcommand is in `cli/`. Prints diagnostics and sets the
//! exit code; the library never prints or exits.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
