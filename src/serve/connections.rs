//! The open connections of the dev server, each served by its own thread, at most
//! `capacity` at once. A connection is *waiting* while it has not sent a complete request
//! head (a new or idle keep-alive connection): when the server is full, the one that has
//! waited longest is shut down to make room, so idle or half-sent connections cannot lock
//! out a reader. Only when every connection is busy answering is a newcomer refused.

use std::collections::HashMap;
use std::net::{Shutdown, TcpStream};
use std::sync::Mutex;
use std::time::Instant;

struct Open {
    /// A handle on the socket, to shut it down from the accepting thread.
    socket: TcpStream,
    /// Since when it has waited for a request head; `None` while a request is answered.
    waiting_since: Option<Instant>,
}

pub struct Connections {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    open: HashMap<u64, Open>,
}

impl Connections {
    pub fn new(capacity: usize) -> Self {
        Connections {
            capacity,
            state: Mutex::default(),
        }
    }

    /// Take in `socket`, evicting the longest-waiting connection if full; its id, or `None`
    /// when every open connection is busy (or the socket cannot be shared).
    pub fn admit(&self, socket: &TcpStream) -> Option<u64> {
        let handle = socket.try_clone().ok()?;
        let mut state = self.lock();
        if state.open.len() >= self.capacity {
            let longest = state
                .open
                .iter()
                .filter_map(|(&id, open)| open.waiting_since.map(|since| (since, id)))
                .min()?;
            if let Some(evicted) = state.open.remove(&longest.1) {
                // Its thread sees the end of the stream and exits.
                let _ = evicted.socket.shutdown(Shutdown::Both);
            }
        }
        let id = state.next_id;
        state.next_id += 1;
        state.open.insert(
            id,
            Open {
                socket: handle,
                waiting_since: Some(Instant::now()),
            },
        );
        Some(id)
    }

    /// Mark `id` as waiting for its next request head (`true`) or answering one.
    pub fn set_waiting(&self, id: u64, waiting: bool) {
        if let Some(open) = self.lock().open.get_mut(&id) {
            open.waiting_since = waiting.then(Instant::now);
        }
    }

    /// Forget `id` once its thread is done with it (a no-op if it was evicted).
    pub fn close(&self, id: u64) {
        self.lock().open.remove(&id);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().open.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    /// `n` connected pairs: (the client's end, the server's end).
    fn pairs(n: usize) -> Vec<(TcpStream, TcpStream)> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        (0..n)
            .map(|_| {
                let client = TcpStream::connect(addr).unwrap();
                (client, listener.accept().unwrap().0)
            })
            .collect()
    }

    fn is_closed(client: &mut TcpStream) -> bool {
        client
            .set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .unwrap();
        matches!(client.read(&mut [0; 1]), Ok(0))
    }

    #[test]
    fn a_full_server_evicts_the_longest_waiting_connection() {
        let mut sockets = pairs(4);
        let connections = Connections::new(3);
        let ids: Vec<u64> = sockets[..3]
            .iter()
            .map(|(_, server)| connections.admit(server).unwrap())
            .collect();
        // The oldest is busy answering: the next oldest waiting one goes.
        connections.set_waiting(ids[0], false);
        assert!(connections.admit(&sockets[3].1).is_some());
        assert_eq!(connections.len(), 3);
        assert!(
            is_closed(&mut sockets[1].0),
            "the longest waiting was shut down"
        );
        assert!(!is_closed(&mut sockets[0].0), "the busy one stays");
        assert!(!is_closed(&mut sockets[2].0));
        connections.close(ids[1]);
        assert_eq!(
            connections.len(),
            3,
            "closing an evicted id changes nothing"
        );
    }

    #[test]
    fn a_newcomer_is_refused_only_when_every_connection_is_busy() {
        let sockets = pairs(3);
        let connections = Connections::new(2);
        for (_, server) in &sockets[..2] {
            let id = connections.admit(server).unwrap();
            connections.set_waiting(id, false);
        }
        assert_eq!(connections.admit(&sockets[2].1), None);
        connections.close(0);
        assert!(connections.admit(&sockets[2].1).is_some());
    }
}
