//! Versions of Task Builder (v2) tasks, which Anchor cannot refine or roll back itself: a
//! refinement generates the task again from the request the catalog remembers (prompt,
//! parameters, options; no secrets) plus the feedback, and the new task becomes the next
//! version of the same catalog entry, under the same tool name; restoring moves the entry back
//! to an earlier version's task (which still exists in the cloud). Shared by `refine_task` and
//! `deploy_task`.

use serde_json::Value;

use super::generations::{TaskBuilder, generation};
use crate::catalog::{CatalogTask, TaskVersion, VersionEvent};
use crate::mcp::context::ToolContext;
use crate::mcp::context::work::{GenerationWait, Seen, Work};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::tools::deploy_task::Output;
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::models::{GenerateTask as GenerateRequest, GenerationStatus};

/// The versions of a task that were generated (by generate_task or refine_task), oldest first.
fn made(history: &[TaskVersion]) -> Vec<&TaskVersion> {
    history
        .iter()
        .filter(|v| matches!(v.event, VersionEvent::Generated | VersionEvent::Refined))
        .collect()
}

/// The request the current version was generated from, as the catalog remembers it.
fn current_request(history: &[TaskVersion], task: &CatalogTask) -> Option<GenerateRequest> {
    made(history)
        .into_iter()
        .rev()
        .find(|v| v.task_id == task.task_id)
        .and_then(|v| v.generation.clone())
        .and_then(|g| serde_json::from_value(g).ok())
}

/// How a prompt reads with feedback on the version it made.
fn with_feedback(prompt: &str, feedback: &str) -> String {
    format!(
        "{}\n\nFeedback on the previous version (fix this):\n{}",
        prompt.trim_end(),
        feedback.trim()
    )
}

/// Generate `task` again with `feedback` (and, if given, from a finished session showing the
/// job), and make the result its next version, for the tool to wait on.
pub async fn regenerate<'a>(
    call: &'a ToolContext<'a>,
    anchor: &'a AnchorClient,
    task: CatalogTask,
    feedback: &str,
    browser_session_id: Option<String>,
) -> Result<Work<'a>, ToolError> {
    let history = call.env.versions(&task).await;
    let Some(mut request) = current_request(&history, &task) else {
        return Err(ToolError::NotFound {
            message: format!(
                "This server does not remember how task {} was generated (it was generated \
                 elsewhere, or before versions were kept); nothing was changed.",
                task.task_id
            ),
            hint: "Generate it anew with generate_task, putting the feedback in the prompt.".into(),
        });
    };
    request.prompt = with_feedback(&request.prompt, feedback);
    request.browser_session_id = browser_session_id;
    let next = made(&history).len() + 1;
    tracing::info!(task = %task.task_id, version = next, "generating a task again");
    let started = anchor.generate_task(&request).await.map_err(|e| {
        ToolError::api(
            e,
            format!(
                "Starting version {next} of task {} (never retried)",
                task.task_id
            ),
        )
    })?;
    let status = started.status.to_string();
    let moved = call
        .env
        .move_task(&task, &started.id, Some(&status))
        .await
        .unwrap_or_else(|| CatalogTask {
            task_id: started.id.clone(),
            status: Some(status.clone()),
            ..task.clone()
        });
    call.note_version(
        &moved,
        &next.to_string(),
        VersionEvent::Refined,
        Some(feedback),
        Some(remembered(&request)),
    )
    .await;
    Ok(Work::Generation(Box::new(GenerationWait {
        watch: Box::new(TaskBuilder { client: anchor }),
        task: moved,
        seen: Seen::Started(status),
    })))
}

/// Make version `version` of `task` current again (the catalog entry moves back to that
/// version's task, which must be ready), and record it.
pub async fn restore(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    task: CatalogTask,
    version: &str,
) -> Result<Reply, ToolError> {
    let history = call.env.versions(&task).await;
    let versions = made(&history);
    let Some(chosen) = versions.iter().rev().find(|v| v.version == version) else {
        let known: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
        return Err(ToolError::NotFound {
            message: format!(
                "Task {} has no version {version:?} in this server's catalog; nothing was \
                 changed.",
                task.task_id
            ),
            hint: if known.is_empty() {
                "get_task lists a task's versions; this one has none recorded.".into()
            } else {
                format!("Give one of: {}.", known.join(", "))
            },
        });
    };
    let state = anchor
        .generation_status(&chosen.task_id)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading version {version}'s task")))?;
    if state.status != GenerationStatus::Ready {
        return Err(ToolError::Unsupported {
            message: format!(
                "Version {version} (task {}) is {}, not ready: it cannot be restored. Nothing \
                 was changed.",
                chosen.task_id, state.status
            ),
            hint: "Restore another version, or refine the task with refine_task.".into(),
        });
    }
    let was = task.task_id.clone();
    let restored_id = chosen.task_id.clone();
    let ready = generation(&state).status;
    let moved = call
        .env
        .move_task(&task, &restored_id, Some(&ready))
        .await
        .unwrap_or_else(|| CatalogTask {
            task_id: restored_id.clone(),
            ..task.clone()
        });
    call.note_version(
        &moved,
        version,
        VersionEvent::Restored,
        Some(&format!("replaced task {was}")),
        None::<Value>,
    )
    .await;
    let listed = call
        .env
        .listed_tool_names()
        .await
        .contains(&moved.tool_name);
    let next_step = if listed {
        format!(
            "Call its tool {} (same name) or run_task {{\"task_id\": \"{restored_id}\"}}.",
            moved.tool_name
        )
    } else {
        format!("Run it with run_task {{\"task_id\": \"{restored_id}\"}}.")
    };
    Ok(Reply::ok(
        format!(
            "Task {:?} is back at version {version} (task {restored_id}). {next_step}",
            moved.name
        ),
        Output {
            task_id: restored_id,
            version: version.to_string(),
            description: moved.description.clone(),
            created_at: Some(chosen.created_at.clone()),
            enabled: None,
            next_step,
        },
    ))
}

/// Keys of a browser configuration that may hold a credential: such a configuration is not
/// remembered (a refinement then generates without it, and says so).
const CREDENTIAL_WORDS: &[&str] = &["password", "secret", "token", "key", "credential", "auth"];

/// What the catalog remembers of a generation, to generate the task again (refine_task): the
/// request without secrets (a secret parameter's default, a configuration holding a
/// credential) and without the one-off session it may have learned from.
pub fn remembered(request: &GenerateRequest) -> Value {
    let mut kept = request.clone();
    for param in kept
        .input_schema
        .iter_mut()
        .chain(kept.output_schema.iter_mut())
    {
        if param.kind == crate::providers::anchor::models::ParameterType::Secret {
            param.default_value = None;
        }
    }
    if kept
        .browser_configuration
        .as_ref()
        .is_some_and(holds_credential)
    {
        kept.browser_configuration = None;
    }
    kept.browser_session_id = None;
    serde_json::to_value(kept).unwrap_or(Value::Null)
}

/// Whether any key inside `value` names a credential.
fn holds_credential(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, inner)| {
            let key = key.to_lowercase();
            CREDENTIAL_WORDS.iter().any(|w| key.contains(w)) || holds_credential(inner)
        }),
        Value::Array(items) => items.iter().any(holds_credential),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::providers::anchor::models::{ParameterType, TaskParameter};

    fn param(name: &str, kind: ParameterType, default: &str) -> TaskParameter {
        TaskParameter {
            name: name.into(),
            kind,
            required: Some(false),
            description: None,
            default_value: Some(json!(default)),
            options: None,
        }
    }

    #[test]
    fn what_is_remembered_holds_no_secret() {
        let request = GenerateRequest {
            name: "login".into(),
            prompt: "Log in and read the balance".into(),
            input_schema: vec![
                param("user", ParameterType::String, "ann"),
                param("password", ParameterType::Secret, "hunter2"),
            ],
            browser_session_id: Some("s-1".into()),
            browser_configuration: Some(json!({"proxy": {"type": "custom", "password": "pw"}})),
            ..GenerateRequest::default()
        };
        let kept = remembered(&request);
        let text = kept.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("\"pw\""),
            "{text}"
        );
        assert!(text.contains("ann"), "plain defaults are kept: {text}");
        assert_eq!(kept["browser_session_id"], Value::Null);
        assert_eq!(kept["browser_configuration"], Value::Null);
        let back: GenerateRequest = serde_json::from_value(kept).unwrap();
        assert_eq!(back.prompt, request.prompt);

        let plain = GenerateRequest {
            browser_configuration: Some(json!({"viewport": {"width": 1280}})),
            ..request
        };
        assert_eq!(
            remembered(&plain)["browser_configuration"],
            json!({"viewport": {"width": 1280}})
        );
    }
}
