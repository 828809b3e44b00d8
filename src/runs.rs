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

    /// Where a person can watch the run's browser live, once the cloud says (best effort;
    /// asked every few checks until known). By default there is none.
    fn live_url<'a>(&'a self, _report: &'a RunReport) -> BoxFuture<'a, Option<String>> {
        async { None }.boxed()
    }

    /// A pending request of the run for a person, if any (checked every other status check).
    fn pending_request<'a>(
        &'a self,
        _report: &'a RunReport,
    ) -> BoxFuture<'a, Option<HumanRequest>> {
        async { None }.boxed()
    }

    /// Answer a run's request for a person with `response` (sent once, as given).
    fn respond<'a>(
        &'a self,
        _report: &'a RunReport,
        _request_id: &'a str,
        _response: Value,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        async { Ok(()) }.boxed()
    }

    /// Why a run whose wait was cancelled could not be stopped, when the cloud knows why
    /// (said in the answer instead of pretending).
    fn why_not_stopped(&self, _current: &RunReport) -> Option<String> {
        None
    }
}

/// A run's request for a person: a message and the kind of answer wanted.
#[derive(Debug, Clone, PartialEq)]
pub struct HumanRequest {
    pub id: String,
    pub message: String,
    /// `text`, `confirm` or `fields`.
    pub input_type: String,
    pub fields: Vec<HumanField>,
}

/// One field of a `fields` request.
#[derive(Debug, Clone, PartialEq)]
pub struct HumanField {
    pub name: String,
    pub label: String,
    pub description: Option<String>,
    pub required: bool,
    /// text, number, url, email or password.
    pub kind: String,
}

/// What the person said.
#[derive(Debug, Clone, PartialEq)]
pub enum PersonAnswer {
    /// Their answer, in the shape the request asked for.
    Answer(Value),
    Declined,
    Cancelled,
    /// They cannot be asked here (no elicitation, or a password is wanted); `why` says what
    /// to do instead.
    Unavailable {
        why: String,
    },
}

impl PersonAnswer {
    /// What the cloud is sent for it (`None`: nothing, the person was not asked). A decline or
    /// cancel is sent as such, never as an invented answer.
    pub fn response(&self) -> Option<Value> {
        match self {
            PersonAnswer::Answer(value) => Some(value.clone()),
            PersonAnswer::Declined => Some(Value::from("declined: the person chose not to answer")),
            PersonAnswer::Cancelled => {
                Some(Value::from("cancelled: the person dismissed the request"))
            }
            PersonAnswer::Unavailable { .. } => None,
        }
    }
}

/// Someone who can answer a run's request for a person (the MCP client's user).
pub trait Person: Send + Sync {
    fn ask<'a>(&'a self, request: &'a HumanRequest) -> BoxFuture<'a, PersonAnswer>;
}

/// Nobody to ask.
pub struct Nobody;

impl Person for Nobody {
    fn ask<'a>(&'a self, _request: &'a HumanRequest) -> BoxFuture<'a, PersonAnswer> {
        async {
            PersonAnswer::Unavailable {
                why: "this client cannot ask its user (no elicitation)".into(),
            }
        }
        .boxed()
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
    /// Where a person can watch the run's browser live (Browser Use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_url: Option<String>,
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
        self.live_url = self.live_url.or_else(|| older.live_url.clone());
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
    /// The start's answer was lost ([`ApiError::OutcomeUnknown`]) and the run could not be
    /// found in the cloud: it may have started all the same.
    #[error("{error}")]
    Unconfirmed {
        error: ApiError,
        /// What looking for it found, in a sentence ("No run of task … started since …").
        finding: String,
        /// The `list_executions` arguments that show whether it started (`None`: the cloud
        /// offers no way to list such runs).
        check: Option<Value>,
    },
}

/// How far before the moment a start was sent a run found in the cloud may say it started
/// (the cloud's clock and ours differ a little).
pub const CLOCK_SLACK: Duration = Duration::from_secs(5);

/// How long to wait before looking a second time for a start whose answer was lost: the
/// cloud may record it a moment after the connection broke.
pub const SECOND_LOOK: Duration = Duration::from_secs(1);

/// What looking for a start whose answer was lost found.
#[derive(Debug)]
pub enum Sighting {
    /// Its run, beyond doubt (or the only one that can be it).
    One(Box<RunReport>),
    /// These runs started since, and any of them may be it (ids, newest first).
    Several(Vec<String>),
    /// Nothing that can be it.
    Nothing,
}

/// Look for a start whose answer was lost with `look`, and once more after [`SECOND_LOOK`]
/// unless the first look found it.
pub async fn look_twice<F, Fut>(mut look: F) -> Result<Sighting, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Sighting, ApiError>>,
{
    if let found @ Sighting::One(_) = look().await? {
        return Ok(found);
    }
    tokio::time::sleep(SECOND_LOOK).await;
    look().await
}

/// A time as the clouds write it (RFC 3339, or "naive UTC" without an offset), in UTC.
pub fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&chrono::Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// Whether a run the cloud says started at `started` may be a start sent at `sent`.
pub fn started_since(started: Option<&str>, sent: chrono::DateTime<chrono::Utc>) -> bool {
    let earliest = sent - chrono::Duration::from_std(CLOCK_SLACK).unwrap_or_default();
    started
        .and_then(parse_time)
        .is_some_and(|at| at >= earliest)
}

/// `12:00:03 UTC`, for saying since when runs were looked for.
pub fn clock_time(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%H:%M:%S UTC").to_string()
}

/// What a search that did not settle it says: the runs that may be it, or that none is
/// listed (`what`: "run of task 5d9c…", "agent task with this tag").
pub fn unsettled(sighting: Result<Sighting, ApiError>, what: &str, since: &str) -> String {
    match sighting {
        Ok(Sighting::One(_)) | Ok(Sighting::Nothing) => {
            format!("No {what} started since {since} is listed.")
        }
        Ok(Sighting::Several(ids)) => format!(
            "{} runs started since {since} could be it ({}); which one is unknown.",
            ids.len(),
            ids.join(", ")
        ),
        Err(error) => format!("Looking for it failed: {error}."),
    }
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
    wait_with(
        cloud, current, age, budget, settings, cancel, progress, &Nobody,
    )
    .await
}

/// [`wait`], asking `person` when the run requests one: each request is asked once, its
/// answer (or decline, or cancel) sent as given; one that cannot be asked is reported in
/// progress while the run waits.
// The run, its age, the wait's bounds and who to ask are all independent inputs.
#[allow(clippy::too_many_arguments)]
pub async fn wait_with<P: ProgressSink>(
    cloud: &dyn RunCloud,
    current: RunReport,
    age: Duration,
    budget: Duration,
    settings: &WaitSettings,
    cancel: &CancellationToken,
    progress: &P,
    person: &dyn Person,
) -> (RunReport, WaitEnd) {
    let asked = std::sync::Mutex::new(std::collections::HashMap::<String, Option<String>>::new());
    // A request nobody here could answer, as last seen: the result says so too.
    let waiting_note = std::sync::Mutex::new(None::<String>);
    // Where a person can watch the run, once known.
    let live = std::sync::Mutex::new(current.live_url.clone());
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
        let asked = &asked;
        let waiting_note = &waiting_note;
        let live = &live;
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
            let known = live.lock().ok().and_then(|l| l.clone());
            match known {
                Some(url) => report.live_url = Some(url),
                None if !report.finished && nth.is_multiple_of(3) => {
                    if let Some(url) = cloud.live_url(&report).await {
                        if let Ok(mut live) = live.lock() {
                            *live = Some(url.clone());
                        }
                        // Said once when learned, then with every newer detail.
                        detail = Some(detail.unwrap_or_default());
                        report.live_url = Some(url);
                    }
                }
                None => {}
            }
            if !report.finished && nth.is_multiple_of(2) {
                let request = cloud.pending_request(&report).await;
                let mut said = None;
                if let Some(request) = request {
                    said = Some(ask_once(cloud, &report, &request, person, asked).await);
                    detail.clone_from(&said);
                }
                if let Ok(mut note) = waiting_note.lock() {
                    *note = said.filter(|s| s.starts_with(WAITS_FOR_A_PERSON));
                }
            }
            let detail = match (&report.live_url, detail) {
                (Some(url), Some(d)) if d.is_empty() => Some(format!("watch live: {url}")),
                (Some(url), Some(d)) => Some(format!("{d}; watch live: {url}")),
                (_, d) => d,
            };
            Ok(Observation {
                status: report.status.clone(),
                detail,
                done: report.finished,
                snapshot: report,
            })
        }
    })
    .await;
    let waiting = |hint: String| match waiting_note.lock().ok().and_then(|n| n.clone()) {
        Some(note) => format!("The run {note}. {hint}"),
        None => hint,
    };
    let latest = |last: Option<RunReport>| match last {
        Some(report) => report.merged_over(&current),
        None => current.clone(),
    };
    match outcome {
        WaitOutcome::Finished(report) => (report.merged_over(&current), WaitEnd::Finished),
        WaitOutcome::BudgetSpent(last) => {
            let mut report = latest(last);
            report.next_step = Some(waiting(continue_hint(&report, settings)));
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
            let hint = waiting(continue_hint(&report, settings));
            report.next_step = Some(match cloud.why_not_stopped(&report) {
                Some(why) => format!("{why} {hint}"),
                None => hint,
            });
            (report, WaitEnd::Cancelled { stopped: false })
        }
        WaitOutcome::CheckFailed { error, last } => {
            let mut report = latest(last);
            report.next_step = Some(continue_hint(&report, settings));
            (report, WaitEnd::CheckFailed(error))
        }
    }
}

/// How progress says a run waits for a person nobody here could ask.
const WAITS_FOR_A_PERSON: &str = "waits for a person:";

/// Ask `person` about `request` once (a request asked before is only reported again), send
/// what they said, and say so for progress.
async fn ask_once(
    cloud: &dyn RunCloud,
    report: &RunReport,
    request: &HumanRequest,
    person: &dyn Person,
    asked: &std::sync::Mutex<std::collections::HashMap<String, Option<String>>>,
) -> String {
    let known = asked.lock().ok().and_then(|a| a.get(&request.id).cloned());
    if let Some(earlier) = known {
        return earlier.unwrap_or_else(|| "answered its request for a person".into());
    }
    let answer = person.ask(request).await;
    let response = answer.response();
    let said = match answer {
        PersonAnswer::Answer(_) => "the person answered its request".into(),
        PersonAnswer::Declined => "the person declined its request".into(),
        PersonAnswer::Cancelled => "the person cancelled its request".into(),
        PersonAnswer::Unavailable { why } => {
            format!(
                "{WAITS_FOR_A_PERSON} {} ({why}){}",
                request.message,
                answer_by_tool(report, request)
            )
        }
    };
    let said = match response {
        Some(value) => match cloud.respond(report, &request.id, value).await {
            Ok(()) => said,
            Err(error) => format!("could not send the person's answer: {error}"),
        },
        None => said,
    };
    let remembered = said.clone();
    if let Ok(mut asked) = asked.lock() {
        asked.insert(request.id.clone(), Some(remembered));
    }
    said
}

/// How the person's answer to `request` can be sent without elicitation: the exact
/// `respond_to_intervention` call (none for a password, which is typed in the browser).
fn answer_by_tool(report: &RunReport, request: &HumanRequest) -> String {
    if request.fields.iter().any(|f| f.kind == "password") {
        return String::new();
    }
    let answer = match request.input_type.as_str() {
        "confirm" => Value::from("<true|false>"),
        "fields" => Value::Object(
            request
                .fields
                .iter()
                .map(|f| (f.name.clone(), Value::from(format!("<{}>", f.kind))))
                .collect(),
        ),
        _ => Value::from("<text>"),
    };
    let (key, id) = match &report.session_id {
        Some(session) if report.kind == TaskKind::Code => ("session_id", session),
        _ => ("execution_id", &report.execution_id),
    };
    format!(
        "; send the person's own answer (or action \"decline\") with respond_to_intervention \
         {{\"{key}\":{},\"answer\":{answer}}}",
        Value::from(id.as_str())
    )
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
        let report = |started_at: Option<&str>| -> RunReport {
            serde_json::from_value(serde_json::json!({
                "provider": "anchor", "kind": "code", "status": "running", "finished": false,
                "execution_id": "e1", "started_at": started_at,
            }))
            .unwrap()
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
    fn times_of_either_form_are_read_and_a_little_clock_slack_is_allowed() {
        let sent = parse_time("2026-03-01T12:00:10Z").unwrap();
        assert_eq!(parse_time("2026-03-01T12:00:10.000+00:00"), Some(sent));
        assert_eq!(parse_time("2026-03-01T12:00:10"), Some(sent));
        assert_eq!(parse_time("2026-03-01 12:00:10.000"), Some(sent));
        assert_eq!(parse_time("yesterday"), None);
        assert!(started_since(Some("2026-03-01T12:00:11.500Z"), sent));
        assert!(
            started_since(Some("2026-03-01T12:00:06Z"), sent),
            "within the slack"
        );
        assert!(
            !started_since(Some("2026-03-01T12:00:04Z"), sent),
            "before the slack"
        );
        assert!(!started_since(None, sent));
        assert_eq!(clock_time(sent), "12:00:10 UTC");
    }

    #[test]
    fn an_unsettled_search_says_what_it_saw() {
        let several = unsettled(
            Ok(Sighting::Several(vec!["a".into(), "b".into()])),
            "run of task t",
            "12:00:10 UTC",
        );
        assert_eq!(
            several,
            "2 runs started since 12:00:10 UTC could be it (a, b); which one is unknown."
        );
        let none = unsettled(Ok(Sighting::Nothing), "run of task t", "12:00:10 UTC");
        assert_eq!(
            none,
            "No run of task t started since 12:00:10 UTC is listed."
        );
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
