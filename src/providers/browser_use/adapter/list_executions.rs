//! Browser Use Cloud's part of `list_executions`: a skill's executions (which the API cannot
//! filter), or, without a task, the account's agent tasks (filtered by status, session and
//! creation time).

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use crate::catalog::Whose;
use crate::mcp::args::{Problem, TASK_ID_FROM, check_uuid, has, str_arg};
use crate::mcp::context::adapter::{Subjects, ToolPart, read_args};
use crate::mcp::context::work::Work;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::list_executions::{ExecutionSummary, Output, SharedArgs, preview};
use crate::providers::browser_use::BrowserUseClient;
use crate::providers::browser_use::models::{Page, TaskFilter, TaskStatus};

/// Browser Use's own arguments of `list_executions`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    pub status: Option<StatusFilter>,
    /// ISO 8601.
    pub after: Option<String>,
    /// ISO 8601.
    pub before: Option<String>,
    pub session_id: Option<String>,
}

/// A call's arguments as Browser Use reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

/// The status of a Browser Use agent task, as the filter takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Created,
    Started,
    Finished,
    Failed,
    Stopped,
}

impl From<StatusFilter> for TaskStatus {
    fn from(filter: StatusFilter) -> Self {
        match filter {
            StatusFilter::Created => TaskStatus::Created,
            StatusFilter::Started => TaskStatus::Started,
            StatusFilter::Finished => TaskStatus::Finished,
            StatusFilter::Failed => TaskStatus::Failed,
            StatusFilter::Stopped => TaskStatus::Stopped,
        }
    }
}

/// The filters of agent tasks, which a skill's executions do not take.
const AGENT_FILTERS: [&str; 4] = ["status", "after", "before", "session_id"];

const DESCRIPTION: &str = "List runs, newest first, with status, timing, cost and an output \
preview: your Browser Use agent tasks, or a skill's runs (task_id).";

/// Browser Use's part of `list_executions`.
pub struct ListExecutions {
    account: Arc<Account>,
}

impl ListExecutions {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for ListExecutions {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        DESCRIPTION.into()
    }

    fn fragment(&self) -> String {
        "Browser Use: a skill's runs, or (provider \"browser_use\", no task) your agent tasks."
            .into()
    }

    fn argument_docs(&self) -> Vec<(&'static str, String)> {
        vec![("task_id", "A skill's id; none: your agent tasks.".into())]
    }

    /// Without a task, Browser Use lists the account's agent tasks: nothing is required.
    fn subjects(&self) -> Subjects {
        Subjects {
            names: &[],
            alone: "",
            listed: "to list Browser Use agent tasks, give provider \"browser_use\" instead",
        }
    }

    fn rules(&self, _env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        check(args, problems);
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let Args { shared, own } = read_args(args)?;
            let bu = self.account.client()?;
            match shared.task_id.clone() {
                Some(skill_id) => skill_executions(call, bu, &skill_id, &shared).await,
                None => agent_tasks(call, bu, &shared, &own).await,
            }
        }
        .map(|outcome| outcome.map(Work::from))
        .boxed()
    }
}

/// Argument rules of listing Browser Use runs.
fn check(args: &JsonObject, problems: &mut Vec<Problem>) {
    if has(args, "task_id") {
        check_uuid(args, "task_id", TASK_ID_FROM, problems);
        for key in AGENT_FILTERS {
            if has(args, key) {
                problems.push(Problem::new(
                    key,
                    "filters agent tasks; a skill's executions cannot be filtered: leave it \
                     out, or leave task_id out to list agent tasks",
                ));
            }
        }
    }
    check_uuid(
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

/// A skill's executions (the API cannot filter them), newest first.
async fn skill_executions(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    skill_id: &str,
    shared: &SharedArgs,
) -> Result<Reply, ToolError> {
    let page = shared.page.unwrap_or(1);
    let limit = shared.limit.unwrap_or(10);
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
    let executions = call.visible_runs(executions, |e| &e.execution_id).await;
    let name = call
        .env
        .known_task(skill_id)
        .await
        .map(|t| format!("skill {:?}", t.name))
        .unwrap_or_else(|| format!("skill {skill_id}"));
    Ok(paged_reply(
        &name,
        Some(skill_id.to_string()),
        executions,
        &list,
        only_own(call),
        "get_execution with the execution_id and this task_id returns one, with a link to its \
         output.",
    ))
}

/// The account's agent tasks, newest first, filtered.
async fn agent_tasks(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    shared: &SharedArgs,
    own: &OwnArgs,
) -> Result<Reply, ToolError> {
    let filter = TaskFilter {
        page_size: Some(shared.limit.unwrap_or(10)),
        page_number: Some(shared.page.unwrap_or(1)),
        session_id: own.session_id.clone(),
        status: own.status.map(TaskStatus::from),
        after: own.after.as_deref().and_then(date_time),
        before: own.before.as_deref().and_then(date_time),
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
    let executions = call.visible_runs(executions, |e| &e.execution_id).await;
    Ok(paged_reply(
        "your Browser Use agent tasks",
        None,
        executions,
        &list,
        only_own(call),
        "get_execution with an execution_id returns one in full (with its steps and files).",
    ))
}

/// Whether the caller sees only its own runs (a listing is then filtered, and the cloud's
/// totals, which count everyone's, are not shown).
fn only_own(call: &ToolContext<'_>) -> bool {
    matches!(call.caller.whose_runs(), Whose::Owner(_))
}

/// A page of Browser Use runs as the answer (`own_only`: filtered to the caller's runs).
fn paged_reply<T>(
    what: &str,
    task_id: Option<String>,
    executions: Vec<ExecutionSummary>,
    list: &Page<T>,
    own_only: bool,
    more: &str,
) -> Reply {
    let limit = list.page_size.max(1);
    let total_pages = list.total_items.div_ceil(limit);
    let next_page = (list.page_number < total_pages).then_some(list.page_number + 1);
    let mut summary = if executions.is_empty() {
        format!("No runs of {what} match on page {}.", list.page_number)
    } else if own_only {
        format!(
            "{} run(s) of {what} on page {} (only the runs you started):",
            executions.len(),
            list.page_number
        )
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
            total: (!own_only).then_some(list.total_items),
            total_pages: (!own_only).then_some(total_pages),
            next_page,
        },
    )
}
