//! Anchor's documented input rules (task names, UUID ids, versions, base64 code, `ANCHOR_`
//! input keys), as pure checks, so bad input is caught and explained before any request is
//! sent.

use crate::params::screaming_snake;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Prefix every v1 input key must carry.
pub const INPUT_PREFIX: &str = "ANCHOR_";

/// Task names: 1..=255 of `[a-zA-Z0-9_-]`.
pub fn is_task_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Versions a task can be read or run at: `draft`, `latest` or a number.
pub fn is_version_ref(version: &str) -> bool {
    matches!(version, "draft" | "latest") || is_version_number(version)
}

/// A published version number (`^\d+$`).
pub fn is_version_number(version: &str) -> bool {
    !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit())
}

/// A UUID in its usual hyphenated form (v1 task, execution and session ids are UUIDs).
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36 && uuid::Uuid::parse_str(text).is_ok()
}

/// Why `text` is not usable as the API's base64 `code`, if it is not.
pub fn base64_problem(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Some("it is empty".into());
    }
    if let Some(bad) = compact
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
    {
        return Some(format!(
            "it contains {bad:?}, which is not a base64 character (A-Z a-z 0-9 + / =)"
        ));
    }
    match STANDARD.decode(&compact) {
        Err(e) => Some(format!("it does not decode as base64 ({e})")),
        Ok(bytes) if std::str::from_utf8(&bytes).is_err() => {
            Some("it decodes to bytes that are not UTF-8 text".into())
        }
        Ok(_) => None,
    }
}

/// Base64 as the API stores it (whitespace from line-wrapped encoders removed).
pub fn canonical_base64(text: &str) -> String {
    text.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

/// Encode TypeScript source for the API.
pub fn encode_code(source: &str) -> String {
    STANDARD.encode(source.as_bytes())
}

/// Decode the API's base64 code back to text (lossy on invalid UTF-8, never failing).
pub fn decode_code(base64: &str) -> Option<String> {
    STANDARD
        .decode(canonical_base64(base64))
        .ok()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// The API key for a v1 input name: `max_pages` and `maxPages` → `ANCHOR_MAX_PAGES`;
/// a name that already carries the exact prefix (`ANCHOR_url`) is kept verbatim, since
/// environment variable names are case-sensitive and the caller was explicit.
///
/// Returns `None` when the name cannot become an environment variable name (it must be
/// letters, digits and underscores).
pub fn input_key(name: &str) -> Option<String> {
    let name = name.trim();
    let valid = |text: &str| {
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    if let Some(rest) = name.strip_prefix(INPUT_PREFIX) {
        return valid(rest).then(|| name.to_string());
    }
    // `anchor_url` is clearly meant as ANCHOR_URL.
    let rest = match name.get(..INPUT_PREFIX.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(INPUT_PREFIX) => &name[INPUT_PREFIX.len()..],
        _ => name,
    };
    valid(rest).then(|| format!("{INPUT_PREFIX}{}", screaming_snake(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_names() {
        assert!(is_task_name("web-scraper_2"));
        assert!(!is_task_name(""));
        assert!(!is_task_name("my task"));
        assert!(!is_task_name("täsk"));
        assert!(!is_task_name(&"a".repeat(256)));
    }

    #[test]
    fn versions() {
        for ok in ["draft", "latest", "1", "42"] {
            assert!(is_version_ref(ok), "{ok}");
        }
        for bad in ["", "v1", "1.0", "Latest", "-1"] {
            assert!(!is_version_ref(bad), "{bad}");
        }
        assert!(!is_version_number("draft"));
    }

    #[test]
    fn base64_checks_name_the_problem() {
        assert_eq!(base64_problem(&encode_code("export default 1")), None);
        assert!(base64_problem("").unwrap().contains("empty"));
        assert!(base64_problem("abc$").unwrap().contains("'$'"));
        assert!(base64_problem("abc").unwrap().contains("decode"));
        assert_eq!(
            decode_code(&encode_code("const é = 1")).as_deref(),
            Some("const é = 1")
        );
    }

    #[test]
    fn input_keys_get_the_prefix() {
        assert_eq!(input_key("max_pages").as_deref(), Some("ANCHOR_MAX_PAGES"));
        assert_eq!(input_key("ANCHOR_URL").as_deref(), Some("ANCHOR_URL"));
        assert_eq!(input_key("anchor_url").as_deref(), Some("ANCHOR_URL"));
        assert_eq!(input_key("targetUrl").as_deref(), Some("ANCHOR_TARGET_URL"));
        assert_eq!(
            input_key("ANCHOR_mixedCase").as_deref(),
            Some("ANCHOR_mixedCase")
        );
        assert_eq!(input_key("File Name"), None);
        assert_eq!(input_key("ANCHOR_"), None);
    }
}
