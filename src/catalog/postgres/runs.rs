//! Runs in the PostgreSQL catalog: recording and updating them, and the lookups (by id, a
//! task's runs a page at a time, ids completed from a prefix). A page and the count of all
//! matching runs come from one statement, so they agree even while runs are added.

use tokio_postgres::Row;

use super::{PostgresCatalog, read_run};
use crate::catalog::model::{CatalogError, RunRecord, RunState, Whose};
use crate::cloud::Provider;

pub(super) async fn record(store: &PostgresCatalog, run: &RunRecord) -> Result<(), CatalogError> {
    let client = store.writer().await?;
    super::execute(
        &client,
        concat!(
            "INSERT INTO runs (",
            run_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (provider, run_id) DO UPDATE SET kind = excluded.kind, \
             task_id = excluded.task_id, task_name = excluded.task_name, \
             version = excluded.version, inputs = excluded.inputs, \
             started_at = excluded.started_at, status = excluded.status, \
             finished = excluded.finished, summary = excluded.summary, error = excluded.error, \
             report = excluded.report, detail = excluded.detail, updated_at = excluded.updated_at, \
             owner = excluded.owner"
        ),
        &[
            &run.provider.id(),
            &run.run_id,
            &run.kind.as_str(),
            &run.task_id,
            &run.task_name,
            &run.version,
            &run.inputs,
            &run.started_at,
            &run.status,
            &run.finished,
            &run.summary,
            &run.error,
            &run.report,
            &run.detail,
            &run.updated_at,
            &run.owner,
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn update(
    store: &PostgresCatalog,
    provider: Provider,
    run_id: &str,
    state: &RunState,
) -> Result<(), CatalogError> {
    let client = store.writer().await?;
    super::execute(
        &client,
        concat!(
            "UPDATE runs SET status = $3, finished = $4, summary = COALESCE($5, summary), \
             error = COALESCE($6, error), report = COALESCE($7, report), \
             detail = COALESCE($8, detail), updated_at = ",
            now!(),
            " WHERE provider = $1 AND run_id = $2"
        ),
        &[
            &provider.id(),
            &run_id,
            &state.status,
            &state.finished,
            &state.summary,
            &state.error,
            &state.report,
            &state.detail,
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn by_id(store: &PostgresCatalog, run_id: &str) -> Option<RunRecord> {
    let rows = store
        .rows_or_none(
            concat!(
                "SELECT ",
                run_columns!(),
                " FROM runs WHERE run_id = $1 ORDER BY provider LIMIT 1"
            ),
            &[&run_id],
        )
        .await?;
    let row = rows.first()?;
    read_run(row)
        .map_err(|error| tracing::warn!(error = %super::describe(&error), "catalog read failed"))
        .ok()
}

pub(super) async fn of_task(
    store: &PostgresCatalog,
    task_id: &str,
    status: Option<&str>,
    whose: Whose<'_>,
    page: u32,
    limit: u32,
) -> Result<(Vec<RunRecord>, u64), CatalogError> {
    let offset = i64::from(page.saturating_sub(1)) * i64::from(limit);
    let owner = owner_of(whose);
    let rows = store
        .rows(
            concat!(
                "SELECT matching.total, page.* FROM \
                 (SELECT count(*) AS total FROM runs \
                  WHERE task_id = $1 AND ($2::text IS NULL OR status = $2) \
                  AND ($5::text IS NULL OR owner = $5)) AS matching \
                 LEFT JOIN LATERAL (SELECT ",
                run_columns!(),
                " FROM runs WHERE task_id = $1 AND ($2::text IS NULL OR status = $2) \
                 AND ($5::text IS NULL OR owner = $5) \
                 ORDER BY started_at DESC, run_id LIMIT $3 OFFSET $4) AS page ON true \
                 ORDER BY page.started_at DESC, page.run_id"
            ),
            &[&task_id, &status, &i64::from(limit), &offset, &owner],
        )
        .await?;
    Ok(page_and_total(&rows)?)
}

pub(super) async fn by_id_prefix(
    store: &PostgresCatalog,
    id_prefix: &str,
    provider: Option<Provider>,
    whose: Whose<'_>,
    limit: u32,
) -> Result<(Vec<RunRecord>, u64), CatalogError> {
    // The prefix is matched as plain text: `\`, `%` and `_` in it are escaped for LIKE.
    let pattern = format!("{}%", like_escaped(id_prefix));
    let owner = owner_of(whose);
    let rows = store
        .rows(
            concat!(
                "SELECT matching.total, page.* FROM \
                 (SELECT count(*) AS total FROM runs \
                  WHERE lower(run_id) LIKE lower($1) ESCAPE '\\' \
                  AND ($2::text IS NULL OR provider = $2) \
                  AND ($4::text IS NULL OR owner = $4)) AS matching \
                 LEFT JOIN LATERAL (SELECT ",
                run_columns!(),
                " FROM runs WHERE lower(run_id) LIKE lower($1) ESCAPE '\\' \
                 AND ($2::text IS NULL OR provider = $2) \
                 AND ($4::text IS NULL OR owner = $4) \
                 ORDER BY started_at DESC, run_id LIMIT $3) AS page ON true \
                 ORDER BY page.started_at DESC, page.run_id"
            ),
            &[
                &pattern,
                &provider.map(Provider::id),
                &i64::from(limit),
                &owner,
            ],
        )
        .await?;
    Ok(page_and_total(&rows)?)
}

/// Those of `run_ids` recorded for `owner`.
pub(super) async fn owned(
    store: &PostgresCatalog,
    owner: &str,
    run_ids: &[String],
) -> Result<Vec<String>, CatalogError> {
    if run_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = store
        .rows(
            "SELECT DISTINCT run_id FROM runs WHERE owner = $1 AND run_id = ANY($2)",
            &[&owner, &run_ids],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| row.try_get::<_, String>("run_id"))
        .collect::<Result<Vec<_>, _>>()?)
}

/// The owner a listing of `whose` is limited to (`None`: anyone's).
fn owner_of(whose: Whose<'_>) -> Option<&str> {
    match whose {
        Whose::Anyone => None,
        Whose::Owner(owner) => Some(owner),
    }
}

/// The runs and the count of a page query: every row carries the count; a page with no run
/// is one row whose run columns are null.
fn page_and_total(rows: &[Row]) -> Result<(Vec<RunRecord>, u64), tokio_postgres::Error> {
    let total = match rows.first() {
        Some(row) => u64::try_from(row.try_get::<_, i64>("total")?).unwrap_or_default(),
        None => 0,
    };
    let mut runs = Vec::with_capacity(rows.len());
    for row in rows {
        if row.try_get::<_, Option<&str>>("run_id")?.is_some() {
            runs.push(read_run(row)?);
        }
    }
    Ok((runs, total))
}

/// `text` with LIKE's special characters (and its escape character) escaped.
fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(super::like_escaped(r"a_b%c\d"), r"a\_b\%c\\d");
        assert_eq!(super::like_escaped("plain-id"), "plain-id");
    }
}
