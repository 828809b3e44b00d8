//! `run_task`: run any task and return its output, or, when it outlasts the wait, the id to
//! keep waiting with. Anchor tasks run by id or (code tasks) by name ([`anchor`]); on Browser
//! Use, a natural-language job runs as an agent task, and a skill runs by id
//! ([`browser_use`]).
//!
//! The run is started exactly once, then polled. The start request is never retried: if it
//! fails ambiguously, the agent is told to look before starting another.

mod anchor;
mod browser_use;

use std::collections::BTreeMap;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::provider_args::{self, ArgumentSplit, ProviderArg, describe};
use super::writes;
use crate::cloud::Provider;
use crate::mcp::anchor_rules::{AnchorKind, browser_configuration_doc};
use crate::mcp::args::{Problem, has};
use crate::mcp::context::Providers;
use crate::mcp::context::ToolContext;
use crate::mcp::context::ToolEnv;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::{input_schema_for, output_schema_for};
use crate::runs::RunReport;

pub const NAME: &str = "run_task";

/// Arguments of `run_task` (both providers'; the definition shows the configured ones').
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Args {
    /// Which cloud: "anchor" or "browser_use". Leave it out: a task the server knows runs on
    /// its own cloud, `task` means Browser Use, and anything else is taken as Anchor.
    pub provider: Option<ProviderArg>,
    /// The task to run: a code task's UUID or a generated task's id (from list_tasks or
    /// generate_task).
    pub task_id: Option<String>,
    /// Instead of task_id: the name of a code task (runs its latest published version).
    pub task_name: Option<String>,
    /// "code" (a TypeScript code task) or "generated" (a Task Builder task). Leave it out
    /// unless told otherwise: tasks this server generated are recognised by id, and anything
    /// else is taken as a code task.
    pub kind: Option<AnchorKind>,
    /// Code tasks run by id: the version to run, "draft", "latest" (the default) or a
    /// published number such as "2".
    pub version: Option<String>,
    /// The task's inputs: the same arguments its own tool takes (list_tasks shows them).
    /// Code tasks: names may leave out the ANCHOR_ prefix (max_pages is sent as
    /// ANCHOR_MAX_PAGES). Generated tasks: the parameter names, or the tool's argument names.
    /// Numbers and booleans are sent as text, as the API requires.
    pub inputs: Option<Map<String, Value>>,
    /// How long to wait for the run to finish, in seconds (default 45, at most 600). 0 starts
    /// it and returns at once. A run that takes longer keeps going; the answer then carries
    /// the execution_id to wait on with get_execution.
    pub wait_seconds: Option<f64>,
    /// Run in this existing browser session (a UUID) instead of a fresh one.
    pub session_id: Option<String>,
    #[schemars(description = browser_configuration_doc(
        "Code tasks: browser settings for this run, overriding the task's own."
    ))]
    pub browser_configuration: Option<Map<String, Value>>,
    /// Generated tasks: the identity (saved login) to run with.
    pub identity_id: Option<String>,
    /// Close the browser session when the run ends (default true).
    pub cleanup_sessions: Option<bool>,

    // ---- Browser Use agent tasks ----
    /// Browser Use: a job in plain language for an AI agent to do in a cloud browser, e.g.
    /// "Find the top 3 posts on news.ycombinator.com and return their titles and points"
    /// (instead of task_id; up to 50000 characters).
    pub task: Option<String>,
    /// Browser Use `task`: the model driving the agent (default "browser-use-2.0"; others
    /// such as "gpt-4.1" or "claude-sonnet-4-6" as the account offers).
    pub llm: Option<String>,
    /// Browser Use `task`: the page to open first.
    pub start_url: Option<String>,
    /// Browser Use `task`: the most steps the agent may take, 1 to 10000 (default 100).
    #[schemars(range(min = 1, max = 10000))]
    pub max_steps: Option<u32>,
    /// Browser Use `task`: a JSON Schema the result must follow, e.g. {"type": "object",
    /// "properties": {"titles": {"type": "array", "items": {"type": "string"}}}}. The answer's
    /// output is then that JSON.
    pub structured_output: Option<Map<String, Value>>,
    /// Browser Use `task`: the only domains the agent may visit, e.g. ["*.example.com"].
    pub allowed_domains: Option<Vec<String>>,
    /// Browser Use `task`: credentials the agent may type, by placeholder name, e.g.
    /// {"x_password": "…"}; mention the placeholder in `task`. Never logged, stored or
    /// echoed.
    pub secrets: Option<BTreeMap<String, String>>,
    /// Browser Use `task`: up to 10 string pairs to tag the task with.
    pub metadata: Option<BTreeMap<String, String>>,
    /// Browser Use `task`: settings of the fresh browser session (not with session_id).
    pub session_settings: Option<SessionSettingsArg>,
    /// Browser Use `task`: whether the agent sees screenshots: "true" (the default), "false"
    /// or "auto".
    pub vision: Option<Vision>,
    /// Browser Use `task`: faster, lighter reasoning (default false).
    pub flash_mode: Option<bool>,
    /// Browser Use `task`: let the model think before each step (default false).
    pub thinking: Option<bool>,
    /// Browser Use `task`: how hard the model thinks, where the model supports it.
    pub thinking_level: Option<ThinkingLevel>,
    /// Browser Use `task`: outline the elements the agent interacts with (default false).
    pub highlight_elements: Option<bool>,
    /// Browser Use `task`: extra instructions added to the agent's system prompt (up to
    /// 10000 characters).
    pub system_prompt_extension: Option<String>,
    /// Browser Use `task`: have a second model judge whether the task was done (default
    /// false).
    pub judge: Option<bool>,
    /// Browser Use `task`: the expected answer, for the judge.
    pub judge_ground_truth: Option<String>,
    /// Browser Use `task`: the model the judge uses.
    pub judge_llm: Option<String>,
    /// Browser Use `task`: skills the agent may call, by id (["*"]: all of the project's).
    pub skill_ids: Option<Vec<String>>,
    /// Browser Use `task`: a 1Password vault id to take credentials from.
    pub op_vault_id: Option<String>,
}

/// Settings of a Browser Use agent task's fresh browser session.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct SessionSettingsArg {
    /// A saved browser profile (UUID) to start from (logins, cookies).
    pub profile_id: Option<String>,
    /// The proxy's country, a two-letter code such as "us" (the default), "de" or "uk".
    pub proxy_country_code: Option<String>,
    /// Screen width in pixels, 320 to 6144.
    #[schemars(range(min = 320, max = 6144))]
    pub browser_screen_width: Option<u32>,
    /// Screen height in pixels, 320 to 3456.
    #[schemars(range(min = 320, max = 3456))]
    pub browser_screen_height: Option<u32>,
    /// Record the session (default false).
    pub enable_recording: Option<bool>,
}

/// Whether a Browser Use agent sees screenshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Vision {
    #[serde(rename = "true")]
    On,
    #[serde(rename = "false")]
    Off,
    #[serde(rename = "auto")]
    Auto,
}

/// How hard a Browser Use agent's model thinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThinkingLevel {
    Disabled,
    Low,
    Medium,
    High,
}

/// The arguments only one provider has.
pub const SPLIT: ArgumentSplit = ArgumentSplit {
    anchor: &[
        "task_name",
        "kind",
        "version",
        "browser_configuration",
        "identity_id",
        "cleanup_sessions",
    ],
    browser_use: &AGENT_ARGUMENTS,
};

/// The arguments of a Browser Use agent task.
const AGENT_ARGUMENTS: [&str; 20] = [
    "task",
    "llm",
    "start_url",
    "max_steps",
    "structured_output",
    "allowed_domains",
    "secrets",
    "metadata",
    "session_settings",
    "vision",
    "flash_mode",
    "thinking",
    "thinking_level",
    "highlight_elements",
    "system_prompt_extension",
    "judge",
    "judge_ground_truth",
    "judge_llm",
    "skill_ids",
    "op_vault_id",
];

const ANCHOR_DESCRIPTION: &str = "Run a browser-automation task in the cloud and return its \
output. Use it for any task listed by list_tasks, whether or not it also appears as a tool of \
its own. Give task_id (or task_name for a code task) and the task's inputs. The call waits for \
the run (reporting progress) up to wait_seconds; a run that takes longer is not an error: you \
get status \"running\" and an execution_id, and get_execution with wait_seconds keeps waiting. \
Each call starts a new run, so do not repeat a call that failed to answer without first \
checking list_executions.";

const BROWSER_USE_DESCRIPTION: &str = "Run a browser-automation task on Browser Use Cloud and \
return its output. Either describe a job in plain language in `task` (an AI agent does it in a \
cloud browser; give structured_output to get JSON back), or run a skill listed by list_tasks by \
its task_id with its inputs (skills run in seconds and may also be tools of their own). The \
call waits up to wait_seconds, reporting the agent's steps as progress; a task that takes \
longer is not an error: you get its status and an execution_id, and get_execution with \
wait_seconds keeps waiting. Cancelling the call stops the task in the cloud (cancel_execution \
does too). Each call starts a new run, so do not repeat a call that failed to answer without \
first checking list_executions.";

const BOTH_DESCRIPTION: &str = "Run a browser-automation task in the cloud and return its \
output: a task listed by list_tasks (an Anchor Browser code or generated task, or a Browser \
Use skill) by task_id (or task_name for a code task) with its inputs, or a one-off job \
described in plain language in `task`, done by a Browser Use AI agent (give structured_output \
to get JSON back). The call waits up to wait_seconds, reporting progress (a Browser Use agent's \
steps); a run that takes longer is not an error: you get its status and an execution_id, and \
get_execution with wait_seconds keeps waiting. Cancelling the call stops a Browser Use task in \
the cloud (Anchor runs go on). Each call starts a new run, so do not repeat a call that failed \
to answer without first checking list_executions.";

/// The tool's definition.
pub fn definition(providers: Providers) -> Tool {
    let tool = Tool::new(
        NAME,
        describe(
            providers,
            ANCHOR_DESCRIPTION,
            BROWSER_USE_DESCRIPTION,
            BOTH_DESCRIPTION,
        ),
        input_schema_for::<Args>(),
    )
    .with_title("Run a task")
    .with_raw_output_schema(output_schema_for::<RunReport>())
    .with_annotations(writes("Run a task", true, false));
    let tool = provider_args::fit(tool, providers, &SPLIT);
    let tool = provider_args::document(
        tool,
        "task_id",
        &describe(
            providers,
            "",
            "The skill to run (its id, from list_tasks or generate_task); instead of `task`.",
            "The task to run: a code task's UUID, a generated task's id or a Browser Use \
             skill's id (from list_tasks or generate_task).",
        ),
    );
    provider_args::document(
        tool,
        "inputs",
        &describe(
            providers,
            "",
            "A skill's inputs: the same arguments its own tool takes (list_tasks shows them), \
             by parameter or argument name, with JSON values (numbers, booleans, objects, \
             arrays as such).",
            "The task's inputs: the same arguments its own tool takes (list_tasks shows them). \
             Code tasks: names may leave out the ANCHOR_ prefix (max_pages is sent as \
             ANCHOR_MAX_PAGES). Generated tasks and skills: the parameter names, or the tool's \
             argument names. Anchor receives numbers and booleans as text, as its API \
             requires; skills receive JSON values.",
        ),
    )
}

/// The provider a call is for: as asked, as its arguments imply, as the task it names.
fn provider_of(state: &ToolEnv, args: &JsonObject) -> Provider {
    provider_args::of_task_call(state, args, &SPLIT)
}

/// Argument rules beyond the schema.
pub fn rules(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    let provider = provider_of(state, args);
    provider_args::foreign_argument_problems(state.providers(), args, &SPLIT, provider, problems);
    crate::mcp::args::check_wait_seconds(args, problems);
    if !["task_id", "task_name", "task"]
        .iter()
        .any(|k| has(args, k))
    {
        problems.push(Problem::new("task_id", what_to_run(state.providers())));
    }
    match provider {
        Provider::Anchor => anchor::rules(state, args, problems),
        Provider::BrowserUse => browser_use::rules(state, args, problems),
    }
}

/// What a call must name, for the providers configured.
fn what_to_run(providers: Providers) -> &'static str {
    let shown = providers.shown();
    match (shown.anchor, shown.browser_use) {
        (true, true) => {
            "is required: give `task_id` (any listed task), `task_name` (an Anchor code task) \
             or `task` (a job in plain language for a Browser Use agent)"
        }
        (false, true) => {
            "is required: give `task_id` (a skill) or `task` (a job in plain language)"
        }
        _ => "is required: give `task_id` or `task_name`",
    }
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let raw = provider_args::as_object(&args);
    match provider_of(call.env, &raw) {
        Provider::Anchor => anchor::run(call, args).await,
        Provider::BrowserUse => browser_use::run(call, args).await,
    }
}
