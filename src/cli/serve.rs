//! `gradbook serve [--port N] [--host ADDR] [--open]`: build, serve book/ on 127.0.0.1 (another
//! address only when --host says so), rebuild on change and reload the open pages.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use gradbook::build::BuildOptions;
use gradbook::serve::{self, Event};

use super::Global;
use super::output::errln;
use super::watch::report_event;

#[derive(clap::Args)]
pub struct Args {
    /// The port; 0 picks a free one (the address is printed).
    #[arg(long, short, default_value_t = 3000)]
    port: u16,
    /// The address to listen on. Only this machine can reach the default.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Open the book in the default browser once it is served.
    #[arg(long)]
    open: bool,
    /// Write the site here instead of <root>/book.
    #[arg(long)]
    dest: Option<PathBuf>,
}

pub fn run(global: &Global, args: Args) -> ExitCode {
    let options = BuildOptions {
        dest: args.dest,
        ..BuildOptions::new(global.root.clone())
    };
    let addr = SocketAddr::new(args.host, args.port);
    let result = serve::serve(&options, addr, &mut |event| {
        if let Event::Listening(bound) = &event
            && args.open
        {
            open_browser(&format!("http://{bound}/"));
        }
        report_event(global, event);
    });
    // Serving and watching only end on an error.
    let Err(e) = result;
    errln!("error: cannot serve on {addr}: {e}");
    ExitCode::FAILURE
}

/// Best effort: a missing opener only means the reader opens the printed address themselves.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        vec!["open"]
    } else if cfg!(windows) {
        vec!["cmd", "/C", "start", ""]
    } else {
        vec!["xdg-open"]
    };
    let _ = std::process::Command::new(opener[0])
        .args(&opener[1..])
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
