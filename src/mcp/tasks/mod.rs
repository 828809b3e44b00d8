//! Tool calls answered as MCP tasks (the `io.modelcontextprotocol/tasks` extension, SEP-2663),
//! on rmcp 3.11's types, kept in the catalog instead of rmcp's in-memory `TaskManager`.
//!
//! A `tools/call` of a tool that starts or waits on cloud work (`run_task`, a task's own tool,
//! `generate_task`, `refine_task`, `get_execution` with `wait_seconds`), from a request that
//! declares the extension, is answered at once with a `CreateTaskResult`; every other call
//! is answered as before (the budgeted wait). Here:
//! - the task is written to the catalog **before** its id is returned, so any server process
//!   sharing the catalog answers `tasks/get` for it ([`create`]);
//! - ids are UUID v4, and a task belongs to its caller ([`TaskOwner`]): another caller's
//!   `tasks/get`, `tasks/update` or `tasks/cancel` is answered as for an unknown id;
//! - the process carrying a task out holds its lease (`calltask:<id>`, renewed with the run
//!   leases); when it stops, the next `tasks/get` from any process takes the lease over and
//!   finishes the call by following the run it recorded ([`link`] writes what it waits on),
//!   or, when it had recorded none yet, ends the task honestly as failed;
//! - progress goes to `statusMessage`, a run's request for a person to `input_required`
//!   (answered with `tasks/update`), `tasks/cancel` cancels the call as a client's
//!   cancellation does (stopping the cloud run where the provider can);
//! - the TTL is the longest wait a run may have (`--max-wait-seconds`); the call waits up to
//!   a little less, so its answer lands before the task expires; `pollIntervalMs` follows the
//!   poll schedule for the task's age. A task still working at its TTL is failed as expired;
//!   every task is deleted one TTL after that.
//!
//! Not here: `mcp::server` decides which calls become tasks and runs them (it owns the
//! dispatch of a call); this module keeps and answers them.

mod link;
mod owner;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use rmcp::ErrorData as McpError;
use rmcp::model::{DetailedTask, InputRequests, JsonObject, Task, TaskPayload, TaskStatus};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::context::ToolEnv;
use crate::catalog::{CallTask, CallTaskState};
use crate::waiting::WaitSettings;

pub use link::{Ending, TaskLink};
pub use owner::{TaskOwner, key_fingerprint};

/// Statuses as the extension names them (and the catalog keeps them).
pub const WORKING: &str = "working";
pub const INPUT_REQUIRED: &str = "input_required";
pub const COMPLETED: &str = "completed";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";

/// Whether a call of `tool` with `args` becomes a task when its request declares the
/// extension: the tools that start or wait on cloud work.
pub fn eligible(tool: &str, task_tool: bool, args: &JsonObject) -> bool {
    match tool {
        "run_task" | "generate_task" | "refine_task" => true,
        "get_execution" => args
            .get("wait_seconds")
            .and_then(Value::as_f64)
            .is_some_and(|s| s > 0.0),
        _ => task_tool,
    }
}

/// A task's TTL: the longest wait a run may have.
pub fn ttl(waits: &WaitSettings) -> Duration {
    waits.max_budget
}

/// How long the call behind a task waits for its work: its TTL less a margin (a tenth, at
/// most 10 s), so the answer, "still running" included, lands before the task expires.
pub fn work_budget(ttl: Duration) -> Duration {
    ttl.saturating_sub((ttl / 10).min(Duration::from_secs(10)))
}

/// The catalog lease of the process carrying a task out.
pub fn lease(task_id: &str) -> String {
    format!("calltask:{task_id}")
}

/// The tasks this process carries out now, each with the token that cancels its call.
fn running() -> &'static Mutex<HashMap<String, CancellationToken>> {
    static RUNNING: OnceLock<Mutex<HashMap<String, CancellationToken>>> = OnceLock::new();
    RUNNING.get_or_init(Mutex::default)
}

/// Whether this process carries out `task_id` now.
pub fn runs_here(task_id: &str) -> bool {
    running()
        .lock()
        .map(|r| r.contains_key(task_id))
        .unwrap_or(false)
}

/// Note that this process carries out `task_id`, cancelled by `cancel`, until the guard goes.
pub fn carry_out(task_id: &str, cancel: CancellationToken) -> RunningGuard {
    if let Ok(mut running) = running().lock() {
        running.insert(task_id.to_string(), cancel);
    }
    RunningGuard(task_id.to_string())
}

/// Forgets a task this process carried out when dropped.
pub struct RunningGuard(String);

impl Drop for RunningGuard {
    fn drop(&mut self) {
        if let Ok(mut running) = running().lock() {
            running.remove(&self.0);
        }
    }
}

fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn catalog_error(error: crate::catalog::CatalogError) -> McpError {
    McpError::internal_error(
        format!("the task store (the catalog) could not be used: {error}"),
        None,
    )
}

/// The error for a task that does not exist, expired, or is another caller's: the same
/// words as rmcp's own manager, so nothing tells them apart.
pub fn unknown_task(task_id: &str) -> McpError {
    McpError::invalid_params(format!("unknown task: {task_id}"), None)
}

/// Keep a new task for `owner`'s call of `tool`, working, and answer it once it is durable.
pub async fn create(env: &ToolEnv, owner: &TaskOwner, tool: &str) -> Result<CallTask, McpError> {
    // Old tasks go first (a failure only delays that).
    if let Err(error) = env.catalog.discard_call_tasks().await {
        tracing::debug!(%error, "could not discard expired tasks");
    }
    let ttl = ttl(&env.settings.waits);
    let now = chrono::Utc::now();
    let ttl_ms = millis(ttl);
    let task = CallTask {
        task_id: uuid::Uuid::new_v4().to_string(),
        owner: owner.stored(),
        tool: tool.to_string(),
        state: CallTaskState {
            status: WORKING.into(),
            status_message: Some(format!("{tool}: starting")),
            ..CallTaskState::default()
        },
        input_responses: Value::Object(Default::default()),
        cancel_requested: false,
        created_at: rfc3339(now),
        updated_at: rfc3339(now),
        ttl_ms,
        // Kept one more TTL after it may expire, so a poller sees how it ended.
        discard_at_ms: now
            .timestamp_millis()
            .saturating_add(i64::try_from(ttl_ms.saturating_mul(2)).unwrap_or(i64::MAX)),
    };
    env.catalog
        .create_call_task(&task)
        .await
        .map_err(catalog_error)?;
    Ok(task)
}

/// The task `task_id` if it is `owner`'s.
pub async fn owned(env: &ToolEnv, task_id: &str, owner: &TaskOwner) -> Result<CallTask, McpError> {
    match env.catalog.call_task(task_id).await {
        Ok(Some(task)) if task.owner == owner.stored() => Ok(task),
        Ok(_) => Err(unknown_task(task_id)),
        Err(error) => Err(catalog_error(error)),
    }
}

/// How old a task is.
fn age(task: &CallTask) -> Duration {
    chrono::DateTime::parse_from_rfc3339(&task.created_at)
        .ok()
        .and_then(|at| {
            (chrono::Utc::now() - at.with_timezone(&chrono::Utc))
                .to_std()
                .ok()
        })
        .unwrap_or_default()
}

/// Whether a task still working has outlived its TTL.
pub fn expired(task: &CallTask) -> bool {
    !task.state.is_terminal() && age(task) >= Duration::from_millis(task.ttl_ms)
}

/// The time left of a task's call (its work budget from its creation).
pub fn time_left(task: &CallTask) -> Duration {
    work_budget(Duration::from_millis(task.ttl_ms)).saturating_sub(age(task))
}

/// The task as `CreateTaskResult` and `tasks/get` show it (without its payload).
pub fn shown(task: &CallTask, waits: &WaitSettings) -> Task {
    let status = match task.state.status.as_str() {
        INPUT_REQUIRED => TaskStatus::InputRequired,
        COMPLETED => TaskStatus::Completed,
        FAILED => TaskStatus::Failed,
        CANCELLED => TaskStatus::Cancelled,
        _ => TaskStatus::Working,
    };
    let mut shown = Task::new(
        task.task_id.clone(),
        status,
        task.created_at.clone(),
        task.updated_at.clone(),
    )
    .with_ttl_ms(task.ttl_ms)
    // As often as the server itself checks work of this age.
    .with_poll_interval_ms(millis(waits.schedule.delay_at(age(task))).max(1));
    if let Some(message) = &task.state.status_message {
        shown = shown.with_status_message(message.clone());
    }
    shown
}

/// The task as `tasks/get` answers it: its status with what goes with it.
pub fn detailed(task: &CallTask, waits: &WaitSettings) -> DetailedTask {
    let object = |value: &Option<Value>| match value {
        Some(Value::Object(map)) => map.clone(),
        _ => JsonObject::new(),
    };
    let payload = match task.state.status.as_str() {
        INPUT_REQUIRED => {
            let requests = task
                .state
                .input_requests
                .clone()
                .and_then(|r| serde_json::from_value::<InputRequests>(r).ok())
                .unwrap_or_default();
            // Answered requests wait for the call to read them: they are not asked again.
            let outstanding: InputRequests = requests
                .into_iter()
                .filter(|(key, _)| task.input_responses.get(key).is_none())
                .collect();
            if outstanding.is_empty() {
                TaskPayload::Working
            } else {
                TaskPayload::InputRequired {
                    input_requests: outstanding,
                }
            }
        }
        COMPLETED => TaskPayload::Completed {
            result: object(&task.state.outcome),
        },
        FAILED => TaskPayload::Failed {
            error: object(&task.state.outcome),
        },
        CANCELLED => TaskPayload::Cancelled,
        _ => TaskPayload::Working,
    };
    DetailedTask::new(shown(task, waits), payload)
}

/// Keep `owner`'s answers to the task's outstanding input requests (`tasks/update`); answers
/// to unknown or already answered requests are ignored, as the extension says.
pub async fn answer(
    env: &ToolEnv,
    task_id: &str,
    owner: &TaskOwner,
    responses: impl IntoIterator<Item = (String, Value)>,
) -> Result<(), McpError> {
    owned(env, task_id, owner).await?;
    for (key, response) in responses {
        env.catalog
            .answer_call_task(task_id, &key, &response)
            .await
            .map_err(catalog_error)?;
    }
    Ok(())
}

/// Ask for the cancellation of `owner`'s task (`tasks/cancel`): kept in the catalog (the
/// process carrying it out, whichever it is, sees it within a second) and, when it is this
/// process, the call is cancelled at once.
pub async fn cancel(env: &ToolEnv, task_id: &str, owner: &TaskOwner) -> Result<(), McpError> {
    let task = owned(env, task_id, owner).await?;
    if task.state.is_terminal() {
        return Ok(());
    }
    env.catalog
        .cancel_call_task(task_id)
        .await
        .map_err(catalog_error)?;
    if let Some(token) = running().lock().ok().and_then(|r| r.get(task_id).cloned()) {
        token.cancel();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(status: &str) -> CallTask {
        CallTask {
            task_id: "t".into(),
            owner: "local".into(),
            tool: "run_task".into(),
            state: CallTaskState {
                status: status.into(),
                status_message: Some("run r1 of task x: running, 2 s elapsed".into()),
                outcome: Some(json!({"content": [], "isError": false})),
                input_requests: None,
                work: None,
            },
            input_responses: json!({}),
            cancel_requested: false,
            created_at: rfc3339(chrono::Utc::now()),
            updated_at: rfc3339(chrono::Utc::now()),
            ttl_ms: 600_000,
            discard_at_ms: 0,
        }
    }

    #[test]
    fn which_calls_become_tasks() {
        let none = JsonObject::new();
        let waiting = json!({"execution_id": "e", "wait_seconds": 30});
        let reading = json!({"execution_id": "e"});
        assert!(eligible("run_task", false, &none));
        assert!(eligible("generate_task", false, &none));
        assert!(eligible("refine_task", false, &none));
        assert!(eligible("price_checker", true, &none));
        assert!(eligible(
            "get_execution",
            false,
            waiting.as_object().unwrap()
        ));
        assert!(!eligible(
            "get_execution",
            false,
            reading.as_object().unwrap()
        ));
        assert!(!eligible("list_tasks", false, &none));
        assert!(!eligible("cancel_execution", false, &none));
    }

    #[test]
    fn a_task_shows_its_status_message_ttl_and_poll_interval() {
        let waits = WaitSettings::default();
        let shown = shown(&task(WORKING), &waits);
        assert_eq!(shown.status, TaskStatus::Working);
        assert_eq!(shown.ttl_ms, Some(600_000));
        assert_eq!(
            shown.poll_interval_ms,
            Some(500),
            "a young task: the first gap"
        );
        assert!(shown.status_message.unwrap().contains("running"));
        let detailed = detailed(&task(COMPLETED), &waits);
        assert_eq!(detailed.status(), TaskStatus::Completed);
        // The budget lands before the TTL.
        assert_eq!(
            work_budget(Duration::from_secs(600)),
            Duration::from_secs(590)
        );
        assert_eq!(
            work_budget(Duration::from_secs(20)),
            Duration::from_secs(18)
        );
    }

    /// A task whose server stopped before it recorded a run, ended by the process that took
    /// it over: `failed`, with the JSON-RPC error an agent reads, and never written again.
    #[tokio::test]
    async fn a_task_that_cannot_be_finished_fails_with_its_reason_once() {
        use crate::catalog::CatalogStore;
        let store: std::sync::Arc<dyn CatalogStore> =
            std::sync::Arc::new(crate::catalog::SqliteCatalog::in_memory().unwrap());
        let mut created = task(WORKING);
        created.state.outcome = None;
        store.create_call_task(&created).await.unwrap();
        let link = TaskLink::new(
            store.clone(),
            "t",
            created.state.clone(),
            CancellationToken::new(),
            Duration::ZERO,
        );
        let reason = "The server process carrying out this run_task call stopped before it \
                      recorded the run it waits on, so it cannot be finished here.";
        link.finish(Ending::Failed(McpError::internal_error(reason, None)))
            .await;
        link.finish(Ending::Cancelled).await;
        let read = store.call_task("t").await.unwrap().unwrap();
        let mut shown = serde_json::to_value(detailed(&read, &WaitSettings::default())).unwrap();
        assert_eq!(shown["status"], "failed");
        for key in ["createdAt", "lastUpdatedAt"] {
            shown[key] = json!("<time>");
        }
        insta::assert_json_snapshot!("failed", shown);
    }
}
