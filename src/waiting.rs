//! Waiting on cloud work (runs, generations): the poll schedule, the wait budget, progress
//! reports while waiting, and cancellation.
//!
//! The schedule depends on how old the work is, not on how long this wait has lasted, so a
//! wait resumed later (`get_execution` with `wait_seconds`) goes on at the pace the work has
//! reached instead of starting over. Until the work is `fast_for` old (30 s by default) its
//! status is checked every `initial` (0.5 s): most runs end within that time and are seen
//! within half a second of ending. After that the gap grows half as fast as the work ages, up
//! to `max` (4 s): a run of four minutes costs about 115 status checks (under one per 2 s), a
//! run of ten minutes about 205.
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

/// When to check the status again: a function of the work's age.
#[derive(Debug, Clone, PartialEq)]
pub struct PollSchedule {
    /// The gap between checks while the work is young (and so before a new run's first check).
    pub initial: Duration,
    /// How long work counts as young.
    pub fast_for: Duration,
    /// Longest gap between two checks.
    pub max: Duration,
}

impl Default for PollSchedule {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            fast_for: Duration::from_secs(30),
            max: Duration::from_secs(4),
        }
    }
}

impl PollSchedule {
    /// The gap before the next check of work that is `age` old: `initial` while it is young,
    /// then growing by half a second per second of age past that, up to `max`.
    pub fn delay_at(&self, age: Duration) -> Duration {
        let past_fast = age.saturating_sub(self.fast_for);
        (self.initial + past_fast / 2).min(self.max.max(self.initial))
    }

    /// The ages at which work is checked, for a wait that starts when it is `from` old (if
    /// checks took no time; each really starts its gap when it returns, so fewer are made).
    pub fn check_ages(&self, from: Duration) -> impl Iterator<Item = Duration> + '_ {
        let mut age = from;
        std::iter::from_fn(move || {
            age += self.delay_at(age);
            Some(age)
        })
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

/// The work a wait is for.
#[derive(Debug, Clone, Copy)]
pub struct Work<'a> {
    /// How progress names it, e.g. "run 5d9c… of task hn-top".
    pub label: &'a str,
    /// Its status when the wait starts (from the call that started or read it), reported at
    /// once so the client sees progress from the first moment.
    pub status: &'a str,
    /// How old it is when the wait starts (zero for work just started): the poll schedule
    /// follows its age.
    pub age: Duration,
}

impl<'a> Work<'a> {
    /// Work that has just started.
    pub fn new(label: &'a str, status: &'a str) -> Self {
        Self {
            label,
            status,
            age: Duration::ZERO,
        }
    }
}

/// Wait for `work` to finish, calling `check` on the schedule until it reports `done`, the
/// budget is spent or `cancel` fires.
pub async fn wait_for<S, F, Fut, P>(
    work: Work<'_>,
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
    let label = work.label;
    let mut reporter = Reporter::new(progress, label, work.status, settings);
    let deadline = reporter.started + budget;
    reporter.send(None).await;
    let mut last = None;
    let schedule = &settings.schedule;
    let mut delay = schedule.delay_at(work.age);
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
        delay = schedule.delay_at(work.age + reporter.started.elapsed());
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

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// How many checks the schedule makes between the work's ages `from` and `until`.
    fn checks(s: &PollSchedule, from: Duration, until: Duration) -> usize {
        s.check_ages(from).take_while(|age| *age <= until).count()
    }

    #[test]
    fn the_gap_is_half_a_second_while_young_then_grows_to_the_cap() {
        let s = PollSchedule::default();
        let ms = |age: f64| s.delay_at(secs(age)).as_millis();
        assert_eq!(ms(0.0), 500);
        assert_eq!(ms(29.9), 500);
        assert_eq!(ms(30.0), 500);
        assert_eq!(ms(31.0), 1000);
        assert_eq!(ms(33.0), 2000);
        assert_eq!(ms(37.0), 4000);
        assert_eq!(ms(3600.0), 4000);
        // A cap below the initial gap (never configured so) still polls at the initial gap.
        let odd = PollSchedule {
            max: Duration::from_millis(100),
            ..PollSchedule::default()
        };
        assert_eq!(odd.delay_at(secs(100.0)), Duration::from_millis(500));
    }

    #[test]
    fn a_run_ending_within_30_seconds_is_seen_within_half_a_second() {
        let s = PollSchedule::default();
        // Every end from 1 s to 30 s, in 10 ms steps: the first check at or after it.
        for end_ms in (1000..=30_000).step_by(10) {
            let end = Duration::from_millis(end_ms);
            let seen = s
                .check_ages(Duration::ZERO)
                .find(|age| *age >= end)
                .unwrap();
            assert!(
                seen - end <= Duration::from_millis(500),
                "{end:?} seen at {seen:?}"
            );
        }
        assert_eq!(checks(&s, Duration::ZERO, secs(30.0)), 60);
    }

    #[test]
    fn a_run_of_four_minutes_or_more_costs_under_one_check_per_two_seconds() {
        let s = PollSchedule::default();
        assert_eq!(checks(&s, Duration::ZERO, secs(240.0)), 115);
        assert_eq!(checks(&s, Duration::ZERO, secs(600.0)), 205);
        for whole in 240..=3600 {
            let count = checks(&s, Duration::ZERO, Duration::from_secs(whole));
            assert!(count * 2 <= whole as usize, "{count} checks in {whole} s");
        }
    }

    #[test]
    fn a_resumed_wait_goes_on_at_the_pace_the_run_has_reached() {
        let s = PollSchedule::default();
        // run_task waits 45 s, then get_execution waits on until the run is 4 minutes old:
        // the same checks as one wait of 4 minutes, not a second fast start.
        let split = checks(&s, Duration::ZERO, secs(45.0)) + checks(&s, secs(45.0), secs(240.0));
        assert_eq!(split, checks(&s, Duration::ZERO, secs(240.0)));
        assert_eq!(s.check_ages(secs(45.0)).next(), Some(secs(49.0)));
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
            Work::new("run r1", "queued"),
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
        // Polls at 0.5, 1, 1.5 and 2 s (tokio's timer rounds to the millisecond).
        let millis = reports[2].0.as_millis();
        assert!((2000..=2003).contains(&millis), "{millis}");
    }

    #[tokio::test(start_paused = true)]
    async fn heartbeats_keep_coming_while_a_status_check_hangs() {
        let recorder = Recorder(Default::default(), Some(Instant::now()));
        let outcome: WaitOutcome<String> = wait_for(
            Work::new("run r2", "running"),
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
            Work::new("run r3", "running"),
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
        assert_eq!(*calls.lock().unwrap(), 2, "checks at 0.5 s and 1 s only");
        assert_eq!(Instant::now() - started, Duration::from_millis(1300));
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_on_old_work_checks_at_its_pace() {
        let calls = Arc::new(Mutex::new(0));
        let outcome: WaitOutcome<String> = wait_for(
            Work {
                label: "run r6",
                status: "running",
                age: Duration::from_secs(100),
            },
            Duration::from_secs(10),
            &settings(),
            &CancellationToken::new(),
            &NoProgress,
            || {
                *calls.lock().unwrap() += 1;
                async { observation("running", false) }
            },
        )
        .await;
        assert!(matches!(outcome, WaitOutcome::BudgetSpent(Some(_))));
        assert_eq!(*calls.lock().unwrap(), 2, "checks at 4 s and 8 s only");
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
            Work::new("run r4", "queued"),
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
            Work::new("run r5", "queued"),
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
