//! Progress reports of a waiting tool call, sent to the client as `notifications/progress`
//! when (and only when) the request carried a progress token. Messages are scrubbed of every
//! secret value the server knows (an agent's step may quote what it typed).

use rmcp::RoleServer;
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::Peer;

use std::sync::Arc;

use super::secrets::SecretStore;
use crate::redact::scrub_text;
use crate::waiting::{ProgressSink, ProgressUpdate};

/// Sends progress for one request to its client.
pub struct McpProgress {
    peer: Peer<RoleServer>,
    token: Option<ProgressToken>,
    secrets: Arc<SecretStore>,
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
        }
    }

    /// The client this call came from (to ask its user, see `mcp::person`).
    pub fn peer(&self) -> &Peer<RoleServer> {
        &self.peer
    }
}

impl ProgressSink for McpProgress {
    async fn report(&self, update: ProgressUpdate) {
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
