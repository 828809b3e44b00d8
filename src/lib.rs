//! browser-tasks-mcp: an MCP server that lets AI agents create, deploy, run, generate and
//! inspect cloud browser-automation tasks.
//!
//! # Layout
//!
//! - [`cloud`]: HTTP plumbing shared by the provider clients (retry of reads only, timeouts,
//!   the [`cloud::ApiError`] every call returns). No MCP.
//! - [`anchor`]: the client of Anchor Browser's Tasks API, one method per endpoint, and its
//!   input rules. No MCP.
//! - [`waiting`]: polling with a backoff schedule, a wait budget, heartbeat progress and
//!   cancellation. No MCP.
//! - [`runs`]: checking and waiting on task runs, and the report an agent gets. No MCP.
//! - [`catalog`]: what the server remembers about tasks the cloud cannot list.
//! - [`mcp`]: the MCP surface: server handler, one file per tool, argument checking, the
//!   portable schema profile, replies. No HTTP details.
//! - [`config`], [`telemetry`]: flags and environment, stderr logging.
//! - `fakes` (feature `fakes`): faithful fakes of the cloud APIs for tests and offline use.

pub mod anchor;
pub mod catalog;
pub mod cloud;
pub mod config;
#[cfg(feature = "fakes")]
pub mod fakes;
pub mod mcp;
pub mod params;
pub mod redact;
pub mod runs;
pub mod telemetry;
pub mod waiting;

use rmcp::ServiceExt;

use crate::anchor::AnchorClient;
use crate::catalog::Catalog;
use crate::config::{Config, Transport};
use crate::mcp::{BrowserTasksServer, Shared};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Setup(#[from] cloud::SetupError),
    #[error("the MCP session failed to start: {0}")]
    Start(String),
    #[error("the MCP session ended with an error: {0}")]
    Session(String),
}

/// Build the MCP handler a configuration describes.
pub fn build_server(config: &Config) -> Result<BrowserTasksServer, ServeError> {
    let anchor = config.anchor.clone().map(AnchorClient::new).transpose()?;
    Ok(BrowserTasksServer::new(Shared {
        anchor,
        waits: config.waits.clone(),
        catalog: Catalog::default(),
    }))
}

/// Serve `server` on the configured transport until the client goes away.
pub async fn serve(config: &Config, server: BrowserTasksServer) -> Result<(), ServeError> {
    match config.transport {
        Transport::Stdio => {
            let running = server
                .serve(rmcp::transport::stdio())
                .await
                .map_err(|e| ServeError::Start(e.to_string()))?;
            running
                .waiting()
                .await
                .map_err(|e| ServeError::Session(e.to_string()))?;
            Ok(())
        }
    }
}
