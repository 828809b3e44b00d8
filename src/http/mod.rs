//! The HTTP transport: one listener serving Streamable HTTP at `/mcp` (stateful sessions with
//! `Mcp-Session-Id`; responses, progress and notifications on SSE streams), the legacy
//! HTTP+SSE transport at `/sse` + `/message`, `GET /health` (for people) and `GET /ready`
//! (for a load balancer: 200 while the catalog answers and the server is not shutting down).
//!
//! Every MCP route passes the `guard` (Host/Origin, the access token or OAuth, session cap,
//! scopes) behind a body-size limit (413); a message body that is not JSON-RPC gets a
//! JSON-RPC error (`json_rpc_body`). With OAuth, `GET /.well-known/oauth-protected-resource`
//! describes the protected resource (RFC 9728), without a token (`oauth`). Sessions idle past the configured time are closed and dropped with
//! everything they held: `/health` counts both the sessions being served and the handles the
//! transports still hold, so a leak would show.
//!
//! Shutdown is graceful: when `shutdown` resolves the server stops accepting connections,
//! gives tool calls in flight up to the grace period to finish, logs the ids of runs it was
//! still waiting on (they go on in the cloud), then closes every session.

pub(crate) mod guard;
pub(crate) mod json_rpc_body;
pub(crate) mod legacy_sse;
pub mod oauth;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use self::guard::Authentication;
use self::guard::GuardSettings;
use self::oauth::{DiscoveryError, OAuth};
use crate::config::HttpOptions;
use crate::mcp::{BrowserTasksServer, Registry, SessionKeys, SessionOptions};

/// How long `/health` and `/ready` wait for the catalog to answer.
const CATALOG_PING: Duration = Duration::from_secs(2);

/// How long the last answers get to reach their clients once every call is done.
const ANSWER_FLUSH: Duration = Duration::from_millis(500);

/// Where clients reach a server listening at `bound`: `--public-url` when given, else
/// `http://<bound>`, without a trailing slash.
pub fn public_base(options: &HttpOptions, bound: std::net::SocketAddr) -> String {
    match &options.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_string(),
        None => format!("http://{bound}"),
    }
}

/// How clients of a server listening at `bound` authenticate: with OAuth configured, the
/// issuer's metadata and keys are read first (a failure says what to fix, and the server
/// does not start).
pub async fn authentication(
    options: &HttpOptions,
    bound: std::net::SocketAddr,
) -> Result<Authentication, DiscoveryError> {
    if let Some(oauth) = &options.oauth {
        let oauth = OAuth::discover(oauth, &public_base(options, bound)).await?;
        return Ok(Authentication::OAuth(Arc::new(oauth)));
    }
    Ok(match &options.access_token {
        Some(token) => Authentication::Token(token.clone()),
        None => Authentication::None,
    })
}

/// Serve MCP over HTTP on `listener` until `shutdown` resolves (then shut down gracefully),
/// authenticating clients as `authentication` says.
pub async fn serve_http(
    listener: TcpListener,
    shared: Arc<Registry>,
    options: HttpOptions,
    authentication: Authentication,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let stop = CancellationToken::new();
    let draining = CancellationToken::new();
    let app = router(
        shared.clone(),
        &options,
        authentication,
        draining.clone(),
        stop.clone(),
    );
    let (stopped_accepting, accepting_stopped) = tokio::sync::oneshot::channel::<()>();
    let grace = options.shutdown_grace;
    let activity = shared.activity().clone();
    tokio::spawn({
        let stop = stop.clone();
        async move {
            shutdown.await;
            draining.cancel();
            tracing::info!(
                grace_seconds = grace.as_secs(),
                calls_in_flight = activity.calls(),
                "shutting down: no new connections; waiting for tool calls in flight"
            );
            let _ = stopped_accepting.send(());
            if activity.wait_idle(grace).await {
                // A call counts as done when its handler returns; its answer is written to
                // the client just after. Give those last answers a moment before closing.
                tokio::time::sleep(ANSWER_FLUSH).await;
            } else {
                tracing::warn!(
                    calls_in_flight = activity.calls(),
                    "grace period over; cancelling the calls still in flight"
                );
            }
            let runs = activity.runs();
            if !runs.is_empty() {
                let list: Vec<String> = runs
                    .iter()
                    .map(|(id, label)| format!("{id} ({label})"))
                    .collect();
                tracing::warn!(
                    runs = %list.join(", "),
                    "runs still going in the cloud (check them later with get_execution)"
                );
            }
            stop.cancel();
        }
    });
    // Answers go out as soon as they are written: without TCP_NODELAY, the end of a
    // streamed answer waits for the client's delayed ACK (40 ms on Linux) before it is sent.
    let listener = listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY on a connection");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = accepting_stopped.await;
        })
        .await
}

/// The routes, guarded. `draining` fires when shutdown begins (`/ready` then answers 503);
/// `stop` when the last sessions are closed.
pub fn router(
    shared: Arc<Registry>,
    options: &HttpOptions,
    authentication: Authentication,
    draining: CancellationToken,
    stop: CancellationToken,
) -> Router {
    let session_options = SessionOptions {
        per_request_keys: options.per_request_keys,
        authenticated: matches!(authentication, Authentication::OAuth(_)),
    };
    let mut sessions = LocalSessionManager::default();
    sessions.session_config.keep_alive = Some(options.session_idle);
    sessions.session_config.init_timeout = Some(Duration::from_secs(30));
    let sessions = Arc::new(sessions);
    let factory_state = shared.clone();
    let streamable = StreamableHttpService::new(
        move || {
            Ok(BrowserTasksServer::session(
                factory_state.clone(),
                session_options,
                SessionKeys::default(),
            ))
        },
        sessions.clone(),
        StreamableHttpServerConfig::default()
            // Host and Origin are checked by our guard, for every transport alike.
            .disable_allowed_hosts()
            .with_max_request_body_bytes(options.max_body_bytes)
            .with_sse_keep_alive(Some(Duration::from_secs(15)))
            .with_cancellation_token(stop.child_token()),
    );
    let resource_metadata = match &authentication {
        Authentication::OAuth(oauth) => Some(oauth.metadata().clone()),
        _ => None,
    };
    let guard_settings = Arc::new(GuardSettings {
        authentication,
        allowed_hosts: options.allowed_hosts.clone(),
        allowed_origins: options.allowed_origins.clone(),
        max_sessions: options.max_sessions,
        activity: shared.activity().clone(),
    });
    let legacy = legacy_sse::Legacy::new(shared.clone(), session_options, stop);
    let mcp = Router::new()
        .nest_service("/mcp", streamable)
        .merge(legacy_sse::router(legacy.clone()))
        .layer(axum::middleware::from_fn(json_rpc_body::json_rpc_body))
        .layer(axum::middleware::from_fn_with_state(
            guard_settings,
            guard::guard,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            options.max_body_bytes,
        ));
    let activity = shared.activity().clone();
    let health_registry = shared.clone();
    let ready_registry = shared.clone();
    let mut public = Router::new();
    if let Some(document) = resource_metadata {
        // RFC 9728: at the root, and under the resource's path (`/mcp`), without a token; a
        // browser-based client reads it from another origin.
        let metadata = get(move || {
            let document = document.clone();
            async move {
                (
                    [(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
                    axum::Json(document),
                )
            }
        });
        public = public
            .route(oauth::METADATA_PATH, metadata.clone())
            .route(&format!("{}/mcp", oauth::METADATA_PATH), metadata);
    }
    public
        .route(
            "/health",
            get(move || {
                let activity = activity.clone();
                let sessions = sessions.clone();
                let legacy = legacy.clone();
                let registry = health_registry.clone();
                async move {
                    let handles = sessions.sessions.read().await.len() + legacy.open().await;
                    let catalog = registry.catalog_answers(CATALOG_PING).await;
                    axum::Json(json!({
                        "status": if catalog.is_ok() { "ok" } else { "degraded" },
                        "version": env!("CARGO_PKG_VERSION"),
                        "catalog": catalog.err().unwrap_or_else(|| "ok".into()),
                        "sessions": activity.sessions(),
                        "session_handles": handles,
                        "calls_in_flight": activity.calls(),
                    }))
                }
            }),
        )
        // For a load balancer: 200 while this instance takes new work (its catalog answers and
        // it is not shutting down), else 503 with the reason.
        .route(
            "/ready",
            get(move || {
                let registry = ready_registry.clone();
                let stopping = draining.is_cancelled();
                async move {
                    let reason = if stopping {
                        Err("shutting down".to_string())
                    } else {
                        registry.catalog_answers(CATALOG_PING).await
                    };
                    match reason {
                        Ok(()) => (
                            axum::http::StatusCode::OK,
                            axum::Json(json!({"ready": true})),
                        ),
                        Err(reason) => (
                            axum::http::StatusCode::SERVICE_UNAVAILABLE,
                            axum::Json(json!({"ready": false, "reason": reason})),
                        ),
                    }
                }
            }),
        )
        .merge(mcp)
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn termination_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("received SIGINT"),
        () = terminate => tracing::info!("received SIGTERM"),
    }
}
