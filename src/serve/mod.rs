//! `gradbook serve` and `gradbook watch` as a library: build, then rebuild whenever the book's
//! sources change; when serving, also answer HTTP requests for the site on one address
//! (127.0.0.1 unless the caller says otherwise) with a live-reload script injected into pages;
//! [`http`] says how the server guards itself (connection cap, timeouts, `Host` check).
//! A failed rebuild leaves the last good site in place (the build writes through a staging
//! directory) and is shown in the open pages. Nothing here prints: the caller hears of every
//! step through `on_event`.

mod connections;
pub mod files;
mod hosts;
pub mod http;
mod live;
mod request;
mod watch;

use std::convert::Infallible;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tiny_http::{Method, Response};

use crate::build::{BuildOptions, BuildReport, build};
use crate::diagnostic::Diagnostics;
use crate::locale::{Language, Words};
use crate::markdown::escape_html;
use hosts::AllowedHosts;
use http::{Reply, header, plain};
use live::{LiveStatus, STATUS_PATH, SharedStatus};
use request::RequestHead;
use watch::SourceWatcher;

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
    report(build(options), on_event);
    loop {
        let changed = watcher.next_change().map_err(io::Error::other)?;
        on_event(Event::Changed(&changed));
        report(build(options), on_event);
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

    let listener = TcpListener::bind(addr)?;
    let bound = listener.local_addr()?;
    let site = options
        .dest
        .clone()
        .unwrap_or_else(|| crate::book::default_dest(&options.root));
    let answering = Arc::clone(&status);
    std::thread::Builder::new()
        .name("gradbook-accept".into())
        .spawn(move || {
            http::run(
                listener,
                AllowedHosts::for_address(addr.ip()),
                move |request| answer(request, &site, &answering),
            );
        })?;
    on_event(Event::Listening(bound));

    loop {
        let changed = watcher.next_change().map_err(io::Error::other)?;
        on_event(Event::Changed(&changed));
        update(&status, report(build(options), on_event));
    }
}

/// How a build went, as the open pages need it.
enum Outcome {
    /// Built; the book's language gives the server's own words.
    Built(Language),
    /// Failed, with the diagnostics as text.
    Failed(String),
}

/// Tell the caller how a build went.
fn report(result: Result<BuildReport, Diagnostics>, on_event: &mut dyn FnMut(Event)) -> Outcome {
    match result {
        Ok(built) => {
            on_event(Event::Built(&built));
            Outcome::Built(built.language)
        }
        Err(diagnostics) => {
            on_event(Event::Failed(&diagnostics));
            Outcome::Failed(diagnostics.to_string())
        }
    }
}

fn update(status: &SharedStatus, outcome: Outcome) {
    let mut status = status
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match outcome {
        Outcome::Built(language) => {
            status.version += 1;
            status.error = None;
            status.language = language;
        }
        Outcome::Failed(error) => status.error = Some(error),
    }
}

fn answer(request: &RequestHead, site: &Path, status: &SharedStatus) -> Reply {
    let (version, status_json, language) = {
        let status: std::sync::MutexGuard<LiveStatus> = status
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (status.version, live::status_json(&status), status.language)
    };
    let words = language.words();
    let url = request.target.as_str();
    if !matches!(request.method, Method::Get | Method::Head) {
        return plain(405, "method not allowed").with_header(header("Allow", "GET, HEAD"));
    }
    if url.split('?').next() == Some(STATUS_PATH) {
        return Response::from_string(status_json)
            .with_header(header("Content-Type", "application/json"));
    }
    // A rebuild swaps the site directory; a request that falls in that instant retries.
    let file = files::resolve(site, url).or_else(|| {
        std::thread::sleep(Duration::from_millis(50));
        files::resolve(site, url)
    });
    match file.and_then(|path| std::fs::read(&path).ok().map(|bytes| (path, bytes))) {
        Some((path, bytes)) => {
            let kind = files::content_type(&path);
            let bytes = if kind.starts_with("text/html") {
                live::inject(&String::from_utf8_lossy(&bytes), version, words).into_bytes()
            } else {
                bytes
            };
            Response::from_data(bytes).with_header(header("Content-Type", kind))
        }
        None => Response::from_string(live::inject(&not_found(language, words), version, words))
            .with_status_code(404)
            .with_header(header("Content-Type", "text/html; charset=utf-8")),
    }
}

/// The server's own 404 page, for a path the site does not have.
fn not_found(language: Language, words: &Words) -> String {
    let words = &words.serve;
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><meta charset=\"utf-8\"><title>404</title>\
         <body><h1>404</h1><p>{}<a href=\"/\">{}</a></p></body></html>",
        language.tag(),
        escape_html(&words.not_found),
        escape_html(&words.home)
    )
}
