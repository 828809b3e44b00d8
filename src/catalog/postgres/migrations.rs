//! The PostgreSQL catalog's schema, one migration per version. The one-row table
//! `browser_tasks_schema` holds the version a database is at. Migrations run in one transaction
//! under a transaction-level advisory lock, so instances starting at once apply each exactly
//! once (the others wait, then find the work done). A database at a newer version than this
//! build knows is refused, never downgraded or reset. Never edit a released migration: add the
//! next one.
//!
//! The tables mirror the SQLite store's (see `catalog::migrations`), with PostgreSQL's types:
//! JSON values in `json` columns (kept as written, key order included), flags as `boolean`.
//! Stamps are RFC 3339 text, as in SQLite, so that `started_at` reads back exactly as a caller
//! gave it; columns that are ordered use the "C" collation, so text sorts by code point as in
//! SQLite whatever the database's locale.

use tokio_postgres::GenericClient;

use super::{describe, fix_for};
use crate::catalog::model::CatalogError;

/// Migration `i` takes a database from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the schema version, tasks, runs, version histories and leases.
    r#"CREATE TABLE browser_tasks_schema (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        version  integer NOT NULL
    );
    INSERT INTO browser_tasks_schema (version) VALUES (0);
    CREATE TABLE tasks (
        provider      text NOT NULL,
        kind          text NOT NULL,
        task_id       text NOT NULL,
        name          text NOT NULL,
        description   text,
        version       text,
        status        text,
        inputs        json NOT NULL DEFAULT '[]',
        outputs       json NOT NULL DEFAULT '[]',
        params_origin text NOT NULL DEFAULT 'unknown',
        output_schema json,
        tool_name     text COLLATE "C" NOT NULL UNIQUE,
        first_seen    text COLLATE "C" NOT NULL,
        last_seen     text COLLATE "C" NOT NULL,
        last_used     text COLLATE "C",
        deleted       boolean NOT NULL DEFAULT false,
        PRIMARY KEY (provider, task_id)
    );
    CREATE INDEX tasks_by_id ON tasks (task_id);
    CREATE INDEX tasks_by_name ON tasks (name);
    CREATE TABLE runs (
        provider   text NOT NULL,
        run_id     text COLLATE "C" NOT NULL,
        kind       text NOT NULL,
        task_id    text,
        task_name  text,
        version    text,
        inputs     json NOT NULL DEFAULT '{}',
        started_at text COLLATE "C" NOT NULL,
        status     text NOT NULL,
        finished   boolean NOT NULL DEFAULT false,
        summary    text,
        error      text,
        report     json,
        detail     text,
        updated_at text COLLATE "C" NOT NULL,
        PRIMARY KEY (provider, run_id)
    );
    CREATE INDEX runs_by_id ON runs (run_id);
    CREATE INDEX runs_by_task ON runs (task_id, started_at);
    CREATE INDEX runs_by_lower_id ON runs (lower(run_id) text_pattern_ops);
    CREATE TABLE task_versions (
        seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        provider   text NOT NULL,
        tool_name  text COLLATE "C" NOT NULL,
        task_id    text NOT NULL,
        version    text NOT NULL,
        event      text NOT NULL,
        reason     text,
        generation json,
        created_at text COLLATE "C" NOT NULL
    );
    CREATE INDEX task_versions_by_tool ON task_versions (provider, tool_name, seq);
    CREATE INDEX task_versions_by_task ON task_versions (task_id);
    CREATE TABLE leases (
        name       text PRIMARY KEY,
        holder     text NOT NULL,
        expires_at timestamptz NOT NULL
    );
    CREATE INDEX leases_by_holder ON leases (holder);"#,
    // 2: tool calls answered as MCP tasks (the tasks extension), as in the SQLite store's
    // migration 5. The input requests and answers are `jsonb`: an answer is merged in place.
    r#"CREATE TABLE call_tasks (
        task_id          text PRIMARY KEY,
        owner            text NOT NULL,
        tool             text NOT NULL,
        status           text NOT NULL,
        status_message   text,
        outcome          json,
        input_requests   jsonb,
        input_responses  jsonb NOT NULL DEFAULT '{}',
        work             json,
        cancel_requested boolean NOT NULL DEFAULT false,
        created_at       text COLLATE "C" NOT NULL,
        updated_at       text COLLATE "C" NOT NULL,
        ttl_ms           bigint NOT NULL,
        discard_at_ms    bigint NOT NULL
    );
    CREATE INDEX call_tasks_by_discard ON call_tasks (discard_at_ms);"#,
    // 3: whose runs and version entries they are (the OAuth subject that made them; NULL for
    // the server's own user, and for everything recorded before), as SQLite's migration 6.
    r#"ALTER TABLE runs ADD COLUMN owner text;
    ALTER TABLE task_versions ADD COLUMN owner text;
    CREATE INDEX runs_by_owner ON runs (owner, started_at);"#,
];

/// The newest schema version this build knows.
pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

/// The advisory lock migrations are applied under ("btmcp-mg" in ASCII): one key for this
/// purpose in the database, whatever else uses advisory locks there.
const LOCK: i64 = 0x6274_6d63_702d_6d67;

/// The schema version of the database `client` is connected to (0: nothing created yet).
pub(crate) async fn version(client: &impl GenericClient) -> Result<i64, tokio_postgres::Error> {
    // Whether the table exists, read from pg_class with this statement's snapshot, not with
    // `to_regclass`: that looks in the session's catalog cache, which, in a transaction that
    // waited for the lock, may not yet show the table another instance just created.
    let created: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relname = 'browser_tasks_schema' AND n.nspname = ANY (current_schemas(false)))",
            &[],
        )
        .await?
        .try_get(0)?;
    if !created {
        return Ok(0);
    }
    let row = client
        .query_one("SELECT version FROM browser_tasks_schema", &[])
        .await?;
    Ok(i64::from(row.try_get::<_, i32>(0)?))
}

/// Bring the database `client` is connected to up to [`LATEST`]; `location` names it in
/// errors (without its password).
pub(super) async fn run(
    client: &mut deadpool_postgres::Client,
    location: &str,
) -> Result<(), CatalogError> {
    let fail = |e: tokio_postgres::Error| CatalogError::Unavailable {
        location: location.to_string(),
        problem: format!("its schema could not be read or created: {}", describe(&e)),
        fix: fix_for(&e),
    };
    let too_new = |found: i64| CatalogError::TooNew {
        path: location.to_string(),
        found,
        known: LATEST,
    };
    // Most starts find the schema current: no lock, no transaction.
    let found = version(&***client).await.map_err(fail)?;
    if found > LATEST {
        return Err(too_new(found));
    }
    if found == LATEST {
        return Ok(());
    }
    let tx = client.transaction().await.map_err(fail)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
        .await
        .map_err(fail)?;
    // Another instance may have migrated while we waited for the lock.
    let found = version(&*tx).await.map_err(fail)?;
    if found > LATEST {
        return Err(too_new(found));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tracing::info!(location, version = index + 1, "migrating the task catalog");
        tx.batch_execute(sql).await.map_err(fail)?;
        let reached = i32::try_from(index + 1).unwrap_or(i32::MAX);
        tx.execute("UPDATE browser_tasks_schema SET version = $1", &[&reached])
            .await
            .map_err(fail)?;
    }
    tx.commit().await.map_err(fail)
}
