//! The one line the server prints to stderr at startup: what is served, where, which
//! providers are configured (or what to set), and how to connect a client.

use super::anchor::ANCHOR_KEY_VARS;
use super::browser_use::BROWSER_USE_KEY_VAR;
use super::http::Transport;

/// The facts the startup line reports (kept apart from [`super::Config`], which building the
/// server consumes).
#[derive(Debug, Clone)]
pub struct StartupSummary {
    pub(super) transport: Transport,
    /// Anchor's base URL, when a key is configured.
    pub(super) anchor: Option<String>,
    /// Browser Use's base URL, when a key is configured.
    pub(super) browser_use: Option<String>,
    pub(super) catalog: String,
    pub(super) per_request_keys: bool,
}

impl StartupSummary {
    /// The line printed to stderr at startup: what is served, where, which providers are
    /// configured (or what to set), and how to connect a client.
    ///
    /// `address` is where the HTTP transport listens (ignored for stdio).
    pub fn line(
        &self,
        static_tools: usize,
        task_tools: usize,
        address: Option<std::net::SocketAddr>,
    ) -> String {
        let configured: Vec<String> = [
            self.anchor
                .as_ref()
                .map(|url| format!("Anchor Browser ({url})")),
            self.browser_use
                .as_ref()
                .map(|url| format!("Browser Use Cloud ({url})")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let providers = match (configured.is_empty(), self.per_request_keys) {
            (false, _) => format!("providers: {}", configured.join(", ")),
            (true, true) => "providers: per session (clients send an anchor-api-key or \
                             x-browser-use-api-key header)"
                .to_string(),
            (true, false) => format!(
                "providers: none configured (set {} for Anchor Browser and/or {} for Browser \
                 Use Cloud; until then every tool call explains what is missing)",
                ANCHOR_KEY_VARS[0], BROWSER_USE_KEY_VAR
            ),
        };
        match self.transport {
            Transport::Http => {
                let base = match address {
                    Some(address) => format!("http://{address}"),
                    None => "http://(unbound)".to_string(),
                };
                format!(
                    "browser-tasks-mcp {}: serving {static_tools} MCP tools + {task_tools} task \
                     tools over HTTP at {base}/mcp (Streamable HTTP; legacy SSE at {base}/sse; \
                     health at {base}/health); {providers}; catalog {}; connect a client with \
                     the \"browser-tasks-http\" entry of mcp.json (url {base}/mcp).",
                    env!("CARGO_PKG_VERSION"),
                    self.catalog
                )
            }
            Transport::Stdio => format!(
                "browser-tasks-mcp {}: serving {static_tools} MCP tools + {task_tools} task \
                 tools over stdio (JSON-RPC on stdin/stdout); {providers}; catalog {}; connect a \
                 client by adding the \"browser-tasks\" entry of mcp.json to Claude Desktop, \
                 Cursor or VS Code (it launches this binary).",
                env!("CARGO_PKG_VERSION"),
                self.catalog
            ),
        }
    }
}
