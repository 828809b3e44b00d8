//! The catalog in a PostgreSQL database (`--catalog postgres://…`): one catalog shared by
//! every server instance that names the same database, e.g. instances behind a load balancer.
//!
//! - A pool of connections (deadpool) serves the statements; a separate connection listens for
//!   other instances' changes (`listen`), which move [`CatalogStore::data_version`] and signal
//!   [`CatalogStore::changes`] as they happen.
//! - Schema migrations are versioned in the database itself (`migrations`) and applied under an
//!   advisory lock; a database written by a newer version is refused, never downgraded, and
//!   nothing is ever reset or dropped. The database must exist: the store creates its tables,
//!   not the database.
//! - Reads are retried a few times, with backoff, when the connection was lost (a restarted
//!   database, a dropped connection); writes never are: a commit whose answer was lost may
//!   have happened, and doing it again could record a version or a run twice.
//! - `address`: the URL, which is never shown with its password; `tasks`, `runs`, `versions`,
//!   `leases`, `call_tasks`: the statements of each part of [`CatalogStore`]; `overview`: the recent runs and
//!   a database's health, for the command line.
//!
//! Connections are plain TCP (`NoTls`) for now: run it on a private network or a local socket.
//! A TLS connector (rustls, as the server already uses for HTTPS; never OpenSSL) is to be added
//! before pointing it at a database across an untrusted network.
//!
//! Stamps (`last_seen`, `updated_at`, …) come from the database's clock, not the instance's, so
//! instances whose clocks differ still order tasks by the same time; they are RFC 3339 text in
//! UTC with milliseconds, as the SQLite store writes them.

use std::time::Duration;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use serde_json::Value;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::CatalogStore;
use super::model::{
    CallTask, CallTaskState, CatalogError, CatalogTask, RunRecord, RunState, TaskChange,
    TaskSighting, TaskVersion, ToolNamer, Whose,
};
use crate::cloud::Provider;
use crate::params::{Param, ParamsOrigin};
use crate::runs::TaskKind;

/// The columns a task is read from (named, not `*`: a statement prepared before a newer
/// instance added a column keeps working).
macro_rules! task_columns {
    () => {
        "provider, kind, task_id, name, description, version, status, inputs, outputs, \
         params_origin, output_schema, tool_name, last_seen, last_used, deleted"
    };
}

/// The columns a run is read from.
macro_rules! run_columns {
    () => {
        "provider, run_id, kind, task_id, task_name, version, inputs, started_at, status, \
         finished, summary, error, report, detail, updated_at, owner"
    };
}

/// Now, by the database's clock, as the text every stamp is stored as (the statement's start:
/// the same for every use in one statement).
macro_rules! now {
    () => {
        r#"to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#
    };
}

mod address;
mod call_tasks;
mod leases;
mod listen;
pub(crate) mod migrations;
mod overview;
mod runs;
mod tasks;
mod versions;

pub use address::PostgresUrl;
pub use overview::{DatabaseHealth, inspect_database};

/// Connections the pool keeps at most. Each statement holds one only while it runs (well
/// under a millisecond on a nearby database), so a few serve many concurrent tool calls.
const POOL_SIZE: usize = 8;

/// How long a statement waits for a free pooled connection before failing.
const POOL_WAIT: Duration = Duration::from_secs(10);

/// The waits before retrying a read whose connection was lost: a few, growing, in all about
/// two seconds (enough for a pooler or a failover to answer again).
const READ_RETRIES: [Duration; 3] = [
    Duration::from_millis(100),
    Duration::from_millis(400),
    Duration::from_millis(1500),
];

/// The catalog in one PostgreSQL database. Cheap to share behind an `Arc`; dropping it closes
/// its connections.
pub struct PostgresCatalog {
    location: String,
    pool: Pool,
    /// This store's random id, sent with its change notices so it can skip its own.
    instance: String,
    listener: listen::Listener,
}

impl std::fmt::Debug for PostgresCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresCatalog")
            .field("location", &self.location)
            .field("instance", &self.instance)
            .finish()
    }
}

impl PostgresCatalog {
    /// Connect to the catalog's database, bring its schema up to date and start listening for
    /// other instances' changes. Fails, naming the database (never the password), when it
    /// cannot be reached, its schema is newer than this build knows, or the user may not
    /// create the tables.
    pub async fn open(url: &PostgresUrl) -> Result<Self, CatalogError> {
        let location = url.shown().to_string();
        let config = url.config().map_err(|problem| bad_url(url, problem))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                // A connection the server closed is noticed without a round trip; one lost
                // without notice fails its statement, and reads retry on another.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .wait_timeout(Some(POOL_WAIT))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| CatalogError::Query(e.to_string().into()))?;
        let mut client = pool.get().await.map_err(|error| match error {
            deadpool_postgres::PoolError::Backend(error) => cannot_connect(url, &config, &error),
            other => CatalogError::Unavailable {
                location: location.clone(),
                problem: format!(
                    "cannot connect to PostgreSQL ({}): {other}",
                    address::target(&config)
                ),
                fix: CONNECT_FIX.into(),
            },
        })?;
        migrations::run(&mut client, &location).await?;
        drop(client);
        let instance = uuid::Uuid::new_v4().simple().to_string();
        let listener = listen::Listener::start(config.clone(), instance.clone())
            .await
            .map_err(|error| cannot_connect(url, &config, &error))?;
        tracing::debug!(%location, %instance, "opened the task catalog");
        Ok(Self {
            location,
            pool,
            instance,
            listener,
        })
    }

    /// Run a read statement, retrying (after [`READ_RETRIES`]) when the connection was lost:
    /// a read done twice changes nothing.
    async fn rows(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, CatalogError> {
        let mut retries = READ_RETRIES.iter();
        loop {
            let attempt = async {
                let client = self.pool.get().await.map_err(Failure::Pool)?;
                query(&client, sql, params).await.map_err(Failure::Query)
            };
            match attempt.await {
                Ok(rows) => return Ok(rows),
                Err(failure) => match retries.next() {
                    Some(wait) if failure.connection_lost() => {
                        tracing::debug!(
                            error = %failure,
                            retry_in_ms = wait.as_millis() as u64,
                            "task catalog read failed; retrying"
                        );
                        tokio::time::sleep(*wait).await;
                    }
                    _ => return Err(failure.into()),
                },
            }
        }
    }

    /// The rows of a read whose failure is only logged (the `Option` lookups).
    async fn rows_or_none(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Option<Vec<Row>> {
        match self.rows(sql, params).await {
            Ok(rows) => Some(rows),
            Err(error) => {
                tracing::warn!(%error, "catalog read failed");
                None
            }
        }
    }

    /// A connection for a write. Only getting it is retried (nothing has been sent yet); the
    /// write itself never is.
    async fn writer(&self) -> Result<deadpool_postgres::Client, CatalogError> {
        let mut retries = READ_RETRIES.iter();
        loop {
            match self.pool.get().await {
                Ok(client) => return Ok(client),
                Err(error) => {
                    let failure = Failure::Pool(error);
                    match retries.next() {
                        Some(wait) if failure.connection_lost() => {
                            tokio::time::sleep(*wait).await;
                        }
                        _ => return Err(failure.into()),
                    }
                }
            }
        }
    }

    /// Tell the other instances that tasks changed, when `tx` commits.
    async fn notify(&self, tx: &impl GenericClient) -> Result<(), tokio_postgres::Error> {
        execute(
            tx,
            "SELECT pg_notify($1, $2)",
            &[&listen::CHANNEL, &self.instance],
        )
        .await
        .map(drop)
    }
}

/// Run `sql` (prepared once per connection, then reused) and answer its rows.
async fn query(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.query(&statement, params).await
}

/// Run `sql` (prepared once per connection) and answer how many rows it changed.
async fn execute(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.execute(&statement, params).await
}

/// Why a statement failed: no connection could be had, or the statement failed.
#[derive(Debug)]
enum Failure {
    Pool(deadpool_postgres::PoolError),
    Query(tokio_postgres::Error),
}

impl Failure {
    /// Whether the connection was lost or could not be made (so trying again may work),
    /// rather than the statement being refused.
    fn connection_lost(&self) -> bool {
        match self {
            // Every pooled connection busy: waiting again would only make the caller wait longer.
            Failure::Pool(deadpool_postgres::PoolError::Timeout(
                deadpool_postgres::TimeoutType::Wait,
            )) => false,
            Failure::Pool(deadpool_postgres::PoolError::Timeout(_)) => true,
            Failure::Pool(deadpool_postgres::PoolError::Backend(error)) | Failure::Query(error) => {
                connection_lost(error)
            }
            Failure::Pool(_) => false,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Pool(deadpool_postgres::PoolError::Backend(error)) | Failure::Query(error) => {
                f.write_str(&describe(error))
            }
            Failure::Pool(other) => write!(f, "no database connection: {other}"),
        }
    }
}

impl From<Failure> for CatalogError {
    fn from(failure: Failure) -> Self {
        CatalogError::Query(failure.to_string().into())
    }
}

impl From<tokio_postgres::Error> for CatalogError {
    fn from(error: tokio_postgres::Error) -> Self {
        Failure::Query(error).into()
    }
}

/// Whether `error` says the connection is gone or could not be made: closed, an I/O error,
/// or the server ending the session (shut down, restarted, the backend terminated). A
/// connection attempt that timed out is not: it has waited long enough already.
fn connection_lost(error: &tokio_postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    match error.code() {
        Some(code) => {
            code.code().starts_with("08")
                || [
                    SqlState::ADMIN_SHUTDOWN,
                    SqlState::CRASH_SHUTDOWN,
                    SqlState::CANNOT_CONNECT_NOW,
                    SqlState::TOO_MANY_CONNECTIONS,
                ]
                .contains(code)
        }
        // An I/O error under it: the socket failed, or the connection could not be made.
        None => std::error::Error::source(error)
            .and_then(|source| source.downcast_ref::<std::io::Error>())
            .is_some_and(|io| io.kind() != std::io::ErrorKind::TimedOut),
    }
}

/// `error` in words, with what the server said about it (the driver's own message names only
/// its kind).
pub(crate) fn describe(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(&format!("; {detail}"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        return text;
    }
    match std::error::Error::source(error) {
        Some(source) => format!("{error}: {source}"),
        None => error.to_string(),
    }
}

/// The URL cannot be used as it is.
fn bad_url(url: &PostgresUrl, problem: String) -> CatalogError {
    CatalogError::Unavailable {
        location: url.shown().to_string(),
        problem: format!("the URL cannot be used: {problem}"),
        fix: "correct the URL given with --catalog / BROWSER_TASKS_CATALOG (form: \
              postgres://USER:PASSWORD@HOST:PORT/DATABASE)"
            .into(),
    }
}

/// No connection could be made to the database `config` (read from `url`) names.
fn cannot_connect(
    url: &PostgresUrl,
    config: &tokio_postgres::Config,
    error: &tokio_postgres::Error,
) -> CatalogError {
    CatalogError::Unavailable {
        location: url.shown().to_string(),
        problem: format!(
            "cannot connect to PostgreSQL ({}): {}",
            address::target(config),
            describe(error)
        ),
        fix: fix_for(error),
    }
}

const CONNECT_FIX: &str = "check the URL given with --catalog / BROWSER_TASKS_CATALOG (host, \
                           port, database, user), and that PostgreSQL is running and accepts \
                           connections there from this machine";

/// What to do about a failure to connect to or set up the catalog's database.
fn fix_for(error: &tokio_postgres::Error) -> String {
    let code = error.code();
    if code == Some(&SqlState::INVALID_PASSWORD)
        || code == Some(&SqlState::INVALID_AUTHORIZATION_SPECIFICATION)
    {
        "check the user and password in the URL given with --catalog / BROWSER_TASKS_CATALOG, \
         and that the server's pg_hba.conf lets that user in from this machine"
            .into()
    } else if code == Some(&SqlState::INVALID_CATALOG_NAME) {
        "create the database first (e.g. `createdb NAME`), or name an existing one in the URL: \
         the server creates its tables, never the database"
            .into()
    } else if code == Some(&SqlState::INSUFFICIENT_PRIVILEGE) {
        "let the URL's user create tables in the database (make it the database's owner, or \
         GRANT CREATE ON SCHEMA public TO it), or name another database"
            .into()
    } else if code == Some(&SqlState::DUPLICATE_TABLE) {
        "give the catalog a database of its own: this one has a table of the same name that \
         the server did not create, and it changes nothing it did not create"
            .into()
    } else if code.is_none() || connection_lost(error) {
        CONNECT_FIX.into()
    } else {
        "check that the URL given with --catalog / BROWSER_TASKS_CATALOG names the database \
         meant for the catalog, with a user that may create and write tables in it"
            .into()
    }
}

/// A value as JSON for a `json` column.
fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Array(Vec::new()))
}

/// A task and whether it is marked missing, from a row of [`task_columns!`].
fn read_task(row: &Row) -> Result<(CatalogTask, bool), tokio_postgres::Error> {
    let params = |column: &str| -> Result<Vec<Param>, tokio_postgres::Error> {
        let value: Value = row.try_get(column)?;
        Ok(serde_json::from_value(value).unwrap_or_default())
    };
    let task = CatalogTask {
        provider: Provider::from_id(row.try_get("provider")?),
        kind: TaskKind::from_id(row.try_get("kind")?),
        task_id: row.try_get("task_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        version: row.try_get("version")?,
        status: row.try_get("status")?,
        inputs: params("inputs")?,
        outputs: params("outputs")?,
        params_origin: ParamsOrigin::parse(row.try_get("params_origin")?),
        output_schema: row.try_get("output_schema")?,
        tool_name: row.try_get("tool_name")?,
        last_seen: row.try_get("last_seen")?,
        last_used: row.try_get("last_used")?,
    };
    Ok((task, row.try_get("deleted")?))
}

/// The tasks of rows of [`task_columns!`] that are not marked missing.
fn present_tasks(rows: &[Row]) -> Result<Vec<CatalogTask>, tokio_postgres::Error> {
    let mut tasks = Vec::with_capacity(rows.len());
    for row in rows {
        let (task, missing) = read_task(row)?;
        if !missing {
            tasks.push(task);
        }
    }
    Ok(tasks)
}

/// A run from a row of [`run_columns!`].
fn read_run(row: &Row) -> Result<RunRecord, tokio_postgres::Error> {
    Ok(RunRecord {
        provider: Provider::from_id(row.try_get("provider")?),
        run_id: row.try_get("run_id")?,
        kind: TaskKind::from_id(row.try_get("kind")?),
        task_id: row.try_get("task_id")?,
        task_name: row.try_get("task_name")?,
        version: row.try_get("version")?,
        inputs: row.try_get("inputs")?,
        started_at: row.try_get("started_at")?,
        status: row.try_get("status")?,
        finished: row.try_get("finished")?,
        summary: row.try_get("summary")?,
        error: row.try_get("error")?,
        report: row.try_get("report")?,
        detail: row.try_get("detail")?,
        updated_at: row.try_get("updated_at")?,
        owner: row.try_get("owner")?,
    })
}

#[async_trait::async_trait]
impl CatalogStore for PostgresCatalog {
    fn data_version(&self) -> i64 {
        self.listener.version()
    }

    fn changes(&self) -> Option<tokio::sync::watch::Receiver<i64>> {
        Some(self.listener.changes())
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    async fn ping(&self) -> Result<(), CatalogError> {
        self.rows("SELECT 1", &[]).await.map(drop)
    }

    async fn upsert_task(
        &self,
        sighting: TaskSighting,
        name_tool: &ToolNamer<'_>,
    ) -> Result<TaskChange, CatalogError> {
        tasks::upsert(self, sighting, name_tool).await
    }

    async fn task_by_id(&self, task_id: &str) -> Option<CatalogTask> {
        tasks::by_id(self, task_id).await
    }

    async fn task_by_name(&self, name: &str, kind: Option<TaskKind>) -> Option<CatalogTask> {
        tasks::by_name(self, name, kind).await
    }

    async fn tasks(&self) -> Result<Vec<CatalogTask>, CatalogError> {
        tasks::all(self).await
    }

    async fn former_ids(&self) -> Result<Vec<(String, String)>, CatalogError> {
        versions::former_ids(self).await
    }

    async fn mark_used(&self, provider: Provider, task_id: &str) {
        tasks::mark_used(self, provider, task_id).await;
    }

    async fn mark_missing(
        &self,
        provider: Provider,
        kind: TaskKind,
        present: &[String],
    ) -> Result<usize, CatalogError> {
        tasks::mark_missing(self, provider, kind, present).await
    }

    async fn record_run(&self, run: &RunRecord) -> Result<(), CatalogError> {
        runs::record(self, run).await
    }

    async fn update_run(
        &self,
        provider: Provider,
        run_id: &str,
        state: &RunState,
    ) -> Result<(), CatalogError> {
        runs::update(self, provider, run_id, state).await
    }

    async fn run(&self, run_id: &str) -> Option<RunRecord> {
        runs::by_id(self, run_id).await
    }

    async fn record_version(&self, version: TaskVersion) -> Result<TaskVersion, CatalogError> {
        versions::record(self, version).await
    }

    async fn versions(
        &self,
        provider: Provider,
        tool_name: &str,
    ) -> Result<Vec<TaskVersion>, CatalogError> {
        versions::history(self, provider, tool_name).await
    }

    async fn task_by_version(&self, task_id: &str) -> Option<CatalogTask> {
        versions::task_by_version(self, task_id).await
    }

    async fn move_task(
        &self,
        provider: Provider,
        from_id: &str,
        to_id: &str,
        status: Option<&str>,
    ) -> Result<Option<CatalogTask>, CatalogError> {
        tasks::move_task(self, provider, from_id, to_id, status).await
    }

    async fn runs_of(
        &self,
        task_id: &str,
        status: Option<&str>,
        whose: Whose<'_>,
        page: u32,
        limit: u32,
    ) -> Result<(Vec<RunRecord>, u64), CatalogError> {
        runs::of_task(self, task_id, status, whose, page, limit).await
    }

    async fn runs_by_id_prefix(
        &self,
        id_prefix: &str,
        provider: Option<Provider>,
        whose: Whose<'_>,
        limit: u32,
    ) -> Result<(Vec<RunRecord>, u64), CatalogError> {
        runs::by_id_prefix(self, id_prefix, provider, whose, limit).await
    }

    async fn owned_runs(
        &self,
        owner: &str,
        run_ids: &[String],
    ) -> Result<Vec<String>, CatalogError> {
        runs::owned(self, owner, run_ids).await
    }

    async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, CatalogError> {
        leases::claim(self, name, holder, ttl).await
    }

    async fn renew_leases(&self, holder: &str, ttl: Duration) -> Result<(), CatalogError> {
        leases::renew(self, holder, ttl).await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), CatalogError> {
        leases::release(self, name, holder).await
    }

    async fn create_call_task(&self, task: &CallTask) -> Result<(), CatalogError> {
        call_tasks::create(self, task).await
    }

    async fn call_task(&self, task_id: &str) -> Result<Option<CallTask>, CatalogError> {
        call_tasks::by_id(self, task_id).await
    }

    async fn update_call_task(
        &self,
        task_id: &str,
        state: &CallTaskState,
    ) -> Result<bool, CatalogError> {
        call_tasks::update(self, task_id, state).await
    }

    async fn cancel_call_task(&self, task_id: &str) -> Result<(), CatalogError> {
        call_tasks::cancel(self, task_id).await
    }

    async fn answer_call_task(
        &self,
        task_id: &str,
        key: &str,
        response: &Value,
    ) -> Result<bool, CatalogError> {
        call_tasks::answer(self, task_id, key, response).await
    }

    async fn discard_call_tasks(&self) -> Result<usize, CatalogError> {
        call_tasks::discard(self).await
    }
}
