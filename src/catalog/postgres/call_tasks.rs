//! Call tasks in the PostgreSQL catalog: tool calls answered as MCP tasks, so every instance
//! sharing the database answers `tasks/get` for them and can finish one whose instance
//! stopped. Each operation is one statement, atomic on its own (an answer to an input request
//! is merged in place, so two answers at once keep both); stamps and the discard time are the
//! database's clock.

use tokio_postgres::Row;

use super::{PostgresCatalog, execute};
use crate::catalog::model::{CallTask, CallTaskState, CatalogError};

/// The columns a call task is read from.
const COLUMNS: &str = "task_id, owner, tool, status, status_message, outcome, input_requests, \
     input_responses, work, cancel_requested, created_at, updated_at, ttl_ms, discard_at_ms";

fn read(row: &Row) -> Result<CallTask, tokio_postgres::Error> {
    Ok(CallTask {
        task_id: row.try_get("task_id")?,
        owner: row.try_get("owner")?,
        tool: row.try_get("tool")?,
        state: CallTaskState {
            status: row.try_get("status")?,
            status_message: row.try_get("status_message")?,
            outcome: row.try_get("outcome")?,
            input_requests: row.try_get("input_requests")?,
            work: row.try_get("work")?,
        },
        input_responses: row.try_get("input_responses")?,
        cancel_requested: row.try_get("cancel_requested")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        ttl_ms: u64::try_from(row.try_get::<_, i64>("ttl_ms")?).unwrap_or_default(),
        discard_at_ms: row.try_get("discard_at_ms")?,
    })
}

pub(super) async fn create(store: &PostgresCatalog, task: &CallTask) -> Result<(), CatalogError> {
    let client = store.writer().await?;
    let state = &task.state;
    let ttl_ms = i64::try_from(task.ttl_ms).unwrap_or(i64::MAX);
    execute(
        &client,
        concat!(
            "INSERT INTO call_tasks (task_id, owner, tool, status, status_message, outcome, \
             input_requests, input_responses, work, cancel_requested, created_at, updated_at, \
             ttl_ms, discard_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, ",
            now!(),
            ", $12, $13)"
        ),
        &[
            &task.task_id,
            &task.owner,
            &task.tool,
            &state.status,
            &state.status_message,
            &state.outcome,
            &state.input_requests,
            &task.input_responses,
            &state.work,
            &task.cancel_requested,
            &task.created_at,
            &ttl_ms,
            &task.discard_at_ms,
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn by_id(
    store: &PostgresCatalog,
    task_id: &str,
) -> Result<Option<CallTask>, CatalogError> {
    let rows = store
        .rows(
            &format!("SELECT {COLUMNS} FROM call_tasks WHERE task_id = $1"),
            &[&task_id],
        )
        .await?;
    match rows.first() {
        Some(row) => Ok(Some(read(row)?)),
        None => Ok(None),
    }
}

pub(super) async fn update(
    store: &PostgresCatalog,
    task_id: &str,
    state: &CallTaskState,
) -> Result<bool, CatalogError> {
    let client = store.writer().await?;
    let written = execute(
        &client,
        concat!(
            "UPDATE call_tasks SET status = $2, status_message = $3, outcome = $4, \
             input_requests = $5, work = $6, updated_at = ",
            now!(),
            " WHERE task_id = $1 AND status NOT IN ('completed', 'failed', 'cancelled')"
        ),
        &[
            &task_id,
            &state.status,
            &state.status_message,
            &state.outcome,
            &state.input_requests,
            &state.work,
        ],
    )
    .await?;
    Ok(written == 1)
}

pub(super) async fn cancel(store: &PostgresCatalog, task_id: &str) -> Result<(), CatalogError> {
    let client = store.writer().await?;
    execute(
        &client,
        concat!(
            "UPDATE call_tasks SET cancel_requested = true, updated_at = ",
            now!(),
            " WHERE task_id = $1"
        ),
        &[&task_id],
    )
    .await?;
    Ok(())
}

pub(super) async fn answer(
    store: &PostgresCatalog,
    task_id: &str,
    key: &str,
    response: &serde_json::Value,
) -> Result<bool, CatalogError> {
    let client = store.writer().await?;
    // Kept only for a request outstanding now, and once.
    let written = execute(
        &client,
        concat!(
            "UPDATE call_tasks SET input_responses = input_responses || \
             jsonb_build_object($2::text, $3::jsonb), updated_at = ",
            now!(),
            " WHERE task_id = $1 AND status = 'input_required' \
             AND jsonb_exists(input_requests, $2::text) \
             AND NOT jsonb_exists(input_responses, $2::text)"
        ),
        &[&task_id, &key, response],
    )
    .await?;
    Ok(written == 1)
}

pub(super) async fn discard(store: &PostgresCatalog) -> Result<usize, CatalogError> {
    let client = store.writer().await?;
    let gone = execute(
        &client,
        "DELETE FROM call_tasks \
         WHERE discard_at_ms <= (extract(epoch FROM statement_timestamp()) * 1000)::bigint",
        &[],
    )
    .await?;
    Ok(usize::try_from(gone).unwrap_or(usize::MAX))
}
