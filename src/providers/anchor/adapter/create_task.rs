//! Anchor Browser's part of `create_task`: save a TypeScript code task (Anchor v1). Anchor
//! creates the task, or updates the task that already has this name; the code lands in the
//! task's draft, and the catalog learns the task with its declared (or inferred) inputs.
//!
//! Argument doc comments are the schema text a model reads (`ANCHOR_<NAME>` is meant
//! literally), not rustdoc.
#![allow(rustdoc::invalid_html_tags)]

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::Account;
use super::arguments;
use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::mcp::args::Problem;
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::work::Work;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::create_task::Output;
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::models::{CreateTask as CreateTaskBody, TaskParameter};
use crate::runs::TaskKind;

/// Anchor's own arguments of `create_task` (all of them: the tool shares none).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OwnArgs {
    pub name: String,
    /// TypeScript: a default-exported async function returning the output; inputs:
    /// process.env.ANCHOR_<NAME>.
    pub code: Option<String>,
    /// Or: base64 code.
    pub code_base64: Option<String>,
    pub description: Option<String>,
    pub browser_configuration: Option<Map<String, Value>>,
    // The same items as generate_task's input_parameters: the schema says so in words rather
    // than repeat them, and the rules check each item (`check_code_parameters`).
    #[schemars(
        description = "Like generate_task's, without ANCHOR_ (default: from the code).",
        with = "Option<Vec<Map<String, Value>>>"
    )]
    pub input_parameters: Option<Vec<TaskParameter>>,
}

const DESCRIPTION: &str = "Save a TypeScript code task's draft (same name: updated); try it with \
run_task version \"draft\", then deploy_task.";

/// What the `write_code_task` prompt tells a model about Anchor's task runtime (from Anchor's
/// "Automation Tasks" guide: one default-exported async function, inputs as `ANCHOR_` env vars).
pub const CODE_TASK_RUNTIME: &str = "TypeScript, one file. Export one default async function; \
the JSON object it returns is the run's output. Inputs arrive as strings in \
process.env.ANCHOR_<NAME> (declare each NAME, without ANCHOR_, in create_task's \
input_parameters; run_task's inputs use the same names). For a browser: \
`import AnchorClient from 'anchorbrowser'; const anchor = new AnchorClient({ apiKey: \
process.env.ANCHOR_API_KEY }); const browser = await anchor.browser.create(); const page = \
browser.contexts()[0].pages()[0];` then Playwright's page API; close the browser in a finally \
block. Throw an Error that names the step that failed.";

/// Anchor's part of `create_task`.
pub struct CreateTask {
    account: Arc<Account>,
}

impl CreateTask {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for CreateTask {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        DESCRIPTION.into()
    }

    fn fragment(&self) -> String {
        "Anchor: a TypeScript code task, saved as its draft (try it with run_task version \
         \"draft\", publish it with deploy_task)."
            .into()
    }

    fn rules(&self, _env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        arguments::check_task_name(args, "name", problems);
        arguments::check_code(args, problems);
        arguments::check_description(args, problems);
        arguments::check_code_parameters(args, problems);
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let args: OwnArgs = read_args(args)?;
            run(call, self.account.client()?, args).await
        }
        .map(|outcome| outcome.map(Work::from))
        .boxed()
    }
}

/// Save it on Anchor, and tell the catalog.
async fn run(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    args: OwnArgs,
) -> Result<Reply, ToolError> {
    let body = CreateTaskBody {
        name: args.name.clone(),
        language: "typescript".into(),
        code: arguments::encoded_code(args.code.as_deref(), args.code_base64.as_deref()),
        description: args.description.clone(),
        browser_configuration: args.browser_configuration.clone().map(Value::Object),
    };
    let task = anchor
        .create_task(&body)
        .await
        .map_err(|e| ToolError::api(e, format!("Saving code task {:?}", args.name)))?;
    let params =
        arguments::code_task_params(args.input_parameters.as_deref(), body.code.as_deref());
    call.env
        .learn(TaskSighting {
            provider: Provider::Anchor,
            kind: TaskKind::Code,
            task_id: task.id.clone(),
            name: task.name.clone(),
            description: task.description.clone(),
            version: task.latest_version.clone(),
            status: None,
            params,
            output_schema: None,
        })
        .await;
    let next_step = format!(
        "Try the draft with run_task {{\"task_id\": \"{}\", \"version\": \"draft\"}}; publish \
         it as a numbered version with deploy_task {{\"task_id\": \"{}\"}}.",
        task.id, task.id
    );
    let summary = format!(
        "Saved code task {:?} ({}); latest version: {}. {next_step}",
        task.name,
        task.id,
        task.latest_version.as_deref().unwrap_or("draft")
    );
    Ok(Reply::ok(
        summary,
        Output {
            task_id: task.id,
            name: task.name,
            kind: TaskKind::Code,
            latest_version: task.latest_version,
            description: task.description,
            created_at: task.created_at,
            updated_at: task.updated_at,
            next_step,
        },
    ))
}
