//! The fake's world: agent tasks and their sessions, skills and their executions, and the
//! scripted lifecycles that move them along.

use std::collections::HashMap;
use std::time::Instant;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{AgentOutcome, AgentScript, SkillOutcome, SkillScript};
use crate::ledger::{Gated, Ledger};

pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A skill's URL slug, as the vendor would plausibly derive it from the title: lowercase
/// ASCII letters and digits, every other run of characters one `-`, none at either end.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-').len();
    out.truncate(trimmed);
    out
}

#[derive(Debug, Clone)]
pub(super) struct AgentTask {
    pub id: String,
    pub session_id: String,
    pub prompt: String,
    pub llm: String,
    pub start_url: Option<String>,
    pub metadata: Value,
    /// The requested structured output's JSON Schema, if any.
    pub structured: Option<Value>,
    pub created_at: String,
    pub started: Instant,
    pub checks: u32,
    pub script: AgentScript,
    /// Set by a stop request.
    pub stopped_at: Option<String>,
    pub finished_at: Option<String>,
    pub files: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub(super) struct Session {
    pub stopped: bool,
    /// Kept alive between tasks (sessions made by tests are; a task's own one-off is not).
    pub keep_alive: bool,
    pub started_at: String,
}

#[derive(Debug, Clone)]
pub(super) struct SkillRecord {
    pub id: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub goal: String,
    pub agent_prompt: String,
    pub checks: u32,
    pub cancelled: bool,
    pub enabled: Option<bool>,
    pub script: SkillScript,
    pub created_at: String,
    pub executions: Vec<Value>,
    /// The version being generated, or current once finished (1: the first generation).
    pub version: u32,
    /// The earlier versions a rollback restores, oldest first: (version, script).
    pub earlier: Vec<(u32, SkillScript)>,
}

impl SkillRecord {
    /// Start generating the next version from `feedback` (see the module docs for the rule).
    pub fn refine(&mut self, feedback: &str) {
        let mut next = self.script.clone();
        if next
            .missing_step
            .as_deref()
            .is_some_and(|step| feedback.to_lowercase().contains(&step.to_lowercase()))
        {
            next.missing_step = None;
        }
        next.outcome = next.refinement.clone();
        let previous = std::mem::replace(&mut self.script, next);
        self.earlier.push((self.version, previous));
        self.version += 1;
        // Straight to `generating`: nothing is recorded again.
        self.checks = 1;
        self.cancelled = false;
    }

    /// Make the previous version current again; `false` when there is none.
    pub fn roll_back(&mut self) -> bool {
        let Some((version, script)) = self.earlier.pop() else {
            return false;
        };
        self.version = version;
        self.script = script;
        self.checks = self.script.generating_checks + 1;
        self.cancelled = false;
        true
    }

    pub fn status(&self) -> &'static str {
        if self.cancelled {
            return "cancelled";
        }
        match self.checks {
            0 => "recording",
            n if n <= self.script.generating_checks => "generating",
            _ => match self.script.outcome {
                SkillOutcome::Finished => "finished",
                SkillOutcome::Failed => "failed",
                SkillOutcome::TimedOut => "timed_out",
            },
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled
            .unwrap_or(self.status() == "finished" && self.script.enabled_when_finished)
    }

    pub fn json(&self) -> Value {
        let finished = self.status() == "finished";
        let title = self
            .title
            .clone()
            .unwrap_or_else(|| format!("Skill for {}", self.goal));
        json!({
            "id": self.id,
            "slug": slug(&title),
            "title": title,
            "description": self.description.clone().unwrap_or_else(|| self.goal.clone()),
            "categories": ["other"],
            "domains": ["example.com"],
            "goal": self.goal,
            "agentPrompt": self.agent_prompt,
            "status": self.status(),
            "parameters": if finished { Value::from(self.script.parameters.clone()) } else { json!([]) },
            "outputSchema": if finished { self.script.output_schema.clone() } else { json!({}) },
            "isEnabled": self.is_enabled(),
            "isPublic": false,
            "iconUrl": null,
            "firstPublishedAt": null,
            "lastPublishedAt": null,
            "currentVersion": if finished {
                json!(self.version)
            } else if self.earlier.is_empty() {
                Value::Null
            } else {
                json!(self.version - 1)
            },
            "currentVersionStartedAt": self.created_at,
            "currentVersionFinishedAt": if finished { json!(self.created_at) } else { Value::Null },
            "code": null,
            "clonedFromSkillId": null,
            "createdAt": self.created_at,
            "updatedAt": self.created_at,
        })
    }
}

pub(super) struct State {
    pub api_key: String,
    pub tasks: Vec<AgentTask>,
    pub sessions: HashMap<String, Session>,
    pub skills: Vec<SkillRecord>,
    pub default_task: AgentScript,
    pub task_scripts: HashMap<String, AgentScript>,
    pub default_skill: SkillScript,
    pub skill_scripts: HashMap<String, SkillScript>,
    pub ledger: Ledger,
}

impl Gated for State {
    const KEY_HEADER: &'static str = "x-browser-use-api-key";
    const ROUTE_PREFIX: &'static str = "/api/v2";

    fn api_key(&self) -> &str {
        &self.api_key
    }

    fn ledger(&mut self) -> &mut Ledger {
        &mut self.ledger
    }

    fn unauthorized() -> Response {
        detail(StatusCode::UNAUTHORIZED, "Invalid API key")
    }

    fn spec() -> Result<&'static crate::spec::Spec, &'static str> {
        crate::spec::browser_use()
    }
}

/// FastAPI's domain error shape.
pub(super) fn detail(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "detail": message }))).into_response()
}

/// What a task status read finds (and whether it moves the task along).
enum Phase {
    Created,
    Started,
    Ended,
}

impl State {
    pub fn new(api_key: &str) -> Self {
        Self {
            api_key: api_key.to_string(),
            tasks: Vec::new(),
            sessions: HashMap::new(),
            skills: Vec::new(),
            default_task: AgentScript::default(),
            task_scripts: HashMap::new(),
            default_skill: SkillScript::default(),
            skill_scripts: HashMap::new(),
            ledger: Ledger::default(),
        }
    }

    pub fn new_session(&mut self) -> String {
        let id = new_id();
        self.sessions.insert(
            id.clone(),
            Session {
                stopped: false,
                keep_alive: true,
                started_at: now(),
            },
        );
        id
    }

    /// Whether a session has a task still going.
    pub fn session_busy(&self, session_id: &str) -> bool {
        self.tasks
            .iter()
            .any(|t| t.session_id == session_id && !matches!(Self::phase(t), Phase::Ended))
    }

    fn phase(task: &AgentTask) -> Phase {
        if task.stopped_at.is_some() {
            return Phase::Ended;
        }
        if task.checks == 0 {
            return Phase::Created;
        }
        if task.checks <= task.script.started_checks
            || task.started.elapsed() < task.script.min_duration
        {
            return Phase::Started;
        }
        Phase::Ended
    }

    pub fn peek_status(&self, task_id: &str) -> Option<String> {
        let task = self.tasks.iter().find(|t| t.id == task_id)?;
        Some(status_of(task).to_string())
    }

    /// Count one read of a task (which moves it along its script) and settle its end.
    pub fn read_task(&mut self, task_id: &str) -> Option<&mut AgentTask> {
        let task = self.tasks.iter_mut().find(|t| t.id == task_id)?;
        if !matches!(Self::phase(task), Phase::Ended) {
            task.checks = task.checks.saturating_add(1);
        }
        if matches!(Self::phase(task), Phase::Ended) && task.finished_at.is_none() {
            task.finished_at = Some(now());
            task.files = task
                .script
                .output_files
                .iter()
                .map(|name| (new_id(), name.clone()))
                .collect();
            if let Some(session) = self.sessions.get_mut(&task.session_id)
                && !session.keep_alive
            {
                session.stopped = true;
            }
        }
        self.tasks.iter_mut().find(|t| t.id == task_id)
    }
}

fn status_of(task: &AgentTask) -> &'static str {
    if task.stopped_at.is_some() {
        return "stopped";
    }
    match State::phase(task) {
        Phase::Created => "created",
        Phase::Started => "started",
        Phase::Ended => match task.script.outcome {
            AgentOutcome::Finished { .. } => "finished",
            AgentOutcome::Failed(_) => "failed",
        },
    }
}

impl AgentTask {
    fn steps(&self) -> Vec<Value> {
        let taken = self.checks.min(self.script.started_checks.max(1));
        (1..=taken)
            .map(|n| {
                json!({
                    "number": n,
                    "memory": format!("Working on: {}", self.prompt),
                    "evaluationPreviousGoal": if n == 1 { "Start" } else { "Success" },
                    "nextGoal": format!("Step {n}: look closer at the page"),
                    "url": format!("{}/page/{n}", self.start_url.clone().unwrap_or_else(|| "https://example.com".into()).trim_end_matches('/')),
                    "actions": [json!({"click_element": {"index": n}}).to_string()],
                    "screenshotUrl": format!("https://screenshots.fake-browser-use.test/{}/{n}.png", self.id),
                    "duration": 1.5,
                })
            })
            .collect()
    }

    fn output(&self) -> (Value, Value) {
        if self.stopped_at.is_some() {
            return (Value::Null, json!(false));
        }
        match (&self.script.outcome, status_of(self)) {
            (AgentOutcome::Finished { output, success }, "finished") => {
                let text = output.clone().unwrap_or_else(|| match &self.structured {
                    Some(schema) => sample(schema).to_string(),
                    None => format!("Done: {}", self.prompt),
                });
                (Value::from(text), json!(success))
            }
            (AgentOutcome::Failed(reason), "failed") => (
                Value::from(format!("The agent could not finish: {reason}")),
                json!(false),
            ),
            _ => (Value::Null, Value::Null),
        }
    }

    pub fn status_json(&self) -> Value {
        let (output, success) = self.output();
        let ended = matches!(status_of(self), "finished" | "failed" | "stopped");
        json!({
            "id": self.id,
            "status": status_of(self),
            "output": output,
            "finishedAt": if ended { json!(self.finished_at.clone().or(self.stopped_at.clone())) } else { Value::Null },
            "isSuccess": success,
            "cost": if ended { json!(format!("{:.4}", 0.01 * f64::from(self.checks.max(1)))) } else { Value::Null },
        })
    }

    pub fn item_json(&self) -> Value {
        let mut view = self.status_json();
        if let Value::Object(map) = &mut view {
            map.insert("sessionId".into(), json!(self.session_id));
            map.insert("llm".into(), json!(self.llm));
            map.insert("task".into(), json!(self.prompt));
            map.insert("createdAt".into(), json!(self.created_at));
            map.insert(
                "startedAt".into(),
                if self.checks > 0 {
                    json!(self.created_at)
                } else {
                    Value::Null
                },
            );
            map.insert("metadata".into(), self.metadata.clone());
            map.insert("browserUseVersion".into(), json!("0.13.14"));
            map.insert("judgement".into(), Value::Null);
            map.insert("judgeVerdict".into(), Value::Null);
            map.insert("suggestions".into(), json!([]));
        }
        view
    }

    pub fn view_json(&self) -> Value {
        let mut view = self.item_json();
        if let Value::Object(map) = &mut view {
            map.insert("steps".into(), Value::from(self.steps()));
            let files: Vec<Value> = self
                .files
                .iter()
                .map(|(id, name)| json!({"id": id, "fileName": name}))
                .collect();
            map.insert("outputFiles".into(), Value::from(files));
        }
        view
    }
}

/// A value that fits `schema` (enough for a fake's structured output).
pub(super) fn sample(schema: &Value) -> Value {
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let mut object = Map::new();
            if let Some(Value::Object(properties)) = schema.get("properties") {
                for (name, property) in properties {
                    object.insert(name.clone(), sample(property));
                }
            }
            Value::Object(object)
        }
        Some("array") => json!([sample(
            schema.get("items").unwrap_or(&json!({"type": "string"}))
        )]),
        Some("integer") => json!(7),
        Some("number") => json!(4.5),
        Some("boolean") => json!(true),
        _ => match schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            Some(first) => first.clone(),
            None => json!("sample"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_single_dashes() {
        assert_eq!(slug("Search demo"), "search-demo");
        assert_eq!(
            slug("Skill for HN: top 10 posts!"),
            "skill-for-hn-top-10-posts"
        );
        assert_eq!(slug("  --Café  au_lait--  "), "caf-au-lait");
        assert_eq!(slug("already-a-slug"), "already-a-slug");
        assert_eq!(slug("!!!"), "");
        assert_eq!(slug(""), "");
    }
}
