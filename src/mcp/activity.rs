//! What the server is busy with: open sessions, tool calls in flight, and the cloud runs being
//! waited on. The HTTP transport caps sessions with it, and a graceful shutdown waits for calls
//! to finish and then names the runs still going in the cloud.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

/// Counters and the set of runs being waited on. Shared by every session.
#[derive(Debug, Default)]
pub struct Activity {
    sessions: AtomicUsize,
    calls: AtomicUsize,
    idle: Notify,
    /// Execution id → what it is ("run 5d9c… of task hn-top").
    runs: Mutex<BTreeMap<String, String>>,
}

/// Counts one open session while alive.
#[derive(Debug)]
pub struct SessionGuard(Arc<Activity>);

/// Counts one tool call in flight while alive.
#[derive(Debug)]
pub struct CallGuard(Arc<Activity>);

/// Marks a run as being waited on while alive.
#[derive(Debug)]
pub struct RunGuard(Arc<Activity>, String);

impl Activity {
    /// A session opened.
    pub fn session(self: &Arc<Self>) -> SessionGuard {
        self.sessions.fetch_add(1, Ordering::SeqCst);
        SessionGuard(self.clone())
    }

    /// A tool call started.
    pub fn call(self: &Arc<Self>) -> CallGuard {
        self.calls.fetch_add(1, Ordering::SeqCst);
        CallGuard(self.clone())
    }

    /// The server started waiting on a run.
    pub fn run(self: &Arc<Self>, execution_id: &str, label: &str) -> RunGuard {
        if let Ok(mut runs) = self.runs.lock() {
            runs.insert(execution_id.to_string(), label.to_string());
        }
        RunGuard(self.clone(), execution_id.to_string())
    }

    /// Open sessions.
    pub fn sessions(&self) -> usize {
        self.sessions.load(Ordering::SeqCst)
    }

    /// Tool calls in flight.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The runs being waited on, as (execution id, label).
    pub fn runs(&self) -> Vec<(String, String)> {
        self.runs
            .lock()
            .map(|runs| runs.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Wait until no tool call is in flight, or `limit` passes; returns whether it got idle.
    pub async fn wait_idle(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.idle.notified();
            if self.calls() == 0 {
                return true;
            }
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(deadline) => return self.calls() == 0,
            }
        }
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.0.sessions.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.0.calls.fetch_sub(1, Ordering::SeqCst);
        self.0.idle.notify_waiters();
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        if let Ok(mut runs) = self.0.runs.lock() {
            runs.remove(&self.1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn counts_and_waits() {
        let activity = Arc::new(Activity::default());
        let session = activity.session();
        let call = activity.call();
        let run = activity.run("e1", "run e1");
        assert_eq!((activity.sessions(), activity.calls()), (1, 1));
        assert_eq!(
            activity.runs(),
            vec![("e1".to_string(), "run e1".to_string())]
        );
        assert!(!activity.wait_idle(Duration::from_secs(1)).await);
        let waiter = {
            let activity = activity.clone();
            tokio::spawn(async move { activity.wait_idle(Duration::from_secs(60)).await })
        };
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(call);
        assert!(waiter.await.unwrap());
        drop((run, session));
        assert_eq!((activity.sessions(), activity.runs().len()), (0, 0));
    }
}
