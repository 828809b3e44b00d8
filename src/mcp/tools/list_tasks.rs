//! `list_tasks`: the tasks an agent can run. Code tasks come from Anchor's task list, one page
//! at a time; generated (Task Builder) tasks, which Anchor cannot list, come from what this
//! server remembers, shown on the first page.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ToolCall, read_only};
use crate::catalog::CatalogTask;
use crate::cloud::Provider;
use crate::mcp::Shared;
use crate::mcp::args::Problem;
use crate::mcp::refresh::code_task_sighting;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::mcp::task_tools::schema::Signature;
use crate::params::ParamsOrigin;
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
    /// The task's own tool name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// Whether that tool is in the tool list now; if not, run the task with run_task.
    pub listed_as_tool: bool,
    /// The task's arguments at a glance, e.g. `hn_top(count?: number = 10, section: "news"|"ask")`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// The JSON Schema of the task's arguments (its tool's input schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments_schema: Option<serde_json::Map<String, serde_json::Value>>,
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
         and generated tasks (made by generate_task), with their ids, names, descriptions, \
         latest versions, and each task's own tool name and argument schema. A task whose \
         tool is not in your tool list (clients cap tool counts) runs with run_task, passing \
         the tool's arguments as inputs. Paginated: pass page to see more.",
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
    // Everything listed goes into the catalog: it may become a tool.
    let changes = call
        .state
        .learn_all(list.tasks.iter().map(code_task_sighting).collect())
        .await;
    let mut known: Vec<CatalogTask> = list
        .tasks
        .iter()
        .zip(changes)
        .map(|(task, change)| match change {
            Some(change) => change.task,
            None => unrecorded(task),
        })
        .collect();
    if page == 1 {
        // Anchor cannot list generated tasks: they come from the catalog, first.
        let generated: Vec<CatalogTask> = call
            .state
            .catalog
            .tasks()
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t.kind == TaskKind::Generated)
            .collect();
        known.splice(0..0, generated);
    }
    let table = call.state.table();
    let code_meta = |id: &str| list.tasks.iter().find(|t| t.id == id);
    let tasks: Vec<TaskSummary> = known
        .into_iter()
        .map(|task| {
            let listed_as_tool = table.get(&task.tool_name).is_some();
            let signature = Signature::new(&task.inputs, &|p| call.state.secrets.has(p));
            let has_tool = !task.tool_name.is_empty();
            TaskSummary {
                updated_at: code_meta(&task.task_id).and_then(|t| t.updated_at.clone()),
                latest_version: (task.kind == TaskKind::Code)
                    .then(|| task.version.clone())
                    .flatten(),
                status: (task.kind == TaskKind::Generated)
                    .then(|| task.status.clone())
                    .flatten(),
                signature: has_tool.then(|| signature.describe(&task.tool_name)),
                arguments_schema: has_tool.then(|| signature.input_schema()),
                tool_name: has_tool.then(|| task.tool_name.clone()),
                listed_as_tool,
                task_id: task.task_id,
                name: task.name,
                kind: task.kind,
                description: task.description,
            }
        })
        .collect();
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
        let state = task
            .latest_version
            .as_deref()
            .or(task.status.as_deref())
            .unwrap_or("?");
        let how = match (&task.signature, task.listed_as_tool) {
            (Some(signature), true) => format!("tool {signature}"),
            _ => format!("run_task {{\"task_id\": \"{}\"}}", task.task_id),
        };
        summary.push_str(&format!(
            "\n- {} ({}, {state}): {how}",
            task.name,
            task.kind.as_str()
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

/// A listed task the catalog could not record: shown, but without a tool.
fn unrecorded(task: &crate::anchor::models::Task) -> CatalogTask {
    CatalogTask {
        provider: Provider::Anchor,
        kind: TaskKind::Code,
        task_id: task.id.clone(),
        name: task.name.clone(),
        description: task.description.clone(),
        version: task.latest_version.clone(),
        status: None,
        inputs: Vec::new(),
        outputs: Vec::new(),
        params_origin: ParamsOrigin::Unknown,
        tool_name: String::new(),
        last_seen: String::new(),
        last_used: None,
    }
}
