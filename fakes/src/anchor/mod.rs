//! A fake of Anchor Browser's Tasks API (v1 code tasks, v2 Task Builder) on 127.0.0.1.
//!
//! What it enforces: the `anchor-api-key` header (401 otherwise); the documented request
//! validation (task name pattern, base64 code, version patterns, UUID path ids, `ANCHOR_`
//! input keys with string values, page/limit patterns, status filter values, Task Builder
//! parameter shapes, v2 input params against the task's declared parameters, `code` for every
//! new version); `{data: …}` wrapping for v1 and none for v2; the spec's one error shape,
//! `{"error": {"code", "message"}}`, with a status the operation declares (see `routes`).
//! Every request and answer is also held to Anchor's OpenAPI file (`crate::spec`).
//!
//! What tests script: run lifecycles (`queued → running → success|failure|timeout|cancelled`
//! after a number of status checks and/or a minimum duration, with a given output), generation
//! lifecycles (`generating` for N checks, then `ready` or `failed`), and faults (any status,
//! body, `Retry-After` or delay on a route, a connection reset before or after the route
//! commits, a garbled or patched answer; a given number of times). Every request is counted
//! per route (`"POST /v1/task/run"`) and logged with its body.

mod answers;
mod routes;
mod sessions;
mod state;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;

pub use super::ledger::{Fault, RecordedRequest, SpecCheck, SpecChecked};
pub use crate::spec::Violation;
use state::State;

/// How a scripted run ends.
#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    /// Success with this output (`None`: an object echoing the run's inputs).
    Success(Option<Value>),
    /// Failure with this error message.
    Failure(String),
    /// The run hit its maximum duration.
    Timeout,
    /// The run was cancelled.
    Cancelled,
}

/// The lifecycle of runs: `queued` for the first `queued_checks` status reads, then `running`
/// for `running_checks` more and until `min_duration` has passed, then the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct RunScript {
    pub queued_checks: u32,
    pub running_checks: u32,
    pub min_duration: Duration,
    pub outcome: RunOutcome,
}

impl Default for RunScript {
    fn default() -> Self {
        Self {
            queued_checks: 1,
            running_checks: 1,
            min_duration: Duration::ZERO,
            outcome: RunOutcome::Success(None),
        }
    }
}

impl RunScript {
    /// A run that succeeds with `output` after one `queued` and one `running` check.
    pub fn succeeding_with(output: Value) -> Self {
        Self {
            outcome: RunOutcome::Success(Some(output)),
            ..Self::default()
        }
    }

    /// A run that ends with `outcome` after one `queued` and one `running` check.
    pub fn ending(outcome: RunOutcome) -> Self {
        Self {
            outcome,
            ..Self::default()
        }
    }

    /// Keep running for at least `duration`.
    pub fn lasting(mut self, duration: Duration) -> Self {
        self.min_duration = duration;
        self
    }

    /// Keep running for at least `checks` status reads after being queued.
    pub fn running_for_checks(mut self, checks: u32) -> Self {
        self.running_checks = checks;
        self
    }
}

/// How a scripted generation ends.
#[derive(Debug, Clone, PartialEq)]
pub enum GenerationOutcome {
    Ready,
    Failed(String),
}

/// The lifecycle of generations: `generating` for `generating_checks` status reads (and until
/// `min_duration` has passed), then the outcome.
///
/// Generating again is deterministic: with `missing_step` set, a task generated from a
/// `taskPrompt` that does not contain the step's words (case-insensitive) lacks it, and its
/// runs fail with an error naming it; a prompt that contains them (the original plus feedback
/// naming the step, as a refinement sends) makes a task whose runs follow their script.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationScript {
    pub generating_checks: u32,
    pub min_duration: Duration,
    pub outcome: GenerationOutcome,
    /// A step the generated code lacks unless the prompt names it, e.g. "close the popup".
    pub missing_step: Option<String>,
}

impl Default for GenerationScript {
    fn default() -> Self {
        Self {
            generating_checks: 2,
            min_duration: Duration::ZERO,
            outcome: GenerationOutcome::Ready,
            missing_step: None,
        }
    }
}

/// A running fake Anchor API. Stops when dropped.
pub struct FakeAnchor {
    url: String,
    api_key: String,
    state: Arc<Mutex<State>>,
    /// Stops serving when the fake is dropped.
    _serving: super::ledger::Serving,
}

impl FakeAnchor {
    /// Start on an ephemeral loopback port, accepting `api_key`.
    pub async fn start(api_key: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        Self::start_on(listener, api_key)
    }

    /// Start on `listener`, accepting `api_key`.
    pub fn start_on(listener: TcpListener, api_key: &str) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(State::new(api_key)));
        let serving =
            super::ledger::serve(listener, routes::router(state.clone()), "fake Anchor API")?;
        Ok(Self {
            url: format!("http://{}", serving.address),
            api_key: api_key.to_string(),
            state,
            _serving: serving,
        })
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The key it accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        super::ledger::lock(&self.state)
    }

    /// Script every run that has no script of its own.
    pub fn set_default_run_script(&self, script: RunScript) {
        self.lock().default_run = script;
    }

    /// Script the runs of one task, by id or name (code tasks) or id (generated tasks).
    pub fn set_run_script(&self, task: &str, script: RunScript) {
        self.lock().run_scripts.insert(task.to_string(), script);
    }

    /// Script every generation that has no script of its own.
    pub fn set_default_generation_script(&self, script: GenerationScript) {
        self.lock().default_generation = script;
    }

    /// The `taskPrompt` each generation was started with, oldest first.
    pub fn generation_prompts(&self) -> Vec<String> {
        self.lock()
            .ledger
            .requests
            .iter()
            .filter(|r| r.route == "/v2/tasks/generate")
            .filter_map(|r| {
                r.body
                    .as_ref()?
                    .get("taskPrompt")?
                    .as_str()
                    .map(str::to_string)
            })
            .collect()
    }

    /// Script the generation of the task with this name.
    pub fn set_generation_script(&self, task_name: &str, script: GenerationScript) {
        self.lock()
            .generation_scripts
            .insert(task_name.to_string(), script);
    }

    /// Give the sessions of a task's runs (by task id or name) these downloaded files
    /// (name, bytes) and, if `intervention` is set, a pending request for a person (a
    /// `HumanInterventionRequest`; a `requestId` is added when missing) that holds the run
    /// until answered.
    pub fn set_session_script(
        &self,
        task: &str,
        downloads: Vec<(String, u64)>,
        intervention: Option<Value>,
    ) {
        self.lock().session_scripts.insert(
            task.to_string(),
            state::SessionScript {
                downloads,
                intervention,
            },
        );
    }

    /// Make every recording link so far an expired presigned link (signed two hours ago, valid
    /// for one).
    pub fn expire_recordings(&self) {
        let stamp = (chrono::Utc::now() - chrono::Duration::hours(2)).format("%Y%m%dT%H%M%SZ");
        for session in self.lock().sessions.values_mut() {
            for recording in &mut session.recordings {
                let id = &session.id;
                recording["file_link"] = Value::from(format!(
                    "https://recordings.fake-anchor.test/{id}/primary.mp4?X-Amz-Date={stamp}&X-Amz-Expires=3600&X-Amz-Signature=fake"
                ));
            }
        }
    }

    /// Make a live session's screenshot (`image/png`) this many bytes long.
    pub fn set_screenshot_bytes(&self, bytes: usize) {
        self.lock().screenshot_bytes = bytes;
    }

    /// The sessions opened so far: (id, ended).
    pub fn sessions(&self) -> Vec<(String, bool)> {
        self.lock()
            .sessions
            .values()
            .map(|s| (s.id.clone(), s.ended))
            .collect()
    }

    /// Start a browser session as `POST /v1/sessions` would (a test's own session to run
    /// tasks in); its id.
    pub fn open_session(&self) -> String {
        self.lock()
            .create_session(Value::Object(Default::default()))
    }

    /// The `session` settings a session was created with (`None`: no such session).
    pub fn session_configuration(&self, session_id: &str) -> Option<Value> {
        self.lock()
            .sessions
            .get(session_id)
            .map(|s| s.configuration.clone())
    }

    /// The answers given to requests for a person: (request id, answer).
    pub fn intervention_answers(&self) -> Vec<(String, Value)> {
        self.lock()
            .sessions
            .values()
            .flat_map(|s| s.interventions.iter())
            .filter_map(|i| {
                let id = i.request["requestId"].as_str().unwrap_or_default();
                i.answer.clone().map(|a| (id.to_string(), a))
            })
            .collect()
    }

    /// Add a fault.
    pub fn inject(&self, fault: Fault) {
        self.lock().ledger.faults.push(fault);
    }

    /// Requests received on `route` (`"POST /v1/task/run"`), authorized or not.
    pub fn count(&self, route: &str) -> usize {
        self.lock().ledger.counts.get(route).copied().unwrap_or(0)
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().ledger.requests.clone()
    }

    /// The ids of every v1 execution and v2 run the fake holds (what the cloud committed),
    /// in no particular order.
    pub fn run_ids(&self) -> Vec<String> {
        let state = self.lock();
        let executions = state.executions.iter().map(|e| e.id.clone());
        executions.chain(state.runs.keys().cloned()).collect()
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

    /// Create a code task directly (as if made elsewhere), with `code` as its draft and
    /// `published` versions deployed from it. Returns its id.
    pub fn seed_code_task(&self, name: &str, code: &str, published: u32) -> String {
        self.lock().seed_code_task(name, code, published)
    }

    /// Create a code task and `executions` finished runs of version 1 (half success, half
    /// failure). Returns the task id.
    pub fn seed_executions(&self, name: &str, executions: u32) -> String {
        let mut state = self.lock();
        let id = state.seed_code_task(name, "export default async () => 1", 1);
        state.seed_finished_executions(&id, executions);
        id
    }
}

impl SpecChecked for FakeAnchor {
    fn api_name(&self) -> &'static str {
        "Anchor"
    }

    fn take_spec_violations(&self) -> Vec<Violation> {
        std::mem::take(&mut self.lock().ledger.spec.violations)
    }
}
