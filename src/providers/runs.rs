//! Running on whichever cloud a run is on: [`start`], [`check`], [`wait`] with progress, and
//! stopping a Browser Use task when its wait is cancelled (Anchor has no stop: its run goes
//! on).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::anchor::AnchorClient;
use super::browser_use::BrowserUseClient;
use super::browser_use::models::{TaskStatus, TaskStatusView};
use crate::cloud::ApiError;
use crate::runs::{RunRef, RunReport, RunRequest, RunTarget, StartError};
use crate::waiting::{self, Observation, ProgressSink, WaitOutcome, WaitSettings};

/// The cloud a run is on.
#[derive(Debug, Clone, Copy)]
pub enum Cloud<'a> {
    Anchor(&'a AnchorClient),
    BrowserUse(&'a BrowserUseClient),
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
            crate::providers::anchor::runs::start(anchor, target, request).await
        }
        (cloud, target) => Err(StartError::WrongCloud {
            target: target.provider(),
            cloud: cloud.provider(),
        }),
    }
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
                crate::providers::browser_use::runs::complete(bu, report).await
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
                        detail = crate::providers::browser_use::runs::step_detail(&view);
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
                        return (
                            crate::providers::browser_use::runs::complete(bu, ended).await,
                            WaitEnd::Finished,
                        );
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
