//! `run_task`: run any task, by id or (code tasks) by name, wait for it with progress, and
//! return its output, or, when it outlasts the wait, the id to keep waiting with.
//!
//! The run is started exactly once (asynchronously), then polled. The start request is never
//! retried: if it fails ambiguously, the agent is told to look before starting another.

use std::collections::BTreeMap;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::common::{self, RunPlan, browser_configuration_doc};
use super::{ToolCall, writes};
use crate::anchor::rules;
use crate::mcp::Shared;
use crate::mcp::args::{Problem, closest, has, str_arg};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::mcp::task_tools::Secrets;
use crate::mcp::task_tools::schema::Signature;
use crate::params::{self, Param, ParamType, ParamsOrigin};
use crate::runs::{RunReport, RunRequest, RunTarget, TaskKind};

pub const NAME: &str = "run_task";

/// Arguments of `run_task`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Args {
    /// The task to run: a code task's UUID or a generated task's id (from list_tasks or
    /// generate_task).
    pub task_id: Option<String>,
    /// Instead of task_id: the name of a code task (runs its latest published version).
    pub task_name: Option<String>,
    /// "code" (a TypeScript code task) or "generated" (a Task Builder task). Leave it out
    /// unless told otherwise: tasks this server generated are recognised by id, and anything
    /// else is taken as a code task.
    pub kind: Option<TaskKind>,
    /// Code tasks run by id: the version to run, "draft", "latest" (the default) or a
    /// published number such as "2".
    pub version: Option<String>,
    /// The task's inputs: the same arguments its own tool takes (list_tasks shows them).
    /// Code tasks: names may leave out the ANCHOR_ prefix (max_pages is sent as
    /// ANCHOR_MAX_PAGES). Generated tasks: the parameter names, or the tool's argument names.
    /// Numbers and booleans are sent as text, as the API requires.
    pub inputs: Option<Map<String, Value>>,
    /// How long to wait for the run to finish, in seconds (default 45, at most 600). 0 starts
    /// it and returns at once. A run that takes longer keeps going; the answer then carries
    /// the execution_id to wait on with get_execution.
    pub wait_seconds: Option<f64>,
    /// Run in this existing browser session (a UUID) instead of a fresh one.
    pub session_id: Option<String>,
    #[schemars(description = browser_configuration_doc(
        "Code tasks: browser settings for this run, overriding the task's own."
    ))]
    pub browser_configuration: Option<Map<String, Value>>,
    /// Generated tasks: the identity (saved login) to run with.
    pub identity_id: Option<String>,
    /// Close the browser session when the run ends (default true).
    pub cleanup_sessions: Option<bool>,
}

/// The tool's definition.
pub fn definition() -> Tool {
    Tool::new(
        NAME,
        "Run a browser-automation task in the cloud and return its output. Use it for any task \
         listed by list_tasks, whether or not it also appears as a tool of its own. Give \
         task_id (or task_name for a code task) and the task's inputs. The call waits for the \
         run (reporting progress) up to wait_seconds; a run that takes longer is not an error: \
         you get status \"running\" and an execution_id, and get_execution with wait_seconds \
         keeps waiting. Each call starts a new run, so do not repeat a call that failed to \
         answer without first checking list_executions.",
        input_schema_for::<Args>(),
    )
    .with_title("Run a task")
    .with_raw_output_schema(output_schema_for::<RunReport>())
    .with_annotations(writes("Run a task", true, false))
}

/// Argument rules beyond the schema.
pub fn rules(state: &Shared, args: &JsonObject, problems: &mut Vec<Problem>) {
    common::check_one_of(args, "task_id", "task_name", true, problems);
    common::check_task_name(args, "task_name", problems);
    common::check_version(args, "version", problems);
    common::check_wait_seconds(args, problems);
    let kind = explicit_kind(args)
        .or_else(|| has(args, "task_name").then_some(TaskKind::Code))
        .unwrap_or_else(|| state.kind_of(None, str_arg(args, "task_id")));
    match kind {
        TaskKind::Code => {
            common::check_uuid(args, "task_id", common::TASK_ID_FROM, problems);
            common::check_uuid(
                args,
                "session_id",
                "the id of an open Anchor browser session",
                problems,
            );
            if has(args, "version") && has(args, "task_name") {
                problems.push(Problem::new(
                    "version",
                    "a run by task_name always uses the latest version; to run another \
                     version, give task_id instead of task_name",
                ));
            }
            if has(args, "identity_id") {
                problems.push(Problem::new(
                    "identity_id",
                    "applies to generated tasks only; leave it out for a code task",
                ));
            }
            if let Some(Value::Object(inputs)) = args.get("inputs") {
                code_input_problems(inputs, problems);
            }
        }
        TaskKind::Generated => {
            if has(args, "task_name") {
                problems.push(Problem::new(
                    "task_name",
                    "generated tasks are run by task_id (list_tasks shows it)",
                ));
            }
            for key in ["version", "browser_configuration"] {
                if has(args, key) {
                    problems.push(Problem::new(
                        key,
                        "applies to code tasks only; leave it out for a generated task",
                    ));
                }
            }
            let inputs = match args.get("inputs") {
                Some(Value::Object(inputs)) => inputs.clone(),
                _ => Map::new(),
            };
            for (name, value) in &inputs {
                if value.is_null() {
                    problems.push(null_input(name));
                }
            }
            let known = str_arg(args, "task_id").and_then(|id| state.known_task(id));
            if let Some(task) = known.filter(|t| t.params_origin == ParamsOrigin::Declared) {
                known_input_problems(&task.inputs, &inputs, &state.secrets, problems);
            }
        }
    }
}

/// Inputs of a generated task whose parameters are known: no unknown names, the required
/// ones present (unless the server supplies them).
fn known_input_problems(
    params: &[Param],
    inputs: &Map<String, Value>,
    secrets: &Secrets,
    problems: &mut Vec<Problem>,
) {
    let inputs = by_parameter_name(params, inputs);
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    for name in inputs.keys() {
        if !names.contains(&name.as_str()) {
            let hint = match closest(name, &names) {
                Some(near) => format!("did you mean {near:?}?"),
                None => format!("its parameters are: {}", names.join(", ")),
            };
            problems.push(Problem::new(
                format!("inputs.{name}"),
                format!("is not a parameter of this task; {hint}"),
            ));
        }
    }
    for param in params {
        if param.must_be_given() && !inputs.contains_key(&param.name) && !secrets.has(param) {
            let about = param
                .description
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            problems.push(Problem::new(
                format!("inputs.{}", param.name),
                format!("is required but missing{about}"),
            ));
        }
    }
}

fn explicit_kind(args: &JsonObject) -> Option<TaskKind> {
    match str_arg(args, "kind") {
        Some("code") => Some(TaskKind::Code),
        Some("generated") => Some(TaskKind::Generated),
        _ => None,
    }
}

fn null_input(name: &str) -> Problem {
    Problem::new(
        format!("inputs.{name}"),
        "is null; give a value, or leave the input out to use the task's default",
    )
}

/// Inputs keyed by parameter name: a key that is the task tool's argument name for a
/// parameter (`file_name` for "File Name") is renamed, so run_task takes the same arguments
/// as the task's own tool.
fn by_parameter_name(params: &[Param], inputs: &Map<String, Value>) -> Map<String, Value> {
    let signature = Signature::new(params, &|_| false);
    inputs
        .iter()
        .map(|(key, value)| {
            let is_param = params.iter().any(|p| &p.name == key);
            let renamed = signature
                .arguments
                .iter()
                .find(|a| &a.name == key && !is_param)
                .map(|a| a.param.name.clone());
            (renamed.unwrap_or_else(|| key.clone()), value.clone())
        })
        .collect()
}

/// Problems with a code task's inputs: names that cannot become `ANCHOR_…` variables, names
/// that collide once prefixed, null values.
pub fn code_input_problems(inputs: &Map<String, Value>, problems: &mut Vec<Problem>) {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for (name, value) in inputs {
        match rules::input_key(name) {
            None => problems.push(Problem::new(
                format!("inputs.{name}"),
                "is not a usable input name: code task inputs are environment variables, so \
                 use letters, digits and underscores (it is sent as ANCHOR_<NAME>)",
            )),
            Some(key) => {
                if let Some(other) = seen.insert(key.clone(), name) {
                    problems.push(Problem::new(
                        format!("inputs.{name}"),
                        format!("and `inputs.{other}` are both sent as {key}; keep only one"),
                    ));
                }
            }
        }
        if value.is_null() {
            problems.push(null_input(name));
        }
    }
}

/// The text the API wants for an input value (its spec types every input as a string).
pub fn input_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A code task's inputs as the API wants them: `ANCHOR_` keys, text values.
pub fn code_inputs(inputs: &Map<String, Value>) -> BTreeMap<String, String> {
    inputs
        .iter()
        .filter_map(|(name, value)| Some((rules::input_key(name)?, input_text(value))))
        .collect()
}

/// Run it.
pub async fn run(call: &ToolCall<'_>, args: Args) -> Result<Reply, ToolError> {
    call.anchor()?;
    let kind = match (&args.kind, &args.task_name) {
        (Some(kind), _) => *kind,
        (None, Some(_)) => TaskKind::Code,
        (None, None) => call.state.kind_of(None, args.task_id.as_deref()),
    };
    let known = match (&args.task_id, &args.task_name) {
        (Some(id), _) => call.state.known_task(id),
        (None, Some(name)) => call.state.catalog.task_by_name(name, Some(TaskKind::Code)),
        (None, None) => None,
    };
    let given = args.inputs.clone().unwrap_or_default();
    let given = match (&known, kind) {
        (Some(task), TaskKind::Generated) => by_parameter_name(&task.inputs, &given),
        _ => given,
    };
    let secret_params: Vec<Param> = known
        .iter()
        .flat_map(|t| t.inputs.iter())
        .filter(|p| p.kind == ParamType::Secret)
        .cloned()
        .collect();
    // The API's key for a parameter name.
    let key_of = |name: &str| match kind {
        TaskKind::Code => rules::input_key(name),
        TaskKind::Generated => Some(name.to_string()),
    };
    let mut inputs = match kind {
        TaskKind::Code => code_inputs(&given),
        TaskKind::Generated => given
            .iter()
            .map(|(name, value)| (name.clone(), input_text(value)))
            .collect(),
    };
    // Secrets the server holds are filled in when the caller left them out.
    for param in &secret_params {
        if let (Some(key), Some(value)) = (key_of(&param.name), call.state.secrets.value_for(param))
        {
            inputs.entry(key).or_insert(value);
        }
    }
    let secret_keys: Vec<String> = secret_params
        .iter()
        .filter_map(|p| key_of(&p.name))
        .collect();
    let (recorded_inputs, secrets) = common::redact(&inputs, &|name| {
        secret_keys.iter().any(|k| k == name) || params::looks_secret(name)
    });
    let target = match (kind, &args.task_name) {
        (TaskKind::Code, Some(name)) => RunTarget::CodeByName { name: name.clone() },
        (TaskKind::Code, None) => RunTarget::Code {
            task_id: args.task_id.clone().unwrap_or_default(),
            version: args.version.clone(),
        },
        (TaskKind::Generated, _) => RunTarget::Generated {
            task_id: args.task_id.clone().unwrap_or_default(),
        },
    };
    let plan = RunPlan {
        target,
        request: RunRequest {
            inputs,
            session_id: args.session_id.clone(),
            browser_configuration: args.browser_configuration.clone().map(Value::Object),
            identity_id: args.identity_id.clone(),
            cleanup_sessions: args.cleanup_sessions,
        },
        task_name: known.map(|t| t.name).or(args.task_name.clone()),
        recorded_inputs,
        secrets: secrets.clone(),
        budget: call.state.waits.budget(args.wait_seconds),
    };
    let (report, end) = common::start_and_wait(call, plan).await?;
    Ok(common::run_reply(report, end)?.scrubbed(&secrets))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn code_inputs_get_prefixed_and_stringified() {
        let inputs =
            json!({"max_pages": 3, "ANCHOR_URL": "https://x", "deep": true, "tags": ["a"]});
        let converted = code_inputs(inputs.as_object().unwrap());
        assert_eq!(
            serde_json::to_value(converted).unwrap(),
            json!({"ANCHOR_MAX_PAGES": "3", "ANCHOR_URL": "https://x", "ANCHOR_DEEP": "true", "ANCHOR_TAGS": "[\"a\"]"})
        );
    }

    #[test]
    fn colliding_and_unusable_input_names_are_problems() {
        let inputs = json!({"max_pages": 1, "ANCHOR_MAX_PAGES": 2, "File Name": "x", "gone": null});
        let mut problems = Vec::new();
        code_input_problems(inputs.as_object().unwrap(), &mut problems);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["inputs.File Name", "inputs.gone", "inputs.max_pages"]
        );
    }
}
