//! Starting or following a run for a tool call and answering for it, shared by `run_task`,
//! `get_execution` and the per-task tools: start once, record it in the catalog before
//! waiting, wait with progress, keep the record up to date, and turn the report into the reply
//! an agent reads. Skills, which Browser Use executes synchronously, have their own reply here.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::context::work::{Execution, RunFollow, RunStart};
use super::context::{Access, ToolContext};
use super::reply::{Reply, ToolError};
use super::shared_wait::SharedRun;
use crate::redact::{REDACTED, scrub_text, scrub_value};
use futures::future::BoxFuture;

use crate::runs::{self, RunCloud, RunRef, RunReport, StartError, Verdict, WaitEnd};
use crate::waiting::describe_duration;

/// Start a run (once), record it in the catalog before waiting, wait within `budget` with
/// progress, and keep the record up to date. Shared by `run_task` and the per-task tools.
///
/// The run's start request is sent (awaited) once, after its secret values are remembered for
/// scrubbing.
pub async fn start_and_wait(
    call: &ToolContext<'_>,
    run: RunStart<'_>,
    budget: Duration,
) -> Result<(RunReport, WaitEnd), ToolError> {
    let RunStart {
        cloud,
        start,
        task_name,
        recorded_inputs,
        secrets,
    } = run;
    // Before anything can echo them: progress and later reads are scrubbed of them too.
    call.env.secrets.remember(&secrets);
    tracing::info!(task = ?task_name, "starting a run");
    let mut report = start.await.map_err(|error| match error {
        StartError::Api(error) => ToolError::api(error, "Starting the run"),
        StartError::NotStarted { error, context } => ToolError::api(error, context),
        StartError::Unconfirmed {
            error,
            finding,
            check,
        } => unconfirmed(call, error, &finding, check),
        StartError::NoExecutionId { message } => ToolError::NotFound {
            message: format!(
                "The run was started ({message}) but the API returned no execution id to \
                     follow it."
            ),
            hint: "Do not start it again; list_executions shows the task's runs.".into(),
        },
    })?;
    if report.task_name.is_none() {
        report.task_name = match (task_name.clone(), report.task_id.as_deref()) {
            (Some(name), _) => Some(name),
            (None, Some(id)) => call.env.known_task(id).await.map(|t| t.name),
            (None, None) => None,
        };
    }
    // Recorded before waiting: a crash or restart never loses the run's id.
    call.record_run(&report, recorded_inputs).await;
    let _waiting = call.env.activity.run(&report.execution_id, &report.label());
    let client = super::person::ClientUser {
        peer: call.progress.peer().clone(),
    };
    // A call carried out as an MCP task asks its client through the task (`input_required`),
    // and says which run it waits on, so another process can finish it.
    let person: &dyn crate::runs::Person = match call.progress.task() {
        Some(task) => {
            task.waits_on(work_of(&report)).await;
            task.person()
        }
        None => &client,
    };
    // Other instances asked about the run follow this wait instead of polling the cloud.
    let shared = SharedRun::new(
        cloud,
        call.env,
        (&report.provider, &report.execution_id),
        &secrets,
    );
    let (report, end) = runs::wait_with(
        &shared,
        report,
        // Just started: polled at the pace of a new run.
        Duration::ZERO,
        budget,
        &call.env.settings.waits,
        &call.cancel,
        &call.progress,
        person,
    )
    .await;
    let report = scrub_report(report, &secrets);
    call.env.note_run_state(&report, &secrets, None).await;
    Ok((report, end))
}

/// Carry out a run that its one request carries out (send it once, with heartbeat progress
/// meanwhile), and record it once done. Not bounded by a budget: the request is the run, and
/// only the call's cancellation stops waiting for it.
pub async fn execute(call: &ToolContext<'_>, run: Execution<'_>) -> Result<RunReport, ToolError> {
    let Execution {
        label,
        start,
        task_name,
        recorded_inputs,
        secrets,
        unstoppable,
        listed,
        noun,
    } = run;
    // Before anything can echo them: progress and later reads are scrubbed of them too.
    call.env.secrets.remember(&secrets);
    let outcome = crate::waiting::with_heartbeat(
        &label,
        "running",
        &call.env.settings.waits,
        &call.cancel,
        &call.progress,
        start,
    )
    .await;
    let mut report = match outcome {
        None => {
            return Err(ToolError::Unsupported {
                message: format!(
                    "Stopped waiting for the {label} because the request was cancelled. \
                     {unstoppable}"
                ),
                hint: listed,
            });
        }
        Some(Err(StartError::Unconfirmed {
            error,
            finding,
            check,
        })) => return Err(unconfirmed(call, error, &finding, check)),
        Some(Err(StartError::NotStarted { error, context })) => {
            return Err(ToolError::api(error, context));
        }
        Some(Err(StartError::NoExecutionId { message })) => {
            return Err(ToolError::NotFound {
                message: format!("The {label} ran ({message}) but no execution id came back."),
                hint: listed,
            });
        }
        Some(Err(StartError::Api(error))) => {
            return Err(ToolError::api(
                error,
                format!(
                    "Executing the {label} ({noun} is never retried; check list_executions \
                     before running it again)"
                ),
            ));
        }
        Some(Ok(report)) => report,
    };
    report.task_name = task_name;
    let report = scrub_report(report, &secrets);
    // Recorded once done; without an id (the lookup failed) it cannot be.
    if !report.execution_id.is_empty() {
        call.record_run(&report, recorded_inputs).await;
        call.env.note_run_state(&report, &secrets, None).await;
    }
    Ok(report)
}

/// Read a run already started and, within `budget`, wait for it to end, reporting progress.
/// What the catalog recorded of the run (its task, its start) fills what the cloud does not
/// say.
pub async fn follow(
    call: &ToolContext<'_>,
    follow: RunFollow<'_>,
    budget: Duration,
) -> Result<Reply, ToolError> {
    let RunFollow {
        cloud,
        run,
        recorded,
    } = follow;
    // A caller that may not run (a read-only server, a token without the run scope) only
    // watches: a cancelled wait stops nothing.
    let watching = Watching(cloud);
    let cloud: &dyn RunCloud = if !call.allows(Access::Run) {
        &watching
    } else {
        cloud
    };
    // A recorded run may be waited on elsewhere too: one waiter asks the cloud, the others
    // read what it recorded.
    let shared = recorded
        .as_ref()
        .map(|record| SharedRun::new(cloud, call.env, (record.provider.id(), &record.run_id), &[]));
    let cloud: &dyn RunCloud = match &shared {
        Some(shared) => shared,
        None => cloud,
    };
    let mut report = cloud
        .check(&run)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading run {}", run.execution_id)))?;
    if let Some(record) = recorded {
        report.task_name = report.task_name.or(record.task_name);
        report.task_id = report.task_id.or(record.task_id);
        report.started_at = report.started_at.or(Some(record.started_at));
    }
    // A shared wait records what it reads from the cloud itself; a report a follower read from
    // the record is not written back (this process may not know the run's secrets, and would
    // record it without its output).
    let records_itself = shared.is_some();
    if !records_itself {
        call.env.note_run_state(&report, &[], None).await;
    }
    if report.finished || budget.is_zero() {
        let end = if report.finished {
            WaitEnd::Finished
        } else {
            report.next_step = Some(format!(
                "The run is still {}. Call get_execution again with wait_seconds to wait for it.",
                report.status
            ));
            WaitEnd::StillRunning {
                waited: Duration::ZERO,
            }
        };
        return run_reply(report, end);
    }
    let age = runs::age_of(&report, chrono::Utc::now());
    // As an MCP task: which run it waits on, and its client answers the run's requests for a
    // person (a plain read asks nobody, as before).
    let person: &dyn crate::runs::Person = match call.progress.task() {
        Some(task) => {
            task.waits_on(work_of(&report)).await;
            task.person()
        }
        None => &crate::runs::Nobody,
    };
    let (report, end) = runs::wait_with(
        cloud,
        report,
        age,
        budget,
        &call.env.settings.waits,
        &call.cancel,
        &call.progress,
        person,
    )
    .await;
    if !records_itself {
        call.env.note_run_state(&report, &[], None).await;
    }
    run_reply(report, end)
}

/// What an MCP task waiting on `report`'s run needs to finish it elsewhere: the arguments of
/// the `get_execution` call that reads it (the ids only, never inputs).
fn work_of(report: &RunReport) -> Value {
    let mut work = report.continue_arguments();
    work["provider"] = Value::from(report.provider.clone());
    work
}

/// A run's cloud, read through but never asked to stop it: what a read-only server waits on.
struct Watching<'a>(&'a dyn RunCloud);

impl RunCloud for Watching<'_> {
    fn check<'a>(
        &'a self,
        run: &'a RunRef,
    ) -> BoxFuture<'a, Result<RunReport, crate::cloud::ApiError>> {
        self.0.check(run)
    }

    fn detail<'a>(
        &'a self,
        run: &'a RunRef,
        nth_check: u32,
    ) -> BoxFuture<'a, Option<(Option<String>, RunReport)>> {
        self.0.detail(run, nth_check)
    }

    fn live_url<'a>(&'a self, report: &'a RunReport) -> BoxFuture<'a, Option<String>> {
        self.0.live_url(report)
    }

    fn pending_request<'a>(
        &'a self,
        report: &'a RunReport,
    ) -> BoxFuture<'a, Option<crate::runs::HumanRequest>> {
        self.0.pending_request(report)
    }

    fn why_not_stopped(&self, _current: &RunReport) -> Option<String> {
        Some("This server is read-only (--read-only): it stops nothing.".into())
    }
}

/// The answer for a start whose answer was lost and whose run could not be found: it may
/// have started, and how to check before starting it again.
pub fn unconfirmed(
    call: &ToolContext<'_>,
    error: crate::cloud::ApiError,
    finding: &str,
    check: Option<Value>,
) -> ToolError {
    let provider = error.provider();
    let message = format!("The run may have started: {error}. {finding}");
    let hint = match check {
        Some(mut args) => {
            if call.env.providers.shown().len() > 1 {
                args["provider"] = Value::from(provider.id());
            }
            format!(
                "Do not start it again before checking list_executions with {args}: a run \
                 listed there since then is most likely this one."
            )
        }
        None => format!(
            "Do not start it again before checking the task's runs in {provider}'s dashboard."
        ),
    };
    ToolError::Uncertain {
        error: Box::new(error),
        message,
        hint,
    }
}

/// A run report with the given secret values scrubbed from its output and error.
pub fn scrub_report(mut report: RunReport, secrets: &[String]) -> RunReport {
    if let Some(output) = &mut report.output {
        scrub_value(output, secrets);
    }
    report.error = report.error.map(|e| scrub_text(&e, secrets));
    report
}

/// The inputs as they may be recorded and shown: the values of `secret` inputs replaced.
/// Returns the redacted inputs and the secret values (to scrub from replies).
pub fn redact(
    inputs: &BTreeMap<String, String>,
    secret: &dyn Fn(&str) -> bool,
) -> (Value, Vec<String>) {
    let mut shown = serde_json::Map::new();
    let mut secrets = Vec::new();
    for (name, value) in inputs {
        if secret(name) {
            secrets.push(value.clone());
            shown.insert(name.clone(), Value::from(REDACTED));
        } else {
            shown.insert(name.clone(), Value::from(value.clone()));
        }
    }
    (Value::Object(shown), secrets)
}

/// What a finished run's summary adds: its time, steps, cost and files, e.g. " in 3 s,
/// after 4 steps, for $0.0420; 2 output files (download links in output_files)".
fn run_facts(report: &RunReport) -> String {
    let mut facts = Vec::new();
    if let Some(ms) = report.execution_time_ms {
        facts.push(format!(
            "in {}",
            describe_duration(std::time::Duration::from_millis(ms as u64))
        ));
    }
    if let Some(steps) = report.steps {
        facts.push(format!(
            "after {steps} step{}",
            if steps == 1 { "" } else { "s" }
        ));
    }
    if let Some(cost) = &report.cost {
        facts.push(format!("for ${cost}"));
    }
    let mut text = if facts.is_empty() {
        String::new()
    } else {
        format!(" {}", facts.join(", "))
    };
    match report.output_files.len() {
        0 => {}
        n => text.push_str(&format!(
            "; {n} output file{} (download links in output_files)",
            if n == 1 { "" } else { "s" }
        )),
    }
    text
}

/// The reply for a run after waiting on it, linking the run's evidence resource.
pub fn run_reply(report: RunReport, end: WaitEnd) -> Result<Reply, ToolError> {
    let link = super::links::run_link(&report);
    unlinked_run_reply(report, end).map(|reply| reply.with_link(link))
}

fn unlinked_run_reply(report: RunReport, end: WaitEnd) -> Result<Reply, ToolError> {
    let label = report.label();
    match end {
        WaitEnd::Finished => match report.verdict() {
            Verdict::Succeeded => {
                let facts = run_facts(&report);
                Ok(Reply::ok(format!("The {label} succeeded{facts}."), report))
            }
            _ => {
                let why = report
                    .error
                    .clone()
                    .unwrap_or_else(|| "the provider gave no error message".into());
                let facts = run_facts(&report);
                Ok(Reply::failed(
                    format!(
                        "The {label} ended with status {}{facts}: {why}",
                        report.status
                    ),
                    report,
                ))
            }
        },
        WaitEnd::StillRunning { waited } => Ok(Reply::ok(
            format!(
                "The {label} is still {} after waiting {}; it goes on in the cloud. To wait \
                 more, call get_execution with {} and wait_seconds.",
                report.status,
                describe_duration(waited),
                report.continue_arguments()
            ),
            report,
        )),
        WaitEnd::Cancelled { stopped: true } => Ok(Reply::failed(
            format!(
                "Stopped the {label} in the cloud because the request was cancelled (status \
                 {}).",
                report.status
            ),
            report,
        )),
        WaitEnd::Cancelled { stopped: false } => Ok(Reply::failed(
            format!(
                "Stopped waiting for the {label} because the request was cancelled; the run \
                 goes on in the cloud (get_execution with {} checks on it).",
                report.continue_arguments()
            ),
            report,
        )),
        WaitEnd::CheckFailed(error) => Err(ToolError::api(
            error,
            format!(
                "Checking on the {label} (it was started; do not start it again, check it \
                 with get_execution {})",
                report.continue_arguments()
            ),
        )),
    }
}

/// The reply for a skill execution: its result, or `isError` with the skill's error and
/// stderr (or, found still going after its answer was lost, how to check on it).
pub fn skill_reply(report: RunReport) -> Reply {
    let label = report.label();
    let facts = run_facts(&report);
    match report.verdict() {
        Verdict::Succeeded => Reply::ok(format!("The {label} succeeded{facts}."), report),
        // Found in the cloud after its answer was lost, still going.
        Verdict::InProgress => Reply::ok(
            format!(
                "The {label} is still {}; get_execution with {} checks on it.",
                report.status,
                report.continue_arguments()
            ),
            report,
        ),
        Verdict::Failed => {
            let why = report
                .error
                .clone()
                .unwrap_or_else(|| "the skill gave no error message".into());
            Reply::failed(format!("The {label} failed{facts}: {why}"), report)
        }
    }
}
