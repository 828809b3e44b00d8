//! The fake's browser sessions (`/v1/sessions/…`, shapes from the vendor's OpenAPI file): reading
//! and ending a session (ending it cancels the run in it), its recordings and downloads, and a
//! task's requests for a person with their answers.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as Extract};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::answers::{Shared, error, is_uuid, json_object, only_fields, v1_ok};

pub(super) fn routes() -> Router<Shared> {
    Router::new()
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
