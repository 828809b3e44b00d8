//! Waiting on cloud work (runs, generations): the poll schedule, the wait budget, progress
//! reports while waiting, and cancellation.
//!
//! The schedule notices a quick completion quickly and then backs off so a long run does not
//! hammer the API: the first status check comes after `initial` (0.5 s by default), each next
//! delay is 1.5 times the previous, capped at `max` (4 s). A run that ends within a second is
//! seen within about half a second of ending; a ten-minute run costs about 150 status checks.
//!
//! While it waits, a progress report goes out on every status change and, as a heartbeat, at
//! least every `heartbeat` (5 s) even while a status check is still in flight, because MCP
//! clients reset their request timeouts on progress. When the budget is spent the wait ends
//! without error: the work goes on in the cloud and the caller hands out its id.
//!
//! This module knows nothing of MCP: progress goes to a [`ProgressSink`].

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::cloud::ApiError;

/// When to check the status again.
#[derive(Debug, Clone, PartialEq)]
pub struct PollSchedule {
    /// Delay before the first check.
    pub initial: Duration,
    /// Longest delay between two checks.
    pub max: Duration,
}

impl Default for PollSchedule {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(4),
        }
    }
}

impl PollSchedule {
    /// The delay after `current`: 1.5 times longer, capped.
    pub fn next(&self, current: Duration) -> Duration {
        current.mul_f64(1.5).clamp(self.initial, self.max)
    }
}

/// How long and how to wait.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitSettings {
    pub schedule: PollSchedule,
    /// Longest gap between two progress reports.
    pub heartbeat: Duration,
    /// How long a tool call waits when the caller does not say.
    pub default_budget: Duration,
    /// The longest wait a caller may ask for.
    pub max_budget: Duration,
}

impl Default for WaitSettings {
    fn default() -> Self {
        Self {
            schedule: PollSchedule::default(),
            heartbeat: Duration::from_secs(5),
            default_budget: Duration::from_secs(45),
            max_budget: Duration::from_secs(600),
        }
    }
}

impl WaitSettings {
    /// The budget for a caller's `wait_seconds` (the default when absent, capped at the max).
    pub fn budget(&self, wait_seconds: Option<f64>) -> Duration {
        match wait_seconds {
            // Compare before converting: a huge value would overflow a Duration.
            Some(secs) if secs.is_finite() && secs > 0.0 => {
                if secs >= self.max_budget.as_secs_f64() {
                    self.max_budget
                } else {
                    Duration::from_secs_f64(secs)
                }
            }
            Some(_) => Duration::ZERO,
            None => self.default_budget,
        }
    }
}

/// One progress report.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressUpdate {
    /// Increases with every report of one wait (1, 2, 3, …); there is no known total.
    pub progress: f64,
    /// For a person: what is being waited on, its status, the time elapsed.
    pub message: String,
}

/// Where progress reports go.
pub trait ProgressSink: Send + Sync {
    fn report(&self, update: ProgressUpdate) -> impl Future<Output = ()> + Send;
}

/// A sink that drops every report.
pub struct NoProgress;

impl ProgressSink for NoProgress {
    async fn report(&self, _update: ProgressUpdate) {}
}

/// What one status check found.
#[derive(Debug, Clone)]
pub struct Observation<S> {
    /// The status as the provider names it (`queued`, `running`, `generating`, …).
    pub status: String,
    /// What the work is doing right now, when the provider says (an agent's current step).
    pub detail: Option<String>,
    /// Whether the work has ended (successfully or not).
    pub done: bool,
    /// Everything else the caller needs.
    pub snapshot: S,
}

/// How a wait ended.
#[derive(Debug)]
pub enum WaitOutcome<S> {
    /// The work ended; this is the final observation.
    Finished(S),
    /// The budget ran out first; the work goes on. Holds the last observation, if any.
    BudgetSpent(Option<S>),
    /// The caller cancelled; no more status checks were made.
    Cancelled(Option<S>),
    /// A status check failed in a way waiting longer will not fix (e.g. 404, 401).
    CheckFailed { error: ApiError, last: Option<S> },
}

/// Wait for the work named `label` (e.g. "run 5d9c… of task hn-top") to finish, calling `check`
/// on the schedule until it reports `done`, the budget is spent or `cancel` fires.
///
/// `status` is the status already known when the wait starts (from the call that started the
/// work); it is reported at once so the client sees progress from the first moment.
pub async fn wait_for<S, F, Fut, P>(
    label: &str,
    status: &str,
    budget: Duration,
    settings: &WaitSettings,
    cancel: &CancellationToken,
    progress: &P,
    mut check: F,
) -> WaitOutcome<S>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Observation<S>, ApiError>>,
    P: ProgressSink,
{
    let mut reporter = Reporter::new(progress, label, status, settings);
    let deadline = reporter.started + budget;
    reporter.send(None).await;
    let mut last = None;
    let mut delay = settings.schedule.initial;
    loop {
        match race(tokio::time::sleep(delay), deadline, cancel, &mut reporter).await {
            Race::Done(()) => {}
            Race::Cancelled => return WaitOutcome::Cancelled(last),
            Race::Deadline => return WaitOutcome::BudgetSpent(last),
        }
        match race(check(), deadline, cancel, &mut reporter).await {
            Race::Cancelled => return WaitOutcome::Cancelled(last),
            Race::Deadline => return WaitOutcome::BudgetSpent(last),
            Race::Done(Ok(observation)) => {
                // A detail stays until a newer one comes (steps are read now and then), but
                // not past the end.
                let detail = match observation.done {
                    true => observation.detail.clone(),
                    false => observation.detail.clone().or(reporter.detail.clone()),
                };
                if observation.status != reporter.status
                    || detail != reporter.detail
                    || observation.done
                {
                    reporter.status = observation.status.clone();
                    reporter.detail = detail;
                    reporter.send(None).await;
                }
                if observation.done {
                    return WaitOutcome::Finished(observation.snapshot);
                }
                last = Some(observation.snapshot);
            }
            Race::Done(Err(error)) if error.is_transient() => {
                tracing::warn!(%label, error = %error, "status check failed; still waiting");
                let note = format!(" (status check failed: {}; retrying)", error.api_message());
                reporter.send(Some(&note)).await;
            }
            Race::Done(Err(error)) => return WaitOutcome::CheckFailed { error, last },
        }
        delay = settings.schedule.next(delay);
    }
}

/// Do `work` (one long request, such as a synchronous skill run) while sending heartbeat
/// progress for `label`; `None` when cancelled first.
pub async fn with_heartbeat<T, P: ProgressSink>(
    label: &str,
    status: &str,
    settings: &WaitSettings,
    cancel: &CancellationToken,
    progress: &P,
    work: impl Future<Output = T>,
) -> Option<T> {
    let mut reporter = Reporter::new(progress, label, status, settings);
    reporter.send(None).await;
    // No budget: the request itself is bounded by its timeout.
    let far = reporter.started + Duration::from_secs(60 * 60 * 24);
    match race(work, far, cancel, &mut reporter).await {
        Race::Done(out) => Some(out),
        Race::Cancelled | Race::Deadline => None,
    }
}

struct Reporter<'a, P> {
    sink: &'a P,
    label: &'a str,
    status: String,
    detail: Option<String>,
    started: Instant,
    sent: u32,
    last_sent: Instant,
    heartbeat: Duration,
}

impl<'a, P: ProgressSink> Reporter<'a, P> {
    /// A reporter for `label`, starting now at `status`.
    fn new(sink: &'a P, label: &'a str, status: &str, settings: &WaitSettings) -> Self {
        let started = Instant::now();
        Self {
            sink,
            label,
            status: status.to_string(),
            detail: None,
            started,
            sent: 0,
            last_sent: started,
            heartbeat: settings.heartbeat,
        }
    }

    async fn send(&mut self, note: Option<&str>) {
        self.sent += 1;
        self.last_sent = Instant::now();
        let elapsed = describe_duration(self.last_sent - self.started);
        let detail = self
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let message = format!(
            "{}: {}{detail}, {elapsed} elapsed{}",
            self.label,
            self.status,
            note.unwrap_or("")
        );
        self.sink
            .report(ProgressUpdate {
                progress: f64::from(self.sent),
                message,
            })
            .await;
    }
}

enum Race<T> {
    Done(T),
    Cancelled,
    Deadline,
}

/// Drive `work` to completion unless cancelled or past the deadline, sending heartbeats
/// meanwhile.
async fn race<T, P: ProgressSink>(
    work: impl Future<Output = T>,
    deadline: Instant,
    cancel: &CancellationToken,
    reporter: &mut Reporter<'_, P>,
) -> Race<T> {
    tokio::pin!(work);
    loop {
        let heartbeat_at = reporter.last_sent + reporter.heartbeat;
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Race::Cancelled,
            out = &mut work => return Race::Done(out),
            () = tokio::time::sleep_until(deadline) => return Race::Deadline,
            () = tokio::time::sleep_until(heartbeat_at) => reporter.send(None).await,
        }
    }
}

/// `"850 ms"`, `"12 s"`, `"3 min 5 s"`, `"1 h 2 min"`.
pub fn describe_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        0 => format!("{} ms", duration.as_millis()),
        1..60 => format!("{secs} s"),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::cloud::Provider;

    #[derive(Default, Clone)]
    struct Recorder(Arc<Mutex<Vec<(Duration, ProgressUpdate)>>>, Option<Instant>);

    impl ProgressSink for Recorder {
        async fn report(&self, update: ProgressUpdate) {
            let at = self.1.map(|s| Instant::now() - s).unwrap_or_default();
            self.0.lock().unwrap().push((at, update));
        }
    }

    fn settings() -> WaitSettings {
        WaitSettings::default()
    }

    fn observation(status: &str, done: bool) -> Result<Observation<String>, ApiError> {
        Ok(Observation {
            status: status.into(),
            detail: None,
            done,
            snapshot: status.into(),
        })
    }

    #[test]
    fn schedule_backs_off_to_the_cap() {
        let s = PollSchedule::default();
        let mut delay = s.initial;
        let mut seen = vec![delay];
        for _ in 0..6 {
            delay = s.next(delay);
            seen.push(delay);
        }
        let ms: Vec<u128> = seen.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, vec![500, 750, 1125, 1687, 2531, 3796, 4000]);
    }

    #[test]
    fn budget_follows_the_callers_wait_seconds() {
        let s = settings();
        assert_eq!(s.budget(None), Duration::from_secs(45));
        assert_eq!(s.budget(Some(10.0)), Duration::from_secs(10));
        assert_eq!(s.budget(Some(0.0)), Duration::ZERO);
        assert_eq!(s.budget(Some(-3.0)), Duration::ZERO);
        assert_eq!(s.budget(Some(1e9)), Duration::from_secs(600));
        assert_eq!(s.budget(Some(1e300)), Duration::from_secs(600));
        assert_eq!(s.budget(Some(f64::NAN)), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn finishes_on_the_first_done_observation_and_reports_each_change() {
        let script = Arc::new(Mutex::new(vec![
            observation("queued", false),
            observation("running", false),
            observation("running", false),
            observation("success", true),
        ]));
        let calls = Arc::new(Mutex::new(0));
        let recorder = Recorder(Default::default(), Some(Instant::now()));
        let outcome = wait_for(
            "run r1",
            "queued",
            Duration::from_secs(45),
            &settings(),
            &CancellationToken::new(),
            &recorder,
            || {
                *calls.lock().unwrap() += 1;
                let next = script.lock().unwrap().remove(0);
                async move { next }
            },
        )
        .await;
        assert!(matches!(outcome, WaitOutcome::Finished(ref s) if s == "success"));
        assert_eq!(*calls.lock().unwrap(), 4);
        let reports = recorder.0.lock().unwrap();
        let messages: Vec<&str> = reports.iter().map(|(_, u)| u.message.as_str()).collect();
        // Initial, queued→running, running→success (no report for the unchanged poll).
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("run r1: queued, "));
        assert!(messages[1].starts_with("run r1: running, "));
        assert!(messages[2].starts_with("run r1: success, "));
        let progress: Vec<f64> = reports.iter().map(|(_, u)| u.progress).collect();
        assert_eq!(progress, vec![1.0, 2.0, 3.0]);
        // Polls at 0.5, 1.25, 2.375, 4.0625 s (tokio's timer rounds to the millisecond).
        let millis = reports[2].0.as_millis();
        assert!((4062..=4064).contains(&millis), "{millis}");
    }

    #[tokio::test(start_paused = true)]
    async fn heartbeats_keep_coming_while_a_status_check_hangs() {
        let recorder = Recorder(Default::default(), Some(Instant::now()));
        let outcome: WaitOutcome<String> = wait_for(
            "run r2",
            "running",
            Duration::from_secs(12),
            &settings(),
            &CancellationToken::new(),
            &recorder,
            || async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                observation("running", false)
            },
        )
        .await;
        assert!(matches!(outcome, WaitOutcome::BudgetSpent(None)));
        let at: Vec<u64> = recorder
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|(at, _)| at.as_secs())
            .collect();
        assert_eq!(at, vec![0, 5, 10]);
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation_stops_checking_at_once() {
        let cancel = CancellationToken::new();
        let calls = Arc::new(Mutex::new(0));
        let trigger = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1300)).await;
            trigger.cancel();
        });
        let started = Instant::now();
        let outcome = wait_for(
            "run r3",
            "running",
            Duration::from_secs(45),
            &settings(),
            &cancel,
            &NoProgress,
            || {
                *calls.lock().unwrap() += 1;
                async { observation("running", false) }
            },
        )
        .await;
        assert!(matches!(outcome, WaitOutcome::Cancelled(Some(_))));
        assert_eq!(*calls.lock().unwrap(), 2, "checks at 0.5 s and 1.25 s only");
        assert_eq!(Instant::now() - started, Duration::from_millis(1300));
    }

    #[tokio::test(start_paused = true)]
    async fn transient_check_failures_keep_waiting_but_fatal_ones_stop() {
        let failure = |status| ApiError::Status {
            provider: Provider::Anchor,
            operation: "GET /x".into(),
            status,
            message: "boom".into(),
            code: None,
            retry_after: None,
            hint: None,
        };
        let script = Arc::new(Mutex::new(vec![
            Err(failure(503)),
            observation("running", false),
            Err(failure(404)),
        ]));
        let recorder = Recorder::default();
        let outcome = wait_for(
            "run r4",
            "queued",
            Duration::from_secs(45),
            &settings(),
            &CancellationToken::new(),
            &recorder,
            || {
                let next = script.lock().unwrap().remove(0);
                async move { next }
            },
        )
        .await;
        match outcome {
            WaitOutcome::CheckFailed { error, last } => {
                assert_eq!(error.status(), Some(404));
                assert_eq!(last.as_deref(), Some("running"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let reports = recorder.0.lock().unwrap();
        assert!(
            reports[1]
                .1
                .message
                .contains("status check failed: boom; retrying")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_budget_returns_without_checking() {
        let outcome: WaitOutcome<String> = wait_for(
            "run r5",
            "queued",
            Duration::ZERO,
            &settings(),
            &CancellationToken::new(),
            &NoProgress,
            || async { panic!("must not check") },
        )
        .await;
        assert!(matches!(outcome, WaitOutcome::BudgetSpent(None)));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(describe_duration(Duration::from_millis(850)), "850 ms");
        assert_eq!(describe_duration(Duration::from_secs(12)), "12 s");
        assert_eq!(describe_duration(Duration::from_secs(185)), "3 min 5 s");
        assert_eq!(describe_duration(Duration::from_secs(3720)), "1 h 2 min");
    }
}
