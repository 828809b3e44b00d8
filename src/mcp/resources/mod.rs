//! Run evidence and task definitions as MCP resources. Templates:
//! - `browser-tasks://runs/{provider}/{execution_id}`: the run report (what `get_execution`
//!   returns) and the URIs of its artifacts;
//! - `browser-tasks://runs/{provider}/{execution_id}/{artifact}`: one artifact: small JSON or
//!   text inline, bytes the server can fetch (a screenshot) as a blob up to the inline cap;
//!   anything else (video, files) as the provider's URL, its size and, for a
//!   presigned URL, when it expires;
//! - `browser-tasks://tasks/{provider}/{task_id}`: a task's definition ([`tasks`]);
//! - `ui://browser-tasks/run`: the run viewer, an MCP App ([`viewer`]).
//!
//! The provider's adapter finds the run and lists its artifacts
//! ([`ProviderAdapter::run_evidence`](super::context::adapter::ProviderAdapter::run_evidence));
//! this module only speaks MCP. Tool results link the run's resource (`resource_link`).

pub(crate) mod tasks;
pub(crate) mod viewer;

use rmcp::ErrorData as McpError;
use rmcp::model::{ReadResourceResult, ResourceContents, ResourceTemplate};
use serde_json::{Value, json};

use super::context::ToolContext;
use crate::cloud::Provider;
use crate::evidence::{Artifact, Evidence};
use crate::redact::scrub_value;

use super::links::{RUNS_SCHEME as SCHEME, run_uri};

/// The largest artifact served inline by default, in bytes (`--resource-inline-max-bytes`);
/// anything larger comes as its URL and size.
pub const INLINE_CAP: u64 = 1 << 20;

/// The resource templates this server offers.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new("browser-tasks://runs/{provider}/{execution_id}", "run")
            .with_title("A run's report")
            .with_description("A run's report and the URIs of its evidence.")
            .with_mime_type("application/json"),
        ResourceTemplate::new(
            "browser-tasks://runs/{provider}/{execution_id}/{artifact}",
            "run-artifact",
        )
        .with_title("A run's evidence")
        .with_description(
            "A recording, downloaded file, live screenshot or session record of a run: \
             inline when small, else its URL, size and expiry.",
        ),
        tasks::template(),
    ]
}

/// Answer `resources/read` for `uri`.
pub async fn read(call: &ToolContext<'_>, uri: &str) -> Result<ReadResourceResult, McpError> {
    if uri.starts_with(tasks::SCHEME) {
        return tasks::read(call, uri).await;
    }
    if uri.starts_with(viewer::SCHEME) {
        return viewer::read(uri);
    }
    read_run(call, uri).await
}

/// Answer `resources/read` for a run URI.
async fn read_run(call: &ToolContext<'_>, uri: &str) -> Result<ReadResourceResult, McpError> {
    let env = call.env;
    let (provider, execution_id, artifact) = parse(uri)?;
    // Another user's run is no resource of this caller's (and says nothing more).
    if let Err(unseen) = call.check_run_seen(&execution_id).await {
        let result = unseen.into_result("resources/read");
        let text = result
            .content
            .first()
            .and_then(|c| c.as_text())
            .map(|t| t.text.clone())
            .unwrap_or_default();
        return Err(McpError::resource_not_found(format!("{uri}: {text}"), None));
    }
    let adapter = env
        .providers
        .get(provider)
        .filter(|a| a.configured())
        .ok_or_else(|| {
            McpError::resource_not_found(
                format!("{uri}: {provider} is not configured on this server"),
                None,
            )
        })?;
    let evidence = adapter
        .run_evidence(
            env,
            &execution_id,
            artifact
                .as_deref()
                .map(|name| (name, env.settings.resource_inline_max_bytes)),
        )
        .await
        .map_err(|error| {
            let result = error.into_result("resources/read");
            let text = result
                .content
                .first()
                .and_then(|c| c.as_text())
                .map(|t| t.text.clone())
                .unwrap_or_default();
            McpError::resource_not_found(format!("{uri}: {text}"), None)
        })?
        .ok_or_else(|| {
            McpError::resource_not_found(
                format!("{uri}: {provider} runs have no evidence resources on this server"),
                None,
            )
        })?;
    let secrets = env.secrets.values();
    match artifact {
        None => {
            let mut body = report_json(&evidence, provider);
            scrub_value(&mut body, &secrets);
            Ok(ReadResourceResult::new(vec![
                ResourceContents::text(body.to_string(), uri).with_mime_type("application/json"),
            ]))
        }
        Some(name) => {
            let Some(found) = evidence.artifacts.iter().find(|a| a.name == name) else {
                let known: Vec<&str> = evidence.artifacts.iter().map(|a| a.name.as_str()).collect();
                let known = if known.is_empty() {
                    evidence
                        .note
                        .clone()
                        .unwrap_or_else(|| "the run has no artifacts".into())
                } else {
                    format!("its artifacts are: {}", known.join(", "))
                };
                return Err(McpError::resource_not_found(
                    format!("{uri}: run {execution_id} has no artifact {name:?}; {known}"),
                    None,
                ));
            };
            artifact_contents(uri, found, env.settings.resource_inline_max_bytes)
        }
    }
}

/// A run report with its artifacts' URIs.
fn report_json(evidence: &Evidence, provider: Provider) -> Value {
    let mut body = serde_json::to_value(&evidence.report).unwrap_or(Value::Null);
    let base = run_uri(provider.id(), &evidence.report.execution_id);
    let artifacts: Vec<Value> = evidence
        .artifacts
        .iter()
        .map(|a| {
            let mut entry = json!({
                "uri": format!("{base}/{}", a.name),
                "description": a.description,
                "mime_type": a.mime_type,
            });
            if let Some(size) = a.size {
                entry["size"] = json!(size);
            }
            entry
        })
        .collect();
    body["artifacts"] = Value::from(artifacts);
    if let Some(note) = &evidence.note {
        body["artifacts_note"] = Value::from(note.clone());
    }
    body
}

/// One artifact as resource contents: inline when the server holds it and it fits the cap,
/// else a pointer (URL, size, expiry); an expired URL is an error, not a dead link.
fn artifact_contents(
    uri: &str,
    artifact: &Artifact,
    cap: u64,
) -> Result<ReadResourceResult, McpError> {
    if let Some(bytes) = &artifact.blob
        && bytes.len() as u64 <= cap
    {
        use base64::Engine;
        let blob = base64::engine::general_purpose::STANDARD.encode(bytes);
        return Ok(ReadResourceResult::new(vec![
            ResourceContents::blob(blob, uri).with_mime_type(artifact.mime_type.clone()),
        ]));
    }
    if let Some(inline) = &artifact.inline
        && inline.len() as u64 <= cap
    {
        return Ok(ReadResourceResult::new(vec![
            ResourceContents::text(inline.clone(), uri).with_mime_type(artifact.mime_type.clone()),
        ]));
    }
    let Some(url) = &artifact.url else {
        return Err(McpError::resource_not_found(
            format!("{uri}: the provider keeps no copy of this artifact"),
            None,
        ));
    };
    if let Some(expiry) = &artifact.expires_at
        && chrono::DateTime::parse_from_rfc3339(expiry).is_ok_and(|at| at < chrono::Utc::now())
    {
        return Err(McpError::resource_not_found(
            format!(
                "{uri}: the provider's link to this artifact expired at {expiry}, and it gives no \
                 fresh one"
            ),
            None,
        ));
    }
    let why = if artifact.mime_type.starts_with("video/") {
        "video is not inlined"
    } else if artifact.size.is_some_and(|size| size > cap) {
        "larger than the inline cap: fetch it from url"
    } else {
        "not inlined: fetch it from url"
    };
    let mut pointer = json!({
        "url": url,
        "mime_type": artifact.mime_type,
        "note": why,
    });
    if let Some(size) = artifact.size {
        pointer["size"] = json!(size);
    }
    if let Some(expiry) = &artifact.expires_at {
        pointer["expires_at"] = json!(expiry);
    }
    if artifact.url_needs_key {
        pointer["note"] = json!("the URL needs the provider's API key");
    }
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(pointer.to_string(), uri).with_mime_type("application/json"),
    ]))
}

/// `browser-tasks://runs/{provider}/{execution_id}[/{artifact}]`.
fn parse(uri: &str) -> Result<(Provider, String, Option<String>), McpError> {
    let bad = || {
        McpError::resource_not_found(
            format!(
                "{uri} is not a resource of this server: runs are \
                 browser-tasks://runs/{{provider}}/{{execution_id}}[/{{artifact}}]"
            ),
            None,
        )
    };
    let rest = uri.strip_prefix(SCHEME).ok_or_else(bad)?;
    let parts: Vec<&str> = rest.split('/').collect();
    let (provider, execution_id, artifact) = match parts.as_slice() {
        [p, id] => (*p, *id, None),
        [p, id, artifact] => (*p, *id, Some(artifact.to_string())),
        _ => return Err(bad()),
    };
    let provider = Provider::ALL
        .into_iter()
        .find(|p| p.id() == provider)
        .ok_or_else(bad)?;
    if execution_id.is_empty() || artifact.as_deref() == Some("") {
        return Err(bad());
    }
    Ok((provider, execution_id.to_string(), artifact))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_parsed_strictly() {
        let (p, id, a) = parse("browser-tasks://runs/anchor/r1/recording").unwrap();
        assert_eq!(
            (p, id.as_str(), a.as_deref()),
            (Provider::Anchor, "r1", Some("recording"))
        );
        assert!(parse("browser-tasks://runs/anchor/r1").unwrap().2.is_none());
        assert!(parse("browser-tasks://runs/nope/r1").is_err());
        assert!(parse("browser-tasks://runs/anchor/r1/a/b").is_err());
        assert!(parse("file:///etc/passwd").is_err());
    }
}
