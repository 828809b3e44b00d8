//! Looking for a run whose start's answer was lost: a start is never sent twice, so when its
//! answer does not arrive the run is looked for in the cloud instead.

use std::time::Duration;

use futures::future::BoxFuture;

use super::clock::parse_time;
use super::report::RunReport;
use crate::cloud::ApiError;

/// How far before the moment a start was sent a run found in the cloud may say it started
/// (the cloud's clock and ours differ a little).
pub const CLOCK_SLACK: Duration = Duration::from_secs(5);

/// How long to wait before looking a second time for a start whose answer was lost: the
/// cloud may record it a moment after the connection broke.
pub const SECOND_LOOK: Duration = Duration::from_secs(1);

/// Which run ids are already accounted for (runs this server, or one sharing its catalog,
/// recorded): a concurrent start of the same task is not taken for a lost one.
pub trait KnownRuns: Send + Sync {
    /// Whether the run `id` is accounted for.
    fn knows<'a>(&'a self, id: &'a str) -> BoxFuture<'a, bool>;
}

/// A plain test of an id (tests, and callers that know every run up front).
impl<F: Fn(&str) -> bool + Send + Sync> KnownRuns for F {
    fn knows<'a>(&'a self, id: &'a str) -> BoxFuture<'a, bool> {
        let known = self(id);
        Box::pin(async move { known })
    }
}

/// The items whose id `known` does not account for, in order.
pub async fn unaccounted<T>(
    known: &dyn KnownRuns,
    items: impl IntoIterator<Item = T>,
    id_of: impl Fn(&T) -> &str,
) -> Vec<T> {
    let mut left = Vec::new();
    for item in items {
        if !known.knows(id_of(&item)).await {
            left.push(item);
        }
    }
    left
}

/// What looking for a start whose answer was lost found.
#[derive(Debug)]
pub enum Sighting {
    /// Its run, beyond doubt (or the only one that can be it).
    One(Box<RunReport>),
    /// These runs started since, and any of them may be it (ids, newest first).
    Several(Vec<String>),
    /// Nothing that can be it.
    Nothing,
}

/// Look for a start whose answer was lost with `look`, and once more after [`SECOND_LOOK`]
/// unless the first look found it.
pub async fn look_twice<F, Fut>(mut look: F) -> Result<Sighting, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Sighting, ApiError>>,
{
    if let found @ Sighting::One(_) = look().await? {
        return Ok(found);
    }
    tokio::time::sleep(SECOND_LOOK).await;
    look().await
}

/// Whether a run the cloud says started at `started` may be a start sent at `sent`.
pub fn started_since(started: Option<&str>, sent: chrono::DateTime<chrono::Utc>) -> bool {
    let earliest = sent - chrono::Duration::from_std(CLOCK_SLACK).unwrap_or_default();
    started
        .and_then(parse_time)
        .is_some_and(|at| at >= earliest)
}

/// What a search that did not settle it says: the runs that may be it, or that none is
/// listed (`what`: "run of task 5d9c…", "agent task with this tag").
pub fn unsettled(sighting: Result<Sighting, ApiError>, what: &str, since: &str) -> String {
    match sighting {
        Ok(Sighting::One(_)) | Ok(Sighting::Nothing) => {
            format!("No {what} started since {since} is listed.")
        }
        Ok(Sighting::Several(ids)) => format!(
            "{} runs started since {since} could be it ({}); which one is unknown.",
            ids.len(),
            ids.join(", ")
        ),
        Err(error) => format!("Looking for it failed: {error}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsettled_search_says_what_it_saw() {
        let several = unsettled(
            Ok(Sighting::Several(vec!["a".into(), "b".into()])),
            "run of task t",
            "12:00:10 UTC",
        );
        assert_eq!(
            several,
            "2 runs started since 12:00:10 UTC could be it (a, b); which one is unknown."
        );
        let none = unsettled(Ok(Sighting::Nothing), "run of task t", "12:00:10 UTC");
        assert_eq!(
            none,
            "No run of task t started since 12:00:10 UTC is listed."
        );
    }
}
