//! `get_execution`: the state and output of one run, and optionally waiting (with progress)
//! for a run that is still going: how an agent picks up a run that outlasted `run_task`'s wait.
//! Each provider's part says how its runs are found (`providers::*::adapter::get_execution`);
//! this file holds what every call takes, and [`follow`], the reading and waiting they share.

use std::sync::LazyLock;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::compose::{self, ToolSpec};
use super::read_only;
use crate::catalog::RunRecord;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, check_wait_seconds};
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::running;
use crate::mcp::schema::input_schema_for;
use crate::runs::{self, RunCloud, RunRef, WaitEnd};

pub const NAME: &str = "get_execution";

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
    part.run(call, args).await
}

/// Read `run` on `cloud` and, within the call's wait_seconds, wait for it to end, reporting
/// progress. What the catalog `recorded` of the run (its task, its start) fills what the
/// cloud does not say. Shared by the parts whose runs the cloud can be asked about directly.
pub async fn follow(
    call: &ToolContext<'_>,
    cloud: &dyn RunCloud,
    run: RunRef,
    args: &SharedArgs,
    recorded: Option<&RunRecord>,
) -> Result<Reply, ToolError> {
    let mut report = cloud
        .check(&run)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading run {}", args.execution_id)))?;
    if let Some(record) = recorded {
        report.task_name = report.task_name.or(record.task_name.clone());
        report.task_id = report.task_id.or(record.task_id.clone());
        report.started_at = report.started_at.or(Some(record.started_at.clone()));
    }
    call.env.note_run_state(&report, &[]);
    let settings = &call.env.waits;
    let budget = settings.budget(Some(args.wait_seconds.unwrap_or(0.0)));
    if report.finished || budget.is_zero() {
        let end = if report.finished {
            WaitEnd::Finished
        } else {
            report.next_step = Some(format!(
                "The run is still {}. Call get_execution again with wait_seconds to wait for it.",
                report.status
            ));
            WaitEnd::StillRunning {
                waited: std::time::Duration::ZERO,
            }
        };
        return running::run_reply(report, end);
    }
    let age = runs::age_of(&report, chrono::Utc::now());
    let (report, end) = runs::wait(
        cloud,
        report,
        age,
        budget,
        settings,
        &call.cancel,
        &call.progress,
    )
    .await;
    call.env.note_run_state(&report, &[]);
    running::run_reply(report, end)
}
