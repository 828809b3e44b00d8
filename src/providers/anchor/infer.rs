//! Reading a code task's inputs off its TypeScript source.
//!
//! Anchor's v1 code tasks carry no parameter list: inputs arrive as `process.env.ANCHOR_*`
//! variables. When nobody declared the parameters, this finds the reads in the code:
//!
//! - `process.env.ANCHOR_TARGET_URL` → a required string `TARGET_URL`;
//! - `process.env.ANCHOR_MAX_PAGES || '10'` (or `?? '10'`) → optional, default `"10"`;
//! - wrapped in `parseInt(…)`, `parseFloat(…)` or `Number(…)` → a number;
//! - compared with `'true'` / `'false'` → a boolean;
//! - named like a secret (`ANCHOR_PASSWORD`, `ANCHOR_API_TOKEN`) → a secret, never logged or
//!   stored, and suppliable from the server's configuration.
//!
//! `ANCHOR_API_KEY` is the SDK's own key, not an input, and is skipped. The result is a best
//! guess: the task's `params_origin` says so (get_task shows it), not each parameter.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::params::{Param, ParamType, looks_secret};

/// Variables the Anchor SDK reads itself.
const NOT_INPUTS: &[&str] = &["API_KEY", "BASE_URL", "BROWSER_API_KEY"];

/// The inputs `source` reads, by name (without the `ANCHOR_` prefix), in order of first use.
pub fn inputs_from_code(source: &str) -> Vec<Param> {
    let mut found: BTreeMap<String, (usize, Param)> = BTreeMap::new();
    let mut order = 0;
    for (start, name, after) in env_reads(source) {
        if NOT_INPUTS.contains(&name.as_str()) {
            continue;
        }
        let before = &source[..start];
        let default = default_after(after);
        let kind = if looks_secret(&name) {
            ParamType::Secret
        } else if is_numeric_wrapper(before) {
            ParamType::Number
        } else if compared_to_boolean(after) {
            ParamType::Boolean
        } else {
            ParamType::String
        };
        let entry = found.entry(name.clone()).or_insert_with(|| {
            order += 1;
            (
                order,
                Param {
                    name: name.clone(),
                    kind,
                    required: true,
                    description: None,
                    default: None,
                    options: Vec::new(),
                },
            )
        });
        let param = &mut entry.1;
        // Any read with a fallback makes the input optional; a typed read types it.
        if let Some(default) = default {
            param.required = false;
            param.default.get_or_insert(Value::String(default));
        }
        if param.kind == ParamType::String && kind != ParamType::String {
            param.kind = kind;
        }
    }
    let mut params: Vec<(usize, Param)> = found.into_values().collect();
    params.sort_by_key(|(order, _)| *order);
    params
        .into_iter()
        .map(|(_, mut param)| {
            // No description: the name is the code's own, and that the inputs were read off
            // the code is the task's `params_origin` (get_task shows it).
            if let (ParamType::Number, Some(Value::String(text))) = (param.kind, &param.default)
                && let Ok(number) = text.trim().parse::<f64>()
            {
                param.default = serde_json::Number::from_f64(number).map(Value::Number);
            }
            param
        })
        .collect()
}

/// Each `process.env.ANCHOR_X` / `process.env['ANCHOR_X']` / `process.env["ANCHOR_X"]`: its
/// byte offset, the name after the prefix, and the source after the read.
fn env_reads(source: &str) -> Vec<(usize, String, &str)> {
    let mut reads = Vec::new();
    let mut rest = 0;
    while let Some(found) = source[rest..].find("process.env") {
        let start = rest + found;
        let mut cursor = start + "process.env".len();
        let tail = &source[cursor..];
        let (name_start, quote) = if tail.starts_with('.') {
            (cursor + 1, None::<char>)
        } else if let Some(stripped) = tail.strip_prefix('[') {
            let quote = stripped
                .chars()
                .next()
                .filter(|c| matches!(c, '\'' | '"' | '`'));
            match quote {
                Some(q) => (cursor + 2, Some(q)),
                None => {
                    rest = cursor;
                    continue;
                }
            }
        } else {
            rest = cursor;
            continue;
        };
        let ident_len = source[name_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(source.len() - name_start);
        let ident = &source[name_start..name_start + ident_len];
        cursor = name_start + ident_len;
        if let Some(q) = quote {
            // Skip the closing quote and bracket.
            if source[cursor..].starts_with(q) {
                cursor += q.len_utf8();
            }
            if source[cursor..].starts_with(']') {
                cursor += 1;
            }
        }
        if let Some(name) = ident.strip_prefix("ANCHOR_").filter(|n| !n.is_empty()) {
            reads.push((start, name.to_string(), &source[cursor..]));
        }
        rest = cursor.max(start + 1);
    }
    reads
}

/// `|| '10'` or `?? "10"` right after the read: the fallback literal.
fn default_after(after: &str) -> Option<String> {
    let trimmed = after.trim_start();
    let rest = trimmed
        .strip_prefix("||")
        .or_else(|| trimmed.strip_prefix("??"))?
        .trim_start();
    let quote = rest.chars().next()?;
    if matches!(quote, '\'' | '"' | '`') {
        let body = &rest[1..];
        let end = body.find(quote)?;
        return Some(body[..end].to_string());
    }
    // A bare number: `|| 10`.
    let number: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    (!number.is_empty()).then_some(number)
}

/// Whether the read is the argument of `parseInt(`, `parseFloat(` or `Number(`.
fn is_numeric_wrapper(before: &str) -> bool {
    let trimmed = before.trim_end();
    ["parseInt(", "parseFloat(", "Number("]
        .iter()
        .any(|wrapper| trimmed.ends_with(wrapper))
}

/// Whether the read is compared with a boolean string (`=== 'true'`).
fn compared_to_boolean(after: &str) -> bool {
    let trimmed = after.trim_start();
    let Some(rest) = ["===", "!==", "==", "!="]
        .iter()
        .find_map(|op| trimmed.strip_prefix(op))
    else {
        return false;
    };
    let rest = rest.trim_start();
    [
        "'true'",
        "\"true\"",
        "'false'",
        "\"false\"",
        "`true`",
        "`false`",
    ]
    .iter()
    .any(|literal| rest.starts_with(literal))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_the_documented_example() {
        let source = r#"
            import AnchorClient from 'anchorbrowser';
            const anchorClient = new AnchorClient({ apiKey: process.env.ANCHOR_API_KEY });
            export default async function run() {
              const targetUrl = process.env.ANCHOR_TARGET_URL;
              const maxPages = parseInt(process.env.ANCHOR_MAX_PAGES || '10');
              const headless = process.env['ANCHOR_HEADLESS'] === 'true';
              const mode = process.env.ANCHOR_MODE ?? "fast";
              console.log(process.env.ANCHOR_TARGET_URL);
              return { ok: true };
            }
        "#;
        let params = inputs_from_code(source);
        let summary: Vec<(String, ParamType, bool, Option<Value>)> = params
            .iter()
            .map(|p| (p.name.clone(), p.kind, p.required, p.default.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("TARGET_URL".into(), ParamType::String, true, None),
                (
                    "MAX_PAGES".into(),
                    ParamType::Number,
                    false,
                    Some(json!(10.0))
                ),
                ("HEADLESS".into(), ParamType::Boolean, true, None),
                ("MODE".into(), ParamType::String, false, Some(json!("fast"))),
            ]
        );
        // Whence they came is the task's `params_origin`, not each one's description.
        assert!(params.iter().all(|p| p.description.is_none()), "{params:?}");
    }

    #[test]
    fn code_without_inputs_has_none() {
        assert_eq!(inputs_from_code("export default async () => 1"), vec![]);
        assert_eq!(inputs_from_code("process.env.HOME; process.env[x]"), vec![]);
        assert_eq!(inputs_from_code("process.env.ANCHOR_"), vec![]);
        // Truncated sources do not trip the scanner.
        assert_eq!(inputs_from_code("process.env['ANCHOR_X").len(), 1);
        assert_eq!(inputs_from_code("x = process.env.ANCHOR_Y ||").len(), 1);
    }
}
