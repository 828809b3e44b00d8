//! The fake's HTTP surface: the documented routes, the gate every request passes (count, log,
//! auth, spec check, scripted faults) and the documented validation of each request.
//!
//! Errors are the spec's `ErrorResponse`, `{"error": {"code", "message"}}`, in v1 and v2 alike,
//! with a status the operation declares. Most of the task operations declare no 400: a request
//! they cannot take gets 404 where an id, name or version names nothing, and otherwise the
//! operation's declared failure, 500, with the reason (the closest status the spec lists). Only
//! create (`POST /v1/task`), publish (`POST /v1/task/{id}/{n}`) and generate declare 400.

use std::sync::MutexGuard;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::extract::{Path, Query, State as Extract};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::answers::{Shared, error, is_uuid, json_object, only_fields, v1_ok};
use super::state::{CodeTask, Execution, GeneratedTask, Run, State, new_id, now, with_description};
use crate::ledger::gate;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    crate::ledger::lock(state)
}

pub(super) fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1/task", post(create_task).get(list_tasks))
        .route("/v1/task/run", post(run_task))
        .route("/v1/task/run/{taskName}", post(run_task_by_name))
        .route(
            "/v1/task/{taskId}",
            get(get_task).put(update_task).delete(delete_task),
        )
        .route("/v1/task/{taskId}/versions", get(list_versions))
        .route("/v1/task/{taskId}/latest", get(get_latest))
        .route("/v1/task/{taskId}/draft", get(get_draft).post(set_draft))
        .route("/v1/task/{taskId}/deploy", post(deploy))
        .route("/v1/task/{taskId}/executions", get(list_executions))
        .route(
            "/v1/task/{taskId}/executions/{executionId}",
            get(get_execution),
        )
        .route(
            "/v1/task/{taskId}/{taskVersion}",
            get(get_version)
                .post(publish_version)
                .delete(delete_version),
        )
        .route("/v2/tasks/generate", post(generate))
        .route(
            "/v2/tasks/{taskId}/generation-status",
            get(generation_status),
        )
        .route("/v2/tasks/{taskId}/run", post(run_generated))
        .route("/v2/tasks/runs/{runId}/status", get(run_status))
        .merge(super::sessions::routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), gate::<State>))
        .fallback(
            |Extract(state): Extract<Shared>, request: Request| async move {
                crate::ledger::record_unrouted(&state, &request);
                error(StatusCode::NOT_FOUND, "Route not found")
            },
        )
        .with_state(state)
}

// ---- response shapes ---------------------------------------------------------------------

fn v2_ok(data: Value) -> Response {
    (StatusCode::OK, axum::Json(data)).into_response()
}

/// Where an operation declares 400 ("Invalid request or validation failed").
const BAD_REQUEST: StatusCode = StatusCode::BAD_REQUEST;
/// Where it does not: its declared failure ("Failed to …"), the closest status it lists.
const FAILED: StatusCode = StatusCode::INTERNAL_SERVER_ERROR;
/// An id, name or version that names nothing.
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;

// ---- validation (the fake's own, independent of the client's) ---------------------------

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The spec's pattern `^[A-Za-z0-9+/]*={0,2}$` (and no more: the real API checks the pattern).
fn base64_pattern(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    text.len() - body.len() <= 2
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
}

fn positive_int_string(text: &str) -> bool {
    !text.is_empty() && !text.starts_with('0') && text.chars().all(|c| c.is_ascii_digit())
}

fn version_ref(text: &str) -> bool {
    matches!(text, "draft" | "latest")
        || (!text.is_empty() && text.chars().all(|c| c.is_ascii_digit()))
}

fn optional_string(body: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("'{key}' must be a string")),
    }
}

fn description(body: &Map<String, Value>) -> Result<Option<String>, String> {
    let text = optional_string(body, "description")?;
    if text.as_ref().is_some_and(|t| t.chars().count() > 1000) {
        return Err("'description' must be at most 1000 characters".into());
    }
    Ok(text)
}

fn code(body: &Map<String, Value>, required: bool) -> Result<Option<String>, String> {
    let code = optional_string(body, "code")?;
    match &code {
        None if required => Err("'code' is required".into()),
        Some(c) if c.is_empty() && required => Err("'code' must not be empty".into()),
        Some(c) if !base64_pattern(c) => Err("'code' must be base64 encoded".into()),
        _ => Ok(code),
    }
}

fn language(body: &Map<String, Value>, required: bool) -> Result<(), String> {
    match body.get("language") {
        Some(Value::String(l)) if l == "typescript" => Ok(()),
        None if !required => Ok(()),
        None => Err("'language' is required".into()),
        Some(_) => Err("'language' must be 'typescript'".into()),
    }
}

fn object_field(body: &Map<String, Value>, key: &str) -> Result<Option<Value>, String> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(_) => Err(format!("'{key}' must be an object")),
    }
}

fn bool_field(body: &Map<String, Value>, key: &str) -> Result<Option<bool>, String> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("'{key}' must be a boolean")),
    }
}

/// The value, or an answer with `status` and the reason.
macro_rules! attempt {
    ($status:expr, $result:expr) => {
        match $result {
            Ok(value) => value,
            Err(message) => return error($status, message),
        }
    };
}

/// The task (a `taskId` that is no UUID names none).
macro_rules! task_or_404 {
    ($state:expr, $id:expr) => {{
        match $state.task_mut(&$id).filter(|_| is_uuid(&$id)) {
            Some(task) => task,
            None => return error(NOT_FOUND, "Task not found"),
        }
    }};
}

// ---- v1 tasks ----------------------------------------------------------------------------

async fn create_task(Extract(state): Extract<Shared>, body: Bytes) -> Response {
    let body = attempt!(BAD_REQUEST, json_object(&body, false));
    attempt!(
        BAD_REQUEST,
        only_fields(
            &body,
            &[
                "name",
                "language",
                "code",
                "description",
                "browserConfiguration"
            ]
        )
    );
    let name = match body.get("name") {
        Some(Value::String(n)) if valid_name(n) => n.clone(),
        Some(Value::String(_)) => {
            return error(
                BAD_REQUEST,
                "'name' must match ^[a-zA-Z0-9_-]+$ and be 1-255 characters",
            );
        }
        _ => return error(BAD_REQUEST, "'name' is required"),
    };
    attempt!(BAD_REQUEST, language(&body, true));
    let code = attempt!(BAD_REQUEST, code(&body, false));
    let description = attempt!(BAD_REQUEST, description(&body));
    let config = attempt!(BAD_REQUEST, object_field(&body, "browserConfiguration"));
    let mut state = lock(&state);
    let at = now();
    if let Some(task) = state
        .tasks
        .iter_mut()
        .find(|t| t.name == name && !t.deleted)
    {
        // Upsert by name.
        if let Some(code) = code {
            task.draft = Some(State::new_version(
                code,
                description.clone(),
                config.clone(),
            ));
        }
        if description.is_some() {
            task.description = description;
        }
        if config.is_some() {
            task.browser_configuration = config;
        }
        task.updated_at = at;
        return v1_ok(task.task_json(true));
    }
    let task = CodeTask {
        id: new_id(),
        name,
        draft: code.map(|c| State::new_version(c, description.clone(), config.clone())),
        description,
        browser_configuration: config,
        deleted: false,
        created_at: at.clone(),
        updated_at: at,
        versions: Default::default(),
    };
    let json = task.task_json(true);
    state.tasks.push(task);
    v1_ok(json)
}

async fn list_tasks(
    Extract(state): Extract<Shared>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let (page, limit) = attempt!(FAILED, page_and_limit(&query, 100));
    let state = lock(&state);
    let live: Vec<&CodeTask> = state.tasks.iter().filter(|t| !t.deleted).collect();
    let tasks: Vec<Value> = live
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .map(|t| t.task_json(true))
        .collect();
    v1_ok(json!({"tasks": tasks, "total": live.len(), "page": page, "limit": limit}))
}

/// `page` and `limit` are numeric strings (`^[1-9]\d*$`), defaults 1 and 10.
fn page_and_limit(query: &[(String, String)], max_limit: usize) -> Result<(usize, usize), String> {
    let mut page = 1;
    let mut limit = 10;
    for (key, value) in query {
        match key.as_str() {
            "page" | "limit" if !positive_int_string(value) => {
                return Err(format!("'{key}' must match ^[1-9]\\d*$"));
            }
            "page" => {
                page = value
                    .parse()
                    .map_err(|_| "'page' is too large".to_string())?
            }
            "limit" => {
                let n: usize = value
                    .parse()
                    .map_err(|_| "'limit' is too large".to_string())?;
                limit = n.min(max_limit);
            }
            _ => {}
        }
    }
    Ok((page, limit))
}

async fn get_task(Extract(state): Extract<Shared>, Path(task_id): Path<String>) -> Response {
    let mut state = lock(&state);
    let task = task_or_404!(state, task_id);
    v1_ok(task.metadata_json())
}

async fn update_task(
    Extract(state): Extract<Shared>,
    Path(task_id): Path<String>,
    body: Bytes,
) -> Response {
    let body = attempt!(FAILED, json_object(&body, false));
    attempt!(FAILED, only_fields(&body, &["name", "description"]));
    let name = attempt!(FAILED, optional_string(&body, "name"));
    if name.as_deref().is_some_and(|n| !valid_name(n)) {
        return error(
            FAILED,
            "'name' must match ^[a-zA-Z0-9_-]+$ and be 1-255 characters",
        );
    }
    let description = attempt!(FAILED, description(&body));
    let mut state = lock(&state);
    if let Some(name) = &name
        && state
            .tasks
            .iter()
            .any(|t| &t.name == name && t.id != task_id && !t.deleted)
    {
        return error(StatusCode::CONFLICT, "A task with this name already exists");
    }
    let task = task_or_404!(state, task_id);
    if let Some(name) = name {
        task.name = name;
    }
    if description.is_some() {
        task.description = description;
    }
    task.updated_at = now();
    v1_ok(task.metadata_json())
}

async fn delete_task(Extract(state): Extract<Shared>, Path(task_id): Path<String>) -> Response {
    let mut state = lock(&state);
    let task = task_or_404!(state, task_id);
    task.deleted = true;
    v1_ok(json!({"success": true, "message": "Task deleted successfully"}))
}

// ---- v1 versions -------------------------------------------------------------------------

async fn list_versions(Extract(state): Extract<Shared>, Path(task_id): Path<String>) -> Response {
    let mut state = lock(&state);
    let task = task_or_404!(state, task_id);
    let mut versions: Vec<Value> = Vec::new();
    let drafts = task.draft.iter().map(|v| ("draft".to_string(), v));
    let published = task
        .versions
        .iter()
        .rev()
        .filter(|(_, v)| !v.deleted)
        .map(|(n, v)| (n.to_string(), v));
    for (label, v) in drafts.chain(published) {
        let mut entry =
            json!({"version": label, "createdAt": v.created_at, "updatedAt": v.updated_at});
        with_description(&mut entry, &v.description);
        versions.push(entry);
    }
    v1_ok(json!({"taskId": task.id, "versions": versions}))
}

fn read_version(state: &Shared, task_id: String, which: &str) -> Response {
    let mut state = lock(state);
    let task = task_or_404!(state, task_id);
    match task.version(which).filter(|_| version_ref(which)) {
        Some((label, version)) => v1_ok(task.version_json(&label, version)),
        None => error(StatusCode::NOT_FOUND, "Task version not found"),
    }
}

async fn get_latest(Extract(state): Extract<Shared>, Path(task_id): Path<String>) -> Response {
    read_version(&state, task_id, "latest")
}

async fn get_draft(Extract(state): Extract<Shared>, Path(task_id): Path<String>) -> Response {
    read_version(&state, task_id, "draft")
}

async fn get_version(
    Extract(state): Extract<Shared>,
    Path((task_id, version)): Path<(String, String)>,
) -> Response {
    read_version(&state, task_id, &version)
}

const VERSION_FIELDS: [&str; 4] = ["code", "language", "description", "browserConfiguration"];

async fn set_draft(
    Extract(state): Extract<Shared>,
    Path(task_id): Path<String>,
    body: Bytes,
) -> Response {
    let body = attempt!(FAILED, json_object(&body, false));
    attempt!(FAILED, only_fields(&body, &VERSION_FIELDS));
    let code = attempt!(FAILED, code(&body, true)).unwrap_or_default();
    attempt!(FAILED, language(&body, false));
    let description = attempt!(FAILED, description(&body));
    let config = attempt!(FAILED, object_field(&body, "browserConfiguration"));
    let mut state = lock(&state);
    let task = task_or_404!(state, task_id);
    let version = State::new_version(code, description, config);
    let json = task.version_json("draft", &version);
    task.draft = Some(version);
    task.updated_at = now();
    v1_ok(json)
}

/// Publish: `number` None = the next number (deploy); `invalid` is the status the operation
/// declares for a request it cannot take. `code` is "required for new versions" (the spec's
/// `PublishVersionRequest`); without it, an existing number only has its description and
/// browser configuration updated.
fn publish(
    state: &Shared,
    task_id: String,
    number: Option<u32>,
    body: Bytes,
    invalid: StatusCode,
) -> Response {
    let body = attempt!(invalid, json_object(&body, false));
    attempt!(invalid, only_fields(&body, &VERSION_FIELDS));
    let code = attempt!(invalid, code(&body, false));
    attempt!(invalid, language(&body, false));
    let description = attempt!(invalid, description(&body));
    let config = attempt!(invalid, object_field(&body, "browserConfiguration"));
    let mut state = lock(state);
    let task = task_or_404!(state, task_id);
    let number = number.unwrap_or_else(|| task.versions.keys().max().copied().unwrap_or(0) + 1);
    let Some(code) = code else {
        let Some(existing) = task.versions.get_mut(&number).filter(|v| !v.deleted) else {
            return error(invalid, "'code' is required for new versions");
        };
        if description.is_some() {
            existing.description = description;
        }
        if config.is_some() {
            existing.browser_configuration = config;
        }
        existing.updated_at = now();
        let existing = existing.clone();
        return v1_ok(task.version_json(&number.to_string(), &existing));
    };
    let version = State::new_version(code, description, config);
    let json = task.version_json(&number.to_string(), &version);
    task.versions.insert(number, version);
    task.updated_at = now();
    v1_ok(json)
}

async fn deploy(
    Extract(state): Extract<Shared>,
    Path(task_id): Path<String>,
    body: Bytes,
) -> Response {
    publish(&state, task_id, None, body, FAILED)
}

async fn publish_version(
    Extract(state): Extract<Shared>,
    Path((task_id, version)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if version == "draft" {
        return error(BAD_REQUEST, "Cannot publish to draft version");
    }
    match version.parse::<u32>() {
        Ok(n) if version.chars().all(|c| c.is_ascii_digit()) => {
            publish(&state, task_id, Some(n), body, BAD_REQUEST)
        }
        _ => error(BAD_REQUEST, "taskVersion must match ^\\d+$"),
    }
}

async fn delete_version(
    Extract(state): Extract<Shared>,
    Path((task_id, version)): Path<(String, String)>,
) -> Response {
    let mut state = lock(&state);
    let task = task_or_404!(state, task_id);
    let deleted = version_ref(&version)
        && match version.as_str() {
            "draft" => task.draft.take().is_some(),
            "latest" => match task.latest_number() {
                Some(n) => task
                    .versions
                    .get_mut(&n)
                    .map(|v| v.deleted = true)
                    .is_some(),
                None => false,
            },
            number => number
                .parse::<u32>()
                .ok()
                .and_then(|n| task.versions.get_mut(&n))
                .filter(|v| !v.deleted)
                .map(|v| v.deleted = true)
                .is_some(),
        };
    if deleted {
        v1_ok(json!({"success": true, "message": "Task version deleted successfully"}))
    } else {
        error(StatusCode::NOT_FOUND, "Task version not found")
    }
}

// ---- v1 runs and executions --------------------------------------------------------------

const RUN_FIELDS: [&str; 7] = [
    "taskId",
    "version",
    "sessionId",
    "async",
    "overrideBrowserConfiguration",
    "inputs",
    "cleanupSessions",
];

async fn run_task(Extract(state): Extract<Shared>, body: Bytes) -> Response {
    let body = attempt!(FAILED, json_object(&body, false));
    attempt!(FAILED, only_fields(&body, &RUN_FIELDS));
    let task_id = match body.get("taskId") {
        Some(Value::String(id)) if is_uuid(id) => id.clone(),
        Some(_) => return error(NOT_FOUND, "Task not found"),
        None => return error(FAILED, "'taskId' is required"),
    };
    let version = attempt!(FAILED, optional_string(&body, "version"));
    if version.as_deref().is_some_and(|v| !version_ref(v)) {
        return error(NOT_FOUND, "Task version not found");
    }
    start_run(&state, RunTarget::Id(task_id), version, body).await
}

async fn run_task_by_name(
    Extract(state): Extract<Shared>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    if !valid_name(&name) {
        return error(NOT_FOUND, "Task not found");
    }
    let body = attempt!(FAILED, json_object(&body, true));
    // Runs by name always use the latest version: no taskId, no version.
    attempt!(FAILED, only_fields(&body, &RUN_FIELDS[2..]));
    start_run(&state, RunTarget::Name(name), None, body).await
}

enum RunTarget {
    Id(String),
    Name(String),
}

async fn start_run(
    state: &Shared,
    target: RunTarget,
    version: Option<String>,
    body: Map<String, Value>,
) -> Response {
    let session = attempt!(FAILED, optional_string(&body, "sessionId"));
    if session.as_deref().is_some_and(|s| !is_uuid(s)) {
        return error(NOT_FOUND, "Session not found");
    }
    let run_async = attempt!(FAILED, bool_field(&body, "async")).unwrap_or(false);
    attempt!(FAILED, bool_field(&body, "cleanupSessions"));
    attempt!(FAILED, object_field(&body, "overrideBrowserConfiguration"));
    let inputs = match body.get("inputs") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(inputs)) => inputs.clone(),
        Some(_) => return error(FAILED, "'inputs' must be an object"),
    };
    for (key, value) in &inputs {
        if !key.starts_with("ANCHOR_") {
            return error(
                FAILED,
                format!("Input keys must start with ANCHOR_ (got '{key}')"),
            );
        }
        if !value.is_string() {
            return error(FAILED, format!("Input '{key}' must be a string"));
        }
    }
    let (execution_id, task_id, script) = {
        let mut state = lock(state);
        let task = match &target {
            RunTarget::Id(id) => state.task(id),
            RunTarget::Name(name) => state.task_by_name(name),
        };
        let Some(task) = task else {
            return error(StatusCode::NOT_FOUND, "Task not found");
        };
        let which = version.clone().unwrap_or_else(|| "latest".into());
        let Some((label, chosen)) = task.version(&which) else {
            let message = if which == "latest" {
                "Task has no published version; deploy it or run version 'draft'"
            } else {
                "Task version not found"
            };
            return error(StatusCode::NOT_FOUND, message);
        };
        let version_id = chosen.id.clone();
        let task_id = task.id.clone();
        let task_name = task.name.clone();
        let script = state.run_script_for(&task_id, Some(&task_name));
        // The spec's 404 is "Task or session not found": an unknown or ended session.
        let Some(session_id) = state.open_session(session, &[&task_id, &task_name]) else {
            return error(StatusCode::NOT_FOUND, "Session not found");
        };
        let execution = Execution {
            id: new_id(),
            task_id: task_id.clone(),
            version: label,
            version_id,
            inputs,
            started: Instant::now(),
            start_time: now(),
            checks: 0,
            script: script.clone(),
            ended_after: None,
            session_id,
        };
        let id = execution.id.clone();
        state.executions.push(execution);
        (id, task_id, script)
    };
    if run_async {
        return v1_ok(
            json!({"success": true, "async": true, "message": "Task execution started",
            "taskId": task_id, "executionResultId": execution_id}),
        );
    }
    // Synchronous: hold the request until the scripted run ends.
    tokio::time::sleep(script.min_duration).await;
    let mut state = lock(state);
    let Some(execution) = state.executions.iter_mut().find(|e| e.id == execution_id) else {
        return error(FAILED, "Execution lost");
    };
    execution.checks = u32::MAX / 2;
    let json = State::execution_json(execution, false);
    let success = json["status"] == "success";
    let mut answer = json!({
        "success": success, "async": false,
        "message": if success { "Task executed successfully" } else { "Task execution failed" },
        "taskId": task_id, "executionTime": json["executionTime"],
    });
    // `output` and `error` are strings in the spec, present when there is one.
    for (key, from) in [("output", "output"), ("error", "errorMessage")] {
        if let Some(text) = json[from].as_str() {
            answer[key] = Value::from(text);
        }
    }
    v1_ok(answer)
}

const STATUSES: [&str; 6] = [
    "success",
    "failure",
    "timeout",
    "cancelled",
    "queued",
    "running",
];

async fn list_executions(
    Extract(state): Extract<Shared>,
    Path(task_id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let (page, limit) = attempt!(FAILED, page_and_limit(&params, 100));
    let status = params
        .iter()
        .find(|(k, _)| k == "status")
        .map(|(_, v)| v.clone());
    if status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        return error(
            FAILED,
            format!("'status' must be one of {}", STATUSES.join(", ")),
        );
    }
    let version = params
        .iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| v.clone());
    let mut state = lock(&state);
    task_or_404!(state, task_id);
    let mut matching: Vec<Value> = Vec::new();
    // Newest first; runs of the draft are not listed (the vendor's docs: "Tasks must be
    // deployed (not just in draft) to appear in the execution results list").
    let held: Vec<bool> = state
        .executions
        .iter()
        .map(|e| state.held(&e.session_id))
        .collect();
    for (execution, held) in state.executions.iter_mut().zip(held).rev() {
        if execution.task_id != task_id || execution.version == "draft" {
            continue;
        }
        let json = State::execution_json(execution, held);
        if status.as_deref().is_some_and(|s| json["status"] != s) {
            continue;
        }
        if version.as_deref().is_some_and(|v| execution.version != v) {
            continue;
        }
        matching.push(json);
    }
    let total = matching.len();
    let results: Vec<Value> = matching
        .into_iter()
        .skip((page - 1) * limit)
        .take(limit)
        .collect();
    v1_ok(json!({
        "results": results,
        "pagination": {"page": page, "limit": limit, "total": total, "totalPages": total.div_ceil(limit)},
    }))
}

async fn get_execution(
    Extract(state): Extract<Shared>,
    Path((task_id, execution_id)): Path<(String, String)>,
) -> Response {
    let mut state = lock(&state);
    task_or_404!(state, task_id);
    let held = state
        .executions
        .iter()
        .find(|e| e.id == execution_id)
        .is_some_and(|e| state.held(&e.session_id));
    let Some(execution) = state
        .executions
        .iter_mut()
        .find(|e| e.id == execution_id && e.task_id == task_id && is_uuid(&execution_id))
    else {
        return error(StatusCode::NOT_FOUND, "Execution not found");
    };
    execution.checks = execution.checks.saturating_add(1);
    v1_ok(State::execution_json(execution, held))
}

// ---- v2 Task Builder ---------------------------------------------------------------------

/// `GenerateTaskV2Request`'s fields.
const GENERATE_FIELDS: [&str; 12] = [
    "taskName",
    "taskPrompt",
    "async",
    "description",
    "application_id",
    "identity_id",
    "input_schema",
    "output_schema",
    "output_file_only",
    "human_intervention",
    "browser_session_id",
    "task_browser_default_configuration",
];

fn parameters(body: &Map<String, Value>, key: &str) -> Result<Vec<Value>, String> {
    let params = match body.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(params)) => params,
        Some(_) => return Err(format!("'{key}' must be an array")),
    };
    for (i, param) in params.iter().enumerate() {
        let Some(param) = param.as_object() else {
            return Err(format!("'{key}[{i}]' must be an object"));
        };
        only_fields(
            param,
            &[
                "name",
                "type",
                "required",
                "description",
                "defaultValue",
                "options",
            ],
        )
        .map_err(|e| format!("'{key}[{i}]': {e}"))?;
        match param.get("name") {
            Some(Value::String(n)) if !n.trim().is_empty() => {}
            _ => return Err(format!("'{key}[{i}].name' is required")),
        }
        match param.get("type").and_then(Value::as_str) {
            Some("string" | "number" | "boolean" | "secret" | "file") => {}
            _ => {
                return Err(format!(
                    "'{key}[{i}].type' must be one of string, number, boolean, secret, file"
                ));
            }
        }
        if param.get("required").is_some_and(|r| !r.is_boolean()) {
            return Err(format!("'{key}[{i}].required' must be a boolean"));
        }
        match param.get("options") {
            None | Some(Value::Null) => {}
            Some(Value::Array(o)) if o.iter().all(Value::is_string) => {}
            Some(_) => return Err(format!("'{key}[{i}].options' must be an array of strings")),
        }
    }
    Ok(params.clone())
}

/// What a generate body asks for: the name, the prompt and the parameter lists.
type GenerateAsk = (String, String, Vec<Value>, Vec<Value>);

/// The documented checks of a generate body.
fn generate_request(body: &Bytes) -> Result<GenerateAsk, String> {
    let body = json_object(body, false)?;
    only_fields(&body, &GENERATE_FIELDS)?;
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .map(str::to_string)
    };
    let name = text("taskName").ok_or("'taskName' is required")?;
    let prompt = text("taskPrompt").ok_or("'taskPrompt' is required")?;
    for key in [
        "description",
        "identity_id",
        "browser_session_id",
        "application_id",
    ] {
        optional_string(&body, key)?;
    }
    let application = optional_string(&body, "application_id")?;
    if application.as_deref().is_some_and(|a| !is_uuid(a)) {
        return Err("'application_id' must be a valid UUID".into());
    }
    for key in ["async", "output_file_only", "human_intervention"] {
        bool_field(&body, key)?;
    }
    object_field(&body, "task_browser_default_configuration")?;
    let input_schema = parameters(&body, "input_schema")?;
    let output_schema = parameters(&body, "output_schema")?;
    Ok((name, prompt, input_schema, output_schema))
}

async fn generate(Extract(state): Extract<Shared>, body: Bytes) -> Response {
    let (name, prompt, input_schema, output_schema) = match generate_request(&body) {
        Ok(parts) => parts,
        Err(message) => return error(BAD_REQUEST, message),
    };
    let mut state = lock(&state);
    let script = state
        .generation_scripts
        .get(&name)
        .cloned()
        .unwrap_or_else(|| state.default_generation.clone());
    let task = GeneratedTask {
        id: new_id(),
        name,
        input_schema,
        output_schema,
        checks: 0,
        started: Instant::now(),
        missing_step: script
            .missing_step
            .clone()
            .filter(|step| !prompt.to_lowercase().contains(&step.to_lowercase())),
        script,
    };
    let id = task.id.clone();
    state.generated.insert(id.clone(), task);
    v2_ok(json!({"id": id, "status": "generating", "taskId": id,
        "taskVersionId": new_id(), "projectId": new_id()}))
}

async fn generation_status(
    Extract(state): Extract<Shared>,
    Path(task_id): Path<String>,
) -> Response {
    let mut state = lock(&state);
    let Some(task) = state.generated.get_mut(&task_id) else {
        return error(NOT_FOUND, "Task not found");
    };
    task.checks = task.checks.saturating_add(1);
    let (status, error) = task.status();
    let mut body =
        json!({"id": task.id, "status": status, "project_state": format!("fake:{status}")});
    if let Some(error) = error {
        body["error"] = Value::from(error);
    }
    v2_ok(body)
}

/// What a v2 run body asks for.
struct RunAsk {
    inputs: Map<String, Value>,
    /// Answer only once the run has ended.
    sync: bool,
    /// The browser session to run in, if given.
    session: Option<String>,
}

/// The documented checks of a v2 run body (`RunTaskV2Request`).
fn run_request(body: &Bytes) -> Result<RunAsk, String> {
    let body = json_object(body, false)?;
    only_fields(
        &body,
        &[
            "input_params",
            "identity_id",
            "session_id",
            "cleanup_sessions",
            "identity_skip_validation",
            "sync",
        ],
    )?;
    let inputs = match body.get("input_params") {
        Some(Value::Object(inputs)) => inputs.clone(),
        Some(_) => return Err("'input_params' must be an object".into()),
        None => return Err("'input_params' is required".into()),
    };
    if let Some((key, _)) = inputs.iter().find(|(_, v)| !v.is_string()) {
        return Err(format!("input_params.{key} must be a string"));
    }
    optional_string(&body, "identity_id")?;
    let session = optional_string(&body, "session_id")?;
    bool_field(&body, "cleanup_sessions")?;
    bool_field(&body, "identity_skip_validation")?;
    let sync = bool_field(&body, "sync")?.unwrap_or(false);
    Ok(RunAsk {
        inputs,
        sync,
        session,
    })
}

async fn run_generated(
    Extract(state): Extract<Shared>,
    Path(task_id): Path<String>,
    body: Bytes,
) -> Response {
    // The operation declares 200, 404 and 500 only: whatever keeps a run from starting is
    // its "Failed to run task" (500), with the reason.
    let RunAsk {
        inputs,
        sync,
        session,
    } = match run_request(&body) {
        Ok(ask) => ask,
        Err(message) => return error(FAILED, message),
    };
    let (run_id, script) = {
        let mut state = lock(&state);
        let Some(task) = state.generated.get(&task_id) else {
            return error(NOT_FOUND, "Task not found");
        };
        let (status, _) = task.status();
        if status != "ready" {
            return error(
                FAILED,
                format!("Task is not ready to run (status: {status})"),
            );
        }
        if let Err(message) = check_input_params(&task.input_schema, &inputs) {
            return error(FAILED, message);
        }
        let name = task.name.clone();
        let missing = task.missing_step.clone();
        let mut script = state.run_script_for(&task_id, Some(&name));
        if let Some(step) = missing {
            script.outcome = super::RunOutcome::Failure(format!(
                "Element not found: the task has no step to {step}"
            ));
        }
        // Only "Task not found" is a 404 here: a session that cannot take the run is the
        // operation's "Failed to run task".
        let Some(session_id) = state.open_session(session, &[&task_id, &name]) else {
            return error(
                FAILED,
                "Failed to run task: session not found or not running",
            );
        };
        let run = Run {
            id: new_id(),
            task_id,
            inputs,
            started: Instant::now(),
            checks: 0,
            script: script.clone(),
            session_id,
        };
        let id = run.id.clone();
        if !sync {
            let json = state.run_json(&run);
            state.runs.insert(id, run);
            return v2_ok(json);
        }
        state.runs.insert(id.clone(), run);
        (id, script)
    };
    // `sync`: answer once the scripted run has ended.
    tokio::time::sleep(script.min_duration).await;
    let mut state = lock(&state);
    let Some(run) = state.runs.get_mut(&run_id) else {
        return error(FAILED, "Run lost");
    };
    run.checks = u32::MAX / 2;
    let run = run.clone();
    v2_ok(state.run_json(&run))
}

/// Inputs against the task's declared parameters: no unknown names, required ones present,
/// values that read as their type, options respected.
fn check_input_params(declared: &[Value], inputs: &Map<String, Value>) -> Result<(), String> {
    let name_of = |p: &Value| {
        p.get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    for key in inputs.keys() {
        if !declared.iter().any(|p| &name_of(p) == key) {
            return Err(format!("Unknown input parameter '{key}'"));
        }
    }
    for param in declared {
        let name = name_of(param);
        let required = param
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let has_default = param.get("defaultValue").is_some_and(|d| !d.is_null());
        let Some(value) = inputs.get(&name).and_then(Value::as_str) else {
            if required && !has_default {
                return Err(format!("Missing required input parameter '{name}'"));
            }
            continue;
        };
        match param.get("type").and_then(Value::as_str) {
            Some("number") if value.trim().parse::<f64>().is_err() => {
                return Err(format!("Input parameter '{name}' must be a number"));
            }
            Some("boolean") if !matches!(value, "true" | "false") => {
                return Err(format!(
                    "Input parameter '{name}' must be 'true' or 'false'"
                ));
            }
            _ => {}
        }
        if let Some(Value::Array(options)) = param.get("options")
            && !options.iter().any(|o| o.as_str() == Some(value))
        {
            return Err(format!(
                "Input parameter '{name}' must be one of the allowed options"
            ));
        }
    }
    Ok(())
}

async fn run_status(Extract(state): Extract<Shared>, Path(run_id): Path<String>) -> Response {
    let mut state = lock(&state);
    let Some(run) = state.runs.get_mut(&run_id) else {
        return error(NOT_FOUND, "Run not found");
    };
    run.checks = run.checks.saturating_add(1);
    let run = run.clone();
    v2_ok(state.run_json(&run))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_patterns() {
        assert!(base64_pattern("YWJj"));
        assert!(base64_pattern("YWI="));
        assert!(!base64_pattern("YW$j"));
        assert!(!base64_pattern("YW==="));
        assert!(positive_int_string("10"));
        assert!(!positive_int_string("0"));
        assert!(!positive_int_string("01"));
    }
}
