//! Every task is a tool: the tool built from a catalog task, which tasks become tools (an
//! allow-list and a cap, most recently used first, because clients cap their tool counts), and
//! what calling one does: check the arguments against the task's parameters, map them to the
//! provider's inputs, and run the task exactly like `run_task`, then shape the result to the
//! tool's output schema. Whatever the provider: its adapter says what a call does (for the
//! description), in which form it takes inputs, any output schema a task declares itself, and
//! runs the task.

pub(crate) mod inputs;
pub(crate) mod schema;

use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Map, Value, json};

use self::schema::{EXECUTION_KEY, Signature, output_schema, shape_output};
use super::args::ArgsValidator;
use super::context::ToolContext;
use super::context::adapter::{ProviderAdapter, TaskToolRun, TaskToolWork};
use super::reply::{Reply, ToolError};
use super::running;
use super::secrets::Secrets;
use crate::catalog::CatalogTask;
use crate::params::inputs::InputForm;
use crate::runs::{RunReport, Verdict, WaitEnd};

/// A task listed as a tool of its own.
#[derive(Debug)]
pub struct TaskTool {
    pub task: CatalogTask,
    pub signature: Signature,
    pub tool: Tool,
    /// How the task's provider takes the arguments' values.
    form: InputForm,
}

impl TaskTool {
    /// The tool for `task`, whose provider is `adapter`. `budget` is how long a call waits by
    /// default (for the description).
    pub fn build(
        task: CatalogTask,
        adapter: &dyn ProviderAdapter,
        secrets: &Secrets,
        budget: Duration,
    ) -> Self {
        let signature = Signature::new(&task.inputs, &|p| secrets.has(p));
        let output = adapter
            .task_output_schema(&task)
            .or_else(|| output_schema(&task.outputs))
            .map(Arc::new)
            // Without declared outputs a call returns the run report, as run_task does.
            .unwrap_or_else(super::schema::report_schema);
        let tool = Tool::new(
            task.tool_name.clone(),
            describe(&task, adapter, budget),
            Arc::new(signature.input_schema()),
        )
        .with_title(task.name.clone())
        .with_raw_output_schema(output)
        .with_annotations(
            // The title is the tool's own (see `tools::read_only`).
            ToolAnnotations::new()
                .read_only(false)
                .destructive(true)
                .idempotent(false)
                .open_world(true),
        );
        Self {
            form: adapter.task_input_form(&task),
            task,
            signature,
            tool,
        }
    }

    /// Call it: check, map, run (on the task's provider), shape.
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
        let inputs = self
            .signature
            .to_inputs(&arguments, &|param| secrets.value_for(param), self.form)
            .map_err(ToolError::InvalidArguments)?;
        // Only tasks of reachable providers are tools, but keys change: without one, say
        // which to set (and which other cloud could run tasks).
        let provider = self.task.provider;
        let providers = &call.env.providers;
        let adapter =
            providers
                .get(provider)
                .filter(|a| a.configured())
                .ok_or(ToolError::NotConfigured {
                    provider,
                    alternative: providers
                        .all()
                        .map(|a| a.provider())
                        .find(|other| *other != provider),
                })?;
        let scrub = inputs.secrets.clone();
        let ended = match adapter.call_task_tool(call, &self.task, inputs).await? {
            TaskToolWork::Execute { execution, shape } => {
                shape(running::execute(call, execution).await?)
            }
            TaskToolWork::Start(start) => {
                let budget = call.env.settings.waits.default_budget;
                let (report, end) = running::start_and_wait(call, start, budget).await?;
                self.ended(report, end)?
            }
        };
        let reply = match ended {
            TaskToolRun::Shaped { report, fields } => {
                let link = crate::mcp::links::run_link(&report);
                self.shaped_reply(*report, fields).with_link(link)
            }
            TaskToolRun::Reply(reply) => reply,
        };
        Ok(reply.scrubbed(&scrub))
    }

    /// How a run the tool waited on ended: a success of a task with declared outputs is
    /// shaped to them; any other end is the run's reply.
    fn ended(&self, report: RunReport, end: WaitEnd) -> Result<TaskToolRun, ToolError> {
        Ok(
            match (&end, report.verdict(), self.task.outputs.is_empty()) {
                (WaitEnd::Finished, Verdict::Succeeded, false) => {
                    let result = report.output.clone().unwrap_or(Value::Null);
                    let (fields, all_fit) = shape_output(&self.task.outputs, &result);
                    TaskToolRun::Shaped {
                        report: Box::new(report),
                        fields: all_fit.then_some(fields),
                    }
                }
                _ => TaskToolRun::Reply(running::run_reply(report, end)?),
            },
        )
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

/// The tool description: the task's own words, what a call does (as its provider says), what
/// comes back.
fn describe(task: &CatalogTask, adapter: &dyn ProviderAdapter, budget: Duration) -> String {
    let runs = adapter.task_tool_runs(task, budget);
    let mut text = match task.description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => {
            let stop = if d.ends_with('.') { "" } else { "." };
            format!("{d}{stop} {runs}")
        }
        _ => runs,
    };
    // The fields, by name, for clients that hand the model no output schemas; their types
    // are in the tool's output schema. Without declared fields it returns the task's output.
    let declared_fields = task
        .output_schema
        .as_ref()
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .filter(|p| !p.is_empty());
    let names: Vec<&str> = match declared_fields {
        Some(fields) => fields.keys().map(String::as_str).collect(),
        None => task.outputs.iter().map(|p| p.name.as_str()).collect(),
    };
    if !names.is_empty() {
        text.push_str(&format!(" Returns: {}.", names.join(", ")));
    }
    text
}

#[cfg(test)]
mod tests;
