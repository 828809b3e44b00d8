//! Every task is a tool: the tool built from a catalog task, which tasks become tools (an
//! allow-list and a cap, most recently used first, because clients cap their tool counts), and
//! what calling one does: check the arguments against the task's parameters, map them to the
//! provider's inputs, and run the task exactly like `run_task`. Anchor tasks and Browser Use
//! skills alike.

pub mod inputs;
pub mod naming;
pub mod schema;

use std::collections::BTreeMap;
use std::time::Duration;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Map, Value, json};

use self::schema::{
    EXECUTION_KEY, InputForm, Signature, TaskInputs, output_schema, shape_output,
    shape_skill_output, skill_output_schema,
};
use super::args::{ArgsValidator, Problem};
use super::context::ToolContext;
use super::reply::{Reply, ToolError};
use super::running::{self, RunPlan};
use super::schema::output_schema_for;
use super::secrets::Secrets;
use crate::catalog::CatalogTask;
use crate::params::ParamsOrigin;
use crate::providers::anchor::rules;
use crate::providers::browser_use::adapter::skills::SkillRun;
use crate::providers::runs::WaitEnd;
use crate::runs::{RunReport, RunRequest, RunTarget, TaskKind, Verdict};

/// A task listed as a tool of its own.
#[derive(Debug)]
pub struct TaskTool {
    pub task: CatalogTask,
    pub signature: Signature,
    pub tool: Tool,
}

impl TaskTool {
    /// The tool for `task`. `budget` is how long a call waits by default (for the description).
    pub fn build(task: CatalogTask, secrets: &Secrets, budget: Duration) -> Self {
        let signature = Signature::new(&task.inputs, &|p| secrets.has(p));
        let output = match &task.output_schema {
            Some(declared) if task.kind == TaskKind::Skill => skill_output_schema(declared),
            _ => output_schema(&task.outputs).unwrap_or_else(|| {
                // Without declared outputs a call returns the run report, as run_task does.
                (*output_schema_for::<RunReport>()).clone()
            }),
        };
        let tool = Tool::new(
            task.tool_name.clone(),
            describe(&task, budget),
            std::sync::Arc::new(signature.input_schema()),
        )
        .with_title(task.name.clone())
        .with_raw_output_schema(std::sync::Arc::new(output))
        .with_annotations(
            ToolAnnotations::with_title(task.name.clone())
                .read_only(false)
                .destructive(true)
                .idempotent(false)
                .open_world(true),
        );
        Self {
            task,
            signature,
            tool,
        }
    }

    /// Call it: check, map, run, shape.
    pub async fn call(
        &self,
        call: &ToolContext<'_>,
        validator: &ArgsValidator,
        arguments: JsonObject,
    ) -> Result<Reply, ToolError> {
        // The schema check finds every wrong, missing or unknown argument at once; mapping
        // then only fails on what a schema cannot say.
        let problems = validator.problems(&arguments);
        if !problems.is_empty() {
            return Err(ToolError::InvalidArguments(problems));
        }
        let secrets = &call.env.secrets.configured;
        let form = match self.task.kind {
            TaskKind::Skill => InputForm::Json,
            _ => InputForm::Text,
        };
        let inputs = self
            .signature
            .to_inputs(&arguments, &|param| secrets.value_for(param), form)
            .map_err(ToolError::InvalidArguments)?;
        if self.task.kind == TaskKind::Skill {
            return self.call_skill(call, inputs).await;
        }
        let (target, api_inputs) = match self.task.kind {
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
                        task_id: self.task.task_id.clone(),
                        version: None,
                    },
                    mapped,
                )
            }
            TaskKind::Generated => (
                RunTarget::Generated {
                    task_id: self.task.task_id.clone(),
                },
                inputs.text(),
            ),
        };
        let plan = RunPlan {
            target,
            request: RunRequest {
                inputs: api_inputs,
                ..RunRequest::default()
            },
            task_name: Some(self.task.name.clone()),
            recorded_inputs: Value::Object(inputs.redacted.clone()),
            secrets: inputs.secrets.clone(),
            budget: call.env.waits.default_budget,
        };
        let (report, end) =
            running::start_and_wait(call, call.env.cloud(self.task.provider)?, plan).await?;
        let reply = match (&end, report.verdict(), self.task.outputs.is_empty()) {
            (WaitEnd::Finished, Verdict::Succeeded, false) => {
                let result = report.output.clone().unwrap_or(Value::Null);
                let (fields, all_fit) = shape_output(&self.task.outputs, &result);
                self.shaped_reply(report, all_fit.then_some(fields))
            }
            _ => running::run_reply(report, end)?,
        };
        Ok(reply.scrubbed(&inputs.secrets))
    }

    /// Execute a skill (synchronously) and shape its result to the skill's output schema.
    async fn call_skill(
        &self,
        call: &ToolContext<'_>,
        inputs: TaskInputs,
    ) -> Result<Reply, ToolError> {
        let report = crate::providers::browser_use::adapter::skills::run_skill(
            call,
            call.env.browser_use()?,
            SkillRun {
                skill_id: self.task.task_id.clone(),
                name: Some(self.task.name.clone()),
                parameters: inputs.json(),
                session_id: None,
                recorded_inputs: Value::Object(inputs.redacted.clone()),
                secrets: inputs.secrets.clone(),
            },
        )
        .await?;
        let reply = match (&self.task.output_schema, report.verdict()) {
            (Some(declared), Verdict::Succeeded) => {
                let result = report.output.clone().unwrap_or(Value::Null);
                let fields = shape_skill_output(declared, &result);
                self.shaped_reply(report, fields)
            }
            _ => running::skill_reply(report),
        };
        Ok(reply.scrubbed(&inputs.secrets))
    }

    /// A successful run of a task with declared outputs: the result's fields, plus
    /// `_execution`. When the fields are `None` (the result did not fit), or the content would
    /// not validate against the tool's output schema (clients reject such results), the
    /// result comes back whole in `_execution.raw_output` instead.
    fn shaped_reply(&self, report: RunReport, fields: Option<Map<String, Value>>) -> Reply {
        let result = report.output.clone().unwrap_or(Value::Null);
        let execution = |raw: bool| {
            let mut execution = serde_json::to_value(&report).unwrap_or(Value::Null);
            if let Value::Object(map) = &mut execution {
                map.remove("output");
                if raw {
                    map.insert("raw_output".into(), result.clone());
                }
            }
            execution
        };
        let shaped = fields.map(|mut fields| {
            fields.insert(EXECUTION_KEY.into(), execution(false));
            Value::Object(fields)
        });
        let content = match shaped {
            Some(content) if self.fits_output_schema(&content) => content,
            _ => json!({ EXECUTION_KEY: execution(true) }),
        };
        let shown = match &content {
            Value::Object(fields) if fields.len() > 1 => Value::Object(result_fields(fields)),
            _ => result.clone(),
        };
        let summary = format!(
            "The {} succeeded. {}",
            report.label(),
            crate::cloud::truncate_text(&shown.to_string(), 400)
        );
        Reply::ok(summary, content)
    }

    /// Whether `content` validates against this tool's output schema.
    fn fits_output_schema(&self, content: &Value) -> bool {
        let Some(schema) = &self.tool.output_schema else {
            return true;
        };
        match jsonschema::validator_for(&Value::Object((**schema).clone())) {
            Ok(validator) => validator.is_valid(content),
            // Our own schemas compile (tests check); never lose a result over it.
            Err(_) => true,
        }
    }
}

fn result_fields(fields: &Map<String, Value>) -> Map<String, Value> {
    fields
        .iter()
        .filter(|(k, _)| k.as_str() != EXECUTION_KEY)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The tool description: the task's own words, what a call does, what comes back.
fn describe(task: &CatalogTask, budget: Duration) -> String {
    let runs = match task.kind {
        TaskKind::Skill => format!(
            "Runs the Browser Use skill {:?} (a generated, deterministic browser automation) \
             and returns its result; it usually takes seconds.",
            task.name
        ),
        _ => format!(
            "Runs the Anchor Browser {} {:?} in a cloud browser and waits up to {} s for the \
             result, reporting progress; a longer run returns an execution_id to follow with \
             get_execution.",
            if task.kind == TaskKind::Generated {
                "generated task"
            } else {
                "code task"
            },
            task.name,
            budget.as_secs()
        ),
    };
    let mut text = match task.description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => {
            let stop = if d.ends_with('.') { "" } else { "." };
            format!("{d}{stop} {runs}")
        }
        _ => runs,
    };
    let declared_fields = task
        .output_schema
        .as_ref()
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .filter(|p| !p.is_empty());
    if let Some(fields) = declared_fields {
        let names: Vec<&str> = fields.keys().map(String::as_str).collect();
        text.push_str(&format!(" Returns: {}.", names.join(", ")));
    } else if !task.outputs.is_empty() {
        let fields: Vec<String> = task
            .outputs
            .iter()
            .map(|p| format!("{} ({})", p.name, p.kind.as_str()))
            .collect();
        text.push_str(&format!(" Returns: {}.", fields.join(", ")));
    } else {
        text.push_str(" Returns the task's output.");
    }
    if task.params_origin == ParamsOrigin::Inferred {
        text.push_str(
            " Its arguments were inferred from the task's code (process.env.ANCHOR_* reads).",
        );
    }
    text
}

#[cfg(test)]
mod tests;
