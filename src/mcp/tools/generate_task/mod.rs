//! `generate_task`: have a provider write a task from a natural-language description, and
//! wait (with progress) until it is ready to run. On Anchor, the Task Builder (v2) writes a
//! task from a prompt; on Browser Use, a skill is generated from a goal and a demonstration
//! prompt ([`browser_use`]). The finished task becomes a tool of its own.
//!
//! Generation is started exactly once. The server remembers the new task at once (Anchor has
//! no API to list generated tasks) so that it can be found and run by id afterwards.

mod browser_use;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::provider_args::{self, ArgumentSplit, ProviderArg, describe};
use super::writes;
use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, str_arg};
use crate::mcp::context::Providers;
use crate::mcp::context::ToolContext;
use crate::mcp::context::ToolEnv;
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::generation::{Output, wait_until_ready};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::params::{self, ParamsOrigin};
use crate::providers::anchor::adapter::arguments::{self, browser_configuration_doc};
use crate::providers::anchor::models::{GenerateTask, TaskParameter};
use crate::runs::TaskKind;

pub const NAME: &str = "generate_task";

/// Arguments of `generate_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Args {
    /// Which cloud writes the task: "anchor" (a Task Builder task) or "browser_use" (a
    /// skill). Default: Anchor, or Browser Use when `goal` is given.
    pub provider: Option<ProviderArg>,
    /// A short name for the new task, e.g. "hn-top-posts".
    pub name: String,
    /// What the task must do, in plain language and in detail: the site, the steps, what to
    /// extract, and what to return. The more precise, the better the generated task.
    pub prompt: String,
    /// One line saying what the task does (derived from the prompt when left out).
    pub description: Option<String>,
    /// Browser Use: the skill's goal in one sentence, e.g. "Get the top posts of Hacker
    /// News" (at most 1000 characters; default: description, else the prompt's start).
    pub goal: Option<String>,
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
    /// How long to wait for the task to be ready, in seconds (default 45, at most 600). If it
    /// is not ready by then, the answer says so and get_task with wait_seconds keeps waiting.
    pub wait_seconds: Option<f64>,
}

/// The arguments only one provider has.
pub const SPLIT: ArgumentSplit = ArgumentSplit {
    anchor: &[
        "input_parameters",
        "output_parameters",
        "output_file_only",
        "human_intervention",
        "browser_configuration",
        "application_id",
        "identity_id",
        "browser_session_id",
    ],
    browser_use: &["goal"],
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
            "Create a new browser-automation task from a plain-language description, using \
             Anchor's AI Task Builder, and wait until it is ready to run (progress is \
             reported; generation can take minutes). Describe the job in detail in prompt, and \
             declare the inputs it takes and the fields it returns. Returns the new task_id and \
             its parameters; then call run_task with that task_id and the inputs. Each call \
             generates a new task.",
            "Create a new Browser Use skill (a deterministic, reusable browser automation with \
             typed inputs and output) from a plain-language description, and wait until it is \
             generated (progress is reported; it takes a minute or more). Give its goal in one \
             sentence and, in prompt, detailed instructions to do the job once, which Browser \
             Use records and turns into the skill. A finished, enabled skill becomes a tool of \
             its own and runs with run_task by task_id; a disabled one is enabled with \
             deploy_task. Cancelling the call cancels the generation. Each call generates a \
             new skill.",
            "Create a new browser-automation task from a plain-language description and wait \
             until it is ready to run (progress is reported; generation takes minutes). Anchor \
             (default): the AI Task Builder writes a task from prompt; declare the inputs it \
             takes and the fields it returns. Browser Use (provider \"browser_use\", or give \
             goal): a skill is generated from its goal and, in prompt, instructions to do the \
             job once; cancelling the call cancels the generation. Returns the new task_id \
             and its parameters; then call run_task with that task_id and the inputs (a ready \
             task is also a tool of its own). Each call generates a new task.",
        ),
        input_schema_for::<Args>(),
    )
    .with_title("Generate a task from a description")
    .with_raw_output_schema(output_schema_for::<Output>())
    .with_annotations(writes("Generate a task from a description", false, false));
    let tool = provider_args::fit(tool, providers, &SPLIT);
    let tool = provider_args::document(
        tool,
        "prompt",
        &describe(
            providers,
            "",
            "Instructions to do the job once, in detail (at least 10 characters): the site, \
             the steps, what to extract and return. Browser Use records the run and turns it \
             into the skill.",
            "",
        ),
    );
    provider_args::document(
        tool,
        "name",
        &describe(
            providers,
            "",
            "A short title for the new skill, e.g. \"HN top posts\" (at most 100 characters).",
            "",
        ),
    )
}

fn provider_of(state: &ToolEnv, args: &JsonObject) -> Provider {
    provider_args::resolve(state.provider_flags(), args, &SPLIT, None)
}

/// Argument rules beyond the schema.
pub fn rules(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    for key in ["name", "prompt"] {
        if str_arg(args, key).is_some_and(|v| v.trim().is_empty()) {
            problems.push(Problem::new(key, "is empty"));
        }
    }
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
        browser_use::rules(args, problems);
        return;
    }
    if str_arg(args, "name").is_some_and(|n| n.chars().count() > 255) {
        problems.push(Problem::new("name", "is longer than 255 characters"));
    }
    crate::mcp::args::check_uuid(args, "application_id", "an Anchor application id", problems);
    for key in ["input_parameters", "output_parameters"] {
        if let Some(Value::Array(params)) = args.get(key) {
            arguments::parameter_problems(key, params, problems);
        }
    }
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let raw = provider_args::as_object(&args);
    if provider_of(call.env, &raw) == Provider::BrowserUse {
        return browser_use::run(call, args).await;
    }
    let anchor = call.env.anchor_or_other()?;
    let request = GenerateTask {
        name: args.name.trim().to_string(),
        prompt: args.prompt.clone(),
        description: args.description.clone(),
        application_id: args.application_id.clone(),
        identity_id: args.identity_id.clone(),
        input_schema: args.input_parameters.clone().unwrap_or_default(),
        output_schema: args.output_parameters.clone().unwrap_or_default(),
        output_file_only: args.output_file_only,
        human_intervention: args.human_intervention,
        browser_session_id: args.browser_session_id.clone(),
        browser_configuration: args.browser_configuration.clone().map(Value::Object),
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
            params::from_anchor(&request.input_schema),
            params::from_anchor(&request.output_schema),
            ParamsOrigin::Declared,
        )),
        output_schema: None,
    };
    let task = call.env.remember(sighting);
    let budget = call.env.waits.budget(args.wait_seconds);
    wait_until_ready(call, task, started.status.as_str(), budget, false).await
}
