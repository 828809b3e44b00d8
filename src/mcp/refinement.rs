//! What `refine_task` tells a provider: the agent's feedback plus, when it names a run, that
//! run's evidence (its status and error, the start of its output, the tail of a log the server
//! holds, where its recordings and logs are: their links, or the resources this server serves
//! them as), compactly and scrubbed of known secrets.
//! Nothing here names a provider: evidence comes through the provider's adapter
//! (`ProviderAdapter::run_evidence`), else from the catalog's record of the run.

use super::context::ToolContext;
use super::reply::ToolError;
use crate::cloud::{Provider, truncate_text};
use crate::redact::scrub_text;

/// The longest output excerpt added, in characters.
const MAX_OUTPUT_CHARS: usize = 600;
/// The longest log tail added, in characters.
const MAX_LOG_CHARS: usize = 600;
/// The most artifact links added.
const MAX_LINKS: usize = 4;

/// `feedback` with the evidence of run `execution_id` (of `provider`) appended, or `feedback`
/// alone without a run. A run neither the provider nor the catalog knows is an error, before
/// anything is changed.
pub async fn feedback_with_evidence(
    call: &ToolContext<'_>,
    provider: Provider,
    feedback: &str,
    execution_id: Option<&str>,
) -> Result<String, ToolError> {
    let feedback = feedback.trim().to_string();
    let Some(execution_id) = execution_id else {
        return Ok(feedback);
    };
    let evidence = gather(call, provider, execution_id).await?;
    Ok(format!("{feedback}\n\n{evidence}"))
}

/// The evidence of one run, as text.
pub async fn gather(
    call: &ToolContext<'_>,
    provider: Provider,
    execution_id: &str,
) -> Result<String, ToolError> {
    let recorded = call.env.catalog.run(execution_id).await;
    let adapter = call.env.providers.get(provider);
    let evidence = match adapter {
        Some(adapter) => adapter.run_evidence(call.env, execution_id, None).await,
        None => Ok(None),
    };
    let evidence = match (evidence, &recorded) {
        (Ok(found), _) => found,
        // The catalog's record is enough (a skill execution has no run of its own to read).
        (Err(error), Some(_)) => {
            tracing::debug!(?error, run = %execution_id, "no evidence beyond the catalog");
            None
        }
        (Err(error), None) => return Err(error),
    };
    let mut lines = vec![format!("Evidence from run {execution_id}:")];
    let (status, error, output) = match (&evidence, &recorded) {
        (Some(found), _) => (
            found.report.status.clone(),
            found.report.error.clone(),
            found
                .report
                .output
                .as_ref()
                .map(crate::params::text_of)
                .filter(|t| !t.trim().is_empty()),
        ),
        (None, Some(run)) => (run.status.clone(), run.error.clone(), run.summary.clone()),
        (None, None) => {
            return Err(ToolError::NotFound {
                message: format!("Run {execution_id} is not known; nothing was changed."),
                hint: "Give an execution_id that run_task or list_executions returned, or leave \
                       it out."
                    .into(),
            });
        }
    };
    lines.push(format!("- status: {status}"));
    if let Some(error) = error.or_else(|| recorded.as_ref().and_then(|r| r.error.clone())) {
        lines.push(format!("- error: {}", error.trim()));
    }
    if let Some(steps) = evidence.as_ref().and_then(|e| e.report.steps) {
        lines.push(format!("- steps taken: {steps}"));
    }
    if let Some(output) = output {
        lines.push(format!(
            "- output: {}",
            truncate_text(output.trim(), MAX_OUTPUT_CHARS)
        ));
    }
    if let Some(found) = &evidence {
        for artifact in &found.artifacts {
            if let Some(text) = artifact.inline.as_deref().filter(|t| !t.trim().is_empty()) {
                lines.push(format!("- {} (last part): {}", artifact.name, tail(text)));
            }
        }
        // A link the agent can open itself, else the resource this server serves it as.
        let resource = super::links::run_uri(provider.id(), execution_id);
        let links: Vec<String> = found
            .artifacts
            .iter()
            .map(|a| match (&a.url, a.url_needs_key) {
                (Some(url), false) => format!("{}: {url}", a.name),
                _ => format!("{}: {resource}/{}", a.name, a.name),
            })
            .take(MAX_LINKS)
            .collect();
        if !links.is_empty() {
            lines.push(format!("- links: {}", links.join("; ")));
        }
    }
    Ok(scrub_text(&lines.join("\n"), &call.env.secrets.values()))
}

/// The last [`MAX_LOG_CHARS`] characters of `text` (a log's end says most about a failure).
fn tail(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    if chars.len() <= MAX_LOG_CHARS {
        return chars.into_iter().collect();
    }
    let kept: String = chars[chars.len() - MAX_LOG_CHARS..].iter().collect();
    format!("…{kept}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_keeps_its_end() {
        assert_eq!(tail("  short log \n"), "short log");
        let log: String = (0..1000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let kept = tail(&log);
        assert!(kept.starts_with('…'));
        assert_eq!(kept.chars().count(), MAX_LOG_CHARS + 1);
        assert!(log.ends_with(kept.trim_start_matches('…')));
    }
}
