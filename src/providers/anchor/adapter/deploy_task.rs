//! Anchor Browser's part of `deploy_task`: publish a code task's draft (or code given here)
//! as its next numbered version, which becomes what `latest`, runs by name and the task's
//! own tool use.
//!
//! Anchor's spec requires `code` for every new version (`PublishVersionRequest`), so
//! publishing the draft means reading it first and sending its code (and its browser settings,
//! unless new ones are given).

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Account;
use super::arguments;
use super::builder_versions;
use crate::catalog::{TaskSighting, VersionEvent};
use crate::cloud::Provider;
use crate::mcp::args::{Problem, TASK_ID_FROM, check_one_of, check_uuid, has, str_arg};
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::work::Work;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::deploy_task::{Output, SharedArgs};
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::models::{TaskParameter, TaskVersion, VersionBody};
use crate::runs::TaskKind;

/// Anchor's own arguments of `deploy_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    /// Or: a code task's name.
    pub task_name: Option<String>,
    /// Default: the draft.
    pub code: Option<String>,
    /// Or: base64 code.
    pub code_base64: Option<String>,
    pub browser_configuration: Option<Map<String, Value>>,
    // The same items as generate_task's input_parameters: the schema says so in words rather
    // than repeat them, and the rules check each item (`check_code_parameters`).
    #[schemars(
        description = "Like create_task's.",
        with = "Option<Vec<Map<String, Value>>>"
    )]
    pub input_parameters: Option<Vec<TaskParameter>>,
}

/// A call's arguments as Anchor reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

const DESCRIPTION: &str = "Publish a code task's draft (or code) as its next version, \
\"latest\"; each call publishes one.";

/// Anchor's part of `deploy_task`.
pub struct DeployTask {
    account: Arc<Account>,
}

impl DeployTask {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for DeployTask {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        DESCRIPTION.into()
    }

    fn title(&self) -> Option<&'static str> {
        Some("Publish a task")
    }

    fn fragment(&self) -> String {
        "Anchor: a code task's next version (from its draft or code) becomes \"latest\".".into()
    }

    fn argument_docs(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    fn rules(&self, env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        arguments::check_description(args, problems);
        check_one_of(args, "task_id", "task_name", true, problems);
        check_uuid(args, "task_id", TASK_ID_FROM, problems);
        arguments::check_task_name(args, "task_name", problems);
        arguments::check_code(args, problems);
        arguments::check_code_parameters(args, problems);
        if has(args, "restore") {
            for key in ["code", "code_base64", "input_parameters"] {
                if has(args, key) {
                    problems.push(Problem::new(
                        key,
                        "cannot be given with restore, which publishes that version's code as \
                         it was",
                    ));
                }
            }
            if str_arg(args, "restore").is_some_and(|v| v.trim().parse::<u32>().is_err()) {
                problems.push(Problem::new(
                    "restore",
                    "is a version number get_task lists, e.g. \"1\"",
                ));
            }
            let generated = str_arg(args, "task_id")
                .and_then(|id| env.tasks_as_read().task_or_former(id).map(|t| t.kind))
                == Some(TaskKind::Generated);
            if generated && has(args, "browser_configuration") {
                problems.push(Problem::new(
                    "browser_configuration",
                    "cannot be given when restoring a generated task",
                ));
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
            let anchor = self.account.client()?;
            let generated = match args.shared.task_id.as_deref() {
                Some(id) => call.env.task_or_former(id).await,
                None => None,
            }
            .filter(|t| t.kind == TaskKind::Generated);
            match (args.shared.restore.clone(), generated) {
                (Some(version), Some(task)) => {
                    builder_versions::restore(call, anchor, task, version.trim()).await
                }
                _ => run(call, anchor, args).await,
            }
        }
        .map(|outcome| outcome.map(Work::from))
        .boxed()
    }
}

/// The task's draft, which must have code to publish.
async fn current_draft(anchor: &AnchorClient, task_id: &str) -> Result<TaskVersion, ToolError> {
    let no_draft = || ToolError::NotFound {
        message: format!(
            "Task {task_id} has no draft with code to publish; nothing was published."
        ),
        hint: "Give the TypeScript source to publish in code (or code_base64).".into(),
    };
    match anchor.get_version(task_id, "draft").await {
        Ok(draft) if draft.code.as_deref().is_some_and(|c| !c.is_empty()) => Ok(draft),
        Ok(_) => Err(no_draft()),
        Err(error) if error.status() == Some(404) => Err(no_draft()),
        Err(error) => Err(ToolError::api(
            error,
            format!("Reading the draft of task {task_id} to publish it"),
        )),
    }
}

/// A published version of a code task, to publish its code again.
async fn restored_version(
    anchor: &AnchorClient,
    task_id: &str,
    version: &str,
) -> Result<TaskVersion, ToolError> {
    match anchor.get_version(task_id, version).await {
        Ok(old) if old.code.as_deref().is_some_and(|c| !c.is_empty()) => Ok(old),
        Ok(_) => Err(ToolError::NotFound {
            message: format!(
                "Version {version} of task {task_id} has no code to restore; nothing was \
                 published."
            ),
            hint: "get_task lists the task's versions.".into(),
        }),
        Err(error) => Err(ToolError::api(
            error,
            format!("Reading version {version} of task {task_id} to restore it"),
        )),
    }
}

/// Publish the version, and let the catalog learn it (and so the task's tool).
async fn run(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    args: Args,
) -> Result<Reply, ToolError> {
    let Args { shared, own } = args;
    let task_id =
        arguments::resolve_code_task(anchor, shared.task_id.as_deref(), own.task_name.as_deref())
            .await?;
    let given = arguments::encoded_code(own.code.as_deref(), own.code_base64.as_deref());
    let mut browser_configuration = own.browser_configuration.clone().map(Value::Object);
    let restoring = shared.restore.as_deref().map(str::trim);
    let code = match (given.clone(), restoring) {
        (_, Some(version)) => {
            let old = restored_version(anchor, &task_id, version).await?;
            if browser_configuration.is_none() {
                browser_configuration = old
                    .browser_configuration
                    .filter(|c| c.as_object().is_some_and(|c| !c.is_empty()));
            }
            old.code.unwrap_or_default()
        }
        (Some(code), None) => code,
        (None, None) => {
            let draft = current_draft(anchor, &task_id).await?;
            if browser_configuration.is_none() {
                browser_configuration = draft
                    .browser_configuration
                    .filter(|c| c.as_object().is_some_and(|c| !c.is_empty()));
            }
            draft.code.unwrap_or_default()
        }
    };
    let description = shared
        .description
        .clone()
        .or_else(|| restoring.map(|v| format!("Restores version {v}")));
    let body = VersionBody {
        language: Some("typescript".to_string()),
        code: Some(code),
        description: description.clone(),
        browser_configuration,
    };
    let version = anchor
        .deploy(&task_id, &body)
        .await
        .map_err(|e| ToolError::api(e, format!("Deploying task {task_id}")))?;
    // The catalog learns the new version (and so the task's tool); a task made elsewhere is
    // looked up for its name.
    let name = match call.env.known_task(&task_id).await {
        Some(task) => Some(task.name),
        None => anchor.get_task(&task_id).await.ok().map(|meta| meta.name),
    };
    if let Some(name) = name {
        let change = call
            .env
            .learn(TaskSighting {
                provider: Provider::Anchor,
                kind: TaskKind::Code,
                task_id: task_id.clone(),
                name,
                description: None,
                version: Some(version.version.clone()),
                status: None,
                // Inferred from code given here only: a draft published as it is keeps the
                // parameters known before.
                params: arguments::code_task_params(
                    own.input_parameters.as_deref(),
                    given.as_deref(),
                ),
                output_schema: None,
            })
            .await;
        if let Some(change) = change {
            let (event, why) = match restoring {
                Some(old) => (
                    VersionEvent::Restored,
                    Some(format!("the code of version {old}")),
                ),
                None => (VersionEvent::Deployed, description.clone()),
            };
            call.note_version(&change.task, &version.version, event, why.as_deref(), None)
                .await;
        }
    }
    let next_step = format!(
        "Run it with run_task {{\"task_id\": \"{task_id}\"}} (latest) or pin it with \
         \"version\": \"{}\".",
        version.version
    );
    Ok(Reply::ok(
        format!(
            "Published version {} of task {task_id}. {next_step}",
            version.version
        ),
        Output {
            task_id,
            version: version.version,
            description: version.description,
            created_at: version.created_at,
            enabled: None,
            next_step,
        },
    ))
}
