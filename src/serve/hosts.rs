//! Which `Host` headers the dev server answers, against DNS rebinding: a page on
//! `evil.example` whose name is re-pointed at 127.0.0.1 would otherwise read the book
//! through the reader's browser. Only names that cannot be re-pointed are accepted:
//! `localhost`, the loopback addresses and the address given to `--host` (any IP address
//! when that is 0.0.0.0 or ::, since the server then answers on every address), each with
//! or without a port.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone)]
pub struct AllowedHosts {
    bound: IpAddr,
}

impl AllowedHosts {
    /// The hosts a server listening on `bound` answers to.
    pub fn for_address(bound: IpAddr) -> Self {
        AllowedHosts { bound }
    }

    /// Whether a request whose `Host` header is `host` may be answered.
    pub fn allows(&self, host: &str) -> bool {
        let Some(name) = without_port(host.trim()) else {
            return false;
        };
        if name.eq_ignore_ascii_case("localhost") {
            return true;
        }
        let ip = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            Some(v6) => v6.parse::<Ipv6Addr>().map(IpAddr::V6),
            None => name.parse::<Ipv4Addr>().map(IpAddr::V4),
        };
        let Ok(ip) = ip else {
            return false;
        };
        ip.is_loopback() || ip == self.bound || self.bound.is_unspecified()
    }
}

/// `name:port` → `name`, `[::1]:port` → `[::1]`; `None` when the port is not a number.
fn without_port(host: &str) -> Option<&str> {
    let (name, port) = match host.rfind(':') {
        // The colons inside `[…]` belong to an IPv6 address.
        Some(at) if !host[at..].contains(']') => (&host[..at], Some(&host[at + 1..])),
        _ => (host, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.parse::<u16>().is_ok());
    (port_ok && !name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_are_allowed_with_or_without_a_port() {
        let hosts = AllowedHosts::for_address(IpAddr::V4(Ipv4Addr::LOCALHOST));
        for host in [
            "localhost",
            "LocalHost:3000",
            "127.0.0.1",
            "127.0.0.1:3000",
            "[::1]",
            "[::1]:3000",
        ] {
            assert!(hosts.allows(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:3000",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "localhost:",
            "localhost:http",
            "localhost:99999",
            "192.168.1.5:3000",
            "::1",
            "[::1",
            "",
            ":3000",
        ] {
            assert!(!hosts.allows(host), "{host}");
        }
    }

    #[test]
    fn the_address_given_to_host_is_allowed_too() {
        let lan = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 5));
        let hosts = AllowedHosts::for_address(lan);
        assert!(hosts.allows("192.168.1.5:3000"));
        assert!(hosts.allows("localhost:3000"));
        assert!(!hosts.allows("192.168.1.6:3000"));
        assert!(!hosts.allows("book.lan:3000"));

        let everywhere = AllowedHosts::for_address(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert!(everywhere.allows("192.168.1.6:3000"));
        assert!(everywhere.allows("[fe80::1]:3000"));
        assert!(
            !everywhere.allows("book.lan:3000"),
            "names can be re-pointed"
        );
    }
}
