//! Call tasks in the SQLite catalog: tool calls answered as MCP tasks, kept so every process
//! sharing the file answers `tasks/get` for them. The JSON columns are stored as text and
//! never read here beyond an input request's key.

use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use serde_json::Value;

use super::super::model::{CallTask, CallTaskState, CatalogError};
use super::{SqliteCatalog, now};

fn json_text(value: &Option<Value>) -> Option<String> {
    value.as_ref().map(Value::to_string)
}

fn json_of(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn read_call_task(row: &Row<'_>) -> rusqlite::Result<CallTask> {
    Ok(CallTask {
        task_id: row.get("task_id")?,
        owner: row.get("owner")?,
        tool: row.get("tool")?,
        state: CallTaskState {
            status: row.get("status")?,
            status_message: row.get("status_message")?,
            outcome: json_of(row.get("outcome")?),
            input_requests: json_of(row.get("input_requests")?),
            work: json_of(row.get("work")?),
        },
        input_responses: json_of(row.get("input_responses")?)
            .unwrap_or_else(|| Value::Object(Default::default())),
        cancel_requested: row.get::<_, i64>("cancel_requested")? != 0,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        ttl_ms: u64::try_from(row.get::<_, i64>("ttl_ms")?).unwrap_or_default(),
        discard_at_ms: row.get("discard_at_ms")?,
    })
}

/// The statuses after which a task's state is never written again.
const FINAL: &str = "('completed', 'failed', 'cancelled')";

impl SqliteCatalog {
    pub fn create_call_task(&self, task: &CallTask) -> Result<(), CatalogError> {
        let state = &task.state;
        self.execute(
            "INSERT INTO call_tasks (task_id, owner, tool, status, status_message, outcome, \
             input_requests, input_responses, work, cancel_requested, created_at, updated_at, \
             ttl_ms, discard_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                task.task_id,
                task.owner,
                task.tool,
                state.status,
                state.status_message,
                json_text(&state.outcome),
                json_text(&state.input_requests),
                task.input_responses.to_string(),
                json_text(&state.work),
                i64::from(task.cancel_requested),
                task.created_at,
                now(),
                i64::try_from(task.ttl_ms).unwrap_or(i64::MAX),
                task.discard_at_ms,
            ],
        )?;
        Ok(())
    }

    pub fn call_task(&self, task_id: &str) -> Result<Option<CallTask>, CatalogError> {
        let connection = self.lock();
        let task = connection
            .prepare_cached("SELECT * FROM call_tasks WHERE task_id = ?1")?
            .query_row([task_id], read_call_task)
            .optional()?;
        Ok(task)
    }

    pub fn update_call_task(
        &self,
        task_id: &str,
        state: &CallTaskState,
    ) -> Result<bool, CatalogError> {
        let written = self.execute(
            &format!(
                "UPDATE call_tasks SET status = ?2, status_message = ?3, outcome = ?4, \
                 input_requests = ?5, work = ?6, updated_at = ?7 \
                 WHERE task_id = ?1 AND status NOT IN {FINAL}"
            ),
            params![
                task_id,
                state.status,
                state.status_message,
                json_text(&state.outcome),
                json_text(&state.input_requests),
                json_text(&state.work),
                now(),
            ],
        )?;
        Ok(written == 1)
    }

    pub fn cancel_call_task(&self, task_id: &str) -> Result<(), CatalogError> {
        self.execute(
            "UPDATE call_tasks SET cancel_requested = 1, updated_at = ?2 WHERE task_id = ?1",
            params![task_id, now()],
        )?;
        Ok(())
    }

    pub fn answer_call_task(
        &self,
        task_id: &str,
        key: &str,
        response: &Value,
    ) -> Result<bool, CatalogError> {
        let connection = self.lock();
        // Read and write in one immediate transaction: two answers at once keep both.
        let tx = rusqlite::Transaction::new_unchecked(&connection, TransactionBehavior::Immediate)?;
        let row: Option<(Option<String>, String, String)> = tx
            .prepare_cached(
                "SELECT input_requests, input_responses, status FROM call_tasks \
                 WHERE task_id = ?1",
            )?
            .query_row([task_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?;
        let Some((requests, responses, status)) = row else {
            return Ok(false);
        };
        let outstanding = json_of(requests).is_some_and(|r| r.get(key).is_some());
        let mut responses: Value =
            serde_json::from_str(&responses).unwrap_or_else(|_| Value::Object(Default::default()));
        let answered = responses.get(key).is_some();
        if status != "input_required" || !outstanding || answered {
            return Ok(false);
        }
        if let Value::Object(map) = &mut responses {
            map.insert(key.to_string(), response.clone());
        }
        tx.execute(
            "UPDATE call_tasks SET input_responses = ?2, updated_at = ?3 WHERE task_id = ?1",
            params![task_id, responses.to_string(), now()],
        )?;
        tx.commit()?;
        Ok(true)
    }

    pub fn discard_call_tasks(&self) -> Result<usize, CatalogError> {
        let gone = self.execute(
            "DELETE FROM call_tasks WHERE discard_at_ms <= ?1",
            params![chrono::Utc::now().timestamp_millis()],
        )?;
        Ok(gone)
    }
}
