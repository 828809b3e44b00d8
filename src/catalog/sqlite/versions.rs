//! Task version histories in the SQLite catalog (`task_versions`, keyed by tool name), and
//! moving an entry to another cloud id (a regenerated or restored task) without losing its
//! tool name or history.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::super::model::{CatalogError, CatalogTask, TaskVersion, VersionEvent};
use super::{SqliteCatalog, now, select_task};
use crate::cloud::Provider;

impl SqliteCatalog {
    /// Add an entry to a task's version history.
    pub fn record_version(&self, mut version: TaskVersion) -> Result<TaskVersion, CatalogError> {
        version.created_at = now();
        self.lock().execute(
            "INSERT INTO task_versions (provider, tool_name, task_id, version, event, reason, \
             generation, created_at, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                version.provider.id(),
                version.tool_name,
                version.task_id,
                version.version,
                version.event.as_str(),
                version.reason,
                version.generation.as_ref().map(Value::to_string),
                version.created_at,
                version.owner,
            ],
        )?;
        Ok(version)
    }

    /// A task's version history, oldest first.
    pub fn versions(
        &self,
        provider: Provider,
        tool_name: &str,
    ) -> Result<Vec<TaskVersion>, CatalogError> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT * FROM task_versions WHERE provider = ?1 AND tool_name = ?2 ORDER BY seq",
        )?;
        let rows = statement.query_map(params![provider.id(), tool_name], read_version)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The entry one of whose versions was the cloud task `task_id`.
    pub fn task_by_version(&self, task_id: &str) -> Option<CatalogTask> {
        let tool_name: Option<String> = {
            let connection = self.lock();
            connection
                .query_row(
                    "SELECT tool_name FROM task_versions WHERE task_id = ?1 ORDER BY seq DESC \
                     LIMIT 1",
                    [task_id],
                    |row| row.get(0),
                )
                .optional()
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "catalog read failed");
                    None
                })
        };
        tool_name.and_then(|name| self.task_by_tool(&name))
    }

    /// Every former cloud id of a task not marked missing, with its id now.
    pub fn former_ids(&self) -> Result<Vec<(String, String)>, CatalogError> {
        let connection = self.lock();
        let mut statement = connection.prepare_cached(
            "SELECT DISTINCT v.task_id, t.task_id FROM task_versions v \
             JOIN tasks t ON t.provider = v.provider AND t.tool_name = v.tool_name \
             WHERE t.deleted = 0 AND v.task_id <> t.task_id ORDER BY v.task_id",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Make the entry known as `from_id` the task `to_id`.
    pub fn move_task(
        &self,
        provider: Provider,
        from_id: &str,
        to_id: &str,
        status: Option<&str>,
    ) -> Result<Option<CatalogTask>, CatalogError> {
        let mut connection = self.lock();
        let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if select_task(&tx, provider, from_id)?.is_none() {
            return Ok(None);
        }
        if from_id != to_id {
            tx.execute(
                "DELETE FROM tasks WHERE provider = ?1 AND task_id = ?2",
                params![provider.id(), to_id],
            )?;
        }
        tx.execute(
            "UPDATE tasks SET task_id = ?3, status = COALESCE(?4, status), last_seen = ?5, \
             deleted = 0 WHERE provider = ?1 AND task_id = ?2",
            params![provider.id(), from_id, to_id, status, now()],
        )?;
        let moved = moved_task(&tx, provider, to_id)?;
        tx.commit()?;
        Ok(moved)
    }
}

fn moved_task(
    connection: &Connection,
    provider: Provider,
    task_id: &str,
) -> Result<Option<CatalogTask>, CatalogError> {
    Ok(select_task(connection, provider, task_id)?.map(|(task, _)| task))
}

fn read_version(row: &Row<'_>) -> rusqlite::Result<TaskVersion> {
    Ok(TaskVersion {
        provider: Provider::from_id(&row.get::<_, String>("provider")?),
        tool_name: row.get("tool_name")?,
        task_id: row.get("task_id")?,
        version: row.get("version")?,
        event: VersionEvent::parse(&row.get::<_, String>("event")?),
        reason: row.get("reason")?,
        generation: row
            .get::<_, Option<String>>("generation")?
            .and_then(|text| serde_json::from_str(&text).ok()),
        created_at: row.get("created_at")?,
        owner: row.get("owner")?,
    })
}
