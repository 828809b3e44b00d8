//! browser-tasks-mcp: an MCP server that lets AI agents create, deploy, run, generate and
//! inspect cloud browser-automation tasks.
//!
//! # Library surface
//!
//! What the binary, the tests, the examples and the fakes use, and nothing else, is public:
//! [`build_server`] and the `serve_*` functions; [`config`] (flags and environment into a
//! [`config::Config`]); [`cli`] (the subcommands); [`http::termination_signal`];
//! [`telemetry`]; [`mcp`]'s server handle ([`mcp::BrowserTasksServer`]) and the facts tests
//! check tool lists against ([`mcp::static_tool_names`], [`mcp::violations`]); the provider
//! API clients ([`providers::anchor::AnchorClient`], [`providers::browser_use::BrowserUseClient`],
//! their models) and the [`cloud`] types they take and return; [`waiting::PollSchedule`].
//! Every other module is `pub(crate)`.
//!
//! # Layers
//!
//! Bottom up; a layer imports only the ones below it (`layers.py` checks that no parts of a
//! folder import each other round a loop):
//!
//! - `cloud`: HTTP plumbing shared by the provider clients (retry of reads only, timeouts,
//!   the [`cloud::ApiError`] every call returns), and the list of providers by name. No MCP.
//! - `waiting`: polling with a backoff schedule, a wait budget, heartbeat progress and
//!   cancellation. No MCP.
//! - `runs`: the report an agent gets for any run, a cloud that runs tasks, waiting on a run.
//!   `params`: task parameters and the inputs a provider receives; `redact`: keeping secret
//!   values out of what is shown, logged or stored; `evidence`: a run's artifacts.
//! - `catalog`: the catalog of tasks and runs behind `CatalogStore` (today an embedded
//!   SQLite file, shared by processes).
//! - `mcp`: the MCP surface: what a tool sees (`context`, with the `ProviderAdapter` and
//!   `ToolPart` interfaces and the `Work` a part plans), the one place that waits
//!   (`carry_out`), the static tools (one list), task tools, the registry and the server
//!   handler. No HTTP details.
//! - `config`: flags and environment, into the shapes the layers below take.
//! - `providers`: one folder per cloud (`anchor`, `browser_use`), each holding its API
//!   client (no MCP), its conversions into the common run report and catalog records, and its
//!   adapter: its part of each MCP tool it offers.
//! - `http`: the HTTP transports (Streamable HTTP, legacy SSE), their security checks (a
//!   static token, or OAuth: `http::oauth`, which hands the MCP layer only an authenticated
//!   `Caller`) and graceful shutdown. No MCP logic.
//! - `cli`: the command line's subcommands for people (`tools`, `call`, `doctor`,
//!   `install`, `runs`), on top of the server; with none, the binary serves.

pub(crate) mod catalog;
pub mod cli;
pub mod cloud;
pub mod config;
pub(crate) mod evidence;
pub mod http;
pub mod mcp;
pub(crate) mod params;
pub mod providers;
pub(crate) mod redact;
pub(crate) mod runs;
pub mod telemetry;
pub mod waiting;

use std::sync::Arc;

use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

use crate::catalog::{Catalog, CatalogStore, PostgresCatalog};
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
pub async fn build_server(config: Config) -> Result<(BrowserTasksServer, Upkeep), ServeError> {
    let providers = providers::register(&config)?;
    let catalog: Arc<dyn CatalogStore> = match &config.catalog {
        CatalogLocation::File(path) => Arc::new(Catalog::open(path)?),
        CatalogLocation::Memory => Arc::new(Catalog::in_memory()?),
        CatalogLocation::Postgres(url) => Arc::new(PostgresCatalog::open(url).await?),
    };
    let registry = Registry::new(Setup {
        providers,
        catalog,
        settings: config.tools,
        secrets: config.secrets,
    })
    .await;
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
    let _upkeep = start_upkeep(&server, upkeep).await;
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

/// Serve over HTTP on `listener` until `shutdown` resolves, then shut down gracefully;
/// clients authenticate as `authentication` says ([`http::authentication`] makes it).
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    server: BrowserTasksServer,
    options: HttpOptions,
    authentication: http::Authentication,
    upkeep: Upkeep,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let _upkeep = start_upkeep(&server, upkeep).await;
    http::serve_http(
        listener,
        server.registry().clone(),
        options,
        authentication,
        shutdown,
    )
    .await
    .map_err(|e| ServeError::Session(e.to_string()))
}

/// Start the background upkeep; it stops when the returned guard drops.
async fn start_upkeep(server: &BrowserTasksServer, upkeep: Upkeep) -> tokio_util::sync::DropGuard {
    let stop = CancellationToken::new();
    let work = mcp::refresh::run_upkeep(server.registry().clone(), upkeep, stop.clone()).await;
    tokio::spawn(work);
    stop.drop_guard()
}
