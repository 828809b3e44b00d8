//! Progress reports of a waiting tool call, sent to the client as `notifications/progress`
//! when (and only when) the request carried a progress token, or, for a call answered as an
//! MCP task, kept as the task's `statusMessage` (the tasks extension reports progress there,
//! not in notifications). Messages are scrubbed of every secret value the server knows (an
//! agent's step may quote what it typed).

use futures::future::BoxFuture;
use rmcp::RoleServer;
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::Peer;
use serde_json::Value;

use std::sync::Arc;

use super::secrets::SecretStore;
use crate::redact::scrub_text;
use crate::runs::Person;
use crate::waiting::{ProgressSink, ProgressUpdate};

/// Where a call answered as an MCP task reports (implemented by `mcp::tasks`): what progress
/// says, the cloud work it waits on, and who answers a run's requests for a person.
pub trait TaskChannel: Send + Sync {
    /// What progress says now, as the task's `statusMessage` (already scrubbed).
    fn status(&self, message: String) -> BoxFuture<'_, ()>;
    /// The cloud work the call now waits on (`{"provider", "execution_id", …}`), so another
    /// process can finish the task if this one stops.
    fn waits_on(&self, work: Value) -> BoxFuture<'_, ()>;
    /// Who a run's request for a person goes to: the client, through `input_required`.
    fn person(&self) -> &dyn Person;
}

/// Sends progress for one request to its client.
pub struct McpProgress {
    peer: Peer<RoleServer>,
    token: Option<ProgressToken>,
    secrets: Arc<SecretStore>,
    /// The MCP task this call is carried out as, if it is.
    task: Option<Arc<dyn TaskChannel>>,
}

impl McpProgress {
    pub fn new(
        peer: Peer<RoleServer>,
        token: Option<ProgressToken>,
        secrets: Arc<SecretStore>,
    ) -> Self {
        Self {
            peer,
            token,
            secrets,
            task: None,
        }
    }

    /// The same, for a call carried out as the MCP task `task`: progress goes to it.
    pub fn for_task(mut self, task: Arc<dyn TaskChannel>) -> Self {
        self.task = Some(task);
        self
    }

    /// The client this call came from (to ask its user, see `mcp::person`).
    pub fn peer(&self) -> &Peer<RoleServer> {
        &self.peer
    }

    /// The MCP task this call is carried out as, if it is.
    pub fn task(&self) -> Option<&Arc<dyn TaskChannel>> {
        self.task.as_ref()
    }
}

impl ProgressSink for McpProgress {
    async fn report(&self, update: ProgressUpdate) {
        if let Some(task) = &self.task {
            task.status(scrub_text(&update.message, &self.secrets.values()))
                .await;
            return;
        }
        let Some(token) = &self.token else {
            return;
        };
        let message = scrub_text(&update.message, &self.secrets.values());
        let param =
            ProgressNotificationParam::new(token.clone(), update.progress).with_message(message);
        if let Err(error) = self.peer.notify_progress(param).await {
            // A client that went away cannot be told anything; the wait itself goes on until
            // cancelled or done.
            tracing::debug!(%error, "could not send a progress notification");
        }
    }
}
