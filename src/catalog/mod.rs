//! The catalog: every task the server learns about and every run it starts, behind
//! [`CatalogStore`], the few operations the server needs from wherever they are kept.
//!
//! Anchor's Task Builder has no endpoint to list tasks or read their parameters, so the
//! server must remember them itself; and a run reference must survive a crash or restart, and
//! be visible to the other server processes or instances sharing the store.
//!
//! - `model`: the values stored and answered, the error, and the merge rules every store
//!   applies.
//! - `place`: whether a catalog file can be where it is asked to be (the server and `doctor`
//!   say the same).
//! - `sqlite`: the store in an embedded SQLite file, shared by the processes of one machine
//!   (the default; [`Catalog`] names it).
//! - `postgres`: the store in a PostgreSQL database, shared by instances on any number of
//!   machines (`--catalog postgres://…`), which pushes other instances' changes as they happen.
//!
//! Secrets never reach a store: run inputs are stored redacted by the caller.

mod migrations;
mod model;
mod place;
mod postgres;
mod sqlite;

use crate::cloud::Provider;
use crate::runs::TaskKind;

pub use model::{
    CallTask, CallTaskState, CatalogError, CatalogTask, RunRecord, RunState, TaskChange,
    TaskSighting, TaskVersion, ToolNamer, VersionEvent, Whose,
};
pub use place::{ELSEWHERE, place_problem};
pub use postgres::{DatabaseHealth, PostgresCatalog, PostgresUrl, inspect_database};
pub use sqlite::{CatalogHealth, SqliteCatalog, WriteAccess, default_path, inspect};

/// The catalog the server opens: the SQLite store. (An alias, so callers that name
/// `Catalog` keep compiling while the server moves to holding a `dyn CatalogStore`.)
pub type Catalog = SqliteCatalog;

/// Where tasks and runs are kept: the operations the server uses, and nothing a particular
/// database needs. One store may be shared by several server processes or instances (SQLite
/// by processes on one machine; PostgreSQL by instances behind a load balancer), so every
/// answer reflects what any of them wrote.
///
/// Reads that return `Option` answer `None` both for "not there" and for a failed read (a
/// store logs the failure): callers then fall back to asking the cloud. Calls are async and
/// never block the runtime for long: a network store awaits its database; the embedded
/// SQLite store answers from a local file in well under a millisecond.
#[async_trait::async_trait]
pub trait CatalogStore: Send + Sync + std::fmt::Debug {
    /// A token that changes when another process or instance has written (this one's own
    /// writes need not change it: it announces them itself). Read on every tool list, so it
    /// must be cheap and must not wait on a database; a store that cannot tell returns a
    /// constant.
    fn data_version(&self) -> i64;

    /// Signalled soon (within a second) after another process or instance changed the tasks,
    /// for a store that can push changes (PostgreSQL's `LISTEN/NOTIFY`); `None` for one that
    /// cannot, whose [`CatalogStore::data_version`] is then polled every few seconds.
    fn changes(&self) -> Option<tokio::sync::watch::Receiver<i64>> {
        None
    }

    /// Where the store is, for messages and `doctor` (a file's path, or a database URL
    /// without its password).
    fn location(&self) -> String;

    /// Whether the store answers now (`/health` and the readiness answer): `Err` says why not.
    async fn ping(&self) -> Result<(), CatalogError>;

    /// Record what was learned about a task, by provider and task id, and say what changed.
    ///
    /// - A new task gets a tool name from `name_tool`, which is told which names are taken
    ///   (by any task the store has ever held, removed ones included). That name never
    ///   changes afterwards.
    /// - A known task is updated by [`CatalogTask::merged`]; `changed` says whether
    ///   [`CatalogTask::same_shape`] no longer holds, or the task had been marked missing
    ///   (it is back).
    /// - `last_seen` becomes now, except that a sighting changing nothing may leave the
    ///   stored task untouched (so listing the same tasks again writes nothing).
    async fn upsert_task(
        &self,
        sighting: TaskSighting,
        name_tool: &ToolNamer<'_>,
    ) -> Result<TaskChange, CatalogError>;

    /// A task by its id under any provider (tasks marked missing excluded).
    async fn task_by_id(&self, task_id: &str) -> Option<CatalogTask>;

    /// The most recently seen task with this name (and kind, when given); tasks marked
    /// missing excluded.
    async fn task_by_name(&self, name: &str, kind: Option<TaskKind>) -> Option<CatalogTask>;

    /// Every task not marked missing: most recently used first, then never-used ones most
    /// recently seen first, ties by tool name.
    async fn tasks(&self) -> Result<Vec<CatalogTask>, CatalogError>;

    /// Every former id of a task not marked missing: the cloud ids its earlier versions had
    /// (see [`CatalogStore::task_by_version`]), each with the task's id now. A task's current
    /// id is not among them.
    async fn former_ids(&self) -> Result<Vec<(String, String)>, CatalogError>;

    /// Note that a task was just run (sets `last_used` to now). A failure is logged, not
    /// returned: it only affects the order of tools.
    async fn mark_used(&self, provider: Provider, task_id: &str);

    /// After a complete listing of `provider`'s `kind` tasks: mark every one whose id is not
    /// in `present` as missing, and say how many were. Only call this with a listing that
    /// fully succeeded. A missing task keeps its tool name and comes back when seen again.
    async fn mark_missing(
        &self,
        provider: Provider,
        kind: TaskKind,
        present: &[String],
    ) -> Result<usize, CatalogError>;

    /// Record a run that was just started (before waiting on it), replacing any record of
    /// the same provider and run id.
    async fn record_run(&self, run: &RunRecord) -> Result<(), CatalogError>;

    /// Update a run's state after a status check: `summary`, `error`, `report` and `detail`
    /// replace the stored ones only when given; `updated_at` becomes now. A run never
    /// recorded is left alone.
    async fn update_run(
        &self,
        provider: Provider,
        run_id: &str,
        state: &RunState,
    ) -> Result<(), CatalogError>;

    /// A run by id, under any provider.
    async fn run(&self, run_id: &str) -> Option<RunRecord>;

    /// Add an entry to a task's version history; answers it with `created_at` set to now.
    async fn record_version(&self, version: TaskVersion) -> Result<TaskVersion, CatalogError>;

    /// The version history of the entry whose tool is `tool_name`, oldest first (the last
    /// entry says what is current).
    async fn versions(
        &self,
        provider: Provider,
        tool_name: &str,
    ) -> Result<Vec<TaskVersion>, CatalogError>;

    /// The entry one of whose versions (now or earlier) was the cloud task `task_id`: the task
    /// a regenerated entry was known as before (tasks marked missing excluded).
    async fn task_by_version(&self, task_id: &str) -> Option<CatalogTask>;

    /// Make the entry known as `from_id` the task `to_id` (a task regenerated under a new id, or
    /// an earlier one restored): it keeps its tool name, history and everything else, with
    /// `status` when given. Answers the moved task, or `None` when `from_id` is unknown. An
    /// entry already known as `to_id` (marked missing or not) is replaced.
    async fn move_task(
        &self,
        provider: Provider,
        from_id: &str,
        to_id: &str,
        status: Option<&str>,
    ) -> Result<Option<CatalogTask>, CatalogError>;

    /// Page `page` (from 1) of `limit` runs of a task, with `status` when given, of `whose`,
    /// newest `started_at` first (ties by run id), and how many such runs there are in all.
    async fn runs_of(
        &self,
        task_id: &str,
        status: Option<&str>,
        whose: Whose<'_>,
        page: u32,
        limit: u32,
    ) -> Result<(Vec<RunRecord>, u64), CatalogError>;

    /// Up to `limit` runs of any task (on `provider`, when given) of `whose` whose id starts
    /// with `id_prefix` (ignoring case), newest `started_at` first (ties by run id), and how
    /// many such runs there are in all (to complete an execution id).
    async fn runs_by_id_prefix(
        &self,
        id_prefix: &str,
        provider: Option<Provider>,
        whose: Whose<'_>,
        limit: u32,
    ) -> Result<(Vec<RunRecord>, u64), CatalogError>;

    /// Those of `run_ids` recorded for `owner` (under any provider), in no particular order:
    /// what a user may see of a listing the cloud answered.
    async fn owned_runs(
        &self,
        owner: &str,
        run_ids: &[String],
    ) -> Result<Vec<String>, CatalogError>;

    // ---- leases: cloud work done once per fleet -----------------------------------------------

    /// Take the lease `name` for `holder` for `ttl`, or renew it if `holder` has it already.
    /// `true`: `holder` has it until `ttl` from now (by the store's clock); `false`: another
    /// holder's lease has not expired. Used so that one process at a time lists a cloud
    /// (`list:<provider>`) or checks a run's status (`run:<provider>:<run id>`).
    async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: std::time::Duration,
    ) -> Result<bool, CatalogError>;

    /// Extend every lease `holder` has by `ttl` from now (a heartbeat: a holder that stops,
    /// even killed, loses its leases once they expire).
    async fn renew_leases(
        &self,
        holder: &str,
        ttl: std::time::Duration,
    ) -> Result<(), CatalogError>;

    /// Give the lease `name` up, if `holder` has it.
    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), CatalogError>;

    // ---- call tasks: tool calls answered as MCP tasks -----------------------------------------

    /// Keep a new call task (its id is new: a store may refuse a duplicate). Durable once this
    /// returns: any process sharing the store finds it.
    async fn create_call_task(&self, task: &CallTask) -> Result<(), CatalogError>;

    /// A call task by id (`Ok(None)`: there is none, or it was discarded).
    async fn call_task(&self, task_id: &str) -> Result<Option<CallTask>, CatalogError>;

    /// Replace a call task's state (`updated_at` becomes now), unless its stored status is
    /// already final: a task ends once. `true` when it was written.
    async fn update_call_task(
        &self,
        task_id: &str,
        state: &CallTaskState,
    ) -> Result<bool, CatalogError>;

    /// Note that the task's cancellation was asked for (its state is left to the process
    /// carrying it out).
    async fn cancel_call_task(&self, task_id: &str) -> Result<(), CatalogError>;

    /// Keep the client's `response` to the input request `key`, if the task's state has that
    /// request outstanding and it has no answer yet. `true` when it was kept.
    async fn answer_call_task(
        &self,
        task_id: &str,
        key: &str,
        response: &serde_json::Value,
    ) -> Result<bool, CatalogError>;

    /// Delete every call task whose `discard_at_ms` has passed (by the store's clock); how many.
    async fn discard_call_tasks(&self) -> Result<usize, CatalogError>;
}

#[cfg(test)]
pub(crate) mod tests;
