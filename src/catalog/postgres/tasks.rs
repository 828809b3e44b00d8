//! Tasks in the PostgreSQL catalog: recording sightings (naming new tasks' tools), the
//! lookups, and the writes that change which tools there are (marking used or missing, moving
//! an entry to another cloud id), each of which notifies the other instances when it commits.

use std::collections::HashSet;

use deadpool_postgres::GenericClient;

use super::{PostgresCatalog, execute, json, present_tasks, query, read_task};
use crate::catalog::model::{CatalogError, CatalogTask, TaskChange, TaskSighting, ToolNamer};
use crate::cloud::Provider;
use crate::runs::TaskKind;

/// The advisory lock a new task is named under ("btmcp-nm" in ASCII): one naming at a time
/// across every instance, so two never give the same free name to two tasks, nor create one
/// task twice.
const NAMING_LOCK: i64 = 0x6274_6d63_702d_6e6d;

const SELECT_ONE: &str = concat!(
    "SELECT ",
    task_columns!(),
    " FROM tasks WHERE provider = $1 AND task_id = $2"
);

pub(super) async fn upsert(
    store: &PostgresCatalog,
    sighting: TaskSighting,
    name_tool: &ToolNamer<'_>,
) -> Result<TaskChange, CatalogError> {
    let provider = sighting.provider.id();
    // Most sightings change nothing (a task listed again): answer those from a read, with no
    // write and no lock.
    let rows = store
        .rows(SELECT_ONE, &[&provider, &sighting.task_id])
        .await?;
    if let Some(row) = rows.first() {
        let (known, missing) = read_task(row)?;
        if !missing && known.same_shape(&known.merged(&sighting)) {
            return Ok(TaskChange {
                created: false,
                changed: false,
                task: known,
            });
        }
    }
    let mut client = store.writer().await?;
    let tx = client.transaction().await?;
    let locked = concat!(
        "SELECT ",
        task_columns!(),
        " FROM tasks WHERE provider = $1 AND task_id = $2 FOR UPDATE"
    );
    let mut before = query(&tx, locked, &[&provider, &sighting.task_id]).await?;
    if before.is_empty() {
        execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&NAMING_LOCK]).await?;
        // Another instance may have created it while we waited.
        before = query(&tx, locked, &[&provider, &sighting.task_id]).await?;
    }
    let change = match before.first() {
        None => create(&tx, &sighting, name_tool).await?,
        Some(row) => {
            let (old, missing) = read_task(row)?;
            let mut task = old.merged(&sighting);
            let changed = missing || !old.same_shape(&task);
            let updated = query(
                &tx,
                concat!(
                    "UPDATE tasks SET name = $3, description = $4, version = $5, status = $6, \
                     inputs = $7, outputs = $8, params_origin = $9, output_schema = $10, \
                     deleted = false, last_seen = ",
                    now!(),
                    " WHERE provider = $1 AND task_id = $2 RETURNING last_seen"
                ),
                &[
                    &provider,
                    &task.task_id,
                    &task.name,
                    &task.description,
                    &task.version,
                    &task.status,
                    &json(&task.inputs),
                    &json(&task.outputs),
                    &task.params_origin.as_str(),
                    &task.output_schema,
                ],
            )
            .await?;
            if let Some(row) = updated.first() {
                task.last_seen = row.try_get(0)?;
            }
            TaskChange {
                created: false,
                changed,
                task,
            }
        }
    };
    if change.changed {
        store.notify(&tx).await?;
    }
    tx.commit().await?;
    Ok(change)
}

/// Insert the task first learned from `sighting`, naming its tool. The caller holds
/// [`NAMING_LOCK`], so the names read here stay free until it commits.
async fn create(
    tx: &impl GenericClient,
    sighting: &TaskSighting,
    name_tool: &ToolNamer<'_>,
) -> Result<TaskChange, CatalogError> {
    // Every name ever given, removed tasks' included: a tool name is never reused.
    let taken = query(tx, "SELECT tool_name FROM tasks", &[])
        .await?
        .iter()
        .map(|row| row.try_get::<_, String>(0))
        .collect::<Result<HashSet<_>, _>>()?;
    let tool_name = name_tool(sighting, &|name| taken.contains(name));
    let mut task = CatalogTask::from_sighting(sighting, tool_name, String::new());
    let inserted = query(
        tx,
        concat!(
            "INSERT INTO tasks (provider, kind, task_id, name, description, version, status, \
             inputs, outputs, params_origin, output_schema, tool_name, first_seen, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ",
            now!(),
            ", ",
            now!(),
            ") RETURNING last_seen"
        ),
        &[
            &task.provider.id(),
            &task.kind.as_str(),
            &task.task_id,
            &task.name,
            &task.description,
            &task.version,
            &task.status,
            &json(&task.inputs),
            &json(&task.outputs),
            &task.params_origin.as_str(),
            &task.output_schema,
            &task.tool_name,
        ],
    )
    .await?;
    if let Some(row) = inserted.first() {
        task.last_seen = row.try_get(0)?;
    }
    Ok(TaskChange {
        created: true,
        changed: true,
        task,
    })
}

/// The first task (not marked missing) a read finds; a failed read is logged.
async fn first(
    store: &PostgresCatalog,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Option<CatalogTask> {
    let rows = store.rows_or_none(sql, params).await?;
    match present_tasks(&rows) {
        Ok(tasks) => tasks.into_iter().next(),
        Err(error) => {
            tracing::warn!(error = %super::describe(&error), "catalog read failed");
            None
        }
    }
}

pub(super) async fn by_id(store: &PostgresCatalog, task_id: &str) -> Option<CatalogTask> {
    first(
        store,
        concat!(
            "SELECT ",
            task_columns!(),
            " FROM tasks WHERE task_id = $1 AND NOT deleted ORDER BY provider LIMIT 1"
        ),
        &[&task_id],
    )
    .await
}

pub(super) async fn by_name(
    store: &PostgresCatalog,
    name: &str,
    kind: Option<TaskKind>,
) -> Option<CatalogTask> {
    first(
        store,
        concat!(
            "SELECT ",
            task_columns!(),
            " FROM tasks WHERE name = $1 AND ($2::text IS NULL OR kind = $2) AND NOT deleted \
             ORDER BY last_seen DESC, tool_name LIMIT 1"
        ),
        &[&name, &kind.map(TaskKind::as_str)],
    )
    .await
}

pub(super) async fn all(store: &PostgresCatalog) -> Result<Vec<CatalogTask>, CatalogError> {
    let rows = store
        .rows(
            concat!(
                "SELECT ",
                task_columns!(),
                " FROM tasks WHERE NOT deleted \
                 ORDER BY last_used DESC NULLS LAST, last_seen DESC, tool_name"
            ),
            &[],
        )
        .await?;
    Ok(present_tasks(&rows)?)
}

pub(super) async fn mark_used(store: &PostgresCatalog, provider: Provider, task_id: &str) {
    let result = async {
        let mut client = store.writer().await?;
        let tx = client.transaction().await?;
        let used = execute(
            &tx,
            concat!(
                "UPDATE tasks SET last_used = ",
                now!(),
                " WHERE provider = $1 AND task_id = $2"
            ),
            &[&provider.id(), &task_id],
        )
        .await?;
        if used > 0 {
            store.notify(&tx).await?;
        }
        tx.commit().await?;
        Ok::<_, CatalogError>(())
    };
    if let Err(error) = result.await {
        tracing::warn!(%error, "could not record a task's use in the catalog");
    }
}

pub(super) async fn mark_missing(
    store: &PostgresCatalog,
    provider: Provider,
    kind: TaskKind,
    present: &[String],
) -> Result<usize, CatalogError> {
    let mut client = store.writer().await?;
    let tx = client.transaction().await?;
    let gone = execute(
        &tx,
        "UPDATE tasks SET deleted = true \
         WHERE provider = $1 AND kind = $2 AND NOT deleted AND NOT (task_id = ANY($3))",
        &[&provider.id(), &kind.as_str(), &present],
    )
    .await?;
    if gone > 0 {
        store.notify(&tx).await?;
    }
    tx.commit().await?;
    Ok(usize::try_from(gone).unwrap_or(usize::MAX))
}

pub(super) async fn move_task(
    store: &PostgresCatalog,
    provider: Provider,
    from_id: &str,
    to_id: &str,
    status: Option<&str>,
) -> Result<Option<CatalogTask>, CatalogError> {
    let mut client = store.writer().await?;
    let tx = client.transaction().await?;
    let known = query(
        &tx,
        "SELECT 1 FROM tasks WHERE provider = $1 AND task_id = $2 FOR UPDATE",
        &[&provider.id(), &from_id],
    )
    .await?;
    if known.is_empty() {
        return Ok(None);
    }
    if from_id != to_id {
        execute(
            &tx,
            "DELETE FROM tasks WHERE provider = $1 AND task_id = $2",
            &[&provider.id(), &to_id],
        )
        .await?;
    }
    let moved = query(
        &tx,
        concat!(
            "UPDATE tasks SET task_id = $3, status = COALESCE($4, status), deleted = false, \
             last_seen = ",
            now!(),
            " WHERE provider = $1 AND task_id = $2 RETURNING ",
            task_columns!()
        ),
        &[&provider.id(), &from_id, &to_id, &status],
    )
    .await?;
    let moved = match moved.first() {
        Some(row) => Some(read_task(row)?.0),
        None => None,
    };
    store.notify(&tx).await?;
    tx.commit().await?;
    Ok(moved)
}
