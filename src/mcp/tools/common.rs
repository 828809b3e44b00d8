//! Pieces several tools share: argument rules for Anchor's ids, names and code, finding a
//! code task by name, and turning a run report into the reply an agent reads.

use std::collections::BTreeMap;
use std::time::Duration;

use rmcp::model::JsonObject;
use serde_json::Value;

use super::ToolCall;
use crate::anchor::models::TaskParameter;
use crate::anchor::{AnchorClient, infer, rules};
use crate::browser_use::BrowserUseClient;
use crate::catalog::{CatalogTask, TaskSighting};
use crate::cloud::Provider;
use crate::mcp::args::{Problem, has, str_arg};
use crate::mcp::reply::{Reply, ToolError};
use crate::params::{Param, ParamsOrigin};
use crate::redact::{REDACTED, scrub_text, scrub_value};
use crate::runs::{
    self, Cloud, RunReport, RunRequest, RunTarget, StartError, TaskKind, Verdict, WaitEnd,
};
use crate::waiting::describe_duration;

/// An Anchor task's kind, as tool arguments name it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AnchorKind {
    /// A TypeScript code task (legacy v1).
    Code,
    /// A Task Builder task (v2).
    Generated,
}

impl From<AnchorKind> for TaskKind {
    fn from(kind: AnchorKind) -> Self {
        match kind {
            AnchorKind::Code => TaskKind::Code,
            AnchorKind::Generated => TaskKind::Generated,
        }
    }
}

/// The description of a `browser_configuration` argument: `purpose`, then the settings.
pub fn browser_configuration_doc(purpose: &str) -> String {
    format!(
        "{purpose} Anchor's session settings, e.g. {{\"initial_url\": \"https://example.com\", \
         \"proxy\": {{\"active\": true, \"country_code\": \"us\"}}, \"timeout\": \
         {{\"max_duration\": 20, \"idle_timeout\": 5}}, \"recording\": {{\"active\": false}}, \
         \"tags\": [\"nightly\"]}}."
    )
}

/// Task names of code tasks.
pub fn check_task_name(args: &JsonObject, key: &str, problems: &mut Vec<Problem>) {
    if let Some(name) = str_arg(args, key)
        && !rules::is_task_name(name)
    {
        problems.push(Problem::new(
            key,
            "must be 1-255 characters of letters, digits, '-' and '_' (no spaces), e.g. \
             \"web-scraper\"",
        ));
    }
}

/// v1 ids (tasks, executions, sessions) are UUIDs; `from` says where to find a good one.
pub fn check_uuid(args: &JsonObject, key: &str, from: &str, problems: &mut Vec<Problem>) {
    if let Some(id) = str_arg(args, key)
        && !rules::is_uuid(id)
    {
        problems.push(Problem::new(
            key,
            format!("must be a UUID such as \"550e8400-e29b-41d4-a716-446655440000\" ({from})"),
        ));
    }
}

/// Where task ids come from, for [`check_uuid`].
pub const TASK_ID_FROM: &str = "list_tasks shows every task's id";
/// Where execution ids come from, for [`check_uuid`].
pub const EXECUTION_ID_FROM: &str = "run_task and list_executions return them";

/// `draft`, `latest` or a number.
pub fn check_version(args: &JsonObject, key: &str, problems: &mut Vec<Problem>) {
    if let Some(version) = str_arg(args, key)
        && !rules::is_version_ref(version)
    {
        problems.push(Problem::new(
            key,
            "must be \"draft\", \"latest\" or a published version number such as \"3\"",
        ));
    }
}

/// At most 1000 characters (the API's limit on descriptions).
pub fn check_description(args: &JsonObject, problems: &mut Vec<Problem>) {
    if let Some(text) = str_arg(args, "description")
        && text.chars().count() > 1000
    {
        problems.push(Problem::new(
            "description",
            format!(
                "is {} characters long; the API accepts at most 1000",
                text.chars().count()
            ),
        ));
    }
}

/// Exactly one of two alternative arguments (or at most one when `required` is false).
pub fn check_one_of(
    args: &JsonObject,
    first: &str,
    second: &str,
    required: bool,
    problems: &mut Vec<Problem>,
) {
    match (has(args, first), has(args, second)) {
        (true, true) => problems.push(Problem::new(
            first,
            format!("give either `{first}` or `{second}`, not both"),
        )),
        (false, false) if required => problems.push(Problem::new(
            first,
            format!("is required: give `{first}` or `{second}`"),
        )),
        _ => {}
    }
}

/// `code` (plain TypeScript) and `code_base64` are alternatives; check whichever is given.
pub fn check_code(args: &JsonObject, problems: &mut Vec<Problem>) {
    check_one_of(args, "code", "code_base64", false, problems);
    if let Some(code) = str_arg(args, "code")
        && code.trim().is_empty()
    {
        problems.push(Problem::new(
            "code",
            "is empty; give the task's TypeScript source",
        ));
    }
    if let Some(encoded) = str_arg(args, "code_base64")
        && let Some(why) = rules::base64_problem(encoded)
    {
        problems.push(Problem::new(
            "code_base64",
            format!(
                "is not valid base64 TypeScript: {why}. Pass the plain source in `code` \
                 instead and the server encodes it"
            ),
        ));
    }
}

/// A code task's declared `input_parameters`: well formed, and names that can be `ANCHOR_*`
/// environment variables.
pub fn check_code_parameters(args: &JsonObject, problems: &mut Vec<Problem>) {
    if let Some(Value::Array(params)) = args.get("input_parameters") {
        super::generate_task::parameter_problems("input_parameters", params, problems);
        for (i, param) in params.iter().enumerate() {
            if let Some(name) = param.get("name").and_then(Value::as_str)
                && !name.trim().is_empty()
                && rules::input_key(name).is_none()
            {
                problems.push(Problem::new(
                    format!("input_parameters.{i}.name"),
                    format!(
                        "{name:?} cannot be an environment variable name: use letters, digits \
                         and underscores (the code reads it as process.env.ANCHOR_<NAME>)"
                    ),
                ));
            }
        }
    }
}

/// A code task's parameters: as declared, else read off `code_base64`, else unknown (`None`:
/// keep what the catalog has).
pub fn code_task_params(
    declared: Option<&[TaskParameter]>,
    code_base64: Option<&str>,
) -> Option<(Vec<Param>, Vec<Param>, ParamsOrigin)> {
    if let Some(declared) = declared {
        let params = declared
            .iter()
            .map(|p| {
                let mut param = Param::from_anchor(p);
                // Stored without the prefix, like inferred ones.
                if let Some(rest) = param.name.strip_prefix(rules::INPUT_PREFIX) {
                    param.name = rest.to_string();
                }
                param
            })
            .collect();
        return Some((params, Vec::new(), ParamsOrigin::Declared));
    }
    let source = rules::decode_code(code_base64?)?;
    Some((
        infer::inputs_from_code(&source),
        Vec::new(),
        ParamsOrigin::Inferred,
    ))
}

/// `wait_seconds` must not be negative.
pub fn check_wait_seconds(args: &JsonObject, problems: &mut Vec<Problem>) {
    if let Some(secs) = args.get("wait_seconds").and_then(Value::as_f64)
        && secs < 0.0
    {
        problems.push(Problem::new(
            "wait_seconds",
            "must be 0 (do not wait) or more",
        ));
    }
}

/// The base64 code to send, from whichever argument carried it.
pub fn encoded_code(code: Option<&str>, code_base64: Option<&str>) -> Option<String> {
    code.map(rules::encode_code)
        .or_else(|| code_base64.map(rules::canonical_base64))
}

/// Find a code task's id from its id or its name (names are looked up in the task list).
pub async fn resolve_code_task(
    anchor: &AnchorClient,
    task_id: Option<&str>,
    task_name: Option<&str>,
) -> Result<String, ToolError> {
    if let Some(id) = task_id {
        return Ok(id.to_string());
    }
    let Some(name) = task_name else {
        return Err(ToolError::InvalidArguments(vec![Problem::new(
            "task_id",
            "is required: give `task_id` or `task_name`",
        )]));
    };
    const PAGE: u32 = 100;
    // A bounded walk: 50 pages of 100 is far beyond any real account, and keeps a runaway
    // (an API ignoring `page`) from looping forever.
    for page in 1..=50 {
        let list = anchor
            .list_tasks(page, PAGE)
            .await
            .map_err(|e| ToolError::api(e, format!("Looking up the code task named {name:?}")))?;
        if let Some(task) = list.tasks.iter().find(|t| t.name == name) {
            return Ok(task.id.clone());
        }
        let seen = u64::from(page) * u64::from(PAGE);
        if list.tasks.len() < PAGE as usize || list.total.is_some_and(|total| seen >= total) {
            break;
        }
    }
    Err(ToolError::NotFound {
        message: format!("There is no code task named {name:?}."),
        hint: "Names are case-sensitive; list_tasks shows every task's name and id.".into(),
    })
}

impl ToolCall<'_> {
    /// The Anchor client, for what only Anchor does, or the error telling the agent how to
    /// configure it.
    pub fn anchor(&self) -> Result<&AnchorClient, ToolError> {
        self.state.anchor.as_ref().ok_or(ToolError::NotConfigured {
            provider: Provider::Anchor,
            alternative: None,
        })
    }

    /// The client of `provider`, for what either provider does (the error then names the
    /// other provider as an alternative).
    pub fn cloud(&self, provider: Provider) -> Result<Cloud<'_>, ToolError> {
        let client = match provider {
            Provider::Anchor => self.state.anchor.as_ref().map(Cloud::Anchor),
            Provider::BrowserUse => self.state.browser_use.as_ref().map(Cloud::BrowserUse),
        };
        client.ok_or(ToolError::NotConfigured {
            provider,
            alternative: Some(match provider {
                Provider::Anchor => Provider::BrowserUse,
                Provider::BrowserUse => Provider::Anchor,
            }),
        })
    }

    /// The Browser Use client (see [`ToolCall::cloud`]).
    pub fn browser_use(&self) -> Result<&BrowserUseClient, ToolError> {
        match self.cloud(Provider::BrowserUse)? {
            Cloud::BrowserUse(client) => Ok(client),
            Cloud::Anchor(_) => unreachable!("cloud(BrowserUse) returns Browser Use"),
        }
    }

    /// The Anchor client, for what either provider does (see [`ToolCall::cloud`]).
    pub fn anchor_or_other(&self) -> Result<&AnchorClient, ToolError> {
        match self.cloud(Provider::Anchor)? {
            Cloud::Anchor(client) => Ok(client),
            Cloud::BrowserUse(_) => unreachable!("cloud(Anchor) returns Anchor"),
        }
    }
}

/// A run to start and wait for.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub target: RunTarget,
    pub request: RunRequest,
    /// The task's name, when the caller knows it.
    pub task_name: Option<String>,
    /// The inputs as recorded in the catalog: secret values already replaced.
    pub recorded_inputs: Value,
    /// The secret values this run was given, to scrub from its output.
    pub secrets: Vec<String>,
    pub budget: Duration,
}

/// Start a run (once), record it in the catalog before waiting, wait within the budget with
/// progress, and keep the record up to date. Shared by `run_task` and the per-task tools.
pub async fn start_and_wait(
    call: &ToolCall<'_>,
    plan: RunPlan,
) -> Result<(RunReport, WaitEnd), ToolError> {
    let cloud = call.cloud(plan.target.provider())?;
    // Before anything can echo them: progress and later reads are scrubbed of them too.
    call.state.remember_secrets(&plan.secrets);
    tracing::info!(target = ?plan.target, "starting a run");
    let mut report = runs::start(cloud, &plan.target, plan.request)
        .await
        .map_err(|error| match error {
            StartError::Api(error) => ToolError::api(error, "Starting the run"),
            error @ StartError::WrongCloud { .. } => ToolError::Unsupported {
                message: format!("Nothing was started: {error}."),
                hint: "Call without `provider`, or with the task's own provider.".into(),
            },
            StartError::NoExecutionId { message } => ToolError::NotFound {
                message: format!(
                    "The run was started ({message}) but the API returned no execution id to \
                     follow it."
                ),
                hint: "Do not start it again; list_executions shows the task's runs.".into(),
            },
        })?;
    if report.task_name.is_none() {
        report.task_name = plan.task_name.clone().or_else(|| {
            report
                .task_id
                .as_deref()
                .and_then(|id| call.state.known_task(id))
                .map(|t| t.name)
        });
    }
    // Recorded before waiting: a crash or restart never loses the run's id.
    call.state.record_run(&report, plan.recorded_inputs);
    let _waiting = call
        .state
        .activity
        .run(&report.execution_id, &report.label());
    let (report, end) = runs::wait(
        cloud,
        report,
        plan.budget,
        &call.state.waits,
        &call.cancel,
        &call.progress,
    )
    .await;
    let report = scrub_report(report, &plan.secrets);
    call.state.note_run_state(&report, &plan.secrets);
    Ok((report, end))
}

/// A run report with the given secret values scrubbed from its output and error.
pub fn scrub_report(mut report: RunReport, secrets: &[String]) -> RunReport {
    if let Some(output) = &mut report.output {
        scrub_value(output, secrets);
    }
    report.error = report.error.map(|e| scrub_text(&e, secrets));
    report
}

/// The inputs as they may be recorded and shown: the values of `secret` inputs replaced.
/// Returns the redacted inputs and the secret values (to scrub from replies).
pub fn redact(
    inputs: &BTreeMap<String, String>,
    secret: &dyn Fn(&str) -> bool,
) -> (Value, Vec<String>) {
    let mut shown = serde_json::Map::new();
    let mut secrets = Vec::new();
    for (name, value) in inputs {
        if secret(name) {
            secrets.push(value.clone());
            shown.insert(name.clone(), Value::from(REDACTED));
        } else {
            shown.insert(name.clone(), Value::from(value.clone()));
        }
    }
    (Value::Object(shown), secrets)
}

/// What a finished run's summary adds: its time, steps, cost and files, e.g. " in 3 s,
/// after 4 steps, for $0.0420; 2 output files (download links in output_files)".
fn run_facts(report: &RunReport) -> String {
    let mut facts = Vec::new();
    if let Some(ms) = report.execution_time_ms {
        facts.push(format!(
            "in {}",
            describe_duration(std::time::Duration::from_millis(ms as u64))
        ));
    }
    if let Some(steps) = report.steps {
        facts.push(format!(
            "after {steps} step{}",
            if steps == 1 { "" } else { "s" }
        ));
    }
    if let Some(cost) = &report.cost {
        facts.push(format!("for ${cost}"));
    }
    let mut text = if facts.is_empty() {
        String::new()
    } else {
        format!(" {}", facts.join(", "))
    };
    match report.output_files.len() {
        0 => {}
        n => text.push_str(&format!(
            "; {n} output file{} (download links in output_files)",
            if n == 1 { "" } else { "s" }
        )),
    }
    text
}

/// The reply for a run after waiting on it.
pub fn run_reply(report: RunReport, end: WaitEnd) -> Result<Reply, ToolError> {
    let label = report.label();
    match end {
        WaitEnd::Finished => match report.verdict() {
            Verdict::Succeeded => {
                let facts = run_facts(&report);
                Ok(Reply::ok(format!("The {label} succeeded{facts}."), report))
            }
            _ => {
                let why = report
                    .error
                    .clone()
                    .unwrap_or_else(|| "the provider gave no error message".into());
                let facts = run_facts(&report);
                Ok(Reply::failed(
                    format!(
                        "The {label} ended with status {}{facts}: {why}",
                        report.status
                    ),
                    report,
                ))
            }
        },
        WaitEnd::StillRunning { waited } => Ok(Reply::ok(
            format!(
                "The {label} is still {} after waiting {}; it goes on in the cloud. To wait \
                 more, call get_execution with {} and wait_seconds.",
                report.status,
                describe_duration(waited),
                report.continue_arguments()
            ),
            report,
        )),
        WaitEnd::Cancelled { stopped: true } => Ok(Reply::failed(
            format!(
                "Stopped the {label} in the cloud because the request was cancelled (status \
                 {}).",
                report.status
            ),
            report,
        )),
        WaitEnd::Cancelled { stopped: false } => Ok(Reply::failed(
            format!(
                "Stopped waiting for the {label} because the request was cancelled; the run \
                 goes on in the cloud (get_execution with {} checks on it).",
                report.continue_arguments()
            ),
            report,
        )),
        WaitEnd::CheckFailed(error) => Err(ToolError::api(
            error,
            format!(
                "Checking on the {label} (it was started; do not start it again, check it \
                 with get_execution {})",
                report.continue_arguments()
            ),
        )),
    }
}

/// A skill, as the catalog knows it or, when it does not, as Browser Use describes it (the
/// catalog then learns it).
pub async fn skill(call: &ToolCall<'_>, skill_id: &str) -> Result<CatalogTask, ToolError> {
    if let Some(task) = call
        .state
        .known_task(skill_id)
        .filter(|t| t.kind == TaskKind::Skill && t.params_origin == ParamsOrigin::Declared)
    {
        return Ok(task);
    }
    fetch_skill(call, skill_id).await.map(|(task, _)| task)
}

/// A skill as Browser Use describes it now, and as the catalog keeps it after learning that.
pub async fn fetch_skill(
    call: &ToolCall<'_>,
    skill_id: &str,
) -> Result<(CatalogTask, crate::browser_use::models::Skill), ToolError> {
    let bu = call.browser_use()?;
    let skill = bu
        .get_skill(skill_id)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading skill {skill_id}")))?;
    let sighting = crate::mcp::refresh::skill_sighting(&skill);
    let task = match call.state.learn_and_update(sighting.clone()).await {
        Some(change) => change.task,
        None => unrecorded(sighting),
    };
    Ok((task, skill))
}

/// A task the catalog could not record: usable for this call, without a tool.
pub fn unrecorded(sighting: TaskSighting) -> CatalogTask {
    let (inputs, outputs, params_origin) =
        sighting
            .params
            .unwrap_or((Vec::new(), Vec::new(), ParamsOrigin::Unknown));
    CatalogTask {
        provider: sighting.provider,
        kind: sighting.kind,
        task_id: sighting.task_id,
        name: sighting.name,
        description: sighting.description,
        version: sighting.version,
        status: sighting.status,
        inputs,
        outputs,
        params_origin,
        output_schema: sighting.output_schema,
        tool_name: String::new(),
        last_seen: String::new(),
        last_used: None,
    }
}

/// A skill execution to make.
#[derive(Debug, Clone)]
pub struct SkillRun {
    pub skill_id: String,
    pub name: Option<String>,
    /// Typed, by parameter name.
    pub parameters: serde_json::Map<String, Value>,
    pub session_id: Option<String>,
    /// The inputs as recorded: secret values replaced.
    pub recorded_inputs: Value,
    /// The secret values sent, to scrub from the result.
    pub secrets: Vec<String>,
}

/// Execute a skill (once; synchronous), with heartbeat progress meanwhile, and record the run.
/// Shared by `run_task` and the skills' own tools.
pub async fn run_skill(call: &ToolCall<'_>, run: SkillRun) -> Result<RunReport, ToolError> {
    let bu = call.browser_use()?;
    call.state.remember_secrets(&run.secrets);
    let label = format!(
        "skill {}",
        run.name.as_deref().unwrap_or(run.skill_id.as_str())
    );
    tracing::info!(skill = %run.skill_id, "executing a skill");
    let work = runs::run_skill(
        bu,
        &run.skill_id,
        &run.parameters,
        run.session_id.as_deref(),
    );
    let outcome = crate::waiting::with_heartbeat(
        &label,
        "running",
        &call.state.waits,
        &call.cancel,
        &call.progress,
        work,
    )
    .await;
    let mut report = match outcome {
        None => {
            return Err(ToolError::Unsupported {
                message: format!(
                    "Stopped waiting for the {label} because the request was cancelled. \
                     Browser Use cannot stop a skill execution: it may still complete."
                ),
                hint: format!(
                    "list_executions with {{\"task_id\": \"{}\"}} shows its executions.",
                    run.skill_id
                ),
            });
        }
        Some(Err(error)) => {
            return Err(ToolError::api(
                error,
                format!(
                    "Executing the {label} (a skill execution is never retried; check \
                     list_executions before running it again)"
                ),
            ));
        }
        Some(Ok(report)) => report,
    };
    report.task_name = run.name.clone();
    let report = scrub_report(report, &run.secrets);
    // Synchronous, so recorded once done; without an id (the lookup failed) it cannot be.
    if !report.execution_id.is_empty() {
        call.state.record_run(&report, run.recorded_inputs);
        call.state.note_run_state(&report, &run.secrets);
    }
    Ok(report)
}

/// The reply for a finished skill execution: its result, or `isError` with the skill's error
/// and stderr.
pub fn skill_reply(report: RunReport) -> Reply {
    let label = report.label();
    let facts = run_facts(&report);
    match report.verdict() {
        Verdict::Succeeded => Reply::ok(format!("The {label} succeeded{facts}."), report),
        _ => {
            let why = report
                .error
                .clone()
                .unwrap_or_else(|| "the skill gave no error message".into());
            Reply::failed(format!("The {label} failed{facts}: {why}"), report)
        }
    }
}
