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
use super::builder_versions::remembered;
use super::generations::TaskBuilder;
use crate::catalog::{TaskSighting, VersionEvent};
use crate::cloud::Provider;
use crate::mcp::args::{Problem, check_uuid, str_arg};
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::work::{GenerationWait, Seen, Work};
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::ToolError;
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::generate_task::{GENERATE_TAIL, SharedArgs};
use crate::params::ParamsOrigin;
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::models::{GenerateTask as GenerateRequest, TaskParameter};
use crate::runs::TaskKind;

/// Anchor's own arguments of `generate_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    // The items' fields in words rather than a schema (cheaper in every tools/list); the rules
    // check each item's fields and types (`parameter_field_problems`).
    #[schemars(
        description = "Items: {name, type: string|number|boolean|secret|file, required, \
                       description, defaultValue, options}.",
        with = "Option<Vec<Map<String, Value>>>"
    )]
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

const DESCRIPTION: &str = "The AI Task Builder writes a task from prompt; waits until it can run \
(minutes).";

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
        // Their schemas do not list the items' fields: their types are checked here.
        for key in ["input_parameters", "output_parameters"] {
            if let Some(Value::Array(params)) = args.get(key) {
                arguments::parameter_field_problems(key, params, problems);
            }
        }
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let args: Args = read_args(args)?;
            run(call, self.account.client()?, args).await
        }
        .boxed()
    }
}

/// Start the generation (once), remember the task, and wait.
async fn run<'a>(
    call: &'a ToolContext<'a>,
    anchor: &'a AnchorClient,
    args: Args,
) -> Result<Work<'a>, ToolError> {
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
    let task = call.env.remember(sighting).await;
    call.note_version(
        &task,
        "1",
        VersionEvent::Generated,
        None,
        Some(remembered(&request)),
    )
    .await;
    Ok(Work::Generation(Box::new(GenerationWait {
        watch: Box::new(TaskBuilder { client: anchor }),
        task,
        seen: Seen::Started(started.status.to_string()),
    })))
}
