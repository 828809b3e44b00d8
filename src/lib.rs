//! browser-tasks-mcp: an MCP server that lets AI agents create, deploy, run, generate and
//! inspect cloud browser-automation tasks.
//!
//! # Layout
//!
//! - [`cloud`]: HTTP plumbing shared by the provider clients (retry of reads only, timeouts,
//!   the [`cloud::ApiError`] every call returns), and the list of providers by name. No MCP.
//! - [`providers`]: one folder per cloud (`anchor`, `browser_use`), each holding its API
//!   client (no MCP), its conversions into the common run report and catalog records, and its
//!   adapter: its part of each MCP tool it offers. [`providers::register`] lists them.
//! - [`waiting`]: polling with a backoff schedule, a wait budget, heartbeat progress and
//!   cancellation. No MCP.
//! - [`runs`]: the report an agent gets for any run, and what a run is asked to do. No MCP.
//! - [`params`]: task parameters, whatever the provider; [`redact`]: keeping secret values
//!   out of what is shown, logged or stored.
//! - [`catalog`]: the catalog of tasks and runs behind [`catalog::CatalogStore`] (today an
//!   embedded SQLite file, shared by processes).
//! - [`mcp`]: the MCP surface: the server handler, the tool registry, the context a tool sees,
//!   one file per static tool (composed from the providers' parts), task tools, argument
//!   checking, the portable schema profile, replies. No HTTP details.
//! - [`http`]: the HTTP transports (Streamable HTTP, legacy SSE), their security checks and
//!   graceful shutdown. No MCP logic.
//! - [`config`], [`telemetry`]: flags and environment, stderr logging.
//! - [`cli`]: the command line's subcommands for people (`tools`, `call`, `doctor`,
//!   `install`, `runs`), on top of the server; with none, the binary serves.

pub mod catalog;
pub mod cli;
pub mod cloud;
pub mod config;
pub mod evidence;
pub mod http;
pub mod mcp;
pub mod params;
pub mod providers;
pub mod redact;
pub mod runs;
pub mod telemetry;
pub mod waiting;

use std::sync::Arc;

use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

use crate::catalog::{Catalog, CatalogStore};
use crate::config::{CatalogLocation, Config, HttpOptions};
use crate::mcp::refresh::Upkeep;
use crate::mcp::{BrowserTasksServer, Registry, Setup};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Setup(#[from] cloud::SetupError),
    #[error(transparent)]
    Catalog(#[from] catalog::CatalogError),
    #[error("the MCP session failed to start: {0}")]
    Start(String),
    #[error("the MCP session ended with an error: {0}")]
    Session(String),
}

/// Build the MCP handler a configuration describes (opening the catalog).
pub fn build_server(config: Config) -> Result<(BrowserTasksServer, Upkeep), ServeError> {
    let providers = providers::register(&config)?;
    let catalog: Arc<dyn CatalogStore> = match &config.catalog {
        CatalogLocation::File(path) => Arc::new(Catalog::open(path)?),
        CatalogLocation::Memory => Arc::new(Catalog::in_memory()?),
    };
    let registry = Registry::new(Setup {
        providers,
        catalog,
        settings: config.tools,
        secrets: config.secrets,
    });
    Ok((BrowserTasksServer::new(registry), config.upkeep))
}

/// Serve `server` over stdio until the client closes stdin, keeping the catalog and the tool
/// list up to date meanwhile.
pub async fn serve_stdio(server: BrowserTasksServer, upkeep: Upkeep) -> Result<(), ServeError> {
    serve_transport(server, upkeep, rmcp::transport::stdio()).await
}

/// Serve `server` over any MCP transport (an in-memory duplex in tests, a socket, …) until the
/// client goes away, keeping the catalog and the tool list up to date meanwhile, as
/// [`serve_stdio`] does for stdio.
pub async fn serve_transport<T, E, A>(
    server: BrowserTasksServer,
    upkeep: Upkeep,
    transport: T,
) -> Result<(), ServeError>
where
    T: rmcp::transport::IntoTransport<rmcp::RoleServer, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let _upkeep = start_upkeep(&server, upkeep);
    let running = match server.serve(transport).await {
        Ok(running) => running,
        // The client went away before initializing (stdin closed by hand, a client that gave
        // up): there is nothing to serve, and nothing went wrong.
        Err(rmcp::service::ServerInitializeError::ConnectionClosed(_)) => {
            tracing::info!("the client left before it initialized; exiting");
            return Ok(());
        }
        Err(error) => return Err(ServeError::Start(error.to_string())),
    };
    running
        .waiting()
        .await
        .map_err(|e| ServeError::Session(e.to_string()))?;
    Ok(())
}

/// Serve over HTTP on `listener` until `shutdown` resolves, then shut down gracefully.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    server: BrowserTasksServer,
    options: HttpOptions,
    upkeep: Upkeep,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let _upkeep = start_upkeep(&server, upkeep);
    http::serve_http(listener, server.registry().clone(), options, shutdown)
        .await
        .map_err(|e| ServeError::Session(e.to_string()))
}

/// Start the background upkeep; it stops when the returned guard drops.
fn start_upkeep(server: &BrowserTasksServer, upkeep: Upkeep) -> tokio_util::sync::DropGuard {
    let stop = CancellationToken::new();
    tokio::spawn(mcp::refresh::run_upkeep(
        server.registry().clone(),
        upkeep,
        stop.clone(),
    ));
    stop.drop_guard()
}
