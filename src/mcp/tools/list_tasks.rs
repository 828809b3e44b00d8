//! `list_tasks`: the tasks an agent can run. Code tasks come from Anchor's task list, one page
//! at a time; generated (Task Builder) tasks, which Anchor cannot list, come from what this
//! server remembers, shown on the first page.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ToolCall, read_only};
use crate::mcp::Shared;
use crate::mcp::args::Problem;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::runs::TaskKind;

pub const NAME: &str = "list_tasks";

/// Arguments of `list_tasks`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Args {
    /// Page of code tasks, from 1 (default 1).
    #[schemars(range(min = 1))]
    pub page: Option<u32>,
    /// Code tasks per page, 1 to 100 (default 20).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
}

/// One task in the list.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskSummary {
    pub task_id: String,
    pub name: String,
    /// "code" or "generated".
    pub kind: TaskKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Code tasks: the newest version ("draft" until deployed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_version: Option<String>,
    /// Generated tasks: generating, ready, failed, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// The answer of `list_tasks`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub tasks: Vec<TaskSummary>,
    pub page: u64,
    pub limit: u64,
    /// Code tasks in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_code_tasks: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u64>,
}

/// The tool's definition.
pub fn definition() -> Tool {
    Tool::new(
        NAME,
        "List the browser-automation tasks you can run: code tasks (TypeScript, with versions) \
         and generated tasks (made by generate_task), with their ids, names, descriptions and \
         latest versions. Use it to find the task_id for run_task, get_task or \
         list_executions. Paginated: pass page to see more.",
        input_schema_for::<Args>(),
    )
    .with_title("List tasks")
    .with_raw_output_schema(output_schema_for::<Output>())
    .with_annotations(read_only("List tasks"))
}

/// Argument rules beyond the schema (none).
pub fn rules(_state: &Shared, _args: &JsonObject, _problems: &mut Vec<Problem>) {}

/// Run it.
pub async fn run(call: &ToolCall<'_>, args: Args) -> Result<Reply, ToolError> {
    let anchor = call.anchor()?;
    let page = args.page.unwrap_or(1);
    let limit = args.limit.unwrap_or(20);
    let list = anchor
        .list_tasks(page, limit)
        .await
        .map_err(|e| ToolError::api(e, "Listing tasks"))?;
    let mut tasks: Vec<TaskSummary> = Vec::new();
    if page == 1 {
        tasks.extend(
            call.state
                .catalog
                .all_generated()
                .into_iter()
                .map(|t| TaskSummary {
                    task_id: t.id,
                    name: t.name,
                    kind: TaskKind::Generated,
                    description: t.description,
                    latest_version: None,
                    status: Some(t.status),
                    updated_at: None,
                }),
        );
    }
    tasks.extend(list.tasks.iter().map(|t| TaskSummary {
        task_id: t.id.clone(),
        name: t.name.clone(),
        kind: TaskKind::Code,
        description: t.description.clone(),
        latest_version: t.latest_version.clone(),
        status: None,
        updated_at: t.updated_at.clone(),
    }));
    let seen = u64::from(page.saturating_sub(1)) * u64::from(limit) + list.tasks.len() as u64;
    let next_page = list
        .total
        .filter(|total| seen < *total)
        .map(|_| u64::from(page) + 1);
    let mut summary = if tasks.is_empty() {
        format!("No tasks on page {page}. Create one with create_task or generate_task.")
    } else {
        format!("{} task(s) on page {page}:", tasks.len())
    };
    for task in &tasks {
        summary.push_str(&format!(
            "\n- {} ({}, {}){}",
            task.name,
            task.kind.as_str(),
            task.task_id,
            task.latest_version
                .as_deref()
                .or(task.status.as_deref())
                .map(|v| format!(": {v}"))
                .unwrap_or_default()
        ));
    }
    if let Some(next) = next_page {
        summary.push_str(&format!("\nMore on page {next}."));
    }
    Ok(Reply::ok(
        summary,
        Output {
            tasks,
            page: u64::from(page),
            limit: u64::from(limit),
            total_code_tasks: list.total,
            next_page,
        },
    ))
}
