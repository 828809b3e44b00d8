//! `create_task`: save a TypeScript code task (Anchor v1). Anchor creates the task, or updates
//! the task that already has this name; the code lands in the task's draft.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::writes;
use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::mcp::args::Problem;
use crate::mcp::context::Providers;
use crate::mcp::context::ToolContext;
use crate::mcp::context::ToolEnv;
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::providers::anchor::adapter::arguments::{self, browser_configuration_doc};
use crate::providers::anchor::models::{CreateTask, TaskParameter};
use crate::runs::TaskKind;

pub const NAME: &str = "create_task";

/// Arguments of `create_task`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Args {
    /// The task's name: letters, digits, '-' and '_' (e.g. "price-checker"). Saving under an
    /// existing name updates that task.
    pub name: String,
    /// The TypeScript source as plain text (the server base64-encodes it). It must export a
    /// default async function that returns the output; inputs arrive as
    /// process.env.ANCHOR_<NAME>.
    pub code: Option<String>,
    /// Instead of code: the source already base64-encoded.
    pub code_base64: Option<String>,
    /// What the task does (at most 1000 characters).
    pub description: Option<String>,
    #[schemars(description = browser_configuration_doc("Default browser settings for the task's runs."))]
    pub browser_configuration: Option<Map<String, Value>>,
    /// The inputs the code reads, each {"name" (without the ANCHOR_ prefix), "type":
    /// "string"|"number"|"boolean"|"secret"|"file", "required", "description",
    /// "defaultValue", "options"}. They become the task tool's arguments; left out, they are
    /// inferred from the code's process.env.ANCHOR_* reads.
    pub input_parameters: Option<Vec<TaskParameter>>,
}

/// The answer of `create_task`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub task_id: String,
    pub name: String,
    /// Always "code".
    pub kind: TaskKind,
    /// "draft" until deployed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    pub next_step: String,
}

/// The tool's definition, as listed by a server with these providers (`None`: not offered).
pub fn definition(set: &ProviderSet) -> Option<Tool> {
    let shown = Providers::of(set).shown();
    if !shown.anchor {
        return None;
    }
    Some(definition_for())
}

/// The tool's definition.
fn definition_for() -> Tool {
    Tool::new(
        NAME,
        "Create a code task (TypeScript run in Anchor's cloud browser), or update the task \
         that already has this name. Pass the source as plain text in code; it is saved as the \
         task's draft. Then try it with run_task (version \"draft\") and publish it with \
         deploy_task, after which it is also listed as a tool of its own (arguments from \
         input_parameters, or inferred from the code). Returns the task_id.",
        input_schema_for::<Args>(),
    )
    .with_title("Create or update a code task")
    .with_raw_output_schema(output_schema_for::<Output>())
    .with_annotations(writes("Create or update a code task", true, true))
}

/// Argument rules beyond the schema.
pub fn rules(_state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    arguments::check_task_name(args, "name", problems);
    arguments::check_code(args, problems);
    arguments::check_description(args, problems);
    arguments::check_code_parameters(args, problems);
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let anchor = call.env.anchor()?;
    let body = CreateTask {
        name: args.name.clone(),
        language: "typescript".into(),
        code: arguments::encoded_code(args.code.as_deref(), args.code_base64.as_deref()),
        description: args.description.clone(),
        browser_configuration: args.browser_configuration.clone().map(Value::Object),
    };
    let task = anchor
        .create_task(&body)
        .await
        .map_err(|e| ToolError::api(e, format!("Saving code task {:?}", args.name)))?;
    let params =
        arguments::code_task_params(args.input_parameters.as_deref(), body.code.as_deref());
    call.env.learn(TaskSighting {
        provider: Provider::Anchor,
        kind: TaskKind::Code,
        task_id: task.id.clone(),
        name: task.name.clone(),
        description: task.description.clone(),
        version: task.latest_version.clone(),
        status: None,
        params,
        output_schema: None,
    });
    let next_step = format!(
        "Try the draft with run_task {{\"task_id\": \"{}\", \"version\": \"draft\"}}; publish \
         it as a numbered version with deploy_task {{\"task_id\": \"{}\"}}.",
        task.id, task.id
    );
    let summary = format!(
        "Saved code task {:?} ({}); latest version: {}. {next_step}",
        task.name,
        task.id,
        task.latest_version.as_deref().unwrap_or("draft")
    );
    Ok(Reply::ok(
        summary,
        Output {
            task_id: task.id,
            name: task.name,
            kind: TaskKind::Code,
            latest_version: task.latest_version,
            description: task.description,
            created_at: task.created_at,
            updated_at: task.updated_at,
            next_step,
        },
    ))
}
