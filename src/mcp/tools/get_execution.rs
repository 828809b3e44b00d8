//! `get_execution`: the state and output of one run, and optionally waiting (with progress)
//! for a run that is still going: how an agent picks up a run that outlasted `run_task`'s wait.
//! Each provider's part says how its runs are found (`providers::*::adapter::get_execution`);
//! this file holds what every call takes and its wait (none unless `wait_seconds`); the
//! reading and waiting are `running::follow`'s.

use std::sync::LazyLock;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::compose::{self, ToolSpec};
use super::read_only;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, check_wait_seconds};
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{Access, ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;

pub const NAME: &str = "get_execution";

/// What it does in the cloud.
pub const ACCESS: Access = Access::Read;

/// How every get_execution description begins: what it is for.
pub const FOLLOW: &str = "A run's status and output, waiting up to wait_seconds.";

/// A call's arguments: each provider's part reads its own.
pub type Args = JsonObject;

/// The arguments every provider's call takes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct SharedArgs {
    pub execution_id: String,
    pub task_id: Option<String>,
    /// Default 0.
    pub wait_seconds: Option<f64>,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "Get a run",
    lead: FOLLOW,
    tail: "Runs this server started need no task_id.",
    arguments: input_schema_for::<SharedArgs>(),
    output_schema: Some(crate::mcp::schema::report_schema()),
    annotations: read_only(),
});

/// The tool's definition, as listed by a server with these providers (`None`: not offered).
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// The provider a call is for: as asked, as its arguments imply, as the catalog remembers the
/// run (or its task).
fn provider_of(env: &ToolEnv, args: &JsonObject) -> Provider {
    compose::resolve(&SPEC, env, args, compose::of_named_run(env, args))
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
