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
//! Where Anchor's reference pages (the project's seeds) and its OpenAPI file disagree, this
//! client follows the file, as the vendor's SDK does (the suite checks every request against it):
//! - generate sends `GenerateTaskV2Request`: `taskName`, `taskPrompt`, and `description` only
//!   when given (a page spells it `name`, `user_task` and a required `description`);
//! - v2 errors are `ErrorResponse`, nested like v1's (a page shows a flat `{"error": "…",
//!   "code"}`, whose schema the file references but never defines); the error reader takes both;
//! - every new version carries its `code` (`PublishVersionRequest`: "required for new
//!   versions"), so deploying "the draft" reads the draft first and sends its code;
//! - most task operations declare no 400, only 404 and 500 (see the fake's routes).
//!
//! One method per endpoint, typed in and out; no MCP types. Every call that starts or changes
//! something is sent exactly once (see [`crate::cloud::CallKind`]).

pub(crate) mod adapter;
pub(crate) mod catalog;
pub(crate) mod evidence;
pub(crate) mod hints;
pub(crate) mod infer;
pub mod models;
pub(crate) mod params;
pub mod rules;
pub(crate) mod runs;
pub(crate) mod sessions;

use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::cloud::{ApiError, HttpCore, HttpSettings, Provider, Request};
use models::*;

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
            http: HttpCore::new(Provider::Anchor, AUTH_HEADER, settings)?.with_hints(hints::hint),
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

    /// The code task named `name`, from the task list (pages of 100, a bounded walk: 50 pages
    /// is far beyond any real account, and keeps an API that ignores `page` from looping).
    pub async fn task_named(&self, name: &str) -> Result<Option<Task>, ApiError> {
        const PAGE: u32 = 100;
        for page in 1..=50 {
            let list = self.list_tasks(page, PAGE).await?;
            let seen = u64::from(page) * u64::from(PAGE);
            let last = list.tasks.len() < PAGE as usize || list.total.is_some_and(|t| seen >= t);
            if let Some(task) = list.tasks.into_iter().find(|t| t.name == name) {
                return Ok(Some(task));
            }
            if last {
                break;
            }
        }
        Ok(None)
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
    /// The body is the spec's `GenerateTaskV2Request`: `taskName`, `taskPrompt` and, only when
    /// given, `description`. (An older reference page spells it `name` / `user_task` with a
    /// required `description`; the spec, which the SDK is generated from, wins.)
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

    /// `POST /v2/tasks/{id}/run`: start a run (answered at once, unless `sync` asks to wait
    /// for its end).
    pub async fn run_generated_task(
        &self,
        task_id: &str,
        body: &RunTaskV2,
    ) -> Result<RunState, ApiError> {
        let path = format!("/v2/tasks/{}/run", seg(task_id));
        let mut request = Request::post(path, to_json(body));
        if body.sync == Some(true) {
            request = request.timeout(SYNC_RUN_TIMEOUT);
        }
        self.http.send_json(request).await
    }

    /// `GET /v2/tasks/runs/{runId}/status`.
    pub async fn run_status(&self, run_id: &str) -> Result<RunState, ApiError> {
        let path = format!("/v2/tasks/runs/{}/status", seg(run_id));
        self.http.send_json(Request::get(path)).await
    }
}

/// The generate body: `GenerateTaskV2Request`'s fields, the optional ones only when given.
fn generate_body(task: &GenerateTask) -> Value {
    let mut body = Map::new();
    body.insert("taskName".into(), json!(task.name));
    body.insert("taskPrompt".into(), json!(task.prompt));
    body.insert("input_schema".into(), to_json(&task.input_schema));
    body.insert("output_schema".into(), to_json(&task.output_schema));
    let optional = [
        (
            "description",
            task.description
                .clone()
                .filter(|d| !d.trim().is_empty())
                .map(Value::from),
        ),
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
    fn generate_body_has_the_spec_fields_and_only_those_given() {
        let task = GenerateTask {
            name: "hn-top".into(),
            prompt: "Open news.ycombinator.com. Return the top posts.".into(),
            output_file_only: Some(false),
            ..GenerateTask::default()
        };
        let body = generate_body(&task);
        assert_eq!(
            body,
            json!({"taskName": "hn-top", "taskPrompt": task.prompt, "input_schema": [],
                "output_schema": [], "output_file_only": false})
        );
        let described = generate_body(&GenerateTask {
            description: Some("Top posts".into()),
            ..task.clone()
        });
        assert_eq!(described["description"], "Top posts");
        let blank = generate_body(&GenerateTask {
            description: Some("  ".into()),
            ..task
        });
        assert!(blank.get("description").is_none());
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(seg("abc-123_x"), "abc-123_x");
        assert_eq!(seg("a/b?c"), "a%2Fb%3Fc");
        assert_eq!(seg("File Name"), "File%20Name");
    }
}
