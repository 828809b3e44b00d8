//! Tool names for tasks, and argument names for their parameters.
//!
//! Clients are strict about names: Claude Desktop wants `^[a-zA-Z0-9_-]{1,64}$`, Claude Code
//! prefixes `mcp__<server>__` and caps the whole at 64, Cursor drops tools whose server + tool
//! name pass 60, Gemini wants a leading letter. So a task's tool name is `[a-z][a-z0-9_]*`, at
//! most 40 characters, never a static tool's name nor another task's; when the plain slug of
//! the task's name is unusable (taken, cut short, empty) it gets a short hash of the task's id,
//! so the name is the same on every restart and in every process.

use std::collections::BTreeMap;

/// Longest task tool name.
pub const MAX_TOOL_NAME: usize = 40;

/// `"HN Top Posts!"` → `"hn_top_posts"`: lowercase letters, digits and single underscores.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// A stable 6-hex-digit hash (FNV-1a) of `text`.
pub fn short_hash(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{:06x}", hash & 0x00ff_ffff)
}

/// Whether `name` is a valid task tool name.
#[cfg(test)]
pub fn is_valid_tool_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_TOOL_NAME
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}

/// The tool name for a task called `task_name` with identity `identity` (provider and id),
/// avoiding every name for which `taken` says yes.
pub fn tool_name(task_name: &str, identity: &str, taken: &dyn Fn(&str) -> bool) -> String {
    let mut base = slug(task_name);
    if !base.starts_with(|c: char| c.is_ascii_lowercase()) {
        base = format!("task_{base}").trim_end_matches('_').to_string();
    }
    if base.len() <= MAX_TOOL_NAME && !taken(&base) {
        return base;
    }
    let hash = short_hash(identity);
    let room = MAX_TOOL_NAME - hash.len() - 1;
    let stem = base[..base.len().min(room)].trim_end_matches('_');
    let hashed = format!("{stem}_{hash}");
    if !taken(&hashed) {
        return hashed;
    }
    // Two tasks whose identities hash alike (about one in sixteen million): count on.
    (2..)
        .map(|n| {
            let suffix = format!("{hash}{n}");
            let stem = &base[..base.len().min(MAX_TOOL_NAME - suffix.len() - 1)];
            format!("{}_{suffix}", stem.trim_end_matches('_'))
        })
        .find(|name| !taken(name))
        .unwrap_or(hashed)
}

/// Argument names for parameter names: `"File Name"` → `file_name`, collisions numbered
/// (`file_name_2`). Returns `(argument, parameter)` pairs in the parameters' order.
pub fn argument_names<'a>(parameters: impl IntoIterator<Item = &'a str>) -> Vec<(String, String)> {
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    parameters
        .into_iter()
        .map(|parameter| {
            let mut name = slug(parameter);
            if name.is_empty() {
                name = "value".into();
            }
            if name.starts_with(|c: char| c.is_ascii_digit()) {
                name = format!("p_{name}");
            }
            let count = used.entry(name.clone()).or_insert(0);
            *count += 1;
            let argument = if *count == 1 {
                name
            } else {
                format!("{name}_{count}")
            };
            (argument, parameter.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("HN Top Posts!"), "hn_top_posts");
        assert_eq!(slug("web-scraper_2"), "web_scraper_2");
        assert_eq!(slug("  --  "), "");
        assert_eq!(slug("Déjà vu"), "d_j_vu");
    }

    #[test]
    fn names_are_valid_stable_and_unique() {
        let none = |_: &str| false;
        assert_eq!(tool_name("hn-top-posts", "anchor:1", &none), "hn_top_posts");
        // Taken (e.g. a static tool's name): hashed by identity, the same every time.
        let static_taken = |n: &str| n == "run_task";
        let hashed = tool_name("run task", "anchor:1", &static_taken);
        assert_eq!(hashed, format!("run_task_{}", short_hash("anchor:1")));
        assert_eq!(hashed, tool_name("run task", "anchor:1", &static_taken));
        assert_ne!(hashed, tool_name("run task", "anchor:2", &static_taken));
        // Too long: cut and hashed.
        let long = tool_name(&"very long task name ".repeat(5), "anchor:3", &none);
        assert!(
            long.len() <= MAX_TOOL_NAME && is_valid_tool_name(&long),
            "{long}"
        );
        // Nothing usable in the name, or a leading digit.
        assert_eq!(tool_name("!!!", "anchor:4", &none), "task");
        assert_eq!(tool_name("2fa login", "anchor:5", &none), "task_2fa_login");
        // Even a hash collision finds a free name.
        let hash = short_hash("anchor:6");
        let busy = |n: &str| n == "x" || n == format!("x_{hash}");
        assert_eq!(tool_name("x", "anchor:6", &busy), format!("x_{hash}2"));
    }

    #[test]
    fn argument_names_are_identifiers_without_collisions() {
        let names = argument_names(["File Name", "file-name", "url", "2nd page", "!!"]);
        let arguments: Vec<&str> = names.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            arguments,
            vec!["file_name", "file_name_2", "url", "p_2nd_page", "value"]
        );
        assert_eq!(names[0].1, "File Name");
    }
}
