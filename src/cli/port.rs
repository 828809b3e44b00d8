//! Why the HTTP server cannot listen where `--bind` says, in words a person can act on: the
//! address is taken (and, on Linux, by which process), needs privileges, or is not this
//! machine's; each with the flag that moves it.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::path::Path;

/// The message for a failed bind of `address`.
pub fn cannot_listen(address: SocketAddr, error: &std::io::Error) -> String {
    let flag = "choose another address with --bind (env BROWSER_TASKS_BIND)";
    let next = SocketAddr::new(address.ip(), address.port().wrapping_add(1).max(1));
    match error.kind() {
        ErrorKind::AddrInUse => {
            let holder = match holder_of(address.port()) {
                Some((pid, name)) => format!("by process {pid} ({name})"),
                None => "(by another browser-tasks-mcp, or another server)".into(),
            };
            format!(
                "cannot listen on {address}: the address is already in use {holder}. Stop that \
                 process, or {flag}, e.g. --bind {next} (port 0 takes any free port)."
            )
        }
        ErrorKind::PermissionDenied => format!(
            "cannot listen on {address}: this user may not ({error}); ports below 1024 need \
             privileges. {} a port above 1023, e.g. --bind {}.",
            capitalized(flag),
            SocketAddr::new(address.ip(), 8931)
        ),
        ErrorKind::AddrNotAvailable => format!(
            "cannot listen on {address}: {} is not an address of this machine ({error}). {}, \
             e.g. --bind 127.0.0.1:{}.",
            address.ip(),
            capitalized(flag),
            address.port()
        ),
        _ => format!("cannot listen on {address}: {error}. Check --bind, or {flag}."),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The process of this user listening on TCP `port`, as (pid, name), where that can be told
/// (Linux, from `/proc`).
fn holder_of(port: u16) -> Option<(u32, String)> {
    let proc = Path::new("/proc");
    let mut inodes = Vec::new();
    for table in ["net/tcp", "net/tcp6"] {
        if let Ok(text) = std::fs::read_to_string(proc.join(table)) {
            inodes.extend(listening_inodes(&text, port));
        }
    }
    if inodes.is_empty() {
        return None;
    }
    let wanted: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    super::holders::processes_holding(|link| wanted.iter().any(|w| link.as_os_str() == w.as_str()))?
        .into_iter()
        .next()
}

/// The inodes of the sockets listening on `port` in a `/proc/net/tcp` (or `tcp6`) table.
fn listening_inodes(table: &str, port: u16) -> Vec<u64> {
    const LISTEN: &str = "0A";
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local = fields.get(1)?;
            let local_port = u16::from_str_radix(local.rsplit(':').next()?, 16).ok()?;
            let listening = fields.get(3) == Some(&LISTEN);
            (local_port == port && listening).then(|| fields.get(9)?.parse().ok())?
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_sockets_are_found_by_port() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
            0: 0100007F:22E3 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 16979 1 0 100 0 0 10 0\n\
            1: 0100007F:22E3 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 17475 1 0 100 0 0 10 0\n\
            2: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 18000 1 0 100 0 0 10 0\n";
        assert_eq!(listening_inodes(table, 8931), [16979]);
        assert_eq!(listening_inodes(table, 80), [18000]);
        assert!(listening_inodes(table, 8932).is_empty());
        assert!(listening_inodes("", 80).is_empty());
    }

    #[test]
    fn each_failure_names_the_flag() {
        let address: SocketAddr = "127.0.0.1:80".parse().unwrap();
        for kind in [
            ErrorKind::PermissionDenied,
            ErrorKind::AddrNotAvailable,
            ErrorKind::Other,
        ] {
            let text = cannot_listen(address, &std::io::Error::from(kind));
            assert!(
                text.contains("--bind") && text.contains("127.0.0.1:80"),
                "{text}"
            );
        }
        let text = cannot_listen(address, &std::io::Error::from(ErrorKind::PermissionDenied));
        assert!(text.contains("above 1023"), "{text}");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_process_holding_a_port_is_named() {
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = held.local_addr().unwrap();
        let error = std::net::TcpListener::bind(address).unwrap_err();
        let text = cannot_listen(address, &error);
        assert!(
            text.contains(&format!("in use by process {}", std::process::id())),
            "{text}"
        );
        assert!(text.contains(&format!("--bind 127.0.0.1:{}", address.port() + 1)));
    }
}
