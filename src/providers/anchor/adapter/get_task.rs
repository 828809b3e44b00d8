//! Anchor Browser's part of `get_task`: a code task's metadata, versions and the decoded
//! TypeScript source of one version (the catalog learns the inputs its latest code reads); a
//! generated task's generation state and parameters, optionally waiting for it.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use super::arguments::{self, AnchorKind};
use super::generations::{self, TaskBuilder};
use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, TASK_ID_FROM, check_one_of, check_uuid, has, str_arg};
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::work::{GenerationWait, Seen, Work};
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::get_task::SharedArgs;
use crate::mcp::versions::{self, VersionNote};
use crate::params::{Param, ParamsOrigin};
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::{infer, rules};
use crate::runs::TaskKind;

/// Longest source returned, in characters.
const MAX_SOURCE_CHARS: usize = 20_000;

/// Anchor's own arguments of `get_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    /// Or: a code task's name.
    pub task_name: Option<String>,
    pub kind: Option<AnchorKind>,
    pub version: Option<String>,
}

/// A call's arguments as Anchor reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

/// A version in the list.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VersionInfo {
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// A version's source code.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Source {
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The decoded TypeScript.
    pub code: String,
    /// Whether `code` was cut (very long sources).
    pub truncated: bool,
}

/// The answer of `get_task` for a code task.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CodeTaskOutput {
    pub task_id: String,
    pub name: String,
    /// Always "code".
    pub kind: TaskKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The newest published version, or "draft".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_version: Option<String>,
    pub versions: Vec<VersionInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// The task's own tool, once it has a published version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// Whether that tool is in the tool list right now.
    pub listed_as_tool: bool,
    /// The inputs the task takes (names without the ANCHOR_ prefix).
    pub parameters: Vec<Param>,
    /// "declared" (given to create_task/deploy_task) or "inferred" (read off the code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters_origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// What this server did to it: each version made or restored, when and why (the last is
    /// current).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(skip)]
    pub history: Vec<VersionNote>,
}

const DESCRIPTION: &str = "One task: its versions (when, why), inputs and source, or a \
generated one's state.";

/// Anchor's part of `get_task`.
pub struct GetTask {
    account: Arc<Account>,
}

impl GetTask {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for GetTask {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        DESCRIPTION.into()
    }

    fn fragment(&self) -> String {
        "Anchor: a code task's versions and source too.".into()
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
            run(call, self.account.client()?, args).await
        }
        .boxed()
    }
}

/// Argument rules of an Anchor look-up.
fn check(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    check_one_of(args, "task_id", "task_name", true, problems);
    arguments::check_version(args, "version", problems);
    let known = env.tasks_as_read();
    let by_name = str_arg(args, "task_name").and_then(|n| known.task_by_name(n, None));
    let kind = match str_arg(args, "kind") {
        Some("generated") => TaskKind::Generated,
        Some("code") => TaskKind::Code,
        _ => by_name
            .map(|t| t.kind)
            .unwrap_or_else(|| known.kind_of(str_arg(args, "task_id"))),
    };
    match kind {
        TaskKind::Code | TaskKind::Skill | TaskKind::Agent => {
            arguments::check_task_name(args, "task_name", problems);
            check_uuid(args, "task_id", TASK_ID_FROM, problems);
        }
        TaskKind::Generated => {
            if has(args, "version") {
                problems.push(Problem::new(
                    "version",
                    "applies to code tasks only; leave it out for a generated task",
                ));
            }
        }
    }
}

/// Show it from Anchor.
async fn run<'a>(
    call: &'a ToolContext<'a>,
    anchor: &'a AnchorClient,
    args: Args,
) -> Result<Work<'a>, ToolError> {
    let Args { shared, own } = args;
    let kind_arg = own.kind.map(TaskKind::from);
    let known = match (&shared.task_id, &own.task_name) {
        (Some(id), _) => call.env.known_task(id).await,
        (None, Some(name)) => call.env.catalog.task_by_name(name, kind_arg).await,
        (None, None) => None,
    };
    let kind = kind_arg
        .or(known.as_ref().map(|t| t.kind))
        .unwrap_or(TaskKind::Code);
    if kind == TaskKind::Generated {
        let task_id = known
            .as_ref()
            .map(|t| t.task_id.clone())
            .or(shared.task_id.clone())
            .unwrap_or_default();
        let state = anchor
            .generation_status(&task_id)
            .await
            .map_err(|e| ToolError::api(e, format!("Reading generated task {task_id}")))?;
        // A generated task made elsewhere: known by id only (Anchor has no API to read its
        // name or parameters).
        let task = match known {
            Some(task) => task,
            None => match call
                .env
                .learn(TaskSighting {
                    provider: Provider::Anchor,
                    kind: TaskKind::Generated,
                    task_id: task_id.clone(),
                    name: task_id.clone(),
                    description: None,
                    version: None,
                    status: Some(state.status.to_string()),
                    params: None,
                    output_schema: None,
                })
                .await
            {
                Some(change) => change.task,
                None => {
                    return Err(ToolError::NotFound {
                        message: format!("Generated task {task_id} could not be recorded."),
                        hint: "Check that the catalog file is writable (see the server's log)."
                            .into(),
                    });
                }
            },
        };
        let watch = TaskBuilder { client: anchor };
        let first = generations::generation(&state);
        return Ok(Work::Generation(Box::new(GenerationWait {
            watch: Box::new(watch),
            task,
            seen: Seen::LookedAt(Box::new(first)),
        })));
    }
    code_task(call, anchor, shared.task_id, own)
        .await
        .map(Work::from)
}

/// A code task's metadata, versions and the source of one version.
async fn code_task(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    task_id: Option<String>,
    own: OwnArgs,
) -> Result<Reply, ToolError> {
    let task_id =
        arguments::resolve_code_task(anchor, task_id.as_deref(), own.task_name.as_deref()).await?;
    let reading = |what: &str| format!("Reading {what} of task {task_id}");
    let meta = anchor
        .get_task(&task_id)
        .await
        .map_err(|e| ToolError::api(e, reading("the metadata")))?;
    let versions = anchor
        .list_versions(&task_id)
        .await
        .map_err(|e| ToolError::api(e, reading("the versions")))?;
    let latest_published = meta.latest.as_deref().is_some_and(rules::is_version_number);
    let chosen = own
        .version
        .clone()
        .unwrap_or_else(|| if latest_published { "latest" } else { "draft" }.to_string());
    let (source, decoded) = match anchor.get_version(&task_id, &chosen).await {
        Ok(version) => {
            let decoded = version.code.as_deref().and_then(rules::decode_code);
            let source = decoded.clone().map(|code| {
                let truncated = code.chars().count() > MAX_SOURCE_CHARS;
                Source {
                    version: version.version.clone(),
                    language: version.language.clone(),
                    code: if truncated {
                        crate::cloud::truncate_text(&code, MAX_SOURCE_CHARS)
                    } else {
                        code
                    },
                    truncated,
                }
            });
            (source, decoded)
        }
        // A task saved without code has no draft to show; say so rather than fail.
        Err(error) if error.status() == Some(404) && own.version.is_none() => (None, None),
        Err(error) => return Err(ToolError::api(error, reading(&format!("version {chosen}")))),
    };
    // What runs by default is the latest version: its code tells the task's inputs.
    let shows_latest = chosen == "latest" || (chosen == "draft" && !latest_published);
    let params = decoded.as_deref().filter(|_| shows_latest).map(|code| {
        (
            infer::inputs_from_code(code),
            Vec::new(),
            ParamsOrigin::Inferred,
        )
    });
    let learned = call
        .env
        .learn(TaskSighting {
            provider: Provider::Anchor,
            kind: TaskKind::Code,
            task_id: meta.id.clone(),
            name: meta.name.clone(),
            description: meta.description.clone(),
            version: meta.latest.clone(),
            status: None,
            params,
            output_schema: None,
        })
        .await;
    let history = match &learned {
        Some(change) => versions::history(call.env, &change.task).await,
        None => Vec::new(),
    };
    let (tool_name, parameters, parameters_origin) = match &learned {
        Some(change) => (
            Some(change.task.tool_name.clone()),
            change.task.inputs.clone(),
            Some(change.task.params_origin.as_str().to_string()),
        ),
        None => (None, Vec::new(), None),
    };
    let listed_as_tool = match tool_name.as_deref() {
        Some(name) => call.env.listed_tool_names().await.contains(name),
        None => false,
    };
    let output = CodeTaskOutput {
        task_id: meta.id.clone(),
        name: meta.name.clone(),
        kind: TaskKind::Code,
        description: meta.description.clone(),
        latest_version: meta.latest.clone(),
        versions: versions
            .versions
            .iter()
            .map(|v| VersionInfo {
                version: v.version.clone(),
                description: v.description.clone(),
                created_at: v.created_at.clone(),
            })
            .collect(),
        source,
        tool_name,
        listed_as_tool,
        parameters,
        parameters_origin,
        created_at: meta.created_at.clone(),
        updated_at: meta.updated_at.clone(),
        history,
    };
    let version_list: Vec<&str> = output.versions.iter().map(|v| v.version.as_str()).collect();
    let summary = format!(
        "Code task {:?} ({}): latest version {}; versions: {}. {}",
        output.name,
        output.task_id,
        output.latest_version.as_deref().unwrap_or("none"),
        if version_list.is_empty() {
            "none".to_string()
        } else {
            version_list.join(", ")
        },
        match &output.source {
            Some(source) => format!(
                "The structured content holds the source of version {}.",
                source.version
            ),
            None => "No source to show.".to_string(),
        }
    );
    Ok(Reply::ok(summary, output))
}
