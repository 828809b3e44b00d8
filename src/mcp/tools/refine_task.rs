//! `refine_task`: improve a task from feedback, optionally with a run's evidence (gathered by
//! `mcp::refinement` into the feedback), as its provider's part does it
//! (`providers::*::adapter::refine_task`): a skill refined in the cloud, a generated task
//! generated again as the next version of the same catalog entry, or, where the cloud cannot
//! refine, what to change and the calls that do it. This file holds what every call takes and
//! the checks they share.
//!
//! A refinement is started exactly once (never retried); the version it makes is recorded in
//! the catalog's history, and `deploy_task` with `restore` brings the previous one back.

use std::sync::LazyLock;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::compose::{self, ToolSpec};
use super::writes;
use crate::cloud::Provider;
use crate::mcp::args::{EXECUTION_ID_FROM, Problem, check_uuid, check_wait_seconds, str_arg};
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{Access, ToolContext, ToolEnv};
use crate::mcp::refinement;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;

pub const NAME: &str = "refine_task";

/// What it does in the cloud.
pub const ACCESS: Access = Access::Build;

/// A call's arguments: each provider's part reads its own.
pub type Args = JsonObject;

/// The arguments every provider's refinement takes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct SharedArgs {
    pub task_id: String,
    pub feedback: String,
    // The tool's description says what it is for.
    pub execution_id: Option<String>,
    pub wait_seconds: Option<f64>,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "Refine a task",
    lead: "Improve a task from feedback and a run's evidence.",
    tail: "",
    arguments: input_schema_for::<SharedArgs>(),
    output_schema: None,
    annotations: writes(false, false),
});

/// The tool's definition.
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// The provider a call is for: as asked, as its arguments imply, as the task or run it names.
fn provider_of(env: &ToolEnv, args: &JsonObject) -> Provider {
    let named = str_arg(args, "task_id")
        .and_then(|id| env.tasks_as_read().task_or_former(id).map(|t| t.provider))
        .or_else(|| compose::of_named_run(env, args));
    compose::resolve(&SPEC, env, args, named)
}

/// Argument rules beyond the schema.
pub fn rules(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    let fixes = [
        ("task_id", "give the task's id (list_tasks shows it)"),
        ("feedback", "say what failed and what to change"),
    ];
    for (key, fix) in fixes {
        if str_arg(args, key).is_some_and(|v| v.trim().is_empty()) {
            problems.push(Problem::new(key, format!("is empty; {fix}")));
        }
    }
    check_uuid(args, "execution_id", EXECUTION_ID_FROM, problems);
    check_wait_seconds(args, problems);
    let provider = provider_of(env, args);
    compose::foreign_argument_problems(&SPEC, env, args, provider, problems);
    if let Some(part) = env.providers.get(provider).and_then(|a| a.tool(NAME)) {
        part.rules(env, args, problems);
    }
}

/// Run it: the run's evidence joins the feedback before the provider's part sees it.
pub async fn run(call: &ToolContext<'_>, mut args: JsonObject) -> Result<Reply, ToolError> {
    let provider = provider_of(call.env, &args);
    let part = compose::part_for(&SPEC, call.env, provider)?;
    let feedback = refinement::feedback_with_evidence(
        call,
        provider,
        str_arg(&args, "feedback").unwrap_or_default(),
        str_arg(&args, "execution_id"),
    )
    .await?;
    args.insert("feedback".into(), Value::String(feedback));
    // The call's wait, decided once here: the part only plans the work.
    let budget = compose::start_budget(call.env, &args);
    compose::run_part(call, part, args, budget).await
}
