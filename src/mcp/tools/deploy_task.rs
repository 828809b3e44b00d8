//! `deploy_task`: publish a code task's draft (or code given here) as its next numbered
//! version, which becomes what `latest` and runs by name use.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{self, browser_configuration_doc};
use super::{ToolCall, writes};
use crate::anchor::models::{TaskParameter, VersionBody};
use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::mcp::Shared;
use crate::mcp::args::Problem;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::runs::TaskKind;

pub const NAME: &str = "deploy_task";

/// Arguments of `deploy_task`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Args {
    /// The code task's UUID.
    pub task_id: Option<String>,
    /// Instead of task_id: the code task's name.
    pub task_name: Option<String>,
    /// TypeScript source to publish, as plain text. Leave it out to publish the current
    /// draft.
    pub code: Option<String>,
    /// Instead of code: the source already base64-encoded.
    pub code_base64: Option<String>,
    /// Notes for this version (at most 1000 characters).
    pub description: Option<String>,
    #[schemars(description = browser_configuration_doc("Browser settings for this version's runs."))]
    pub browser_configuration: Option<Map<String, Value>>,
    /// The inputs this version reads, as in create_task (names without the ANCHOR_ prefix).
    /// Left out: kept from before, or inferred from the code given here.
    pub input_parameters: Option<Vec<TaskParameter>>,
}

/// The answer of `deploy_task`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub task_id: String,
    /// The new version number, e.g. "2".
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    pub next_step: String,
}

/// The tool's definition.
pub fn definition() -> Tool {
    Tool::new(
        NAME,
        "Publish a code task as its next version (1, 2, 3, …): the current draft, or the code \
         given here. The new version becomes \"latest\", which runs by name, runs without a \
         version, and the task's own tool use. Returns the version number. Each call publishes \
         a new version.",
        input_schema_for::<Args>(),
    )
    .with_title("Publish a code task version")
    .with_raw_output_schema(output_schema_for::<Output>())
    .with_annotations(writes("Publish a code task version", true, false))
}

/// Argument rules beyond the schema.
pub fn rules(_state: &Shared, args: &JsonObject, problems: &mut Vec<Problem>) {
    common::check_one_of(args, "task_id", "task_name", true, problems);
    common::check_uuid(args, "task_id", common::TASK_ID_FROM, problems);
    common::check_task_name(args, "task_name", problems);
    common::check_code(args, problems);
    common::check_description(args, problems);
    common::check_code_parameters(args, problems);
}

/// Run it.
pub async fn run(call: &ToolCall<'_>, args: Args) -> Result<Reply, ToolError> {
    let anchor = call.anchor()?;
    let task_id =
        common::resolve_code_task(anchor, args.task_id.as_deref(), args.task_name.as_deref())
            .await?;
    let code = common::encoded_code(args.code.as_deref(), args.code_base64.as_deref());
    let body = VersionBody {
        language: code.as_ref().map(|_| "typescript".to_string()),
        code,
        description: args.description.clone(),
        browser_configuration: args.browser_configuration.clone().map(Value::Object),
    };
    let version = anchor
        .deploy(&task_id, &body)
        .await
        .map_err(|e| ToolError::api(e, format!("Deploying task {task_id}")))?;
    // The catalog learns the new version (and so the task's tool); a task made elsewhere is
    // looked up for its name.
    let name = match call.state.known_task(&task_id) {
        Some(task) => Some(task.name),
        None => anchor.get_task(&task_id).await.ok().map(|meta| meta.name),
    };
    if let Some(name) = name {
        call.state
            .learn_and_update(TaskSighting {
                provider: Provider::Anchor,
                kind: TaskKind::Code,
                task_id: task_id.clone(),
                name,
                description: None,
                version: Some(version.version.clone()),
                status: None,
                params: common::code_task_params(
                    args.input_parameters.as_deref(),
                    body.code.as_deref(),
                ),
            })
            .await;
    }
    let next_step = format!(
        "Run it with run_task {{\"task_id\": \"{task_id}\"}} (latest) or pin it with \
         \"version\": \"{}\".",
        version.version
    );
    Ok(Reply::ok(
        format!(
            "Published version {} of task {task_id}. {next_step}",
            version.version
        ),
        Output {
            task_id,
            version: version.version,
            description: version.description,
            created_at: version.created_at,
            next_step,
        },
    ))
}
