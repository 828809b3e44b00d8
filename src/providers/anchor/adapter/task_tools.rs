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
use crate::mcp::context::work::RunStart;
use futures::FutureExt;

use crate::mcp::context::adapter::TaskToolWork;
use crate::mcp::reply::ToolError;
use crate::params::inputs::TaskInputs;
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::rules;
use crate::providers::anchor::runs::{self, RunRequest, RunTarget};
use crate::runs::TaskKind;

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

/// The run a call of the task's tool starts (the tool waits on it).
pub fn call<'a>(
    call: &'a ToolContext<'a>,
    anchor: &'a AnchorClient,
    task: &'a CatalogTask,
    inputs: TaskInputs,
) -> Result<TaskToolWork<'a>, ToolError> {
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
        // A code task's run goes in a session opened for it, so that it can be stopped.
        open_session: call.env.settings.anchor_run_sessions,
        ..RunRequest::default()
    };
    Ok(TaskToolWork::Start(RunStart {
        cloud: anchor,
        start: async move { runs::start(anchor, &target, request, call.env).await }.boxed(),
        task_name: Some(task.name.clone()),
        recorded_inputs: Value::Object(inputs.redacted.clone()),
        secrets: inputs.secrets.clone(),
    }))
}
