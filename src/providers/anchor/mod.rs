//! Client of Anchor Browser's Tasks API: the legacy v1 code tasks (create, versions, deploy,
//! run, executions) and the v2 Task Builder (generate, run).
//!
//! The API facts this client relies on (vendor docs: <https://docs.anchorbrowser.io>, tasks at
//! <https://docs.anchorbrowser.io/advanced/tasks>; the OpenAPI file is `spec/openapi.yaml` in
//! the vendor's Python SDK repository, `anchorbrowser/AnchorBrowser-SDK-Python`):
//! - base URL `https://api.anchorbrowser.io`, key in the `anchor-api-key` header;
//! - v1 answers are wrapped in `{"data": …}`, errors are `{"error": {"code", "message"}}`;
//!   v2 answers are not wrapped, and its errors nest the same way;
//! - a code task is TypeScript sent base64-encoded; task names are 1–255 letters, digits, `-`
//!   and `_`; versions are `draft`, `latest` or a published number; run inputs are
//!   `ANCHOR_`-prefixed environment variables with string values;
//! - runs are started with `async: true` and followed by execution id (v1, under their task)
//!   or run id (v2); generated tasks cannot be listed, only read by id.
//!
//! One method per endpoint, typed in and out; no MCP types. Every call that starts or changes
//! something is sent exactly once (see [`crate::cloud::CallKind`]).

pub mod adapter;
pub mod catalog;
pub mod evidence;
pub mod infer;
pub mod models;
pub mod params;
pub mod rules;
pub mod runs;
pub mod sessions;

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::cloud::{ApiError, HttpCore, HttpSettings, Provider, Request};
use models::*;

/// Anchor's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.anchorbrowser.io";

/// The header Anchor reads the API key from.
pub const AUTH_HEADER: &str = "anchor-api-key";

/// How long a synchronous v1 run may block. The API holds the request until the task ends;
/// its own SDK uses 20 minutes.
pub const SYNC_RUN_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// Async client of the Anchor Tasks API. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AnchorClient {
    http: HttpCore,
}

impl AnchorClient {
    /// A client for the API at `settings.base_url`.
    pub fn new(settings: HttpSettings) -> Result<Self, crate::cloud::SetupError> {
        Ok(Self {
            http: HttpCore::new(Provider::Anchor, AUTH_HEADER, settings)?,
        })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.http.base_url()
    }

    async fn v1<T: serde::de::DeserializeOwned>(&self, request: Request) -> Result<T, ApiError> {
        let wrapped: Data<T> = self.http.send_json(request).await?;
        Ok(wrapped.data)
    }

    // ---- v1: tasks -------------------------------------------------------------------------

    /// `POST /v1/task`: create a task, or update the one with the same name.
    pub async fn create_task(&self, body: &CreateTask) -> Result<Task, ApiError> {
        self.v1(Request::post("/v1/task", to_json(body))).await
    }

    /// `GET /v1/task`: one page of tasks (page from 1; the API caps `limit` at 100).
    pub async fn list_tasks(&self, page: u32, limit: u32) -> Result<TaskList, ApiError> {
        // The API types page and limit as numeric strings.
        let request = Request::get("/v1/task")
            .query("page", page.to_string())
            .query("limit", limit.to_string());
        self.v1(request).await
    }

    /// `GET /v1/task/{id}`: a task's metadata (no code).
    pub async fn get_task(&self, task_id: &str) -> Result<TaskMetadata, ApiError> {
        self.v1(Request::get(format!("/v1/task/{}", seg(task_id))))
            .await
    }

    /// `PUT /v1/task/{id}`: rename or re-describe a task.
    pub async fn update_task(
        &self,
        task_id: &str,
        body: &UpdateTask,
    ) -> Result<TaskMetadata, ApiError> {
        let path = format!("/v1/task/{}", seg(task_id));
        self.v1(Request::put(path, to_json(body))).await
    }

    /// `DELETE /v1/task/{id}`: soft-delete a task and all its versions.
    pub async fn delete_task(&self, task_id: &str) -> Result<Deleted, ApiError> {
        self.v1(Request::delete(format!("/v1/task/{}", seg(task_id))))
            .await
    }

    // ---- v1: versions ----------------------------------------------------------------------

    /// `GET /v1/task/{id}/versions`.
    pub async fn list_versions(&self, task_id: &str) -> Result<TaskVersions, ApiError> {
        self.v1(Request::get(format!("/v1/task/{}/versions", seg(task_id))))
            .await
    }

    /// `GET /v1/task/{id}/{version}` for `draft`, `latest` or a number (with code).
    pub async fn get_version(&self, task_id: &str, version: &str) -> Result<TaskVersion, ApiError> {
        let path = format!("/v1/task/{}/{}", seg(task_id), seg(version));
        self.v1(Request::get(path)).await
    }

    /// `POST /v1/task/{id}/draft`: create or replace the draft.
    pub async fn set_draft(
        &self,
        task_id: &str,
        body: &VersionBody,
    ) -> Result<TaskVersion, ApiError> {
        let path = format!("/v1/task/{}/draft", seg(task_id));
        self.v1(Request::post(path, to_json(body))).await
    }

    /// `POST /v1/task/{id}/deploy`: publish as the next version number.
    pub async fn deploy(&self, task_id: &str, body: &VersionBody) -> Result<TaskVersion, ApiError> {
        let path = format!("/v1/task/{}/deploy", seg(task_id));
        self.v1(Request::post(path, to_json(body))).await
    }

    /// `POST /v1/task/{id}/{n}`: publish (or overwrite) version number `n`.
    pub async fn publish_version(
        &self,
        task_id: &str,
        version: u32,
        body: &VersionBody,
    ) -> Result<TaskVersion, ApiError> {
        let path = format!("/v1/task/{}/{version}", seg(task_id));
        self.v1(Request::post(path, to_json(body))).await
    }

    /// `DELETE /v1/task/{id}/{version}`: soft-delete one version.
    pub async fn delete_version(&self, task_id: &str, version: &str) -> Result<Deleted, ApiError> {
        let path = format!("/v1/task/{}/{}", seg(task_id), seg(version));
        self.v1(Request::delete(path)).await
    }

    // ---- v1: runs and executions -----------------------------------------------------------

    /// `POST /v1/task/run`. With `run_async: Some(true)` the answer carries the execution id to
    /// poll; otherwise the API blocks until the task ends (up to [`SYNC_RUN_TIMEOUT`]).
    pub async fn run_task(&self, body: &RunTask) -> Result<RunStarted, ApiError> {
        let request = with_run_timeout(Request::post("/v1/task/run", to_json(body)), body);
        self.v1(request).await
    }

    /// `POST /v1/task/run/{taskName}`: run the latest version of the task with that name.
    pub async fn run_task_by_name(
        &self,
        task_name: &str,
        body: &RunTask,
    ) -> Result<RunStarted, ApiError> {
        let path = format!("/v1/task/run/{}", seg(task_name));
        let request = with_run_timeout(Request::post(path, to_json(body)), body);
        self.v1(request).await
    }

    /// `GET /v1/task/{id}/executions`: one page of a task's executions.
    pub async fn list_executions(
        &self,
        task_id: &str,
        filter: &ExecutionFilter,
    ) -> Result<ExecutionPage, ApiError> {
        let request = Request::get(format!("/v1/task/{}/executions", seg(task_id)))
            .query_opt("page", filter.page.map(|p| p.to_string()))
            .query_opt("limit", filter.limit.map(|l| l.to_string()))
            .query_opt(
                "status",
                filter.status.as_ref().map(|s| s.as_str().to_string()),
            )
            .query_opt("version", filter.version.clone());
        self.v1(request).await
    }

    /// `GET /v1/task/{id}/executions/{executionId}`.
    pub async fn get_execution(
        &self,
        task_id: &str,
        execution_id: &str,
    ) -> Result<Execution, ApiError> {
        let path = format!("/v1/task/{}/executions/{}", seg(task_id), seg(execution_id));
        self.v1(Request::get(path)).await
    }

    // ---- v2: Task Builder ------------------------------------------------------------------

    /// `POST /v2/tasks/generate`: start generating a task from a natural-language prompt.
    ///
    /// Anchor's docs spell this body two ways: the reference page `name` / `description` /
    /// `user_task` (all required), the current spec and SDK `taskName` / `taskPrompt`. Both
    /// spellings go into one body so either API revision accepts it.
    pub async fn generate_task(&self, task: &GenerateTask) -> Result<GenerationStarted, ApiError> {
        self.http
            .send_json(Request::post("/v2/tasks/generate", generate_body(task)))
            .await
    }

    /// `GET /v2/tasks/{id}/generation-status`.
    pub async fn generation_status(&self, task_id: &str) -> Result<GenerationState, ApiError> {
        let path = format!("/v2/tasks/{}/generation-status", seg(task_id));
        self.http.send_json(Request::get(path)).await
    }

    /// `POST /v2/tasks/{id}/run`: start a run (v2 runs are always asynchronous).
    pub async fn run_generated_task(
        &self,
        task_id: &str,
        body: &RunTaskV2,
    ) -> Result<RunState, ApiError> {
        let path = format!("/v2/tasks/{}/run", seg(task_id));
        self.http
            .send_json(Request::post(path, to_json(body)))
            .await
    }

    /// `GET /v2/tasks/runs/{runId}/status`.
    pub async fn run_status(&self, run_id: &str) -> Result<RunState, ApiError> {
        let path = format!("/v2/tasks/runs/{}/status", seg(run_id));
        self.http.send_json(Request::get(path)).await
    }
}

/// The generate body with both API revisions' field names.
fn generate_body(task: &GenerateTask) -> Value {
    // The older revision requires a non-empty description; derive one from the prompt.
    let description = task
        .description
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| summary_of(&task.prompt));
    let mut body = Map::new();
    body.insert("taskName".into(), json!(task.name));
    body.insert("taskPrompt".into(), json!(task.prompt));
    body.insert("name".into(), json!(task.name));
    body.insert("user_task".into(), json!(task.prompt));
    body.insert("description".into(), json!(description));
    body.insert("input_schema".into(), to_json(&task.input_schema));
    body.insert("output_schema".into(), to_json(&task.output_schema));
    let optional = [
        (
            "application_id",
            task.application_id.clone().map(Value::from),
        ),
        ("identity_id", task.identity_id.clone().map(Value::from)),
        ("output_file_only", task.output_file_only.map(Value::from)),
        (
            "human_intervention",
            task.human_intervention.map(Value::from),
        ),
        (
            "browser_session_id",
            task.browser_session_id.clone().map(Value::from),
        ),
        (
            "task_browser_default_configuration",
            task.browser_configuration.clone(),
        ),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            body.insert(key.into(), value);
        }
    }
    Value::Object(body)
}

/// The first sentence of a prompt (up to a full stop followed by a space or a line end, so
/// "news.ycombinator.com" is not cut), at most 200 characters.
fn summary_of(prompt: &str) -> String {
    let prompt = prompt.trim();
    let bytes = prompt.as_bytes();
    let end = (0..bytes.len())
        .find(|&i| {
            bytes[i] == b'\n'
                || (bytes[i] == b'.'
                    && bytes
                        .get(i + 1)
                        .is_none_or(|next| next.is_ascii_whitespace()))
        })
        .map(|i| if bytes[i] == b'.' { i + 1 } else { i })
        .unwrap_or(bytes.len());
    crate::cloud::truncate_text(prompt[..end].trim(), 200)
}

fn with_run_timeout(request: Request, body: &RunTask) -> Request {
    if body.run_async == Some(true) {
        request
    } else {
        request.timeout(SYNC_RUN_TIMEOUT)
    }
}

/// Percent-encode one path segment (ids and names are validated before they get here; this
/// keeps a stray `/` or `?` from changing which endpoint is called).
fn seg(text: &str) -> String {
    crate::cloud::path_segment(text)
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    // Serializing these plain data types cannot fail; fall back to null rather than panic.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_body_carries_both_spellings() {
        let body = generate_body(&GenerateTask {
            name: "hn-top".into(),
            prompt: "Open news.ycombinator.com. Return the top posts.".into(),
            output_file_only: Some(false),
            ..GenerateTask::default()
        });
        assert_eq!(body["taskName"], "hn-top");
        assert_eq!(body["name"], "hn-top");
        assert_eq!(body["taskPrompt"], body["user_task"]);
        assert_eq!(body["description"], "Open news.ycombinator.com.");
        assert_eq!(summary_of("One line\nsecond"), "One line");
        assert_eq!(summary_of("No stop at all"), "No stop at all");
        assert_eq!(body["input_schema"], json!([]));
        assert_eq!(body["output_file_only"], false);
        assert!(body.get("identity_id").is_none());
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(seg("abc-123_x"), "abc-123_x");
        assert_eq!(seg("a/b?c"), "a%2Fb%3Fc");
        assert_eq!(seg("File Name"), "File%20Name");
    }
}
