//! `generate_task`: have Anchor's Task Builder (v2) write a task from a natural-language
//! prompt, and wait (with progress) until it is ready to run.
//!
//! Generation is started exactly once. The server remembers the new task (Anchor has no API
//! to list generated tasks) so that it can be found and run by id afterwards.

use std::collections::BTreeSet;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{self, browser_configuration_doc};
use super::{ToolCall, writes};
use crate::anchor::models::{GenerateTask, GenerationState, GenerationStatus, TaskParameter};
use crate::catalog::{CatalogTask, TaskSighting};
use crate::cloud::Provider;
use crate::mcp::Shared;
use crate::mcp::args::{Problem, str_arg};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::params::{self, Param, ParamsOrigin};
use crate::runs::TaskKind;
use crate::waiting::{self, Observation, WaitOutcome};

pub const NAME: &str = "generate_task";

/// Arguments of `generate_task`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Args {
    /// A short name for the new task, e.g. "hn-top-posts".
    pub name: String,
    /// What the task must do, in plain language and in detail: the site, the steps, what to
    /// extract, and what to return. The more precise, the better the generated task.
    pub prompt: String,
    /// One line saying what the task does (derived from the prompt when left out).
    pub description: Option<String>,
    /// The inputs the task takes, each {"name", "type": "string"|"number"|"boolean"|"secret"|
    /// "file", "required" (default true), "description", "defaultValue", "options": [allowed
    /// values]}.
    pub input_parameters: Option<Vec<TaskParameter>>,
    /// The fields the task returns, in the same form as input_parameters.
    pub output_parameters: Option<Vec<TaskParameter>>,
    /// Runs return only the bundled file of the session's downloads (default false).
    pub output_file_only: Option<bool>,
    /// Let a person step in during runs (default false).
    pub human_intervention: Option<bool>,
    #[schemars(description = browser_configuration_doc(
        "Default browser settings for the task's runs."
    ))]
    pub browser_configuration: Option<Map<String, Value>>,
    /// An application (connection) UUID to associate with the task.
    pub application_id: Option<String>,
    /// An identity (saved login) to use while generating.
    pub identity_id: Option<String>,
    /// A finished browser session to generate the workflow from.
    pub browser_session_id: Option<String>,
    /// How long to wait for the task to be ready, in seconds (default 45, at most 600). If it
    /// is not ready by then, the answer says so and get_task with wait_seconds keeps waiting.
    pub wait_seconds: Option<f64>,
}

/// The answer of `generate_task` (and of `get_task` for a generated task).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Output {
    /// The new task's id: pass it to run_task as task_id.
    pub task_id: String,
    pub name: String,
    /// Always "generated".
    pub kind: TaskKind,
    /// generating, waiting-for-session, ready or failed.
    pub status: String,
    /// Whether the task can be run now.
    pub ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The task's own tool (listed when the task is ready and selected for listing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// Whether that tool is in the tool list right now.
    pub listed_as_tool: bool,
    pub input_parameters: Vec<Param>,
    pub output_parameters: Vec<Param>,
    pub next_step: String,
}

/// The tool's definition.
pub fn definition() -> Tool {
    Tool::new(
        NAME,
        "Create a new browser-automation task from a plain-language description, using \
         Anchor's AI Task Builder, and wait until it is ready to run (progress is reported; \
         generation can take minutes). Describe the job in detail in prompt, and declare the \
         inputs it takes and the fields it returns. Returns the new task_id and its parameters; \
         then call run_task with that task_id and the inputs. Each call generates a new task.",
        input_schema_for::<Args>(),
    )
    .with_title("Generate a task from a description")
    .with_raw_output_schema(output_schema_for::<Output>())
    .with_annotations(writes("Generate a task from a description", false, false))
}

/// Argument rules beyond the schema.
pub fn rules(_state: &Shared, args: &JsonObject, problems: &mut Vec<Problem>) {
    for key in ["name", "prompt"] {
        if str_arg(args, key).is_some_and(|v| v.trim().is_empty()) {
            problems.push(Problem::new(key, "is empty"));
        }
    }
    if str_arg(args, "name").is_some_and(|n| n.chars().count() > 255) {
        problems.push(Problem::new("name", "is longer than 255 characters"));
    }
    common::check_wait_seconds(args, problems);
    common::check_uuid(args, "application_id", "an Anchor application id", problems);
    for key in ["input_parameters", "output_parameters"] {
        if let Some(Value::Array(params)) = args.get(key) {
            parameter_problems(key, params, problems);
        }
    }
}

/// Problems in a parameter list: unknown types, empty or repeated names, bad options.
pub fn parameter_problems(key: &str, params: &[Value], problems: &mut Vec<Problem>) {
    let mut names = BTreeSet::new();
    for (i, param) in params.iter().enumerate() {
        let at = |field: &str| format!("{key}.{i}.{field}");
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.trim().is_empty() {
            problems.push(Problem::new(at("name"), "is missing or empty"));
        } else if !names.insert(name.to_string()) {
            problems.push(Problem::new(
                at("name"),
                format!("{name:?} is declared twice; parameter names must be unique"),
            ));
        }
        match param.get("type").and_then(Value::as_str) {
            Some("string" | "number" | "boolean" | "secret" | "file") => {}
            _ => problems.push(Problem::new(
                at("type"),
                "must be one of: \"string\", \"number\", \"boolean\", \"secret\", \"file\"",
            )),
        }
        if let Some(options) = param.get("options").filter(|o| !o.is_null()) {
            let strings: Option<Vec<&str>> = options
                .as_array()
                .map(|items| items.iter().filter_map(Value::as_str).collect());
            match strings {
                Some(list)
                    if list.len() == options.as_array().map_or(0, Vec::len) && !list.is_empty() =>
                {
                    if let Some(default) = param.get("defaultValue").and_then(Value::as_str)
                        && !list.contains(&default)
                    {
                        problems.push(Problem::new(
                            at("defaultValue"),
                            format!("{default:?} is not one of the options {list:?}"),
                        ));
                    }
                }
                _ => problems.push(Problem::new(
                    at("options"),
                    "must be a non-empty list of strings (the allowed values)",
                )),
            }
        }
    }
}

/// Run it.
pub async fn run(call: &ToolCall<'_>, args: Args) -> Result<Reply, ToolError> {
    let anchor = call.anchor()?;
    let request = GenerateTask {
        name: args.name.trim().to_string(),
        prompt: args.prompt.clone(),
        description: args.description.clone(),
        application_id: args.application_id.clone(),
        identity_id: args.identity_id.clone(),
        input_schema: args.input_parameters.clone().unwrap_or_default(),
        output_schema: args.output_parameters.clone().unwrap_or_default(),
        output_file_only: args.output_file_only,
        human_intervention: args.human_intervention,
        browser_session_id: args.browser_session_id.clone(),
        browser_configuration: args.browser_configuration.clone().map(Value::Object),
    };
    tracing::info!(name = %request.name, "starting a task generation");
    let started = anchor
        .generate_task(&request)
        .await
        .map_err(|e| ToolError::api(e, "Starting the task generation"))?;
    // Remembered at once: Anchor cannot list generated tasks, and the id must survive.
    let sighting = TaskSighting {
        provider: Provider::Anchor,
        kind: TaskKind::Generated,
        task_id: started.id.clone(),
        name: request.name.clone(),
        description: request.description.clone(),
        version: None,
        status: Some(started.status.to_string()),
        params: Some((
            params::from_anchor(&request.input_schema),
            params::from_anchor(&request.output_schema),
            ParamsOrigin::Declared,
        )),
    };
    let task = remember(call, sighting);
    let budget = call.state.waits.budget(args.wait_seconds);
    wait_until_ready(call, task, started.status.as_str(), budget).await
}

/// Record a sighting; if the catalog cannot take it, carry on with an unlisted copy.
fn remember(call: &ToolCall<'_>, sighting: TaskSighting) -> CatalogTask {
    match call.state.learn(sighting.clone()) {
        Some(change) => change.task,
        None => {
            let (inputs, outputs, params_origin) =
                sighting
                    .params
                    .unwrap_or((Vec::new(), Vec::new(), ParamsOrigin::Unknown));
            CatalogTask {
                provider: sighting.provider,
                kind: sighting.kind,
                task_id: sighting.task_id,
                name: sighting.name,
                description: sighting.description,
                version: sighting.version,
                status: sighting.status,
                inputs,
                outputs,
                params_origin,
                tool_name: String::new(),
                last_seen: String::new(),
                last_used: None,
            }
        }
    }
}

/// Wait for a generation to end (within `budget`) and build the reply; shared with `get_task`.
pub(super) async fn wait_until_ready(
    call: &ToolCall<'_>,
    task: CatalogTask,
    status: &str,
    budget: std::time::Duration,
) -> Result<Reply, ToolError> {
    let anchor = call.anchor()?;
    let label = format!("generation of task {} ({})", task.name, task.task_id);
    let outcome = waiting::wait_for(
        &label,
        status,
        budget,
        &call.state.waits,
        &call.cancel,
        &call.progress,
        || async {
            let state = anchor.generation_status(&task.task_id).await?;
            Ok(Observation {
                status: state.status.to_string(),
                done: state.status.is_terminal(),
                snapshot: state,
            })
        },
    )
    .await;
    let latest: Option<GenerationState> = match outcome {
        WaitOutcome::Finished(state) => Some(state),
        WaitOutcome::BudgetSpent(last) | WaitOutcome::Cancelled(last) => last,
        WaitOutcome::CheckFailed { error, .. } => {
            return Err(ToolError::api(
                error,
                format!(
                    "Checking the generation of task {} (it was started; do not generate it \
                     again, check it with get_task {{\"task_id\": \"{}\", \"kind\": \"generated\"}})",
                    task.name, task.task_id
                ),
            ));
        }
    };
    Ok(settle(call, task, latest.as_ref()).await)
}

/// Record a generation's latest state, update the tool list (a ready task becomes a tool),
/// and describe it.
pub(super) async fn settle(
    call: &ToolCall<'_>,
    mut task: CatalogTask,
    state: Option<&GenerationState>,
) -> Reply {
    let error = state
        .and_then(|s| s.error.clone())
        .filter(|e| !e.is_empty());
    if let Some(state) = state {
        task.status = Some(state.status.to_string());
        let sighting = TaskSighting {
            provider: task.provider,
            kind: task.kind,
            task_id: task.task_id.clone(),
            name: task.name.clone(),
            description: None,
            version: None,
            status: task.status.clone(),
            params: None,
        };
        if let Some(change) = call.state.learn_and_update(sighting).await {
            task = change.task;
        }
    }
    let listed = call.state.table().get(&task.tool_name).is_some();
    generation_reply(&task, error, listed, call.state.waits.max_budget.as_secs())
}

/// The reply describing a generated task's state.
fn generation_reply(
    task: &CatalogTask,
    error: Option<String>,
    listed: bool,
    max_wait: u64,
) -> Reply {
    let status_text = task.status.clone().unwrap_or_else(|| "unknown".into());
    let status = GenerationStatus::from(status_text.as_str());
    let ready = status == GenerationStatus::Ready;
    let next_step = match status {
        GenerationStatus::Ready if listed => format!(
            "Call its own tool {} with its arguments, or run_task {{\"task_id\": \"{}\", \
             \"inputs\": {{…}}}}.",
            task.tool_name, task.task_id
        ),
        GenerationStatus::Ready => format!(
            "Run it with run_task {{\"task_id\": \"{}\", \"inputs\": {{…}}}}.",
            task.task_id
        ),
        GenerationStatus::Failed => {
            "Generation failed; adjust the prompt and call generate_task again.".to_string()
        }
        _ => format!(
            "Still {status_text}. Call get_task with {{\"task_id\": \"{}\", \"kind\": \
             \"generated\", \"wait_seconds\": {max_wait}}} to keep waiting.",
            task.task_id
        ),
    };
    let output = Output {
        task_id: task.task_id.clone(),
        name: task.name.clone(),
        kind: TaskKind::Generated,
        status: status_text.clone(),
        ready,
        error: error.clone(),
        tool_name: (!task.tool_name.is_empty()).then(|| task.tool_name.clone()),
        listed_as_tool: listed,
        input_parameters: task.inputs.clone(),
        output_parameters: task.outputs.clone(),
        next_step: next_step.clone(),
    };
    let headline = format!("Task {:?} ({})", task.name, task.task_id);
    match status {
        GenerationStatus::Failed => Reply::failed(
            format!(
                "{headline}: generation failed: {}",
                error.as_deref().unwrap_or("no reason given")
            ),
            output,
        ),
        GenerationStatus::Ready => Reply::ok(format!("{headline} is ready. {next_step}"), output),
        _ => Reply::ok(format!("{headline} is not ready yet. {next_step}"), output),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parameter_lists_are_checked_whole() {
        let params = json!([
            {"name": "url", "type": "string"},
            {"name": "url", "type": "text"},
            {"name": "", "type": "number", "options": []},
            {"name": "mode", "type": "string", "options": ["a", "b"], "defaultValue": "c"}
        ]);
        let mut problems = Vec::new();
        parameter_problems(
            "input_parameters",
            params.as_array().unwrap(),
            &mut problems,
        );
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "input_parameters.1.name",
                "input_parameters.1.type",
                "input_parameters.2.name",
                "input_parameters.2.options",
                "input_parameters.3.defaultValue"
            ]
        );
    }
}
