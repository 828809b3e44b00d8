//! `get_task`: everything about one task. For a code task: its metadata, its versions and the
//! decoded TypeScript source of one version. For a generated task or a Browser Use skill: its
//! generation state and parameters, optionally waiting (with progress) until generation ends.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::provider_args::{self, ArgumentSplit, ProviderArg, describe};
use super::read_only;
use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, has, str_arg};
use crate::mcp::context::Providers;
use crate::mcp::context::ToolContext;
use crate::mcp::context::ToolEnv;
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::generation::{self, wait_until_ready};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::params::{Param, ParamsOrigin};
use crate::providers::anchor::adapter::arguments::{self, AnchorKind};
use crate::providers::anchor::{infer, rules};
use crate::runs::TaskKind;

pub const NAME: &str = "get_task";

/// Longest source returned, in characters.
const MAX_SOURCE_CHARS: usize = 20_000;

/// Arguments of `get_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Args {
    /// Which cloud: "anchor" or "browser_use" (default: the task's own, when the server knows
    /// it; else Anchor).
    pub provider: Option<ProviderArg>,
    /// The task's id (from list_tasks).
    pub task_id: Option<String>,
    /// Instead of task_id: a code task's name.
    pub task_name: Option<String>,
    /// "code" or "generated"; leave it out unless told otherwise.
    pub kind: Option<AnchorKind>,
    /// Code tasks: whose source to show, "draft", "latest" or a number (default: the latest
    /// published version, else the draft).
    pub version: Option<String>,
    /// Generated tasks still generating: wait up to this many seconds (at most 600) for
    /// generation to end. Default 0.
    pub wait_seconds: Option<f64>,
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
}

/// The arguments only one provider has.
pub const SPLIT: ArgumentSplit = ArgumentSplit {
    anchor: &["task_name", "kind", "version"],
    browser_use: &[],
};

/// The tool's definition, as listed by a server with these providers (`None`: not offered).
pub fn definition(set: &ProviderSet) -> Option<Tool> {
    let providers = Providers::of(set);
    Some(definition_for(providers))
}

/// The tool's definition.
fn definition_for(providers: Providers) -> Tool {
    let tool = Tool::new(
        NAME,
        describe(
            providers,
            "Show one task. For a code task: its description, versions (draft, 1, 2, …) and \
             the TypeScript source of one version. For a generated task: whether it is ready, \
             its input and output parameters (what run_task needs), and with wait_seconds it \
             waits for a generation still in progress.",
            "Show one Browser Use skill by its task_id: whether it is ready, its input \
             parameters (what run_task needs) and output schema, and with wait_seconds it \
             waits for a generation still in progress.",
            "Show one task. For an Anchor code task: its description, versions (draft, 1, 2, \
             …) and the TypeScript source of one version. For an Anchor generated task or a \
             Browser Use skill: whether it is ready, its input parameters (what run_task \
             needs) and outputs, and with wait_seconds it waits for a generation still in \
             progress.",
        ),
        input_schema_for::<Args>(),
    )
    .with_title("Show a task")
    .with_annotations(read_only("Show a task"));
    let tool = provider_args::fit(tool, providers, &SPLIT);
    let tool = provider_args::document(
        tool,
        "task_id",
        &describe(
            providers,
            "",
            "The skill's id (from list_tasks or generate_task).",
            "The task's or skill's id (from list_tasks).",
        ),
    );
    provider_args::document(
        tool,
        "wait_seconds",
        &describe(
            providers,
            "",
            "A skill still being generated: wait up to this many seconds (at most 600) for \
             generation to end. Default 0.",
            "A task or skill still being generated: wait up to this many seconds (at most 600) \
             for generation to end. Default 0.",
        ),
    )
}

fn provider_of(state: &ToolEnv, args: &JsonObject) -> Provider {
    provider_args::of_task_call(state, args, &SPLIT)
}

/// Argument rules beyond the schema.
pub fn rules(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    crate::mcp::args::check_wait_seconds(args, problems);
    let provider = provider_of(state, args);
    provider_args::foreign_argument_problems(
        state.provider_flags(),
        args,
        &SPLIT,
        provider,
        problems,
    );
    if provider == Provider::BrowserUse {
        if !has(args, "task_id") {
            problems.push(Problem::new(
                "task_id",
                "is required: give the skill's id (list_tasks shows it)",
            ));
        }
        crate::mcp::args::check_uuid(args, "task_id", crate::mcp::args::TASK_ID_FROM, problems);
        return;
    }
    crate::mcp::args::check_one_of(args, "task_id", "task_name", true, problems);
    arguments::check_version(args, "version", problems);
    let by_name = str_arg(args, "task_name").and_then(|n| state.catalog.task_by_name(n, None));
    let kind = match str_arg(args, "kind") {
        Some("generated") => TaskKind::Generated,
        Some("code") => TaskKind::Code,
        _ => by_name
            .map(|t| t.kind)
            .unwrap_or_else(|| state.kind_of(None, str_arg(args, "task_id"))),
    };
    match kind {
        TaskKind::Code | TaskKind::Skill | TaskKind::Agent => {
            arguments::check_task_name(args, "task_name", problems);
            crate::mcp::args::check_uuid(args, "task_id", crate::mcp::args::TASK_ID_FROM, problems);
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

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let raw = provider_args::as_object(&args);
    if provider_of(call.env, &raw) == Provider::BrowserUse {
        // Read once, fresh: both what the catalog learns and the generation's state.
        let (task, skill) = crate::providers::browser_use::adapter::skills::fetch_skill(
            call,
            call.env.browser_use()?,
            args.task_id.as_deref().unwrap_or_default(),
        )
        .await?;
        let first = generation::skill_generation(&skill);
        return generation_view(call, task, first, args.wait_seconds).await;
    }
    let anchor = call.env.anchor_or_other()?;
    let kind_arg = args.kind.map(TaskKind::from);
    let known = match (&args.task_id, &args.task_name) {
        (Some(id), _) => call.env.known_task(id),
        (None, Some(name)) => call.env.catalog.task_by_name(name, kind_arg),
        (None, None) => None,
    };
    let kind = kind_arg
        .or(known.as_ref().map(|t| t.kind))
        .unwrap_or(TaskKind::Code);
    if kind == TaskKind::Generated {
        let task_id = known
            .as_ref()
            .map(|t| t.task_id.clone())
            .or(args.task_id.clone())
            .unwrap_or_default();
        let state = anchor
            .generation_status(&task_id)
            .await
            .map_err(|e| ToolError::api(e, format!("Reading generated task {task_id}")))?;
        // A generated task made elsewhere: known by id only (Anchor has no API to read its
        // name or parameters).
        let task = match known {
            Some(task) => task,
            None => match call.env.learn(TaskSighting {
                provider: Provider::Anchor,
                kind: TaskKind::Generated,
                task_id: task_id.clone(),
                name: task_id.clone(),
                description: None,
                version: None,
                status: Some(state.status.to_string()),
                params: None,
                output_schema: None,
            }) {
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
        let first = generation::Generation {
            status: state.status.to_string(),
            done: state.status.is_terminal(),
            error: state.error.clone().filter(|e| !e.is_empty()),
            sighting: None,
        };
        return generation_view(call, task, first, args.wait_seconds).await;
    }

    let task_id =
        arguments::resolve_code_task(anchor, args.task_id.as_deref(), args.task_name.as_deref())
            .await?;
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
    let chosen = args
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
        Err(error) if error.status() == Some(404) && args.version.is_none() => (None, None),
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
    let learned = call.env.learn(TaskSighting {
        provider: Provider::Anchor,
        kind: TaskKind::Code,
        task_id: meta.id.clone(),
        name: meta.name.clone(),
        description: meta.description.clone(),
        version: meta.latest.clone(),
        status: None,
        params,
        output_schema: None,
    });
    let (tool_name, parameters, parameters_origin) = match &learned {
        Some(change) => (
            Some(change.task.tool_name.clone()),
            change.task.inputs.clone(),
            Some(change.task.params_origin.as_str().to_string()),
        ),
        None => (None, Vec::new(), None),
    };
    let listed_as_tool = tool_name
        .as_deref()
        .is_some_and(|name| call.env.listed_tool_names().contains(name));
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

/// A generated task's or a skill's state (`generation`, just read), waiting up to
/// `wait_seconds` for a generation still going (without cancelling it in the cloud if this
/// call is cancelled).
async fn generation_view(
    call: &ToolContext<'_>,
    task: crate::catalog::CatalogTask,
    generation: generation::Generation,
    wait_seconds: Option<f64>,
) -> Result<Reply, ToolError> {
    let budget = call.env.waits.budget(Some(wait_seconds.unwrap_or(0.0)));
    if generation.done || budget.is_zero() {
        return Ok(generation::settle(call, task, Some(generation)).await);
    }
    wait_until_ready(call, task, &generation.status, budget, false).await
}
