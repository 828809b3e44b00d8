//! Anchor Browser's part of `generate_task`: the Task Builder (v2) writes a task from a
//! prompt, with the inputs and outputs declared here. The server remembers the new task at
//! once, since Anchor has no API to list generated tasks.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Account;
use super::arguments;
use super::generations::TaskBuilder;
use crate::catalog::{TaskSighting, VersionEvent};
use crate::cloud::Provider;
use crate::mcp::args::{Problem, check_uuid, str_arg};
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::generation::wait_until_ready;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::generate_task::{GENERATE_TAIL, SharedArgs};
use crate::params::ParamsOrigin;
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::models::{GenerateTask as GenerateRequest, TaskParameter};
use crate::runs::TaskKind;

/// Anchor's own arguments of `generate_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    pub input_parameters: Option<Vec<TaskParameter>>,
    // The same items as input_parameters: the schema says so in words rather than repeat them,
    // and the rules check each item as they check input_parameters' (`parameter_problems`).
    #[schemars(
        description = "Like input_parameters.",
        with = "Option<Vec<Map<String, Value>>>"
    )]
    pub output_parameters: Option<Vec<TaskParameter>>,
    /// Runs return only downloads.
    pub output_file_only: Option<bool>,
    pub human_intervention: Option<bool>,
    pub browser_configuration: Option<Map<String, Value>>,
    /// A connection to attach.
    pub application_id: Option<String>,
    /// A saved login.
    pub identity_id: Option<String>,
    /// A past session to learn from.
    pub browser_session_id: Option<String>,
}

/// A call's arguments as Anchor reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

const DESCRIPTION: &str = "Generate a task with Anchor's AI Task Builder from a prompt; waits \
until it can run (minutes).";

/// The longest task name Anchor takes.
const MAX_NAME_CHARS: usize = 255;

/// Anchor's part of `generate_task`.
pub struct GenerateTask {
    account: Arc<Account>,
}

impl GenerateTask {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for GenerateTask {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        format!("{DESCRIPTION} {GENERATE_TAIL}")
    }

    fn fragment(&self) -> String {
        "Anchor: the AI Task Builder writes it from prompt and the declared parameters.".into()
    }

    fn rules(&self, _env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        if str_arg(args, "name").is_some_and(|n| n.chars().count() > MAX_NAME_CHARS) {
            problems.push(Problem::new(
                "name",
                format!("is longer than {MAX_NAME_CHARS} characters"),
            ));
        }
        check_uuid(args, "application_id", "an Anchor application id", problems);
        for key in ["input_parameters", "output_parameters"] {
            if let Some(Value::Array(params)) = args.get(key) {
                arguments::parameter_problems(key, params, problems);
            }
        }
        // Its schema does not repeat the items' fields: their types are checked here.
        if let Some(Value::Array(params)) = args.get("output_parameters") {
            arguments::parameter_field_problems("output_parameters", params, problems);
        }
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Reply, ToolError>> {
        async move {
            let args: Args = read_args(args)?;
            run(call, self.account.client()?, args).await
        }
        .boxed()
    }
}

/// Start the generation (once), remember the task, and wait.
async fn run(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    args: Args,
) -> Result<Reply, ToolError> {
    let Args { shared, own } = args;
    let request = GenerateRequest {
        name: shared.name.trim().to_string(),
        prompt: shared.prompt.clone(),
        description: shared.description.clone(),
        application_id: own.application_id,
        identity_id: own.identity_id,
        input_schema: own.input_parameters.unwrap_or_default(),
        output_schema: own.output_parameters.unwrap_or_default(),
        output_file_only: own.output_file_only,
        human_intervention: own.human_intervention,
        browser_session_id: own.browser_session_id,
        browser_configuration: own.browser_configuration.map(Value::Object),
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
            crate::providers::anchor::params::params(&request.input_schema),
            crate::providers::anchor::params::params(&request.output_schema),
            ParamsOrigin::Declared,
        )),
        output_schema: None,
    };
    let task = call.env.remember(sighting);
    call.env.note_version(
        &task,
        "1",
        VersionEvent::Generated,
        None,
        Some(remembered(&request)),
    );
    let budget = call.env.waits.budget(shared.wait_seconds);
    let watch = TaskBuilder { client: anchor };
    wait_until_ready(call, &watch, task, started.status.as_str(), budget, false).await
}

/// Keys of a browser configuration that may hold a credential: such a configuration is not
/// remembered (a refinement then generates without it, and says so).
const CREDENTIAL_WORDS: &[&str] = &["password", "secret", "token", "key", "credential", "auth"];

/// What the catalog remembers of a generation, to generate the task again (refine_task): the
/// request without secrets (a secret parameter's default, a configuration holding a
/// credential) and without the one-off session it may have learned from.
pub fn remembered(request: &GenerateRequest) -> Value {
    let mut kept = request.clone();
    for param in kept
        .input_schema
        .iter_mut()
        .chain(kept.output_schema.iter_mut())
    {
        if param.kind == crate::providers::anchor::models::ParameterType::Secret {
            param.default_value = None;
        }
    }
    if kept
        .browser_configuration
        .as_ref()
        .is_some_and(holds_credential)
    {
        kept.browser_configuration = None;
    }
    kept.browser_session_id = None;
    serde_json::to_value(kept).unwrap_or(Value::Null)
}

/// Whether any key inside `value` names a credential.
fn holds_credential(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, inner)| {
            let key = key.to_lowercase();
            CREDENTIAL_WORDS.iter().any(|w| key.contains(w)) || holds_credential(inner)
        }),
        Value::Array(items) => items.iter().any(holds_credential),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::providers::anchor::models::ParameterType;

    fn param(name: &str, kind: ParameterType, default: &str) -> TaskParameter {
        TaskParameter {
            name: name.into(),
            kind,
            required: Some(false),
            description: None,
            default_value: Some(json!(default)),
            options: None,
        }
    }

    #[test]
    fn what_is_remembered_holds_no_secret() {
        let request = GenerateRequest {
            name: "login".into(),
            prompt: "Log in and read the balance".into(),
            input_schema: vec![
                param("user", ParameterType::String, "ann"),
                param("password", ParameterType::Secret, "hunter2"),
            ],
            browser_session_id: Some("s-1".into()),
            browser_configuration: Some(json!({"proxy": {"type": "custom", "password": "pw"}})),
            ..GenerateRequest::default()
        };
        let kept = remembered(&request);
        let text = kept.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("\"pw\""),
            "{text}"
        );
        assert!(text.contains("ann"), "plain defaults are kept: {text}");
        assert_eq!(kept["browser_session_id"], Value::Null);
        assert_eq!(kept["browser_configuration"], Value::Null);
        let back: GenerateRequest = serde_json::from_value(kept).unwrap();
        assert_eq!(back.prompt, request.prompt);

        let plain = GenerateRequest {
            browser_configuration: Some(json!({"viewport": {"width": 1280}})),
            ..request
        };
        assert_eq!(
            remembered(&plain)["browser_configuration"],
            json!({"viewport": {"width": 1280}})
        );
    }
}
