//! `view EXECUTION_ID`: the run viewer (the server's MCP App, `ui://browser-tasks/run`) in a
//! plain browser, without an AI client. The server runs in this process as for `call`; a
//! tiny host shim (`shim.html`) is served on loopback at a URL with a random token, which this
//! command prints. The shim plays the host's part of MCP Apps: it embeds the viewer in a
//! sandboxed iframe under the CSP the resource asks for, hands it the run as `get_execution`
//! answers it, and passes the viewer's requests to the server through `POST …/rpc`.
//!
//! The endpoint is this machine's only: it listens on 127.0.0.1, answers only requests whose
//! `Host` is that address (a web page elsewhere cannot reach it by DNS rebinding) and whose
//! path carries the token (nor guess it), and it passes on only what the viewer does: the
//! three tools it calls (`get_execution`, `cancel_execution`, `respond_to_intervention`) and
//! reads of the viewer and of runs' evidence. Keys stay in this process.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use clap::Args;
use serde_json::{Value, json};

use super::session::Session;
use super::{CliError, print_out};
use crate::config::Config;

pub const EXAMPLES: &str = "Examples:
  browser-tasks-mcp view 5d9c2a3e-8f1b-4c1e-9a7d-2b6f0e4c8a11
  browser-tasks-mcp view 5d9c2a3e-8f1b-4c1e-9a7d-2b6f0e4c8a11 --port 8932

Prints the URL of a local page that shows the run as an MCP host shows it beside a conversation
(status, live view, output, Stop, the form of a request for a person), and serves it until
Ctrl-C. The page is for this machine only: its URL carries a random token.";

/// The page that hosts the viewer.
const SHIM: &str = include_str!("shim.html");

/// The tools the viewer calls, and the only ones passed on.
const TOOLS: &[&str] = &[
    "get_execution",
    "cancel_execution",
    "respond_to_intervention",
];

/// The resources the viewer reads: itself, and runs' reports and evidence.
const RESOURCES: &[&str] = &["ui://browser-tasks/", "browser-tasks://runs/"];

/// `view`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct ViewArgs {
    /// The run to show: an execution id, as run_task and get_execution give it.
    #[arg(value_name = "EXECUTION_ID")]
    pub execution_id: String,
    /// The local port to serve the page on (0: any free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

/// What the page's requests reach.
struct Shim {
    session: Session,
    token: String,
    /// The `Host` a request must name (`127.0.0.1:PORT`; `localhost:PORT` too).
    hosts: [String; 2],
}

pub async fn run(args: ViewArgs, config: Config) -> Result<ExitCode, CliError> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| CliError::Failed(super::cannot_listen(address, &error)))?;
    let bound = listener
        .local_addr()
        .map_err(|error| CliError::Failed(format!("cannot read the bound address: {error}")))?;
    let session = Session::start(config, false).await?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    let shim = Arc::new(Shim {
        session,
        hosts: [
            format!("127.0.0.1:{}", bound.port()),
            format!("localhost:{}", bound.port()),
        ],
        token: token.clone(),
    });
    let app = axum::Router::new()
        .route("/{token}/", get(page))
        .route("/{token}/rpc", post(rpc))
        .with_state(shim.clone());
    let url = format!(
        "http://{bound}/{token}/?execution_id={}",
        url::form_urlencoded::byte_serialize(args.execution_id.as_bytes()).collect::<String>()
    );
    print_out(&url);
    eprintln!("Open that URL in a browser to watch the run; Ctrl-C stops serving it.");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|error| CliError::Failed(format!("the page's server failed: {error}")))?;
    Ok(ExitCode::SUCCESS)
}

impl Shim {
    /// Whether a request may be answered: the right token, and a `Host` of this machine's.
    fn admits(&self, token: &str, headers: &HeaderMap) -> bool {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        // Constant-time: the token is the page's only secret.
        let token_ok: bool =
            subtle::ConstantTimeEq::ct_eq(token.as_bytes(), self.token.as_bytes()).into();
        token_ok && self.hosts.iter().any(|allowed| allowed == host)
    }
}

async fn page(
    State(shim): State<Arc<Shim>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !shim.admits(&token, &headers) {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(SHIM),
    )
        .into_response()
}

/// One request of the viewer, `{"method", "params"}`, answered `{"result"}` or `{"error"}`.
async fn rpc(
    State(shim): State<Arc<Shim>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if !shim.admits(&token, &headers) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return refused(StatusCode::BAD_REQUEST, format!("not JSON: {error}")),
    };
    let params = &request["params"];
    match request["method"].as_str() {
        Some("tools/call") => {
            let name = params["name"].as_str().unwrap_or_default();
            if !TOOLS.contains(&name) {
                return refused(
                    StatusCode::FORBIDDEN,
                    format!("this page may call {} only", TOOLS.join(", ")),
                );
            }
            let arguments = params["arguments"].as_object().cloned().unwrap_or_default();
            match shim.session.read(name, arguments).await {
                Ok(result) => axum::Json(json!({ "result": result })).into_response(),
                Err(error) => refused(StatusCode::OK, error.to_string()),
            }
        }
        Some("resources/read") => {
            let uri = params["uri"].as_str().unwrap_or_default();
            if !RESOURCES.iter().any(|prefix| uri.starts_with(prefix)) {
                return refused(
                    StatusCode::FORBIDDEN,
                    "this page may read the viewer and runs' evidence only".into(),
                );
            }
            match shim.session.read_resource(uri).await {
                Ok(result) => axum::Json(json!({ "result": result })).into_response(),
                Err(error) => refused(StatusCode::OK, error.to_string()),
            }
        }
        _ => refused(
            StatusCode::FORBIDDEN,
            "this page may call tools/call and resources/read only".into(),
        ),
    }
}

/// A JSON-RPC-shaped refusal the page hands on to the viewer.
fn refused(status: StatusCode, message: String) -> Response {
    (
        status,
        axum::Json(json!({ "error": { "code": -32600, "message": message } })),
    )
        .into_response()
}
