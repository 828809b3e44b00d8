//! `deploy_task`: make a task what runs from now on, as its provider's part does it
//! (`providers::*::adapter::deploy_task`): publish a code task's next version, or enable (or
//! disable) a finished generated task; or, with `restore`, make a previous version current
//! again. This file holds what every call takes and the answer they share.

use std::sync::LazyLock;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::compose::{self, ToolSpec};
use super::writes;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, str_arg};
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{Access, ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;

pub const NAME: &str = "deploy_task";

/// What it does in the cloud.
pub const ACCESS: Access = Access::Build;

/// A call's arguments: each provider's part reads its own.
pub type Args = JsonObject;

/// The arguments every provider's call takes.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct SharedArgs {
    pub task_id: Option<String>,
    pub description: Option<String>,
    /// A past version to bring back.
    pub restore: Option<String>,
}

/// The answer of `deploy_task`.
#[derive(Debug, Serialize)]
pub struct Output {
    pub task_id: String,
    /// The new version number, e.g. "2".
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Browser Use skills: whether the skill is now enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    pub next_step: String,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "Publish a task",
    lead: "Publish a task.",
    tail: "",
    arguments: input_schema_for::<SharedArgs>(),
    output_schema: None,
    annotations: writes(true, false),
});

/// The tool's definition.
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// The provider a call is for: as asked, as its arguments imply, as the task it names.
fn provider_of(env: &ToolEnv, args: &JsonObject) -> Provider {
    let named = str_arg(args, "task_id")
        .and_then(|id| env.tasks_as_read().task_or_former(id).map(|t| t.provider));
    compose::resolve(&SPEC, env, args, named)
}

/// Argument rules beyond the schema.
pub fn rules(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    if str_arg(args, "restore").is_some_and(|v| v.trim().is_empty()) {
        problems.push(Problem::new(
            "restore",
            "is empty; give a version get_task lists, or leave it out",
        ));
    }
    let provider = provider_of(env, args);
    compose::foreign_argument_problems(&SPEC, env, args, provider, problems);
    if let Some(part) = env.providers.get(provider).and_then(|a| a.tool(NAME)) {
        part.rules(env, args, problems);
    }
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: JsonObject) -> Result<Reply, ToolError> {
    let part = compose::part_for(&SPEC, call.env, provider_of(call.env, &args))?;
    compose::run_part(call, part, args, std::time::Duration::ZERO).await
}
