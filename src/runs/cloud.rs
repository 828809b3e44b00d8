//! A cloud that runs tasks, as starting and waiting on a run needs it: each provider implements
//! [`RunCloud`] over its client (`providers::*::runs`), and says why a start failed.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use super::kind::RunRef;
use super::person::HumanRequest;
use super::report::RunReport;
use crate::cloud::ApiError;

/// A cloud that runs tasks, as waiting on a run needs it. Each provider implements it over
/// its client (`providers::*::runs`).
pub trait RunCloud: Send + Sync {
    /// The run's state now.
    fn check<'a>(&'a self, run: &'a RunRef) -> BoxFuture<'a, Result<RunReport, ApiError>>;

    /// While a run goes on, every few checks: detail for progress ("step 4: …") and a fuller
    /// report. Best effort; by default there is none.
    fn detail<'a>(
        &'a self,
        _run: &'a RunRef,
        _nth_check: u32,
    ) -> BoxFuture<'a, Option<(Option<String>, RunReport)>> {
        async { None }.boxed()
    }

    /// Stop a run whose wait was cancelled. `None`: this cloud cannot stop runs, or the stop
    /// failed (then the run goes on); `Some((report, true))`: stopped; `Some((report, false))`:
    /// it had ended on its own just before, and `report` is its real outcome.
    fn stop<'a>(
        &'a self,
        _run: &'a RunRef,
        _current: &'a RunReport,
    ) -> BoxFuture<'a, Option<(RunReport, bool)>> {
        async { None }.boxed()
    }

    /// Where a person can watch the run's browser live, once the cloud says (best effort;
    /// asked every few checks until known). By default there is none.
    fn live_url<'a>(&'a self, _report: &'a RunReport) -> BoxFuture<'a, Option<String>> {
        async { None }.boxed()
    }

    /// A pending request of the run for a person, if any (checked every other status check).
    fn pending_request<'a>(
        &'a self,
        _report: &'a RunReport,
    ) -> BoxFuture<'a, Option<HumanRequest>> {
        async { None }.boxed()
    }

    /// Answer a run's request for a person with `response` (sent once, as given).
    fn respond<'a>(
        &'a self,
        _report: &'a RunReport,
        _request_id: &'a str,
        _response: Value,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        async { Ok(()) }.boxed()
    }

    /// Why a run whose wait was cancelled could not be stopped, when the cloud knows why
    /// (said in the answer instead of pretending).
    fn why_not_stopped(&self, _current: &RunReport) -> Option<String> {
        None
    }
}

/// Why a run could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The API accepted the run but gave no id to follow it by.
    #[error("the run was started ({message}) but the API returned no execution id to follow it")]
    NoExecutionId { message: String },
    /// The start's answer was lost ([`ApiError::OutcomeUnknown`]) and the run could not be
    /// found in the cloud: it may have started all the same.
    #[error("{error}")]
    Unconfirmed {
        error: ApiError,
        /// What looking for it found, in a sentence ("No run of task … started since …").
        finding: String,
        /// The `list_executions` arguments that show whether it started (`None`: the cloud
        /// offers no way to list such runs).
        check: Option<Value>,
    },
    /// A step before the start failed, so the run was not started; `context` says which step
    /// and that nothing ran (e.g. opening the browser session it was to run in, whose answer
    /// was lost).
    #[error("{context}: {error}")]
    NotStarted { error: ApiError, context: String },
}
