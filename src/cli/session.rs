//! The server, in this process, as an agent's client sees it: built with [`build_server`] from
//! the same configuration the binary serves with, served by the same handler as over stdio,
//! and driven by rmcp's own client over an in-memory pipe. One thing differs: the server's
//! background upkeep does not run. A command lists the clouds itself, once, before it starts
//! (its warnings are its own to report), and ends soon after; a second listing in the
//! background would only repeat the first one's requests and warnings, and could be cut off
//! by the exit (a stray "task N was cancelled"). So `tools` prints what `tools/list` answers, and `call` makes exactly an
//! MCP call: its progress notifications are shown, and Ctrl-C sends `notifications/cancelled`
//! as a client does (the server then stops the run in the cloud where the cloud can).

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig,
    ClientRequest, Implementation, JsonObject, ListToolsResult, ProgressNotificationParam,
    ReadResourceRequestParams, ReadResourceResult, ServerResult,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RunningService, ServiceError};
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::CliError;
use super::progress::ProgressLine;
use crate::catalog::RunRecord;
use crate::cloud::Provider;
use crate::config::Config;
use crate::mcp::{Registry, Target};
use crate::{ServeError, build_server};

/// How long, after a Ctrl-C, to wait for the server to finish the call (stopping its run in
/// the cloud) before giving up on it.
const STOP_GRACE: Duration = Duration::from_secs(60);

/// The command line's MCP client: it passes progress messages on to the screen.
struct Listener {
    progress: mpsc::UnboundedSender<String>,
}

impl ClientHandler for Listener {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("browser-tasks-mcp-cli", env!("CARGO_PKG_VERSION")),
        )
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        if let Some(message) = params.message {
            let _ = self.progress.send(message);
        }
    }
}

/// What Ctrl-C does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnCtrlC {
    /// Cancel it as a client does (the server stops its run in the cloud where it can).
    Cancel,
    /// Stop waiting for it, sending nothing: the call is left to the server, and the caller
    /// must leave without closing the session (closing it would cancel the call).
    Detach,
}

/// How a call ended.
pub enum CallEnd {
    /// Ctrl-C with [`OnCtrlC::Detach`]: nothing was sent; the call still runs in the server.
    Detached,
    /// The server answered (an `isError` result included).
    Answered(CallToolResult),
    /// It was interrupted with Ctrl-C and cancelled; the runs it was waiting on, as the
    /// catalog recorded them once the server had finished with the call.
    Cancelled {
        runs: Vec<(String, Option<RunRecord>)>,
        /// Whether the server finished with the call within the grace time (a second Ctrl-C
        /// stops waiting for it).
        settled: bool,
    },
}

/// A cloud whose tasks could not be listed when the session started.
#[derive(Debug, Clone)]
pub struct ListingFailure {
    pub provider: Provider,
    /// The HTTP status the API answered with, if it answered.
    pub status: Option<u16>,
    pub error: String,
}

impl ListingFailure {
    /// The warning a person reads.
    pub fn warning(&self) -> String {
        format!(
            "warning: could not list {}'s tasks, so their tools may be missing: {}",
            self.provider, self.error
        )
    }

    /// Whether `result` already reports this failure: an error of the same cloud with the same
    /// HTTP status (a wrong key answers every request alike).
    pub fn reported_by(&self, result: &rmcp::model::CallToolResult) -> bool {
        let Some(error) = result
            .structured_content
            .as_ref()
            .and_then(|s| s.get("error"))
        else {
            return false;
        };
        result.is_error == Some(true)
            && error.get("provider").and_then(|p| p.as_str()) == Some(self.provider.id())
            && self.status.is_some()
            && error.get("http_status").and_then(|s| s.as_u64()) == self.status.map(u64::from)
    }
}

/// A server in this process and the client connected to it.
pub struct Session {
    client: RunningService<RoleClient, Listener>,
    progress: mpsc::UnboundedReceiver<String>,
    registry: Arc<Registry>,
    serving: JoinHandle<Result<(), ServeError>>,
    /// The clouds whose tasks could not be listed at the start.
    listing_failures: Vec<ListingFailure>,
}

impl Session {
    /// Build the server `config` describes and connect to it. With `list_first`, every
    /// configured cloud's tasks are listed into the catalog first (as the server does at
    /// startup), so that the task tools are there to list and call.
    pub async fn start(config: Config, list_first: bool) -> Result<Self, CliError> {
        // No upkeep (see the module's docs): the listing below is the only one.
        let (server, _upkeep) = build_server(config).await?;
        let registry = server.registry().clone();
        let listing_failures = if list_first {
            list_tasks(&registry).await
        } else {
            Vec::new()
        };
        let (client_end, server_end) = tokio::io::duplex(1 << 16);
        let serving = tokio::spawn(async move {
            let running = server
                .serve(server_end)
                .await
                .map_err(|e| ServeError::Start(e.to_string()))?;
            running
                .waiting()
                .await
                .map(|_| ())
                .map_err(|e| ServeError::Session(e.to_string()))
        });
        let (sender, progress) = mpsc::unbounded_channel();
        let client = Listener { progress: sender }
            .serve(client_end)
            .await
            .map_err(|e| CliError::Failed(format!("could not connect to the server: {e}")))?;
        Ok(Self {
            client,
            progress,
            registry,
            serving,
            listing_failures,
        })
    }

    /// The clouds whose tasks could not be listed at the start (taken: each is reported once).
    pub fn take_listing_failures(&mut self) -> Vec<ListingFailure> {
        std::mem::take(&mut self.listing_failures)
    }

    /// What `tools/list` answers.
    pub async fn list_tools(&self) -> Result<ListToolsResult, CliError> {
        self.client
            .list_tools(None)
            .await
            .map_err(|e| CliError::Failed(format!("tools/list failed: {e}")))
    }

    /// Call `tool` with `arguments` and return its answer, without progress or Ctrl-C
    /// handling: for reads, several of which may go at once.
    pub async fn read(
        &self,
        tool: &str,
        arguments: JsonObject,
    ) -> Result<CallToolResult, CliError> {
        self.client
            .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(arguments))
            .await
            .map_err(|e| CliError::Failed(format!("{tool} failed: {e}")))
    }

    /// What `resources/read` answers for `uri` (the server's refusal as it gave it).
    pub async fn read_resource(&self, uri: &str) -> Result<ReadResourceResult, ServiceError> {
        self.client
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
    }

    /// Whether the listed tool `name` is a task's own tool.
    pub async fn is_task_tool(&self, name: &str) -> bool {
        self.registry
            .table()
            .await
            .get(name)
            .is_some_and(|listed| matches!(listed.target, Target::Task(_)))
    }

    /// Call `tool` with `arguments`, showing its progress on `line`, until it answers or Ctrl-C
    /// comes (then as `on_ctrl_c` says). `watched` names runs to report on after a cancel
    /// besides the ones the server was waiting on.
    pub async fn call(
        &mut self,
        tool: &str,
        arguments: JsonObject,
        line: &ProgressLine,
        watched: &[String],
        on_ctrl_c: OnCtrlC,
    ) -> Result<CallEnd, CliError> {
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        let mut handle = self
            .client
            .send_cancellable_request(
                ClientRequest::CallToolRequest(CallToolRequest::new(params)),
                PeerRequestOptions::no_options(),
            )
            .await
            .map_err(|e| CliError::Failed(format!("could not send the call: {e}")))?;
        let mut interrupt = pin!(tokio::signal::ctrl_c());
        loop {
            tokio::select! {
                response = &mut handle.rx => {
                    return match response {
                        Ok(Ok(ServerResult::CallToolResult(result))) => Ok(CallEnd::Answered(result)),
                        Ok(Ok(other)) => Err(CliError::Failed(format!(
                            "the server answered the call with something else than a result: {other:?}"
                        ))),
                        Ok(Err(error)) => Err(CliError::Protocol(error.to_string())),
                        Err(_) => Err(CliError::Failed("the server went away during the call".into())),
                    };
                }
                Some(message) = self.progress.recv() => line.show(&message),
                _ = &mut interrupt => break,
            }
        }
        if on_ctrl_c == OnCtrlC::Detach {
            return Ok(CallEnd::Detached);
        }
        // Ctrl-C: cancel exactly as a client does, then let the server finish with the call
        // (it stops the run in the cloud where it can) before this process ends.
        line.show("cancelling (Ctrl-C again to stop waiting for the server)");
        let activity = self.registry.activity().clone();
        let mut runs: Vec<String> = activity.runs().into_iter().map(|(id, _)| id).collect();
        for id in watched {
            if !runs.contains(id) {
                runs.push(id.clone());
            }
        }
        let _ = handle.cancel(Some("interrupted (Ctrl-C)".into())).await;
        let settled = tokio::select! {
            idle = activity.wait_idle(STOP_GRACE) => idle,
            _ = tokio::signal::ctrl_c() => false,
        };
        let catalog = &self.registry.env().catalog;
        let mut recorded = Vec::with_capacity(runs.len());
        for id in runs {
            let record = catalog.run(&id).await;
            recorded.push((id, record));
        }
        let runs = recorded;
        Ok(CallEnd::Cancelled { runs, settled })
    }

    /// Close the connection and let the server stop.
    pub async fn stop(self) {
        let _ = self.client.cancel().await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.serving).await;
    }
}

/// List every configured cloud's tasks into the catalog; the clouds that could not be listed.
async fn list_tasks(registry: &Registry) -> Vec<ListingFailure> {
    let env = registry.env();
    let mut failures = Vec::new();
    for adapter in env.providers.configured() {
        if let Err(error) = adapter.sync(env).await {
            failures.push(ListingFailure {
                provider: adapter.provider(),
                status: error.status(),
                error: error.to_string(),
            });
        }
    }
    failures
}
