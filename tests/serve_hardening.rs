//! `gradbook serve` guards itself: `nosniff` on every response, a deadline for a request
//! head, a cap on open connections that idle ones cannot exhaust, a `Host` check against
//! DNS rebinding (the `--host` address is answered too), and `Range` ignored as documented
//! (200, the whole file). Loopback only;
//! every wait is bounded.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::TestBook;
use common::http;
use common::serve::serve;
use gradbook::serve::http::{HEAD_TIMEOUT, MAX_CONNECTIONS};

fn book() -> TestBook {
    TestBook::new().chapter("a.md", "# 甲\n\n正文。\n")
}

fn get_with_host(addr: SocketAddr, host: Option<&str>) -> http::HttpResponse {
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    http::send_raw(
        addr,
        format!("GET /a.html HTTP/1.1\r\n{host}Connection: close\r\n\r\n").as_bytes(),
    )
    .unwrap()
}

#[test]
fn every_response_says_nosniff() {
    let book = book();
    let server = serve(&book);
    let addr = server.addr;
    let responses = [
        (http::get(addr, "/").unwrap(), 200),
        (http::get(addr, "/a.html").unwrap(), 200),
        (http::get(addr, "/gradbook.css").unwrap(), 200),
        (http::get(addr, "/__gradbook/status").unwrap(), 200),
        (http::get(addr, "/missing.html").unwrap(), 404),
        (http::get(addr, "/../Cargo.toml").unwrap(), 404),
        (http::request(addr, "POST", "/", Some("{}")).unwrap(), 405),
        (get_with_host(addr, Some("evil.example")), 403),
        (http::send_raw(addr, b"NOT HTTP\r\n\r\n").unwrap(), 400),
    ];
    for (response, status) in responses {
        assert_eq!(response.status, status, "{}", response.headers);
        assert_eq!(
            response.header("X-Content-Type-Options"),
            Some("nosniff"),
            "{}",
            response.headers
        );
    }
}

#[test]
fn a_half_sent_request_is_dropped_after_the_timeout() {
    let book = book();
    let server = serve(&book);
    let addr = server.addr;
    // One client stops halfway; another sends a byte every 300 ms, never finishing: the
    // deadline is for the whole head, not for each read.
    let dribbler = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        let started = Instant::now();
        for byte in b"GET /a.html HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
            .iter()
            .cycle()
        {
            if stream.write_all(&[*byte]).is_err() || started.elapsed() > Duration::from_secs(9) {
                break;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        started.elapsed()
    });
    let (received, took) = http::send_until_closed(
        addr,
        b"GET /a.html HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        Duration::from_secs(9),
    )
    .expect("the server closes the connection (not the client's 9 s timeout)");
    let received = String::from_utf8_lossy(&received);
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(
        took >= HEAD_TIMEOUT - Duration::from_millis(500),
        "{took:?}"
    );
    assert!(took < HEAD_TIMEOUT + Duration::from_secs(3), "{took:?}");

    let dribbled = dribbler.join().unwrap();
    assert!(
        dribbled < HEAD_TIMEOUT + Duration::from_secs(3),
        "{dribbled:?}"
    );
    assert_eq!(http::get(addr, "/a.html").unwrap().status, 200);
}

#[test]
fn idle_connections_beyond_the_cap_do_not_lock_out_a_reader() {
    let book = book();
    let server = serve(&book);
    let addr = server.addr;
    let idle: Vec<TcpStream> = (0..MAX_CONNECTIONS + 36)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.write_all(b"GET / HTTP/1.1\r\nHost: 127").unwrap();
            stream
        })
        .collect();

    let started = Instant::now();
    let response = http::get(addr, "/a.html").unwrap();
    assert_eq!(response.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // The longest-waiting ones were closed to make room: at most the cap stay open.
    for stream in &idle {
        stream.set_nonblocking(true).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    let open = loop {
        let open = idle
            .iter()
            .filter(|s| {
                let mut stream: &TcpStream = s;
                matches!(stream.read(&mut [0; 64]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
            })
            .count();
        if open <= MAX_CONNECTIONS || Instant::now() > deadline {
            break open;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        open <= MAX_CONNECTIONS,
        "{open} of {} idle connections are still held open",
        idle.len()
    );
}

#[test]
fn a_host_that_is_not_this_machine_is_refused() {
    let book = book();
    let server = serve(&book);
    let addr = server.addr;
    let port = addr.port();
    for host in [
        format!("127.0.0.1:{port}"),
        "127.0.0.1".into(),
        format!("localhost:{port}"),
        "localhost".into(),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(get_with_host(addr, Some(&host)).status, 200, "{host}");
    }
    for host in [
        format!("evil.example:{port}"),
        "evil.example".into(),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("192.168.1.5:{port}"),
    ] {
        let response = get_with_host(addr, Some(&host));
        assert_eq!(response.status, 403, "{host}");
        assert!(!response.text().contains("正文"), "{host}");
    }
    assert_eq!(
        get_with_host(addr, None).status,
        400,
        "HTTP/1.1 needs a Host"
    );
}

#[test]
fn a_range_request_gets_the_whole_file_as_documented() {
    let book = book();
    let server = serve(&book);
    let addr = server.addr;
    let whole = http::get(addr, "/gradbook.css").unwrap();
    assert_eq!(whole.status, 200);
    assert_eq!(
        whole.header("Accept-Ranges"),
        None,
        "ranges are not offered"
    );
    for range in [
        "bytes=0-0",
        "bytes=5-",
        "bytes=99999-",
        "bytes=-1",
        "lines=1-2",
    ] {
        let response = http::send_raw(
            addr,
            format!(
                "GET /gradbook.css HTTP/1.1\r\nHost: localhost\r\nRange: {range}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(response.status, 200, "{range}");
        assert_eq!(response.header("Content-Range"), None, "{range}");
        assert_eq!(response.header("Accept-Ranges"), None, "{range}");
        assert_eq!(response.body, whole.body, "{range}");
    }
}

#[test]
fn requests_on_one_connection_and_head_are_answered() {
    let book = book();
    let server = serve(&book);
    let (received, _) = http::send_until_closed(
        server.addr,
        b"GET /a.html HTTP/1.1\r\nHost: localhost\r\n\r\nHEAD /a.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    )
    .unwrap();
    let received = String::from_utf8_lossy(&received);
    let responses: Vec<&str> = received.split("HTTP/1.1 200 OK\r\n").skip(1).collect();
    assert_eq!(responses.len(), 2, "{received}");
    let length = |response: &str| {
        let line = response
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-length:"))
            .unwrap_or_else(|| panic!("no Content-Length: {response}"));
        line[15..].trim().parse::<usize>().unwrap()
    };
    let (get, head) = (responses[0], responses[1]);
    assert_eq!(length(get), length(head), "HEAD gives the GET's length");
    assert!(get.contains("正文"), "{get}");
    assert!(head.ends_with("\r\n\r\n"), "HEAD has no body: {head}");
}

/// On Linux all of 127.0.0.0/8 is loopback, so 127.0.0.2 can stand in for the LAN address
/// a reader would pass to `--host`.
#[cfg(target_os = "linux")]
#[test]
fn the_address_given_to_host_is_answered_too() {
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};

    struct Stop(Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let book = book();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gradbook"))
        .args(["serve", "--port", "0", "--host", "127.0.0.2"])
        .current_dir(book.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _stop = Stop(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let addr: SocketAddr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("gradbook serve prints its address");
        if let Some(rest) = line.strip_prefix("serving the book at http://") {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    let port = addr.port();
    assert_eq!(addr.ip().to_string(), "127.0.0.2");
    for host in [format!("127.0.0.2:{port}"), format!("localhost:{port}")] {
        assert_eq!(get_with_host(addr, Some(&host)).status, 200, "{host}");
    }
    for host in [
        format!("127.0.0.3.example:{port}"),
        format!("book.lan:{port}"),
    ] {
        assert_eq!(get_with_host(addr, Some(&host)).status, 403, "{host}");
    }
}
