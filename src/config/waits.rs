//! How long things may take: the flags for waiting on runs (budget, polling, progress) and
//! for each provider request (timeouts, read retries), checked into [`WaitSettings`] and
//! [`RequestLimits`].

use std::time::Duration;

use clap::Args;

use super::{ConfigError, Setting};
use crate::cloud::{HttpSettings, RetryPolicy};
use crate::waiting::{PollSchedule, WaitSettings};

pub(super) const WAIT_SECONDS: Setting = Setting::new("wait-seconds", "BROWSER_TASKS_WAIT_SECONDS");
pub(super) const MAX_WAIT_SECONDS: Setting =
    Setting::new("max-wait-seconds", "BROWSER_TASKS_MAX_WAIT_SECONDS");
pub(super) const POLL_INITIAL_MS: Setting =
    Setting::new("poll-initial-ms", "BROWSER_TASKS_POLL_INITIAL_MS");
pub(super) const POLL_MAX_MS: Setting = Setting::new("poll-max-ms", "BROWSER_TASKS_POLL_MAX_MS");
pub(super) const PROGRESS_INTERVAL_MS: Setting =
    Setting::new("progress-interval-ms", "BROWSER_TASKS_PROGRESS_INTERVAL_MS");
pub(super) const READ_TIMEOUT_SECONDS: Setting =
    Setting::new("read-timeout-seconds", "BROWSER_TASKS_READ_TIMEOUT_SECONDS");
pub(super) const WRITE_TIMEOUT_SECONDS: Setting = Setting::new(
    "write-timeout-seconds",
    "BROWSER_TASKS_WRITE_TIMEOUT_SECONDS",
);
pub(super) const READ_ATTEMPTS: Setting =
    Setting::new("read-attempts", "BROWSER_TASKS_READ_ATTEMPTS");

/// The waiting, timeout and retry flags.
#[derive(Debug, Clone, Args)]
pub struct WaitFlags {
    /// Seconds a tool call waits for a run or generation before returning its id instead.
    #[arg(long = WAIT_SECONDS.flag, env = WAIT_SECONDS.env, default_value_t = 45.0)]
    pub wait_seconds: f64,

    /// The longest wait a caller may ask for with `wait_seconds`, in seconds.
    #[arg(long = MAX_WAIT_SECONDS.flag, env = MAX_WAIT_SECONDS.env, default_value_t = 600.0)]
    pub max_wait_seconds: f64,

    /// Gap between status checks of a run under 30 s old (and before the first), in
    /// milliseconds; older runs are checked less and less often, up to --poll-max-ms.
    #[arg(long = POLL_INITIAL_MS.flag, env = POLL_INITIAL_MS.env, default_value_t = 500)]
    pub poll_initial_ms: u64,

    /// Longest delay between two status checks, in milliseconds.
    #[arg(long = POLL_MAX_MS.flag, env = POLL_MAX_MS.env, default_value_t = 4000)]
    pub poll_max_ms: u64,

    /// Longest gap between two progress notifications while waiting, in milliseconds.
    #[arg(
        long = PROGRESS_INTERVAL_MS.flag,
        env = PROGRESS_INTERVAL_MS.env,
        default_value_t = 5000
    )]
    pub progress_interval_ms: u64,

    /// Timeout of one read request to a provider, in seconds.
    #[arg(
        long = READ_TIMEOUT_SECONDS.flag,
        env = READ_TIMEOUT_SECONDS.env,
        default_value_t = 30.0
    )]
    pub read_timeout_seconds: f64,

    /// Timeout of one request that starts or changes something (run, generate, create,
    /// deploy), in seconds. Such a request is never retried.
    #[arg(
        long = WRITE_TIMEOUT_SECONDS.flag,
        env = WRITE_TIMEOUT_SECONDS.env,
        default_value_t = 60.0
    )]
    pub write_timeout_seconds: f64,
}

/// The read-retry flag: a group of its own only because `--help` has always listed it last,
/// after the task flags (flattened groups are listed in the order [`super::Cli`] names them).
#[derive(Debug, Clone, Args)]
pub struct RetryFlags {
    /// Attempts in all for a read that meets a rate limit or gateway error (1 = no retry).
    /// Requests that start or change something are never retried.
    #[arg(long = READ_ATTEMPTS.flag, env = READ_ATTEMPTS.env, default_value_t = 3)]
    pub read_attempts: u32,
}

/// How every provider request is bounded, whichever provider it goes to.
#[derive(Debug, Clone)]
pub struct RequestLimits {
    pub read_timeout: Duration,
    pub write_timeout: Duration,
    pub retry: RetryPolicy,
}

impl RequestLimits {
    /// Connection settings for the API at `base_url`, without a key.
    pub fn template(&self, base_url: String) -> HttpSettings {
        HttpSettings {
            retry: self.retry.clone(),
            read_timeout: self.read_timeout,
            write_timeout: self.write_timeout,
            ..HttpSettings::new(base_url, secrecy::SecretString::from(String::new()))
        }
    }
}

impl WaitFlags {
    /// Check the flags (with `retry`'s) into how tool calls wait and how provider requests
    /// are bounded.
    pub(super) fn check(
        &self,
        retry: &RetryFlags,
    ) -> Result<(WaitSettings, RequestLimits), ConfigError> {
        let default_budget = seconds(self.wait_seconds, WAIT_SECONDS)?;
        let max_budget = seconds(self.max_wait_seconds, MAX_WAIT_SECONDS)?;
        if default_budget > max_budget {
            return Err(WAIT_SECONDS.invalid(format!(
                "{} exceeds --{} {}",
                self.wait_seconds, MAX_WAIT_SECONDS.flag, self.max_wait_seconds
            )));
        }
        if self.poll_initial_ms == 0 || self.poll_initial_ms > self.poll_max_ms {
            return Err(POLL_INITIAL_MS.invalid(format!(
                "must be at least 1 and at most --{} ({})",
                POLL_MAX_MS.flag, self.poll_max_ms
            )));
        }
        if self.progress_interval_ms == 0 {
            return Err(PROGRESS_INTERVAL_MS.invalid("must be at least 1"));
        }
        if retry.read_attempts == 0 {
            return Err(READ_ATTEMPTS.invalid("must be at least 1 (1 means no retries)"));
        }
        let read_timeout = seconds(self.read_timeout_seconds, READ_TIMEOUT_SECONDS)?;
        let write_timeout = seconds(self.write_timeout_seconds, WRITE_TIMEOUT_SECONDS)?;
        for (timeout, setting) in [
            (read_timeout, READ_TIMEOUT_SECONDS),
            (write_timeout, WRITE_TIMEOUT_SECONDS),
        ] {
            if timeout.is_zero() {
                return Err(setting.invalid("must be more than 0"));
            }
        }
        let waits = WaitSettings {
            schedule: PollSchedule {
                initial: Duration::from_millis(self.poll_initial_ms),
                max: Duration::from_millis(self.poll_max_ms),
                ..PollSchedule::default()
            },
            heartbeat: Duration::from_millis(self.progress_interval_ms),
            default_budget,
            max_budget,
        };
        let limits = RequestLimits {
            read_timeout,
            write_timeout,
            retry: RetryPolicy {
                max_attempts: retry.read_attempts,
                ..RetryPolicy::default()
            },
        };
        Ok((waits, limits))
    }
}

/// `value` seconds as a duration, or an error naming `setting` (negative, NaN, too large).
fn seconds(value: f64, setting: Setting) -> Result<Duration, ConfigError> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        setting.invalid(format!(
            "{value} is not a usable number of seconds (0 or more)"
        ))
    })
}
