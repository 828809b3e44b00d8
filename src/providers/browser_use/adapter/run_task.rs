//! Browser Use Cloud's part of `run_task`: a job in plain language runs as an agent task
//! (started once, polled, its steps reported as progress, stopped in the cloud when the call
//! is cancelled); a skill runs by id, synchronously, with typed inputs.

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

use std::sync::Arc;

use super::Account;
use super::skills::{self, SkillRun};
use crate::catalog::CatalogTask;
use crate::mcp::args::{Problem, check_uuid, has, str_arg};
use crate::mcp::context::adapter::{Subjects, ToolPart, read_args};
use crate::mcp::context::work::{Execution, RunStart, Work};
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::ToolError;
use crate::mcp::schema::input_schema_for;
use crate::mcp::task_tools::inputs::{by_parameter_name, known_input_problems, null_input};
use crate::mcp::task_tools::schema::Signature;
use crate::mcp::tools::run_task::{RUN_TAIL, SharedArgs};
use crate::params::inputs::InputForm;
use crate::providers::browser_use::BrowserUseClient;
use crate::providers::browser_use::models::{CreateTask, SessionSettings};
use crate::providers::browser_use::{rules, runs};
use crate::redact::REDACTED;

/// Browser Use's own arguments of `run_task` (an agent task's).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    // Every argument but `task` tunes the agent (a skill run rejects them, saying so), and
    // limits the API sets (lengths, counts) are checked with a message naming them: the
    // descriptions say only what an agent needs to choose.
    /// Instead of task_id: a job in plain language for an AI agent.
    pub task: Option<String>,
    /// Default "browser-use-2.0".
    pub llm: Option<String>,
    pub start_url: Option<String>,
    #[schemars(range(min = 1, max = 10000))]
    pub max_steps: Option<u32>,
    /// A JSON Schema for the output.
    pub structured_output: Option<Map<String, Value>>,
    pub allowed_domains: Option<Vec<String>>,
    /// By the placeholder names `task` uses; never logged.
    pub secrets: Option<BTreeMap<String, String>>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub session_settings: Option<SessionSettingsArg>,
    pub vision: Option<Vision>,
    pub flash_mode: Option<bool>,
    pub thinking: Option<bool>,
    pub highlight_elements: Option<bool>,
    pub system_prompt_extension: Option<String>,
    pub judge: Option<bool>,
    pub judge_ground_truth: Option<String>,
    pub judge_llm: Option<String>,
    /// ["*"]: all.
    pub skill_ids: Option<Vec<String>>,
    /// 1Password vault.
    pub op_vault_id: Option<String>,
}

/// A call's arguments as Browser Use reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

/// Settings of a Browser Use agent task's fresh browser session.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
pub struct SessionSettingsArg {
    pub profile_id: Option<String>,
    pub proxy_country_code: Option<String>,
    #[schemars(range(min = 320, max = 6144))]
    pub browser_screen_width: Option<u32>,
    #[schemars(range(min = 320, max = 3456))]
    pub browser_screen_height: Option<u32>,
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

/// The arguments of a Browser Use agent task.
const AGENT_ARGUMENTS: [&str; 19] = [
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
    "highlight_elements",
    "system_prompt_extension",
    "judge",
    "judge_ground_truth",
    "judge_llm",
    "skill_ids",
    "op_vault_id",
];

const DESCRIPTION: &str = "Run a Browser Use Cloud task and return its output: a skill from \
list_tasks by task_id, with inputs, or a job in plain language in `task` for an AI agent, which \
the other arguments tune.";

/// Browser Use's part of `run_task`.
pub struct RunTask {
    account: Arc<Account>,
}

impl RunTask {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for RunTask {
    fn arguments(&self) -> std::sync::Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        format!("{DESCRIPTION} {RUN_TAIL}")
    }

    fn fragment(&self) -> String {
        "Browser Use: also a job in plain language in `task`, for an AI agent.".into()
    }

    fn argument_docs(&self) -> Vec<(&'static str, String)> {
        vec![("inputs", "The skill's arguments.".into())]
    }

    fn subjects(&self) -> Subjects {
        Subjects {
            names: &["task"],
            alone: "`task_id` (a skill) or `task` (a job in plain language)",
            listed: "`task` (a job in plain language for a Browser Use agent)",
        }
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

/// The longest `task`, in characters (the API's limit).
const MAX_TASK_CHARS: usize = 50_000;
/// The most `metadata` pairs the API takes.
const MAX_METADATA_PAIRS: usize = 10;

/// Argument rules of a Browser Use run.
fn check(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    crate::mcp::args::check_one_of(args, "task_id", "task", false, problems);
    if has(args, "task") {
        agent_rules(args, problems);
    } else if has(args, "task_id") {
        skill_rules(state, args, problems);
    }
}

fn agent_rules(args: &JsonObject, problems: &mut Vec<Problem>) {
    if let Some(task) = str_arg(args, "task") {
        let length = task.chars().count();
        if task.trim().is_empty() {
            problems.push(Problem::new(
                "task",
                "is empty; describe the job in plain language",
            ));
        } else if length > MAX_TASK_CHARS {
            problems.push(Problem::new(
                "task",
                format!("is {length} characters long; the API takes at most {MAX_TASK_CHARS}"),
            ));
        }
    }
    if has(args, "inputs") {
        problems.push(Problem::new(
            "inputs",
            "applies to skills run by task_id; an agent task takes everything it needs in \
             `task` (and credentials in `secrets`)",
        ));
    }
    if let Some(schema) = args.get("structured_output").filter(|v| v.is_object())
        && let Err(error) = jsonschema::validator_for(schema)
    {
        let at = error.instance_path().as_str();
        let place = if at.is_empty() {
            String::new()
        } else {
            format!(" (at {at})")
        };
        problems.push(Problem::new(
            "structured_output",
            format!("is not a valid JSON Schema{place}: {error}"),
        ));
    }
    if let Some(Value::Object(metadata)) = args.get("metadata")
        && metadata.len() > MAX_METADATA_PAIRS
    {
        problems.push(Problem::new(
            "metadata",
            format!(
                "has {} pairs; the API takes at most {MAX_METADATA_PAIRS}",
                metadata.len()
            ),
        ));
    }
    if let Some(Value::Object(secrets)) = args.get("secrets") {
        for (name, value) in secrets {
            if name.trim().is_empty() {
                problems.push(Problem::new(
                    "secrets",
                    "has an empty name; name each secret with the placeholder `task` uses",
                ));
            }
            if value.as_str().is_some_and(str::is_empty) {
                problems.push(Problem::new(
                    format!("secrets.{name}"),
                    "is empty; give the value, or leave the secret out",
                ));
            }
        }
    }
    if let Some(text) = str_arg(args, "system_prompt_extension")
        && text.chars().count() > rules::MAX_SYSTEM_PROMPT_EXTENSION_CHARS
    {
        problems.push(Problem::new(
            "system_prompt_extension",
            format!(
                "is longer than {} characters",
                rules::MAX_SYSTEM_PROMPT_EXTENSION_CHARS
            ),
        ));
    }
    if let Some(text) = str_arg(args, "judge_ground_truth")
        && text.chars().count() > rules::MAX_JUDGE_GROUND_TRUTH_CHARS
    {
        problems.push(Problem::new(
            "judge_ground_truth",
            format!(
                "is longer than {} characters",
                rules::MAX_JUDGE_GROUND_TRUTH_CHARS
            ),
        ));
    }
    for key in ["llm", "judge_llm"] {
        if let Some(model) = str_arg(args, key).filter(|m| !rules::is_supported_llm(m)) {
            problems.push(Problem::new(
                key,
                format!(
                    "{model:?} is not a model Browser Use offers; use one of: {}",
                    rules::SUPPORTED_LLMS.join(", ")
                ),
            ));
        }
    }
    if let Some(Value::Array(domains)) = args.get("allowed_domains")
        && domains
            .iter()
            .any(|d| d.as_str().is_some_and(|d| d.trim().is_empty()))
    {
        problems.push(Problem::new(
            "allowed_domains",
            "has an empty entry; give domains such as \"example.com\" or \"*.example.com\"",
        ));
    }
    check_uuid(
        args,
        "session_id",
        "the id of an idle Browser Use session",
        problems,
    );
    if let Some(Value::Object(settings)) = args.get("session_settings") {
        if has(args, "session_id") {
            problems.push(Problem::new(
                "session_settings",
                "applies to the fresh session a task gets without session_id; leave one out",
            ));
        }
        if let Some(code) = settings.get("proxy_country_code").and_then(Value::as_str)
            && !rules::is_proxy_country(code)
        {
            problems.push(Problem::new(
                "session_settings.proxy_country_code",
                format!(
                    "{code:?} is not one of Browser Use's proxy countries; give a two-letter \
                     country code such as \"us\", \"de\" or \"uk\" (the United Kingdom is \
                     \"uk\", not \"gb\")"
                ),
            ));
        }
        check_uuid(
            settings,
            "profile_id",
            "a Browser Use browser profile's id",
            problems,
        );
    }
}

fn skill_rules(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    for argument in AGENT_ARGUMENTS.iter().filter(|a| has(args, a)) {
        problems.push(Problem::new(
            *argument,
            "applies to agent tasks (`task`) only; a skill run takes task_id, inputs, \
             session_id and wait_seconds",
        ));
    }
    check_uuid(
        args,
        "session_id",
        "the id of a Browser Use session, to run the skill from its IP",
        problems,
    );
    let inputs = match args.get("inputs") {
        Some(Value::Object(inputs)) => inputs.clone(),
        _ => Map::new(),
    };
    for (name, value) in &inputs {
        if value.is_null() {
            problems.push(null_input(name));
        }
    }
    let tasks = state.tasks_as_read();
    if let Some(skill) = str_arg(args, "task_id").and_then(|id| tasks.task(id)) {
        known_input_problems(&skill.inputs, &inputs, &state.secrets.configured, problems);
        let by_name = by_parameter_name(&skill.inputs, &inputs);
        for param in &skill.inputs {
            if let Some(value) = by_name.get(&param.name).filter(|v| !v.is_null())
                && let Err(why) = InputForm::Json.convert(param, value)
            {
                problems.push(Problem::new(format!("inputs.{}", param.name), why));
            }
        }
    }
}

/// Run it on Browser Use.
async fn run<'a>(
    call: &'a ToolContext<'a>,
    bu: &'a BrowserUseClient,
    args: Args,
) -> Result<Work<'a>, ToolError> {
    let Args { shared, own } = args;
    match own.task.clone() {
        Some(task) => Ok(Work::Start(agent_run(call, bu, task, shared, own))),
        None => skill_run(call, bu, shared).await.map(Work::Execute),
    }
}

/// The agent task a call starts (the tool waits on it).
fn agent_run<'a>(
    call: &'a ToolContext<'a>,
    bu: &'a BrowserUseClient,
    task: String,
    shared: SharedArgs,
    args: OwnArgs,
) -> RunStart<'a> {
    let secrets: Vec<String> = args
        .secrets
        .iter()
        .flat_map(|s| s.values().cloned())
        .collect();
    let mut recorded = json!({ "task": crate::cloud::truncate_text(&task, 500) });
    for (key, value) in [
        ("llm", args.llm.clone()),
        ("start_url", args.start_url.clone()),
    ] {
        if let Some(value) = value {
            recorded[key] = Value::from(value);
        }
    }
    if let Some(names) = &args.secrets {
        let shown: Map<String, Value> = names
            .keys()
            .map(|name| (name.clone(), Value::from(REDACTED)))
            .collect();
        recorded["secrets"] = Value::Object(shown);
    }
    let body = CreateTask {
        task,
        llm: args.llm,
        start_url: args.start_url,
        max_steps: args.max_steps,
        // The API takes the schema as a string.
        structured_output: args.structured_output.map(|s| Value::Object(s).to_string()),
        session_id: shared.session_id,
        metadata: args.metadata,
        secrets: args.secrets,
        allowed_domains: args.allowed_domains,
        op_vault_id: args.op_vault_id,
        session_settings: args.session_settings.map(session_settings),
        highlight_elements: args.highlight_elements,
        flash_mode: args.flash_mode,
        thinking: args.thinking,
        vision: args.vision.map(vision),
        system_prompt_extension: args.system_prompt_extension,
        judge: args.judge,
        judge_ground_truth: args.judge_ground_truth,
        judge_llm: args.judge_llm,
        skill_ids: args.skill_ids,
    };
    RunStart {
        cloud: bu,
        start: async move { runs::start_agent(bu, &body, call.env).await }.boxed(),
        task_name: None,
        recorded_inputs: recorded,
        secrets,
    }
}

/// The skill execution a call carries out (the tool waits on it).
async fn skill_run<'a>(
    call: &'a ToolContext<'a>,
    bu: &'a BrowserUseClient,
    args: SharedArgs,
) -> Result<Execution<'a>, ToolError> {
    let skill_id = args.task_id.clone().unwrap_or_default();
    let skill = skills::skill(call, bu, &skill_id).await?;
    let given = args.inputs.clone().unwrap_or_default();
    let inputs = skill_inputs(call, &skill, &given)?;
    Ok(skills::execution(
        call,
        bu,
        SkillRun {
            skill_id: skill.task_id.clone(),
            name: Some(skill.name.clone()),
            parameters: inputs.json(),
            session_id: args.session_id.clone(),
            recorded_inputs: Value::Object(inputs.redacted.clone()),
            secrets: inputs.secrets.clone(),
        },
    ))
}

/// A skill's inputs from run_task's `inputs`: keyed by parameter (an argument name maps to
/// its parameter), typed, defaults and configured secrets filled in.
fn skill_inputs(
    call: &ToolContext<'_>,
    skill: &CatalogTask,
    given: &Map<String, Value>,
) -> Result<crate::params::inputs::TaskInputs, ToolError> {
    let by_name = by_parameter_name(&skill.inputs, given);
    // Parameters the skill does not declare would be refused by the API: name them now.
    let unknown: Vec<Problem> = by_name
        .keys()
        .filter(|name| !skill.inputs.iter().any(|p| &p.name == *name))
        .map(|name| {
            let names: Vec<&str> = skill.inputs.iter().map(|p| p.name.as_str()).collect();
            Problem::new(
                format!("inputs.{name}"),
                format!(
                    "is not a parameter of this skill; its parameters are: {}",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(ToolError::InvalidArguments(unknown));
    }
    let secrets = &call.env.secrets.configured;
    let signature = Signature::new(&skill.inputs, &|p| secrets.has(p));
    // The signature reads arguments by argument name.
    let arguments: JsonObject = signature
        .arguments
        .iter()
        .filter_map(|a| Some((a.name.clone(), by_name.get(&a.param.name)?.clone())))
        .collect();
    signature
        .to_inputs(&arguments, &|p| secrets.value_for(p), InputForm::Json)
        .map_err(|problems| {
            ToolError::InvalidArguments(
                problems
                    .into_iter()
                    .map(|p| Problem::new(format!("inputs.{}", p.field), p.message))
                    .collect(),
            )
        })
}

fn session_settings(arg: SessionSettingsArg) -> SessionSettings {
    SessionSettings {
        profile_id: arg.profile_id,
        // The API wants it lowercase.
        proxy_country_code: arg.proxy_country_code.map(|c| c.to_ascii_lowercase()),
        browser_screen_width: arg.browser_screen_width,
        browser_screen_height: arg.browser_screen_height,
        enable_recording: arg.enable_recording,
    }
}

fn vision(vision: Vision) -> Value {
    match vision {
        Vision::On => Value::Bool(true),
        Vision::Off => Value::Bool(false),
        Vision::Auto => Value::from("auto"),
    }
}
