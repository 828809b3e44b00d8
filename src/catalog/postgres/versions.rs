//! Task version histories in the PostgreSQL catalog (`task_versions`, keyed by tool name), and
//! the lookups through them: the entry a former cloud id leads to, and every former id.

use tokio_postgres::Row;

use super::{PostgresCatalog, present_tasks};
use crate::catalog::model::{CatalogError, CatalogTask, TaskVersion, VersionEvent};
use crate::cloud::Provider;

pub(super) async fn record(
    store: &PostgresCatalog,
    mut version: TaskVersion,
) -> Result<TaskVersion, CatalogError> {
    let client = store.writer().await?;
    let rows = super::query(
        &client,
        concat!(
            "INSERT INTO task_versions (provider, tool_name, task_id, version, event, reason, \
             generation, owner, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ",
            now!(),
            ") RETURNING created_at"
        ),
        &[
            &version.provider.id(),
            &version.tool_name,
            &version.task_id,
            &version.version,
            &version.event.as_str(),
            &version.reason,
            &version.generation,
            &version.owner,
        ],
    )
    .await?;
    if let Some(row) = rows.first() {
        version.created_at = row.try_get(0)?;
    }
    Ok(version)
}

pub(super) async fn history(
    store: &PostgresCatalog,
    provider: Provider,
    tool_name: &str,
) -> Result<Vec<TaskVersion>, CatalogError> {
    let rows = store
        .rows(
            "SELECT provider, tool_name, task_id, version, event, reason, generation, created_at, \
             owner FROM task_versions WHERE provider = $1 AND tool_name = $2 ORDER BY seq",
            &[&provider.id(), &tool_name],
        )
        .await?;
    Ok(rows
        .iter()
        .map(read_version)
        .collect::<Result<Vec<_>, _>>()?)
}

pub(super) async fn task_by_version(store: &PostgresCatalog, task_id: &str) -> Option<CatalogTask> {
    let rows = store
        .rows_or_none(
            concat!(
                "SELECT ",
                task_columns!(),
                " FROM tasks WHERE NOT deleted AND tool_name = \
                 (SELECT tool_name FROM task_versions WHERE task_id = $1 \
                  ORDER BY seq DESC LIMIT 1)"
            ),
            &[&task_id],
        )
        .await?;
    present_tasks(&rows)
        .map_err(|error| tracing::warn!(error = %super::describe(&error), "catalog read failed"))
        .ok()?
        .into_iter()
        .next()
}

pub(super) async fn former_ids(
    store: &PostgresCatalog,
) -> Result<Vec<(String, String)>, CatalogError> {
    let rows = store
        .rows(
            "SELECT DISTINCT v.task_id AS former, t.task_id AS current FROM task_versions v \
             JOIN tasks t ON t.provider = v.provider AND t.tool_name = v.tool_name \
             WHERE NOT t.deleted AND v.task_id <> t.task_id ORDER BY former, current",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| Ok((row.try_get("former")?, row.try_get("current")?)))
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()?)
}

fn read_version(row: &Row) -> Result<TaskVersion, tokio_postgres::Error> {
    Ok(TaskVersion {
        provider: Provider::from_id(row.try_get("provider")?),
        tool_name: row.try_get("tool_name")?,
        task_id: row.try_get("task_id")?,
        version: row.try_get("version")?,
        event: VersionEvent::parse(row.try_get("event")?),
        reason: row.try_get("reason")?,
        generation: row.try_get("generation")?,
        created_at: row.try_get("created_at")?,
        owner: row.try_get("owner")?,
    })
}
