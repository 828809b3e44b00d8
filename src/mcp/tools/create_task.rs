//! `create_task`: save a task from source code, or update the task that already has its name.
//! Only providers that take tasks as code have a part (`providers::*::adapter::create_task`);
//! the tool is listed when a shown provider does. This file holds what the tool says and
//! answers whoever saves the task.

use std::sync::{Arc, LazyLock};

use rmcp::model::{JsonObject, Tool};
use serde::Serialize;
use serde_json::json;

use super::compose::{self, ToolSpec};
use super::writes;
use crate::mcp::args::Problem;
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{Access, ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::portable;
use crate::runs::TaskKind;

pub const NAME: &str = "create_task";

/// What it does in the cloud.
pub const ACCESS: Access = Access::Build;

/// A call's arguments: the provider's part reads them (the tool shares none).
pub type Args = JsonObject;

/// The answer of `create_task`.
#[derive(Debug, Serialize)]
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

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "Save a code task",
    lead: "Create a code task, or update the one with this name.",
    tail: "Returns the task_id.",
    // Every argument is the provider's own.
    arguments: Arc::new(portable(json!({"type": "object", "properties": {}}))),
    output_schema: None,
    annotations: writes(true, true),
});

/// The tool's definition, as listed by a server with these providers (`None`: no shown
/// provider takes tasks as code).
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// Argument rules beyond the schema: those of the provider the call is for.
pub fn rules(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    let provider = compose::resolve(&SPEC, env, args, None);
    compose::foreign_argument_problems(&SPEC, env, args, provider, problems);
    if let Some(part) = env.providers.get(provider).and_then(|a| a.tool(NAME)) {
        part.rules(env, args, problems);
    }
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: JsonObject) -> Result<Reply, ToolError> {
    let provider = compose::resolve(&SPEC, call.env, &args, None);
    let part = compose::part_for(&SPEC, call.env, provider)?;
    compose::run_part(call, part, args, std::time::Duration::ZERO).await
}
