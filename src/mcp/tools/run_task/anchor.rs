//! `run_task` on Anchor Browser: code tasks by id (at a version) or by name, generated tasks
//! by id. Inputs become text (`ANCHOR_`-prefixed environment variables for code tasks), as
//! Anchor's API requires.

use std::collections::BTreeMap;

use rmcp::model::JsonObject;
use serde_json::{Map, Value};

use super::Args;
use crate::mcp::anchor_rules;
use crate::mcp::args::{Problem, closest, has, str_arg};
use crate::mcp::context::ToolContext;
use crate::mcp::context::ToolEnv;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::running::{self, RunPlan};
use crate::mcp::secrets::Secrets;
use crate::mcp::task_tools::schema::Signature;
use crate::params::{self, Param, ParamType, ParamsOrigin};
use crate::providers::anchor::rules;
use crate::runs::{RunRequest, RunTarget, TaskKind};

/// Argument rules of an Anchor run.
pub(super) fn rules(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    crate::mcp::args::check_one_of(args, "task_id", "task_name", false, problems);
    anchor_rules::check_task_name(args, "task_name", problems);
    anchor_rules::check_version(args, "version", problems);
    let kind = explicit_kind(args)
        .or_else(|| has(args, "task_name").then_some(TaskKind::Code))
        .unwrap_or_else(|| state.kind_of(None, str_arg(args, "task_id")));
    match kind {
        // The catalog names a Browser Use task for this id, but the call is for Anchor
        // (`provider` says so): check it as a code task, which Anchor will look up.
        TaskKind::Code | TaskKind::Skill | TaskKind::Agent => {
            anchor_rules::check_uuid(args, "task_id", anchor_rules::TASK_ID_FROM, problems);
            anchor_rules::check_uuid(
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
                known_input_problems(&task.inputs, &inputs, &state.secrets.configured, problems);
            }
        }
    }
}

/// Inputs of a generated task whose parameters are known: no unknown names, the required
/// ones present (unless the server supplies them).
pub(super) fn known_input_problems(
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

pub(super) fn explicit_kind(args: &JsonObject) -> Option<TaskKind> {
    match str_arg(args, "kind") {
        Some("code") => Some(TaskKind::Code),
        Some("generated") => Some(TaskKind::Generated),
        _ => None,
    }
}

pub(super) fn null_input(name: &str) -> Problem {
    Problem::new(
        format!("inputs.{name}"),
        "is null; give a value, or leave the input out to use the task's default",
    )
}

/// Inputs keyed by parameter name: a key that is the task tool's argument name for a
/// parameter (`file_name` for "File Name") is renamed, so run_task takes the same arguments
/// as the task's own tool.
pub(super) fn by_parameter_name(
    params: &[Param],
    inputs: &Map<String, Value>,
) -> Map<String, Value> {
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

/// A code task's inputs as the API wants them: `ANCHOR_` keys, text values.
pub fn code_inputs(inputs: &Map<String, Value>) -> BTreeMap<String, String> {
    inputs
        .iter()
        .filter_map(|(name, value)| Some((rules::input_key(name)?, params::text_of(value))))
        .collect()
}

/// Run it on Anchor.
pub(super) async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    call.env.anchor_or_other()?;
    let kind = match (&args.kind, &args.task_name) {
        (Some(kind), _) => TaskKind::from(*kind),
        (None, Some(_)) => TaskKind::Code,
        (None, None) => match call.env.kind_of(None, args.task_id.as_deref()) {
            TaskKind::Generated => TaskKind::Generated,
            _ => TaskKind::Code,
        },
    };
    let known = match (&args.task_id, &args.task_name) {
        (Some(id), _) => call.env.known_task(id),
        (None, Some(name)) => call.env.catalog.task_by_name(name, Some(TaskKind::Code)),
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
        TaskKind::Generated => Some(name.to_string()),
        _ => rules::input_key(name),
    };
    let mut inputs = match kind {
        TaskKind::Generated => given
            .iter()
            .map(|(name, value)| (name.clone(), params::text_of(value)))
            .collect(),
        _ => code_inputs(&given),
    };
    // Secrets the server holds are filled in when the caller left them out.
    for param in &secret_params {
        if let (Some(key), Some(value)) = (
            key_of(&param.name),
            call.env.secrets.configured.value_for(param),
        ) {
            inputs.entry(key).or_insert(value);
        }
    }
    let secret_keys: Vec<String> = secret_params
        .iter()
        .filter_map(|p| key_of(&p.name))
        .collect();
    let (recorded_inputs, secrets) = running::redact(&inputs, &|name| {
        secret_keys.iter().any(|k| k == name) || params::looks_secret(name)
    });
    let target = match (kind, &args.task_name) {
        (TaskKind::Generated, _) => RunTarget::Generated {
            task_id: args.task_id.clone().unwrap_or_default(),
        },
        (_, Some(name)) => RunTarget::CodeByName { name: name.clone() },
        (_, None) => RunTarget::Code {
            task_id: args.task_id.clone().unwrap_or_default(),
            version: args.version.clone(),
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
        budget: call.env.waits.budget(args.wait_seconds),
    };
    let (report, end) = running::start_and_wait(call, plan).await?;
    Ok(running::run_reply(report, end)?.scrubbed(&secrets))
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
