//! Anchor Browser's part of `list_executions`: a code task's runs, as Anchor lists them (runs
//! of deployed versions, filtered by status and version), or a generated task's, from the
//! catalog (Anchor cannot list them: these are the runs this server started).

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use super::arguments;
use crate::catalog::{CatalogTask, Whose};
use crate::mcp::args::{Problem, TASK_ID_FROM, check_uuid, has, str_arg};
use crate::mcp::context::adapter::{Subjects, ToolPart, read_args};
use crate::mcp::context::work::Work;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::list_executions::{
    ExecutionSummary, Output, PREVIEW_CHARS, SharedArgs, preview,
};
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::models::{ExecutionFilter, RunStatus};
use crate::runs::{RunCloud, RunRef, TaskKind};

/// Anchor's own arguments of `list_executions`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    /// Or: a code task's name.
    pub task_name: Option<String>,
    pub status: Option<StatusFilter>,
    pub version: Option<String>,
}

/// A call's arguments as Anchor reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

/// The status of an Anchor run, as the filter takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Success,
    Failure,
    Timeout,
    Cancelled,
    Queued,
    Running,
}

impl From<StatusFilter> for RunStatus {
    fn from(filter: StatusFilter) -> Self {
        match filter {
            StatusFilter::Success => RunStatus::Success,
            StatusFilter::Failure => RunStatus::Failure,
            StatusFilter::Timeout => RunStatus::Timeout,
            StatusFilter::Cancelled => RunStatus::Cancelled,
            StatusFilter::Queued => RunStatus::Queued,
            StatusFilter::Running => RunStatus::Running,
        }
    }
}

const DESCRIPTION: &str = "A task's runs, newest first: status, timing, output preview \
(generated tasks: runs started here).";

/// Anchor's part of `list_executions`.
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
        "Anchor: a task's runs (code tasks: not the draft's).".into()
    }

    /// Anchor lists the runs of a task only.
    fn subjects(&self) -> Subjects {
        Subjects {
            names: &["task_name"],
            alone: "`task_id` or `task_name`",
            listed: "`task_name` (an Anchor code task)",
        }
    }

    fn rules(&self, env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        check(env, args, problems);
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let args: Args = read_args(args)?;
            run(call, self.account.client()?, args).await
        }
        .map(|outcome| outcome.map(Work::from))
        .boxed()
    }
}

/// The task a call names, as the catalog knows it (as read before the call's checks): by id,
/// else by name.
fn known_task(
    env: &ToolEnv,
    task_id: Option<&str>,
    task_name: Option<&str>,
) -> Option<CatalogTask> {
    let tasks = env.tasks_as_read();
    match (task_id, task_name) {
        (Some(id), _) => tasks.task(id).cloned(),
        (None, Some(name)) => tasks.task_by_name(name, None).cloned(),
        _ => None,
    }
}

/// Argument rules of listing Anchor runs (that a task is named at all is the tool's rule).
fn check(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    if has(args, "task_id") && has(args, "task_name") {
        problems.push(Problem::new(
            "task_id",
            "give either `task_id` or `task_name`, not both",
        ));
    }
    let known = known_task(env, str_arg(args, "task_id"), str_arg(args, "task_name"));
    if known.is_none_or(|t| t.kind == TaskKind::Code) {
        arguments::check_task_name(args, "task_name", problems);
        check_uuid(args, "task_id", TASK_ID_FROM, problems);
    }
    if has(args, "version") && str_arg(args, "version").is_none_or(|v| v.trim().is_empty()) {
        problems.push(Problem::new(
            "version",
            "is empty; give a version such as \"2\"",
        ));
    }
}

/// List them on Anchor.
async fn run(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    args: Args,
) -> Result<Reply, ToolError> {
    let Args { shared, own } = args;
    let known = known_task(
        call.env,
        shared.task_id.as_deref(),
        own.task_name.as_deref(),
    );
    if let Some(task) = known.filter(|t| t.kind == TaskKind::Generated) {
        return generated_runs(call, anchor, &task.task_id, &shared, own.status).await;
    }
    let task_id =
        arguments::resolve_code_task(anchor, shared.task_id.as_deref(), own.task_name.as_deref())
            .await?;
    let filter = ExecutionFilter {
        page: Some(shared.page.unwrap_or(1)),
        limit: Some(shared.limit.unwrap_or(10)),
        status: own.status.map(RunStatus::from),
        version: own.version.clone(),
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
    // The cloud lists everyone's runs: a caller who sees only its own gets those, without
    // the cloud's totals (which count the others').
    let own_only = matches!(call.caller.whose_runs(), Whose::Owner(_));
    let executions = call.visible_runs(executions, |e| &e.execution_id).await;
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
    let total = pagination.total.filter(|_| !own_only);
    let summary = summarize(&task_id, &executions, page_no, total, next_page);
    Ok(Reply::ok(
        summary,
        Output {
            task_id: Some(task_id),
            executions,
            page: page_no,
            limit,
            total,
            total_pages: pagination.total_pages.filter(|_| !own_only),
            next_page,
        },
    ))
}

/// A generated task's runs come from the catalog (Anchor cannot list them): the runs this
/// server (or another sharing the catalog) started. Unfinished ones are checked first.
async fn generated_runs(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    task_id: &str,
    shared: &SharedArgs,
    status: Option<StatusFilter>,
) -> Result<Reply, ToolError> {
    let status = status.map(|s| RunStatus::from(s).to_string());
    let page = shared.page.unwrap_or(1);
    let limit = shared.limit.unwrap_or(10);
    let read = |call: &ToolContext<'_>| {
        let status = status.clone();
        let catalog = call.env.catalog.clone();
        // Only the caller's runs, when it sees only its own.
        let owner = match call.caller.whose_runs() {
            Whose::Anyone => None,
            Whose::Owner(owner) => Some(owner.to_string()),
        };
        async move {
            let whose = owner.as_deref().map_or(Whose::Anyone, Whose::Owner);
            catalog
                .runs_of(task_id, status.as_deref(), whose, page, limit)
                .await
                .map_err(|e| ToolError::NotFound {
                    message: format!("The catalog could not be read: {e}"),
                    hint: format!("Check the catalog at {}.", catalog.location()),
                })
        }
    };
    let (records, _) = read(call).await?;
    for record in records.iter().filter(|r| !r.finished) {
        let run = RunRef {
            kind: TaskKind::Generated,
            execution_id: record.run_id.clone(),
            task_id: None,
            session_id: None,
        };
        match anchor.check(&run).await {
            Ok(report) => call.env.note_run_state(&report, &[], None).await,
            Err(error) => tracing::warn!(%error, run = %record.run_id, "could not refresh a run"),
        }
    }
    let (records, total) = read(call).await?;
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

/// A page of a task's runs as the answer's summary.
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
