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
use super::arguments::{self, browser_configuration_doc};
use super::generations::TaskBuilder;
use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, check_uuid, str_arg};
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::generation::wait_until_ready;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::generate_task::SharedArgs;
use crate::params::ParamsOrigin;
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::models::{GenerateTask as GenerateRequest, TaskParameter};
use crate::runs::TaskKind;

/// Anchor's own arguments of `generate_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
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
}

/// A call's arguments as Anchor reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

const DESCRIPTION: &str = "Create a new browser-automation task from a plain-language \
description, using Anchor's AI Task Builder, and wait until it is ready to run (progress is \
reported; generation can take minutes). Describe the job in detail in prompt, and declare the \
inputs it takes and the fields it returns. Returns the new task_id and its parameters; then \
call run_task with that task_id and the inputs. Each call generates a new task.";

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
        DESCRIPTION.into()
    }

    fn fragment(&self) -> String {
        "On Anchor Browser, the AI Task Builder writes a task from prompt; declare the inputs \
         it takes and the fields it returns."
            .into()
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
    let budget = call.env.waits.budget(shared.wait_seconds);
    let watch = TaskBuilder { client: anchor };
    wait_until_ready(call, &watch, task, started.status.as_str(), budget, false).await
}
