//! Runs of tasks on either cloud: starting one, checking on it, waiting for it with progress
//! (a Browser Use agent's current step included), stopping it when the wait is cancelled (where
//! the provider can), and the report an agent gets back. One shape of report for every kind of
//! run, so an agent reads them all the same way.
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
use crate::browser_use::BrowserUseClient;
use crate::browser_use::models::{
    CreateTask, SkillExecution, SkillResult, TaskStatus, TaskStatusView, TaskView,
};
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

    /// The provider whose kind this is.
    pub fn provider(self) -> crate::cloud::Provider {
        match self {
            TaskKind::Code | TaskKind::Generated => crate::cloud::Provider::Anchor,
            TaskKind::Skill | TaskKind::Agent => crate::cloud::Provider::BrowserUse,
        }
    }
}

/// The cloud a run is on.
#[derive(Debug, Clone, Copy)]
pub enum Cloud<'a> {
    Anchor(&'a AnchorClient),
    BrowserUse(&'a BrowserUseClient),
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
    /// A Browser Use agent task.
    BrowserUseTask { task_id: String },
}

impl RunRef {
    /// The cloud the run is on.
    pub fn provider(&self) -> crate::cloud::Provider {
        match self {
            RunRef::BrowserUseTask { .. } => crate::cloud::Provider::BrowserUse,
            _ => crate::cloud::Provider::Anchor,
        }
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
    /// A report for a v1 execution.
    pub fn from_execution(task_id: &str, execution: &Execution) -> Self {
        Self {
            provider: "anchor".into(),
            kind: TaskKind::Code,
            status: execution.status.to_string(),
            finished: execution.status.is_terminal(),
            success: execution
                .status
                .is_terminal()
                .then_some(execution.status == RunStatus::Success),
            execution_id: execution.id.clone(),
            task_id: Some(task_id.to_string()),
            task_name: None,
            version: execution.version.clone(),
            output: execution.output.as_deref().map(parse_output),
            error: execution.error_message.clone().filter(|e| !e.is_empty()),
            execution_time_ms: execution.execution_time,
            started_at: execution.start_time.clone(),
            session_id: None,
            cost: None,
            steps: None,
            output_files: Vec::new(),
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
            success: state
                .status
                .is_terminal()
                .then_some(state.status == RunStatus::Success),
            execution_id: state.run_id.clone(),
            task_id: task_id.map(str::to_string),
            task_name: None,
            version: None,
            output: state.result.clone().filter(|r| !r.is_null()),
            error: state.error.clone().filter(|e| !e.is_empty()),
            execution_time_ms: None,
            started_at: None,
            session_id: state.session_id.clone(),
            cost: None,
            steps: None,
            output_files: Vec::new(),
            next_step: None,
        }
    }

    /// A report for a Browser Use agent task, from its status view.
    pub fn from_browser_use(status: &TaskStatusView) -> Self {
        let finished = status.status.is_terminal();
        let succeeded = status.status == TaskStatus::Finished && status.is_success != Some(false);
        let output = status.output.as_deref().map(parse_output);
        let error = match (&status.status, status.is_success) {
            (TaskStatus::Failed, _) => Some(
                status
                    .output
                    .clone()
                    .unwrap_or_else(|| "The agent failed without saying why.".into()),
            ),
            (TaskStatus::Stopped, _) => Some("The task was stopped before it finished.".into()),
            (TaskStatus::Finished, Some(false)) => Some(
                "The agent finished but reports that it did not achieve the task; see output."
                    .into(),
            ),
            _ => None,
        };
        Self {
            provider: "browser_use".into(),
            kind: TaskKind::Agent,
            status: status.status.to_string(),
            finished,
            success: finished.then_some(succeeded),
            execution_id: status.id.clone(),
            task_id: None,
            task_name: None,
            version: None,
            output,
            error,
            execution_time_ms: None,
            started_at: None,
            session_id: None,
            cost: status.cost.clone(),
            steps: None,
            output_files: Vec::new(),
            next_step: None,
        }
    }

    /// A report for a Browser Use agent task, from its full view.
    pub fn from_task_view(view: &TaskView) -> Self {
        Self::from_browser_use(&TaskStatusView {
            id: view.id.clone(),
            status: view.status.clone(),
            output: view.output.clone(),
            finished_at: view.finished_at.clone(),
            is_success: view.is_success,
            cost: view.cost.clone(),
        })
        .with_browser_use_view(view)
    }

    /// A report for a past skill execution (its output is a download link).
    pub fn from_skill_execution(skill_id: &str, execution: &SkillExecution) -> Self {
        let finished = !matches!(execution.status.as_str(), "running" | "pending" | "queued");
        let success = execution
            .success
            .or_else(|| finished.then(|| execution.status == "completed"));
        Self {
            provider: "browser_use".into(),
            kind: TaskKind::Skill,
            status: execution.status.clone(),
            finished,
            success: if finished { success } else { None },
            execution_id: execution.id.clone(),
            task_id: Some(skill_id.to_string()),
            task_name: None,
            version: None,
            output: None,
            error: (finished && success == Some(false))
                .then(|| "The skill execution failed; its output (if any) has the details.".into()),
            execution_time_ms: execution.latency_ms.map(|ms| ms as f64),
            started_at: execution.started_at.clone(),
            session_id: None,
            cost: None,
            steps: None,
            output_files: Vec::new(),
            next_step: None,
        }
    }

    /// What the full task view adds: steps, session, start time.
    pub fn with_browser_use_view(mut self, view: &TaskView) -> Self {
        self.steps = Some(view.steps.len() as u64);
        self.session_id = self.session_id.or_else(|| view.session_id.clone());
        self.started_at = self.started_at.or_else(|| view.started_at.clone());
        self.cost = self.cost.or_else(|| view.cost.clone());
        self
    }

    /// A report for a Browser Use skill execution (synchronous: it is already over).
    pub fn from_skill_result(skill_id: &str, execution_id: String, result: &SkillResult) -> Self {
        let error = (!result.success).then(|| {
            let mut text = result
                .error
                .clone()
                .unwrap_or_else(|| "The skill failed without saying why.".into());
            if let Some(stderr) = result.stderr.as_deref().filter(|s| !s.trim().is_empty()) {
                text.push_str(&format!("\nstderr: {stderr}"));
            }
            text
        });
        Self {
            provider: "browser_use".into(),
            kind: TaskKind::Skill,
            status: if result.success {
                "completed"
            } else {
                "failed"
            }
            .into(),
            finished: true,
            success: Some(result.success),
            execution_id,
            task_id: Some(skill_id.to_string()),
            task_name: None,
            version: None,
            output: result.result.clone().filter(|r| !r.is_null()),
            error,
            execution_time_ms: result.latency_ms.map(|ms| ms as f64),
            started_at: None,
            session_id: None,
            cost: None,
            steps: None,
            output_files: Vec::new(),
            next_step: None,
        }
    }

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
        Some(match (self.kind, &self.task_id) {
            (TaskKind::Code, Some(task_id)) => RunRef::AnchorCode {
                task_id: task_id.clone(),
                execution_id: self.execution_id.clone(),
            },
            (TaskKind::Agent, _) => RunRef::BrowserUseTask {
                task_id: self.execution_id.clone(),
            },
            (TaskKind::Skill, _) => return None,
            _ => RunRef::AnchorGenerated {
                run_id: self.execution_id.clone(),
            },
        })
    }

    /// How progress messages and summaries name the run: "run 5d9c… of task hn-top",
    /// "Browser Use task 3c90…".
    pub fn label(&self) -> String {
        if self.kind == TaskKind::Agent {
            return format!("Browser Use task {}", self.execution_id);
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
    fn merged_over(mut self, older: &RunReport) -> Self {
        self.task_name = self.task_name.or_else(|| older.task_name.clone());
        self.task_id = self.task_id.or_else(|| older.task_id.clone());
        self.version = self.version.or_else(|| older.version.clone());
        self.session_id = self.session_id.or_else(|| older.session_id.clone());
        self.started_at = self.started_at.or_else(|| older.started_at.clone());
        self.steps = self.steps.or(older.steps);
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
    /// A Browser Use agent task: the whole request.
    Agent(Box<CreateTask>),
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
    /// The target belongs to the other cloud (a caller's mistake; nothing was sent).
    #[error("a {target} task cannot run on {cloud}")]
    WrongCloud {
        target: crate::cloud::Provider,
        cloud: crate::cloud::Provider,
    },
}

impl RunTarget {
    /// The cloud this target runs on.
    pub fn provider(&self) -> crate::cloud::Provider {
        match self {
            RunTarget::Agent(_) => crate::cloud::Provider::BrowserUse,
            _ => crate::cloud::Provider::Anchor,
        }
    }
}

impl Cloud<'_> {
    /// Which provider this is.
    pub fn provider(self) -> crate::cloud::Provider {
        match self {
            Cloud::Anchor(_) => crate::cloud::Provider::Anchor,
            Cloud::BrowserUse(_) => crate::cloud::Provider::BrowserUse,
        }
    }
}

/// Start a run, asynchronously and exactly once, and report its first state.
pub async fn start(
    cloud: Cloud<'_>,
    target: &RunTarget,
    request: RunRequest,
) -> Result<RunReport, StartError> {
    match (cloud, target) {
        (Cloud::BrowserUse(bu), RunTarget::Agent(body)) => {
            let created = bu.create_task(body).await?;
            let mut report = RunReport::from_browser_use(&TaskStatusView {
                id: created.id,
                status: TaskStatus::Created,
                output: None,
                finished_at: None,
                is_success: None,
                cost: None,
            });
            report.session_id = created.session_id;
            Ok(report)
        }
        (Cloud::Anchor(anchor), target) if target.provider() == cloud.provider() => {
            start_on_anchor(anchor, target, request).await
        }
        (cloud, target) => Err(StartError::WrongCloud {
            target: target.provider(),
            cloud: cloud.provider(),
        }),
    }
}

async fn start_on_anchor(
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
                RunTarget::Generated { .. } | RunTarget::Agent(_) => (None, None, None),
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
                success: None,
                execution_id,
                task_id: started.task_id.or(task_id),
                task_name: name,
                version: Some(version.unwrap_or_else(|| "latest".into())),
                output: None,
                error: None,
                execution_time_ms: None,
                started_at: None,
                session_id: None,
                cost: None,
                steps: None,
                output_files: Vec::new(),
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
        RunTarget::Agent(_) => Err(StartError::WrongCloud {
            target: crate::cloud::Provider::BrowserUse,
            cloud: crate::cloud::Provider::Anchor,
        }),
    }
}

/// A v1 output is the task's return value serialized as a string; give back the JSON value
/// when it is JSON, else the text itself.
pub fn parse_output(output: &str) -> Value {
    serde_json::from_str(output).unwrap_or_else(|_| Value::String(output.to_string()))
}

/// Check a run's current state once. A finished Browser Use task also gets its steps and the
/// download links of its output files.
pub async fn check(cloud: Cloud<'_>, run: &RunRef) -> Result<RunReport, ApiError> {
    match (cloud, run) {
        (
            Cloud::Anchor(anchor),
            RunRef::AnchorCode {
                task_id,
                execution_id,
            },
        ) => {
            let execution = anchor.get_execution(task_id, execution_id).await?;
            Ok(RunReport::from_execution(task_id, &execution))
        }
        (Cloud::Anchor(anchor), RunRef::AnchorGenerated { run_id }) => {
            let state = anchor.run_status(run_id).await?;
            Ok(RunReport::from_run_state(None, &state))
        }
        (Cloud::BrowserUse(bu), RunRef::BrowserUseTask { task_id }) => {
            let status = bu.task_status(task_id).await?;
            let report = RunReport::from_browser_use(&status);
            Ok(if report.finished {
                complete(bu, report).await
            } else {
                report
            })
        }
        (Cloud::Anchor(anchor), RunRef::BrowserUseTask { task_id }) => Err(mismatch(
            crate::cloud::Provider::BrowserUse,
            anchor.base_url(),
            task_id,
        )),
        (
            Cloud::BrowserUse(bu),
            RunRef::AnchorCode {
                execution_id: id, ..
            },
        )
        | (Cloud::BrowserUse(bu), RunRef::AnchorGenerated { run_id: id }) => {
            Err(mismatch(crate::cloud::Provider::Anchor, bu.base_url(), id))
        }
    }
}

fn mismatch(provider: crate::cloud::Provider, base_url: &str, id: &str) -> ApiError {
    ApiError::Connect {
        provider,
        operation: format!("checking run {id}"),
        base_url: base_url.to_string(),
        reason: format!("the run belongs to {provider}, which is not the cloud asked"),
    }
}

/// A finished Browser Use task's steps and output files (best effort: a failure to read them
/// leaves the report as it was).
async fn complete(bu: &BrowserUseClient, report: RunReport) -> RunReport {
    let view = match bu.get_task(&report.execution_id).await {
        Ok(view) => view,
        Err(error) => {
            tracing::warn!(%error, "could not read a finished task's steps and files");
            return report;
        }
    };
    let mut report = report.with_browser_use_view(&view);
    for file in &view.output_files {
        match bu.output_file(&report.execution_id, &file.id).await {
            Ok(link) => report.output_files.push(OutputFile {
                file_name: file.file_name.clone(),
                download_url: link.download_url,
            }),
            Err(error) => tracing::warn!(%error, file = %file.file_name, "no download link"),
        }
    }
    report
}

/// The agent's latest step, for progress: "step 3: Open the pricing page (https://…)".
fn step_detail(view: &TaskView) -> Option<String> {
    let step = view.steps.iter().max_by_key(|s| s.number)?;
    let goal = step
        .next_goal
        .as_deref()
        .filter(|g| !g.is_empty())
        .unwrap_or("working");
    let url = step
        .url
        .as_deref()
        .filter(|u| !u.is_empty())
        .map(|u| format!(" at {u}"))
        .unwrap_or_default();
    Some(format!(
        "step {}: {}{url}",
        step.number,
        crate::cloud::truncate_text(goal, 120)
    ))
}

/// Run a Browser Use skill (synchronous). The execution's id is looked up afterwards, best
/// effort (the execute answer carries none).
pub async fn run_skill(
    bu: &BrowserUseClient,
    skill_id: &str,
    parameters: &serde_json::Map<String, Value>,
    session_id: Option<&str>,
) -> Result<RunReport, ApiError> {
    let result = bu.execute_skill(skill_id, parameters, session_id).await?;
    let execution_id = match bu.skill_executions(skill_id, 1, 1).await {
        Ok(page) => page.items.first().map(|e| e.id.clone()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok(RunReport::from_skill_result(
        skill_id,
        execution_id,
        &result,
    ))
}

/// How [`wait`] ended.
#[derive(Debug)]
pub enum WaitEnd {
    /// The run ended (see [`RunReport::verdict`]).
    Finished,
    /// The budget was spent; the run goes on in the cloud.
    StillRunning { waited: Duration },
    /// The caller cancelled; no more status checks were made. `stopped`: the run was stopped
    /// in the cloud (Browser Use tasks); otherwise it goes on there (Anchor has no stop).
    Cancelled { stopped: bool },
    /// Checking the status failed for good.
    CheckFailed(ApiError),
}

/// Wait for the run described by `current` to finish, within `budget`, reporting progress.
/// Returns the freshest report, with `next_step` filled in when the run is still going.
///
/// A Browser Use agent's steps are read every third status check (the full view is heavier)
/// and reported as progress detail; when the wait is cancelled, the task is stopped in the
/// cloud (Anchor has no stop: its run goes on).
pub async fn wait<P: ProgressSink>(
    cloud: Cloud<'_>,
    current: RunReport,
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
    let outcome = waiting::wait_for(
        &label,
        &current.status,
        budget,
        settings,
        cancel,
        progress,
        || {
            let run = run.clone();
            let nth = checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async move {
                let mut report = check(cloud, &run).await?;
                let mut detail = None;
                if let (Cloud::BrowserUse(bu), RunRef::BrowserUseTask { task_id }) = (cloud, &run)
                    && !report.finished
                    && nth.is_multiple_of(3)
                {
                    // Steps are a nicety: a failed read does not fail the wait.
                    if let Ok(view) = bu.get_task(task_id).await {
                        detail = step_detail(&view);
                        report = report.with_browser_use_view(&view);
                    }
                }
                Ok(Observation {
                    status: report.status.clone(),
                    detail,
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
            if let (Cloud::BrowserUse(bu), RunRef::BrowserUseTask { task_id }) = (cloud, &run) {
                match bu.stop_task(task_id, false).await {
                    Ok(view) if view.status == TaskStatus::Stopped => {
                        tracing::info!(task = %task_id, "stopped the cloud task after a cancel");
                        report.status = view.status.to_string();
                        report.finished = true;
                        report.success = Some(false);
                        report.error =
                            Some("Stopped in the cloud because the request was cancelled.".into());
                        report.next_step = None;
                        return (report, WaitEnd::Cancelled { stopped: true });
                    }
                    // It ended on its own just before the stop: that is its real outcome.
                    Ok(view) => {
                        let ended = RunReport::from_task_view(&view).merged_over(&current);
                        return (complete(bu, ended).await, WaitEnd::Finished);
                    }
                    Err(error) => {
                        tracing::warn!(%error, task = %task_id, "could not stop the cloud task")
                    }
                }
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
        let state = |status| RunState {
            run_id: "r".into(),
            status,
            result: None,
            error: None,
            session_id: None,
        };
        let report = |status| RunReport::from_run_state(Some("t"), &state(status));
        assert_eq!(report(RunStatus::Running).verdict(), Verdict::InProgress);
        assert_eq!(report(RunStatus::Success).verdict(), Verdict::Succeeded);
        assert_eq!(report(RunStatus::Timeout).verdict(), Verdict::Failed);
        assert_eq!(
            report(RunStatus::Running).continue_arguments(),
            serde_json::json!({"execution_id": "r", "kind": "generated"})
        );
    }

    #[test]
    fn browser_use_verdicts_follow_status_and_the_agents_own_word() {
        let status = |status: &str, success: Option<bool>| TaskStatusView {
            id: "3c90c3cc-0d44-4b50-8888-8dd25736052a".into(),
            status: TaskStatus::from(status),
            output: Some("{\"n\": 1}".into()),
            finished_at: None,
            is_success: success,
            cost: Some("0.0100".into()),
        };
        let report = RunReport::from_browser_use(&status("finished", Some(true)));
        assert_eq!(report.verdict(), Verdict::Succeeded);
        assert_eq!(report.output, Some(serde_json::json!({"n": 1})));
        assert_eq!(report.cost.as_deref(), Some("0.0100"));
        assert_eq!(
            RunReport::from_browser_use(&status("finished", Some(false))).verdict(),
            Verdict::Failed
        );
        assert_eq!(
            RunReport::from_browser_use(&status("stopped", None)).verdict(),
            Verdict::Failed
        );
        assert_eq!(
            RunReport::from_browser_use(&status("started", None)).verdict(),
            Verdict::InProgress
        );
        // `failed` is terminal, whatever older docs say.
        let failed = RunReport::from_browser_use(&status("failed", None));
        assert!(failed.finished);
        assert_eq!(
            failed.continue_arguments(),
            serde_json::json!({"execution_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"})
        );
        assert_eq!(
            failed.label(),
            "Browser Use task 3c90c3cc-0d44-4b50-8888-8dd25736052a"
        );
    }

    #[test]
    fn skill_results_report_their_error_and_stderr() {
        let result = SkillResult {
            success: false,
            result: None,
            error: Some("Selector not found".into()),
            stderr: Some("at line 3".into()),
            latency_ms: Some(1200),
        };
        let report = RunReport::from_skill_result("s", "e".into(), &result);
        assert_eq!(report.verdict(), Verdict::Failed);
        assert_eq!(
            report.error.as_deref(),
            Some("Selector not found\nstderr: at line 3")
        );
        assert_eq!(report.run_ref(), None);
        assert_eq!(
            report.continue_arguments(),
            serde_json::json!({"execution_id": "e", "task_id": "s"})
        );
    }
}
