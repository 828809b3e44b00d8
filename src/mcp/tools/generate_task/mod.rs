//! `generate_task`: have a provider write a task from a natural-language description, and
//! wait (with progress) until it is ready to run. On Anchor, the Task Builder (v2) writes a
//! task from a prompt; on Browser Use, a skill is generated from a goal and a demonstration
//! prompt ([`browser_use`]). The finished task becomes a tool of its own.
//!
//! Generation is started exactly once. The server remembers the new task at once (Anchor has
//! no API to list generated tasks) so that it can be found and run by id afterwards.

mod browser_use;

pub(crate) use browser_use::generation as skill_generation;

use std::collections::BTreeSet;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{self, browser_configuration_doc};
use super::providers::{self, ArgumentSplit, ProviderArg, Providers, describe};
use super::{ToolCall, writes};
use crate::anchor::models::{GenerateTask, GenerationStatus, TaskParameter};
use crate::catalog::{CatalogTask, TaskSighting};
use crate::cloud::{ApiError, Provider};
use crate::mcp::Shared;
use crate::mcp::args::{Problem, str_arg};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::params::{self, Param, ParamsOrigin};
use crate::runs::{Cloud, TaskKind};
use crate::waiting::{self, Observation, WaitOutcome};

pub const NAME: &str = "generate_task";

/// Arguments of `generate_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Args {
    /// Which cloud writes the task: "anchor" (a Task Builder task) or "browser_use" (a
    /// skill). Default: Anchor, or Browser Use when `goal` is given.
    pub provider: Option<ProviderArg>,
    /// A short name for the new task, e.g. "hn-top-posts".
    pub name: String,
    /// What the task must do, in plain language and in detail: the site, the steps, what to
    /// extract, and what to return. The more precise, the better the generated task.
    pub prompt: String,
    /// One line saying what the task does (derived from the prompt when left out).
    pub description: Option<String>,
    /// Browser Use: the skill's goal in one sentence, e.g. "Get the top posts of Hacker
    /// News" (at most 1000 characters; default: description, else the prompt's start).
    pub goal: Option<String>,
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

/// The answer of `generate_task` (and of `get_task` for a generated task or a skill).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Output {
    /// The new task's id: pass it to run_task as task_id.
    pub task_id: String,
    pub name: String,
    /// "generated" (an Anchor Task Builder task) or "skill" (a Browser Use skill).
    pub kind: TaskKind,
    /// "anchor" or "browser_use".
    pub provider: String,
    /// Anchor: generating, waiting-for-session, ready or failed. Browser Use: recording,
    /// generating, ready (finished and enabled), disabled (finished, not enabled), failed,
    /// cancelled or timed_out.
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
    /// Skills: the JSON Schema of what a run returns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    pub next_step: String,
}

/// The arguments only one provider has.
pub const SPLIT: ArgumentSplit = ArgumentSplit {
    anchor: &[
        "input_parameters",
        "output_parameters",
        "output_file_only",
        "human_intervention",
        "browser_configuration",
        "application_id",
        "identity_id",
        "browser_session_id",
    ],
    browser_use: &["goal"],
};

/// The tool's definition.
pub fn definition(providers: Providers) -> Tool {
    let tool = Tool::new(
        NAME,
        describe(
            providers,
            "Create a new browser-automation task from a plain-language description, using \
             Anchor's AI Task Builder, and wait until it is ready to run (progress is \
             reported; generation can take minutes). Describe the job in detail in prompt, and \
             declare the inputs it takes and the fields it returns. Returns the new task_id and \
             its parameters; then call run_task with that task_id and the inputs. Each call \
             generates a new task.",
            "Create a new Browser Use skill (a deterministic, reusable browser automation with \
             typed inputs and output) from a plain-language description, and wait until it is \
             generated (progress is reported; it takes a minute or more). Give its goal in one \
             sentence and, in prompt, detailed instructions to do the job once, which Browser \
             Use records and turns into the skill. A finished, enabled skill becomes a tool of \
             its own and runs with run_task by task_id; a disabled one is enabled with \
             deploy_task. Cancelling the call cancels the generation. Each call generates a \
             new skill.",
            "Create a new browser-automation task from a plain-language description and wait \
             until it is ready to run (progress is reported; generation takes minutes). Anchor \
             (default): the AI Task Builder writes a task from prompt; declare the inputs it \
             takes and the fields it returns. Browser Use (provider \"browser_use\", or give \
             goal): a skill is generated from its goal and, in prompt, instructions to do the \
             job once; cancelling the call cancels the generation. Returns the new task_id \
             and its parameters; then call run_task with that task_id and the inputs (a ready \
             task is also a tool of its own). Each call generates a new task.",
        ),
        input_schema_for::<Args>(),
    )
    .with_title("Generate a task from a description")
    .with_raw_output_schema(output_schema_for::<Output>())
    .with_annotations(writes("Generate a task from a description", false, false));
    let tool = providers::fit(tool, providers, &SPLIT);
    let tool = providers::document(
        tool,
        "prompt",
        &describe(
            providers,
            "",
            "Instructions to do the job once, in detail (at least 10 characters): the site, \
             the steps, what to extract and return. Browser Use records the run and turns it \
             into the skill.",
            "",
        ),
    );
    providers::document(
        tool,
        "name",
        &describe(
            providers,
            "",
            "A short title for the new skill, e.g. \"HN top posts\" (at most 100 characters).",
            "",
        ),
    )
}

fn provider_of(state: &Shared, args: &JsonObject) -> Provider {
    providers::resolve(state.providers(), args, &SPLIT, None)
}

/// Argument rules beyond the schema.
pub fn rules(state: &Shared, args: &JsonObject, problems: &mut Vec<Problem>) {
    for key in ["name", "prompt"] {
        if str_arg(args, key).is_some_and(|v| v.trim().is_empty()) {
            problems.push(Problem::new(key, "is empty"));
        }
    }
    common::check_wait_seconds(args, problems);
    let provider = provider_of(state, args);
    providers::foreign_argument_problems(state.providers(), args, &SPLIT, provider, problems);
    if provider == Provider::BrowserUse {
        browser_use::rules(args, problems);
        return;
    }
    if str_arg(args, "name").is_some_and(|n| n.chars().count() > 255) {
        problems.push(Problem::new("name", "is longer than 255 characters"));
    }
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
    let raw = providers::as_object(&args);
    if provider_of(call.state, &raw) == Provider::BrowserUse {
        return browser_use::run(call, args).await;
    }
    let anchor = call.anchor_or_other()?;
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
        output_schema: None,
    };
    let task = remember(call, sighting);
    let budget = call.state.waits.budget(args.wait_seconds);
    wait_until_ready(call, task, started.status.as_str(), budget, false).await
}

/// Record a sighting; if the catalog cannot take it, carry on with an unlisted copy.
fn remember(call: &ToolCall<'_>, sighting: TaskSighting) -> CatalogTask {
    match call.state.learn(sighting.clone()) {
        Some(change) => change.task,
        None => common::unrecorded(sighting),
    }
}

/// A generation's state, whichever provider.
#[derive(Debug, Clone)]
pub(crate) struct Generation {
    /// As the catalog keeps it (see [`Output::status`]).
    pub status: String,
    /// Whether generation has ended (ready, disabled, failed, …).
    pub done: bool,
    pub error: Option<String>,
    /// What the catalog should learn (`None`: only the status).
    pub sighting: Option<TaskSighting>,
}

/// A generation's state now, on the task's own cloud.
async fn check_generation(cloud: Cloud<'_>, task: &CatalogTask) -> Result<Generation, ApiError> {
    match cloud {
        Cloud::BrowserUse(bu) => {
            let skill = bu.get_skill(&task.task_id).await?;
            Ok(browser_use::generation(&skill))
        }
        Cloud::Anchor(anchor) => {
            let state = anchor.generation_status(&task.task_id).await?;
            Ok(Generation {
                status: state.status.to_string(),
                done: state.status.is_terminal(),
                error: state.error.filter(|e| !e.is_empty()),
                sighting: None,
            })
        }
    }
}

/// Wait for a generation to end (within `budget`) and build the reply; shared with
/// `get_task`. With `cancel_in_cloud`, a cancelled wait cancels a skill's generation too
/// (generate_task's own wait; a get_task that stops waiting leaves it be).
pub(super) async fn wait_until_ready(
    call: &ToolCall<'_>,
    task: CatalogTask,
    status: &str,
    budget: std::time::Duration,
    cancel_in_cloud: bool,
) -> Result<Reply, ToolError> {
    let cloud = call.cloud(task.provider)?;
    let label = format!("generation of task {} ({})", task.name, task.task_id);
    let outcome = waiting::wait_for(
        &label,
        status,
        budget,
        &call.state.waits,
        &call.cancel,
        &call.progress,
        || async {
            let generation = check_generation(cloud, &task).await?;
            Ok(Observation {
                status: generation.status.clone(),
                detail: None,
                done: generation.done,
                snapshot: generation,
            })
        },
    )
    .await;
    let latest: Option<Generation> = match outcome {
        WaitOutcome::Finished(generation) => Some(generation),
        WaitOutcome::BudgetSpent(last) => last,
        WaitOutcome::Cancelled(last) if cancel_in_cloud && task.kind == TaskKind::Skill => {
            Some(browser_use::cancel(call, &task).await.unwrap_or_else(|| {
                last.unwrap_or(Generation {
                    status: status.to_string(),
                    done: false,
                    error: None,
                    sighting: None,
                })
            }))
        }
        WaitOutcome::Cancelled(last) => last,
        WaitOutcome::CheckFailed { error, .. } => {
            return Err(ToolError::api(
                error,
                format!(
                    "Checking the generation of task {} (it was started; do not generate it \
                     again, check it with get_task {{\"task_id\": \"{}\"}})",
                    task.name, task.task_id
                ),
            ));
        }
    };
    Ok(settle(call, task, latest).await)
}

/// Record a generation's latest state, update the tool list (a ready task becomes a tool),
/// and describe it.
pub(super) async fn settle(
    call: &ToolCall<'_>,
    mut task: CatalogTask,
    generation: Option<Generation>,
) -> Reply {
    let error = generation.as_ref().and_then(|g| g.error.clone());
    if let Some(generation) = generation {
        let sighting = generation.sighting.unwrap_or_else(|| TaskSighting {
            provider: task.provider,
            kind: task.kind,
            task_id: task.task_id.clone(),
            name: task.name.clone(),
            description: None,
            version: None,
            status: Some(generation.status.clone()),
            params: None,
            output_schema: None,
        });
        task.status = Some(generation.status);
        if let Some(change) = call.state.learn_and_update(sighting).await {
            task = change.task;
        }
    }
    let listed = call.state.table().get(&task.tool_name).is_some();
    generation_reply(&task, error, listed, call.state.waits.max_budget.as_secs())
}

/// Where a generation stands, whichever provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ready,
    /// A finished skill that is not enabled.
    Disabled,
    Failed,
    InProgress,
}

fn phase(task: &CatalogTask, status: &str) -> Phase {
    match (task.kind, status) {
        (TaskKind::Skill, "ready") => Phase::Ready,
        (TaskKind::Skill, "disabled") => Phase::Disabled,
        (TaskKind::Skill, "failed" | "cancelled" | "timed_out") => Phase::Failed,
        (TaskKind::Skill, _) => Phase::InProgress,
        _ => match GenerationStatus::from(status) {
            GenerationStatus::Ready => Phase::Ready,
            GenerationStatus::Failed => Phase::Failed,
            _ => Phase::InProgress,
        },
    }
}

/// The reply describing a generated task's state.
fn generation_reply(
    task: &CatalogTask,
    error: Option<String>,
    listed: bool,
    max_wait: u64,
) -> Reply {
    let status_text = task.status.clone().unwrap_or_else(|| "unknown".into());
    let phase = phase(task, &status_text);
    let next_step = match phase {
        Phase::Ready if listed => format!(
            "Call its own tool {} with its arguments, or run_task {{\"task_id\": \"{}\", \
             \"inputs\": {{…}}}}.",
            task.tool_name, task.task_id
        ),
        Phase::Ready => format!(
            "Run it with run_task {{\"task_id\": \"{}\", \"inputs\": {{…}}}}.",
            task.task_id
        ),
        Phase::Disabled => format!(
            "The skill is generated but not enabled: enable it with deploy_task \
             {{\"task_id\": \"{}\"}}, then run it.",
            task.task_id
        ),
        Phase::Failed => format!(
            "Generation ended with status {status_text}; adjust the prompt and call \
             generate_task again."
        ),
        Phase::InProgress => format!(
            "Still {status_text}. Call get_task with {{\"task_id\": \"{}\", \
             \"wait_seconds\": {max_wait}}} to keep waiting.",
            task.task_id
        ),
    };
    let output = Output {
        task_id: task.task_id.clone(),
        name: task.name.clone(),
        kind: task.kind,
        provider: task.provider.id().to_string(),
        status: status_text.clone(),
        ready: phase == Phase::Ready,
        error: error.clone(),
        tool_name: (!task.tool_name.is_empty()).then(|| task.tool_name.clone()),
        listed_as_tool: listed,
        input_parameters: task.inputs.clone(),
        output_parameters: task.outputs.clone(),
        output_schema: task.output_schema.clone(),
        next_step: next_step.clone(),
    };
    let what = if task.kind == TaskKind::Skill {
        "Skill"
    } else {
        "Task"
    };
    let headline = format!("{what} {:?} ({})", task.name, task.task_id);
    match phase {
        Phase::Failed => Reply::failed(
            format!(
                "{headline}: generation ended with status {status_text}: {}",
                error.as_deref().unwrap_or("no reason given")
            ),
            output,
        ),
        Phase::Ready => Reply::ok(format!("{headline} is ready. {next_step}"), output),
        Phase::Disabled => Reply::ok(format!("{headline} is generated. {next_step}"), output),
        Phase::InProgress => Reply::ok(format!("{headline} is not ready yet. {next_step}"), output),
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
