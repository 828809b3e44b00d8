//! `list_tasks`: the tasks an agent can run, one page at a time. Each provider's part lists its
//! own page (`providers::*::adapter::list_tasks`) into a [`Page`], which this file turns into
//! the answer; a call that names no provider lists every shown provider's page, merged into
//! one answer.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::compose::{self, PROVIDER_ARG, ToolSpec};
use super::read_only;
use crate::catalog::CatalogTask;
use crate::mcp::args::Problem;
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{Access, ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::task_tools::schema::Signature;
use crate::runs::TaskKind;

pub const NAME: &str = "list_tasks";

/// What it does in the cloud.
pub const ACCESS: Access = Access::Read;

/// How every list_tasks description ends: tasks beyond the tool list still run.
pub const NOT_LISTED: &str = "Tasks not in your tool list run with run_task.";

/// A call's arguments: each provider's part reads the shared ones.
pub type Args = JsonObject;

/// The arguments every provider's listing takes.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct SharedArgs {
    #[schemars(range(min = 1))]
    pub page: Option<u32>,
    /// Per cloud; default 20.
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
}

impl SharedArgs {
    /// The page asked for.
    pub fn page(&self) -> u32 {
        self.page.unwrap_or(1)
    }

    /// The page size asked for.
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(20)
    }
}

/// One task in the list.
#[derive(Debug, Serialize, Deserialize)]
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
#[derive(Debug, Serialize, Deserialize)]
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

/// One provider's page of tasks, as its part listed it (the catalog has learned them).
#[derive(Debug, Default)]
pub struct Page {
    /// The tasks, in the order shown.
    pub tasks: Vec<ListedTask>,
    /// Whether the provider has more tasks after this page.
    pub more: bool,
    /// How many code tasks the provider has in all, if it has code tasks.
    pub total_code_tasks: Option<u64>,
    /// How many skills the provider has in all, if it has skills.
    pub total_skills: Option<u64>,
}

/// A task on a [`Page`].
#[derive(Debug)]
pub struct ListedTask {
    /// As the catalog knows it now.
    pub task: CatalogTask,
    /// When the cloud last changed it, as its listing says.
    pub updated_at: Option<String>,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "List tasks",
    lead: "List the tasks you can run, with their state, tool name and arguments.",
    tail: NOT_LISTED,
    arguments: input_schema_for::<SharedArgs>(),
    output_schema: None,
    annotations: read_only(),
});

/// The tool's definition.
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// Whether the call names one provider (else it lists every shown provider's tasks).
fn names_provider(args: &JsonObject) -> bool {
    args.get(PROVIDER_ARG).is_some_and(|p| !p.is_null())
}

/// Argument rules beyond the schema: those of every provider the call lists.
pub fn rules(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    if names_provider(args) {
        let provider = compose::resolve(&SPEC, env, args, None);
        compose::foreign_argument_problems(&SPEC, env, args, provider, problems);
        if let Some(part) = env.providers.get(provider).and_then(|a| a.tool(NAME)) {
            part.rules(env, args, problems);
        }
    } else {
        for (_, part) in compose::shown_parts(&env.providers, NAME) {
            part.rules(env, args, problems);
        }
    }
}

/// Run it: the provider named, or every shown one, their pages merged (in the providers'
/// order; the first failure is the answer).
pub async fn run(call: &ToolContext<'_>, args: JsonObject) -> Result<Reply, ToolError> {
    let parts = compose::shown_parts(&call.env.providers, NAME);
    if names_provider(&args) || parts.len() < 2 {
        // One provider (or none configured: the error says what to set).
        let provider = compose::resolve(&SPEC, call.env, &args, None);
        let part = compose::part_for(&SPEC, call.env, provider)?;
        return compose::run_part(call, part, args, std::time::Duration::ZERO).await;
    }
    let shared = shared_args(&args)?;
    let mut merged = Output {
        tasks: Vec::new(),
        page: u64::from(shared.page()),
        limit: u64::from(shared.limit()),
        total_code_tasks: None,
        total_skills: None,
        next_page: None,
    };
    for (provider, part) in parts {
        let reply = compose::run_part(call, part, args.clone(), std::time::Duration::ZERO).await?;
        // Every part answers through `reply`, so this reads; if it ever did not, the agent can
        // still list that provider alone.
        let output: Output = serde_json::from_value(reply.structured().clone()).map_err(|e| {
            ToolError::Unsupported {
                message: format!("{provider}'s tasks could not be merged with the others: {e}."),
                hint: format!("Call list_tasks with provider \"{}\".", provider.id()),
            }
        })?;
        merged.tasks.extend(output.tasks);
        merged.total_code_tasks = merged.total_code_tasks.or(output.total_code_tasks);
        merged.total_skills = merged.total_skills.or(output.total_skills);
        merged.next_page = merged.next_page.or(output.next_page);
    }
    // Listing one provider's tasks may change which of another's are tools: ask once all
    // are known.
    let listed = call.env.listed_tool_names().await;
    for task in &mut merged.tasks {
        task.listed_as_tool = listed.contains(task.tool_name.as_deref().unwrap_or_default());
    }
    Ok(answer(call, merged))
}

/// A call's shared arguments, as a part reads them.
pub fn shared_args(args: &JsonObject) -> Result<SharedArgs, ToolError> {
    serde_json::from_value(Value::Object(args.clone()))
        .map_err(|e| ToolError::InvalidArguments(vec![Problem::new("(arguments)", e.to_string())]))
}

/// The answer for one provider's page.
pub async fn reply(call: &ToolContext<'_>, args: &SharedArgs, page: Page) -> Reply {
    let (number, limit) = (args.page(), args.limit());
    let listed = call.env.listed_tool_names().await;
    let tasks = page
        .tasks
        .into_iter()
        .map(|listed_task| summary_of(call.env, &listed, listed_task))
        .collect();
    let output = Output {
        tasks,
        page: u64::from(number),
        limit: u64::from(limit),
        total_code_tasks: page.total_code_tasks,
        total_skills: page.total_skills,
        next_page: page.more.then(|| u64::from(number) + 1),
    };
    answer(call, output)
}

/// A task as the list shows it; `listed` are the tool names listed now.
fn summary_of(env: &ToolEnv, listed: &BTreeSet<String>, listed_task: ListedTask) -> TaskSummary {
    let ListedTask { task, updated_at } = listed_task;
    let listed_as_tool = listed.contains(&task.tool_name);
    let signature = Signature::new(&task.inputs, &|p| env.secrets.configured.has(p));
    let has_tool = !task.tool_name.is_empty();
    TaskSummary {
        updated_at,
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
}

/// The reply: a line per task (how to run it), then the structured list.
fn answer(call: &ToolContext<'_>, output: Output) -> Reply {
    let page = output.page;
    let mut summary = if output.tasks.is_empty() {
        // create_task is offered only by the providers that run code tasks.
        let can_create = call
            .env
            .providers
            .configured()
            .any(|adapter| adapter.code_task_runtime().is_some());
        format!(
            "No tasks on page {page}. Make one with generate_task{}.",
            if can_create { " or create_task" } else { "" }
        )
    } else {
        format!("{} task(s) on page {page}:", output.tasks.len())
    };
    for task in &output.tasks {
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
    if let Some(next) = output.next_page {
        summary.push_str(&format!("\nMore on page {next}."));
    }
    Reply::ok(summary, output)
}
