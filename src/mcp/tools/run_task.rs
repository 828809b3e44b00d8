//! `run_task`: run any task and return its output, or, when it outlasts the wait, the id to
//! keep waiting with. Each provider's part says what it runs (`providers::*::adapter::
//! run_task`); this file holds what every run takes and the checks they share.
//!
//! The run is started exactly once, then polled. The start request is never retried: if it
//! fails ambiguously, the agent is told to look before starting another.

use std::sync::{Arc, LazyLock};

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::compose::{self, ToolSpec};
use super::writes;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, check_wait_seconds, has, str_arg};
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::runs::RunReport;

pub const NAME: &str = "run_task";

/// A call's arguments: each provider's part reads its own.
pub type Args = JsonObject;

/// The arguments every provider's run takes.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct SharedArgs {
    /// The task to run: its id, from list_tasks or generate_task.
    pub task_id: Option<String>,
    /// The task's inputs: the same arguments its own tool takes (list_tasks shows them), by
    /// parameter or argument name; values are converted as the task's cloud requires.
    pub inputs: Option<Map<String, Value>>,
    /// How long to wait for the run to finish, in seconds (default 45, at most 600). 0 starts
    /// it and returns at once. A run that takes longer keeps going; the answer then carries
    /// the execution_id to wait on with get_execution.
    pub wait_seconds: Option<f64>,
    /// Run in this existing browser session (a UUID) instead of a fresh one.
    pub session_id: Option<String>,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "Run a task",
    lead: "Run a browser-automation task in the cloud and return its output: a task listed by \
           list_tasks by task_id with its inputs.",
    tail: "The call waits up to wait_seconds, reporting progress; a run that takes longer is \
           not an error: you get its status and an execution_id, and get_execution with \
           wait_seconds keeps waiting. Each call starts a new run, so do not repeat a call \
           that failed to answer without first checking list_executions.",
    provider_doc: "Which cloud: {ids}. Leave it out: a task the server knows runs on its own \
                   cloud, an argument only one cloud has implies it, and anything else runs on \
                   {first}.",
    arguments: input_schema_for::<SharedArgs>(),
    output_schema: output_schema_for::<RunReport>(),
    annotations: writes("Run a task", true, false),
});

/// The tool's definition.
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// The provider a call is for: as asked, as its arguments imply, as the task it names.
fn provider_of(env: &ToolEnv, args: &JsonObject) -> Provider {
    let named = str_arg(args, "task_id")
        .and_then(|id| env.known_task(id))
        .map(|task| task.provider);
    compose::resolve(&SPEC, env, args, named)
}

/// Argument rules beyond the schema.
pub fn rules(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    let provider = provider_of(env, args);
    compose::foreign_argument_problems(&SPEC, env, args, provider, problems);
    check_wait_seconds(args, problems);
    let parts = compose::shown_parts(&env.providers, NAME);
    let named = has(args, "task_id")
        || parts
            .iter()
            .any(|(_, part)| part.subjects().names.iter().any(|n| has(args, n)));
    if !named {
        problems.push(Problem::new("task_id", what_to_run(&parts)));
    }
    if let Some(part) = env.providers.get(provider).and_then(|a| a.tool(NAME)) {
        part.rules(env, args, problems);
    }
}

/// What a call must name, for the providers shown.
fn what_to_run(parts: &[(Provider, &dyn crate::mcp::context::adapter::ToolPart)]) -> String {
    if let [(_, only)] = parts {
        return format!("is required: give {}", only.subjects().alone);
    }
    let mut choices = vec!["`task_id` (any listed task)".to_string()];
    choices.extend(
        parts
            .iter()
            .map(|(_, part)| part.subjects().listed.to_string())
            .filter(|listed| !listed.is_empty()),
    );
    let last = choices.pop().unwrap_or_default();
    if choices.is_empty() {
        format!("is required: give {last}")
    } else {
        format!("is required: give {} or {last}", choices.join(", "))
    }
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: JsonObject) -> Result<Reply, ToolError> {
    let part = compose::part_for(&SPEC, call.env, provider_of(call.env, &args))?;
    part.run(call, args).await
}

/// The shared schema, for parts that document its arguments.
pub fn shared_arguments() -> Arc<JsonObject> {
    SPEC.arguments.clone()
}
