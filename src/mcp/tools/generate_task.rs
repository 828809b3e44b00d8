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
use crate::mcp::context::{Access, ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;

pub const NAME: &str = "generate_task";

/// What it does in the cloud.
pub const ACCESS: Access = Access::Build;

/// How every generate_task description ends: what comes back, and never generating twice.
pub const GENERATE_TAIL: &str = "Each call makes a new task.";

/// A call's arguments: each provider's part reads its own.
pub type Args = JsonObject;

/// The arguments every provider's generation takes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct SharedArgs {
    pub name: String,
    /// In detail: the site, the steps, what to return.
    pub prompt: String,
    pub description: Option<String>,
    /// Default 45.
    pub wait_seconds: Option<f64>,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "Generate a task",
    lead: "Generate a task from a plain-language description; waits until it can run \
           (minutes).",
    tail: GENERATE_TAIL,
    arguments: input_schema_for::<SharedArgs>(),
    output_schema: None,
    annotations: writes(false, false),
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
    // The call's wait, decided once here: the part only plans the work.
    let budget = compose::start_budget(call.env, &args);
    compose::run_part(call, part, args, budget).await
}
