//! `get_execution`: the state and output of one run, and optionally waiting (with progress)
//! for a run that is still going: how an agent picks up a run that outlasted `run_task`'s wait.
//! Anchor code and generated runs, Browser Use agent tasks and skill executions.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::provider_args::{self, ArgumentSplit, ProviderArg, describe};
use super::read_only;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, has, str_arg};
use crate::mcp::context::Providers;
use crate::mcp::context::ToolContext;
use crate::mcp::context::ToolEnv;
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::running;
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::providers::anchor::adapter::arguments::AnchorKind;
use crate::providers::browser_use::BrowserUseClient;
use crate::providers::runs::{self, Cloud, WaitEnd};
use crate::runs::{OutputFile, RunRef, RunReport, TaskKind};

pub const NAME: &str = "get_execution";

/// How many pages of a skill's executions are searched for one of them.
const MAX_EXECUTION_PAGES: u32 = 10;

/// Arguments of `get_execution`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Args {
    /// Which cloud the run is on: "anchor" or "browser_use" (default: the run's own, when the
    /// server started it; else Anchor).
    pub provider: Option<ProviderArg>,
    /// The run's id: the execution_id that run_task or list_executions returned.
    pub execution_id: String,
    /// For a code task's execution: the task's UUID (run_task's answer carries it; not needed
    /// for runs this server started).
    pub task_id: Option<String>,
    /// "code" or "generated". Leave it out: a task_id means a code task's execution, no task_id
    /// a generated task's run.
    pub kind: Option<AnchorKind>,
    /// Keep waiting up to this many seconds (at most 600) for a run that is still going,
    /// reporting progress. Default 0: answer with the current state at once.
    pub wait_seconds: Option<f64>,
}

/// The arguments only one provider has.
pub const SPLIT: ArgumentSplit = ArgumentSplit {
    anchor: &["kind"],
    browser_use: &[],
};

/// The tool's definition, as listed by a server with these providers (`None`: not offered).
pub fn definition(set: &ProviderSet) -> Option<Tool> {
    let providers = Providers::of(set);
    Some(definition_for(providers))
}

/// The tool's definition.
fn definition_for(providers: Providers) -> Tool {
    let tool = Tool::new(
        NAME,
        describe(
            providers,
            "Get the status and output of one task run by its execution_id, optionally \
             waiting for it to finish. Use it to follow a run that run_task returned as still \
             running (pass the same execution_id and task_id, plus wait_seconds), or to read a \
             past run from list_executions. Returns the status (queued, running, success, \
             failure, timeout, cancelled), the output (JSON when the task returned JSON) or the \
             error.",
            "Get the status and output of one run by its execution_id, optionally waiting for \
             it to finish: a Browser Use agent task (follow one that run_task returned as still \
             going with wait_seconds; progress shows the agent's steps), or a skill execution \
             (give the skill's task_id too). Returns the status (created, started, finished, \
             failed, stopped; skills: completed, failed), the output (JSON when the task \
             returned JSON), the cost, the steps taken and links to output files.",
            "Get the status and output of one run by its execution_id, optionally waiting for \
             it to finish. Use it to follow a run that run_task returned as still going (pass \
             the arguments its answer names, plus wait_seconds), or to read a past run from \
             list_executions: an Anchor code task's execution (with its task_id), an Anchor \
             generated task's run, a Browser Use agent task, or a skill execution (with the \
             skill's task_id). Returns the status, the output (JSON when the task returned \
             JSON) or the error, and for Browser Use the cost, steps and output file links.",
        ),
        input_schema_for::<Args>(),
    )
    .with_title("Get a run's status and output")
    .with_raw_output_schema(output_schema_for::<RunReport>())
    .with_annotations(read_only("Get a run's status and output"));
    let tool = provider_args::fit(tool, providers, &SPLIT);
    provider_args::document(
        tool,
        "task_id",
        &describe(
            providers,
            "",
            "For a skill execution: the skill's id (not needed for runs this server started). \
             Leave it out for an agent task.",
            "For an Anchor code task's execution: the task's UUID; for a skill execution: the \
             skill's id (neither is needed for runs this server started).",
        ),
    )
}

fn provider_of(state: &ToolEnv, args: &JsonObject) -> Provider {
    let named = provider_args::of_named_run(state, args);
    provider_args::resolve(state.provider_flags(), args, &SPLIT, named)
}

/// Argument rules beyond the schema.
pub fn rules(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    crate::mcp::args::check_wait_seconds(args, problems);
    let provider = provider_of(state, args);
    provider_args::foreign_argument_problems(
        state.provider_flags(),
        args,
        &SPLIT,
        provider,
        problems,
    );
    if provider == Provider::BrowserUse {
        crate::mcp::args::check_uuid(
            args,
            "execution_id",
            crate::mcp::args::EXECUTION_ID_FROM,
            problems,
        );
        return;
    }
    let kind = str_arg(args, "kind");
    if kind == Some("generated") && has(args, "task_id") {
        problems.push(Problem::new(
            "task_id",
            "a generated task's run is found by execution_id alone; leave task_id out",
        ));
    }
    let recorded = str_arg(args, "execution_id").and_then(|id| state.catalog.run(id));
    if kind == Some("code") && !has(args, "task_id") && recorded.is_none() {
        problems.push(Problem::new(
            "task_id",
            "is required for a code task's execution (run_task's answer carries it)",
        ));
    }
    if has(args, "task_id") {
        crate::mcp::args::check_uuid(args, "task_id", crate::mcp::args::TASK_ID_FROM, problems);
        crate::mcp::args::check_uuid(
            args,
            "execution_id",
            crate::mcp::args::EXECUTION_ID_FROM,
            problems,
        );
    }
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let raw = provider_args::as_object(&args);
    let provider = provider_of(call.env, &raw);
    let cloud = call.env.cloud(provider)?;
    // A run this server (or another sharing its catalog) started is known by its id alone.
    let recorded = call.env.catalog.run(&args.execution_id);
    let recorded_task = |kind: TaskKind| {
        recorded
            .as_ref()
            .filter(|r| r.kind == kind)
            .and_then(|r| r.task_id.clone())
    };
    let run = match cloud {
        Cloud::BrowserUse(bu) => {
            if let Some(skill_id) = args.task_id.clone().or(recorded_task(TaskKind::Skill)) {
                return skill_execution(call, bu, &skill_id, &args.execution_id).await;
            }
            RunRef::BrowserUseTask {
                task_id: args.execution_id.clone(),
            }
        }
        Cloud::Anchor(_) => match args.task_id.clone().or(recorded_task(TaskKind::Code)) {
            Some(task_id) => RunRef::AnchorCode {
                task_id,
                execution_id: args.execution_id.clone(),
            },
            None => RunRef::AnchorGenerated {
                run_id: args.execution_id.clone(),
            },
        },
    };
    let mut report = runs::check(cloud, &run)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading run {}", args.execution_id)))?;
    if let Some(record) = &recorded {
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
    let (report, end) = runs::wait(
        cloud,
        report,
        budget,
        settings,
        &call.cancel,
        &call.progress,
    )
    .await;
    call.env.note_run_state(&report, &[]);
    running::run_reply(report, end)
}

/// One execution of a skill, found in its list of executions (newest first), with a link to
/// its output.
async fn skill_execution(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    skill_id: &str,
    execution_id: &str,
) -> Result<Reply, ToolError> {
    const PAGE: u32 = 100;
    let mut found = None;
    for page in 1..=MAX_EXECUTION_PAGES {
        let list = bu
            .skill_executions(skill_id, page, PAGE)
            .await
            .map_err(|e| {
                ToolError::api(e, format!("Listing the executions of skill {skill_id}"))
            })?;
        found = list.items.iter().find(|e| e.id == execution_id).cloned();
        if found.is_some() || list.items.len() < PAGE as usize {
            break;
        }
    }
    let Some(execution) = found else {
        return Err(ToolError::NotFound {
            message: format!("Skill {skill_id} has no execution {execution_id}."),
            hint: format!(
                "list_executions with {{\"task_id\": \"{skill_id}\"}} shows its executions."
            ),
        });
    };
    let mut report = RunReport::from_skill_execution(skill_id, &execution);
    report.task_name = call.env.known_task(skill_id).map(|t| t.name);
    if execution.has_output.unwrap_or(false) {
        match bu.skill_execution_output(skill_id, execution_id).await {
            Ok(link) => report.output_files.push(OutputFile {
                file_name: link.file_name.unwrap_or_else(|| "output.json".into()),
                download_url: link.download_url,
            }),
            Err(error) => tracing::warn!(%error, "no link to a skill execution's output"),
        }
    }
    let end = if report.finished {
        WaitEnd::Finished
    } else {
        WaitEnd::StillRunning {
            waited: std::time::Duration::ZERO,
        }
    };
    running::run_reply(report, end)
}
