//! A fake of Browser Use Cloud's API v2 on 127.0.0.1, served under
//! `/api/v2` like the real one (so a client that drops its base URL's path is caught).
//!
//! What it enforces: the `X-Browser-Use-API-Key` header (401 `{"detail": …}` otherwise);
//! FastAPI-style validation answered with 422 (unknown fields, types, lengths, ranges and the
//! spec's enumerations, e.g. `SupportedLLMs`, of every documented field): the full `detail`
//! list, or one `ValidationError` where the spec documents that (`POST /tasks`, the PATCHes of
//! tasks and sessions); `{"detail": "…"}` domain errors, each one the operation declares (404
//! unknown ids, 400 a session with a running task, 400 executing an unfinished or disabled
//! skill, 400 deleting a generating skill); 202 on create, 204 on delete. Where the spec
//! declares no refusal, there is none: an unfinished skill can be enabled (it still cannot run),
//! and parameters that do not fit a skill make its execution fail (200, `success: false`).
//! Every request and answer is also held to Browser Use's OpenAPI file (`crate::spec`).
//!
//! Skill versions: a finished skill is at version 1; `POST /skills/{id}/refine` (a finished
//! skill only, else 400 "Skill is not finished"; `feedback` of at least 10 characters) makes the
//! next version, generated like the first (`generating` for `generating_checks` reads, then
//! finished); `POST /skills/{id}/cancel` during it stops it (the skill reads `cancelled`,
//! like a cancelled first generation, until rolled back); `POST /skills/{id}/rollback` makes the
//! previous version current (one step back; the version rolled back is gone). With no earlier
//! version it answers 400 with a `detail`: the spec declares only 400 (a public skill) and 404
//! for this operation, and the fake never has public skills, so this shape is the closest the
//! spec allows.
//!
//! Refinement is deterministic: a script may say a skill is missing a step
//! ([`SkillScript::missing_step`]); its executions then fail (`success: false`) with an error
//! naming that step, and a refinement whose feedback (or `testOutput`/`testLogs`) contains the
//! step's words (case-insensitive) makes a version that has it; any other feedback makes a
//! version that still misses it. A script may also say how refinements end
//! ([`SkillScript::refinement`], finished by default), so that a failed one can be tried.
//!
//! What tests script: agent tasks `created → started → finished|failed` (a step appears with
//! every status read while started; stopped by `PATCH`), with their output and output files;
//! skill generations `recording → generating → finished|failed|timed_out`, with the finished
//! skill's parameters, output schema and execution result. Faults (429 with `Retry-After`, 402
//! spend limits, …) and counters come from the shared ledger.

mod routes;
mod state;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::net::TcpListener;

pub use super::ledger::{Fault, RecordedRequest, SpecCheck, SpecChecked};
pub use crate::spec::Violation;
use state::State;

/// How a scripted agent task ends (unless stopped first).
#[derive(Debug, Clone, PartialEq)]
pub enum AgentOutcome {
    /// Finished; `output` is the final text (`None`: a summary, or a sample matching the
    /// requested structured output); `success` is the agent's own verdict.
    Finished {
        output: Option<String>,
        success: bool,
    },
    /// Failed with this reason.
    Failed(String),
}

/// The lifecycle of agent tasks: `created` until the first status read, then `started` (a step
/// per read) for `started_checks` reads and at least `min_duration`, then the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentScript {
    pub started_checks: u32,
    pub min_duration: Duration,
    pub outcome: AgentOutcome,
    /// Names of files the task leaves behind.
    pub output_files: Vec<String>,
}

impl Default for AgentScript {
    fn default() -> Self {
        Self {
            started_checks: 2,
            min_duration: Duration::ZERO,
            outcome: AgentOutcome::Finished {
                output: None,
                success: true,
            },
            output_files: Vec::new(),
        }
    }
}

impl AgentScript {
    /// Keep running for at least `duration`.
    pub fn lasting(mut self, duration: Duration) -> Self {
        self.min_duration = duration;
        self
    }
}

/// How a scripted skill generation ends.
#[derive(Debug, Clone, PartialEq)]
pub enum SkillOutcome {
    Finished,
    Failed,
    TimedOut,
}

/// The lifecycle of skills: `recording` for the first read, `generating` for
/// `generating_checks` more, then the outcome; and what executing the finished skill returns.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillScript {
    pub generating_checks: u32,
    pub outcome: SkillOutcome,
    /// `ParameterSchema` objects.
    pub parameters: Vec<Value>,
    pub output_schema: Value,
    /// Whether the finished skill is enabled right away.
    pub enabled_when_finished: bool,
    /// What executions return: `Ok(result)` (`None`: built from the parameters) or
    /// `Err((error, stderr))` for `success: false`.
    pub execution: Result<Option<Value>, (String, String)>,
    /// A step the generated code lacks, e.g. "accept the cookie banner": executions fail
    /// naming it until a refinement's feedback names it (see the module docs).
    pub missing_step: Option<String>,
    /// How a refinement's generation ends.
    pub refinement: SkillOutcome,
}

impl Default for SkillScript {
    fn default() -> Self {
        Self {
            generating_checks: 2,
            outcome: SkillOutcome::Finished,
            parameters: vec![
                json!({"name": "query", "type": "string", "required": true, "description": "What to look for."}),
                json!({"name": "limit", "type": "number", "required": false, "default": 3, "description": "How many results."}),
                json!({"name": "filters", "type": "object", "required": false, "description": "Extra filters."}),
            ],
            output_schema: json!({
                "type": "object",
                "properties": {
                    "results": {"type": "array", "items": {"type": "string"}},
                    "count": {"type": "integer"}
                },
                "required": ["results"]
            }),
            enabled_when_finished: true,
            execution: Ok(None),
            missing_step: None,
            refinement: SkillOutcome::Finished,
        }
    }
}

/// A running fake Browser Use API. Stops when dropped.
pub struct FakeBrowserUse {
    url: String,
    state: Arc<Mutex<State>>,
    /// Stops serving when the fake is dropped.
    _serving: super::ledger::Serving,
}

impl FakeBrowserUse {
    /// Start on an ephemeral loopback port, accepting `api_key`.
    pub async fn start(api_key: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        Self::start_on(listener, api_key)
    }

    /// Start on `listener`, accepting `api_key`.
    pub fn start_on(listener: TcpListener, api_key: &str) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(State::new(api_key)));
        let serving = super::ledger::serve(
            listener,
            routes::router(state.clone()),
            "fake Browser Use API",
        )?;
        Ok(Self {
            url: format!("http://{}/api/v2", serving.address),
            state,
            _serving: serving,
        })
    }

    /// Base URL, e.g. `http://127.0.0.1:41234/api/v2`.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        super::ledger::lock(&self.state)
    }

    /// Script every agent task without a script of its own.
    pub fn set_default_task_script(&self, script: AgentScript) {
        self.lock().default_task = script;
    }

    /// Script the agent tasks whose prompt is exactly `task`.
    pub fn set_task_script(&self, task: &str, script: AgentScript) {
        self.lock().task_scripts.insert(task.to_string(), script);
    }

    /// Script every skill generation without a script of its own.
    pub fn set_default_skill_script(&self, script: SkillScript) {
        self.lock().default_skill = script;
    }

    /// Script the skills generated for `goal`.
    pub fn set_skill_script(&self, goal: &str, script: SkillScript) {
        self.lock().skill_scripts.insert(goal.to_string(), script);
    }

    /// A skill already generated (its generation over, as `script.outcome` says), titled
    /// `title`, as if made earlier in the account. Returns its id.
    pub fn seed_skill(&self, title: &str, script: SkillScript) -> String {
        let mut state = self.lock();
        let checks = script.generating_checks + 1;
        let skill = state::SkillRecord {
            id: state::new_id(),
            title: Some(title.to_string()),
            description: Some(format!("{title}, seeded by a test.")),
            goal: title.to_string(),
            agent_prompt: format!("Do what {title} says, step by step."),
            checks,
            cancelled: false,
            enabled: None,
            script,
            created_at: state::now(),
            executions: Vec::new(),
            version: 1,
            earlier: Vec::new(),
        };
        let id = skill.id.clone();
        state.skills.push(skill);
        id
    }

    /// The version a skill is at, as `currentVersion` would say once finished.
    pub fn skill_version(&self, skill_id: &str) -> Option<u32> {
        let state = self.lock();
        state
            .skills
            .iter()
            .find(|s| s.id == skill_id)
            .map(|s| s.version)
    }

    /// An idle session to run tasks in. Returns its id.
    pub fn create_session(&self) -> String {
        self.lock().new_session()
    }

    /// Add a fault (routes as counted, e.g. `"POST /tasks"`).
    pub fn inject(&self, fault: Fault) {
        self.lock().ledger.faults.push(fault);
    }

    /// Requests received on `route` (`"PATCH /tasks/{task_id}"`), authorized or not.
    pub fn count(&self, route: &str) -> usize {
        self.lock().ledger.counts.get(route).copied().unwrap_or(0)
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().ledger.requests.clone()
    }

    /// The ids of every agent task and skill execution the fake holds (what the cloud
    /// committed), in no particular order.
    pub fn run_ids(&self) -> Vec<String> {
        let state = self.lock();
        let tasks = state.tasks.iter().map(|t| t.id.clone());
        let executions = state
            .skills
            .iter()
            .flat_map(|s| s.executions.iter())
            .filter_map(|e| e["id"].as_str().map(str::to_string));
        tasks.chain(executions).collect()
    }

    /// The metadata an agent task was created with.
    pub fn task_metadata(&self, task_id: &str) -> Option<Value> {
        let state = self.lock();
        state
            .tasks
            .iter()
            .find(|t| t.id == task_id)
            .map(|t| t.metadata.clone())
    }

    /// What to do with exchanges the vendor's spec does not describe (collected by default).
    pub fn set_spec_check(&self, mode: SpecCheck) {
        self.lock().ledger.spec.mode = mode;
    }

    /// For a test that sends requests the vendor's spec rejects, on purpose: they are kept
    /// apart (see [`Self::off_spec_requests`]) instead of failing it. Answers are still checked.
    pub fn allow_off_spec_requests(&self) {
        self.lock().ledger.spec.off_spec_requests_allowed = true;
    }

    /// The requests the spec rejects that arrived while they were allowed.
    pub fn off_spec_requests(&self) -> Vec<Violation> {
        self.lock().ledger.spec.allowed.clone()
    }

    /// The status of a task, as the API would answer now (without counting a read).
    pub fn task_status(&self, task_id: &str) -> Option<String> {
        self.lock().peek_status(task_id)
    }
}

impl SpecChecked for FakeBrowserUse {
    fn api_name(&self) -> &'static str {
        "Browser Use"
    }

    fn take_spec_violations(&self) -> Vec<Violation> {
        std::mem::take(&mut self.lock().ledger.spec.violations)
    }
}
