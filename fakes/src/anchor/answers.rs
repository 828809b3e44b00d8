//! What every route of the fake shares: the state it is handed, the spec's answer shapes
//! (`{data: …}` for v1, the one `ErrorResponse`) and the body checks the vendor documents.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::state::State;

/// The fake's state, as every route gets it.
pub(super) type Shared = Arc<Mutex<State>>;

pub(super) fn v1_ok(data: Value) -> Response {
    (StatusCode::OK, axum::Json(json!({ "data": data }))).into_response()
}

/// The spec's `ErrorResponse` (v1 and v2 alike).
pub(super) fn error(status: StatusCode, message: impl AsRef<str>) -> Response {
    let body = json!({"error": {"code": status.as_u16(), "message": message.as_ref()}});
    (status, axum::Json(body)).into_response()
}

pub(super) fn json_object(bytes: &Bytes, empty_ok: bool) -> Result<Map<String, Value>, String> {
    if bytes.is_empty() {
        return if empty_ok {
            Ok(Map::new())
        } else {
            Err("Request body is required".into())
        };
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("Request body must be a JSON object".into()),
        Err(e) => Err(format!("Invalid JSON body: {e}")),
    }
}

pub(super) fn only_fields(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(unknown) => Err(format!("Unknown field '{unknown}'")),
        None => Ok(()),
    }
}

pub(super) fn is_uuid(text: &str) -> bool {
    text.len() == 36 && uuid::Uuid::parse_str(text).is_ok()
}
