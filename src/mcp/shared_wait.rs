//! One waiter per run across every process sharing the catalog: the cloud sees one waiter's
//! status requests however many instances (or processes) wait on a run.
//!
//! [`SharedRun`] stands between a wait (`runs::wait_with`) and a run's cloud. Before each
//! status check it takes (or renews) the run's lease in the catalog (`run:<provider>:<id>`):
//! - the holder checks the cloud as before, and records what it read (the whole report,
//!   scrubbed of secrets, and the progress detail) with the run;
//! - any other waiter answers from that record instead of asking the cloud, and takes the
//!   lease over once the holder stops renewing it (it ended its wait, or died: a lease lasts
//!   [`LEASE_TTL`] past its last renewal, so a killed holder's runs pass on within seconds).
//!
//! Stopping a run, answering its request for a person and reading its live view are the
//! holder's, except that a cancelled wait still stops the run (the caller asked for that).
//! Runs the catalog does not record (started elsewhere) have nothing to share: they are
//! checked in the cloud directly.

use std::sync::Mutex;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::context::ToolEnv;
use crate::runs::{HumanRequest, RunCloud, RunRef, RunReport};

/// How long a run's lease lasts past its last renewal: how soon another waiter takes over
/// from a holder that died.
pub const LEASE_TTL: Duration = Duration::from_secs(3);

/// How often a process renews the leases it holds (well within [`LEASE_TTL`]).
pub const LEASE_RENEWAL: Duration = Duration::from_secs(1);

/// The catalog lease of a run.
pub fn run_lease(provider: &str, run_id: &str) -> String {
    format!("run:{provider}:{run_id}")
}

/// A run's cloud as one of several waiters sees it (see the module docs).
pub struct SharedRun<'a> {
    inner: &'a dyn RunCloud,
    env: &'a ToolEnv,
    /// Secrets the run was given, scrubbed from what is recorded.
    secrets: &'a [String],
    lease: String,
    /// Whether this waiter held the lease at its last check.
    holds: Mutex<bool>,
    /// The progress detail last said, so a follower says a new one once.
    said: Mutex<Option<String>>,
}

impl<'a> SharedRun<'a> {
    /// Share the waiting on `provider`'s run `run_id`.
    pub fn new(
        inner: &'a dyn RunCloud,
        env: &'a ToolEnv,
        (provider, run_id): (&str, &str),
        secrets: &'a [String],
    ) -> Self {
        Self {
            inner,
            env,
            secrets,
            lease: run_lease(provider, run_id),
            holds: Mutex::new(false),
            said: Mutex::new(None),
        }
    }

    fn holds(&self) -> bool {
        self.holds.lock().map(|h| *h).unwrap_or(false)
    }

    /// Take the lease; `true` when this waiter checks the cloud. A catalog that cannot be
    /// asked leaves every waiter checking the cloud itself, as without sharing.
    async fn lead(&self) -> bool {
        // Held already: the process's heartbeat renews it (a statement per check saved).
        if self.holds() {
            return true;
        }
        let holder = self.env.lease_holder();
        let leads = match self
            .env
            .catalog
            .claim_lease(&self.lease, holder, LEASE_TTL)
            .await
        {
            Ok(leads) => leads,
            Err(error) => {
                tracing::debug!(%error, lease = %self.lease, "could not take a run's lease");
                true
            }
        };
        if let Ok(mut holds) = self.holds.lock() {
            if leads && !*holds {
                self.env.leases_held(1);
            } else if !leads && *holds {
                self.env.leases_held(-1);
            }
            *holds = leads;
        }
        leads
    }

    /// What the holder recorded of the run, if it recorded a report that says all it knew: a
    /// finished run given secrets whose report was recorded without its output (by a process
    /// that could not scrub it) is read from the cloud instead.
    async fn recorded(&self, run: &RunRef) -> Option<(RunReport, Option<String>)> {
        let record = self.env.catalog.run(&run.execution_id).await?;
        let report = serde_json::from_value::<RunReport>(record.report?).ok()?;
        let withheld = report.finished
            && report.output.is_none()
            && record.inputs.to_string().contains(crate::redact::REDACTED);
        (!withheld).then_some((report, record.detail))
    }
}

impl Drop for SharedRun<'_> {
    fn drop(&mut self) {
        if !self.holds() {
            return;
        }
        self.env.leases_held(-1);
        // The wait is over: the next waiter need not wait for the lease to expire.
        let catalog = self.env.catalog.clone();
        let (lease, holder) = (self.lease.clone(), self.env.lease_holder().to_string());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = catalog.release_lease(&lease, &holder).await {
                    tracing::debug!(%error, %lease, "could not give a run's lease up");
                }
            });
        }
    }
}

impl RunCloud for SharedRun<'_> {
    fn check<'b>(
        &'b self,
        run: &'b RunRef,
    ) -> BoxFuture<'b, Result<RunReport, crate::cloud::ApiError>> {
        async move {
            // A follower reads the record first: a run the holder saw end needs no lease (and
            // no last check in the cloud once the holder has let the lease go).
            let recorded = if self.holds() {
                None
            } else {
                match self.recorded(run).await {
                    Some((report, _)) if report.finished => return Ok(report),
                    other => other,
                }
            };
            if !self.lead().await
                && let Some((report, _)) = recorded
            {
                return Ok(report);
            }
            let report = self.inner.check(run).await?;
            self.env.note_run_state(&report, self.secrets, None).await;
            Ok(report)
        }
        .boxed()
    }

    fn detail<'b>(
        &'b self,
        run: &'b RunRef,
        nth_check: u32,
    ) -> BoxFuture<'b, Option<(Option<String>, RunReport)>> {
        async move {
            if self.holds() {
                let (detail, fuller) = self.inner.detail(run, nth_check).await?;
                self.env
                    .note_run_state(&fuller, self.secrets, detail.as_deref())
                    .await;
                return Some((detail, fuller));
            }
            // A follower says the holder's newest detail, once.
            let (report, detail) = self.recorded(run).await?;
            let detail = detail?;
            let mut said = self.said.lock().ok()?;
            if said.as_deref() == Some(detail.as_str()) {
                return None;
            }
            *said = Some(detail.clone());
            Some((Some(detail), report))
        }
        .boxed()
    }

    fn stop<'b>(
        &'b self,
        run: &'b RunRef,
        current: &'b RunReport,
    ) -> BoxFuture<'b, Option<(RunReport, bool)>> {
        async move {
            let outcome = self.inner.stop(run, current).await;
            // What stopping it read is recorded as any check is, for the others.
            if let Some((report, _)) = &outcome {
                self.env.note_run_state(report, self.secrets, None).await;
            }
            outcome
        }
        .boxed()
    }

    fn live_url<'b>(&'b self, report: &'b RunReport) -> BoxFuture<'b, Option<String>> {
        if self.holds() {
            self.inner.live_url(report)
        } else {
            async { None }.boxed()
        }
    }

    fn pending_request<'b>(&'b self, report: &'b RunReport) -> BoxFuture<'b, Option<HumanRequest>> {
        if self.holds() {
            self.inner.pending_request(report)
        } else {
            async { None }.boxed()
        }
    }

    fn respond<'b>(
        &'b self,
        report: &'b RunReport,
        request_id: &'b str,
        response: Value,
    ) -> BoxFuture<'b, Result<(), crate::cloud::ApiError>> {
        self.inner.respond(report, request_id, response)
    }

    fn why_not_stopped(&self, current: &RunReport) -> Option<String> {
        self.inner.why_not_stopped(current)
    }
}
