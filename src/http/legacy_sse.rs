//! The legacy HTTP+SSE transport (protocol 2024-11-05), which rmcp 3.9 no longer ships:
//! `GET /sse` opens a session and its event stream, whose first event (`endpoint`) names the
//! URL to POST messages to; `POST /message?sessionId=…` delivers one JSON-RPC message to that
//! session, and every answer and notification comes back on the stream as a `message` event.
//!
//! Each session is an rmcp service over a pair of channels. When the client drops the stream,
//! the session is cancelled (a drop guard travels with the stream), so nothing lingers.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, GetExtensions, ServerJsonRpcMessage};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;

use crate::mcp::{BrowserTasksServer, Caller, Registry, SessionKeys, SessionOptions};

/// The legacy transport's state: open sessions by id.
pub struct Legacy {
    sessions: RwLock<HashMap<String, mpsc::Sender<ClientJsonRpcMessage>>>,
    shared: Arc<Registry>,
    options: SessionOptions,
    stop: CancellationToken,
}

impl Legacy {
    pub fn new(
        shared: Arc<Registry>,
        options: SessionOptions,
        stop: CancellationToken,
    ) -> Arc<Self> {
        Arc::new(Self {
            sessions: RwLock::new(HashMap::new()),
            shared,
            options,
            stop,
        })
    }

    /// How many sessions this transport holds.
    pub async fn open(&self) -> usize {
        self.sessions.read().await.len()
    }
}

/// `GET /sse` and `POST /message`, as a router to nest at the root.
pub fn router(legacy: Arc<Legacy>) -> Router {
    Router::new()
        .route("/sse", get(open))
        .route("/message", post(deliver))
        .with_state(legacy)
}

async fn open(State(legacy): State<Arc<Legacy>>, headers: HeaderMap) -> Response {
    let keys = SessionKeys::from_headers(&headers, &legacy.shared.env().providers);
    let server = BrowserTasksServer::session(legacy.shared.clone(), legacy.options, keys);
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (to_server, from_client) = mpsc::channel::<ClientJsonRpcMessage>(64);
    let (to_client, from_server) = mpsc::channel::<ServerJsonRpcMessage>(64);
    legacy.sessions.write().await.insert(id.clone(), to_server);
    let session_stop = legacy.stop.child_token();
    {
        let legacy = legacy.clone();
        let id = id.clone();
        let stop = session_stop.clone();
        tokio::spawn(async move {
            match server.serve_with_ct((to_client, from_client), stop).await {
                Ok(running) => {
                    let _ = running.waiting().await;
                }
                Err(error) => tracing::warn!(%error, "a legacy SSE session failed to start"),
            }
            legacy.sessions.write().await.remove(&id);
        });
    }
    // Dropped with the stream when the client goes away: ends the session.
    let ends_session = session_stop.drop_guard();
    let endpoint = futures::stream::once(async move {
        Ok::<_, Infallible>(
            Event::default()
                .event("endpoint")
                .data(format!("/message?sessionId={id}")),
        )
    });
    let messages = from_server.map(move |message| {
        let _keep = &ends_session;
        let data = serde_json::to_string(&message).unwrap_or_default();
        Ok::<_, Infallible>(Event::default().event("message").data(data))
    });
    Sse::new(endpoint.chain(messages))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

#[derive(Deserialize)]
struct Target {
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
}

async fn deliver(
    State(legacy): State<Arc<Legacy>>,
    Query(target): Query<Target>,
    caller: Option<Extension<Caller>>,
    body: Bytes,
) -> Response {
    let fail = |status: StatusCode, message: &str| {
        (status, axum::Json(json!({"error": message}))).into_response()
    };
    let Some(id) = target.session_id else {
        return fail(StatusCode::BAD_REQUEST, "sessionId query parameter missing");
    };
    let mut message: ClientJsonRpcMessage = match serde_json::from_slice(&body) {
        Ok(message) => message,
        Err(error) => {
            return fail(
                StatusCode::BAD_REQUEST,
                &format!("not a JSON-RPC message: {error}"),
            );
        }
    };
    // Who sent it (OAuth) travels with the message, as the HTTP request's extensions do on
    // Streamable HTTP.
    if let Some(Extension(caller)) = caller {
        match &mut message {
            ClientJsonRpcMessage::Request(request) => {
                request.request.extensions_mut().insert(caller);
            }
            ClientJsonRpcMessage::Notification(notification) => {
                notification.notification.extensions_mut().insert(caller);
            }
            _ => {}
        }
    }
    let Some(mut sender) = legacy.sessions.read().await.get(&id).cloned() else {
        return fail(
            StatusCode::NOT_FOUND,
            "no such session (open one with GET /sse)",
        );
    };
    match sender.send(message).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(_) => fail(StatusCode::GONE, "the session has ended"),
    }
}
