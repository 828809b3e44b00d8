//! Anchor runs in the common report: a v1 execution or a v2 run as a [`RunReport`], and
//! starting a code task (by id or name) or a generated task. Anchor runs are started
//! asynchronously (`async: true`) and polled by their id.
//!
//! A code run is started in a browser session opened for it (`POST /v1/sessions`, with the
//! run's browser configuration, else its task version's own, so it runs as it would in a
//! session of its own), unless asked not to: Anchor's reads of a code run never say its
//! session, and ending that session is the only way to stop the run. The session is reported
//! with the run (and so recorded with it); a start the API refuses ends it again.
//!
//! A start whose answer is lost (the connection broke after sending, no answer in time, an
//! unreadable reply) is never sent again: a code task's newest executions are read instead,
//! and one started since just before the request, not already known, is taken as it. Anchor
//! cannot list a generated task's runs (nor a draft's executions), so those stay unconfirmed.

use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::models::{
    Execution, ExecutionFilter, RunState, RunStatus, RunTask, RunTaskV2,
};
use crate::providers::anchor::sessions::InterventionRequest;
use std::collections::BTreeMap;

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use crate::cloud::ApiError;
use crate::runs::{
    self, HumanField, HumanRequest, RunCloud, RunRef, RunReport, Sighting, StartError, TaskKind,
    parse_output,
};

/// What to run on Anchor.
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

/// An Anchor run to start.
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
    /// Code tasks without `session_id`: open a browser session for the run (see the module
    /// docs), so that it can be stopped.
    pub open_session: bool,
    /// Code tasks run by name: the task's id when known (the catalog's), so its browser
    /// configuration is read without listing the tasks.
    pub known_task_id: Option<String>,
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
            live_url: None,
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
            live_url: None,
            cost: None,
            steps: None,
            output_files: Vec::new(),
            next_step: None,
        }
    }
}

/// Start an Anchor run, asynchronously and exactly once, and report its first state.
///
/// When the start's answer is lost, its run is looked for instead (see the module docs);
/// `known` says which run ids are already accounted for (runs this server recorded), so a
/// concurrent start of the same task is not taken for this one.
pub async fn start(
    anchor: &AnchorClient,
    target: &RunTarget,
    request: RunRequest,
    known: &dyn runs::KnownRuns,
) -> Result<RunReport, StartError> {
    let mut request = request;
    let inputs = std::mem::take(&mut request.inputs);
    let inputs = (!inputs.is_empty()).then_some(inputs);
    let (task_id, version, name) = match target {
        RunTarget::Code { task_id, version } => (Some(task_id.clone()), version.clone(), None),
        RunTarget::CodeByName { name } => (None, None, Some(name.clone())),
        RunTarget::Generated { task_id } => {
            let body = RunTaskV2 {
                input_params: inputs.unwrap_or_default(),
                identity_id: request.identity_id,
                session_id: request.session_id,
                cleanup_sessions: request.cleanup_sessions,
                ..RunTaskV2::default()
            };
            return match anchor.run_generated_task(task_id, &body).await {
                Ok(state) => Ok(RunReport::from_run_state(Some(task_id), &state)),
                Err(error) if error.outcome_unknown() => Err(StartError::Unconfirmed {
                    error,
                    finding: "Anchor offers no way to list a generated task's runs, so it \
                              cannot be looked for."
                        .into(),
                    check: None,
                }),
                Err(error) => Err(error.into()),
            };
        }
    };
    // The session the run goes in, opened here unless one was given (or asked not to be).
    let opened = match (&request.session_id, request.open_session) {
        (None, true) => {
            let config_of = ConfigOf {
                task_id: task_id.as_deref().or(request.known_task_id.as_deref()),
                name: name.as_deref(),
                version: version.as_deref(),
            };
            open_run_session(anchor, config_of, request.browser_configuration.as_ref()).await?
        }
        _ => None,
    };
    if let Some(session) = &opened {
        request.session_id = Some(session.id.clone());
        // A session opened for the run ends with it, unless the caller said otherwise.
        request.cleanup_sessions = Some(request.cleanup_sessions.unwrap_or(true));
    }
    // Anchor does not report a code run's session; the one it was started in is known.
    let given_session = request.session_id.clone();
    let live_url = opened.as_ref().and_then(|s| s.live_view_url.clone());
    let body = RunTask {
        task_id: task_id.clone(),
        version: version.clone(),
        session_id: request.session_id,
        run_async: Some(true),
        override_browser_configuration: request.browser_configuration,
        inputs,
        cleanup_sessions: request.cleanup_sessions,
    };
    let lost = LostRun {
        task_id,
        name,
        version,
        sent: chrono::Utc::now(),
    };
    let answer = match &lost.name {
        Some(name) => anchor.run_task_by_name(name, &body).await,
        None => anchor.run_task(&body).await,
    };
    // A run found after its answer was lost is in the session it was started in.
    let in_session = |mut report: RunReport| {
        report.session_id = report.session_id.or_else(|| given_session.clone());
        report.live_url = report.live_url.or_else(|| live_url.clone());
        report
    };
    let started = match answer {
        Ok(started) => started,
        Err(error) if error.outcome_unknown() => {
            // The session stays open: the run may be in it.
            return lost
                .find(anchor, known)
                .await
                .map(in_session)
                .map_err(|finding| StartError::Unconfirmed {
                    error,
                    finding,
                    check: Some(lost.check()),
                });
        }
        Err(error) => {
            if let Some(session) = &opened {
                end_unused_session(anchor, &session.id).await;
            }
            return Err(error.into());
        }
    };
    let Some(execution_id) = started.execution_result_id.clone() else {
        // Accepted without an id to follow: look for it as for a lost answer.
        let message = started.message.unwrap_or_else(|| "no message".into());
        return lost
            .find(anchor, known)
            .await
            .map(in_session)
            .map_err(|_| StartError::NoExecutionId { message });
    };
    Ok(RunReport {
        provider: "anchor".into(),
        kind: TaskKind::Code,
        status: RunStatus::Queued.to_string(),
        finished: false,
        success: None,
        execution_id,
        task_id: started.task_id.or(lost.task_id),
        task_name: lost.name,
        version: Some(lost.version.unwrap_or_else(|| "latest".into())),
        output: None,
        error: None,
        execution_time_ms: None,
        started_at: None,
        session_id: given_session,
        live_url,
        cost: None,
        steps: None,
        output_files: Vec::new(),
        next_step: None,
    })
}

/// Which code task version's browser configuration a session opened for its run takes.
struct ConfigOf<'a> {
    task_id: Option<&'a str>,
    name: Option<&'a str>,
    version: Option<&'a str>,
}

/// Open the browser session a code run goes in: with `given` browser settings (the run's
/// `browser_configuration`), else the task version's own, so the run behaves as in a session
/// of its own. `None` when the task or version cannot be found: the run is then started as
/// before, without a session, and the API refuses it as it would have.
///
/// The session create is a write, sent once: when its answer is lost, nothing more is sent and
/// the run is not started ([`StartError::NotStarted`]; a session opened all the same is ended
/// by Anchor after its idle timeout, and the answer says so).
async fn open_run_session(
    anchor: &AnchorClient,
    task: ConfigOf<'_>,
    given: Option<&Value>,
) -> Result<Option<crate::providers::anchor::sessions::SessionCreated>, StartError> {
    let settings = match given {
        Some(settings) => Some(settings.clone()),
        None => {
            let task_id = match (task.task_id, task.name) {
                (Some(id), _) => Some(id.to_string()),
                (None, Some(name)) => anchor.task_named(name).await?.map(|t| t.id),
                (None, None) => None,
            };
            let Some(task_id) = task_id else {
                return Ok(None);
            };
            match anchor
                .get_version(&task_id, task.version.unwrap_or("latest"))
                .await
            {
                Ok(version) => version.browser_configuration,
                Err(ApiError::Status { status: 404, .. }) => return Ok(None),
                Err(error) => return Err(error.into()),
            }
        }
    };
    // An empty or absent configuration opens a session with Anchor's defaults.
    let settings = settings.filter(|s| s.as_object().is_some_and(|o| !o.is_empty()));
    match anchor.create_session(settings.as_ref()).await {
        Ok(session) => Ok(Some(session)),
        Err(error) if error.outcome_unknown() => Err(StartError::NotStarted {
            error,
            context: "Opening a browser session for the run (no run was started)".into(),
        }),
        Err(error) => Err(error.into()),
    }
}

/// End a session opened for a run that the API then refused (best effort, once: a failure
/// leaves it to Anchor's idle timeout).
async fn end_unused_session(anchor: &AnchorClient, session_id: &str) {
    if let Err(error) = anchor.end_session(session_id).await {
        tracing::warn!(%error, "could not end the browser session of a refused run");
    }
}

/// A code task's start whose answer was lost: which task, which version, when it was sent.
struct LostRun {
    task_id: Option<String>,
    name: Option<String>,
    version: Option<String>,
    sent: chrono::DateTime<chrono::Utc>,
}

impl LostRun {
    /// The run, if the task's newest executions show exactly one that can be it; else what
    /// the search found, in a sentence.
    async fn find(
        &self,
        anchor: &AnchorClient,
        known: &dyn runs::KnownRuns,
    ) -> Result<RunReport, String> {
        if self.version.as_deref() == Some("draft") {
            return Err(
                "Anchor does not list the runs of a draft, so it cannot be looked for.".into(),
            );
        }
        let task_id = match (&self.task_id, &self.name) {
            (Some(id), _) => id.clone(),
            (None, Some(name)) => match anchor.task_named(name).await {
                Ok(Some(task)) => task.id,
                Ok(None) => return Err(format!("No code task named {name:?} is listed.")),
                Err(error) => return Err(format!("Looking for it failed: {error}.")),
            },
            (None, None) => return Err("The request named no task to look under.".into()),
        };
        let sighting = runs::look_twice(|| self.look(anchor, &task_id, known)).await;
        match sighting {
            Ok(Sighting::One(report)) => {
                let mut report = *report;
                tracing::info!(
                    run = %report.execution_id,
                    "found the run of a start whose answer was lost"
                );
                report.task_name = self.name.clone();
                Ok(report)
            }
            other => Err(runs::unsettled(
                other,
                &format!("run of task {task_id}"),
                &runs::clock_time(self.sent),
            )),
        }
    }

    /// One look at the task's newest executions (of the version asked for, when it is a
    /// number).
    async fn look(
        &self,
        anchor: &AnchorClient,
        task_id: &str,
        known: &dyn runs::KnownRuns,
    ) -> Result<Sighting, crate::cloud::ApiError> {
        let filter = ExecutionFilter {
            page: Some(1),
            limit: Some(20),
            status: None,
            version: self
                .version
                .clone()
                .filter(|v| v.chars().all(|c| c.is_ascii_digit())),
        };
        let page = anchor.list_executions(task_id, &filter).await?;
        // Collected before the look-ups: a lazy filter held across them makes the future
        // not `Send`.
        let recent: Vec<&Execution> = page
            .results
            .iter()
            .filter(|e| runs::started_since(e.start_time.as_deref(), self.sent))
            .collect();
        let mut candidates: Vec<&Execution> = runs::unaccounted(known, recent, |e| &e.id).await;
        Ok(match candidates.len() {
            0 => Sighting::Nothing,
            1 => Sighting::One(Box::new(RunReport::from_execution(
                task_id,
                candidates.remove(0),
            ))),
            _ => Sighting::Several(candidates.iter().map(|e| e.id.clone()).collect()),
        })
    }

    /// The `list_executions` arguments that show the task's runs.
    fn check(&self) -> Value {
        match (&self.task_id, &self.name) {
            (Some(id), _) => serde_json::json!({ "task_id": id }),
            (None, Some(name)) => serde_json::json!({ "task_name": name }),
            (None, None) => serde_json::json!({}),
        }
    }
}

/// Anchor's runs are read by execution id under their task (v1 code tasks) or by run id
/// (v2), and stopped by ending their browser session, where it is known (v2 runs report it; a
/// code run's is known only when it was started on a given session).
impl RunCloud for AnchorClient {
    fn check<'a>(&'a self, run: &'a RunRef) -> BoxFuture<'a, Result<RunReport, ApiError>> {
        async move {
            match (run.kind, &run.task_id) {
                (TaskKind::Code, Some(task_id)) => {
                    let execution = self.get_execution(task_id, &run.execution_id).await?;
                    let mut report = RunReport::from_execution(task_id, &execution);
                    // Not in the execution's answer: the session it was started in, if known.
                    report.session_id.clone_from(&run.session_id);
                    Ok(report)
                }
                _ => {
                    let state = self.run_status(&run.execution_id).await?;
                    let mut report = RunReport::from_run_state(None, &state);
                    report.session_id = report.session_id.or_else(|| run.session_id.clone());
                    Ok(report)
                }
            }
        }
        .boxed()
    }

    fn stop<'a>(
        &'a self,
        run: &'a RunRef,
        current: &'a RunReport,
    ) -> BoxFuture<'a, Option<(RunReport, bool)>> {
        async move {
            let outcome = stop_run(self, run, Some(current), None).await;
            match &outcome {
                Ok(StopOutcome::Stopped(_)) => {
                    tracing::info!(run = %run.execution_id, "ended the run's browser session after a cancel")
                }
                Ok(StopOutcome::AlreadyEnded(_)) => {}
                Ok(StopOutcome::SessionUnknown) => {
                    tracing::info!(run = %run.execution_id, "cannot stop the run: its browser session is not known")
                }
                Err(error) => tracing::warn!(%error, "could not end the run's browser session"),
            }
            match outcome.ok()? {
                StopOutcome::Stopped(report) => Some((report, true)),
                StopOutcome::AlreadyEnded(report) => Some((report, false)),
                StopOutcome::SessionUnknown => None,
            }
        }
        .boxed()
    }

    fn pending_request<'a>(&'a self, report: &'a RunReport) -> BoxFuture<'a, Option<HumanRequest>> {
        async move {
            let session = report.session_id.as_deref()?;
            // Best effort: a failed read is asked again at a later check.
            let pending = self.requested_interventions(session).await.ok()?;
            pending.requests.into_iter().next().map(human_request)
        }
        .boxed()
    }

    fn respond<'a>(
        &'a self,
        report: &'a RunReport,
        request_id: &'a str,
        response: Value,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        async move {
            let session = report.session_id.as_deref().unwrap_or_default();
            self.respond_to_intervention(session, request_id, response)
                .await
                .map(|_| ())
        }
        .boxed()
    }

    fn why_not_stopped(&self, current: &RunReport) -> Option<String> {
        current.session_id.is_none().then(|| {
            "Anchor does not report a code run's browser session and this run was not started \
             in one of this server's (--anchor-run-sessions is false, or it was started \
             elsewhere), so it could not be ended; the run goes on until it ends or reaches its \
             timeout."
                .to_string()
        })
    }
}

/// How stopping an Anchor run went.
#[derive(Debug)]
pub enum StopOutcome {
    /// Its session was ended; the run as the cloud reports it afterwards.
    Stopped(RunReport),
    /// It had ended before: its real outcome.
    AlreadyEnded(RunReport),
    /// Its browser session is not known, so nothing was done.
    SessionUnknown,
}

/// A session's request for a person, as waiting on a run (and answering it) reads it.
pub fn human_request(request: InterventionRequest) -> HumanRequest {
    HumanRequest {
        id: request.request_id,
        message: request.message,
        input_type: request.input_type.unwrap_or_else(|| "text".into()),
        fields: request
            .fields
            .unwrap_or_default()
            .into_iter()
            .map(|f| HumanField {
                label: f.label.unwrap_or_else(|| f.name.clone()),
                name: f.name,
                description: f.description,
                required: f.required.unwrap_or(false),
                kind: f.kind.unwrap_or_else(|| "text".into()),
            })
            .collect(),
    }
}

/// Stop an Anchor run by ending its browser session (`DELETE /v1/sessions/{session_id}`), once:
/// read its state first (a run that ended is left alone), end the session (the one the cloud
/// reports, else what `older` or `session` say), and read the state the cloud then reports.
pub async fn stop_run(
    anchor: &AnchorClient,
    run: &RunRef,
    older: Option<&RunReport>,
    session: Option<String>,
) -> Result<StopOutcome, ApiError> {
    let mut before = anchor.check(run).await?;
    if let Some(older) = older {
        before = before.merged_over(older);
    }
    before.session_id = before.session_id.or(session);
    if before.finished {
        return Ok(StopOutcome::AlreadyEnded(before));
    }
    let Some(session_id) = before.session_id.clone() else {
        return Ok(StopOutcome::SessionUnknown);
    };
    anchor.end_session(&session_id).await?;
    // The stop happened; a failed read afterwards still reports it, with the last state known.
    let after = match anchor.check(run).await {
        Ok(report) => report.merged_over(&before),
        Err(error) => {
            tracing::warn!(%error, "could not read the run after ending its session");
            before
        }
    };
    Ok(StopOutcome::Stopped(after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::Verdict;

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
}
