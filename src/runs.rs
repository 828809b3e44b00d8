//! Runs, whatever the cloud: the report an agent gets back (one shape for every kind of run,
//! so an agent reads them all the same way), and waiting on a run with progress through the
//! [`RunCloud`] each provider implements (`providers::*::runs`: reading a run's state, what it
//! adds while waiting, stopping a run whose wait was cancelled where it can).
//!
//! Knows nothing of MCP.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::cloud::ApiError;
use crate::waiting::{self, Observation, ProgressSink, WaitOutcome, WaitSettings};

/// What kind of task (or run) something is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// An Anchor legacy v1 code task: TypeScript with versions (draft, 1, 2, …).
    Code,
    /// An Anchor v2 Task Builder task, generated from a natural-language prompt.
    Generated,
    /// A Browser Use skill: a generated, deterministic endpoint with typed parameters.
    Skill,
    /// A Browser Use agent task: a one-off natural-language instruction.
    Agent,
}

impl TaskKind {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Code => "code",
            TaskKind::Generated => "generated",
            TaskKind::Skill => "skill",
            TaskKind::Agent => "agent",
        }
    }

    /// The kind named by [`TaskKind::as_str`] (anything else reads as a code task).
    pub fn from_id(id: &str) -> Self {
        match id {
            "generated" => TaskKind::Generated,
            "skill" => TaskKind::Skill,
            "agent" => TaskKind::Agent,
            _ => TaskKind::Code,
        }
    }
}

/// Where to check on a run: its kind, its id, and its task when the cloud files runs under
/// their task.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRef {
    pub kind: TaskKind,
    pub execution_id: String,
    pub task_id: Option<String>,
}

/// A cloud that runs tasks, as waiting on a run needs it. Each provider implements it over
/// its client (`providers::*::runs`).
pub trait RunCloud: Send + Sync {
    /// The run's state now.
    fn check<'a>(&'a self, run: &'a RunRef) -> BoxFuture<'a, Result<RunReport, ApiError>>;

    /// While a run goes on, every few checks: detail for progress ("step 4: …") and a fuller
    /// report. Best effort; by default there is none.
    fn detail<'a>(
        &'a self,
        _run: &'a RunRef,
        _nth_check: u32,
    ) -> BoxFuture<'a, Option<(Option<String>, RunReport)>> {
        async { None }.boxed()
    }

    /// Stop a run whose wait was cancelled. `None`: this cloud cannot stop runs, or the stop
    /// failed (then the run goes on); `Some((report, true))`: stopped; `Some((report, false))`:
    /// it had ended on its own just before, and `report` is its real outcome.
    fn stop<'a>(
        &'a self,
        _run: &'a RunRef,
        _current: &'a RunReport,
    ) -> BoxFuture<'a, Option<(RunReport, bool)>> {
        async { None }.boxed()
    }
}

/// A file a run left behind, as a link (never inlined).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OutputFile {
    /// The file's name, e.g. "results.csv".
    pub file_name: String,
    /// A temporary download link.
    pub download_url: String,
}

/// Everything known about one run, as the agent receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunReport {
    /// The cloud the run is on: `anchor` or `browser_use`.
    pub provider: String,
    /// `code` or `generated` (Anchor tasks), `skill` or `agent` (Browser Use).
    pub kind: TaskKind,
    /// The provider's status: queued, running, success, failure, timeout, cancelled (Anchor);
    /// created, started, finished, failed, stopped (Browser Use). A newer value is passed
    /// through as is.
    pub status: String,
    /// Whether the run has ended.
    pub finished: bool,
    /// Once finished: whether it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// The id to check this run with (an Anchor execution or run id, a Browser Use task id).
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
    /// What the run cost, in US dollars (Browser Use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
    /// How many steps the agent took (Browser Use agent tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u64>,
    /// Files the run produced, as download links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_files: Vec<OutputFile>,
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
    /// Whether the run succeeded, failed or is still going.
    pub fn verdict(&self) -> Verdict {
        match (self.finished, self.success) {
            (false, _) => Verdict::InProgress,
            (true, Some(true)) => Verdict::Succeeded,
            (true, _) => Verdict::Failed,
        }
    }

    /// Where to check on this run again (`None` for a skill run, which is already over).
    pub fn run_ref(&self) -> Option<RunRef> {
        (self.kind != TaskKind::Skill).then(|| RunRef {
            kind: self.kind,
            execution_id: self.execution_id.clone(),
            task_id: self.task_id.clone(),
        })
    }

    /// How progress messages and summaries name the run: "run 5d9c… of task hn-top",
    /// "agent task 3c90…".
    pub fn label(&self) -> String {
        if self.kind == TaskKind::Agent {
            return format!("agent task {}", self.execution_id);
        }
        let what = if self.kind == TaskKind::Skill {
            "skill"
        } else {
            "task"
        };
        let task = self
            .task_name
            .as_deref()
            .or(self.task_id.as_deref())
            .map(|t| format!(" of {what} {t}"))
            .unwrap_or_default();
        if self.execution_id.is_empty() {
            return format!("run{task}");
        }
        format!("run {}{task}", self.execution_id)
    }

    /// The `get_execution` arguments that reach this run again.
    ///
    /// Browser Use runs go without `kind`: the server tells a skill execution (which names
    /// its skill) from an agent task, and finds their provider in its catalog.
    pub fn continue_arguments(&self) -> Value {
        let mut args = serde_json::json!({ "execution_id": self.execution_id });
        match self.kind {
            TaskKind::Code | TaskKind::Generated => args["kind"] = Value::from(self.kind.as_str()),
            TaskKind::Skill | TaskKind::Agent => {}
        }
        if let (TaskKind::Code | TaskKind::Skill, Some(task_id)) = (self.kind, &self.task_id) {
            args["task_id"] = Value::from(task_id.clone());
        }
        args
    }

    /// Keep what the fresher report does not know (names, versions) from an older one.
    pub fn merged_over(mut self, older: &RunReport) -> Self {
        self.task_name = self.task_name.or_else(|| older.task_name.clone());
        self.task_id = self.task_id.or_else(|| older.task_id.clone());
        self.version = self.version.or_else(|| older.version.clone());
        self.session_id = self.session_id.or_else(|| older.session_id.clone());
        self.started_at = self.started_at.or_else(|| older.started_at.clone());
        self.steps = self.steps.or(older.steps);
        self
    }
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

/// A v1 output is the task's return value serialized as a string; give back the JSON value
/// when it is JSON, else the text itself.
pub fn parse_output(output: &str) -> Value {
    serde_json::from_str(output).unwrap_or_else(|_| Value::String(output.to_string()))
}

/// How [`wait`] ended.
#[derive(Debug)]
pub enum WaitEnd {
    /// The run ended (see [`RunReport::verdict`]).
    Finished,
    /// The budget was spent; the run goes on in the cloud.
    StillRunning { waited: Duration },
    /// The caller cancelled; no more status checks were made. `stopped`: the run was stopped
    /// in the cloud; otherwise it goes on there (the cloud cannot stop runs, or did not).
    Cancelled { stopped: bool },
    /// Checking the status failed for good.
    CheckFailed(ApiError),
}

/// Wait for the run described by `current`, `age` old (zero for a run just started; see
/// [`age_of`]), to finish, within `budget`, reporting progress. Returns the freshest report,
/// with `next_step` filled in when the run is still going.
///
/// What the cloud adds while waiting (an agent's steps) is reported as progress detail; when
/// the wait is cancelled, the cloud is asked to stop the run (where it can).
pub async fn wait<P: ProgressSink>(
    cloud: &dyn RunCloud,
    current: RunReport,
    age: Duration,
    budget: Duration,
    settings: &WaitSettings,
    cancel: &CancellationToken,
    progress: &P,
) -> (RunReport, WaitEnd) {
    let Some(run) = current.run_ref().filter(|_| !current.finished) else {
        return (current, WaitEnd::Finished);
    };
    let label = current.label();
    let started = tokio::time::Instant::now();
    let checks = std::sync::atomic::AtomicU32::new(0);
    let work = waiting::Work {
        label: &label,
        status: &current.status,
        age,
    };
    let outcome = waiting::wait_for(work, budget, settings, cancel, progress, || {
        let run = run.clone();
        let nth = checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        async move {
            let mut report = cloud.check(&run).await?;
            let mut detail = None;
            if !report.finished
                && let Some((more, fuller)) = cloud.detail(&run, nth).await
            {
                detail = more;
                report = fuller;
            }
            Ok(Observation {
                status: report.status.clone(),
                detail,
                done: report.finished,
                snapshot: report,
            })
        }
    })
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
            match cloud.stop(&run, &report).await {
                Some((mut stopped, true)) => {
                    stopped.next_step = None;
                    return (stopped, WaitEnd::Cancelled { stopped: true });
                }
                // It ended on its own just before the stop: that is its real outcome.
                Some((ended, false)) => return (ended.merged_over(&current), WaitEnd::Finished),
                None => {}
            }
            report.next_step = Some(continue_hint(&report, settings));
            (report, WaitEnd::Cancelled { stopped: false })
        }
        WaitOutcome::CheckFailed { error, last } => {
            let mut report = latest(last);
            report.next_step = Some(continue_hint(&report, settings));
            (report, WaitEnd::CheckFailed(error))
        }
    }
}

/// How old a run is, by the start time its report gives (zero when unknown, unreadable or
/// in the future): a wait on a run started earlier polls at the pace its age calls for.
pub fn age_of(report: &RunReport, now: chrono::DateTime<chrono::Utc>) -> Duration {
    report
        .started_at
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .and_then(|at| (now - at.with_timezone(&chrono::Utc)).to_std().ok())
        .unwrap_or_default()
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
    fn a_runs_age_comes_from_its_start_time() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:01:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let report = |started_at: Option<&str>| RunReport {
            provider: "anchor".into(),
            kind: TaskKind::Code,
            status: "running".into(),
            finished: false,
            success: None,
            execution_id: "e1".into(),
            task_id: None,
            task_name: None,
            version: None,
            output: None,
            error: None,
            execution_time_ms: None,
            started_at: started_at.map(str::to_string),
            session_id: None,
            cost: None,
            steps: None,
            output_files: Vec::new(),
            next_step: None,
        };
        let age = |at| age_of(&report(at), now);
        assert_eq!(age(Some("2026-01-01T00:00:15Z")), Duration::from_secs(45));
        assert_eq!(
            age(Some("2026-01-01T00:00:59.500+00:00")),
            Duration::from_millis(500)
        );
        // Unknown, unreadable, or ahead of this machine's clock: a run just started.
        assert_eq!(age(None), Duration::ZERO);
        assert_eq!(age(Some("yesterday")), Duration::ZERO);
        assert_eq!(age(Some("2026-01-01T00:02:00Z")), Duration::ZERO);
    }

    #[test]
    fn outputs_are_parsed_when_they_are_json() {
        assert_eq!(parse_output(r#"{"a":1}"#), serde_json::json!({"a": 1}));
        assert_eq!(
            parse_output("plain text"),
            Value::String("plain text".into())
        );
        assert_eq!(parse_output("42"), serde_json::json!(42));
    }
}
