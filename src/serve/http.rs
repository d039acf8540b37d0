//! The dev server's HTTP/1.1 layer, hardened for a browser on the same machine:
//! - a thread per connection, at most [`MAX_CONNECTIONS`] (idle ones are evicted first, see
//!   [`Connections`]); when every one is busy answering, a newcomer gets 503;
//! - a request head must arrive whole within [`HEAD_TIMEOUT`] (408, or a silent close for an
//!   idle keep-alive connection), and a reader that stops reading is cut off after
//!   [`WRITE_TIMEOUT`];
//! - the `Host` header must name this machine ([`AllowedHosts`]; 403 otherwise, 400 when an
//!   HTTP/1.1 request has none), against DNS rebinding;
//! - every response says `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`.
//!
//! `Range` is ignored knowingly: a ranged GET gets the whole file with 200 and no
//! `Accept-Ranges` header, which RFC 9110 §14.2 allows; the site's files are small and
//! nothing in it seeks.
//!
//! tiny_http's `Server` (0.12) cannot do the first two (it spawns a thread for every
//! connection and reads heads without a deadline), so connections are accepted here;
//! tiny_http still parses header lines and writes the responses.

use std::io::{BufReader, BufWriter, Cursor, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tiny_http::{HTTPVersion, Header, Method, Response};

use super::connections::Connections;
use super::hosts::AllowedHosts;
use super::request::{HeadError, RequestHead, read_head};

/// Connections (and so threads) open at once. A page load opens about six.
pub const MAX_CONNECTIONS: usize = 64;
/// How long a client has to send a whole request head, and how long an idle keep-alive
/// connection stays open.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long writing a response may block on a client that does not read.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

pub type Reply = Response<Cursor<Vec<u8>>>;

/// Answer requests on `listener` forever, each through `answer` once it has passed the
/// checks above. Returns only if accepting fails for good.
pub fn run<F>(listener: TcpListener, hosts: AllowedHosts, answer: F)
where
    F: Fn(&RequestHead) -> Reply + Send + Sync + 'static,
{
    let connections = Arc::new(Connections::new(MAX_CONNECTIONS));
    let hosts = Arc::new(hosts);
    let answer = Arc::new(answer);
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            // Out of file descriptors, or a connection reset before it was accepted: the
            // next one may do; pause so a persistent error does not spin.
            Err(_) => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let Some(id) = connections.admit(&stream) else {
            refuse_busy(&stream);
            continue;
        };
        let worker = {
            let (connections, hosts, answer) = (
                Arc::clone(&connections),
                Arc::clone(&hosts),
                Arc::clone(&answer),
            );
            move || {
                serve_connection(&stream, id, &connections, &hosts, &*answer);
                connections.close(id);
            }
        };
        if std::thread::Builder::new()
            .name("gradbook-http".into())
            .spawn(worker)
            .is_err()
        {
            connections.close(id);
        }
    }
}

/// Requests on one connection until it closes, times out, errs or asks to close.
fn serve_connection(
    stream: &TcpStream,
    id: u64,
    connections: &Connections,
    hosts: &AllowedHosts,
    answer: &dyn Fn(&RequestHead) -> Reply,
) {
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    loop {
        connections.set_waiting(id, true);
        let head = match read_head(&mut reader, Instant::now() + HEAD_TIMEOUT) {
            Ok(head) => head,
            Err(HeadError::Closed | HeadError::TimedOut { started: false }) => return,
            Err(HeadError::TimedOut { started: true }) => {
                let reply = plain(408, "the request did not arrive in time");
                send(stream, reply, HTTPVersion(1, 1), &[], false);
                return linger(&mut reader);
            }
            Err(HeadError::TooLarge) => {
                let reply = plain(431, "the request head is too large");
                send(stream, reply, HTTPVersion(1, 1), &[], false);
                return linger(&mut reader);
            }
            Err(HeadError::Malformed(part)) => {
                let reply = plain(400, &format!("malformed {part}"));
                send(stream, reply, HTTPVersion(1, 1), &[], false);
                return linger(&mut reader);
            }
        };
        connections.set_waiting(id, false);
        let refusal = match head.header("Host") {
            None if head.version >= (1, 1) => Some(plain(400, "the request has no Host header")),
            Some(host) if !hosts.allows(host) => Some(plain(
                403,
                "this server answers only to localhost, 127.0.0.1, [::1] and the address it was started on",
            )),
            _ => None,
        };
        let refused = refusal.is_some();
        let reply = refusal.unwrap_or_else(|| answer(&head));
        let is_head = head.method == Method::Head;
        let keeps_alive = !refused && head.keeps_alive();
        send(stream, reply, head.version, &head.headers, is_head);
        if !keeps_alive {
            connections.set_waiting(id, true);
            return linger(&mut reader);
        }
    }
}

/// Close after a response without losing it: closing a socket with unread input (a request
/// body, the rest of a bad head) resets the connection, and the client may then drop the
/// response it has not read yet. So send our end-of-stream first and read out what the
/// client still sends, for a moment.
fn linger(reader: &mut BufReader<TcpStream>) {
    const LINGER: Duration = Duration::from_secs(1);
    const MAX_DRAINED: usize = 64 * 1024;
    let socket = reader.get_mut();
    let _ = socket.shutdown(Shutdown::Write);
    let until = Instant::now() + LINGER;
    let mut drained = 0;
    let mut buffer = [0; 4096];
    while drained < MAX_DRAINED {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || socket.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match socket.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n,
        }
    }
}

/// Every connection is busy: say so at once rather than queue.
fn refuse_busy(stream: &TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let reply = plain(503, "the server is busy; try again").with_header(header("Retry-After", "1"));
    send(stream, reply, HTTPVersion(1, 1), &[], false);
}

/// Write `reply` with the headers every response carries; a failed write ends the
/// connection the same way a closed one does.
fn send(
    stream: &TcpStream,
    reply: Reply,
    version: HTTPVersion,
    request_headers: &[Header],
    is_head: bool,
) {
    // Every body is in memory: always send its length, never chunks.
    let reply = reply
        .with_chunked_threshold(usize::MAX)
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("Cache-Control", "no-store"));
    let mut writer = BufWriter::new(stream);
    let _ = reply
        .raw_print(&mut writer, version, request_headers, is_head, None)
        .and_then(|()| writer.flush());
}

/// A short plain-text reply with `status`.
pub fn plain(status: u16, text: &str) -> Reply {
    Response::from_string(format!("{text}\n"))
        .with_status_code(status)
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

pub fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("ASCII header")
}
