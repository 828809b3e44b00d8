//! Client of Browser Use Cloud's API v2: natural-language agent tasks (start, status, stop,
//! logs, output files), skills (generated, deterministic endpoints with typed parameters) and
//! sessions.
//!
//! The API facts this client relies on (vendor docs: <https://docs.browser-use.com>; the
//! OpenAPI file is `docs/cloud/openapi/v2.json` in the vendor's `browser-use/sdk` repository):
//! - base URL `https://api.browser-use.com/api/v2`, key in the `X-Browser-Use-API-Key` header;
//! - answers are not wrapped; lists page with `pageSize`/`pageNumber` and report `totalItems`;
//! - errors are FastAPI's `{"detail": …}` (a text, a validation list, or an object with a
//!   `code`), 422 for validation (a single `ValidationError` object for `POST /tasks` and the
//!   PATCHes of tasks and sessions, as the spec documents), 402 for spend limits, 429 with
//!   `Retry-After`;
//! - `llm` and `judgeLlm` take only the spec's `SupportedLLMs`, `proxyCountryCode` only its
//!   `ProxyCountryCode`s, `systemPromptExtension` at most 2,000 characters (`rules`); the v2
//!   spec has no `thinkingLevel` (only `thinking`, on or off);
//! - a task runs `created → started → finished | failed | stopped` and is stopped with
//!   `PATCH /tasks/{id}` `{"action": "stop"}`; a skill is generated (`recording →
//!   generating → finished | failed | cancelled | timed_out`), then enabled, then executed
//!   synchronously.
//!
//! One method per endpoint, typed in and out; no MCP types. Starting a task, creating or
//! executing a skill are writes, sent exactly once.

pub(crate) mod adapter;
pub(crate) mod catalog;
pub(crate) mod hints;
pub mod models;
pub(crate) mod params;
pub(crate) mod rules;
pub(crate) mod runs;

use serde_json::{Value, json};

use crate::cloud::{ApiError, HttpCore, HttpSettings, Provider, Request, SetupError};
use models::*;

/// How long a skill execution may block: the API holds the request until the skill is done.
/// Skills take seconds; this is the 20 minutes synchronous runs get elsewhere, as a bound.
const SKILL_RUN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20 * 60);

/// The header Browser Use reads the API key from.
pub const AUTH_HEADER: &str = "X-Browser-Use-API-Key";

/// Async client of the Browser Use Cloud API. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BrowserUseClient {
    http: HttpCore,
}

impl BrowserUseClient {
    /// A client for the API at `settings.base_url`.
    pub fn new(settings: HttpSettings) -> Result<Self, SetupError> {
        Ok(Self {
            http: HttpCore::new(Provider::BrowserUse, AUTH_HEADER, settings)?
                .with_hints(hints::hint),
        })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.http.base_url()
    }

    // ---- tasks -------------------------------------------------------------------------------

    /// `POST /tasks`: start an agent task (202).
    pub async fn create_task(&self, body: &CreateTask) -> Result<TaskCreated, ApiError> {
        self.http
            .send_json(Request::post("/tasks", to_json(body)))
            .await
    }

    /// `GET /tasks`: one page of tasks, newest first.
    pub async fn list_tasks(&self, filter: &TaskFilter) -> Result<Page<TaskView>, ApiError> {
        let request = Request::get("/tasks")
            .query_opt("pageSize", filter.page_size.map(|n| n.to_string()))
            .query_opt("pageNumber", filter.page_number.map(|n| n.to_string()))
            .query_opt("sessionId", filter.session_id.clone())
            .query_opt(
                "filterBy",
                filter.status.as_ref().map(|s| s.as_str().to_string()),
            )
            .query_opt("after", filter.after.clone())
            .query_opt("before", filter.before.clone());
        self.http.send_json(request).await
    }

    /// `GET /tasks/{id}`: the task with its steps and output files.
    pub async fn get_task(&self, task_id: &str) -> Result<TaskView, ApiError> {
        self.http
            .send_json(Request::get(format!("/tasks/{}", seg(task_id))))
            .await
    }

    /// `GET /tasks/{id}/status`: the light view to poll.
    pub async fn task_status(&self, task_id: &str) -> Result<TaskStatusView, ApiError> {
        self.http
            .send_json(Request::get(format!("/tasks/{}/status", seg(task_id))))
            .await
    }

    /// `PATCH /tasks/{id}` `{"action": "stop"}` (or `stop_task_and_session`).
    pub async fn stop_task(&self, task_id: &str, with_session: bool) -> Result<TaskView, ApiError> {
        let action = if with_session {
            "stop_task_and_session"
        } else {
            "stop"
        };
        let path = format!("/tasks/{}", seg(task_id));
        self.http
            .send_json(Request::patch(path, json!({ "action": action })))
            .await
    }

    /// `GET /tasks/{id}/logs`: a download link to the task's log.
    pub async fn task_logs(&self, task_id: &str) -> Result<Download, ApiError> {
        self.http
            .send_json(Request::get(format!("/tasks/{}/logs", seg(task_id))))
            .await
    }

    /// `GET /files/tasks/{id}/output-files/{file}`: a download link to an output file.
    pub async fn output_file(&self, task_id: &str, file_id: &str) -> Result<Download, ApiError> {
        let path = format!(
            "/files/tasks/{}/output-files/{}",
            seg(task_id),
            seg(file_id)
        );
        self.http.send_json(Request::get(path)).await
    }

    // ---- skills ------------------------------------------------------------------------------

    /// `GET /skills`: one page of skills (`enabled` filters on `isEnabled`).
    pub async fn list_skills(
        &self,
        page_number: u32,
        page_size: u32,
        enabled: Option<bool>,
        query: Option<&str>,
    ) -> Result<Page<Skill>, ApiError> {
        let request = Request::get("/skills")
            .query("pageNumber", page_number.to_string())
            .query("pageSize", page_size.to_string())
            .query_opt("isEnabled", enabled.map(|e| e.to_string()))
            .query_opt("query", query.map(str::to_string));
        self.http.send_json(request).await
    }

    /// `POST /skills`: start generating a skill (202).
    pub async fn create_skill(&self, body: &CreateSkill) -> Result<Created, ApiError> {
        self.http
            .send_json(Request::post("/skills", to_json(body)))
            .await
    }

    /// `GET /skills/{id}`.
    pub async fn get_skill(&self, skill_id: &str) -> Result<Skill, ApiError> {
        self.http
            .send_json(Request::get(format!("/skills/{}", seg(skill_id))))
            .await
    }

    /// `PATCH /skills/{id}`.
    pub async fn update_skill(
        &self,
        skill_id: &str,
        body: &UpdateSkill,
    ) -> Result<Skill, ApiError> {
        let path = format!("/skills/{}", seg(skill_id));
        self.http
            .send_json(Request::patch(path, to_json(body)))
            .await
    }

    /// `DELETE /skills/{id}` (204).
    pub async fn delete_skill(&self, skill_id: &str) -> Result<(), ApiError> {
        self.http
            .send_empty(Request::delete(format!("/skills/{}", seg(skill_id))))
            .await
    }

    /// `POST /skills/{id}/cancel`: stop a generation.
    pub async fn cancel_skill(&self, skill_id: &str) -> Result<Skill, ApiError> {
        self.http
            .send_json(Request::post_empty(format!(
                "/skills/{}/cancel",
                seg(skill_id)
            )))
            .await
    }

    /// `POST /skills/{id}/refine`: start generating the skill's next version from feedback
    /// (202, answers the skill's id).
    pub async fn refine_skill(
        &self,
        skill_id: &str,
        body: &RefineSkill,
    ) -> Result<Created, ApiError> {
        let path = format!("/skills/{}/refine", seg(skill_id));
        self.http
            .send_json(Request::post(path, to_json(body)))
            .await
    }

    /// `POST /skills/{id}/rollback`: make the previous version current (cannot be undone).
    pub async fn rollback_skill(&self, skill_id: &str) -> Result<Skill, ApiError> {
        self.http
            .send_json(Request::post_empty(format!(
                "/skills/{}/rollback",
                seg(skill_id)
            )))
            .await
    }

    /// `POST /skills/{id}/execute`: run a skill, synchronously.
    pub async fn execute_skill(
        &self,
        skill_id: &str,
        parameters: &serde_json::Map<String, Value>,
        session_id: Option<&str>,
    ) -> Result<SkillResult, ApiError> {
        let mut body = json!({ "parameters": parameters });
        if let Some(session) = session_id {
            body["sessionId"] = Value::from(session);
        }
        let path = format!("/skills/{}/execute", seg(skill_id));
        // A skill run blocks until it is done.
        let request = Request::post(path, body).timeout(SKILL_RUN_TIMEOUT);
        self.http.send_json(request).await
    }

    /// `GET /skills/{id}/executions`.
    pub async fn skill_executions(
        &self,
        skill_id: &str,
        page_number: u32,
        page_size: u32,
    ) -> Result<Page<SkillExecution>, ApiError> {
        let request = Request::get(format!("/skills/{}/executions", seg(skill_id)))
            .query("pageNumber", page_number.to_string())
            .query("pageSize", page_size.to_string());
        self.http.send_json(request).await
    }

    /// `GET /skills/{id}/executions/{execution}/output`: a link to the output (5 minutes).
    pub async fn skill_execution_output(
        &self,
        skill_id: &str,
        execution_id: &str,
    ) -> Result<Download, ApiError> {
        let path = format!(
            "/skills/{}/executions/{}/output",
            seg(skill_id),
            seg(execution_id)
        );
        self.http.send_json(Request::get(path)).await
    }

    // ---- sessions ----------------------------------------------------------------------------

    /// `GET /sessions/{id}`.
    pub async fn get_session(&self, session_id: &str) -> Result<Session, ApiError> {
        self.http
            .send_json(Request::get(format!("/sessions/{}", seg(session_id))))
            .await
    }

    /// `PATCH /sessions/{id}` `{"action": "stop"}`: stop a session and its running tasks.
    pub async fn stop_session(&self, session_id: &str) -> Result<Session, ApiError> {
        let path = format!("/sessions/{}", seg(session_id));
        self.http
            .send_json(Request::patch(path, json!({"action": "stop"})))
            .await
    }
}

/// Percent-encode one path segment.
fn seg(text: &str) -> String {
    crate::cloud::path_segment(text)
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
