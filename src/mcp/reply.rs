//! What a tool call returns: a short readable summary plus structured content, and the
//! failures an agent can act on, all as tool results (`isError`), never as JSON-RPC errors.
//!
//! The content carries two text blocks: the summary a person reads, then the structured
//! content as JSON, because several clients hand the model only `content` and ignore
//! `structuredContent` (the MCP spec asks servers to include it for them).

use rmcp::model::{CallToolResult, ContentBlock, Resource};
use serde::Serialize;
use serde_json::{Value, json};

use super::args::{Problem, render};
use crate::cloud::{ApiError, Provider};
use crate::redact::{scrub_text, scrub_value};

/// A tool's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    summary: String,
    structured: Value,
    is_error: bool,
    /// `resource_link` content after the text (a run's evidence).
    links: Vec<Resource>,
}

impl Reply {
    /// A successful answer.
    pub fn ok(summary: impl Into<String>, structured: impl Serialize) -> Self {
        Self {
            summary: summary.into(),
            structured: to_value(structured),
            is_error: false,
            links: Vec::new(),
        }
    }

    /// The call worked but what it ran failed (a failed run, a failed generation).
    pub fn failed(summary: impl Into<String>, structured: impl Serialize) -> Self {
        Self {
            summary: summary.into(),
            structured: to_value(structured),
            is_error: true,
            links: Vec::new(),
        }
    }

    /// The same reply with every occurrence of each secret value replaced, in the summary
    /// and anywhere in the structured content (a task may echo its inputs).
    pub fn scrubbed(mut self, secrets: &[String]) -> Self {
        self.summary = scrub_text(&self.summary, secrets);
        scrub_value(&mut self.structured, secrets);
        self
    }

    /// The structured content, for a tool that merges what its providers' parts answered
    /// (list_tasks over every cloud).
    pub fn structured(&self) -> &Value {
        &self.structured
    }

    /// The same reply linking `resource` (`resource_link` content).
    pub fn with_link(mut self, resource: Resource) -> Self {
        self.links.push(resource);
        self
    }

    /// The MCP result.
    pub fn into_result(self) -> CallToolResult {
        let json = serde_json::to_string(&self.structured).unwrap_or_default();
        let mut content = vec![ContentBlock::text(self.summary), ContentBlock::text(json)];
        content.extend(self.links.into_iter().map(ContentBlock::resource_link));
        let mut result = if self.is_error {
            CallToolResult::error(content)
        } else {
            CallToolResult::success(content)
        };
        result.structured_content = Some(self.structured);
        result
    }
}

fn to_value(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Why a tool could not do what it was asked.
#[derive(Debug)]
pub enum ToolError {
    /// The arguments are wrong; nothing was sent.
    InvalidArguments(Vec<Problem>),
    /// The provider has no API key configured; `alternative` could do the job instead.
    NotConfigured {
        provider: Provider,
        alternative: Option<Provider>,
    },
    /// The provider cannot do this at all (e.g. stop an Anchor run).
    Unsupported { message: String, hint: String },
    /// The cloud API refused or failed; `context` says what we were doing. (Boxed: an
    /// `ApiError` is large, and this travels in every tool's `Result`.)
    Api {
        error: Box<ApiError>,
        context: String,
    },
    /// Something looked up does not exist (and the API was not the one to say so).
    NotFound { message: String, hint: String },
    /// A request that starts something may have been applied: its answer was lost, and what
    /// it started could not be found. `message` says so; `hint` how to check before trying
    /// again.
    Uncertain {
        error: Box<ApiError>,
        message: String,
        hint: String,
    },
}

impl ToolError {
    pub fn api(error: ApiError, context: impl Into<String>) -> Self {
        ToolError::Api {
            error: Box::new(error),
            context: context.into(),
        }
    }

    /// The MCP result for this failure of `tool`.
    pub fn into_result(self, tool: &str) -> CallToolResult {
        let (summary, error) = match self {
            ToolError::InvalidArguments(problems) => (
                render(tool, &problems),
                json!({"kind": "invalid_arguments", "problems": problems}),
            ),
            ToolError::NotConfigured {
                provider,
                alternative,
            } => {
                let or = alternative
                    .map(|other| {
                        format!(
                            " ({} for {other} works too; set either or both)",
                            other.key_env()
                        )
                    })
                    .unwrap_or_default();
                let message = format!(
                    "{tool} needs {provider}, which is not configured: set {}{or} in the \
                     environment of this MCP server (in your client's MCP configuration, \
                     e.g. mcp.json's \"env\") and restart it.",
                    provider.key_env()
                );
                (
                    message.clone(),
                    json!({"kind": "not_configured", "provider": provider.id(), "message": message}),
                )
            }
            ToolError::Api { error, context } => {
                let hint = error.hint();
                let summary = if error.outcome_unknown() {
                    format!("{context}: outcome unknown: {error}\nHint: {hint}")
                } else {
                    format!("{context} failed: {error}\nHint: {hint}")
                };
                let kind = if error.outcome_unknown() {
                    "outcome_unknown"
                } else {
                    "api_error"
                };
                let mut details = json!({
                    "kind": kind,
                    "provider": error.provider().id(),
                    "message": error.api_message(),
                    "hint": hint,
                });
                if let Some(status) = error.status() {
                    details["http_status"] = json!(status);
                }
                if let ApiError::Status {
                    code: Some(code), ..
                } = error.as_ref()
                {
                    details["code"] = json!(code);
                }
                (summary, details)
            }
            ToolError::Unsupported { message, hint } => (
                format!("{message}\nHint: {hint}"),
                json!({"kind": "unsupported", "message": message, "hint": hint}),
            ),
            ToolError::NotFound { message, hint } => (
                format!("{message}\nHint: {hint}"),
                json!({"kind": "not_found", "message": message, "hint": hint}),
            ),
            ToolError::Uncertain {
                error,
                message,
                hint,
            } => {
                let mut details = json!({
                    "kind": "outcome_unknown",
                    "provider": error.provider().id(),
                    "message": message,
                    "hint": hint,
                });
                if let Some(status) = error.status() {
                    details["http_status"] = json!(status);
                }
                (format!("{message}\nHint: {hint}"), details)
            }
        };
        Reply::failed(summary, json!({ "error": error })).into_result()
    }
}

impl From<Vec<Problem>> for ToolError {
    fn from(problems: Vec<Problem>) -> Self {
        ToolError::InvalidArguments(problems)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secrets_are_scrubbed_everywhere() {
        let reply = Reply::ok(
            "echoed hunter2",
            json!({"inputs": {"password": "hunter2"}, "list": ["x hunter2 y"], "n": 1}),
        )
        .scrubbed(&["hunter2".to_string(), String::new()]);
        let result = reply.into_result();
        let text = serde_json::to_string(&result).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(
            result.structured_content.unwrap(),
            json!({"inputs": {"password": "[secret]"}, "list": ["x [secret] y"], "n": 1})
        );
    }
}
