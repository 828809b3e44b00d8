//! `get_task`: everything about one task, as its provider's part shows it
//! (`providers::*::adapter::get_task`): a code task's versions and source, or a generated
//! task's generation state and parameters, optionally waiting (with progress) until
//! generation ends. This file holds what every look-up takes and the checks they share.

use std::sync::LazyLock;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::compose::{self, ToolSpec};
use super::read_only;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, check_wait_seconds, str_arg};
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{Access, ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;

pub const NAME: &str = "get_task";

/// What it does in the cloud.
pub const ACCESS: Access = Access::Read;

/// A call's arguments: each provider's part reads its own.
pub type Args = JsonObject;

/// The arguments every provider's look-up takes.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct SharedArgs {
    pub task_id: Option<String>,
    /// Wait for a generation.
    pub wait_seconds: Option<f64>,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "Show a task",
    lead: "Show one task: its state and parameters.",
    tail: "",
    arguments: input_schema_for::<SharedArgs>(),
    output_schema: None,
    annotations: read_only(),
});

/// The tool's definition.
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// The provider a call is for: as asked, as its arguments imply, as the task it names.
fn provider_of(env: &ToolEnv, args: &JsonObject) -> Provider {
    let named =
        str_arg(args, "task_id").and_then(|id| env.tasks_as_read().task(id).map(|t| t.provider));
    compose::resolve(&SPEC, env, args, named)
}

/// Argument rules beyond the schema.
pub fn rules(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    check_wait_seconds(args, problems);
    let provider = provider_of(env, args);
    compose::foreign_argument_problems(&SPEC, env, args, provider, problems);
    if let Some(part) = env.providers.get(provider).and_then(|a| a.tool(NAME)) {
        part.rules(env, args, problems);
    }
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: JsonObject) -> Result<Reply, ToolError> {
    let part = compose::part_for(&SPEC, call.env, provider_of(call.env, &args))?;
    // The call's wait, decided once here: the part only plans the work.
    let budget = compose::look_budget(call.env, &args);
    compose::run_part(call, part, args, budget).await
}
