//! Which processes have something open (a file, a socket), read from `/proc` (Linux): what
//! `doctor` says of a catalog file in use and what a busy port's message names. Other users'
//! processes cannot be read and are skipped.

use std::path::Path;

/// The processes (this one included) with an open descriptor whose target `held` accepts, as
/// (pid, name) in pid order; `None` where that cannot be told (no `/proc`).
pub(super) fn processes_holding(held: impl Fn(&Path) -> bool) -> Option<Vec<(u32, String)>> {
    let proc = Path::new("/proc");
    if !proc.join("self").join("fd").is_dir() {
        return None;
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(proc).ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let holds = fds
            .flatten()
            .filter_map(|fd| std::fs::read_link(fd.path()).ok())
            .any(|link| held(&link));
        if holds {
            let name = std::fs::read_to_string(entry.path().join("comm"))
                .map(|n| n.trim().to_string())
                .unwrap_or_default();
            found.push((pid, name));
        }
    }
    found.sort();
    Some(found)
}
