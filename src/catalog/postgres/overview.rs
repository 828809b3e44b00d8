//! The PostgreSQL catalog seen from outside the server: the recent runs of any task (what
//! `runs` on the command line lists), and a database's health (what `doctor` reports: the
//! server's version, the schema version, counts, whether this user may write or create the
//! tables, how many connections of this server there are), read over one connection without
//! creating, migrating or changing anything.

use tokio_postgres::NoTls;

use super::{PostgresCatalog, PostgresUrl, migrations, read_run};
use crate::catalog::model::{CatalogError, RunRecord};

/// What [`inspect_database`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseHealth {
    /// The PostgreSQL server's version, e.g. "15.18 (Debian 15.18-0+deb12u1)".
    pub server_version: String,
    /// The database's schema version (0: no catalog tables yet).
    pub schema_version: i64,
    /// The newest schema version this build knows.
    pub latest: i64,
    /// Tasks listed (not marked missing); `None` when there are no tables to count.
    pub tasks: Option<u64>,
    /// Tasks marked missing from the cloud.
    pub missing_tasks: Option<u64>,
    pub runs: Option<u64>,
    /// Runs last seen still going.
    pub unfinished_runs: Option<u64>,
    /// Whether the URL's user may do what the server will: write the tables, or create them
    /// when the schema is not current.
    pub writable: bool,
    /// Other connections of this server to the database now (each instance holds a few).
    pub connections: Option<u64>,
}

/// Look at the catalog database `url` names without changing it.
pub async fn inspect_database(url: &PostgresUrl) -> Result<DatabaseHealth, CatalogError> {
    let config = url
        .config()
        .map_err(|problem| super::bad_url(url, problem))?;
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|error| super::cannot_connect(url, &config, &error))?;
    let driver = tokio::spawn(connection);
    let health = read_health(&client)
        .await
        .map_err(|error| CatalogError::Unavailable {
            location: url.shown().to_string(),
            problem: format!("it could not be read: {}", super::describe(&error)),
            fix: super::fix_for(&error),
        });
    drop(client);
    driver.abort();
    health
}

async fn read_health(
    client: &tokio_postgres::Client,
) -> Result<DatabaseHealth, tokio_postgres::Error> {
    let server_version: String = client
        .query_one("SELECT current_setting('server_version')", &[])
        .await?
        .try_get(0)?;
    let schema_version = migrations::version(client).await?;
    let count = |n: i64| u64::try_from(n).ok();
    let (mut tasks, mut missing_tasks, mut runs, mut unfinished_runs) = (None, None, None, None);
    let mut writable = true;
    if schema_version >= 1 {
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM tasks WHERE NOT deleted), \
                 (SELECT count(*) FROM tasks WHERE deleted), (SELECT count(*) FROM runs), \
                 (SELECT count(*) FROM runs WHERE NOT finished), \
                 has_table_privilege('tasks', 'INSERT, UPDATE, DELETE') \
                 AND has_table_privilege('runs', 'INSERT, UPDATE') \
                 AND has_table_privilege('task_versions', 'INSERT') \
                 AND has_table_privilege('leases', 'INSERT, UPDATE, DELETE')",
                &[],
            )
            .await?;
        tasks = count(row.try_get(0)?);
        missing_tasks = count(row.try_get(1)?);
        runs = count(row.try_get(2)?);
        unfinished_runs = count(row.try_get(3)?);
        writable = row.try_get(4)?;
    }
    if schema_version < migrations::LATEST {
        // The server will create or alter tables when it starts.
        writable &= client
            .query_one(
                "SELECT COALESCE(has_schema_privilege(current_schema(), 'CREATE'), false)",
                &[],
            )
            .await?
            .try_get::<_, bool>(0)?;
    }
    let connections = client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = $1 AND pid <> pg_backend_pid()",
            &[&env!("CARGO_PKG_NAME")],
        )
        .await
        .ok()
        .and_then(|row| row.try_get::<_, i64>(0).ok())
        .and_then(count);
    Ok(DatabaseHealth {
        server_version,
        schema_version,
        latest: migrations::LATEST,
        tasks,
        missing_tasks,
        runs,
        unfinished_runs,
        writable,
        connections,
    })
}

impl PostgresCatalog {
    /// The `limit` most recently started runs, newest first (ties by run id); with `task`,
    /// only the runs of the task of that name, id or tool name.
    pub async fn recent_runs(
        &self,
        task: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RunRecord>, CatalogError> {
        let rows = self
            .rows(
                concat!(
                    "SELECT ",
                    run_columns!(),
                    " FROM runs WHERE $1::text IS NULL OR task_name = $1 OR task_id = $1 \
                     OR task_id IN (SELECT task_id FROM tasks WHERE name = $1 OR tool_name = $1) \
                     ORDER BY started_at DESC, run_id LIMIT $2"
                ),
                &[&task, &i64::from(limit)],
            )
            .await?;
        Ok(rows.iter().map(read_run).collect::<Result<Vec<_>, _>>()?)
    }
}
