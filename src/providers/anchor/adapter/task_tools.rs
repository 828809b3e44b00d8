//! Anchor Browser's tasks as tools of their own: what the tool says a call does, and the call
//! itself, which starts a run of the code task (its latest published version) or generated
//! task and waits for it, exactly like `run_task`. Inputs go as text, as Anchor's API types
//! every input; a code task's as `ANCHOR_`-prefixed environment variables.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::catalog::CatalogTask;
use crate::mcp::args::Problem;
use crate::mcp::context::ToolContext;
use crate::mcp::context::adapter::TaskToolRun;
use crate::mcp::reply::ToolError;
use crate::mcp::running::{self, RunPlan};
use crate::mcp::task_tools::schema::shape_output;
use crate::params::inputs::TaskInputs;
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::rules;
use crate::providers::anchor::runs::{self, RunRequest, RunTarget};
use crate::runs::WaitEnd;
use crate::runs::{TaskKind, Verdict};

/// "Runs the Anchor Browser code task …", for the tool's description. A run that outlasts the
/// wait says itself how to follow it.
pub fn runs(task: &CatalogTask, budget: Duration) -> String {
    format!(
        "Runs the Anchor Browser {} {:?} in a cloud browser (waits up to {} s).",
        if task.kind == TaskKind::Generated {
            "generated task"
        } else {
            "code task"
        },
        task.name,
        budget.as_secs()
    )
}

/// Start the run, wait for it, and say how it ended.
pub async fn call(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    task: &CatalogTask,
    inputs: TaskInputs,
) -> Result<TaskToolRun, ToolError> {
    let (target, api_inputs) = match task.kind {
        TaskKind::Code | TaskKind::Skill | TaskKind::Agent => {
            let mut mapped = BTreeMap::new();
            for (name, value) in inputs.text() {
                let Some(key) = rules::input_key(&name) else {
                    return Err(ToolError::InvalidArguments(vec![Problem::new(
                        name.clone(),
                        "cannot be sent to a code task (input names must be letters, digits \
                         and underscores); fix the task's declared parameters",
                    )]));
                };
                mapped.insert(key, value);
            }
            (
                RunTarget::Code {
                    task_id: task.task_id.clone(),
                    version: None,
                },
                mapped,
            )
        }
        TaskKind::Generated => (
            RunTarget::Generated {
                task_id: task.task_id.clone(),
            },
            inputs.text(),
        ),
    };
    let request = RunRequest {
        inputs: api_inputs,
        ..RunRequest::default()
    };
    let plan = RunPlan {
        task_name: Some(task.name.clone()),
        recorded_inputs: Value::Object(inputs.redacted.clone()),
        secrets: inputs.secrets.clone(),
        budget: call.env.waits.default_budget,
    };
    let (report, end) = running::start_and_wait(
        call,
        anchor,
        runs::start(anchor, &target, request, &|id| call.env.knows_run(id)),
        plan,
    )
    .await?;
    Ok(match (&end, report.verdict(), task.outputs.is_empty()) {
        (WaitEnd::Finished, Verdict::Succeeded, false) => {
            let result = report.output.clone().unwrap_or(Value::Null);
            let (fields, all_fit) = shape_output(&task.outputs, &result);
            TaskToolRun::Shaped {
                report: Box::new(report),
                fields: all_fit.then_some(fields),
            }
        }
        _ => TaskToolRun::Reply(running::run_reply(report, end)?),
    })
}
