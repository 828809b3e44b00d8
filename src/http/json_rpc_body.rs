//! JSON-RPC answers for message bodies that are not JSON-RPC.
//!
//! The transports would answer a body they cannot read with plain text (rmcp: 415 "fail to
//! deserialize"), which a client's JSON-RPC layer cannot match to anything. JSON-RPC 2.0 says
//! what to send instead, and this middleware sends it, for every `POST` that carries messages
//! (`/mcp`, `/message`) that the transport refused:
//!
//! - a body that is not JSON → 400 with error `-32700` (parse error), `id: null`;
//! - JSON that is not a JSON-RPC message → 400 with error `-32600` (invalid request), with the
//!   message's `id` when it has a usable one.
//!
//! Bodies are already capped in size by the layer in front of this one.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::model::ClientJsonRpcMessage;
use serde_json::{Value, json};

/// JSON-RPC 2.0's code for a body that is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC 2.0's code for JSON that is not a request, notification or response.
pub const INVALID_REQUEST: i64 = -32600;

/// The middleware: passes JSON-RPC messages on untouched, answers anything else itself.
pub async fn json_rpc_body(request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The size limit in front already refused oversized bodies; this bound only keeps the
    // buffering honest if the layers are ever reordered.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => {
            return answer(
                StatusCode::BAD_REQUEST,
                Value::Null,
                PARSE_ERROR,
                &format!("Parse error: the request body could not be read ({error})"),
            );
        }
    };
    // Reading a message is the transport's work: a body is checked here only when the
    // transport refused it, so a good message is parsed once, not twice.
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    let status = response.status();
    if (status.is_client_error() || status.is_server_error())
        && let Some(refusal) = refusal(&bytes)
    {
        return refusal;
    }
    response
}

/// The answer for a body that is not one JSON-RPC message, or `None` when it is one.
fn refusal(bytes: &Bytes) -> Option<Response> {
    if serde_json::from_slice::<ClientJsonRpcMessage>(bytes).is_ok() {
        return None;
    }
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(error) => {
            return Some(answer(
                StatusCode::BAD_REQUEST,
                Value::Null,
                PARSE_ERROR,
                &format!(
                    "Parse error: the body is not JSON ({error}); send one JSON-RPC 2.0 message as application/json"
                ),
            ));
        }
    };
    // JSON-RPC: echo the id when it can be read, else null.
    let id = match value.get("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
        _ => Value::Null,
    };
    let why = if value.is_array() {
        "a batch (JSON array) is not accepted; send one message per request".to_string()
    } else if value.get("jsonrpc") != Some(&json!("2.0")) {
        "\"jsonrpc\": \"2.0\" is missing".to_string()
    } else {
        "not a known MCP request, notification or response (check \"method\" and \"params\")"
            .to_string()
    };
    Some(answer(
        StatusCode::BAD_REQUEST,
        id,
        INVALID_REQUEST,
        &format!("Invalid Request: {why}"),
    ))
}

fn answer(status: StatusCode, id: Value, code: i64, message: &str) -> Response {
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn refused(body: &str) -> Option<(u16, Value)> {
        let response = refusal(&Bytes::from(body.to_string()))?;
        let status = response.status().as_u16();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.ok()?;
        Some((status, serde_json::from_slice(&bytes).ok()?))
    }

    #[tokio::test]
    async fn a_json_rpc_message_passes() {
        let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
        assert_eq!(refused(ping).await, None);
        let note = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
        assert_eq!(refused(note).await, None);
    }

    #[tokio::test]
    async fn a_body_that_is_not_json_is_a_parse_error() {
        let (status, body) = refused("{not json").await.unwrap();
        assert_eq!(status, 400);
        assert_eq!(body["error"]["code"], PARSE_ERROR);
        assert_eq!(body["id"], Value::Null);
        assert_eq!(body["jsonrpc"], "2.0");
    }

    #[tokio::test]
    async fn json_that_is_not_json_rpc_is_an_invalid_request_with_its_id() {
        let (status, body) = refused(r#"{"id":7,"method":"ping"}"#).await.unwrap();
        assert_eq!(status, 400);
        assert_eq!(body["error"]["code"], INVALID_REQUEST);
        assert_eq!(body["id"], 7);
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("jsonrpc")
        );
        let (_, batch) = refused(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)
            .await
            .unwrap();
        assert_eq!(batch["error"]["code"], INVALID_REQUEST);
        assert!(
            batch["error"]["message"]
                .as_str()
                .unwrap()
                .contains("batch")
        );
    }
}
