//! Reading one request head (request line and headers) from a connection, against a
//! deadline for the whole head: a client that sends half a request, or one byte at a time,
//! is cut off when the deadline passes rather than holding its thread. The head is capped in
//! size too. Header lines and methods are parsed by tiny_http's own types.

use std::io::{self, BufRead, BufReader};
use std::net::TcpStream;
use std::str::FromStr;
use std::time::Instant;

use tiny_http::{HTTPVersion, Header, Method};

/// The most a request head may take; browsers send well under 8 KiB.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// A request as far as a static site needs it: no body is ever read.
#[derive(Debug)]
pub struct RequestHead {
    pub method: Method,
    /// As sent: `/a/b.html?x=1`.
    pub target: String,
    pub version: HTTPVersion,
    pub headers: Vec<Header>,
}

impl RequestHead {
    /// The value of the header `name` (the first one when repeated).
    pub fn header(&self, name: &'static str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str())
    }

    /// Whether the connection may carry another request after this one: HTTP/1.1 without
    /// `Connection: close` and without a body (which is never read, so would be taken for
    /// the next request).
    pub fn keeps_alive(&self) -> bool {
        let close = self
            .header("Connection")
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));
        let has_body = self.header("Transfer-Encoding").is_some()
            || self
                .header("Content-Length")
                .is_some_and(|v| v.trim() != "0");
        self.version >= (1, 1) && !close && !has_body
    }
}

#[derive(Debug)]
pub enum HeadError {
    /// The client closed the connection, or the socket failed.
    Closed,
    /// The deadline passed; `started` when part of a head had arrived.
    TimedOut {
        started: bool,
    },
    TooLarge,
    Malformed(&'static str),
}

/// Read the next request head, giving up at `deadline`.
pub fn read_head(
    reader: &mut BufReader<TcpStream>,
    deadline: Instant,
) -> Result<RequestHead, HeadError> {
    let mut budget = MAX_HEAD_BYTES;
    let mut request_line = Vec::new();
    // Empty lines before the request line are allowed (RFC 9112 §2.2).
    while request_line.is_empty() {
        let started = budget < MAX_HEAD_BYTES;
        request_line = read_line(reader, deadline, &mut budget, started)?;
    }
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader, deadline, &mut budget, true)?;
        if line.is_empty() {
            break;
        }
        let text = std::str::from_utf8(&line).map_err(|_| HeadError::Malformed("header"))?;
        headers.push(Header::from_str(text).map_err(|()| HeadError::Malformed("header"))?);
    }
    // Browsers percent-encode the target; raw bytes above ASCII are not HTTP.
    let line = std::str::from_utf8(&request_line)
        .ok()
        .filter(|line| line.is_ascii())
        .ok_or(HeadError::Malformed("request line"))?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed("request line"));
    };
    let version = match version {
        "HTTP/1.1" => HTTPVersion(1, 1),
        "HTTP/1.0" => HTTPVersion(1, 0),
        _ => return Err(HeadError::Malformed("HTTP version")),
    };
    let method = Method::from_str(method).map_err(|()| HeadError::Malformed("method"))?;
    if target.is_empty() {
        return Err(HeadError::Malformed("request target"));
    }
    Ok(RequestHead {
        method,
        target: target.to_string(),
        version,
        headers,
    })
}

/// One line without its CRLF (or bare LF), from what is buffered or arrives before
/// `deadline`. Each wait on the socket is given only the time left.
fn read_line(
    reader: &mut BufReader<TcpStream>,
    deadline: Instant,
    budget: &mut usize,
    started: bool,
) -> Result<Vec<u8>, HeadError> {
    let mut line = Vec::new();
    loop {
        let started = started || !line.is_empty();
        if reader.buffer().is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(HeadError::TimedOut { started });
            }
            reader
                .get_ref()
                .set_read_timeout(Some(left))
                .map_err(|_| HeadError::Closed)?;
        }
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(HeadError::TimedOut { started });
            }
            Err(_) => return Err(HeadError::Closed),
        };
        if available.is_empty() {
            return Err(HeadError::Closed);
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let used = newline.map_or(available.len(), |at| at + 1);
        if used > *budget {
            return Err(HeadError::TooLarge);
        }
        line.extend_from_slice(&available[..used]);
        *budget -= used;
        reader.consume(used);
        if newline.is_some() {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;
    use std::time::Duration;

    /// The head the server reads when a client sends `sent` and then waits.
    fn head_of(sent: &[u8], wait: Duration) -> Result<RequestHead, HeadError> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        client.write_all(sent).unwrap();
        let (server, _) = listener.accept().unwrap();
        read_head(&mut BufReader::new(server), Instant::now() + wait)
    }

    #[test]
    fn reads_the_request_line_and_headers() {
        let head = head_of(
            b"\r\nGET /a.html?x=1 HTTP/1.1\r\nHost: localhost:3000\r\nX-A:  b \r\n\r\n",
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(head.method, Method::Get);
        assert_eq!(head.target, "/a.html?x=1");
        assert_eq!(head.version, HTTPVersion(1, 1));
        assert_eq!(head.header("host"), Some("localhost:3000"));
        assert_eq!(head.header("X-A"), Some("b"));
        assert!(head.keeps_alive());
    }

    #[test]
    fn knows_when_the_connection_ends_after_this_request() {
        for sent in [
            &b"GET / HTTP/1.0\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n",
        ] {
            let head = head_of(sent, Duration::from_secs(5)).unwrap();
            assert!(!head.keeps_alive(), "{}", String::from_utf8_lossy(sent));
        }
    }

    #[test]
    fn a_half_sent_head_times_out_at_the_deadline() {
        let started = Instant::now();
        let error = head_of(b"GET / HTTP/1.1\r\nHost: x", Duration::from_millis(300));
        assert!(
            matches!(error, Err(HeadError::TimedOut { started: true })),
            "{error:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        let idle = head_of(b"", Duration::from_millis(100));
        assert!(
            matches!(idle, Err(HeadError::TimedOut { started: false })),
            "{idle:?}"
        );
    }

    #[test]
    fn refuses_malformed_and_oversized_heads() {
        for sent in [
            &b"GET /\r\n\r\n"[..],
            b"GET / HTTP/2\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET  / HTTP/1.1\r\n\r\n",
            "GET /\u{e4} HTTP/1.1\r\n\r\n".as_bytes(),
        ] {
            let error = head_of(sent, Duration::from_secs(5));
            assert!(matches!(error, Err(HeadError::Malformed(_))), "{error:?}");
        }
        let mut huge = b"GET / HTTP/1.1\r\nX: ".to_vec();
        huge.resize(MAX_HEAD_BYTES + 10, b'a');
        let error = head_of(&huge, Duration::from_secs(5));
        assert!(matches!(error, Err(HeadError::TooLarge)), "{error:?}");
    }
}
