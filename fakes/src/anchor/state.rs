//! The fake's in-memory world: code tasks with their draft and versions, executions,
//! generated tasks and their runs, and the scripted lifecycles that move them along.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::{GenerationOutcome, GenerationScript, RunOutcome, RunScript};
use crate::ledger::{Gated, Ledger};

pub(super) const TEAM_ID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

#[derive(Debug, Clone)]
pub(super) struct Version {
    pub id: String,
    pub code: String,
    pub language: String,
    pub description: Option<String>,
    pub browser_configuration: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub(super) struct CodeTask {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub browser_configuration: Option<Value>,
    pub deleted: bool,
    pub created_at: String,
    pub updated_at: String,
    pub draft: Option<Version>,
    pub versions: BTreeMap<u32, Version>,
}

impl CodeTask {
    /// The newest published, not deleted, version.
    pub fn latest_number(&self) -> Option<u32> {
        self.versions
            .iter()
            .rev()
            .find(|(_, v)| !v.deleted)
            .map(|(n, _)| *n)
    }

    /// What `latestVersion` / `latest` report: the newest number, else "draft".
    pub fn latest_label(&self) -> String {
        self.latest_number()
            .map(|n| n.to_string())
            .unwrap_or_else(|| "draft".into())
    }

    /// A version by `draft`, `latest` or number.
    pub fn version(&self, which: &str) -> Option<(String, &Version)> {
        match which {
            "draft" => self.draft.as_ref().map(|v| ("draft".to_string(), v)),
            "latest" => {
                let n = self.latest_number()?;
                self.versions.get(&n).map(|v| (n.to_string(), v))
            }
            number => {
                let n: u32 = number.parse().ok()?;
                self.versions
                    .get(&n)
                    .filter(|v| !v.deleted)
                    .map(|v| (n.to_string(), v))
            }
        }
    }

    pub fn task_json(&self, with_code: bool) -> Value {
        let mut task = json!({
            "id": self.id, "name": self.name, "teamId": TEAM_ID,
            "latestVersion": self.latest_label(),
            "language": "typescript", "deleted": self.deleted,
            "createdAt": self.created_at, "updatedAt": self.updated_at,
            "code": "",
        });
        with_description(&mut task, &self.description);
        if let Some(config) = &self.browser_configuration {
            task["browserConfiguration"] = config.clone();
        }
        let code = self
            .draft
            .as_ref()
            .or_else(|| self.latest_number().and_then(|n| self.versions.get(&n)))
            .map(|v| v.code.clone())
            .unwrap_or_default();
        task["code"] = Value::from(if with_code { code } else { String::new() });
        task
    }

    pub fn metadata_json(&self) -> Value {
        let mut task = json!({
            "id": self.id, "name": self.name, "teamId": TEAM_ID,
            "latest": self.latest_label(),
            "deleted": self.deleted, "createdAt": self.created_at, "updatedAt": self.updated_at,
        });
        with_description(&mut task, &self.description);
        task
    }

    pub fn version_json(&self, label: &str, version: &Version) -> Value {
        let mut json = json!({
            "id": version.id, "taskId": self.id, "version": label, "code": version.code,
            "language": version.language,
            "browserConfiguration": version.browser_configuration.clone().unwrap_or(json!({})),
            "deleted": version.deleted, "createdAt": version.created_at, "updatedAt": version.updated_at,
        });
        with_description(&mut json, &version.description);
        json
    }
}

/// Add `description` when there is one: the spec types it as a string, never `null`.
pub(super) fn with_description(object: &mut Value, description: &Option<String>) {
    if let (Value::Object(map), Some(text)) = (object, description) {
        map.insert("description".into(), Value::from(text.clone()));
    }
}

#[derive(Debug, Clone)]
pub(super) struct Execution {
    pub id: String,
    pub task_id: String,
    pub version: String,
    pub version_id: String,
    pub inputs: Map<String, Value>,
    pub started: Instant,
    pub start_time: String,
    pub checks: u32,
    pub script: RunScript,
    /// Set once the run reached its end (so its timing stays put).
    pub ended_after: Option<Duration>,
    /// The browser session it runs in (the API does not show it for v1 executions).
    pub session_id: String,
}

#[derive(Debug, Clone)]
pub(super) struct GeneratedTask {
    pub id: String,
    pub name: String,
    pub input_schema: Vec<Value>,
    pub output_schema: Vec<Value>,
    pub checks: u32,
    pub started: Instant,
    pub script: GenerationScript,
    /// The step its prompt did not name, which its runs fail for (see [`GenerationScript`]).
    pub missing_step: Option<String>,
}

impl GeneratedTask {
    /// Status as of now (without counting a check).
    pub fn status(&self) -> (&'static str, Option<String>) {
        let done = self.checks > self.script.generating_checks
            && self.started.elapsed() >= self.script.min_duration;
        match (&self.script.outcome, done) {
            (_, false) => ("generating", None),
            (GenerationOutcome::Ready, true) => ("ready", None),
            (GenerationOutcome::Failed(why), true) => ("failed", Some(why.clone())),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Run {
    pub id: String,
    pub task_id: String,
    pub inputs: Map<String, Value>,
    pub started: Instant,
    pub checks: u32,
    pub script: RunScript,
    pub session_id: String,
}

/// A browser session a run works in: ending it ends the run (as `cancelled`); a task's request
/// for a person holds its run until answered.
#[derive(Debug, Clone)]
pub(super) struct Session {
    pub id: String,
    pub created_at: String,
    pub started: Instant,
    pub ended: bool,
    /// The `session` settings it was created with (`SessionConfig`; `{}` for a session a run
    /// opened itself).
    pub configuration: Value,
    pub recordings: Vec<Value>,
    pub downloads: Vec<Value>,
    pub interventions: Vec<Intervention>,
}

/// A request for a person (`HumanInterventionRequest`) and the answer it got, if any.
#[derive(Debug, Clone)]
pub(super) struct Intervention {
    pub request: Value,
    pub answer: Option<Value>,
}

impl Session {
    /// Whether a request for a person is still unanswered (its run waits meanwhile).
    pub fn waiting_for_a_person(&self) -> bool {
        !self.ended && self.interventions.iter().any(|i| i.answer.is_none())
    }

    pub fn json(&self) -> Value {
        json!({
            "session_id": self.id, "team_id": TEAM_ID,
            "duration": self.started.elapsed().as_secs(),
            "status": if self.ended { "closed" } else { "running" },
            "credits_used": 0.5, "configuration": {}, "proxy_bytes": 0, "tokens": {},
            "steps": 3, "tags": [], "created_at": self.created_at,
        })
    }
}

/// What a scripted task's sessions hold: files, and a request for a person.
#[derive(Debug, Clone, Default)]
pub(super) struct SessionScript {
    pub downloads: Vec<(String, u64)>,
    pub intervention: Option<Value>,
}

/// Where a run is in its script.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Phase {
    Queued,
    Running,
    Ended,
}

/// `checks` counts the status reads so far (0 when the run was just started).
pub(super) fn phase(script: &RunScript, checks: u32, elapsed: Duration) -> Phase {
    if checks <= script.queued_checks {
        Phase::Queued
    } else if checks <= script.queued_checks.saturating_add(script.running_checks)
        || elapsed < script.min_duration
    {
        Phase::Running
    } else {
        Phase::Ended
    }
}

pub(super) fn outcome_status(outcome: &RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::Success(_) => "success",
        RunOutcome::Failure(_) => "failure",
        RunOutcome::Timeout => "timeout",
        RunOutcome::Cancelled => "cancelled",
    }
}

pub(super) fn outcome_error(outcome: &RunOutcome) -> Option<String> {
    match outcome {
        RunOutcome::Success(_) => None,
        RunOutcome::Failure(why) => Some(why.clone()),
        RunOutcome::Timeout => Some("Task exceeded its maximum duration".into()),
        RunOutcome::Cancelled => Some("Task execution was cancelled".into()),
    }
}

pub(super) struct State {
    pub api_key: String,
    pub tasks: Vec<CodeTask>,
    pub executions: Vec<Execution>,
    pub generated: BTreeMap<String, GeneratedTask>,
    pub runs: BTreeMap<String, Run>,
    pub default_run: RunScript,
    pub run_scripts: HashMap<String, RunScript>,
    pub default_generation: GenerationScript,
    pub generation_scripts: HashMap<String, GenerationScript>,
    pub sessions: BTreeMap<String, Session>,
    pub session_scripts: HashMap<String, SessionScript>,
    /// How many bytes a live session's screenshot has.
    pub screenshot_bytes: usize,
    pub ledger: Ledger,
}

impl Gated for State {
    const KEY_HEADER: &'static str = "anchor-api-key";

    fn api_key(&self) -> &str {
        &self.api_key
    }

    fn ledger(&mut self) -> &mut Ledger {
        &mut self.ledger
    }

    fn unauthorized() -> axum::response::Response {
        use axum::response::IntoResponse;
        let body = json!({"error": {"code": 401, "message": "Invalid API Key"}});
        (axum::http::StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
    }

    fn spec() -> Result<&'static crate::spec::Spec, &'static str> {
        crate::spec::anchor()
    }
}

pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl State {
    pub fn new(api_key: &str) -> Self {
        Self {
            api_key: api_key.to_string(),
            tasks: Vec::new(),
            executions: Vec::new(),
            generated: BTreeMap::new(),
            runs: BTreeMap::new(),
            default_run: RunScript::default(),
            run_scripts: HashMap::new(),
            default_generation: GenerationScript::default(),
            generation_scripts: HashMap::new(),
            sessions: BTreeMap::new(),
            session_scripts: HashMap::new(),
            screenshot_bytes: 120,
            ledger: Ledger::default(),
        }
    }

    pub fn task(&self, id: &str) -> Option<&CodeTask> {
        self.tasks.iter().find(|t| t.id == id && !t.deleted)
    }

    pub fn task_mut(&mut self, id: &str) -> Option<&mut CodeTask> {
        self.tasks.iter_mut().find(|t| t.id == id && !t.deleted)
    }

    pub fn task_by_name(&self, name: &str) -> Option<&CodeTask> {
        self.tasks.iter().find(|t| t.name == name && !t.deleted)
    }

    pub fn run_script_for(&self, task_id: &str, task_name: Option<&str>) -> RunScript {
        self.run_scripts
            .get(task_id)
            .or_else(|| task_name.and_then(|n| self.run_scripts.get(n)))
            .cloned()
            .unwrap_or_else(|| self.default_run.clone())
    }

    pub fn new_version(
        code: String,
        description: Option<String>,
        browser_configuration: Option<Value>,
    ) -> Version {
        let at = now();
        Version {
            id: new_id(),
            code,
            language: "typescript".into(),
            description,
            browser_configuration,
            created_at: at.clone(),
            updated_at: at,
            deleted: false,
        }
    }

    pub fn seed_code_task(&mut self, name: &str, code: &str, published: u32) -> String {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode(code);
        let at = now();
        let mut task = CodeTask {
            id: new_id(),
            name: name.to_string(),
            description: Some(format!("Seeded task {name}")),
            browser_configuration: None,
            deleted: false,
            created_at: at.clone(),
            updated_at: at,
            draft: Some(Self::new_version(encoded.clone(), None, None)),
            versions: BTreeMap::new(),
        };
        for n in 1..=published {
            task.versions
                .insert(n, Self::new_version(encoded.clone(), None, None));
        }
        let id = task.id.clone();
        self.tasks.push(task);
        id
    }

    pub fn seed_finished_executions(&mut self, task_id: &str, count: u32) {
        let version_id = self
            .task(task_id)
            .and_then(|t| t.versions.get(&1))
            .map(|v| v.id.clone())
            .unwrap_or_else(new_id);
        for i in 0..count {
            let outcome = if i % 2 == 0 {
                RunOutcome::Success(Some(json!({"item": i})))
            } else {
                RunOutcome::Failure(format!("Seeded failure {i}"))
            };
            self.executions.push(Execution {
                id: new_id(),
                task_id: task_id.to_string(),
                version: "1".into(),
                version_id: version_id.clone(),
                inputs: Map::new(),
                started: Instant::now(),
                start_time: now(),
                checks: u32::MAX / 2,
                script: RunScript {
                    queued_checks: 0,
                    running_checks: 0,
                    min_duration: Duration::ZERO,
                    outcome,
                },
                ended_after: Some(Duration::from_millis(1000 + u64::from(i))),
                session_id: new_id(),
            });
        }
    }

    /// Whether the session's run is held by an unanswered request for a person.
    pub fn held(&self, session_id: &str) -> bool {
        self.sessions
            .get(session_id)
            .is_some_and(Session::waiting_for_a_person)
    }

    /// Create a browser session (`POST /v1/sessions`) with these `session` settings; its id.
    pub fn create_session(&mut self, configuration: Value) -> String {
        let id = new_id();
        self.sessions.insert(
            id.clone(),
            Session {
                id: id.clone(),
                created_at: now(),
                started: Instant::now(),
                ended: false,
                configuration,
                recordings: Vec::new(),
                downloads: Vec::new(),
                interventions: Vec::new(),
            },
        );
        id
    }

    /// Open the session a run of `task` (by id or name) goes in: a new one, or the one it was
    /// given, which must exist and still be running (`None` otherwise: the API refuses such a
    /// run).
    pub fn open_session(&mut self, given: Option<String>, task: &[&str]) -> Option<String> {
        let script = task
            .iter()
            .find_map(|t| self.session_scripts.get(*t))
            .cloned()
            .unwrap_or_default();
        let id = match given {
            Some(id) => {
                if self.sessions.get(&id).is_none_or(|s| s.ended) {
                    return None;
                }
                id
            }
            None => self.create_session(json!({})),
        };
        let at = now();
        let session = self.sessions.get_mut(&id)?;
        // A presigned link, as the cloud's storage gives (valid for an hour from now).
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        session.recordings = vec![json!({
            "id": "primary", "is_primary": true,
            "file_link": format!("https://recordings.fake-anchor.test/{id}/primary.mp4?X-Amz-Date={stamp}&X-Amz-Expires=3600&X-Amz-Signature=fake"),
            "suggested_file_name": "recording.mp4", "duration": "00:00:42", "size": 2_400_000,
            "created_at": at,
        })];
        for (name, size) in &script.downloads {
            // A URL carries the file name percent-encoded (the spec says `format: uri`).
            let encoded =
                percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
            session.downloads.push(json!({
                "id": new_id(),
                "file_link": format!("https://api.fake-anchor.test/v1/downloads/{id}/{encoded}"),
                "original_download_url": format!("https://example.com/{encoded}"),
                "origin_url": "https://example.com/",
                "suggested_file_name": name, "original_file_name": name,
                "duration": 120, "size": size, "created_at": now(),
            }));
        }
        if let Some(request) = script.intervention {
            let mut request = request;
            if request.get("requestId").is_none() {
                request["requestId"] = Value::from(new_id());
            }
            session.interventions.push(Intervention {
                request,
                answer: None,
            });
        }
        Some(id)
    }

    /// End a session: a run still going in it ends as `cancelled`. Returns whether it existed.
    pub fn end_session(&mut self, session_id: &str) -> bool {
        let Some(session) = self.sessions.get_mut(session_id) else {
            return false;
        };
        session.ended = true;
        let cancel = |script: &mut RunScript, checks: &mut u32| {
            *script = RunScript {
                queued_checks: 0,
                running_checks: 0,
                min_duration: Duration::ZERO,
                outcome: RunOutcome::Cancelled,
            };
            *checks = (*checks).max(1);
        };
        for execution in &mut self.executions {
            if execution.session_id == session_id && execution.ended_after.is_none() {
                let elapsed = execution.started.elapsed();
                if phase(&execution.script, execution.checks, elapsed) != Phase::Ended {
                    cancel(&mut execution.script, &mut execution.checks);
                }
            }
        }
        for run in self.runs.values_mut() {
            if run.session_id == session_id
                && phase(&run.script, run.checks, run.started.elapsed()) != Phase::Ended
            {
                cancel(&mut run.script, &mut run.checks);
            }
        }
        true
    }

    /// An execution as the API shows it (without counting a status check); `held`: its
    /// session waits for a person, so it does not end yet.
    pub fn execution_json(execution: &mut Execution, held: bool) -> Value {
        let elapsed = execution.started.elapsed();
        let phase = match execution.ended_after {
            Some(_) => Phase::Ended,
            None => match phase(&execution.script, execution.checks, elapsed) {
                Phase::Ended if held => Phase::Running,
                other => other,
            },
        };
        if phase == Phase::Ended && execution.ended_after.is_none() {
            execution.ended_after = Some(elapsed);
        }
        let status = match phase {
            Phase::Queued => "queued",
            Phase::Running => "running",
            Phase::Ended => outcome_status(&execution.script.outcome),
        };
        let output = match (&execution.script.outcome, phase) {
            (RunOutcome::Success(Some(value)), Phase::Ended) => Some(value.to_string()),
            (RunOutcome::Success(None), Phase::Ended) => {
                Some(json!({"ok": true, "inputs": execution.inputs}).to_string())
            }
            _ => None,
        };
        let error = match phase {
            Phase::Ended => outcome_error(&execution.script.outcome),
            _ => None,
        };
        json!({
            "id": execution.id, "taskVersionId": execution.version_id, "version": execution.version,
            "status": status, "output": output, "errorMessage": error, "startTime": execution.start_time,
            "executionTime": execution.ended_after.map(|d| d.as_millis() as u64),
        })
    }

    /// A v2 run as the API shows it (without counting a status check).
    pub fn run_json(&self, run: &Run) -> Value {
        let mut phase = phase(&run.script, run.checks, run.started.elapsed());
        if phase == Phase::Ended && self.held(&run.session_id) {
            phase = Phase::Running;
        }
        let status = match phase {
            Phase::Queued => "queued",
            Phase::Running => "running",
            Phase::Ended => outcome_status(&run.script.outcome),
        };
        let mut body = json!({"run_id": run.id, "status": status, "session_id": run.session_id});
        if phase == Phase::Ended {
            match &run.script.outcome {
                RunOutcome::Success(Some(value)) => body["result"] = value.clone(),
                RunOutcome::Success(None) => {
                    body["result"] = self.sample_result(&run.task_id, &run.inputs)
                }
                other => {
                    body["error"] = Value::from(outcome_error(other).unwrap_or_default());
                }
            }
        }
        body
    }

    /// A result shaped by the task's output parameters (or an echo of the inputs).
    fn sample_result(&self, task_id: &str, inputs: &Map<String, Value>) -> Value {
        let Some(task) = self.generated.get(task_id) else {
            return json!({});
        };
        if task.output_schema.is_empty() {
            return json!({"inputs": inputs});
        }
        let mut result = Map::new();
        for param in &task.output_schema {
            let name = param.get("name").and_then(Value::as_str).unwrap_or("field");
            let value = match param.get("type").and_then(Value::as_str) {
                Some("number") => json!(42),
                Some("boolean") => json!(true),
                Some("file") => json!(format!("https://files.fake-anchor.test/{task_id}/{name}")),
                _ => json!(format!("sample {name}")),
            };
            result.insert(name.to_string(), value);
        }
        Value::Object(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_checks_then_time() {
        let script = RunScript {
            queued_checks: 1,
            running_checks: 2,
            min_duration: Duration::ZERO,
            outcome: RunOutcome::Timeout,
        };
        let phases: Vec<Phase> = (0..5).map(|n| phase(&script, n, Duration::ZERO)).collect();
        assert_eq!(
            phases,
            vec![
                Phase::Queued,
                Phase::Queued,
                Phase::Running,
                Phase::Running,
                Phase::Ended
            ]
        );
        let slow = RunScript {
            min_duration: Duration::from_secs(10),
            ..script
        };
        assert_eq!(phase(&slow, 9, Duration::from_secs(1)), Phase::Running);
        assert_eq!(phase(&slow, 9, Duration::from_secs(11)), Phase::Ended);
    }
}
