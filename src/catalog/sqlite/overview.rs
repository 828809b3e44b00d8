//! The catalog seen from outside the server: the recent runs of any task (what `runs` on the
//! command line lists), and the health of a catalog file (what `doctor` reports: schema
//! version, counts, whether it can be written now), read without creating, migrating or
//! changing anything.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, params};

use super::super::migrations;
use super::super::model::{CatalogError, RunRecord};
use super::{SqliteCatalog, read_run};

/// What [`inspect`] found in a catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogHealth {
    /// The file's schema version (`PRAGMA user_version`; 0: nothing created yet).
    pub schema_version: i64,
    /// The newest schema version this build knows.
    pub latest: i64,
    /// Tasks listed (not marked missing); `None` when the file's tables cannot be read.
    pub tasks: Option<u64>,
    /// Tasks marked missing from the cloud.
    pub missing_tasks: Option<u64>,
    pub runs: Option<u64>,
    /// Runs last seen still going.
    pub unfinished_runs: Option<u64>,
    pub write: WriteAccess,
}

/// Whether a catalog file can be written now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteAccess {
    /// The write lock was taken (and released at once).
    Writable,
    /// Another connection (another process) held the write lock throughout the probe.
    Busy,
    /// It cannot be written at all, and why.
    ReadOnly(String),
}

/// Look at the catalog file at `path` (which must exist) without changing it: its schema
/// version, counts, and whether the write lock can be taken (held for no time at all).
pub fn inspect(path: &Path) -> Result<CatalogHealth, CatalogError> {
    let fail = |e: rusqlite::Error| CatalogError::Open {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let (connection, read_only) =
        match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE) {
            Ok(connection) => (connection, None),
            Err(error) => (
                Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .map_err(fail)?,
                Some(error.to_string()),
            ),
        };
    connection
        .busy_timeout(Duration::from_millis(500))
        .map_err(fail)?;
    // The first real read: a file that is not a database fails here.
    let schema_version: i64 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(fail)?;
    let count = |sql: &str| {
        connection
            .query_row(sql, [], |row| row.get::<_, i64>(0))
            .ok()
            .and_then(|n| u64::try_from(n).ok())
    };
    let write = match read_only {
        Some(reason) => WriteAccess::ReadOnly(reason),
        None => probe_write(&connection),
    };
    Ok(CatalogHealth {
        schema_version,
        latest: migrations::LATEST,
        tasks: count("SELECT COUNT(*) FROM tasks WHERE deleted = 0"),
        missing_tasks: count("SELECT COUNT(*) FROM tasks WHERE deleted = 1"),
        runs: count("SELECT COUNT(*) FROM runs"),
        unfinished_runs: count("SELECT COUNT(*) FROM runs WHERE finished = 0"),
        write,
    })
}

/// Take the write lock and give it back at once.
fn probe_write(connection: &Connection) -> WriteAccess {
    match connection.execute_batch("BEGIN IMMEDIATE; ROLLBACK;") {
        Ok(()) => WriteAccess::Writable,
        Err(error) => match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => WriteAccess::Busy,
            _ => WriteAccess::ReadOnly(error.to_string()),
        },
    }
}

impl SqliteCatalog {
    /// The `limit` most recently started runs, newest first (ties by run id); with `task`,
    /// only the runs of the task of that name, id or tool name.
    pub fn recent_runs(
        &self,
        task: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RunRecord>, CatalogError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT * FROM runs WHERE ?1 IS NULL OR task_name = ?1 OR task_id = ?1 OR task_id IN \
             (SELECT task_id FROM tasks WHERE name = ?1 OR tool_name = ?1) \
             ORDER BY started_at DESC, run_id LIMIT ?2",
        )?;
        let rows = statement.query_map(params![task, limit], read_run)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::RunRecord;
    use crate::cloud::Provider;
    use crate::runs::TaskKind;

    fn run(id: &str, task: &str, started: &str) -> RunRecord {
        RunRecord {
            provider: Provider::ALL[0],
            run_id: id.into(),
            kind: TaskKind::Code,
            task_id: Some(format!("id-{task}")),
            task_name: Some(task.into()),
            version: None,
            inputs: serde_json::json!({}),
            started_at: started.into(),
            status: "running".into(),
            finished: false,
            summary: None,
            error: None,
            report: None,
            detail: None,
            updated_at: started.into(),
            owner: None,
        }
    }

    #[test]
    fn recent_runs_newest_first_and_by_task() {
        let catalog = SqliteCatalog::in_memory().unwrap();
        catalog
            .record_run(&run("r1", "alpha", "2026-01-01T00:00:01Z"))
            .unwrap();
        catalog
            .record_run(&run("r2", "beta", "2026-01-01T00:00:03Z"))
            .unwrap();
        catalog
            .record_run(&run("r3", "alpha", "2026-01-01T00:00:02Z"))
            .unwrap();
        let ids = |runs: Vec<RunRecord>| runs.into_iter().map(|r| r.run_id).collect::<Vec<_>>();
        assert_eq!(
            ids(catalog.recent_runs(None, 10).unwrap()),
            ["r2", "r3", "r1"]
        );
        assert_eq!(ids(catalog.recent_runs(None, 2).unwrap()), ["r2", "r3"]);
        assert_eq!(
            ids(catalog.recent_runs(Some("alpha"), 10).unwrap()),
            ["r3", "r1"]
        );
        assert_eq!(
            ids(catalog.recent_runs(Some("id-beta"), 10).unwrap()),
            ["r2"]
        );
        assert!(catalog.recent_runs(Some("gamma"), 10).unwrap().is_empty());
    }

    #[test]
    fn inspect_reports_version_counts_and_write_access_without_changing_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.sqlite3");
        {
            let catalog = SqliteCatalog::open(&path).unwrap();
            catalog
                .record_run(&run("r1", "alpha", "2026-01-01T00:00:01Z"))
                .unwrap();
        }
        let health = inspect(&path).unwrap();
        assert_eq!(health.schema_version, migrations::LATEST);
        assert_eq!(health.latest, migrations::LATEST);
        assert_eq!((health.tasks, health.runs), (Some(0), Some(1)));
        assert_eq!(health.unfinished_runs, Some(1));
        assert_eq!(health.write, WriteAccess::Writable);

        // Another connection in a write transaction: the probe says so instead of waiting.
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE;").unwrap();
        assert_eq!(inspect(&path).unwrap().write, WriteAccess::Busy);
        other.execute_batch("ROLLBACK;").unwrap();

        // A file that is no database is an error naming it.
        let junk = dir.path().join("junk.sqlite3");
        std::fs::write(
            &junk,
            "not a database at all, just some text to fill a page",
        )
        .unwrap();
        let error = inspect(&junk).unwrap_err().to_string();
        assert!(error.contains("junk.sqlite3"), "{error}");
    }
}
