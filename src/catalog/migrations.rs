//! The SQLite catalog's schema, one migration per version. `PRAGMA user_version` holds the
//! version a file is at; migrations run in an immediate transaction so two processes starting
//! at once do not both apply one. Never edit a released migration: add the next one.

use rusqlite::{Connection, TransactionBehavior};

use super::model::CatalogError;

/// Migration `i` takes a file from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: tasks and runs.
    "CREATE TABLE tasks (
        provider      TEXT NOT NULL,
        kind          TEXT NOT NULL,
        task_id       TEXT NOT NULL,
        name          TEXT NOT NULL,
        description   TEXT,
        version       TEXT,
        status        TEXT,
        inputs        TEXT NOT NULL DEFAULT '[]',
        outputs       TEXT NOT NULL DEFAULT '[]',
        params_origin TEXT NOT NULL DEFAULT 'unknown',
        tool_name     TEXT NOT NULL UNIQUE,
        first_seen    TEXT NOT NULL,
        last_seen     TEXT NOT NULL,
        last_used     TEXT,
        deleted       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (provider, task_id)
    );
    CREATE INDEX tasks_by_name ON tasks (name);
    CREATE TABLE runs (
        provider   TEXT NOT NULL,
        run_id     TEXT NOT NULL,
        kind       TEXT NOT NULL,
        task_id    TEXT,
        task_name  TEXT,
        version    TEXT,
        inputs     TEXT NOT NULL DEFAULT '{}',
        started_at TEXT NOT NULL,
        status     TEXT NOT NULL,
        finished   INTEGER NOT NULL DEFAULT 0,
        summary    TEXT,
        error      TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (provider, run_id)
    );
    CREATE INDEX runs_by_task ON runs (task_id, started_at);",
    // 2: the raw output schema of tasks that declare one as JSON Schema (Browser Use skills).
    "ALTER TABLE tasks ADD COLUMN output_schema TEXT;",
    // 3: every task's version history, by its tool name (stable while the cloud id of a
    // regenerated task changes); `generation` holds a Task Builder request (no secrets).
    "CREATE TABLE task_versions (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        provider   TEXT NOT NULL,
        tool_name  TEXT NOT NULL,
        task_id    TEXT NOT NULL,
        version    TEXT NOT NULL,
        event      TEXT NOT NULL,
        reason     TEXT,
        generation TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX task_versions_by_tool ON task_versions (provider, tool_name, seq);",
    // 4: what the process checking a run last read (so others waiting on it answer from
    // here), and leases (one process at a time lists a cloud or checks a run).
    "ALTER TABLE runs ADD COLUMN report TEXT;
    ALTER TABLE runs ADD COLUMN detail TEXT;
    CREATE TABLE leases (
        name       TEXT PRIMARY KEY,
        holder     TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );",
    // 5: tool calls answered as MCP tasks (the tasks extension), so any process answers
    // `tasks/get` and finishes a call whose process stopped; JSON columns are the MCP layer's.
    "CREATE TABLE call_tasks (
        task_id          TEXT PRIMARY KEY,
        owner            TEXT NOT NULL,
        tool             TEXT NOT NULL,
        status           TEXT NOT NULL,
        status_message   TEXT,
        outcome          TEXT,
        input_requests   TEXT,
        input_responses  TEXT NOT NULL DEFAULT '{}',
        work             TEXT,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        ttl_ms           INTEGER NOT NULL,
        discard_at_ms    INTEGER NOT NULL
    );
    CREATE INDEX call_tasks_by_discard ON call_tasks (discard_at_ms);",
    // 6: whose runs and version entries they are (the OAuth subject that made them; NULL for
    // the server's own user, and for everything recorded before).
    "ALTER TABLE runs ADD COLUMN owner TEXT;
    ALTER TABLE task_versions ADD COLUMN owner TEXT;
    CREATE INDEX runs_by_owner ON runs (owner, started_at);",
];

/// The newest schema version this build knows.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Bring the file at `path` up to [`LATEST`].
pub fn run(connection: &Connection, path: &str) -> Result<(), CatalogError> {
    let open_error = |e: rusqlite::Error| CatalogError::Open {
        path: path.to_string(),
        reason: e.to_string(),
    };
    let version = user_version(connection).map_err(open_error)?;
    if version > LATEST {
        return Err(CatalogError::TooNew {
            path: path.to_string(),
            found: version,
            known: LATEST,
        });
    }
    if version == LATEST {
        return Ok(());
    }
    // `Connection::transaction_with_behavior` wants `&mut`; the unchecked form is the same
    // statement on a shared reference.
    let tx = rusqlite::Transaction::new_unchecked(connection, TransactionBehavior::Immediate)
        .map_err(open_error)?;
    // Another process may have migrated while we waited for the lock.
    let version = user_version(&tx).map_err(open_error)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.execute_batch(sql).map_err(open_error)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)
            .map_err(open_error)?;
    }
    tx.commit().map_err(open_error)
}

fn user_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.query_row("PRAGMA user_version", [], |row| row.get(0))
}
