//! When a read may be tried again, and how long to wait first.
//!
//! Only reads (GET) are ever retried. A request that starts or changes something (run,
//! generate, create, deploy) is sent exactly once: a retry after a lost response could start a
//! paid browser run twice (the failure peers hit when their SDK retried non-idempotent calls).

use std::time::Duration;

/// Backoff for retried reads: exponential from `base_delay`, capped at `max_delay`, and never
/// shorter than what the API asked for in `Retry-After` (itself capped at `max_retry_after`).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(20),
        }
    }
}

/// How one attempt at a read went wrong, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReadFailure {
    /// The API answered with this status (and maybe a `Retry-After`).
    Status(u16, Option<Duration>),
    /// The connection could not be made; nothing reached the API.
    Connect,
    /// The connection broke after the request went out (safe to repeat: only reads retry).
    Interrupted,
    /// Any other failure (timeouts, bodies that do not parse).
    Other,
}

impl RetryPolicy {
    /// The wait before attempt `failed_attempt + 1`, or `None` to give up.
    ///
    /// `failed_attempt` counts from 1. Statuses retried: 429 and the gateway errors 502, 503,
    /// 504; plus connection failures and broken connections. Everything else is final.
    pub fn delay_after(&self, failed_attempt: u32, failure: ReadFailure) -> Option<Duration> {
        if failed_attempt >= self.max_attempts {
            return None;
        }
        let asked = match failure {
            ReadFailure::Status(429 | 502 | 503 | 504, retry_after) => retry_after,
            ReadFailure::Connect | ReadFailure::Interrupted => None,
            ReadFailure::Status(..) | ReadFailure::Other => return None,
        };
        let exponent = failed_attempt.saturating_sub(1).min(16);
        let backoff = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let asked = asked.map(|wait| wait.min(self.max_retry_after));
        Some(asked.map_or(backoff, |wait| wait.max(backoff)))
    }
}

/// Parse a `Retry-After` header: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>()
        && seconds.is_finite()
        && seconds >= 0.0
    {
        return Some(Duration::from_secs_f64(seconds));
    }
    // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is a subset of RFC 2822.
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            max_retry_after: Duration::from_secs(2),
        }
    }

    #[test]
    fn retries_only_rate_limits_gateway_errors_and_connect_failures() {
        let p = policy();
        for status in [429, 502, 503, 504] {
            assert!(
                p.delay_after(1, ReadFailure::Status(status, None))
                    .is_some(),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 409, 422, 500] {
            assert_eq!(
                p.delay_after(1, ReadFailure::Status(status, None)),
                None,
                "{status}"
            );
        }
        assert!(p.delay_after(1, ReadFailure::Connect).is_some());
        assert!(p.delay_after(1, ReadFailure::Interrupted).is_some());
        assert_eq!(p.delay_after(1, ReadFailure::Other), None);
    }

    #[test]
    fn backs_off_exponentially_up_to_the_cap_and_stops_after_max_attempts() {
        let p = policy();
        let delays: Vec<_> = (1..=4)
            .map(|n| p.delay_after(n, ReadFailure::Connect))
            .collect();
        assert_eq!(
            delays,
            vec![
                Some(Duration::from_millis(100)),
                Some(Duration::from_millis(200)),
                Some(Duration::from_millis(350)),
                None
            ]
        );
    }

    #[test]
    fn honours_retry_after_within_its_cap() {
        let p = policy();
        let asked = |secs| ReadFailure::Status(429, Some(Duration::from_secs(secs)));
        assert_eq!(p.delay_after(1, asked(1)), Some(Duration::from_secs(1)));
        assert_eq!(p.delay_after(1, asked(60)), Some(Duration::from_secs(2)));
        // A Retry-After shorter than our own backoff does not shorten it.
        let tiny = ReadFailure::Status(503, Some(Duration::from_millis(1)));
        assert_eq!(p.delay_after(2, tiny), Some(Duration::from_millis(200)));
    }

    #[test]
    fn parses_both_retry_after_forms() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:09 GMT", now),
            Some(Duration::from_secs(9))
        );
        assert_eq!(
            parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
