//! The fake's browser sessions (`/v1/sessions/…`, shapes from the vendor's OpenAPI file):
//! starting one (`POST /v1/sessions`, checked as `SessionCreateRequestSchema` says), reading and
//! ending one (ending it cancels the run in it), its recordings and downloads, and a task's
//! requests for a person with their answers.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::answers::{Shared, error, is_uuid, json_object, only_fields, v1_ok};

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/sessions", post(create_session))
        .route("/v1/sessions/pending-interventions", get(pending))
        .route(
            "/v1/sessions/{session_id}",
            get(get_session).delete(end_session),
        )
        .route("/v1/sessions/{session_id}/recordings", get(recordings))
        .route("/v1/sessions/{session_id}/downloads", get(downloads))
        .route("/v1/sessions/{session_id}/screenshot", get(screenshot))
        .route(
            "/v1/sessions/{session_id}/agent/requested-human-intervention",
            get(requested),
        )
        .route(
            "/v1/sessions/{session_id}/agent/respond-to-human-intervention",
            axum::routing::post(respond),
        )
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Session not found")
}

/// `SessionCreateRequestSchema`'s fields (the body itself is optional).
const CREATE_FIELDS: [&str; 6] = [
    "session",
    "browser",
    "integrations",
    "identities",
    "identity_skip_validation",
    "identity_async_auth",
];

/// The documented checks of a session's `session` settings (`SessionConfig`): a 400 names the
/// first field of the wrong type.
fn check_session_config(config: &serde_json::Map<String, Value>) -> Result<(), String> {
    let object = |key: &str| match config.get(key) {
        None | Some(Value::Object(_)) => Ok(()),
        Some(_) => Err(format!("'session.{key}' must be an object")),
    };
    match config.get("initial_url") {
        None => {}
        // `format: uri`: a scheme, then something after it.
        Some(Value::String(url))
            if url
                .split_once("://")
                .is_some_and(|(s, r)| !s.is_empty() && !r.is_empty()) => {}
        Some(_) => return Err("'session.initial_url' must be a URL".into()),
    }
    match config.get("tags") {
        None => {}
        Some(Value::Array(tags)) if tags.iter().all(Value::is_string) => {}
        Some(_) => return Err("'session.tags' must be an array of strings".into()),
    }
    for key in ["recording", "proxy", "timeout", "live_view"] {
        object(key)?;
    }
    if let Some(Value::Object(timeout)) = config.get("timeout") {
        for key in ["max_duration", "idle_timeout"] {
            if timeout.get(key).is_some_and(|v| !v.is_i64()) {
                return Err(format!("'session.timeout.{key}' must be an integer"));
            }
        }
    }
    if config.get("x402").is_some_and(|v| !v.is_boolean()) {
        return Err("'session.x402' must be a boolean".into());
    }
    Ok(())
}

/// `POST /v1/sessions`: a new running session, answered as `SessionCreateResponseSchema`
/// (`{data: {id, cdp_url, live_view_url}}`); a body the schema refuses is a 400.
async fn create_session(Extract(state): Extract<Shared>, body: Bytes) -> Response {
    let bad = |m: &str| error(StatusCode::BAD_REQUEST, m);
    let body = match json_object(&body, true) {
        Ok(body) => body,
        Err(m) => return bad(&m),
    };
    if let Err(m) = only_fields(&body, &CREATE_FIELDS) {
        return bad(&m);
    }
    let configuration = match body.get("session") {
        None => json!({}),
        Some(Value::Object(config)) => {
            if let Err(m) = check_session_config(config) {
                return bad(&m);
            }
            Value::Object(config.clone())
        }
        Some(_) => return bad("'session' must be an object"),
    };
    if body.get("browser").is_some_and(|v| !v.is_object()) {
        return bad("'browser' must be an object");
    }
    for key in ["integrations", "identities"] {
        if body.get(key).is_some_and(|v| !v.is_array()) {
            return bad(&format!("'{key}' must be an array"));
        }
    }
    for key in ["identity_skip_validation", "identity_async_auth"] {
        if body.get(key).is_some_and(|v| !v.is_boolean()) {
            return bad(&format!("'{key}' must be a boolean"));
        }
    }
    let id = crate::ledger::lock(&state).create_session(configuration);
    v1_ok(json!({
        "id": id,
        "cdp_url": format!("wss://connect.fake-anchor.test/?sessionId={id}"),
        "live_view_url": format!("https://live.fake-anchor.test/inspector?sessionId={id}"),
    }))
}

async fn get_session(Extract(state): Extract<Shared>, Path(id): Path<String>) -> Response {
    let state = crate::ledger::lock(&state);
    match state.sessions.get(&id) {
        Some(session) => v1_ok(session.json()),
        None => not_found(),
    }
}

/// The spec declares 200, 401 ("Invalid API Key or browser session ID") and 500: an unknown
/// session is a 401.
async fn end_session(Extract(state): Extract<Shared>, Path(id): Path<String>) -> Response {
    let mut state = crate::ledger::lock(&state);
    if state.end_session(&id) {
        v1_ok(json!({"status": "success"}))
    } else {
        error(
            StatusCode::UNAUTHORIZED,
            "Invalid API Key or browser session ID",
        )
    }
}

async fn recordings(Extract(state): Extract<Shared>, Path(id): Path<String>) -> Response {
    let state = crate::ledger::lock(&state);
    match state.sessions.get(&id) {
        Some(s) => v1_ok(json!({"count": s.recordings.len(), "items": s.recordings})),
        None => error(StatusCode::NOT_FOUND, "Session recordings not found"),
    }
}

async fn downloads(Extract(state): Extract<Shared>, Path(id): Path<String>) -> Response {
    let state = crate::ledger::lock(&state);
    match state.sessions.get(&id) {
        Some(s) => v1_ok(json!({"count": s.downloads.len(), "items": s.downloads})),
        None => not_found(),
    }
}

/// A PNG of the page (the PNG signature, then filler up to the scripted size); the spec's
/// 404 (`{"error"}`) for an unknown or ended session.
async fn screenshot(Extract(state): Extract<Shared>, Path(id): Path<String>) -> Response {
    let state = crate::ledger::lock(&state);
    match state.sessions.get(&id) {
        Some(session) if !session.ended => {
            let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
            png.resize(state.screenshot_bytes.max(png.len()), 0);
            axum::response::IntoResponse::into_response((
                [(axum::http::header::CONTENT_TYPE, "image/png")],
                png,
            ))
        }
        _ => axum::response::IntoResponse::into_response((
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "Session not found"})),
        )),
    }
}

async fn requested(Extract(state): Extract<Shared>, Path(id): Path<String>) -> Response {
    if !is_uuid(&id) {
        return not_found();
    }
    let state = crate::ledger::lock(&state);
    let Some(session) = state.sessions.get(&id) else {
        return not_found();
    };
    if session.ended {
        return error(StatusCode::BAD_REQUEST, "Session is not running");
    }
    let requests: Vec<Value> = session
        .interventions
        .iter()
        .filter(|i| i.answer.is_none())
        .map(|i| i.request.clone())
        .collect();
    v1_ok(json!({"status": "success", "message": "ok", "requests": requests}))
}

async fn pending(Extract(state): Extract<Shared>) -> Response {
    let state = crate::ledger::lock(&state);
    let items: Vec<Value> = state
        .sessions
        .values()
        .filter(|s| !s.ended)
        .flat_map(|s| {
            s.interventions
                .iter()
                .filter(|i| i.answer.is_none())
                .map(|i| {
                    let mut item = i.request.clone();
                    item["sessionId"] = Value::from(s.id.clone());
                    item["tags"] = json!([]);
                    item
                })
        })
        .collect();
    v1_ok(json!({"count": items.len(), "items": items}))
}

async fn respond(Extract(state): Extract<Shared>, Path(id): Path<String>, body: Bytes) -> Response {
    let bad = |m: &str| error(StatusCode::BAD_REQUEST, m);
    if !is_uuid(&id) {
        return not_found();
    }
    let body = match json_object(&body, false) {
        Ok(body) => body,
        Err(m) => return bad(&m),
    };
    if let Err(m) = only_fields(&body, &["requestId", "response"]) {
        return bad(&m);
    }
    let response = match body.get("response") {
        Some(v @ (Value::String(_) | Value::Bool(_) | Value::Object(_))) => v.clone(),
        Some(_) => return bad("'response' must be a string, a boolean or an object"),
        None => return bad("'response' is required"),
    };
    let request_id = match body.get("requestId") {
        None => None,
        Some(Value::String(r)) => Some(r.clone()),
        Some(_) => return bad("'requestId' must be a string"),
    };
    let mut state = crate::ledger::lock(&state);
    let Some(session) = state.sessions.get_mut(&id) else {
        return not_found();
    };
    if session.ended {
        return bad("Session is not running");
    }
    // Without requestId: the most recent pending request.
    let pending = session.interventions.iter_mut().rev().find(|i| {
        i.answer.is_none()
            && request_id
                .as_deref()
                .is_none_or(|r| i.request["requestId"] == r)
    });
    let Some(intervention) = pending else {
        return error(StatusCode::NOT_FOUND, "No pending intervention request");
    };
    intervention.answer = Some(response);
    v1_ok(json!({"status": "success", "message": "Response delivered to the agent"}))
}
