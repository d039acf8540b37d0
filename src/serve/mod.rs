//! `gradbook serve` and `gradbook watch` as a library: build, then rebuild whenever the book's
//! sources change; when serving, also answer HTTP requests for the site on one address
//! (127.0.0.1 unless the caller says otherwise) with a live-reload script injected into pages.
//! A failed rebuild leaves the last good site in place (the build writes through a staging
//! directory) and is shown in the open pages. Nothing here prints: the caller hears of every
//! step through `on_event`.

pub mod files;
mod live;
mod watch;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tiny_http::{Header, Method, Request, Response};

use crate::build::{BuildOptions, BuildReport, build};
use crate::diagnostic::Diagnostics;
use live::{LiveStatus, STATUS_PATH, SharedStatus};
use watch::SourceWatcher;

/// Threads answering requests: a page load fetches a handful of files at once.
const HTTP_THREADS: usize = 4;

/// What happened, for the caller to report.
pub enum Event<'a> {
    /// The server is answering on this address (port 0 has become a real port).
    Listening(SocketAddr),
    /// These source files changed; a rebuild starts.
    Changed(&'a [PathBuf]),
    Built(&'a BuildReport),
    Failed(&'a Diagnostics),
}

/// Build, then rebuild on every change, forever. Errors only if watching cannot start.
pub fn watch(options: &BuildOptions, on_event: &mut dyn FnMut(Event)) -> io::Result<Infallible> {
    let watcher = SourceWatcher::start(&options.root)?;
    // A failed build has been reported; watching goes on until the book is fixed.
    let _ = report(build(options), on_event);
    loop {
        let changed = watcher.next_change().map_err(io::Error::other)?;
        on_event(Event::Changed(&changed));
        let _ = report(build(options), on_event);
    }
}

/// Build, serve the site on `addr`, and rebuild on every change, forever. Errors if the
/// address cannot be bound or watching cannot start.
pub fn serve(
    options: &BuildOptions,
    addr: SocketAddr,
    on_event: &mut dyn FnMut(Event),
) -> io::Result<Infallible> {
    let watcher = SourceWatcher::start(&options.root)?;
    let status: Arc<SharedStatus> = Arc::default();
    update(&status, report(build(options), on_event));

    let server = Arc::new(tiny_http::Server::http(addr).map_err(io::Error::other)?);
    let site = options
        .dest
        .clone()
        .unwrap_or_else(|| options.root.join("book"));
    for _ in 0..HTTP_THREADS {
        let (server, status, site) = (Arc::clone(&server), Arc::clone(&status), site.clone());
        std::thread::spawn(move || {
            while let Ok(request) = server.recv() {
                answer(request, &site, &status);
            }
        });
    }
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| io::Error::other("the server is not on an IP address"))?;
    on_event(Event::Listening(bound));

    loop {
        let changed = watcher.next_change().map_err(io::Error::other)?;
        on_event(Event::Changed(&changed));
        update(&status, report(build(options), on_event));
    }
}

/// Tell the caller how a build went; `Err` carries the diagnostics as text for the pages.
fn report(
    result: Result<BuildReport, Diagnostics>,
    on_event: &mut dyn FnMut(Event),
) -> Result<(), String> {
    match result {
        Ok(built) => {
            on_event(Event::Built(&built));
            Ok(())
        }
        Err(diagnostics) => {
            on_event(Event::Failed(&diagnostics));
            Err(diagnostics.to_string())
        }
    }
}

fn update(status: &SharedStatus, outcome: Result<(), String>) {
    let mut status = status
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match outcome {
        Ok(()) => {
            status.version += 1;
            status.error = None;
        }
        Err(error) => status.error = Some(error),
    }
}

fn answer(request: Request, site: &Path, status: &SharedStatus) {
    let (version, status_json) = {
        let status: std::sync::MutexGuard<LiveStatus> = status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (status.version, live::status_json(&status))
    };
    let response = if !matches!(request.method(), Method::Get | Method::Head) {
        Response::from_string("method not allowed").with_status_code(405)
    } else if request.url().split('?').next() == Some(STATUS_PATH) {
        Response::from_string(status_json).with_header(header("Content-Type", "application/json"))
    } else {
        // A rebuild swaps the site directory; a request that falls in that instant retries.
        let file = files::resolve(site, request.url()).or_else(|| {
            std::thread::sleep(Duration::from_millis(50));
            files::resolve(site, request.url())
        });
        match file.and_then(|path| std::fs::read(&path).ok().map(|bytes| (path, bytes))) {
            Some((path, bytes)) => {
                let kind = files::content_type(&path);
                let bytes = if kind.starts_with("text/html") {
                    live::inject(&String::from_utf8_lossy(&bytes), version).into_bytes()
                } else {
                    bytes
                };
                Response::from_data(bytes).with_header(header("Content-Type", kind))
            }
            None => Response::from_string(live::inject(NOT_FOUND, version))
                .with_status_code(404)
                .with_header(header("Content-Type", "text/html; charset=utf-8")),
        }
    };
    let response = response.with_header(header("Cache-Control", "no-store"));
    // The reader may have gone away; nothing to do about it.
    let _ = request.respond(response);
}

const NOT_FOUND: &str = "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>404</title>\
<body><h1>404</h1><p>这里没有页面。<a href=\"/\">回到首页</a></p></body></html>";

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("ASCII header")
}
