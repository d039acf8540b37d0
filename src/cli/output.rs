//! Printing that never panics. `println!` panics when standard output is a closed pipe
//! (`gradbook build | head`) or a full disk (`> /dev/full`), after the site was written. As
//! ripgrep does, a broken pipe ends printing quietly; any other write error is reported once,
//! on standard error, and makes the exit code a failure. Standard error's own write errors are
//! ignored: there is nowhere left to report them.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Mutex;

/// The first error writing standard output; after it nothing more is written there.
static STDOUT_FAILED: Mutex<Option<io::Error>> = Mutex::new(None);

/// One line on standard output (use through `outln!`).
pub fn out_line(args: fmt::Arguments) {
    let mut failed = STDOUT_FAILED.lock().unwrap_or_else(|e| e.into_inner());
    if failed.is_some() {
        return;
    }
    let mut stdout = io::stdout().lock();
    if let Err(e) = stdout
        .write_fmt(format_args!("{args}\n"))
        .and_then(|()| stdout.flush())
    {
        *failed = Some(e);
    }
}

/// One line on standard error (use through `errln!`).
pub fn err_line(args: fmt::Arguments) {
    let _ = io::stderr().lock().write_fmt(format_args!("{args}\n"));
}

/// The exit code once the command is done: `code`, unless writing standard output failed for
/// another reason than a closed pipe.
pub fn finish(code: ExitCode) -> ExitCode {
    let _ = io::stdout().flush();
    let failed = STDOUT_FAILED.lock().unwrap_or_else(|e| e.into_inner());
    match failed.as_ref() {
        Some(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            err_line(format_args!("error: cannot write to standard output: {e}"));
            ExitCode::FAILURE
        }
        _ => code,
    }
}

/// `println!` that never panics.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::output::out_line(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::output::err_line(format_args!($($arg)*)) };
}

pub(crate) use {errln, outln};
