//! `cancel_execution`: stop a running Browser Use agent task in the cloud (optionally with its
//! browser session), or cancel a skill still being generated.
//!
//! A `run_task` call that the client cancels stops its task by itself; this tool is for
//! clients that never send `notifications/cancelled`, and for runs left going after their
//! call returned. Anchor has no API to stop a run: asking for one says so.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::provider_args::{self, ArgumentSplit, ProviderArg, describe};
use super::writes;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, has};
use crate::mcp::context::Providers;
use crate::mcp::context::ToolContext;
use crate::mcp::context::ToolEnv;
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::providers::browser_use::catalog::skill_sighting;
use crate::providers::browser_use::models::TaskStatus;
use crate::runs::RunReport;

pub const NAME: &str = "cancel_execution";

/// Arguments of `cancel_execution`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Args {
    /// Which cloud the run is on: "anchor" or "browser_use" (default: the run's own, when the
    /// server started it).
    pub provider: Option<ProviderArg>,
    /// The running task to stop: the execution_id run_task or list_executions returned.
    pub execution_id: Option<String>,
    /// Instead of execution_id: a skill still being generated (generate_task's task_id), to
    /// cancel its generation.
    pub task_id: Option<String>,
    /// With execution_id: also stop the task's browser session (default false).
    pub stop_session: Option<bool>,
}

/// The answer of `cancel_execution`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// What was asked to stop: "task" (a Browser Use agent task) or "skill_generation".
    pub target: String,
    /// The task's execution id, or the skill's id.
    pub id: String,
    /// Its status now.
    pub status: String,
    /// Whether this call stopped it (false: it had already ended).
    pub stopped: bool,
    /// The task's final report (agent tasks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<RunReport>,
}

/// The arguments only one provider has.
pub const SPLIT: ArgumentSplit = ArgumentSplit {
    anchor: &[],
    browser_use: &["stop_session"],
};

/// The tool's definition, as listed by a server with these providers (`None`: not offered).
pub fn definition(set: &ProviderSet) -> Option<Tool> {
    let providers = Providers::of(set);
    let shown = providers.shown();
    if !shown.browser_use {
        return None;
    }
    Some(definition_for(providers))
}

/// The tool's definition.
fn definition_for(providers: Providers) -> Tool {
    let browser_use = "Stop a running Browser Use task in the cloud by its execution_id \
                       (stop_session: true also ends its browser session), or cancel the \
                       generation of a skill by its task_id. A stopped task cannot be resumed; \
                       the answer holds its final state. Cancelling a run_task call stops its \
                       task by itself; use this for a task whose call already returned.";
    let both = "Stop a running Browser Use task in the cloud by its execution_id (stop_session: \
                true also ends its browser session), or cancel the generation of a skill by \
                its task_id. A stopped task cannot be resumed; the answer holds its final \
                state. Anchor Browser runs cannot be stopped (Anchor has no such API): they \
                end by themselves or at their timeout.";
    let tool = Tool::new(
        NAME,
        describe(providers, browser_use, browser_use, both),
        input_schema_for::<Args>(),
    )
    .with_title("Stop a running task")
    .with_raw_output_schema(output_schema_for::<Output>())
    .with_annotations(writes("Stop a running task", true, true));
    provider_args::fit(tool, providers, &SPLIT)
}

fn provider_of(state: &ToolEnv, args: &JsonObject) -> Provider {
    let named = provider_args::of_named_run(state, args);
    // Only Browser Use can stop anything: an unknown id is taken as one of its runs.
    provider_args::resolve(
        state.provider_flags(),
        args,
        &SPLIT,
        named.or(Some(Provider::BrowserUse)),
    )
}

/// Argument rules beyond the schema.
pub fn rules(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    crate::mcp::args::check_one_of(args, "execution_id", "task_id", true, problems);
    if has(args, "stop_session") && !has(args, "execution_id") {
        problems.push(Problem::new(
            "stop_session",
            "applies to a task stopped by execution_id; leave it out",
        ));
    }
    if provider_of(state, args) == Provider::BrowserUse {
        crate::mcp::args::check_uuid(
            args,
            "execution_id",
            "run_task and list_executions return them",
            problems,
        );
        crate::mcp::args::check_uuid(
            args,
            "task_id",
            "generate_task and list_tasks return them",
            problems,
        );
    }
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let raw = provider_args::as_object(&args);
    if provider_of(call.env, &raw) == Provider::Anchor {
        let id = args.execution_id.or(args.task_id).unwrap_or_default();
        return Err(ToolError::Unsupported {
            message: format!(
                "Anchor Browser has no API to stop a run: {id} goes on until it ends or \
                 reaches its timeout."
            ),
            hint: format!(
                "get_execution with {{\"execution_id\": \"{id}\"}} shows when it ends; to \
                 bound future runs, give them a browser_configuration timeout."
            ),
        });
    }
    let bu = call.env.browser_use()?;
    if let Some(execution_id) = args.execution_id {
        let with_session = args.stop_session.unwrap_or(false);
        let view = bu
            .stop_task(&execution_id, with_session)
            .await
            .map_err(|e| ToolError::api(e, format!("Stopping Browser Use task {execution_id}")))?;
        let stopped = view.status == TaskStatus::Stopped;
        let report = RunReport::from_task_view(&view);
        call.env.note_run_state(&report, &[]);
        let session = if with_session {
            " and its browser session"
        } else {
            ""
        };
        let summary = if stopped {
            format!("Stopped Browser Use task {execution_id}{session} (status stopped).")
        } else {
            format!(
                "Browser Use task {execution_id} had already ended with status {}; nothing \
                 to stop{}.",
                report.status,
                if with_session {
                    " (its session was asked to stop)"
                } else {
                    ""
                }
            )
        };
        return Ok(Reply::ok(
            summary,
            Output {
                target: "task".into(),
                id: execution_id,
                status: report.status.clone(),
                stopped,
                run: Some(report),
            },
        ));
    }
    let skill_id = args.task_id.unwrap_or_default();
    let skill = bu
        .cancel_skill(&skill_id)
        .await
        .map_err(|e| ToolError::api(e, format!("Cancelling the generation of skill {skill_id}")))?;
    call.env.learn(skill_sighting(&skill));
    let status = skill.status.to_string();
    Ok(Reply::ok(
        format!("Cancelled the generation of skill {skill_id} (status {status})."),
        Output {
            target: "skill_generation".into(),
            stopped: status == "cancelled",
            id: skill_id,
            status,
            run: None,
        },
    ))
}
