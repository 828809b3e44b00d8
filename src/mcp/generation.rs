//! Generated tasks, whichever provider: where a generation stands, waiting for it with
//! progress (cancelling it in the cloud, where the provider can, when the wait is cancelled),
//! recording its outcome (a ready task becomes a tool), and the answer `generate_task` and
//! `get_task` give.
//!
//! Each provider that generates tasks says how to read and cancel its generations and what
//! their statuses mean through a [`GenerationWatch`] in its own folder
//! (`providers::*::adapter`); nothing here names a provider.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::context::ToolContext;
use super::context::work::{Generation, GenerationWait, GenerationWatch, Phase, Seen};
use super::reply::{Reply, ToolError};
use super::versions::{self, VersionNote};
use crate::catalog::{CatalogTask, TaskSighting};
use crate::params::Param;
use crate::runs::TaskKind;
use crate::waiting::{self, Observation, WaitOutcome};

/// The answer of `generate_task` (and of `get_task` for a generated task or a skill).
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    /// The new task's id: pass it to run_task as task_id.
    pub task_id: String,
    pub name: String,
    /// "generated" (an Anchor Task Builder task) or "skill" (a Browser Use skill).
    pub kind: TaskKind,
    /// "anchor" or "browser_use".
    pub provider: String,
    /// Anchor: generating, waiting-for-session, ready or failed. Browser Use: recording,
    /// generating, ready (finished and enabled), disabled (finished, not enabled), failed,
    /// cancelled or timed_out.
    pub status: String,
    /// Whether the task can be run now.
    pub ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The task's own tool (listed when the task is ready and selected for listing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// Whether that tool is in the tool list right now.
    pub listed_as_tool: bool,
    pub input_parameters: Vec<Param>,
    pub output_parameters: Vec<Param>,
    /// Skills: the JSON Schema of what a run returns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// The catalog's history of this task, oldest first; the last is current.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<VersionNote>,
    pub next_step: String,
}

/// Wait for a generation to end (within `budget`) and build the reply; `status` is the last
/// one known. With `cancel_in_cloud`, a cancelled wait cancels the generation too, where the
/// provider can (generate_task's own wait; a get_task that stops waiting leaves it be).
async fn wait_until_ready(
    call: &ToolContext<'_>,
    watch: &dyn GenerationWatch,
    task: CatalogTask,
    status: &str,
    budget: Duration,
    cancel_in_cloud: bool,
) -> Result<Reply, ToolError> {
    let label = format!("generation of task {} ({})", task.name, task.task_id);
    let outcome = waiting::wait_for(
        waiting::Work::new(&label, status),
        budget,
        &call.env.settings.waits,
        &call.cancel,
        &call.progress,
        || async {
            let generation = watch.check(&task).await?;
            Ok(Observation {
                status: generation.status.clone(),
                detail: None,
                done: generation.done,
                snapshot: generation,
            })
        },
    )
    .await;
    let latest: Option<Generation> = match outcome {
        WaitOutcome::Finished(generation) => Some(generation),
        WaitOutcome::BudgetSpent(last) => last,
        WaitOutcome::Cancelled(last) if cancel_in_cloud => match watch.cancel(&task) {
            Some(cancelling) => Some(cancelling.await.unwrap_or_else(|| {
                last.unwrap_or(Generation {
                    status: status.to_string(),
                    done: false,
                    error: None,
                    sighting: None,
                })
            })),
            None => last,
        },
        WaitOutcome::Cancelled(last) => last,
        WaitOutcome::CheckFailed { error, .. } => {
            return Err(ToolError::api(
                error,
                format!(
                    "Checking the generation of task {} (it was started; do not generate it \
                     again, check it with get_task {{\"task_id\": \"{}\"}})",
                    task.name, task.task_id
                ),
            ));
        }
    };
    Ok(settle(call, watch, task, latest).await)
}

/// Carry out a [`GenerationWait`] within `budget`: a generation this call started is waited
/// on (and cancelled in the cloud with the call, where the provider can); one only looked at
/// is shown as just read, or, when the call waits and it is still going, once it ends or the
/// wait does (never cancelled: the call only watched it).
pub async fn wait(
    call: &ToolContext<'_>,
    generation: GenerationWait<'_>,
    budget: Duration,
) -> Result<Reply, ToolError> {
    let GenerationWait { watch, task, seen } = generation;
    match seen {
        Seen::LookedAt(first) if first.done || budget.is_zero() => {
            Ok(settle(call, &*watch, task, Some(*first)).await)
        }
        Seen::LookedAt(first) => {
            wait_until_ready(call, &*watch, task, &first.status, budget, false).await
        }
        Seen::Started(status) => wait_until_ready(call, &*watch, task, &status, budget, true).await,
    }
}

/// Record a generation's latest state, update the tool list (a ready task becomes a tool),
/// and describe it.
pub async fn settle(
    call: &ToolContext<'_>,
    watch: &dyn GenerationWatch,
    mut task: CatalogTask,
    generation: Option<Generation>,
) -> Reply {
    let error = generation.as_ref().and_then(|g| g.error.clone());
    if let Some(generation) = generation {
        let sighting = generation.sighting.unwrap_or_else(|| TaskSighting {
            provider: task.provider,
            kind: task.kind,
            task_id: task.task_id.clone(),
            name: task.name.clone(),
            description: None,
            version: None,
            status: Some(generation.status.clone()),
            params: None,
            output_schema: None,
        });
        task.status = Some(generation.status);
        if let Some(change) = call.env.learn(sighting).await {
            task = change.task;
        }
    }
    let listed = call.env.listed_tool_names().await.contains(&task.tool_name);
    let history = versions::history(call.env, &task).await;
    generation_reply(
        watch,
        &task,
        error,
        listed,
        history,
        call.env.settings.waits.max_budget.as_secs(),
    )
}

/// The reply describing a generated task's state.
fn generation_reply(
    watch: &dyn GenerationWatch,
    task: &CatalogTask,
    error: Option<String>,
    listed: bool,
    history: Vec<VersionNote>,
    max_wait: u64,
) -> Reply {
    let status_text = task.status.clone().unwrap_or_else(|| "unknown".into());
    let phase = watch.phase(&status_text);
    let next_step = match phase {
        Phase::Ready if listed => format!(
            "Call its own tool {} with its arguments, or run_task {{\"task_id\": \"{}\", \
             \"inputs\": {{…}}}}.",
            task.tool_name, task.task_id
        ),
        Phase::Ready => format!(
            "Run it with run_task {{\"task_id\": \"{}\", \"inputs\": {{…}}}}.",
            task.task_id
        ),
        Phase::Disabled => format!(
            "The {} is generated but not enabled: enable it with deploy_task \
             {{\"task_id\": \"{}\"}}, then run it.",
            watch.noun().to_lowercase(),
            task.task_id
        ),
        // A refinement that failed leaves earlier versions to go back to.
        Phase::Failed if history.len() > 1 => format!(
            "Refine it again with refine_task, or bring a working version back with \
             deploy_task {{\"task_id\": \"{}\", \"restore\": …}}.",
            task.task_id
        ),
        Phase::Failed => "Adjust the prompt and call generate_task again.".to_string(),
        Phase::InProgress => format!(
            "Still {status_text}. Call get_task with {{\"task_id\": \"{}\", \
             \"wait_seconds\": {max_wait}}} to keep waiting.",
            task.task_id
        ),
    };
    let output = Output {
        task_id: task.task_id.clone(),
        name: task.name.clone(),
        kind: task.kind,
        provider: task.provider.id().to_string(),
        status: status_text.clone(),
        ready: phase == Phase::Ready,
        error: error.clone(),
        tool_name: (!task.tool_name.is_empty()).then(|| task.tool_name.clone()),
        listed_as_tool: listed,
        input_parameters: task.inputs.clone(),
        output_parameters: task.outputs.clone(),
        output_schema: task.output_schema.clone(),
        versions: history,
        next_step: next_step.clone(),
    };
    let headline = format!("{} {:?} ({})", watch.noun(), task.name, task.task_id);
    // Once there is an earlier version, the text says so: it can be brought back.
    let versions_line = versions::summary_line(&output.versions)
        .map(|line| format!(" {line}"))
        .unwrap_or_default();
    match phase {
        Phase::Failed => {
            let reason = error.as_deref().unwrap_or("no reason given");
            Reply::failed(
                format!(
                    "{headline}: generation ended with status {status_text}: {}.{versions_line} \
                     {next_step}",
                    reason.trim_end_matches('.')
                ),
                output,
            )
        }
        Phase::Ready => Reply::ok(
            format!("{headline} is ready. {next_step}{versions_line}"),
            output,
        ),
        Phase::Disabled => Reply::ok(
            format!("{headline} is generated. {next_step}{versions_line}"),
            output,
        ),
        Phase::InProgress => Reply::ok(
            format!("{headline} is not ready yet. {next_step}{versions_line}"),
            output,
        ),
    }
}
