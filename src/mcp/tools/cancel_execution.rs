//! `cancel_execution`: stop a run that is still going in the cloud, or cancel a task still
//! being generated. Each provider that can stop something has a part
//! (`providers::*::adapter::cancel_execution`); one that cannot may explain so (its adapter's
//! refusal), and a call meant for it is answered with that explanation.
//!
//! A `run_task` call that the client cancels stops its run by itself where its cloud can; this
//! tool is for clients that never send `notifications/cancelled`, and for runs left going after
//! their call returned.

use std::sync::LazyLock;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::compose::{self, ToolSpec};
use super::writes;
use crate::cloud::Provider;
use crate::mcp::args::{EXECUTION_ID_FROM, Problem, check_one_of, has};
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{Access, ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::runs::RunReport;

pub const NAME: &str = "cancel_execution";

/// What it does in the cloud.
pub const ACCESS: Access = Access::Run;

/// A call's arguments: each provider's part reads its own.
pub type Args = JsonObject;

/// The arguments every provider's call takes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct SharedArgs {
    pub execution_id: Option<String>,
}

/// The answer of `cancel_execution`.
#[derive(Debug, Serialize)]
pub struct Output {
    /// What was asked to stop: "task" (a run) or "skill_generation".
    pub target: String,
    /// The task's execution id, or the skill's id.
    pub id: String,
    /// Its status now.
    pub status: String,
    /// Whether this call stopped it (false: it had already ended).
    pub stopped: bool,
    /// The run's report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<RunReport>,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "Stop a run",
    lead: "Stop a run still going in the cloud, whose run_task call already returned.",
    tail: "",
    arguments: input_schema_for::<SharedArgs>(),
    output_schema: None,
    annotations: writes(true, true),
});

/// The tool's definition, as listed by a server with these providers (`None`: not offered).
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// The provider a call is for: as asked, as its arguments imply, as the catalog remembers the
/// run (or task); an id the catalog does not know is taken as a run of the first provider that
/// can stop one.
fn provider_of(env: &ToolEnv, args: &JsonObject) -> Provider {
    let named = compose::of_named_run(env, args).or_else(|| {
        compose::shown_parts(&env.providers, NAME)
            .first()
            .map(|(provider, _)| *provider)
    });
    compose::resolve(&SPEC, env, args, named)
}

/// Argument rules beyond the schema. Arguments of another provider are not looked for: the
/// only call that could carry them is one meant for a provider that cannot stop anything,
/// which its refusal answers.
pub fn rules(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    // `task_id` (a generation to cancel) is an argument of the providers that can cancel one.
    if has(args, "task_id") {
        check_one_of(args, "execution_id", "task_id", true, problems);
    } else if !has(args, "execution_id") {
        problems.push(Problem::new(
            "execution_id",
            format!("is required: {EXECUTION_ID_FROM}"),
        ));
    }
    let provider = provider_of(env, args);
    if let Some(part) = env.providers.get(provider).and_then(|a| a.tool(NAME)) {
        part.rules(env, args, problems);
    }
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: JsonObject) -> Result<Reply, ToolError> {
    let provider = provider_of(call.env, &args);
    let part = compose::part_for_call(&SPEC, call.env, provider, &args)?;
    compose::run_part(call, part, args, std::time::Duration::ZERO).await
}
