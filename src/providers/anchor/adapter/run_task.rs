//! Anchor Browser's part of `run_task`: code tasks by id (at a version) or by name, generated
//! tasks by id. Inputs become text (`ANCHOR_`-prefixed environment variables for code tasks),
//! as Anchor's API requires.

use std::collections::BTreeMap;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use std::sync::Arc;

use super::Account;
use super::arguments::{self, AnchorKind};
use crate::mcp::args::{Problem, TASK_ID_FROM, check_uuid, has, str_arg};
use crate::mcp::context::adapter::{Subjects, ToolPart, read_args};
use crate::mcp::context::work::{RunStart, Work};
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::ToolError;
use crate::mcp::running;
use crate::mcp::schema::input_schema_for;
use crate::mcp::task_tools::inputs::{by_parameter_name, known_input_problems, null_input};
use crate::mcp::tools::run_task::{RUN_TAIL, SharedArgs};
use crate::params::{self, Param, ParamType, ParamsOrigin};
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::rules;
use crate::providers::anchor::runs::{self, RunRequest, RunTarget};
use crate::runs::TaskKind;

/// Anchor's own arguments of `run_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    // The tool's description says what it is: a code task's name.
    pub task_name: Option<String>,
    pub kind: Option<AnchorKind>,
    /// Code tasks: draft, latest (default) or a number.
    pub version: Option<String>,
    /// Code tasks: session settings.
    pub browser_configuration: Option<Map<String, Value>>,
    /// Generated tasks: a saved login.
    pub identity_id: Option<String>,
    /// Default true.
    pub cleanup_sessions: Option<bool>,
}

/// A call's arguments as Anchor reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

const DESCRIPTION: &str = "Run a task (task_id, or a code task's task_name) with inputs for its \
output.";

/// Anchor's part of `run_task`.
pub struct RunTask {
    account: Arc<Account>,
}

impl RunTask {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for RunTask {
    fn arguments(&self) -> std::sync::Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        format!("{DESCRIPTION} {RUN_TAIL}")
    }

    fn fragment(&self) -> String {
        "Anchor: also a code task by task_name.".into()
    }

    fn argument_docs(&self) -> Vec<(&'static str, String)> {
        vec![("inputs", "The task's arguments.".into())]
    }

    fn subjects(&self) -> Subjects {
        Subjects {
            names: &["task_name"],
            alone: "`task_id` or `task_name`",
            listed: "`task_name` (an Anchor code task)",
        }
    }

    fn rules(&self, env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        check(env, args, problems);
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let args: Args = read_args(args)?;
            run(call, self.account.client()?, args)
        }
        .boxed()
    }
}

/// Argument rules of an Anchor run.
fn check(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    crate::mcp::args::check_one_of(args, "task_id", "task_name", false, problems);
    arguments::check_task_name(args, "task_name", problems);
    arguments::check_version(args, "version", problems);
    // `kind` is there for tasks this server does not know; one it knows says its own kind.
    let tasks = state.tasks_as_read();
    let known = str_arg(args, "task_id")
        .and_then(|id| tasks.task(id))
        .filter(|task| task.provider == crate::cloud::Provider::Anchor)
        .map(|task| task.kind);
    if let (Some(given), Some(known)) = (explicit_kind(args), known)
        && given != known
    {
        problems.push(Problem::new(
            "kind",
            format!(
                "task_id is a {} task (list_tasks shows it); leave kind out",
                known.as_str()
            ),
        ));
    }
    let kind = explicit_kind(args)
        .or_else(|| has(args, "task_name").then_some(TaskKind::Code))
        .unwrap_or_else(|| tasks.kind_of(str_arg(args, "task_id")));
    match kind {
        // The catalog names a Browser Use task for this id, but the call is for Anchor
        // (`provider` says so): check it as a code task, which Anchor will look up.
        TaskKind::Code | TaskKind::Skill | TaskKind::Agent => {
            check_uuid(args, "task_id", TASK_ID_FROM, problems);
            check_uuid(
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
            let known = str_arg(args, "task_id").and_then(|id| tasks.task(id));
            if let Some(task) = known.filter(|t| t.params_origin == ParamsOrigin::Declared) {
                known_input_problems(&task.inputs, &inputs, &state.secrets.configured, problems);
            }
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
fn run<'a>(
    call: &'a ToolContext<'a>,
    anchor: &'a AnchorClient,
    args: Args,
) -> Result<Work<'a>, ToolError> {
    let Args { shared, own } = args;
    // The catalog as this call read it before its checks.
    let tasks = call.env.tasks_as_read();
    let kind = match (&own.kind, &own.task_name) {
        (Some(kind), _) => TaskKind::from(*kind),
        (None, Some(_)) => TaskKind::Code,
        (None, None) => match tasks.kind_of(shared.task_id.as_deref()) {
            TaskKind::Generated => TaskKind::Generated,
            _ => TaskKind::Code,
        },
    };
    let known = match (&shared.task_id, &own.task_name) {
        (Some(id), _) => tasks.task(id).cloned(),
        (None, Some(name)) => tasks.task_by_name(name, Some(TaskKind::Code)).cloned(),
        (None, None) => None,
    };
    let given = shared.inputs.clone().unwrap_or_default();
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
    let target = match (kind, &own.task_name) {
        (TaskKind::Generated, _) => RunTarget::Generated {
            task_id: shared.task_id.clone().unwrap_or_default(),
        },
        (_, Some(name)) => RunTarget::CodeByName { name: name.clone() },
        (_, None) => RunTarget::Code {
            task_id: shared.task_id.clone().unwrap_or_default(),
            version: own.version.clone(),
        },
    };
    let request = RunRequest {
        inputs,
        session_id: shared.session_id.clone(),
        browser_configuration: own.browser_configuration.clone().map(Value::Object),
        identity_id: own.identity_id.clone(),
        cleanup_sessions: own.cleanup_sessions,
        // A code task's run goes in a session opened for it, so that it can be stopped.
        open_session: call.env.settings.anchor_run_sessions,
        known_task_id: known.as_ref().map(|t| t.task_id.clone()),
    };
    Ok(Work::Start(RunStart {
        cloud: anchor,
        start: async move { runs::start(anchor, &target, request, call.env).await }.boxed(),
        task_name: known.map(|t| t.name).or(own.task_name.clone()),
        recorded_inputs,
        secrets,
    }))
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

    #[tokio::test]
    async fn a_kind_that_contradicts_the_known_task_is_named() {
        let registry = crate::mcp::registry::tests::test_registry(true, false);
        let env = registry.env();
        env.learn(crate::catalog::TaskSighting {
            provider: crate::cloud::Provider::Anchor,
            kind: TaskKind::Generated,
            task_id: "gen-1".into(),
            name: "HN".into(),
            description: None,
            version: None,
            status: Some("ready".into()),
            params: None,
            output_schema: None,
        })
        .await;
        env.task_index().await.unwrap();
        let check_of = |args: serde_json::Value| {
            let mut problems = Vec::new();
            check(env, args.as_object().unwrap(), &mut problems);
            problems
        };
        let problems = check_of(json!({"task_id": "gen-1", "kind": "code"}));
        assert!(
            problems.iter().any(|p| p.field == "kind"
                && p.message
                    == "task_id is a generated task (list_tasks shows it); leave kind out"),
            "{problems:?}"
        );
        assert!(check_of(json!({"task_id": "gen-1", "kind": "generated"})).is_empty());
        assert!(check_of(json!({"task_id": "gen-1"})).is_empty());
    }
}
