//! `deploy_task`: publish a code task's draft (or code given here) as its next numbered
//! version, which becomes what `latest` and runs by name use; on Browser Use, enable (or
//! disable) a finished skill, which makes it runnable and a tool of its own.

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::provider_args::{self, ArgumentSplit, ProviderArg, describe};
use super::writes;
use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::mcp::args::Problem;
use crate::mcp::args::has;
use crate::mcp::context::Providers;
use crate::mcp::context::ToolContext;
use crate::mcp::context::ToolEnv;
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::providers::anchor::adapter::arguments::{self, browser_configuration_doc};
use crate::providers::anchor::models::{TaskParameter, VersionBody};
use crate::providers::browser_use::catalog::skill_sighting;
use crate::providers::browser_use::models::UpdateSkill;
use crate::runs::TaskKind;

pub const NAME: &str = "deploy_task";

/// Arguments of `deploy_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Args {
    /// Which cloud: "anchor" or "browser_use" (default: the task's own, when the server knows
    /// it; else Anchor).
    pub provider: Option<ProviderArg>,
    /// The code task's UUID.
    pub task_id: Option<String>,
    /// Instead of task_id: the code task's name.
    pub task_name: Option<String>,
    /// TypeScript source to publish, as plain text. Leave it out to publish the current
    /// draft.
    pub code: Option<String>,
    /// Instead of code: the source already base64-encoded.
    pub code_base64: Option<String>,
    /// Notes for this version (at most 1000 characters).
    pub description: Option<String>,
    #[schemars(description = browser_configuration_doc("Browser settings for this version's runs."))]
    pub browser_configuration: Option<Map<String, Value>>,
    /// The inputs this version reads, as in create_task (names without the ANCHOR_ prefix).
    /// Left out: kept from before, or inferred from the code given here.
    pub input_parameters: Option<Vec<TaskParameter>>,
    /// Browser Use skills: true (the default) enables the skill, false disables it.
    pub enabled: Option<bool>,
}

/// The answer of `deploy_task`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    pub task_id: String,
    /// The new version number, e.g. "2".
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Browser Use skills: whether the skill is now enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    pub next_step: String,
}

/// The arguments only one provider has.
pub const SPLIT: ArgumentSplit = ArgumentSplit {
    anchor: &[
        "task_name",
        "code",
        "code_base64",
        "browser_configuration",
        "input_parameters",
    ],
    browser_use: &["enabled"],
};

/// The tool's definition, as listed by a server with these providers (`None`: not offered).
pub fn definition(set: &ProviderSet) -> Option<Tool> {
    let providers = Providers::of(set);
    Some(definition_for(providers))
}

/// The tool's definition.
fn definition_for(providers: Providers) -> Tool {
    let title = describe(
        providers,
        "Publish a code task version",
        "Enable a skill",
        "Publish a task",
    );
    let tool = Tool::new(
        NAME,
        describe(
            providers,
            "Publish a code task as its next version (1, 2, 3, …): the current draft, or the \
             code given here. The new version becomes \"latest\", which runs by name, runs \
             without a version, and the task's own tool use. Returns the version number. Each \
             call publishes a new version.",
            "Enable a finished Browser Use skill by its task_id, so that it can run and becomes \
             a tool of its own (enabled: false disables it). Optionally update its \
             description.",
            "Publish a task. Anchor code task: publish its next version (1, 2, 3, …) from the \
             current draft or the code given here; the new version becomes \"latest\", which \
             runs by name, runs without a version, and the task's own tool use (each call \
             publishes a new version). Browser Use skill: enable it by task_id, so that it can \
             run and becomes a tool of its own (enabled: false disables it).",
        ),
        input_schema_for::<Args>(),
    )
    .with_title(title.clone())
    .with_raw_output_schema(output_schema_for::<Output>())
    .with_annotations(writes(&title, true, false));
    let tool = provider_args::fit(tool, providers, &SPLIT);
    let tool = provider_args::document(
        tool,
        "task_id",
        &describe(
            providers,
            "",
            "The skill's id (from generate_task or list_tasks).",
            "The code task's UUID, or the skill's id.",
        ),
    );
    provider_args::document(
        tool,
        "description",
        &describe(
            providers,
            "",
            "A new description for the skill (at most 1000 characters).",
            "Notes for the new version of a code task, or a skill's new description (at most \
             1000 characters).",
        ),
    )
}

fn provider_of(state: &ToolEnv, args: &JsonObject) -> Provider {
    provider_args::of_task_call(state, args, &SPLIT)
}

/// Argument rules beyond the schema.
pub fn rules(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    let provider = provider_of(state, args);
    provider_args::foreign_argument_problems(
        state.provider_flags(),
        args,
        &SPLIT,
        provider,
        problems,
    );
    arguments::check_description(args, problems);
    if provider == Provider::BrowserUse {
        if !has(args, "task_id") {
            problems.push(Problem::new(
                "task_id",
                "is required: give the skill's id (generate_task and list_tasks show it)",
            ));
        }
        crate::mcp::args::check_uuid(args, "task_id", crate::mcp::args::TASK_ID_FROM, problems);
        return;
    }
    crate::mcp::args::check_one_of(args, "task_id", "task_name", true, problems);
    crate::mcp::args::check_uuid(args, "task_id", crate::mcp::args::TASK_ID_FROM, problems);
    arguments::check_task_name(args, "task_name", problems);
    arguments::check_code(args, problems);
    arguments::check_code_parameters(args, problems);
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let raw = provider_args::as_object(&args);
    if provider_of(call.env, &raw) == Provider::BrowserUse {
        return enable_skill(call, args).await;
    }
    let anchor = call.env.anchor_or_other()?;
    let task_id =
        arguments::resolve_code_task(anchor, args.task_id.as_deref(), args.task_name.as_deref())
            .await?;
    let code = arguments::encoded_code(args.code.as_deref(), args.code_base64.as_deref());
    let body = VersionBody {
        language: code.as_ref().map(|_| "typescript".to_string()),
        code,
        description: args.description.clone(),
        browser_configuration: args.browser_configuration.clone().map(Value::Object),
    };
    let version = anchor
        .deploy(&task_id, &body)
        .await
        .map_err(|e| ToolError::api(e, format!("Deploying task {task_id}")))?;
    // The catalog learns the new version (and so the task's tool); a task made elsewhere is
    // looked up for its name.
    let name = match call.env.known_task(&task_id) {
        Some(task) => Some(task.name),
        None => anchor.get_task(&task_id).await.ok().map(|meta| meta.name),
    };
    if let Some(name) = name {
        call.env.learn(TaskSighting {
            provider: Provider::Anchor,
            kind: TaskKind::Code,
            task_id: task_id.clone(),
            name,
            description: None,
            version: Some(version.version.clone()),
            status: None,
            params: arguments::code_task_params(
                args.input_parameters.as_deref(),
                body.code.as_deref(),
            ),
            output_schema: None,
        });
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

/// Enable (or disable) a skill, and update the catalog (and so its tool).
async fn enable_skill(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let bu = call.env.browser_use()?;
    let skill_id = args.task_id.clone().unwrap_or_default();
    let enable = args.enabled.unwrap_or(true);
    let body = UpdateSkill {
        description: args.description.clone(),
        is_enabled: Some(enable),
        ..UpdateSkill::default()
    };
    let skill = bu.update_skill(&skill_id, &body).await.map_err(|e| {
        let doing = if enable { "Enabling" } else { "Disabling" };
        ToolError::api(e, format!("{doing} skill {skill_id}"))
    })?;
    let change = call.env.learn(skill_sighting(&skill));
    let listed = change
        .as_ref()
        .is_some_and(|c| call.env.listed_tool_names().contains(&c.task.tool_name));
    let name = skill.title.clone().unwrap_or_else(|| skill_id.clone());
    let next_step = match (skill.is_enabled, listed, &change) {
        (true, true, Some(change)) => format!(
            "Call its own tool {} with its arguments, or run_task {{\"task_id\": \"{skill_id}\", \
             \"inputs\": {{…}}}}.",
            change.task.tool_name
        ),
        (true, _, _) => {
            format!("Run it with run_task {{\"task_id\": \"{skill_id}\", \"inputs\": {{…}}}}.")
        }
        (false, _, _) => format!(
            "It cannot run until enabled again (deploy_task {{\"task_id\": \"{skill_id}\"}})."
        ),
    };
    let state = if skill.is_enabled {
        "enabled"
    } else {
        "disabled"
    };
    Ok(Reply::ok(
        format!("Skill {name:?} ({skill_id}) is {state}. {next_step}"),
        Output {
            task_id: skill_id,
            version: skill
                .current_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
            description: skill.description.clone(),
            created_at: skill.created_at.clone(),
            enabled: Some(skill.is_enabled),
            next_step,
        },
    ))
}
