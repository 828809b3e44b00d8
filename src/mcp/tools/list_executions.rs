//! `list_executions`: one page of a code task's past and current runs, newest first as the
//! API returns them, with status and version filters. Outputs are cut to a preview so a page
//! stays small; `get_execution` returns one in full.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common;
use super::{ToolCall, read_only};
use crate::anchor::models::{ExecutionFilter, RunStatus};
use crate::mcp::Shared;
use crate::mcp::args::{Problem, has, str_arg};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::runs::{self, RunRef, TaskKind, parse_output};

pub const NAME: &str = "list_executions";

/// Longest output preview per execution, in characters.
const PREVIEW_CHARS: usize = 300;

/// Status filter values.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Success,
    Failure,
    Timeout,
    Cancelled,
    Queued,
    Running,
}

/// Arguments of `list_executions`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Args {
    /// The task's id.
    pub task_id: Option<String>,
    /// Instead of task_id: the task's name.
    pub task_name: Option<String>,
    /// Only runs with this status.
    pub status: Option<StatusFilter>,
    /// Only runs of this version (e.g. "2").
    pub version: Option<String>,
    /// Page number, from 1 (default 1).
    #[schemars(range(min = 1))]
    pub page: Option<u32>,
    /// Runs per page, 1 to 100 (default 10).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
}

/// One run in the list.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ExecutionSummary {
    pub execution_id: String,
    /// queued, running, success, failure, timeout or cancelled.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_time_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The start of the output; get_execution returns all of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_preview: Option<String>,
}

/// The answer of `list_executions`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub task_id: String,
    pub executions: Vec<ExecutionSummary>,
    pub page: u64,
    pub limit: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<u64>,
    /// The page to ask for next, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u64>,
}

/// The tool's definition.
pub fn definition() -> Tool {
    Tool::new(
        NAME,
        "List the runs (executions) of a task, newest first, one page at a time, with their \
         status, version, timing, error and a preview of the output. Filter by status or \
         version. Code tasks: Anchor lists runs of deployed versions only, not of the draft. \
         Generated tasks: the runs this server started (Anchor cannot list them). Use \
         get_execution for one run's full output.",
        input_schema_for::<Args>(),
    )
    .with_title("List a task's runs")
    .with_raw_output_schema(output_schema_for::<Output>())
    .with_annotations(read_only("List a task's runs"))
}

/// Argument rules beyond the schema.
pub fn rules(state: &Shared, args: &JsonObject, problems: &mut Vec<Problem>) {
    common::check_one_of(args, "task_id", "task_name", true, problems);
    let known = match (str_arg(args, "task_id"), str_arg(args, "task_name")) {
        (Some(id), _) => state.known_task(id),
        (None, Some(name)) => state.catalog.task_by_name(name, None),
        _ => None,
    };
    if known.is_none_or(|t| t.kind == TaskKind::Code) {
        common::check_task_name(args, "task_name", problems);
        common::check_uuid(args, "task_id", common::TASK_ID_FROM, problems);
    }
    if has(args, "version") && str_arg(args, "version").is_none_or(|v| v.trim().is_empty()) {
        problems.push(Problem::new(
            "version",
            "is empty; give a version such as \"2\"",
        ));
    }
}

/// Run it.
pub async fn run(call: &ToolCall<'_>, args: Args) -> Result<Reply, ToolError> {
    let anchor = call.anchor()?;
    let known = match (&args.task_id, &args.task_name) {
        (Some(id), _) => call.state.known_task(id),
        (None, Some(name)) => call.state.catalog.task_by_name(name, None),
        _ => None,
    };
    if let Some(task) = known.filter(|t| t.kind == TaskKind::Generated) {
        return generated_runs(call, &task.task_id, &args).await;
    }
    let task_id =
        common::resolve_code_task(anchor, args.task_id.as_deref(), args.task_name.as_deref())
            .await?;
    let filter = ExecutionFilter {
        page: Some(args.page.unwrap_or(1)),
        limit: Some(args.limit.unwrap_or(10)),
        status: args.status.map(status_of),
        version: args.version.clone(),
    };
    let page = anchor
        .list_executions(&task_id, &filter)
        .await
        .map_err(|e| ToolError::api(e, format!("Listing the runs of task {task_id}")))?;
    let executions: Vec<ExecutionSummary> = page
        .results
        .iter()
        .map(|e| ExecutionSummary {
            execution_id: e.id.clone(),
            status: e.status.to_string(),
            version: e.version.clone(),
            started_at: e.start_time.clone(),
            execution_time_ms: e.execution_time,
            error: e.error_message.clone().filter(|m| !m.is_empty()),
            output_preview: e.output.as_deref().map(preview),
        })
        .collect();
    let pagination = &page.pagination;
    let page_no = pagination
        .page
        .unwrap_or(u64::from(filter.page.unwrap_or(1)));
    let limit = pagination
        .limit
        .unwrap_or(u64::from(filter.limit.unwrap_or(10)));
    let next_page = pagination
        .total_pages
        .filter(|pages| page_no < *pages)
        .map(|_| page_no + 1);
    let summary = summarize(&task_id, &executions, page_no, pagination.total, next_page);
    Ok(Reply::ok(
        summary,
        Output {
            task_id,
            executions,
            page: page_no,
            limit,
            total: pagination.total,
            total_pages: pagination.total_pages,
            next_page,
        },
    ))
}

/// A generated task's runs come from the catalog (Anchor cannot list them): the runs this
/// server (or another sharing the catalog) started. Unfinished ones are checked first.
async fn generated_runs(
    call: &ToolCall<'_>,
    task_id: &str,
    args: &Args,
) -> Result<Reply, ToolError> {
    let anchor = call.anchor()?;
    let status = args.status.map(|s| status_of(s).to_string());
    let page = args.page.unwrap_or(1);
    let limit = args.limit.unwrap_or(10);
    let read = |call: &ToolCall<'_>| {
        call.state
            .catalog
            .runs_of(task_id, status.as_deref(), page, limit)
            .map_err(|e| ToolError::NotFound {
                message: format!("The catalog could not be read: {e}"),
                hint: "Check the catalog file named in the server's log.".into(),
            })
    };
    let (records, _) = read(call)?;
    for record in records.iter().filter(|r| !r.finished) {
        match runs::check(
            anchor,
            &RunRef::AnchorGenerated {
                run_id: record.run_id.clone(),
            },
        )
        .await
        {
            Ok(report) => call.state.note_run_state(&report, &[]),
            Err(error) => tracing::warn!(%error, run = %record.run_id, "could not refresh a run"),
        }
    }
    let (records, total) = read(call)?;
    let executions: Vec<ExecutionSummary> = records
        .into_iter()
        .map(|r| ExecutionSummary {
            execution_id: r.run_id,
            status: r.status,
            version: r.version,
            started_at: Some(r.started_at),
            execution_time_ms: None,
            error: r.error,
            output_preview: r
                .summary
                .map(|s| crate::cloud::truncate_text(&s, PREVIEW_CHARS)),
        })
        .collect();
    let total_pages = total.div_ceil(u64::from(limit.max(1)));
    let next_page = (u64::from(page) < total_pages).then(|| u64::from(page) + 1);
    let summary = summarize(
        task_id,
        &executions,
        u64::from(page),
        Some(total),
        next_page,
    );
    Ok(Reply::ok(
        summary,
        Output {
            task_id: task_id.to_string(),
            executions,
            page: u64::from(page),
            limit: u64::from(limit),
            total: Some(total),
            total_pages: Some(total_pages),
            next_page,
        },
    ))
}

fn status_of(filter: StatusFilter) -> RunStatus {
    match filter {
        StatusFilter::Success => RunStatus::Success,
        StatusFilter::Failure => RunStatus::Failure,
        StatusFilter::Timeout => RunStatus::Timeout,
        StatusFilter::Cancelled => RunStatus::Cancelled,
        StatusFilter::Queued => RunStatus::Queued,
        StatusFilter::Running => RunStatus::Running,
    }
}

fn preview(output: &str) -> String {
    // Compact JSON reads better than the API's string when it is JSON.
    let text = match parse_output(output) {
        serde_json::Value::String(text) => text,
        json => json.to_string(),
    };
    crate::cloud::truncate_text(&text, PREVIEW_CHARS)
}

fn summarize(
    task_id: &str,
    executions: &[ExecutionSummary],
    page: u64,
    total: Option<u64>,
    next_page: Option<u64>,
) -> String {
    if executions.is_empty() {
        return format!(
            "Task {task_id} has no runs matching these filters on page {page} (runs of the \
             draft are not listed)."
        );
    }
    let mut text = format!(
        "{} run(s) of task {task_id} on page {page}{}:",
        executions.len(),
        total.map(|t| format!(" of {t} in all")).unwrap_or_default()
    );
    for e in executions {
        text.push_str(&format!(
            "\n- {} {} (version {}){}",
            e.execution_id,
            e.status,
            e.version.as_deref().unwrap_or("?"),
            e.started_at
                .as_deref()
                .map(|s| format!(", started {s}"))
                .unwrap_or_default()
        ));
    }
    if let Some(next) = next_page {
        text.push_str(&format!("\nMore on page {next}."));
    }
    text
}
