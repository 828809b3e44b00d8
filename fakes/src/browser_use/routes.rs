//! The fake's HTTP surface: the documented routes under `/api/v2`, each validating its request
//! as FastAPI would: every problem in one 422 `detail` list (`HTTPValidationError`), except
//! where the spec documents the 422 as one `ValidationError` object (`POST /tasks`,
//! `PATCH /tasks/{task_id}`, `PATCH /sessions/{session_id}`): there, the first problem.

use std::sync::{Arc, Mutex, MutexGuard};
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

use super::SkillScript;
use super::state::{AgentTask, SkillRecord, State, detail, new_id, now, sample};
use crate::ledger::gate;

type Shared = Arc<Mutex<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    crate::ledger::lock(state)
}

pub(super) fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/v2/tasks", post(create_task).get(list_tasks))
        .route("/api/v2/tasks/{task_id}", get(get_task).patch(update_task))
        .route("/api/v2/tasks/{task_id}/status", get(task_status))
        .route("/api/v2/tasks/{task_id}/logs", get(task_logs))
        .route(
            "/api/v2/files/tasks/{task_id}/output-files/{file_id}",
            get(output_file),
        )
        .route("/api/v2/skills", post(create_skill).get(list_skills))
        .route(
            "/api/v2/skills/{skill_id}",
            get(get_skill).patch(update_skill).delete(delete_skill),
        )
        .route("/api/v2/skills/{skill_id}/cancel", post(cancel_skill))
        .route("/api/v2/skills/{skill_id}/refine", post(refine_skill))
        .route("/api/v2/skills/{skill_id}/rollback", post(rollback_skill))
        .route("/api/v2/skills/{skill_id}/execute", post(execute_skill))
        .route(
            "/api/v2/skills/{skill_id}/executions",
            get(skill_executions),
        )
        .route(
            "/api/v2/skills/{skill_id}/executions/{execution_id}/output",
            get(execution_output),
        )
        .route(
            "/api/v2/sessions/{session_id}",
            get(get_session).patch(stop_session),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), gate::<State>))
        .fallback(
            |Extract(state): Extract<Shared>, request: Request| async move {
                crate::ledger::record_unrouted(&state, &request);
                detail(StatusCode::NOT_FOUND, "Not Found")
            },
        )
        .with_state(state)
}

// ---- FastAPI-style validation ---------------------------------------------------------------

/// Collects validation errors, answered together as one 422.
#[derive(Default)]
struct Check {
    errors: Vec<Value>,
}

impl Check {
    fn fail(&mut self, loc: &[&str], kind: &str, msg: &str) {
        let mut location = vec![Value::from("body")];
        location.extend(loc.iter().map(|l| Value::from(*l)));
        self.errors
            .push(json!({"type": kind, "loc": location, "msg": msg}));
    }

    fn query(&mut self, name: &str, kind: &str, msg: &str) {
        self.errors
            .push(json!({"type": kind, "loc": ["query", name], "msg": msg}));
    }

    /// A path parameter that must be a UUID.
    fn path_uuid(&mut self, name: &str, value: &str) {
        if uuid::Uuid::parse_str(value).is_err() {
            self.errors
                .push(json!({"type": "uuid_parsing", "loc": ["path", name],
                "msg": "Input should be a valid UUID"}));
        }
    }

    /// The 422 answer (`HTTPValidationError`: every problem), if anything failed.
    fn finish(self) -> Option<Response> {
        (!self.errors.is_empty()).then(|| {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(json!({ "detail": self.errors })),
            )
                .into_response()
        })
    }

    /// The 422 answer where the spec documents one `ValidationError` (the first problem), if
    /// anything failed.
    fn finish_one(self) -> Option<Response> {
        let first = self.errors.into_iter().next()?;
        Some((StatusCode::UNPROCESSABLE_ENTITY, axum::Json(first)).into_response())
    }

    fn object(&mut self, bytes: &Bytes, empty_ok: bool) -> Map<String, Value> {
        if bytes.is_empty() && empty_ok {
            return Map::new();
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                self.fail(
                    &[],
                    "model_attributes_type",
                    "Input should be a valid dictionary",
                );
                Map::new()
            }
            Err(_) => {
                self.fail(&[], "json_invalid", "JSON decode error");
                Map::new()
            }
        }
    }

    fn known(&mut self, body: &Map<String, Value>, allowed: &[&str]) {
        for key in body.keys().filter(|k| !allowed.contains(&k.as_str())) {
            self.fail(&[key], "extra_forbidden", "Extra inputs are not permitted");
        }
    }

    fn string(
        &mut self,
        body: &Map<String, Value>,
        key: &str,
        required: bool,
        min: usize,
        max: usize,
    ) -> Option<String> {
        match body.get(key) {
            None | Some(Value::Null) if required => {
                self.fail(&[key], "missing", "Field required");
                None
            }
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let len = s.chars().count();
                if len < min {
                    self.fail(
                        &[key],
                        "string_too_short",
                        &format!(
                            "String should have at least {min} character{}",
                            if min == 1 { "" } else { "s" }
                        ),
                    );
                } else if len > max {
                    self.fail(
                        &[key],
                        "string_too_long",
                        &format!("String should have at most {max} characters"),
                    );
                }
                Some(s.clone())
            }
            Some(_) => {
                self.fail(&[key], "string_type", "Input should be a valid string");
                None
            }
        }
    }

    /// A string that must be one of the values the spec's `schema` enumerates.
    fn one_of(&mut self, body: &Map<String, Value>, key: &str, schema: &str) {
        let Some(Value::String(value)) = body.get(key) else {
            return;
        };
        let allowed = spec_values(schema);
        if !allowed.iter().any(|a| a == value) {
            let shown: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
            self.fail(
                &[key],
                "enum",
                &format!("Input should be {}", shown.join(", ")),
            );
        }
    }

    fn boolean(&mut self, body: &Map<String, Value>, key: &str) {
        if body
            .get(key)
            .is_some_and(|v| !v.is_boolean() && !v.is_null())
        {
            self.fail(&[key], "bool_type", "Input should be a valid boolean");
        }
    }

    fn integer(&mut self, body: &Map<String, Value>, key: &str, min: i64, max: i64) -> Option<i64> {
        match body.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => match value.as_i64() {
                Some(n) if n < min => {
                    self.fail(
                        &[key],
                        "greater_than_equal",
                        &format!("Input should be greater than or equal to {min}"),
                    );
                    None
                }
                Some(n) if n > max => {
                    self.fail(
                        &[key],
                        "less_than_equal",
                        &format!("Input should be less than or equal to {max}"),
                    );
                    None
                }
                Some(n) => Some(n),
                None => {
                    self.fail(&[key], "int_type", "Input should be a valid integer");
                    None
                }
            },
        }
    }

    fn uuid(&mut self, body: &Map<String, Value>, key: &str) -> Option<String> {
        let value = self.string(body, key, false, 0, usize::MAX)?;
        if uuid::Uuid::parse_str(&value).is_err() {
            self.fail(&[key], "uuid_parsing", "Input should be a valid UUID");
            return None;
        }
        Some(value)
    }

    fn string_map(&mut self, body: &Map<String, Value>, key: &str, max_pairs: Option<usize>) {
        match body.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (name, value) in map {
                    if !value.is_string() {
                        self.fail(
                            &[key, name],
                            "string_type",
                            "Input should be a valid string",
                        );
                    }
                }
                if max_pairs.is_some_and(|max| map.len() > max) {
                    self.fail(
                        &[key],
                        "too_long",
                        "Metadata can have at most 10 key-value pairs",
                    );
                }
            }
            Some(_) => self.fail(&[key], "dict_type", "Input should be a valid dictionary"),
        }
    }

    fn string_list(&mut self, body: &Map<String, Value>, key: &str) {
        match body.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if !item.is_string() {
                        let index = i.to_string();
                        self.fail(
                            &[key, &index],
                            "string_type",
                            "Input should be a valid string",
                        );
                    }
                }
            }
            Some(_) => self.fail(&[key], "list_type", "Input should be a valid list"),
        }
    }
}

/// The values Browser Use's spec enumerates for `schema` (its own list, not a copy).
fn spec_values(schema: &str) -> Vec<String> {
    crate::spec::browser_use()
        .map(|spec| spec.enum_values(schema))
        .unwrap_or_default()
}

macro_rules! checked {
    ($check:expr) => {
        if let Some(response) = $check.finish() {
            return response;
        }
    };
}

/// For the operations whose 422 is one `ValidationError`.
macro_rules! checked_one {
    ($check:expr) => {
        if let Some(response) = $check.finish_one() {
            return response;
        }
    };
}

fn page_params(query: &[(String, String)], check: &mut Check) -> (usize, usize) {
    let mut size = 10;
    let mut number = 1;
    for (key, value) in query {
        match key.as_str() {
            "pageSize" => match value.parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => size = n,
                _ => check.query(
                    "pageSize",
                    "less_than_equal",
                    "Input should be between 1 and 100",
                ),
            },
            "pageNumber" => match value.parse::<usize>() {
                Ok(n) if n >= 1 => number = n,
                _ => check.query(
                    "pageNumber",
                    "greater_than_equal",
                    "Input should be greater than or equal to 1",
                ),
            },
            _ => {}
        }
    }
    (size, number)
}

fn page(items: Vec<Value>, size: usize, number: usize) -> Value {
    let total = items.len();
    let items: Vec<Value> = items
        .into_iter()
        .skip((number - 1) * size)
        .take(size)
        .collect();
    json!({"items": items, "totalItems": total, "pageNumber": number, "pageSize": size})
}

fn find_param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

// ---- tasks -----------------------------------------------------------------------------------

/// `CreateTaskRequest`'s fields.
const TASK_FIELDS: [&str; 20] = [
    "task",
    "llm",
    "startUrl",
    "maxSteps",
    "structuredOutput",
    "sessionId",
    "metadata",
    "secrets",
    "allowedDomains",
    "opVaultId",
    "sessionSettings",
    "highlightElements",
    "flashMode",
    "thinking",
    "vision",
    "systemPromptExtension",
    "judge",
    "judgeGroundTruth",
    "judgeLlm",
    "skillIds",
];

async fn create_task(Extract(state): Extract<Shared>, body: Bytes) -> Response {
    let mut check = Check::default();
    let body = check.object(&body, false);
    check.known(&body, &TASK_FIELDS);
    let prompt = check.string(&body, "task", true, 1, 50_000);
    let llm = check.string(&body, "llm", false, 1, 200);
    for key in ["llm", "judgeLlm"] {
        check.one_of(&body, key, "SupportedLLMs");
    }
    let start_url = check.string(&body, "startUrl", false, 0, 10_000);
    check.integer(&body, "maxSteps", 1, 10_000);
    let structured = check
        .string(&body, "structuredOutput", false, 0, usize::MAX)
        .and_then(|text| match serde_json::from_str::<Value>(&text) {
            Ok(schema @ Value::Object(_)) => Some(schema),
            _ => {
                check.fail(
                    &["structuredOutput"],
                    "value_error",
                    "Value error, structuredOutput must be a JSON Schema object, stringified",
                );
                None
            }
        });
    let session_id = check.uuid(&body, "sessionId");
    check.string_map(&body, "metadata", Some(10));
    check.string_map(&body, "secrets", None);
    check.string_list(&body, "allowedDomains");
    check.string_list(&body, "skillIds");
    for key in ["highlightElements", "flashMode", "thinking", "judge"] {
        check.boolean(&body, key);
    }
    check.string(&body, "systemPromptExtension", false, 0, 2_000);
    check.string(&body, "judgeGroundTruth", false, 0, 10_000);
    if let Some(vision) = body.get("vision").filter(|v| !v.is_null())
        && !(vision.is_boolean() || vision.as_str() == Some("auto"))
    {
        check.fail(
            &["vision"],
            "union_tag_invalid",
            "Input should be a valid boolean or 'auto'",
        );
    }
    match body.get("sessionSettings") {
        None | Some(Value::Null) => {}
        Some(Value::Object(settings)) => {
            let allowed = [
                "profileId",
                "proxyCountryCode",
                "browserScreenWidth",
                "browserScreenHeight",
                "enableRecording",
            ];
            for key in settings.keys().filter(|k| !allowed.contains(&k.as_str())) {
                check.fail(
                    &["sessionSettings", key],
                    "extra_forbidden",
                    "Extra inputs are not permitted",
                );
            }
            if let Some(code) = settings.get("proxyCountryCode").filter(|v| !v.is_null())
                && !code
                    .as_str()
                    .is_some_and(|c| spec_values("ProxyCountryCode").iter().any(|v| v == c))
            {
                check.fail(
                    &["sessionSettings", "proxyCountryCode"],
                    "enum",
                    "Input should be one of the supported proxy country codes",
                );
            }
            for (key, min, max) in [
                ("browserScreenWidth", 320, 6144),
                ("browserScreenHeight", 320, 3456),
            ] {
                if let Some(value) = settings.get(key).filter(|v| !v.is_null())
                    && !value.as_i64().is_some_and(|n| (min..=max).contains(&n))
                {
                    check.fail(
                        &["sessionSettings", key],
                        "less_than_equal",
                        &format!("Input should be between {min} and {max}"),
                    );
                }
            }
            if session_id.is_some() {
                check.fail(
                    &["sessionSettings"],
                    "value_error",
                    "Value error, sessionSettings only apply without sessionId",
                );
            }
        }
        Some(_) => check.fail(
            &["sessionSettings"],
            "model_type",
            "Input should be a valid dictionary",
        ),
    }
    checked_one!(check);
    let prompt = prompt.unwrap_or_default();
    let mut state = lock(&state);
    let session_id = match session_id {
        Some(id) => match state.sessions.get(&id) {
            None => return detail(StatusCode::NOT_FOUND, "Session not found"),
            Some(session) if session.stopped => {
                return detail(StatusCode::BAD_REQUEST, "Session is stopped");
            }
            Some(_) if state.session_busy(&id) => {
                return detail(StatusCode::BAD_REQUEST, "Session has a running task");
            }
            Some(_) => id,
        },
        None => {
            let id = new_id();
            state.sessions.insert(
                id.clone(),
                super::state::Session {
                    stopped: false,
                    keep_alive: false,
                    started_at: now(),
                },
            );
            id
        }
    };
    let script = state
        .task_scripts
        .get(&prompt)
        .cloned()
        .unwrap_or_else(|| state.default_task.clone());
    let task = AgentTask {
        id: new_id(),
        session_id: session_id.clone(),
        prompt,
        llm: llm.unwrap_or_else(|| "browser-use-2.0".into()),
        start_url,
        metadata: body
            .get("metadata")
            .cloned()
            .filter(|m| !m.is_null())
            .unwrap_or(json!({})),
        structured,
        created_at: now(),
        started: Instant::now(),
        checks: 0,
        script,
        stopped_at: None,
        finished_at: None,
        files: Vec::new(),
    };
    let id = task.id.clone();
    state.tasks.push(task);
    (
        StatusCode::ACCEPTED,
        axum::Json(json!({"id": id, "sessionId": session_id})),
    )
        .into_response()
}

async fn list_tasks(
    Extract(state): Extract<Shared>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let mut check = Check::default();
    let (size, number) = page_params(&query, &mut check);
    let status = find_param(&query, "filterBy");
    if status
        .is_some_and(|s| !matches!(s, "created" | "started" | "finished" | "failed" | "stopped"))
    {
        check.query(
            "filterBy",
            "enum",
            "Input should be 'created', 'started', 'finished', 'failed' or 'stopped'",
        );
    }
    for name in ["after", "before"] {
        if find_param(&query, name)
            .is_some_and(|v| chrono::DateTime::parse_from_rfc3339(v).is_err())
        {
            check.query(name, "datetime_parsing", "Input should be a valid datetime");
        }
    }
    checked!(check);
    let state = lock(&state);
    let items: Vec<Value> = state
        .tasks
        .iter()
        .rev()
        .map(AgentTask::item_json)
        .filter(|t| status.is_none_or(|s| t["status"] == s))
        .filter(|t| find_param(&query, "sessionId").is_none_or(|s| t["sessionId"] == s))
        .filter(|t| {
            find_param(&query, "after")
                .is_none_or(|a| t["createdAt"].as_str().is_some_and(|c| c >= a))
        })
        .filter(|t| {
            find_param(&query, "before")
                .is_none_or(|b| t["createdAt"].as_str().is_some_and(|c| c < b))
        })
        .collect();
    axum::Json(page(items, size, number)).into_response()
}

/// The 422 for a task id that is not a UUID.
fn bad_task_id(task_id: &str) -> Option<Response> {
    let mut check = Check::default();
    check.path_uuid("task_id", task_id);
    check.finish()
}

async fn task_status(Extract(state): Extract<Shared>, Path(task_id): Path<String>) -> Response {
    if let Some(response) = bad_task_id(&task_id) {
        return response;
    }
    match lock(&state).read_task(&task_id) {
        Some(task) => axum::Json(task.status_json()).into_response(),
        None => detail(StatusCode::NOT_FOUND, "Task not found"),
    }
}

async fn get_task(Extract(state): Extract<Shared>, Path(task_id): Path<String>) -> Response {
    if let Some(response) = bad_task_id(&task_id) {
        return response;
    }
    match lock(&state).read_task(&task_id) {
        Some(task) => axum::Json(task.view_json()).into_response(),
        None => detail(StatusCode::NOT_FOUND, "Task not found"),
    }
}

async fn update_task(
    Extract(state): Extract<Shared>,
    Path(task_id): Path<String>,
    body: Bytes,
) -> Response {
    let mut check = Check::default();
    check.path_uuid("task_id", &task_id);
    let body = check.object(&body, false);
    check.known(&body, &["action"]);
    let action = check.string(&body, "action", true, 0, 100);
    if action
        .as_deref()
        .is_some_and(|a| !matches!(a, "stop" | "stop_task_and_session"))
    {
        check.fail(
            &["action"],
            "enum",
            "Input should be 'stop' or 'stop_task_and_session'",
        );
    }
    checked_one!(check);
    let mut state = lock(&state);
    let Some(task) = state.tasks.iter_mut().find(|t| t.id == task_id) else {
        return detail(StatusCode::NOT_FOUND, "Task not found");
    };
    let ended = task.finished_at.is_some();
    if !ended && task.stopped_at.is_none() {
        task.stopped_at = Some(now());
    }
    let session = task.session_id.clone();
    let view = task.view_json();
    if action.as_deref() == Some("stop_task_and_session")
        && let Some(session) = state.sessions.get_mut(&session)
    {
        session.stopped = true;
    }
    axum::Json(view).into_response()
}

async fn task_logs(Extract(state): Extract<Shared>, Path(task_id): Path<String>) -> Response {
    if let Some(response) = bad_task_id(&task_id) {
        return response;
    }
    if !lock(&state).tasks.iter().any(|t| t.id == task_id) {
        return detail(StatusCode::NOT_FOUND, "Task not found");
    }
    axum::Json(json!({"downloadUrl": format!("https://logs.fake-browser-use.test/{task_id}.log")}))
        .into_response()
}

async fn output_file(
    Extract(state): Extract<Shared>,
    Path((task_id, file_id)): Path<(String, String)>,
) -> Response {
    let state = lock(&state);
    let Some(task) = state.tasks.iter().find(|t| t.id == task_id) else {
        return detail(StatusCode::NOT_FOUND, "Task not found");
    };
    match task.files.iter().find(|(id, _)| *id == file_id) {
        Some((id, name)) => axum::Json(json!({
            "id": id, "fileName": name,
            "downloadUrl": format!("https://files.fake-browser-use.test/{task_id}/{id}/{name}?signature=abc"),
        }))
        .into_response(),
        None => detail(StatusCode::NOT_FOUND, "Output file not found"),
    }
}

// ---- skills ----------------------------------------------------------------------------------

async fn create_skill(Extract(state): Extract<Shared>, body: Bytes) -> Response {
    let mut check = Check::default();
    let body = check.object(&body, false);
    check.known(&body, &["goal", "agentPrompt", "title", "description"]);
    let goal = check.string(&body, "goal", true, 1, 1000);
    let prompt = check.string(&body, "agentPrompt", true, 10, usize::MAX);
    let title = check.string(&body, "title", false, 0, 100);
    let description = check.string(&body, "description", false, 0, 1000);
    checked!(check);
    let mut state = lock(&state);
    let goal = goal.unwrap_or_default();
    let script: SkillScript = state
        .skill_scripts
        .get(&goal)
        .cloned()
        .unwrap_or_else(|| state.default_skill.clone());
    let skill = SkillRecord {
        id: new_id(),
        title,
        description,
        goal,
        agent_prompt: prompt.unwrap_or_default(),
        checks: 0,
        cancelled: false,
        enabled: None,
        script,
        created_at: now(),
        executions: Vec::new(),
        version: 1,
        earlier: Vec::new(),
    };
    let id = skill.id.clone();
    state.skills.push(skill);
    (StatusCode::ACCEPTED, axum::Json(json!({"id": id}))).into_response()
}

async fn refine_skill(
    Extract(state): Extract<Shared>,
    Path(skill_id): Path<String>,
    body: Bytes,
) -> Response {
    let mut check = Check::default();
    let body = check.object(&body, false);
    check.known(&body, &["feedback", "testOutput", "testLogs"]);
    let feedback = check.string(&body, "feedback", true, 10, usize::MAX);
    let output = check.string(&body, "testOutput", false, 0, usize::MAX);
    let logs = check.string(&body, "testLogs", false, 0, usize::MAX);
    checked!(check);
    let mut state = lock(&state);
    let Some(skill) = skill_mut(&mut state, &skill_id) else {
        return detail(StatusCode::NOT_FOUND, "Skill not found");
    };
    if skill.status() != "finished" {
        return detail(StatusCode::BAD_REQUEST, "Skill is not finished");
    }
    let context = [feedback, output, logs]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
    skill.refine(&context);
    (StatusCode::ACCEPTED, axum::Json(json!({"id": skill.id}))).into_response()
}

async fn rollback_skill(Extract(state): Extract<Shared>, Path(skill_id): Path<String>) -> Response {
    let mut state = lock(&state);
    let Some(skill) = skill_mut(&mut state, &skill_id) else {
        return detail(StatusCode::NOT_FOUND, "Skill not found");
    };
    if !skill.roll_back() {
        return detail(
            StatusCode::BAD_REQUEST,
            "No previous version to roll back to",
        );
    }
    axum::Json(skill.json()).into_response()
}

fn skill_mut<'a>(state: &'a mut State, skill_id: &str) -> Option<&'a mut SkillRecord> {
    state.skills.iter_mut().find(|s| s.id == skill_id)
}

async fn get_skill(Extract(state): Extract<Shared>, Path(skill_id): Path<String>) -> Response {
    let mut state = lock(&state);
    let Some(skill) = skill_mut(&mut state, &skill_id) else {
        return detail(StatusCode::NOT_FOUND, "Skill not found");
    };
    // Answer with the current state, then move the generation along.
    let answer = skill.json();
    if matches!(skill.status(), "recording" | "generating") {
        skill.checks += 1;
    }
    axum::Json(answer).into_response()
}

async fn list_skills(
    Extract(state): Extract<Shared>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let mut check = Check::default();
    let (size, number) = page_params(&query, &mut check);
    let enabled = find_param(&query, "isEnabled");
    if enabled.is_some_and(|v| !matches!(v, "true" | "false")) {
        check.query(
            "isEnabled",
            "bool_parsing",
            "Input should be a valid boolean",
        );
    }
    checked!(check);
    let text = find_param(&query, "query").map(str::to_lowercase);
    let state = lock(&state);
    let items: Vec<Value> = state
        .skills
        .iter()
        .rev()
        .map(SkillRecord::json)
        .filter(|s| enabled.is_none_or(|e| s["isEnabled"] == (e == "true")))
        .filter(|s| {
            text.as_deref().is_none_or(|q| {
                s["title"]
                    .as_str()
                    .is_some_and(|t| t.to_lowercase().contains(q))
            })
        })
        .collect();
    axum::Json(page(items, size, number)).into_response()
}

async fn update_skill(
    Extract(state): Extract<Shared>,
    Path(skill_id): Path<String>,
    body: Bytes,
) -> Response {
    let mut check = Check::default();
    let body = check.object(&body, false);
    check.known(
        &body,
        &["title", "description", "categories", "domains", "isEnabled"],
    );
    let title = check.string(&body, "title", false, 0, 100);
    let description = check.string(&body, "description", false, 0, 1000);
    check.boolean(&body, "isEnabled");
    check.string_list(&body, "categories");
    check.string_list(&body, "domains");
    checked!(check);
    let mut state = lock(&state);
    let Some(skill) = skill_mut(&mut state, &skill_id) else {
        return detail(StatusCode::NOT_FOUND, "Skill not found");
    };
    // The spec declares no refusal to enable an unfinished skill (only 403 over the plan's
    // limit): the flag is kept, and executing answers 400 until the skill is finished.
    if let Some(enable) = body.get("isEnabled").and_then(Value::as_bool) {
        skill.enabled = Some(enable);
    }
    if title.is_some() {
        skill.title = title;
    }
    if description.is_some() {
        skill.description = description;
    }
    axum::Json(skill.json()).into_response()
}

async fn delete_skill(Extract(state): Extract<Shared>, Path(skill_id): Path<String>) -> Response {
    let mut state = lock(&state);
    let Some(skill) = skill_mut(&mut state, &skill_id) else {
        return detail(StatusCode::NOT_FOUND, "Skill not found");
    };
    if matches!(skill.status(), "recording" | "generating") {
        return detail(
            StatusCode::BAD_REQUEST,
            "Cannot delete skill while generating",
        );
    }
    state.skills.retain(|s| s.id != skill_id);
    StatusCode::NO_CONTENT.into_response()
}

async fn cancel_skill(Extract(state): Extract<Shared>, Path(skill_id): Path<String>) -> Response {
    let mut state = lock(&state);
    let Some(skill) = skill_mut(&mut state, &skill_id) else {
        return detail(StatusCode::NOT_FOUND, "Skill not found");
    };
    if !matches!(skill.status(), "recording" | "generating") {
        return detail(
            StatusCode::BAD_REQUEST,
            "Skill generation cannot be cancelled",
        );
    }
    skill.cancelled = true;
    axum::Json(skill.json()).into_response()
}

async fn execute_skill(
    Extract(state): Extract<Shared>,
    Path(skill_id): Path<String>,
    body: Bytes,
) -> Response {
    let mut check = Check::default();
    let body = check.object(&body, false);
    check.known(&body, &["parameters", "sessionId"]);
    check.uuid(&body, "sessionId");
    let parameters = match body.get("parameters") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => {
            check.fail(
                &["parameters"],
                "dict_type",
                "Input should be a valid dictionary",
            );
            Map::new()
        }
    };
    checked!(check);
    let mut state = lock(&state);
    let Some(skill) = skill_mut(&mut state, &skill_id) else {
        return detail(StatusCode::NOT_FOUND, "Skill not found");
    };
    if skill.status() != "finished" {
        return detail(StatusCode::BAD_REQUEST, "Skill is not finished");
    }
    if !skill.is_enabled() {
        return detail(StatusCode::BAD_REQUEST, "Skill is not enabled");
    }
    // The parameters against the skill's own declarations. The spec types `parameters` as any
    // object and declares no answer for ones that do not fit the skill: the execution fails
    // (200, `success: false`) with FastAPI-worded reasons.
    let mut check = Check::default();
    for declared in &skill.script.parameters {
        let name = declared["name"].as_str().unwrap_or_default();
        let required = declared["required"].as_bool().unwrap_or(true);
        match parameters.get(name) {
            None if required && declared.get("default").is_none_or(Value::is_null) => {
                check.fail(&["parameters", name], "missing", "Field required");
            }
            None => {}
            Some(value) => {
                let fits = match declared["type"].as_str() {
                    Some("number") => value.is_number(),
                    Some("boolean") => value.is_boolean(),
                    Some("object") => value.is_object(),
                    Some("array") => value.is_array(),
                    _ => value.is_string(),
                };
                if !fits {
                    let kind = declared["type"].as_str().unwrap_or("string");
                    check.fail(
                        &["parameters", name],
                        "type_error",
                        &format!("Input should be a valid {kind}"),
                    );
                }
            }
        }
    }
    for name in parameters.keys() {
        if !skill
            .script
            .parameters
            .iter()
            .any(|d| d["name"] == name.as_str())
        {
            check.fail(
                &["parameters", name],
                "extra_forbidden",
                "Extra inputs are not permitted",
            );
        }
    }
    let misfit = (!check.errors.is_empty()).then(|| {
        check
            .errors
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    e["loc"][2].as_str().unwrap_or_default(),
                    e["msg"].as_str().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    });
    let started = now();
    let missing = skill.script.missing_step.clone();
    let (success, result, error, stderr) = match (&skill.script.execution, misfit) {
        (_, None) if missing.is_some() => {
            let step = missing.unwrap_or_default();
            (
                false,
                Value::Null,
                json!(format!(
                    "Timed out waiting for the results: the skill has no step to {step}"
                )),
                json!(format!("TimeoutError: step '{step}' never ran")),
            )
        }
        (_, Some(reasons)) => (
            false,
            Value::Null,
            json!(format!("Invalid parameters: {reasons}")),
            Value::Null,
        ),
        (Ok(Some(result)), None) => (true, result.clone(), Value::Null, Value::Null),
        (Ok(None), None) => {
            let query = parameters
                .get("query")
                .and_then(Value::as_str)
                .unwrap_or("anything");
            let limit = parameters.get("limit").and_then(Value::as_u64).unwrap_or(3);
            let results: Vec<Value> = (1..=limit)
                .map(|i| json!(format!("{query} #{i}")))
                .collect();
            let mut result = sample(&skill.script.output_schema);
            if let Value::Object(map) = &mut result {
                map.insert("results".into(), Value::from(results));
                map.insert("count".into(), json!(limit));
            }
            (true, result, Value::Null, Value::Null)
        }
        (Err((error, stderr)), None) => (false, Value::Null, json!(error), json!(stderr)),
    };
    let execution_id = new_id();
    skill.executions.push(json!({
        "id": execution_id, "skillId": skill.id, "status": if success { "completed" } else { "failed" },
        "success": success, "startedAt": started, "finishedAt": now(), "latencyMs": 1234, "hasOutput": success,
    }));
    axum::Json(json!({"success": success, "result": result, "error": error, "stderr": stderr, "latencyMs": 1234}))
        .into_response()
}

async fn skill_executions(
    Extract(state): Extract<Shared>,
    Path(skill_id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let mut check = Check::default();
    let (size, number) = page_params(&query, &mut check);
    checked!(check);
    let state = lock(&state);
    let Some(skill) = state.skills.iter().find(|s| s.id == skill_id) else {
        return detail(StatusCode::NOT_FOUND, "Skill not found");
    };
    let items: Vec<Value> = skill.executions.iter().rev().cloned().collect();
    axum::Json(page(items, size, number)).into_response()
}

async fn execution_output(
    Extract(state): Extract<Shared>,
    Path((skill_id, execution_id)): Path<(String, String)>,
) -> Response {
    let state = lock(&state);
    let found = state
        .skills
        .iter()
        .find(|s| s.id == skill_id)
        .is_some_and(|s| {
            s.executions
                .iter()
                .any(|e| e["id"] == execution_id.as_str())
        });
    if !found {
        return detail(StatusCode::NOT_FOUND, "Execution not found");
    }
    axum::Json(json!({"downloadUrl": format!("https://files.fake-browser-use.test/skills/{skill_id}/{execution_id}.json")}))
        .into_response()
}

// ---- sessions --------------------------------------------------------------------------------

/// A session as `SessionView` shows it.
fn session_json(state: &State, session_id: &str) -> Option<Value> {
    let session = state.sessions.get(session_id)?;
    let tasks: Vec<Value> = state
        .tasks
        .iter()
        .filter(|t| t.session_id == session_id)
        .map(AgentTask::item_json)
        .collect();
    Some(json!({
        "id": session_id, "status": if session.stopped { "stopped" } else { "active" },
        "liveUrl": format!("https://live.fake-browser-use.test/{session_id}"),
        "startedAt": session.started_at, "tasks": tasks, "persistMemory": true,
        "keepAlive": session.keep_alive, "proxyUsedMb": "0", "proxyCost": "0",
    }))
}

async fn get_session(Extract(state): Extract<Shared>, Path(session_id): Path<String>) -> Response {
    if let Some(response) = bad_session_id(&session_id, false) {
        return response;
    }
    match session_json(&lock(&state), &session_id) {
        Some(view) => axum::Json(view).into_response(),
        None => detail(StatusCode::NOT_FOUND, "Session not found"),
    }
}

/// The 422 for a session id that is not a UUID (one `ValidationError` where the spec says so).
fn bad_session_id(session_id: &str, one: bool) -> Option<Response> {
    let mut check = Check::default();
    check.path_uuid("session_id", session_id);
    if one {
        check.finish_one()
    } else {
        check.finish()
    }
}

async fn stop_session(
    Extract(state): Extract<Shared>,
    Path(session_id): Path<String>,
    body: Bytes,
) -> Response {
    let mut check = Check::default();
    check.path_uuid("session_id", &session_id);
    let body = check.object(&body, false);
    check.known(&body, &["action"]);
    if check
        .string(&body, "action", true, 0, 100)
        .is_some_and(|a| a != "stop")
    {
        check.fail(&["action"], "enum", "Input should be 'stop'");
    }
    checked_one!(check);
    let mut state = lock(&state);
    let Some(session) = state.sessions.get_mut(&session_id) else {
        return detail(StatusCode::NOT_FOUND, "Session not found");
    };
    session.stopped = true;
    let stamp = now();
    for task in state
        .tasks
        .iter_mut()
        .filter(|t| t.session_id == session_id && t.finished_at.is_none())
    {
        task.stopped_at.get_or_insert(stamp.clone());
    }
    match session_json(&state, &session_id) {
        Some(view) => axum::Json(view).into_response(),
        None => detail(StatusCode::NOT_FOUND, "Session not found"),
    }
}
