//! `list_executions`: one page of runs, newest first as the APIs return them. Anchor: a code
//! task's runs (status and version filters) or a generated task's (the ones this server
//! started). Browser Use: a skill's executions, or, without a task, the account's agent tasks
//! (status, session and date filters). Outputs are cut to a preview so a page stays small;
//! `get_execution` returns one in full.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::provider_args::{self, ArgumentSplit, ProviderArg, describe};
use super::read_only;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, has, str_arg};
use crate::mcp::context::Providers;
use crate::mcp::context::ToolContext;
use crate::mcp::context::ToolEnv;
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::providers::anchor::adapter::arguments;
use crate::providers::anchor::models::{ExecutionFilter, RunStatus};
use crate::providers::browser_use::BrowserUseClient;
use crate::providers::browser_use::models::{TaskFilter, TaskStatus};
use crate::providers::runs::{self, Cloud};
use crate::runs::{RunRef, TaskKind, parse_output};

pub const NAME: &str = "list_executions";

/// Longest output preview per execution, in characters.
const PREVIEW_CHARS: usize = 300;

/// Status filter values: Anchor's, then Browser Use agent tasks' (the definition lists the
/// configured providers' values only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Success,
    Failure,
    Timeout,
    Cancelled,
    Queued,
    Running,
    Created,
    Started,
    Finished,
    Failed,
    Stopped,
}

/// Anchor's status values.
const ANCHOR_STATUSES: [&str; 6] = [
    "success",
    "failure",
    "timeout",
    "cancelled",
    "queued",
    "running",
];
/// Browser Use agent tasks' status values.
const BROWSER_USE_STATUSES: [&str; 5] = ["created", "started", "finished", "failed", "stopped"];

/// Arguments of `list_executions`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Args {
    /// Which cloud: "anchor" or "browser_use" (default: the task's own; without a task,
    /// Browser Use's agent tasks need "browser_use").
    pub provider: Option<ProviderArg>,
    /// The task's id.
    pub task_id: Option<String>,
    /// Instead of task_id: the task's name.
    pub task_name: Option<String>,
    /// Only runs with this status.
    pub status: Option<StatusFilter>,
    /// Only runs of this version (e.g. "2").
    pub version: Option<String>,
    /// Browser Use agent tasks: only those created after this time (ISO 8601, e.g.
    /// "2026-11-01T00:00:00Z" or "2026-11-01"; UTC when no offset is given).
    pub after: Option<String>,
    /// Browser Use agent tasks: only those created before this time (ISO 8601).
    pub before: Option<String>,
    /// Browser Use agent tasks: only those run in this browser session (a UUID).
    pub session_id: Option<String>,
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
    /// Anchor: queued, running, success, failure, timeout or cancelled. Browser Use: created,
    /// started, finished, failed or stopped (skills: running, completed, failed).
    pub status: String,
    /// Browser Use agent tasks: what the agent was asked (shortened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Browser Use: what the run cost, in US dollars.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
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
    /// The task whose runs these are (absent for Browser Use agent tasks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
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

/// The arguments only one provider has.
pub const SPLIT: ArgumentSplit = ArgumentSplit {
    anchor: &["task_name", "version"],
    browser_use: &["after", "before", "session_id"],
};

/// The tool's definition, as listed by a server with these providers (`None`: not offered).
pub fn definition(set: &ProviderSet) -> Option<Tool> {
    let providers = Providers::of(set);
    Some(definition_for(providers))
}

/// The tool's definition.
fn definition_for(providers: Providers) -> Tool {
    let tool = Tool::new(
        NAME,
        describe(
            providers,
            "List the runs (executions) of a task, newest first, one page at a time, with \
             their status, version, timing, error and a preview of the output. Filter by \
             status or version. Code tasks: Anchor lists runs of deployed versions only, not \
             of the draft. Generated tasks: the runs this server started (Anchor cannot list \
             them). Use get_execution for one run's full output.",
            "List runs, newest first, one page at a time, with their status, timing, cost and \
             a preview of the output: without task_id, your Browser Use agent tasks (filter by \
             status, session_id, or creation time with after/before); with a skill's task_id, \
             that skill's executions. Use get_execution for one run in full.",
            "List runs, newest first, one page at a time, with their status, timing, error and \
             a preview of the output. Anchor code tasks (task_id or task_name; filter by status \
             or version; runs of the draft are not listed), Anchor generated tasks (the runs \
             this server started), Browser Use skills (task_id). Without a task, with \
             provider \"browser_use\": your Browser Use agent tasks, filtered by status, \
             session_id or creation time (after/before). Use get_execution for one run's full \
             output.",
        ),
        input_schema_for::<Args>(),
    )
    .with_title("List a task's runs")
    .with_raw_output_schema(output_schema_for::<Output>())
    .with_annotations(read_only("List a task's runs"));
    let mut tool = provider_args::fit(tool, providers, &SPLIT);
    // Only the configured providers' status values.
    let shown = providers.shown();
    let statuses: Vec<Value> = ANCHOR_STATUSES
        .iter()
        .filter(|_| shown.anchor)
        .chain(BROWSER_USE_STATUSES.iter().filter(|_| shown.browser_use))
        .map(|s| Value::from(*s))
        .collect();
    let mut schema = (*tool.input_schema).clone();
    if let Some(Value::Object(status)) = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut("status"))
    {
        status.insert("enum".into(), Value::Array(statuses));
    }
    tool.input_schema = std::sync::Arc::new(schema);
    provider_args::document(
        tool,
        "task_id",
        &describe(
            providers,
            "",
            "A skill's id, to list its executions; leave it out to list your agent tasks.",
            "The task's id (an Anchor task or a Browser Use skill).",
        ),
    )
}

fn provider_of(state: &ToolEnv, args: &JsonObject) -> Provider {
    let named = match (str_arg(args, "task_id"), str_arg(args, "task_name")) {
        (Some(id), _) => state.known_task(id),
        (None, Some(name)) => state.catalog.task_by_name(name, None),
        _ => None,
    }
    .map(|task| task.provider);
    provider_args::resolve(state.provider_flags(), args, &SPLIT, named)
}

/// Argument rules beyond the schema.
pub fn rules(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    let provider = provider_of(state, args);
    provider_args::foreign_argument_problems(
        state.provider_flags(),
        args,
        &SPLIT,
        provider,
        problems,
    );
    let status = str_arg(args, "status");
    if provider == Provider::BrowserUse {
        browser_use_rules(args, status, problems);
        return;
    }
    if let Some(status) = status.filter(|s| BROWSER_USE_STATUSES.contains(s)) {
        problems.push(Problem::new(
            "status",
            format!(
                "{status:?} is a Browser Use status; Anchor runs are {}",
                ANCHOR_STATUSES.join(", ")
            ),
        ));
    }
    match (has(args, "task_id"), has(args, "task_name")) {
        (true, true) => problems.push(Problem::new(
            "task_id",
            "give either `task_id` or `task_name`, not both",
        )),
        (false, false) => problems.push(Problem::new(
            "task_id",
            if state.provider_flags().both() {
                "is required for Anchor: give `task_id` or `task_name`; to list Browser Use \
                 agent tasks, give provider \"browser_use\" instead"
            } else {
                "is required: give `task_id` or `task_name`"
            },
        )),
        _ => {}
    }
    let known = match (str_arg(args, "task_id"), str_arg(args, "task_name")) {
        (Some(id), _) => state.known_task(id),
        (None, Some(name)) => state.catalog.task_by_name(name, None),
        _ => None,
    };
    if known.is_none_or(|t| t.kind == TaskKind::Code) {
        arguments::check_task_name(args, "task_name", problems);
        crate::mcp::args::check_uuid(args, "task_id", crate::mcp::args::TASK_ID_FROM, problems);
    }
    if has(args, "version") && str_arg(args, "version").is_none_or(|v| v.trim().is_empty()) {
        problems.push(Problem::new(
            "version",
            "is empty; give a version such as \"2\"",
        ));
    }
}

fn browser_use_rules(args: &JsonObject, status: Option<&str>, problems: &mut Vec<Problem>) {
    if let Some(status) = status.filter(|s| !BROWSER_USE_STATUSES.contains(s)) {
        problems.push(Problem::new(
            "status",
            format!(
                "{status:?} is an Anchor status; Browser Use tasks are {}",
                BROWSER_USE_STATUSES.join(", ")
            ),
        ));
    }
    if has(args, "task_id") {
        crate::mcp::args::check_uuid(args, "task_id", crate::mcp::args::TASK_ID_FROM, problems);
        for key in ["status", "after", "before", "session_id"] {
            if has(args, key) {
                problems.push(Problem::new(
                    key,
                    "filters agent tasks; a skill's executions cannot be filtered: leave it \
                     out, or leave task_id out to list agent tasks",
                ));
            }
        }
    }
    crate::mcp::args::check_uuid(
        args,
        "session_id",
        "the id of a Browser Use session",
        problems,
    );
    for key in ["after", "before"] {
        if let Some(text) = str_arg(args, key)
            && date_time(text).is_none()
        {
            problems.push(Problem::new(
                key,
                "must be a date or time in ISO 8601, e.g. \"2026-11-01\" or \
                 \"2026-11-01T08:00:00Z\"",
            ));
        }
    }
}

/// An ISO 8601 date or date-time as the API wants it (RFC 3339; UTC when no offset is given).
fn date_time(text: &str) -> Option<String> {
    let text = text.trim();
    if chrono::DateTime::parse_from_rfc3339(text).is_ok() {
        return Some(text.to_string());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Some(
                naive
                    .and_utc()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
        }
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|naive| {
            naive
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let raw = provider_args::as_object(&args);
    if provider_of(call.env, &raw) == Provider::BrowserUse {
        let bu = call.env.browser_use()?;
        return match args.task_id.clone() {
            Some(skill_id) => skill_executions(call, bu, &skill_id, &args).await,
            None => agent_tasks(bu, &args).await,
        };
    }
    let anchor = call.env.anchor_or_other()?;
    let known = match (&args.task_id, &args.task_name) {
        (Some(id), _) => call.env.known_task(id),
        (None, Some(name)) => call.env.catalog.task_by_name(name, None),
        _ => None,
    };
    if let Some(task) = known.filter(|t| t.kind == TaskKind::Generated) {
        return generated_runs(call, &task.task_id, &args).await;
    }
    let task_id =
        arguments::resolve_code_task(anchor, args.task_id.as_deref(), args.task_name.as_deref())
            .await?;
    let filter = ExecutionFilter {
        page: Some(args.page.unwrap_or(1)),
        limit: Some(args.limit.unwrap_or(10)),
        status: args.status.and_then(anchor_status),
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
            task: None,
            cost: None,
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
            task_id: Some(task_id),
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
    call: &ToolContext<'_>,
    task_id: &str,
    args: &Args,
) -> Result<Reply, ToolError> {
    let anchor = call.env.anchor_or_other()?;
    let status = args.status.and_then(anchor_status).map(|s| s.to_string());
    let page = args.page.unwrap_or(1);
    let limit = args.limit.unwrap_or(10);
    let read = |call: &ToolContext<'_>| {
        call.env
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
            Cloud::Anchor(anchor),
            &RunRef::AnchorGenerated {
                run_id: record.run_id.clone(),
            },
        )
        .await
        {
            Ok(report) => call.env.note_run_state(&report, &[]),
            Err(error) => tracing::warn!(%error, run = %record.run_id, "could not refresh a run"),
        }
    }
    let (records, total) = read(call)?;
    let executions: Vec<ExecutionSummary> = records
        .into_iter()
        .map(|r| ExecutionSummary {
            execution_id: r.run_id,
            status: r.status,
            task: None,
            cost: None,
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
            task_id: Some(task_id.to_string()),
            executions,
            page: u64::from(page),
            limit: u64::from(limit),
            total: Some(total),
            total_pages: Some(total_pages),
            next_page,
        },
    ))
}

/// A skill's executions (the API cannot filter them), newest first.
async fn skill_executions(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    skill_id: &str,
    args: &Args,
) -> Result<Reply, ToolError> {
    let page = args.page.unwrap_or(1);
    let limit = args.limit.unwrap_or(10);
    let list = bu
        .skill_executions(skill_id, page, limit)
        .await
        .map_err(|e| ToolError::api(e, format!("Listing the executions of skill {skill_id}")))?;
    let executions: Vec<ExecutionSummary> = list
        .items
        .iter()
        .map(|e| ExecutionSummary {
            execution_id: e.id.clone(),
            status: e.status.clone(),
            task: None,
            cost: None,
            version: None,
            started_at: e.started_at.clone(),
            execution_time_ms: e.latency_ms.map(|ms| ms as f64),
            error: None,
            output_preview: None,
        })
        .collect();
    let name = call
        .env
        .known_task(skill_id)
        .map(|t| format!("skill {:?}", t.name))
        .unwrap_or_else(|| format!("skill {skill_id}"));
    Ok(paged_reply(
        &name,
        Some(skill_id.to_string()),
        executions,
        &list,
        "get_execution with the execution_id and this task_id returns one, with a link to its \
         output.",
    ))
}

/// The account's agent tasks, newest first, filtered.
async fn agent_tasks(bu: &BrowserUseClient, args: &Args) -> Result<Reply, ToolError> {
    let filter = TaskFilter {
        page_size: Some(args.limit.unwrap_or(10)),
        page_number: Some(args.page.unwrap_or(1)),
        session_id: args.session_id.clone(),
        status: args
            .status
            .and_then(browser_use_status)
            .map(TaskStatus::from),
        after: args.after.as_deref().and_then(date_time),
        before: args.before.as_deref().and_then(date_time),
    };
    let list = bu
        .list_tasks(&filter)
        .await
        .map_err(|e| ToolError::api(e, "Listing Browser Use tasks"))?;
    let executions: Vec<ExecutionSummary> = list
        .items
        .iter()
        .map(|t| ExecutionSummary {
            execution_id: t.id.clone(),
            status: t.status.to_string(),
            task: t
                .task
                .as_deref()
                .map(|text| crate::cloud::truncate_text(text, 200)),
            cost: t.cost.clone(),
            version: None,
            started_at: t.started_at.clone().or(t.created_at.clone()),
            execution_time_ms: None,
            error: None,
            output_preview: t.output.as_deref().map(preview),
        })
        .collect();
    Ok(paged_reply(
        "your Browser Use agent tasks",
        None,
        executions,
        &list,
        "get_execution with an execution_id returns one in full (with its steps and files).",
    ))
}

/// A page of Browser Use runs as the answer.
fn paged_reply<T>(
    what: &str,
    task_id: Option<String>,
    executions: Vec<ExecutionSummary>,
    list: &crate::providers::browser_use::models::Page<T>,
    more: &str,
) -> Reply {
    let limit = list.page_size.max(1);
    let total_pages = list.total_items.div_ceil(limit);
    let next_page = (list.page_number < total_pages).then_some(list.page_number + 1);
    let mut summary = if executions.is_empty() {
        format!("No runs of {what} match on page {}.", list.page_number)
    } else {
        format!(
            "{} run(s) of {what} on page {} of {} in all:",
            executions.len(),
            list.page_number,
            list.total_items
        )
    };
    for e in &executions {
        summary.push_str(&format!(
            "\n- {} {}{}{}",
            e.execution_id,
            e.status,
            e.started_at
                .as_deref()
                .map(|s| format!(", started {s}"))
                .unwrap_or_default(),
            e.task
                .as_deref()
                .map(|t| format!(": {}", crate::cloud::truncate_text(t, 80)))
                .unwrap_or_default()
        ));
    }
    if let Some(next) = next_page {
        summary.push_str(&format!("\nMore on page {next}."));
    }
    if !executions.is_empty() {
        summary.push_str(&format!("\n{more}"));
    }
    Reply::ok(
        summary,
        Output {
            task_id,
            executions,
            page: list.page_number,
            limit: list.page_size,
            total: Some(list.total_items),
            total_pages: Some(total_pages),
            next_page,
        },
    )
}

fn anchor_status(filter: StatusFilter) -> Option<RunStatus> {
    Some(match filter {
        StatusFilter::Success => RunStatus::Success,
        StatusFilter::Failure => RunStatus::Failure,
        StatusFilter::Timeout => RunStatus::Timeout,
        StatusFilter::Cancelled => RunStatus::Cancelled,
        StatusFilter::Queued => RunStatus::Queued,
        StatusFilter::Running => RunStatus::Running,
        _ => return None,
    })
}

fn browser_use_status(filter: StatusFilter) -> Option<&'static str> {
    Some(match filter {
        StatusFilter::Created => "created",
        StatusFilter::Started => "started",
        StatusFilter::Finished => "finished",
        StatusFilter::Failed => "failed",
        StatusFilter::Stopped => "stopped",
        _ => return None,
    })
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
