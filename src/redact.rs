//! Keeping secret values out of what is shown, logged or stored: the placeholder that stands
//! in for them, and scrubbing known values out of text and JSON (a task may echo its inputs
//! back in its output).

use serde_json::Value;

/// Shown and stored instead of a secret value.
pub const REDACTED: &str = "[secret]";

/// How a key may be shown to the person it belongs to (never to an agent or a log): its last
/// four characters, so they can tell which key it is, e.g. `…9d2f`. A key too short for four
/// characters to be a small part of it shows none.
pub fn key_hint(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 12 {
        return "…".to_string();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("…{tail}")
}

/// `text` with every occurrence of each (non-empty) secret replaced.
pub fn scrub_text(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_string(), |t, secret| {
            t.replace(secret.as_str(), REDACTED)
        })
}

/// Scrub every string inside `value`, keys included.
pub fn scrub_value(value: &mut Value, secrets: &[String]) {
    if secrets.iter().all(String::is_empty) {
        return;
    }
    match value {
        Value::String(text) => *text = scrub_text(text, secrets),
        Value::Array(items) => items.iter_mut().for_each(|v| scrub_value(v, secrets)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                scrub_value(&mut item, secrets);
                map.insert(scrub_text(&key, secrets), item);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scrubs_text_values_and_keys() {
        let secrets = vec!["s3cret".to_string(), String::new()];
        assert_eq!(
            scrub_text("a s3cret b s3cret", &secrets),
            "a [secret] b [secret]"
        );
        let mut value = json!({"s3cret": ["x s3cret"], "n": 1, "t": true});
        scrub_value(&mut value, &secrets);
        assert_eq!(
            value,
            json!({"[secret]": ["x [secret]"], "n": 1, "t": true})
        );
    }

    #[test]
    fn a_key_shows_its_last_four_characters_at_most() {
        assert_eq!(key_hint("bu-test-key-9d2f"), "…9d2f");
        assert_eq!(key_hint("short-key"), "…");
        assert_eq!(key_hint("ééééééééééé€"), "…ééé€");
    }
}
