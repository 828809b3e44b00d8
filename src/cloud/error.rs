//! The one error type every provider call returns, and the lenient reading of error bodies.
//!
//! Both vendors answer errors in several shapes (see each provider's module docs): `{"error": {"code",
//! "message"}}`, `{"error": "text"}`, `{"error": {"error": {...}}}`, `{"message": "..."}`,
//! FastAPI's `{"detail": "..." | [{loc, msg}] | {code, message}}`, or no JSON at all. We keep
//! whatever message we can find, so the agent reads the API's own words.

use std::time::Duration;

use serde_json::Value;

use super::provider::Provider;

/// Why a call to a cloud API did not produce the value asked for.
///
/// Messages name the provider, the request (method and path, never headers or bodies, so no
/// key or secret input can leak through them) and what the API said.
///
/// A request that starts or changes something (a write) whose answer was lost is
/// [`ApiError::OutcomeUnknown`], never [`ApiError::Timeout`], [`ApiError::Interrupted`] or
/// [`ApiError::Decode`]: the API may have applied it, and nothing may say otherwise.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The API answered with a non-success HTTP status.
    #[error("{provider} API answered {operation} with HTTP {status}: {message}")]
    Status {
        provider: Provider,
        operation: String,
        status: u16,
        message: String,
        /// The API's own error code, when its body carried one.
        code: Option<String>,
        /// The wait the API asked for (`Retry-After`), if any.
        retry_after: Option<Duration>,
        /// What this status means on this endpoint, when the provider says (see
        /// `cloud::hints`).
        hint: Option<String>,
    },
    /// A read got no complete answer in time.
    #[error("{provider} API did not answer {operation} within {}", seconds(*.timeout))]
    Timeout {
        provider: Provider,
        operation: String,
        timeout: Duration,
    },
    /// The API could not be reached at all: no connection, so nothing was sent.
    #[error("could not reach the {provider} API at {base_url} for {operation}: {reason}")]
    Connect {
        provider: Provider,
        operation: String,
        base_url: String,
        reason: String,
    },
    /// A read's connection broke after the request went out, before the whole answer came.
    #[error("the connection to the {provider} API broke during {operation}: {reason}")]
    Interrupted {
        provider: Provider,
        operation: String,
        reason: String,
    },
    /// A read's success status came with a body that is not what the contract documents.
    #[error(
        "{provider} API answered {operation} with HTTP {status}, but the body could not be read: {reason} (body starts: {excerpt:?})"
    )]
    Decode {
        provider: Provider,
        operation: String,
        status: u16,
        reason: String,
        excerpt: String,
    },
    /// A write was sent but its answer was lost (the connection broke after sending, no
    /// answer in time, a success body that cannot be read): it may have been applied.
    #[error("{provider} API may have applied {operation}, but its answer was lost: {reason}")]
    OutcomeUnknown {
        provider: Provider,
        operation: String,
        /// What happened to the answer.
        reason: String,
        /// The status, when one arrived (a success whose body could not be read).
        status: Option<u16>,
        /// How to find out on this endpoint, when the provider says.
        hint: Option<String>,
    },
}

/// `0.3 s`, `60 s`.
pub(crate) fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs} s")
    }
}

impl ApiError {
    /// The HTTP status, when the API answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } | ApiError::Decode { status, .. } => Some(*status),
            ApiError::OutcomeUnknown { status, .. } => *status,
            _ => None,
        }
    }

    /// The provider the failed call went to.
    pub fn provider(&self) -> Provider {
        match self {
            ApiError::Status { provider, .. }
            | ApiError::Timeout { provider, .. }
            | ApiError::Connect { provider, .. }
            | ApiError::Interrupted { provider, .. }
            | ApiError::Decode { provider, .. }
            | ApiError::OutcomeUnknown { provider, .. } => *provider,
        }
    }

    /// The request that failed: method and path, e.g. `POST /v1/task/run`.
    pub fn operation(&self) -> &str {
        match self {
            ApiError::Status { operation, .. }
            | ApiError::Timeout { operation, .. }
            | ApiError::Connect { operation, .. }
            | ApiError::Interrupted { operation, .. }
            | ApiError::Decode { operation, .. }
            | ApiError::OutcomeUnknown { operation, .. } => operation,
        }
    }

    /// The API's own message (or our description of the transport failure).
    pub fn api_message(&self) -> String {
        match self {
            ApiError::Status { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// Whether a write may have been applied although it failed to answer.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, ApiError::OutcomeUnknown { .. })
    }

    /// Whether trying the same read again later may well succeed (rate limits, gateway
    /// trouble, an unreachable host, a broken connection, a body garbled on the way). Used by
    /// pollers to keep waiting through a blip.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Status { status, .. } => matches!(status, 429 | 500 | 502 | 503 | 504),
            ApiError::Timeout { .. }
            | ApiError::Connect { .. }
            | ApiError::Interrupted { .. }
            | ApiError::Decode { .. } => true,
            ApiError::OutcomeUnknown { .. } => false,
        }
    }

    /// The same error with the endpoint's own hint (see `cloud::hints`); other kinds of
    /// error carry none.
    pub(crate) fn with_hint(mut self, endpoint_hint: Option<String>) -> Self {
        if let ApiError::Status { hint, .. } | ApiError::OutcomeUnknown { hint, .. } = &mut self {
            *hint = endpoint_hint.or(hint.take());
        }
        self
    }

    /// What the agent (or its user) can do about this error: what the provider says this
    /// failure means on this endpoint, else what it means anywhere.
    pub fn hint(&self) -> String {
        match self {
            ApiError::Status {
                hint: Some(hint), ..
            }
            | ApiError::OutcomeUnknown {
                hint: Some(hint), ..
            } => hint.clone(),
            _ => self.general_hint(),
        }
    }

    /// What this kind of failure means on any endpoint.
    fn general_hint(&self) -> String {
        let provider = self.provider();
        let key_env = provider.key_env();
        match self {
            ApiError::Status { status: 401, .. } => format!(
                "The {provider} API rejected the API key. Check that {key_env} holds a valid key \
                 for this account (and restart the server after changing it)."
            ),
            ApiError::Status { status: 403, .. } => format!(
                "The {provider} API refused this request: the key may lack access to it, or an \
                 account or plan limit was reached; its message above says which."
            ),
            ApiError::Status { status: 402, .. } => format!(
                "The {provider} account is out of credits or over its spend limit; top it up in \
                 the provider's dashboard."
            ),
            ApiError::Status { status: 404, .. } => {
                "Nothing exists under that id or name. Check it with list_tasks or \
                 list_executions; ids are case-sensitive."
                    .to_string()
            }
            ApiError::Status { status: 409, .. } => {
                "It conflicts with something that already exists (for example a task with that \
                 name). Choose another name or update the existing item."
                    .to_string()
            }
            ApiError::Status { status: 400, .. } | ApiError::Status { status: 422, .. } => {
                "The API refused the request as invalid; its message above says which field. \
                 Correct it and call again."
                    .to_string()
            }
            ApiError::Status {
                status: 429,
                retry_after,
                ..
            } => rate_limited(*retry_after),
            ApiError::Status {
                status, operation, ..
            } if *status >= 500 => {
                if operation.starts_with("GET ") {
                    format!("The {provider} API had an internal problem. Try again shortly.")
                } else {
                    format!(
                        "The {provider} API had an internal problem. Try again shortly; if the \
                         request started or changed something, check first whether it took \
                         effect."
                    )
                }
            }
            ApiError::Status { .. } => "See the API's message above.".to_string(),
            ApiError::Timeout { .. } => {
                format!("The {provider} API is slow or unreachable. Try again shortly.")
            }
            ApiError::Connect { .. } => format!(
                "Check the network and the {provider} base URL setting; the request never \
                 reached the API."
            ),
            ApiError::Interrupted { .. } => format!(
                "The connection to the {provider} API broke while reading. Try again shortly."
            ),
            ApiError::Decode { .. } => format!(
                "The {provider} API answered with a body this server cannot read (a proxy's \
                 error page, or a changed format). Try again shortly; if it persists, report it \
                 with the excerpt above."
            ),
            ApiError::OutcomeUnknown { .. } => format!(
                "The request may have reached the {provider} API and been applied. Check before \
                 repeating it: list_tasks, get_task, list_executions and get_execution show what \
                 exists."
            ),
        }
    }
}

/// What a 429 rate limit means: wait as asked, or a little.
pub(crate) fn rate_limited(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(
            "Rate limited. Wait at least {} s before calling again.",
            wait.as_secs().max(1)
        ),
        None => "Rate limited. Wait a little before calling again.".to_string(),
    }
}

/// The message and error code found in an error body, whatever its shape.
pub(crate) fn read_error_body(body: &str) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        let text = body.trim();
        if text.is_empty() || text.starts_with('<') {
            // Empty, or an HTML error page from a proxy: nothing an agent can use.
            return (None, None);
        }
        return (Some(truncate(text, 300)), None);
    };
    let code = find_code(&value);
    (find_message(&value), code)
}

fn find_message(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.trim().is_empty() => Some(truncate(text.trim(), 500)),
        // One FastAPI validation error on its own (Browser Use documents some 422s so).
        Value::Object(map) if map.contains_key("loc") && map.contains_key("msg") => {
            validation_error(value)
        }
        Value::Object(map) => {
            // Order matters: the SDKs read `message` first, then `error`, then `detail`.
            for key in ["message", "error", "detail", "msg"] {
                if let Some(found) = map.get(key).and_then(find_message) {
                    return Some(found);
                }
            }
            None
        }
        // FastAPI validation lists: [{"loc": ["body", "task"], "msg": "Field required"}].
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(validation_error).collect();
            (!parts.is_empty()).then(|| truncate(&parts.join("; "), 500))
        }
        _ => None,
    }
}

/// `{"loc": ["body", "task"], "msg": "Field required"}` as `body.task: Field required`.
fn validation_error(item: &Value) -> Option<String> {
    let msg = item.get("msg").and_then(Value::as_str).map(str::to_string);
    let msg = msg.or_else(|| find_message(item))?;
    let loc = item.get("loc").and_then(Value::as_array).map(|loc| {
        loc.iter()
            .map(|part| match part {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    });
    Some(truncate(
        &match loc {
            Some(loc) if !loc.is_empty() => format!("{loc}: {msg}"),
            _ => msg,
        },
        500,
    ))
}

fn find_code(value: &Value) -> Option<String> {
    let map = value.as_object()?;
    let direct = map.get("code").and_then(scalar_text);
    direct
        .or_else(|| map.get("error").and_then(find_code))
        .or_else(|| map.get("detail").and_then(find_code))
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Cut `text` to at most `max` characters (on a char boundary), marking the cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_documented_error_shape() {
        let cases = [
            (
                r#"{"error":{"code":404,"message":"Task not found"}}"#,
                Some("Task not found"),
                Some("404"),
            ),
            (
                r#"{"error":"Failed to generate task.","code":500}"#,
                Some("Failed to generate task."),
                Some("500"),
            ),
            (
                r#"{"error":{"error":{"message":"Upload not found"}}}"#,
                Some("Upload not found"),
                None,
            ),
            (
                r#"{"message":"Invalid API Key"}"#,
                Some("Invalid API Key"),
                None,
            ),
            (
                r#"{"detail":"Task not found"}"#,
                Some("Task not found"),
                None,
            ),
            (
                r#"{"detail":[{"loc":["body","task"],"msg":"Field required","type":"missing"}]}"#,
                Some("body.task: Field required"),
                None,
            ),
            (
                r#"{"loc":["body","llm"],"msg":"Input should be 'gpt-4.1'","type":"enum"}"#,
                Some("body.llm: Input should be 'gpt-4.1'"),
                None,
            ),
            (
                r#"{"detail":{"code":"api_key_monthly_spend_limit_reached","message":"Monthly cap reached","cap":50.0}}"#,
                Some("Monthly cap reached"),
                Some("api_key_monthly_spend_limit_reached"),
            ),
            (
                "upstream connect error",
                Some("upstream connect error"),
                None,
            ),
            ("<html><body>502 Bad Gateway</body></html>", None, None),
            ("", None, None),
            ("{}", None, None),
        ];
        for (body, message, code) in cases {
            let (got_message, got_code) = read_error_body(body);
            assert_eq!(got_message.as_deref(), message, "message of {body}");
            assert_eq!(got_code.as_deref(), code, "code of {body}");
        }
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("abc", 3), "abc");
    }

    #[test]
    fn hints_name_the_key_variable_on_401() {
        let err = ApiError::Status {
            provider: Provider::Anchor,
            operation: "GET /v1/task".into(),
            status: 401,
            message: "Invalid API Key".into(),
            code: None,
            retry_after: None,
            hint: None,
        };
        assert!(err.hint().contains("ANCHOR_API_KEY"));
        assert!(!err.is_transient());
    }
}
