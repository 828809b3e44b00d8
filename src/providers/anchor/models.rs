//! Request and response types of Anchor's Tasks API (v1 code tasks, v2 Task Builder; see the
//! module docs of [`crate::providers::anchor`] for the API facts they follow).
//!
//! Reading is lenient where the contract is loose (fields the spec marks required are still
//! optional here when a missing one would not stop us from using the rest; numbers that may
//! arrive as strings are accepted as either), and every enum is open.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

crate::open_enum! {
    /// Status of a v1 execution or a v2 run (same values in both APIs).
    pub enum RunStatus {
        Queued = "queued",
        Running = "running",
        Success = "success",
        Failure = "failure",
        Timeout = "timeout",
        Cancelled = "cancelled",
    }
}

impl RunStatus {
    /// Whether the run has ended (anything unknown is treated as still going).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            RunStatus::Success | RunStatus::Failure | RunStatus::Timeout | RunStatus::Cancelled
        )
    }
}

crate::open_enum! {
    /// Status of a v2 Task Builder generation.
    pub enum GenerationStatus {
        Generating = "generating",
        Ready = "ready",
        Failed = "failed",
        WaitingForSession = "waiting-for-session",
    }
}

impl GenerationStatus {
    /// `ready` and `failed` end a generation; everything else (known or not) is still going.
    pub fn is_terminal(&self) -> bool {
        matches!(self, GenerationStatus::Ready | GenerationStatus::Failed)
    }
}

crate::open_enum! {
    /// Type of a Task Builder parameter.
    pub enum ParameterType {
        String = "string",
        Number = "number",
        Boolean = "boolean",
        Secret = "secret",
        File = "file",
    }
}

/// v1 responses are wrapped in `{"data": …}`; v2 responses are not.
#[derive(Debug, Deserialize)]
pub(crate) struct Data<T> {
    pub data: T,
}

/// A v1 code task as returned by create and list (the list items have the same shape).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub latest_version: Option<String>,
    /// Base64 TypeScript source.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub browser_configuration: Option<Value>,
    #[serde(default)]
    pub deleted: Option<bool>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// A v1 task without its code (GET/PUT `/v1/task/{id}`). Note `latest`, not `latestVersion`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskMetadata {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub latest: Option<String>,
    #[serde(default)]
    pub deleted: Option<bool>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// One page of v1 tasks (page-number pagination; no page count in this response).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TaskList {
    #[serde(default)]
    pub tasks: Vec<Task>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub page: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub limit: Option<u64>,
}

/// Versions of a v1 task.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskVersions {
    #[serde(default)]
    pub task_id: Option<String>,
    #[serde(default)]
    pub versions: Vec<VersionSummary>,
}

/// One entry of a version list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VersionSummary {
    pub version: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// One version of a v1 task, with its code (latest, draft, a number, deploy, publish).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskVersion {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub task_id: Option<String>,
    pub version: String,
    /// Base64 TypeScript source.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub browser_configuration: Option<Value>,
    #[serde(default)]
    pub deleted: Option<bool>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// Answer of the soft deletes.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Deleted {
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub message: Option<String>,
}

/// Answer of a v1 run: a synchronous run carries the outcome, an asynchronous one the id to
/// poll.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RunStarted {
    #[serde(default)]
    pub success: bool,
    #[serde(default, rename = "async")]
    pub is_async: bool,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub task_id: Option<String>,
    #[serde(default)]
    pub execution_time: Option<f64>,
    /// The task's return value, serialized by the API as a string.
    #[serde(default)]
    pub output: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub execution_result_id: Option<String>,
}

/// One v1 execution.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    pub id: String,
    #[serde(default)]
    pub task_version_id: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    pub status: RunStatus,
    /// The task's return value, serialized by the API as a string.
    #[serde(default)]
    pub output: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub start_time: Option<String>,
    /// Milliseconds.
    #[serde(default)]
    pub execution_time: Option<f64>,
}

/// One page of v1 executions (this endpoint's pagination differs from the task list's).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ExecutionPage {
    #[serde(default)]
    pub results: Vec<Execution>,
    #[serde(default)]
    pub pagination: Pagination,
}

/// Pagination block of the execution list.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub page: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total_pages: Option<u64>,
}

/// Body of `POST /v1/task` (create, or update the task of the same name).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreateTask {
    pub name: String,
    /// Always `typescript`, the only language the API accepts.
    pub language: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_configuration: Option<Value>,
}

/// Body of `PUT /v1/task/{id}`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct UpdateTask {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Body of the draft, deploy and publish endpoints. `code` is base64; deploy and publish may
/// omit it to publish the current draft.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VersionBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser_configuration: Option<Value>,
}

/// Body of `POST /v1/task/run` and `POST /v1/task/run/{taskName}`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RunTask {
    /// Only for a run by id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// `draft`, `latest` or a number; only for a run by id (by name always runs latest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(rename = "async", skip_serializing_if = "Option::is_none")]
    pub run_async: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_browser_configuration: Option<Value>,
    /// Keys start with `ANCHOR_`; values are strings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup_sessions: Option<bool>,
}

/// Filters of the execution list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecutionFilter {
    pub page: Option<u32>,
    pub limit: Option<u32>,
    pub status: Option<RunStatus>,
    pub version: Option<String>,
}

/// An input or output parameter of a generated (Task Builder) task.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskParameter {
    // Field doc comments are also the descriptions tool arguments declaring parameters show
    // (create_task, generate_task, deploy_task): they say only what a name does not.
    // `name` may contain spaces ("File Name"); `default_value` is used when the parameter is not
    // given; `options` are the allowed values, if constrained.
    pub name: String,
    /// string|number|boolean|secret|file
    #[serde(rename = "type")]
    pub kind: ParameterType,
    /// Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
}

impl TaskParameter {
    /// Whether the parameter must be given (the API's default is true).
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(true)
    }
}

/// What to generate with the Task Builder (`POST /v2/tasks/generate`). Serialized (in these
/// field names, not the API's) it is what the catalog remembers to generate a task again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenerateTask {
    pub name: String,
    /// The natural-language specification the task is generated from.
    pub prompt: String,
    pub description: Option<String>,
    pub application_id: Option<String>,
    pub identity_id: Option<String>,
    pub input_schema: Vec<TaskParameter>,
    pub output_schema: Vec<TaskParameter>,
    pub output_file_only: Option<bool>,
    pub human_intervention: Option<bool>,
    pub browser_session_id: Option<String>,
    pub browser_configuration: Option<Value>,
}

/// Answer of generate.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GenerationStarted {
    /// The task id: use it with generation-status and run.
    pub id: String,
    pub status: GenerationStatus,
    #[serde(default)]
    pub task_id: Option<String>,
    #[serde(default)]
    pub task_version_id: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
}

/// Answer of generation-status.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct GenerationState {
    #[serde(default)]
    pub id: Option<String>,
    pub status: GenerationStatus,
    #[serde(default)]
    pub project_state: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

/// Body of a v2 run (`RunTaskV2Request`).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RunTaskV2 {
    /// Keyed by parameter name; values are strings (the spec types them so).
    pub input_params: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup_sessions: Option<bool>,
    /// `false` validates an identity's saved profile (re-authenticating if signed out); the
    /// API's default, `true`, reuses it as it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_skip_validation: Option<bool>,
    /// `true` answers only once the run has ended (up to [`super::SYNC_RUN_TIMEOUT`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<bool>,
}

/// State of a v2 run (the answer of run and of run status).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunState {
    pub run_id: String,
    pub status: RunStatus,
    #[serde(default)]
    pub result: Option<Value>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub session_id: Option<String>,
}

/// Accept a count as a JSON number or a numeric string.
fn lenient_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Number(n)) => n.as_u64().or_else(|| n.as_f64().map(|f| f as u64)),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_execution_list() {
        let body = r#"{"data":{"results":[{"id":"e1","taskVersionId":"v","version":"2","status":"success",
            "output":"{\"a\":1}","errorMessage":null,"startTime":"2026-02-01T10:00:00Z","executionTime":5123}],
            "pagination":{"page":1,"limit":10,"total":57,"totalPages":6}}}"#;
        let page: Data<ExecutionPage> = serde_json::from_str(body).unwrap();
        assert_eq!(page.data.results[0].status, RunStatus::Success);
        assert_eq!(page.data.pagination.total_pages, Some(6));
    }

    #[test]
    fn tolerates_unknown_statuses_and_string_counts() {
        let state: RunState =
            serde_json::from_str(r#"{"run_id":"r","status":"paused-for-review"}"#).unwrap();
        assert_eq!(state.status, RunStatus::Other("paused-for-review".into()));
        assert!(!state.status.is_terminal());
        let list: TaskList =
            serde_json::from_str(r#"{"tasks":[],"total":"3","page":"1","limit":10}"#).unwrap();
        assert_eq!(
            (list.total, list.page, list.limit),
            (Some(3), Some(1), Some(10))
        );
    }

    #[test]
    fn run_bodies_use_the_api_field_names() {
        let body = RunTask {
            task_id: Some("t".into()),
            version: Some("latest".into()),
            run_async: Some(true),
            inputs: Some(BTreeMap::from([("ANCHOR_URL".into(), "x".into())])),
            ..RunTask::default()
        };
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            serde_json::json!({"taskId":"t","version":"latest","async":true,"inputs":{"ANCHOR_URL":"x"}})
        );
    }
}
