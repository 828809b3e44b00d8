//! The catalog in an embedded SQLite database: one file per user by default, shared by every
//! server process on the machine (say, a desktop client's stdio server and an IDE's).
//!
//! - WAL journal and a busy timeout so several processes share the file; `PRAGMA
//!   data_version` is the [`CatalogStore::data_version`] token.
//! - Schema migrations are versioned with `PRAGMA user_version` from the first release; a file
//!   written by a newer version is refused, never downgraded.
//! - A file that cannot be opened or read is a startup error naming its path. It is never
//!   reset silently.
//! - `overview`: the recent runs of any task, and a file's health as seen from outside the
//!   server.
//!
//! - `leases`: who lists a cloud or checks a run, by the machine's clock.
//!
//! Calls are synchronous and short (one indexed statement each, prepared once and cached);
//! they run on the caller's thread, also behind the async [`CatalogStore`] (a local file
//! answers in well under a millisecond: handing each call to a blocking thread would cost
//! more than it saves).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::CatalogStore;
use super::migrations;
use super::model::{
    CallTask, CallTaskState, CatalogError, CatalogTask, RunRecord, RunState, TaskChange,
    TaskSighting, TaskVersion, ToolNamer, Whose,
};
use crate::cloud::Provider;
use crate::params::{Param, ParamsOrigin};
use crate::runs::TaskKind;

mod call_tasks;
mod leases;
mod overview;
mod versions;
pub use overview::{CatalogHealth, WriteAccess, inspect};

impl From<rusqlite::Error> for CatalogError {
    fn from(error: rusqlite::Error) -> Self {
        CatalogError::Query(Box::new(error))
    }
}

/// The catalog file used when none is configured: in the user's data directory
/// (`~/.local/share/browser-tasks-mcp/catalog.sqlite3` on Linux).
pub fn default_path() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("browser-tasks-mcp").join("catalog.sqlite3"))
}

/// The catalog in one SQLite file (or in memory). Cheap to share behind an `Arc`.
pub struct SqliteCatalog {
    path: String,
    connection: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteCatalog")
            .field("path", &self.path)
            .finish()
    }
}

pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl SqliteCatalog {
    /// Open (creating it and its directory if needed) the catalog at `path`.
    pub fn open(path: &Path) -> Result<Self, CatalogError> {
        let shown = path.display().to_string();
        let fail = |reason: String| CatalogError::Open {
            path: shown.clone(),
            reason,
        };
        // A place the file cannot be (a file where a folder should be, a folder this user
        // cannot write) is said as such, with its fix: there is no file to "fix or move".
        if let Some(place) = super::place_problem(path) {
            return Err(CatalogError::Place {
                problem: place.problem,
                fix: place.fix,
            });
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
        }
        let connection = Connection::open(path).map_err(|e| fail(e.to_string()))?;
        Self::prepare(connection, shown)
    }

    /// A private catalog in memory (for tests and `--catalog :memory:`).
    pub fn in_memory() -> Result<Self, CatalogError> {
        let connection = Connection::open_in_memory()?;
        Self::prepare(connection, ":memory:".into())
    }

    fn prepare(connection: Connection, path: String) -> Result<Self, CatalogError> {
        let fail = |e: rusqlite::Error| CatalogError::Open {
            path: path.clone(),
            reason: e.to_string(),
        };
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(fail)?;
        // The first real read: a file that is not a database fails here.
        let check: String = connection
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(fail)?;
        if check != "ok" {
            return Err(CatalogError::Open {
                path,
                reason: format!("the database is damaged ({check})"),
            });
        }
        let _: String = connection
            .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
            .map_err(fail)?;
        // With WAL, NORMAL keeps the file consistent on any crash and skips an fsync per
        // commit (a power cut may lose the last moments' writes, not corrupt the file).
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        migrations::run(&connection, &path)?;
        Ok(Self {
            path,
            connection: Mutex::new(connection),
        })
    }

    /// Where the catalog lives.
    #[cfg(test)]
    pub fn path(&self) -> &str {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run one statement. Statements are prepared once per connection and kept (parsing SQL
    /// costs more than running these one-row statements).
    fn execute(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.lock().prepare_cached(sql)?.execute(params)
    }

    /// A number that changes whenever another connection (another process) commits a change.
    pub fn data_version(&self) -> i64 {
        self.lock()
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
            .unwrap_or(0)
    }

    // ---- tasks -------------------------------------------------------------------------------

    /// Record what was learned about a task. A new task gets a tool name from `name_tool`,
    /// which is told which names are already taken.
    pub fn upsert_task(
        &self,
        sighting: TaskSighting,
        name_tool: &ToolNamer<'_>,
    ) -> Result<TaskChange, CatalogError> {
        let mut connection = self.lock();
        // Most sightings change nothing (a task listed again): answer those from a read,
        // without taking the write lock other processes would wait on.
        if let Some((known, false)) =
            select_task(&connection, sighting.provider, &sighting.task_id)?
            && known.same_shape(&known.merged(&sighting))
        {
            return Ok(TaskChange {
                created: false,
                changed: false,
                task: known,
            });
        }
        let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let before = select_task(&tx, sighting.provider, &sighting.task_id)?;
        let stamp = now();
        let change = match before {
            None => {
                let taken = |candidate: &str| {
                    tx.query_row(
                        "SELECT 1 FROM tasks WHERE tool_name = ?1",
                        [candidate],
                        |_| Ok(()),
                    )
                    .optional()
                    .map(|found| found.is_some())
                    .unwrap_or(true)
                };
                let tool_name = name_tool(&sighting, &taken);
                let task = CatalogTask::from_sighting(&sighting, tool_name, stamp.clone());
                tx.execute(
                    "INSERT INTO tasks (provider, kind, task_id, name, description, version, \
                     status, inputs, outputs, params_origin, tool_name, first_seen, last_seen, \
                     deleted, output_schema) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, 0, ?13)",
                    params![
                        task.provider.id(),
                        task.kind.as_str(),
                        task.task_id,
                        task.name,
                        task.description,
                        task.version,
                        task.status,
                        to_json(&task.inputs),
                        to_json(&task.outputs),
                        task.params_origin.as_str(),
                        task.tool_name,
                        stamp,
                        task.output_schema.as_ref().map(Value::to_string),
                    ],
                )?;
                TaskChange {
                    created: true,
                    changed: true,
                    task,
                }
            }
            Some((old, was_deleted)) => {
                let mut task = old.merged(&sighting);
                task.last_seen = stamp.clone();
                let changed = was_deleted || !old.same_shape(&task);
                tx.execute(
                    "UPDATE tasks SET name = ?3, description = ?4, version = ?5, status = ?6, \
                     inputs = ?7, outputs = ?8, params_origin = ?9, last_seen = ?10, deleted = 0, \
                     output_schema = ?11 WHERE provider = ?1 AND task_id = ?2",
                    params![
                        task.provider.id(),
                        task.task_id,
                        task.name,
                        task.description,
                        task.version,
                        task.status,
                        to_json(&task.inputs),
                        to_json(&task.outputs),
                        task.params_origin.as_str(),
                        stamp,
                        task.output_schema.as_ref().map(Value::to_string),
                    ],
                )?;
                TaskChange {
                    created: false,
                    changed,
                    task,
                }
            }
        };
        tx.commit()?;
        Ok(change)
    }

    /// A task by provider and id (deleted ones excluded).
    #[cfg(test)]
    pub fn task(&self, provider: Provider, task_id: &str) -> Option<CatalogTask> {
        let connection = self.lock();
        match select_task(&connection, provider, task_id) {
            Ok(Some((task, false))) => Some(task),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, "catalog read failed");
                None
            }
        }
    }

    /// A task by its id under any provider.
    pub fn task_by_id(&self, task_id: &str) -> Option<CatalogTask> {
        self.query_tasks(
            "SELECT * FROM tasks WHERE task_id = ?1 AND deleted = 0 LIMIT 1",
            &[&task_id],
        )
        .into_iter()
        .next()
    }

    /// The most recently seen task with this name (and kind, when given).
    pub fn task_by_name(&self, name: &str, kind: Option<TaskKind>) -> Option<CatalogTask> {
        self.query_tasks(
            "SELECT * FROM tasks WHERE name = ?1 AND (?2 IS NULL OR kind = ?2) AND deleted = 0 \
             ORDER BY last_seen DESC LIMIT 1",
            &[&name, &kind.map(TaskKind::as_str)],
        )
        .into_iter()
        .next()
    }

    /// The task whose tool is called `tool_name`.
    pub fn task_by_tool(&self, tool_name: &str) -> Option<CatalogTask> {
        self.query_tasks(
            "SELECT * FROM tasks WHERE tool_name = ?1 AND deleted = 0",
            &[&tool_name],
        )
        .into_iter()
        .next()
    }

    /// Every known task, most recently used first, then most recently seen.
    pub fn tasks(&self) -> Result<Vec<CatalogTask>, CatalogError> {
        let connection = self.lock();
        let mut statement = connection.prepare_cached(
            "SELECT * FROM tasks WHERE deleted = 0 \
             ORDER BY last_used IS NULL, last_used DESC, last_seen DESC, tool_name",
        )?;
        let rows = statement.query_map([], read_task)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn query_tasks(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Vec<CatalogTask> {
        let connection = self.lock();
        let result = connection.prepare_cached(sql).and_then(|mut statement| {
            statement
                .query_map(args, read_task)?
                .collect::<Result<Vec<_>, _>>()
        });
        result.unwrap_or_else(|error| {
            tracing::warn!(%error, "catalog read failed");
            Vec::new()
        })
    }

    /// Note that a task was just run (tools are ordered most recently used first).
    pub fn mark_used(&self, provider: Provider, task_id: &str) {
        let result = self.execute(
            "UPDATE tasks SET last_used = ?3 WHERE provider = ?1 AND task_id = ?2",
            params![provider.id(), task_id, now()],
        );
        if let Err(error) = result {
            tracing::warn!(%error, "could not record a task's use in the catalog");
        }
    }

    /// After a complete listing of `kind` tasks: mark every one not in `present` as deleted.
    /// Returns how many were. Only call this with a listing that fully succeeded.
    pub fn mark_missing(
        &self,
        provider: Provider,
        kind: TaskKind,
        present: &[String],
    ) -> Result<usize, CatalogError> {
        let mut connection = self.lock();
        let tx = connection.transaction()?;
        let ids: Vec<String> = {
            let mut statement = tx.prepare(
                "SELECT task_id FROM tasks WHERE provider = ?1 AND kind = ?2 AND deleted = 0",
            )?;
            let rows = statement.query_map(params![provider.id(), kind.as_str()], |row| {
                row.get::<_, String>(0)
            })?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        let mut gone = 0;
        for id in ids.iter().filter(|id| !present.contains(id)) {
            gone += tx.execute(
                "UPDATE tasks SET deleted = 1 WHERE provider = ?1 AND task_id = ?2",
                params![provider.id(), id],
            )?;
        }
        tx.commit()?;
        Ok(gone)
    }

    // ---- runs --------------------------------------------------------------------------------

    /// Record a run that was just started (before waiting on it).
    pub fn record_run(&self, run: &RunRecord) -> Result<(), CatalogError> {
        self.execute(
            "INSERT OR REPLACE INTO runs (provider, run_id, kind, task_id, task_name, version, \
             inputs, started_at, status, finished, summary, error, updated_at, report, detail, \
             owner) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                run.provider.id(),
                run.run_id,
                run.kind.as_str(),
                run.task_id,
                run.task_name,
                run.version,
                run.inputs.to_string(),
                run.started_at,
                run.status,
                run.finished,
                run.summary,
                run.error,
                run.updated_at,
                run.report.as_ref().map(Value::to_string),
                run.detail,
                run.owner,
            ],
        )?;
        Ok(())
    }

    /// Update a run's state after a status check.
    pub fn update_run(
        &self,
        provider: Provider,
        run_id: &str,
        state: &RunState,
    ) -> Result<(), CatalogError> {
        self.execute(
            "UPDATE runs SET status = ?3, finished = ?4, summary = COALESCE(?5, summary), \
             error = COALESCE(?6, error), report = COALESCE(?7, report), \
             detail = COALESCE(?8, detail), updated_at = ?9 \
             WHERE provider = ?1 AND run_id = ?2",
            params![
                provider.id(),
                run_id,
                state.status,
                state.finished,
                state.summary,
                state.error,
                state.report.as_ref().map(Value::to_string),
                state.detail,
                now()
            ],
        )?;
        Ok(())
    }

    /// A run by id.
    pub fn run(&self, run_id: &str) -> Option<RunRecord> {
        let connection = self.lock();
        connection
            .prepare_cached("SELECT * FROM runs WHERE run_id = ?1 LIMIT 1")
            .and_then(|mut statement| statement.query_row([run_id], read_run).optional())
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "catalog read failed");
                None
            })
    }

    /// One page of a task's runs, newest first, with the total count.
    pub fn runs_of(
        &self,
        task_id: &str,
        status: Option<&str>,
        whose: Whose<'_>,
        page: u32,
        limit: u32,
    ) -> Result<(Vec<RunRecord>, u64), CatalogError> {
        const MATCHES: &str = "task_id = ?1 AND (?2 IS NULL OR status = ?2) \
                               AND (?3 IS NULL OR owner = ?3)";
        let owner = owner_of(whose);
        let connection = self.lock();
        let total: i64 = connection.query_row(
            &format!("SELECT COUNT(*) FROM runs WHERE {MATCHES}"),
            params![task_id, status, owner],
            |row| row.get(0),
        )?;
        let mut statement = connection.prepare(&format!(
            "SELECT * FROM runs WHERE {MATCHES} ORDER BY started_at DESC, run_id LIMIT ?4 OFFSET ?5"
        ))?;
        let offset = i64::from(page.saturating_sub(1)) * i64::from(limit);
        let rows = statement.query_map(params![task_id, status, owner, limit, offset], read_run)?;
        let total = u64::try_from(total).unwrap_or_default();
        Ok((rows.collect::<Result<Vec<_>, _>>()?, total))
    }

    /// The newest runs whose id starts with a prefix (any case), with their count.
    pub fn runs_by_id_prefix(
        &self,
        id_prefix: &str,
        provider: Option<Provider>,
        whose: Whose<'_>,
        limit: u32,
    ) -> Result<(Vec<RunRecord>, u64), CatalogError> {
        // A comparison of the id's head rather than LIKE: ids may hold `_` or `%`.
        const MATCHES: &str = "lower(substr(run_id, 1, length(?1))) = lower(?1) \
                               AND (?2 IS NULL OR provider = ?2) AND (?3 IS NULL OR owner = ?3)";
        let provider = provider.map(Provider::id);
        let owner = owner_of(whose);
        let connection = self.lock();
        let total: i64 = connection.query_row(
            &format!("SELECT COUNT(*) FROM runs WHERE {MATCHES}"),
            params![id_prefix, provider, owner],
            |row| row.get(0),
        )?;
        let mut statement = connection.prepare(&format!(
            "SELECT * FROM runs WHERE {MATCHES} ORDER BY started_at DESC, run_id LIMIT ?4"
        ))?;
        let rows = statement.query_map(params![id_prefix, provider, owner, limit], read_run)?;
        let total = u64::try_from(total).unwrap_or_default();
        Ok((rows.collect::<Result<Vec<_>, _>>()?, total))
    }

    /// Those of `run_ids` recorded for `owner`.
    pub fn owned_runs(&self, owner: &str, run_ids: &[String]) -> Result<Vec<String>, CatalogError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare_cached("SELECT 1 FROM runs WHERE run_id = ?1 AND owner = ?2 LIMIT 1")?;
        let mut owned = Vec::new();
        for id in run_ids {
            if statement.exists(params![id, owner])? {
                owned.push(id.clone());
            }
        }
        Ok(owned)
    }
}

/// The owner a listing of `whose` is limited to (`None`: anyone's).
fn owner_of(whose: Whose<'_>) -> Option<&str> {
    match whose {
        Whose::Anyone => None,
        Whose::Owner(owner) => Some(owner),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

fn select_task(
    connection: &Connection,
    provider: Provider,
    task_id: &str,
) -> Result<Option<(CatalogTask, bool)>, CatalogError> {
    Ok(connection
        .prepare_cached("SELECT * FROM tasks WHERE provider = ?1 AND task_id = ?2")?
        .query_row(params![provider.id(), task_id], |row| {
            Ok((read_task(row)?, row.get::<_, bool>("deleted")?))
        })
        .optional()?)
}

fn read_task(row: &Row<'_>) -> rusqlite::Result<CatalogTask> {
    let params = |column: &str| -> rusqlite::Result<Vec<Param>> {
        let text: String = row.get(column)?;
        Ok(serde_json::from_str(&text).unwrap_or_default())
    };
    Ok(CatalogTask {
        provider: Provider::from_id(&row.get::<_, String>("provider")?),
        kind: TaskKind::from_id(&row.get::<_, String>("kind")?),
        task_id: row.get("task_id")?,
        name: row.get("name")?,
        description: row.get("description")?,
        version: row.get("version")?,
        status: row.get("status")?,
        inputs: params("inputs")?,
        outputs: params("outputs")?,
        params_origin: ParamsOrigin::parse(&row.get::<_, String>("params_origin")?),
        output_schema: row
            .get::<_, Option<String>>("output_schema")?
            .and_then(|text| serde_json::from_str(&text).ok()),
        tool_name: row.get("tool_name")?,
        last_seen: row.get("last_seen")?,
        last_used: row.get("last_used")?,
    })
}

fn read_run(row: &Row<'_>) -> rusqlite::Result<RunRecord> {
    let inputs: String = row.get("inputs")?;
    Ok(RunRecord {
        provider: Provider::from_id(&row.get::<_, String>("provider")?),
        run_id: row.get("run_id")?,
        kind: TaskKind::from_id(&row.get::<_, String>("kind")?),
        task_id: row.get("task_id")?,
        task_name: row.get("task_name")?,
        version: row.get("version")?,
        inputs: serde_json::from_str(&inputs).unwrap_or(Value::Null),
        started_at: row.get("started_at")?,
        status: row.get("status")?,
        finished: row.get("finished")?,
        summary: row.get("summary")?,
        error: row.get("error")?,
        report: row
            .get::<_, Option<String>>("report")?
            .and_then(|text| serde_json::from_str(&text).ok()),
        detail: row.get("detail")?,
        updated_at: row.get("updated_at")?,
        owner: row.get("owner")?,
    })
}

// The inherent methods above stay callable without the trait in scope (the command line
// holds a `SqliteCatalog`); the trait only forwards to them.
#[async_trait::async_trait]
impl CatalogStore for SqliteCatalog {
    fn data_version(&self) -> i64 {
        SqliteCatalog::data_version(self)
    }

    fn location(&self) -> String {
        self.path.clone()
    }

    async fn ping(&self) -> Result<(), CatalogError> {
        let _: i64 = self
            .lock()
            .prepare_cached("SELECT 1")?
            .query_row([], |row| row.get(0))?;
        Ok(())
    }

    async fn upsert_task(
        &self,
        sighting: TaskSighting,
        name_tool: &ToolNamer<'_>,
    ) -> Result<TaskChange, CatalogError> {
        SqliteCatalog::upsert_task(self, sighting, name_tool)
    }

    async fn task_by_id(&self, task_id: &str) -> Option<CatalogTask> {
        SqliteCatalog::task_by_id(self, task_id)
    }

    async fn task_by_name(&self, name: &str, kind: Option<TaskKind>) -> Option<CatalogTask> {
        SqliteCatalog::task_by_name(self, name, kind)
    }

    async fn tasks(&self) -> Result<Vec<CatalogTask>, CatalogError> {
        SqliteCatalog::tasks(self)
    }

    async fn former_ids(&self) -> Result<Vec<(String, String)>, CatalogError> {
        SqliteCatalog::former_ids(self)
    }

    async fn mark_used(&self, provider: Provider, task_id: &str) {
        SqliteCatalog::mark_used(self, provider, task_id);
    }

    async fn mark_missing(
        &self,
        provider: Provider,
        kind: TaskKind,
        present: &[String],
    ) -> Result<usize, CatalogError> {
        SqliteCatalog::mark_missing(self, provider, kind, present)
    }

    async fn record_run(&self, run: &RunRecord) -> Result<(), CatalogError> {
        SqliteCatalog::record_run(self, run)
    }

    async fn update_run(
        &self,
        provider: Provider,
        run_id: &str,
        state: &RunState,
    ) -> Result<(), CatalogError> {
        SqliteCatalog::update_run(self, provider, run_id, state)
    }

    async fn run(&self, run_id: &str) -> Option<RunRecord> {
        SqliteCatalog::run(self, run_id)
    }

    async fn runs_of(
        &self,
        task_id: &str,
        status: Option<&str>,
        whose: Whose<'_>,
        page: u32,
        limit: u32,
    ) -> Result<(Vec<RunRecord>, u64), CatalogError> {
        SqliteCatalog::runs_of(self, task_id, status, whose, page, limit)
    }

    async fn record_version(&self, version: TaskVersion) -> Result<TaskVersion, CatalogError> {
        SqliteCatalog::record_version(self, version)
    }

    async fn versions(
        &self,
        provider: Provider,
        tool_name: &str,
    ) -> Result<Vec<TaskVersion>, CatalogError> {
        SqliteCatalog::versions(self, provider, tool_name)
    }

    async fn task_by_version(&self, task_id: &str) -> Option<CatalogTask> {
        SqliteCatalog::task_by_version(self, task_id)
    }

    async fn move_task(
        &self,
        provider: Provider,
        from_id: &str,
        to_id: &str,
        status: Option<&str>,
    ) -> Result<Option<CatalogTask>, CatalogError> {
        SqliteCatalog::move_task(self, provider, from_id, to_id, status)
    }

    async fn runs_by_id_prefix(
        &self,
        id_prefix: &str,
        provider: Option<Provider>,
        whose: Whose<'_>,
        limit: u32,
    ) -> Result<(Vec<RunRecord>, u64), CatalogError> {
        SqliteCatalog::runs_by_id_prefix(self, id_prefix, provider, whose, limit)
    }

    async fn owned_runs(
        &self,
        owner: &str,
        run_ids: &[String],
    ) -> Result<Vec<String>, CatalogError> {
        SqliteCatalog::owned_runs(self, owner, run_ids)
    }

    async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, CatalogError> {
        SqliteCatalog::claim_lease(self, name, holder, ttl)
    }

    async fn renew_leases(&self, holder: &str, ttl: Duration) -> Result<(), CatalogError> {
        SqliteCatalog::renew_leases(self, holder, ttl)
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), CatalogError> {
        SqliteCatalog::release_lease(self, name, holder)
    }

    async fn create_call_task(&self, task: &CallTask) -> Result<(), CatalogError> {
        SqliteCatalog::create_call_task(self, task)
    }

    async fn call_task(&self, task_id: &str) -> Result<Option<CallTask>, CatalogError> {
        SqliteCatalog::call_task(self, task_id)
    }

    async fn update_call_task(
        &self,
        task_id: &str,
        state: &CallTaskState,
    ) -> Result<bool, CatalogError> {
        SqliteCatalog::update_call_task(self, task_id, state)
    }

    async fn cancel_call_task(&self, task_id: &str) -> Result<(), CatalogError> {
        SqliteCatalog::cancel_call_task(self, task_id)
    }

    async fn answer_call_task(
        &self,
        task_id: &str,
        key: &str,
        response: &Value,
    ) -> Result<bool, CatalogError> {
        SqliteCatalog::answer_call_task(self, task_id, key, response)
    }

    async fn discard_call_tasks(&self) -> Result<usize, CatalogError> {
        SqliteCatalog::discard_call_tasks(self)
    }
}
