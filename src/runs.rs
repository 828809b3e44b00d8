//! Runs of tasks: checking on a run, waiting for it with progress, and the report an agent
//! gets back. One shape of report for every kind of task, so an agent reads a code-task
//! execution and a generated-task run the same way.
//!
//! Knows the provider clients; knows nothing of MCP.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::anchor::AnchorClient;
use crate::anchor::models::{Execution, RunState, RunStatus, RunTask, RunTaskV2};
use crate::cloud::ApiError;
use crate::waiting::{self, Observation, ProgressSink, WaitOutcome, WaitSettings};

/// Which of Anchor's task APIs a task lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// A legacy v1 code task: TypeScript with versions (draft, 1, 2, …).
    Code,
    /// A v2 Task Builder task, generated from a natural-language prompt.
    Generated,
}

impl TaskKind {
    /// The wire value (`code` / `generated`).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Code => "code",
            TaskKind::Generated => "generated",
        }
    }

    /// The kind named by [`TaskKind::as_str`] (anything else reads as a code task).
    pub fn from_id(id: &str) -> Self {
        match id {
            "generated" => TaskKind::Generated,
            _ => TaskKind::Code,
        }
    }
}

/// Where to check on a run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunRef {
    /// A v1 execution; its status lives under its task.
    AnchorCode {
        task_id: String,
        execution_id: String,
    },
    /// A v2 run; its status is addressed by run id alone.
    AnchorGenerated { run_id: String },
}

/// Everything known about one run, as the agent receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunReport {
    /// The cloud the run is on (`anchor`).
    pub provider: String,
    /// `code` (v1 code task) or `generated` (v2 Task Builder task).
    pub kind: TaskKind,
    /// queued, running, success, failure, timeout or cancelled (a newer provider value is
    /// passed through as is).
    pub status: String,
    /// Whether the run has ended.
    pub finished: bool,
    /// The id to check this run with (a v1 execution id or a v2 run id).
    pub execution_id: String,
    /// The task that ran (pass it to get_execution with a code task's execution_id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The task's name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_name: Option<String>,
    /// The task version that ran (code tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The task's result: parsed JSON when it is JSON, else the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// Why the run failed, in the provider's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long the run took, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_time_ms: Option<f64>,
    /// When the run started (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// The browser session the run used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// While the run is still going: how to keep waiting for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step: Option<String>,
}

/// How a run ended, as far as the caller is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Succeeded,
    /// Failure, timeout, cancelled (or an unknown terminal state).
    Failed,
    InProgress,
}

impl RunReport {
    /// A report for a v1 execution.
    pub fn from_execution(task_id: &str, execution: &Execution) -> Self {
        Self {
            provider: "anchor".into(),
            kind: TaskKind::Code,
            status: execution.status.to_string(),
            finished: execution.status.is_terminal(),
            execution_id: execution.id.clone(),
            task_id: Some(task_id.to_string()),
            task_name: None,
            version: execution.version.clone(),
            output: execution.output.as_deref().map(parse_output),
            error: execution.error_message.clone().filter(|e| !e.is_empty()),
            execution_time_ms: execution.execution_time,
            started_at: execution.start_time.clone(),
            session_id: None,
            next_step: None,
        }
    }

    /// A report for a v2 run.
    pub fn from_run_state(task_id: Option<&str>, state: &RunState) -> Self {
        Self {
            provider: "anchor".into(),
            kind: TaskKind::Generated,
            status: state.status.to_string(),
            finished: state.status.is_terminal(),
            execution_id: state.run_id.clone(),
            task_id: task_id.map(str::to_string),
            task_name: None,
            version: None,
            output: state.result.clone().filter(|r| !r.is_null()),
            error: state.error.clone().filter(|e| !e.is_empty()),
            execution_time_ms: None,
            started_at: None,
            session_id: state.session_id.clone(),
            next_step: None,
        }
    }

    /// Whether the run succeeded, failed or is still going.
    pub fn verdict(&self) -> Verdict {
        if !self.finished {
            return Verdict::InProgress;
        }
        match RunStatus::from(self.status.as_str()) {
            RunStatus::Success => Verdict::Succeeded,
            _ => Verdict::Failed,
        }
    }

    /// Where to check on this run again.
    pub fn run_ref(&self) -> RunRef {
        match (self.kind, &self.task_id) {
            (TaskKind::Code, Some(task_id)) => RunRef::AnchorCode {
                task_id: task_id.clone(),
                execution_id: self.execution_id.clone(),
            },
            _ => RunRef::AnchorGenerated {
                run_id: self.execution_id.clone(),
            },
        }
    }

    /// "run 5d9c… of task hn-top": how progress messages and summaries name the run.
    pub fn label(&self) -> String {
        let task = self
            .task_name
            .as_deref()
            .or(self.task_id.as_deref())
            .map(|t| format!(" of task {t}"))
            .unwrap_or_default();
        format!("run {}{task}", self.execution_id)
    }

    /// The `get_execution` arguments that reach this run again.
    pub fn continue_arguments(&self) -> Value {
        let mut args = serde_json::json!({ "execution_id": self.execution_id, "kind": self.kind });
        if let (TaskKind::Code, Some(task_id)) = (self.kind, &self.task_id) {
            args["task_id"] = Value::from(task_id.clone());
        }
        args
    }

    /// Keep what the fresher report does not know (names, versions) from an older one.
    fn merged_over(mut self, older: &RunReport) -> Self {
        self.task_name = self.task_name.or_else(|| older.task_name.clone());
        self.task_id = self.task_id.or_else(|| older.task_id.clone());
        self.version = self.version.or_else(|| older.version.clone());
        self.session_id = self.session_id.or_else(|| older.session_id.clone());
        self
    }
}

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunTarget {
    /// A code task by id, at a version (`None`: the API's default, latest).
    Code {
        task_id: String,
        version: Option<String>,
    },
    /// A code task by name (always its latest version).
    CodeByName { name: String },
    /// A generated task.
    Generated { task_id: String },
}

/// A run to start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunRequest {
    /// Inputs ready for the API: `ANCHOR_` keys for code tasks, parameter names for generated
    /// tasks; text values.
    pub inputs: BTreeMap<String, String>,
    pub session_id: Option<String>,
    /// Code tasks: browser settings overriding the task's.
    pub browser_configuration: Option<Value>,
    /// Generated tasks: the identity to run with.
    pub identity_id: Option<String>,
    pub cleanup_sessions: Option<bool>,
}

/// Why a run could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The API accepted the run but gave no id to follow it by.
    #[error("the run was started ({message}) but the API returned no execution id to follow it")]
    NoExecutionId { message: String },
}

/// Start a run, asynchronously and exactly once, and report its first state.
pub async fn start(
    anchor: &AnchorClient,
    target: &RunTarget,
    request: RunRequest,
) -> Result<RunReport, StartError> {
    let inputs = (!request.inputs.is_empty()).then_some(request.inputs);
    match target {
        RunTarget::Code { .. } | RunTarget::CodeByName { .. } => {
            let (task_id, version, name) = match target {
                RunTarget::Code { task_id, version } => {
                    (Some(task_id.clone()), version.clone(), None)
                }
                RunTarget::CodeByName { name } => (None, None, Some(name.clone())),
                RunTarget::Generated { .. } => (None, None, None),
            };
            let body = RunTask {
                task_id: task_id.clone(),
                version: version.clone(),
                session_id: request.session_id,
                run_async: Some(true),
                override_browser_configuration: request.browser_configuration,
                inputs,
                cleanup_sessions: request.cleanup_sessions,
            };
            let started = match &name {
                Some(name) => anchor.run_task_by_name(name, &body).await?,
                None => anchor.run_task(&body).await?,
            };
            let Some(execution_id) = started.execution_result_id.clone() else {
                return Err(StartError::NoExecutionId {
                    message: started.message.unwrap_or_else(|| "no message".into()),
                });
            };
            Ok(RunReport {
                provider: "anchor".into(),
                kind: TaskKind::Code,
                status: RunStatus::Queued.to_string(),
                finished: false,
                execution_id,
                task_id: started.task_id.or(task_id),
                task_name: name,
                version: Some(version.unwrap_or_else(|| "latest".into())),
                output: None,
                error: None,
                execution_time_ms: None,
                started_at: None,
                session_id: None,
                next_step: None,
            })
        }
        RunTarget::Generated { task_id } => {
            let body = RunTaskV2 {
                input_params: inputs.unwrap_or_default(),
                identity_id: request.identity_id,
                session_id: request.session_id,
                cleanup_sessions: request.cleanup_sessions,
            };
            let state = anchor.run_generated_task(task_id, &body).await?;
            Ok(RunReport::from_run_state(Some(task_id), &state))
        }
    }
}

/// A v1 output is the task's return value serialized as a string; give back the JSON value
/// when it is JSON, else the text itself.
pub fn parse_output(output: &str) -> Value {
    serde_json::from_str(output).unwrap_or_else(|_| Value::String(output.to_string()))
}

/// Check a run's current state once.
pub async fn check(anchor: &AnchorClient, run: &RunRef) -> Result<RunReport, ApiError> {
    match run {
        RunRef::AnchorCode {
            task_id,
            execution_id,
        } => {
            let execution = anchor.get_execution(task_id, execution_id).await?;
            Ok(RunReport::from_execution(task_id, &execution))
        }
        RunRef::AnchorGenerated { run_id } => {
            let state = anchor.run_status(run_id).await?;
            Ok(RunReport::from_run_state(None, &state))
        }
    }
}

/// How [`wait`] ended.
#[derive(Debug)]
pub enum WaitEnd {
    /// The run ended (see [`RunReport::verdict`]).
    Finished,
    /// The budget was spent; the run goes on in the cloud.
    StillRunning { waited: Duration },
    /// The caller cancelled; no more status checks were made. The run goes on in the cloud.
    Cancelled,
    /// Checking the status failed for good.
    CheckFailed(ApiError),
}

/// Wait for the run described by `current` to finish, within `budget`, reporting progress.
/// Returns the freshest report, with `next_step` filled in when the run is still going.
pub async fn wait<P: ProgressSink>(
    anchor: &AnchorClient,
    current: RunReport,
    budget: Duration,
    settings: &WaitSettings,
    cancel: &CancellationToken,
    progress: &P,
) -> (RunReport, WaitEnd) {
    if current.finished {
        return (current, WaitEnd::Finished);
    }
    let run = current.run_ref();
    let label = current.label();
    let started = tokio::time::Instant::now();
    let outcome = waiting::wait_for(
        &label,
        &current.status,
        budget,
        settings,
        cancel,
        progress,
        || {
            let run = run.clone();
            async move {
                let report = check(anchor, &run).await?;
                Ok(Observation {
                    status: report.status.clone(),
                    done: report.finished,
                    snapshot: report,
                })
            }
        },
    )
    .await;
    let latest = |last: Option<RunReport>| match last {
        Some(report) => report.merged_over(&current),
        None => current.clone(),
    };
    match outcome {
        WaitOutcome::Finished(report) => (report.merged_over(&current), WaitEnd::Finished),
        WaitOutcome::BudgetSpent(last) => {
            let mut report = latest(last);
            report.next_step = Some(continue_hint(&report, settings));
            let waited = started.elapsed();
            (report, WaitEnd::StillRunning { waited })
        }
        WaitOutcome::Cancelled(last) => {
            let mut report = latest(last);
            report.next_step = Some(continue_hint(&report, settings));
            (report, WaitEnd::Cancelled)
        }
        WaitOutcome::CheckFailed { error, last } => {
            let mut report = latest(last);
            report.next_step = Some(continue_hint(&report, settings));
            (report, WaitEnd::CheckFailed(error))
        }
    }
}

fn continue_hint(report: &RunReport, settings: &WaitSettings) -> String {
    format!(
        "The run goes on in the cloud. To wait for it, call get_execution with {} and \
         wait_seconds (up to {}); without wait_seconds it reports the current state at once.",
        report.continue_arguments(),
        settings.max_budget.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_parsed_when_they_are_json() {
        assert_eq!(parse_output(r#"{"a":1}"#), serde_json::json!({"a": 1}));
        assert_eq!(
            parse_output("plain text"),
            Value::String("plain text".into())
        );
        assert_eq!(parse_output("42"), serde_json::json!(42));
    }

    #[test]
    fn verdicts_follow_the_status() {
        let mut report = RunReport::from_run_state(
            Some("t"),
            &RunState {
                run_id: "r".into(),
                status: RunStatus::Running,
                result: None,
                error: None,
                session_id: None,
            },
        );
        assert_eq!(report.verdict(), Verdict::InProgress);
        report.finished = true;
        report.status = "success".into();
        assert_eq!(report.verdict(), Verdict::Succeeded);
        report.status = "timeout".into();
        assert_eq!(report.verdict(), Verdict::Failed);
        assert_eq!(
            report.continue_arguments(),
            serde_json::json!({"execution_id": "r", "kind": "generated"})
        );
    }
}
