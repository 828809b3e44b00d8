//! Waiting on a run with progress: polling its cloud on the poll schedule within a budget,
//! reporting its steps, asking a person when it waits for one, and stopping it in the cloud
//! when the wait is cancelled (where the cloud can).

use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::cloud::RunCloud;
use super::kind::TaskKind;
use super::person::{HumanRequest, Person, PersonAnswer};
use super::report::RunReport;
use crate::cloud::ApiError;
use crate::waiting::{self, Observation, ProgressSink, WaitOutcome, WaitSettings};

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
/// the wait is cancelled, the cloud is asked to stop the run (where it can). When the run
/// requests a person, `person` is asked (`Nobody` asks no one): each request once, its
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
    // A link known from the start (a session opened for the run) is said once too.
    let live_said = std::sync::atomic::AtomicBool::new(false);
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
        let live_said = &live_said;
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
                Some(url) => {
                    if !report.finished
                        && !live_said.swap(true, std::sync::atomic::Ordering::Relaxed)
                    {
                        detail = Some(detail.unwrap_or_default());
                    }
                    report.live_url = Some(url);
                }
                None if !report.finished && nth.is_multiple_of(3) => {
                    if let Some(url) = cloud.live_url(&report).await {
                        if let Ok(mut live) = live.lock() {
                            *live = Some(url.clone());
                        }
                        live_said.store(true, std::sync::atomic::Ordering::Relaxed);
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
}
