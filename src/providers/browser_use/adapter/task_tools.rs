//! Browser Use's skills as tools of their own: what the tool says a call does, the skill's own
//! output schema, and the call itself, which executes the skill synchronously with its inputs
//! as JSON of their types.

use rmcp::model::JsonObject;
use serde_json::Value;

use super::skills::{self, SkillRun};
use crate::catalog::CatalogTask;
use crate::mcp::context::ToolContext;
use crate::mcp::context::adapter::{TaskToolRun, TaskToolWork};
use crate::mcp::running;
use crate::mcp::task_tools::schema::{shape_skill_output, skill_output_schema};
use crate::params::inputs::TaskInputs;
use crate::providers::browser_use::BrowserUseClient;
use crate::runs::{RunReport, TaskKind, Verdict};

/// "Runs the Browser Use skill …", for the tool's description.
pub fn runs(task: &CatalogTask) -> String {
    format!(
        "Runs the Browser Use skill {:?}, a deterministic browser automation (seconds).",
        task.name
    )
}

/// A skill's declared output schema, its fields made optional (see
/// [`skill_output_schema`]).
pub fn output_schema(task: &CatalogTask) -> Option<JsonObject> {
    task.output_schema
        .as_ref()
        .filter(|_| task.kind == TaskKind::Skill)
        .map(skill_output_schema)
}

/// The skill's execution for a call of its tool (synchronous), and how its end is shaped to
/// the skill's declared output schema.
pub fn call<'a>(
    call: &'a ToolContext<'a>,
    bu: &'a BrowserUseClient,
    task: &'a CatalogTask,
    inputs: TaskInputs,
) -> TaskToolWork<'a> {
    let execution = skills::execution(
        call,
        bu,
        SkillRun {
            skill_id: task.task_id.clone(),
            name: Some(task.name.clone()),
            parameters: inputs.json(),
            session_id: None,
            recorded_inputs: Value::Object(inputs.redacted.clone()),
            secrets: inputs.secrets.clone(),
        },
    );
    TaskToolWork::Execute {
        execution,
        shape: Box::new(
            move |report: RunReport| match (&task.output_schema, report.verdict()) {
                (Some(declared), Verdict::Succeeded) => {
                    let result = report.output.clone().unwrap_or(Value::Null);
                    let fields = shape_skill_output(declared, &result);
                    TaskToolRun::Shaped {
                        report: Box::new(report),
                        fields,
                    }
                }
                _ => TaskToolRun::Reply(running::skill_reply(report)),
            },
        ),
    }
}
