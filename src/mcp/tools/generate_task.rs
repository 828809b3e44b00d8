//! `generate_task`: have a provider write a task from a natural-language description, and
//! wait (with progress) until it is ready to run. Each provider's part says what it generates
//! and from what (`providers::*::adapter::generate_task`); this file holds what every
//! generation takes and the checks they share. The finished task becomes a tool of its own.
//!
//! Generation is started exactly once. The server remembers the new task at once (a provider
//! may have no API to list generated tasks) so that it can be found and run by id afterwards.

use std::sync::LazyLock;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::compose::{self, ToolSpec};
use super::writes;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, check_wait_seconds, str_arg};
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::generation::Output;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};

pub const NAME: &str = "generate_task";

/// A call's arguments: each provider's part reads its own.
pub type Args = JsonObject;

/// The arguments every provider's generation takes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct SharedArgs {
    /// A short name for the new task, e.g. "hn-top-posts".
    pub name: String,
    /// What the task must do, in plain language and in detail: the site, the steps, what to
    /// extract, and what to return. The more precise, the better the generated task.
    pub prompt: String,
    /// One line saying what the task does (derived from the prompt when left out).
    pub description: Option<String>,
    /// How long to wait for the task to be ready, in seconds (default 45, at most 600). If it
    /// is not ready by then, the answer says so and get_task with wait_seconds keeps waiting.
    pub wait_seconds: Option<f64>,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "Generate a task from a description",
    lead: "Create a new browser-automation task from a plain-language description and wait \
           until it is ready to run (progress is reported; generation takes minutes).",
    tail: "Returns the new task_id and its parameters; then call run_task with that task_id \
           and the inputs (a ready task is also a tool of its own). Each call generates a new \
           task.",
    provider_doc: "Which cloud writes the task: {ids}. Leave it out: an argument only one cloud \
                   has implies it, and anything else goes to {first}.",
    arguments: input_schema_for::<SharedArgs>(),
    output_schema: output_schema_for::<Output>(),
    annotations: writes("Generate a task from a description", false, false),
});

/// The tool's definition.
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// The provider a call is for: as asked, as its arguments imply (nothing is named yet).
fn provider_of(env: &ToolEnv, args: &JsonObject) -> Provider {
    compose::resolve(&SPEC, env, args, None)
}

/// Argument rules beyond the schema.
pub fn rules(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    for key in ["name", "prompt"] {
        if str_arg(args, key).is_some_and(|v| v.trim().is_empty()) {
            problems.push(Problem::new(key, "is empty"));
        }
    }
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
    part.run(call, args).await
}
