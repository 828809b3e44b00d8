//! `list_tasks`: the tasks an agent can run. Code tasks come from Anchor's task list and
//! Browser Use skills from Browser Use's, one page at a time; generated (Task Builder) tasks,
//! which Anchor cannot list, come from what this server remembers, shown on the first page.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::provider_args::{self, ArgumentSplit, ProviderArg, describe};
use super::read_only;
use crate::catalog::CatalogTask;
use crate::cloud::Provider;
use crate::mcp::args::Problem;
use crate::mcp::context::Providers;
use crate::mcp::context::ToolContext;
use crate::mcp::context::ToolEnv;
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::mcp::task_tools::schema::Signature;
use crate::providers::anchor::catalog::code_task_sighting;
use crate::providers::browser_use::catalog::skill_sighting;
use crate::runs::TaskKind;

pub const NAME: &str = "list_tasks";

/// Arguments of `list_tasks`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Args {
    /// Only one cloud's tasks: "anchor" or "browser_use" (default: both).
    pub provider: Option<ProviderArg>,
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
    /// "code" or "generated" (Anchor tasks), "skill" (Browser Use).
    pub kind: TaskKind,
    /// "anchor" or "browser_use".
    pub provider: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Code tasks: the newest version ("draft" until deployed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_version: Option<String>,
    /// Generated tasks: generating, ready, failed, …; skills: ready (finished and enabled),
    /// disabled (finished; deploy_task enables it), recording, generating, failed, …
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
    /// Browser Use skills in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_skills: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u64>,
}

/// The arguments only one provider has (none).
pub const SPLIT: ArgumentSplit = ArgumentSplit {
    anchor: &[],
    browser_use: &[],
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
            "List the browser-automation tasks you can run: code tasks (TypeScript, with \
             versions) and generated tasks (made by generate_task), with their ids, names, \
             descriptions, latest versions, and each task's own tool name and argument schema. \
             A task whose tool is not in your tool list (clients cap tool counts) runs with \
             run_task, passing the tool's arguments as inputs. Paginated: pass page to see \
             more.",
            "List the Browser Use skills you can run (generated, deterministic browser \
             automations with typed inputs), with their ids, names, descriptions, states \
             (ready, disabled, generating, …), and each skill's own tool name and argument \
             schema. A skill whose tool is not in your tool list (clients cap tool counts) runs \
             with run_task, passing the tool's arguments as inputs. Paginated: pass page to see \
             more. For a one-off job, run_task takes a plain-language `task` instead.",
            "List the browser-automation tasks you can run: Anchor Browser code tasks \
             (TypeScript, with versions) and generated tasks (made by generate_task), and \
             Browser Use skills, with their ids, names, descriptions, versions or states, and \
             each task's own tool name and argument schema. A task whose tool is not in your \
             tool list (clients cap tool counts) runs with run_task, passing the tool's \
             arguments as inputs. Paginated: pass page to see more; provider shows one cloud's \
             tasks only.",
        ),
        input_schema_for::<Args>(),
    )
    .with_title("List tasks")
    .with_raw_output_schema(output_schema_for::<Output>())
    .with_annotations(read_only("List tasks"));
    let tool = provider_args::fit(tool, providers, &SPLIT);
    let tool = provider_args::document(
        tool,
        "page",
        &describe(
            providers,
            "",
            "Page of skills, from 1 (default 1).",
            "Page of code tasks and of skills, from 1 (default 1).",
        ),
    );
    provider_args::document(
        tool,
        "limit",
        &describe(
            providers,
            "",
            "Skills per page, 1 to 100 (default 20).",
            "Code tasks and skills per page (each), 1 to 100 (default 20).",
        ),
    )
}

/// Argument rules beyond the schema (none).
pub fn rules(_state: &ToolEnv, _args: &JsonObject, _problems: &mut Vec<Problem>) {}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let configured = call.env.provider_flags();
    let wanted = |provider: Provider| {
        configured.has(provider) && args.provider.is_none_or(|p| Provider::from(p) == provider)
    };
    if !wanted(Provider::Anchor) && !wanted(Provider::BrowserUse) {
        // Nothing configured (or the one asked for is not): say what to set.
        let provider = args
            .provider
            .map(Provider::from)
            .unwrap_or(Provider::Anchor);
        call.env.cloud(provider)?;
    }
    let page = args.page.unwrap_or(1);
    let limit = args.limit.unwrap_or(20);
    let mut known: Vec<CatalogTask> = Vec::new();
    let mut updated: Vec<(String, Option<String>)> = Vec::new();
    let mut total_code_tasks = None;
    let mut total_skills = None;
    let mut more = false;
    if wanted(Provider::Anchor) {
        let anchor = call.env.anchor_or_other()?;
        let list = anchor
            .list_tasks(page, limit)
            .await
            .map_err(|e| ToolError::api(e, "Listing tasks"))?;
        // Everything listed goes into the catalog: it may become a tool.
        let changes = call
            .env
            .learn_all(list.tasks.iter().map(code_task_sighting).collect());
        if page == 1 {
            // Anchor cannot list generated tasks: they come from the catalog, first.
            known.extend(
                call.env
                    .catalog
                    .tasks()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|t| t.kind == TaskKind::Generated),
            );
        }
        for (task, change) in list.tasks.iter().zip(changes) {
            updated.push((task.id.clone(), task.updated_at.clone()));
            known.push(match change {
                Some(change) => change.task,
                None => crate::mcp::context::unrecorded(code_task_sighting(task)),
            });
        }
        let seen = u64::from(page.saturating_sub(1)) * u64::from(limit) + list.tasks.len() as u64;
        more |= list.total.is_some_and(|total| seen < total);
        total_code_tasks = list.total;
    }
    if wanted(Provider::BrowserUse) {
        let bu = call.env.browser_use()?;
        let list = bu
            .list_skills(page, limit, None, None)
            .await
            .map_err(|e| ToolError::api(e, "Listing skills"))?;
        let changes = call
            .env
            .learn_all(list.items.iter().map(skill_sighting).collect());
        for (skill, change) in list.items.iter().zip(changes) {
            updated.push((skill.id.clone(), skill.updated_at.clone()));
            known.push(match change {
                Some(change) => change.task,
                None => crate::mcp::context::unrecorded(skill_sighting(skill)),
            });
        }
        let seen = u64::from(page.saturating_sub(1)) * u64::from(limit) + list.items.len() as u64;
        more |= seen < list.total_items;
        total_skills = Some(list.total_items);
    }
    let listed = call.env.listed_tool_names();
    let updated_at = |id: &str| {
        updated
            .iter()
            .find(|(known, _)| known == id)
            .and_then(|(_, at)| at.clone())
    };
    let tasks: Vec<TaskSummary> = known
        .into_iter()
        .map(|task| {
            let listed_as_tool = listed.contains(&task.tool_name);
            let signature = Signature::new(&task.inputs, &|p| call.env.secrets.configured.has(p));
            let has_tool = !task.tool_name.is_empty();
            TaskSummary {
                updated_at: updated_at(&task.task_id),
                latest_version: (task.kind == TaskKind::Code)
                    .then(|| task.version.clone())
                    .flatten(),
                status: matches!(task.kind, TaskKind::Generated | TaskKind::Skill)
                    .then(|| task.status.clone())
                    .flatten(),
                signature: has_tool.then(|| signature.describe(&task.tool_name)),
                arguments_schema: has_tool.then(|| signature.input_schema()),
                tool_name: has_tool.then(|| task.tool_name.clone()),
                listed_as_tool,
                provider: task.provider.id().to_string(),
                task_id: task.task_id,
                name: task.name,
                kind: task.kind,
                description: task.description,
            }
        })
        .collect();
    let next_page = more.then(|| u64::from(page) + 1);
    let mut summary = if tasks.is_empty() {
        format!(
            "No tasks on page {page}. Make one with generate_task{}.",
            if configured.anchor {
                " or create_task"
            } else {
                ""
            }
        )
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
            total_code_tasks,
            total_skills,
            next_page,
        },
    ))
}
