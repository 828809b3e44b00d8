//! `run_task` on Browser Use Cloud: a job in plain language runs as an agent task (started
//! once, polled, its steps reported as progress, stopped in the cloud when the call is
//! cancelled); a skill runs by id, synchronously, with typed inputs.

use rmcp::model::JsonObject;
use serde_json::{Map, Value, json};

use super::{AGENT_ARGUMENTS, Args, SessionSettingsArg, ThinkingLevel, Vision};
use crate::catalog::CatalogTask;
use crate::mcp::anchor_rules;
use crate::mcp::args::{Problem, has, str_arg};
use crate::mcp::context::ToolContext;
use crate::mcp::context::ToolEnv;
use crate::mcp::generation;
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::running::{self, RunPlan, SkillRun};
use crate::mcp::task_tools::schema::{InputForm, Signature};
use crate::providers::browser_use::models::{CreateTask, SessionSettings};
use crate::redact::REDACTED;
use crate::runs::{RunRequest, RunTarget};

/// The longest `task`, in characters (the API's limit).
const MAX_TASK_CHARS: usize = 50_000;
/// The most `metadata` pairs the API takes.
const MAX_METADATA_PAIRS: usize = 10;
/// The longest `system_prompt_extension`, in characters.
const MAX_PROMPT_EXTENSION_CHARS: usize = 10_000;

/// Argument rules of a Browser Use run.
pub(super) fn rules(state: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
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
        && text.chars().count() > MAX_PROMPT_EXTENSION_CHARS
    {
        problems.push(Problem::new(
            "system_prompt_extension",
            format!("is longer than {MAX_PROMPT_EXTENSION_CHARS} characters"),
        ));
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
    anchor_rules::check_uuid(
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
            && !(code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()))
        {
            problems.push(Problem::new(
                "session_settings.proxy_country_code",
                "must be a two-letter country code such as \"us\", \"de\" or \"uk\"",
            ));
        }
        anchor_rules::check_uuid(
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
    anchor_rules::check_uuid(
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
            problems.push(super::anchor::null_input(name));
        }
    }
    if let Some(skill) = str_arg(args, "task_id").and_then(|id| state.known_task(id)) {
        super::anchor::known_input_problems(
            &skill.inputs,
            &inputs,
            &state.secrets.configured,
            problems,
        );
        let by_name = super::anchor::by_parameter_name(&skill.inputs, &inputs);
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
pub(super) async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    call.env.browser_use()?;
    match args.task.clone() {
        Some(task) => run_agent(call, task, args).await,
        None => run_skill(call, args).await,
    }
}

async fn run_agent(call: &ToolContext<'_>, task: String, args: Args) -> Result<Reply, ToolError> {
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
        session_id: args.session_id,
        metadata: args.metadata,
        secrets: args.secrets,
        allowed_domains: args.allowed_domains,
        op_vault_id: args.op_vault_id,
        session_settings: args.session_settings.map(session_settings),
        highlight_elements: args.highlight_elements,
        flash_mode: args.flash_mode,
        thinking: args.thinking,
        thinking_level: args
            .thinking_level
            .map(|level| thinking_level(level).into()),
        vision: args.vision.map(vision),
        system_prompt_extension: args.system_prompt_extension,
        judge: args.judge,
        judge_ground_truth: args.judge_ground_truth,
        judge_llm: args.judge_llm,
        skill_ids: args.skill_ids,
    };
    let plan = RunPlan {
        target: RunTarget::Agent(Box::new(body)),
        request: RunRequest::default(),
        task_name: None,
        recorded_inputs: recorded,
        secrets: secrets.clone(),
        budget: call.env.waits.budget(args.wait_seconds),
    };
    let (report, end) = running::start_and_wait(call, plan).await?;
    Ok(running::run_reply(report, end)?.scrubbed(&secrets))
}

async fn run_skill(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let skill_id = args.task_id.clone().unwrap_or_default();
    let skill = generation::skill(call, &skill_id).await?;
    let given = args.inputs.clone().unwrap_or_default();
    let inputs = skill_inputs(call, &skill, &given)?;
    let report = running::run_skill(
        call,
        SkillRun {
            skill_id: skill.task_id.clone(),
            name: Some(skill.name.clone()),
            parameters: inputs.json(),
            session_id: args.session_id.clone(),
            recorded_inputs: Value::Object(inputs.redacted.clone()),
            secrets: inputs.secrets.clone(),
        },
    )
    .await?;
    Ok(running::skill_reply(report).scrubbed(&inputs.secrets))
}

/// A skill's inputs from run_task's `inputs`: keyed by parameter (an argument name maps to
/// its parameter), typed, defaults and configured secrets filled in.
fn skill_inputs(
    call: &ToolContext<'_>,
    skill: &CatalogTask,
    given: &Map<String, Value>,
) -> Result<crate::mcp::task_tools::schema::TaskInputs, ToolError> {
    let by_name = super::anchor::by_parameter_name(&skill.inputs, given);
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

fn thinking_level(level: ThinkingLevel) -> &'static str {
    match level {
        ThinkingLevel::Disabled => "disabled",
        ThinkingLevel::Low => "low",
        ThinkingLevel::Medium => "medium",
        ThinkingLevel::High => "high",
    }
}

fn vision(vision: Vision) -> Value {
    match vision {
        Vision::On => Value::Bool(true),
        Vision::Off => Value::Bool(false),
        Vision::Auto => Value::from("auto"),
    }
}
