//! Timing many calls at once and reading a process's memory: what the benchmark examples
//! (`bench`, `load`, `sessions`) measure with. Each example uses the part it needs.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// The calls of one measured round.
pub struct Measurement {
    /// The successful calls' latencies, sorted.
    pub latencies_ms: Vec<f64>,
    pub errors: usize,
    pub elapsed: Duration,
}

impl Measurement {
    /// Calls (successful or not) per second.
    pub fn rate(&self) -> f64 {
        (self.latencies_ms.len() + self.errors) as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile(&self, p: f64) -> f64 {
        percentile(&self.latencies_ms, p)
    }
}

/// Run `calls` calls in each of `sessions` concurrent tasks; `call(session)` returns success.
pub async fn measure<F, Fut>(sessions: usize, calls: usize, call: F) -> Measurement
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..sessions)
        .map(|session| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(calls);
                let mut errors = 0;
                for _ in 0..calls {
                    let at = Instant::now();
                    if call(session).await {
                        latencies.push(ms(at.elapsed()));
                    } else {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies_ms = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, failed) = task.await.unwrap_or_default();
        latencies_ms.extend(latencies);
        errors += failed;
    }
    latencies_ms.sort_by(f64::total_cmp);
    Measurement {
        latencies_ms,
        errors,
        elapsed: started.elapsed(),
    }
}

/// The `p`th percentile of sorted `values` (nearest rank; NaN when there are none).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// A memory figure of a process from Linux's `/proc/{pid}/status`, in KiB: `VmHWM` (peak
/// resident) or `VmRSS` (resident now).
pub fn memory_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Peak resident memory of a process, in KiB.
pub fn peak_memory_kib(pid: u32) -> Option<u64> {
    memory_kib(pid, "VmHWM")
}
