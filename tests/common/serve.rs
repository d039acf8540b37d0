//! `gradbook serve --port 0` on a fixture book, stopped when the test ends however it ends.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::TestBook;

pub struct Serving {
    child: Child,
    pub addr: SocketAddr,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start serving `book` on a free port of 127.0.0.1 and wait until it answers.
pub fn serve(book: &TestBook) -> Serving {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gradbook"))
        .args(["serve", "--port", "0"])
        .current_dir(book.root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start gradbook serve");
    let stdout = child.stdout.take().unwrap();
    // Owned by the guard from here, so a failure below still stops the server.
    let mut serving = Serving {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("gradbook serve prints its address");
        if let Some(rest) = line.strip_prefix("serving the book at http://") {
            let addr: SocketAddr = rest.split('/').next().unwrap().parse().unwrap();
            assert!(
                addr.ip().is_loopback(),
                "binds 127.0.0.1 by default: {addr}"
            );
            serving.addr = addr;
            return serving;
        }
    }
}
