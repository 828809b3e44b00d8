//! `get_execution`: the state and output of one run, and optionally waiting (with progress)
//! for a run that is still going: how an agent picks up a run that outlasted `run_task`'s wait.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::Deserialize;

use super::common;
use super::{ToolCall, read_only};
use crate::mcp::Shared;
use crate::mcp::args::{Problem, has, str_arg};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::runs::{self, RunRef, RunReport, TaskKind, WaitEnd};

pub const NAME: &str = "get_execution";

/// Arguments of `get_execution`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Args {
    /// The run's id: the execution_id that run_task or list_executions returned.
    pub execution_id: String,
    /// For a code task's execution: the task's UUID (run_task's answer carries it; not needed
    /// for runs this server started).
    pub task_id: Option<String>,
    /// "code" or "generated". Leave it out: a task_id means a code task's execution, no task_id
    /// a generated task's run.
    pub kind: Option<TaskKind>,
    /// Keep waiting up to this many seconds (at most 600) for a run that is still going,
    /// reporting progress. Default 0: answer with the current state at once.
    pub wait_seconds: Option<f64>,
}

/// The tool's definition.
pub fn definition() -> Tool {
    Tool::new(
        NAME,
        "Get the status and output of one task run by its execution_id, optionally waiting for \
         it to finish. Use it to follow a run that run_task returned as still running (pass \
         the same execution_id and task_id, plus wait_seconds), or to read a past run from \
         list_executions. Returns the status (queued, running, success, failure, timeout, \
         cancelled), the output (JSON when the task returned JSON) or the error.",
        input_schema_for::<Args>(),
    )
    .with_title("Get a run's status and output")
    .with_raw_output_schema(output_schema_for::<RunReport>())
    .with_annotations(read_only("Get a run's status and output"))
}

/// Argument rules beyond the schema.
pub fn rules(state: &Shared, args: &JsonObject, problems: &mut Vec<Problem>) {
    common::check_wait_seconds(args, problems);
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
        common::check_uuid(args, "task_id", common::TASK_ID_FROM, problems);
        common::check_uuid(args, "execution_id", common::EXECUTION_ID_FROM, problems);
    }
}

/// Run it.
pub async fn run(call: &ToolCall<'_>, args: Args) -> Result<Reply, ToolError> {
    let anchor = call.anchor()?;
    // A run this server (or another sharing its catalog) started is known by its id alone.
    let recorded = call.state.catalog.run(&args.execution_id);
    let recorded_code_task = recorded
        .as_ref()
        .filter(|r| r.kind == TaskKind::Code)
        .and_then(|r| r.task_id.clone());
    let run = match args.task_id.clone().or(recorded_code_task) {
        Some(task_id) => RunRef::AnchorCode {
            task_id,
            execution_id: args.execution_id.clone(),
        },
        None => RunRef::AnchorGenerated {
            run_id: args.execution_id.clone(),
        },
    };
    let mut report = runs::check(anchor, &run)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading run {}", args.execution_id)))?;
    if let Some(record) = &recorded {
        report.task_name = report.task_name.or(record.task_name.clone());
        report.task_id = report.task_id.or(record.task_id.clone());
        report.started_at = report.started_at.or(Some(record.started_at.clone()));
    }
    call.state.note_run_state(&report, &[]);
    let settings = &call.state.waits;
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
        return common::run_reply(report, end);
    }
    let (report, end) = runs::wait(
        anchor,
        report,
        budget,
        settings,
        &call.cancel,
        &call.progress,
    )
    .await;
    call.state.note_run_state(&report, &[]);
    common::run_reply(report, end)
}
