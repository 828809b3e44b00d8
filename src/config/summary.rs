//! The one line the server prints to stderr at startup: what is served, where, which
//! providers are configured (or what to set), and how to connect a client.

use super::http::Transport;
use crate::cloud::Provider;

/// The facts the startup line reports (kept apart from [`super::Config`], which building the
/// server consumes).
#[derive(Debug, Clone)]
pub struct StartupSummary {
    pub(super) transport: Transport,
    /// Every provider, with its base URL when a key is configured.
    pub(super) providers: Vec<(Provider, Option<String>)>,
    pub(super) catalog: String,
    pub(super) per_request_keys: bool,
    pub(super) read_only: bool,
    /// `--public-url`, when given.
    pub(super) public_url: Option<String>,
    /// OAuth: the issuer, the audience when given (else the server's /mcp URL), the scopes.
    pub(super) oauth: Option<(String, Option<String>, [String; 3])>,
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
        let configured: Vec<String> = self
            .providers
            .iter()
            .filter_map(|(provider, url)| Some(format!("{provider} ({})", url.as_ref()?)))
            .collect();
        let all = |what: &dyn Fn(Provider) -> String, or: &str| {
            let items: Vec<String> = self.providers.iter().map(|(p, _)| what(*p)).collect();
            match items.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} {or} {last}", rest.join(", ")),
                None => String::new(),
            }
        };
        let providers = match (configured.is_empty(), self.per_request_keys) {
            (false, _) => format!("providers: {}", configured.join(", ")),
            (true, true) => format!(
                "providers: per session (clients send an {} header)",
                all(&|p| p.key_header().to_string(), "or")
            ),
            (true, false) => format!(
                "providers: none configured (set {}; until then every tool call explains what \
                 is missing)",
                all(&|p| format!("{} for {p}", p.key_env()), "and/or")
            ),
        };
        // Said before the tool counts, so a person sees at once why runs cannot start.
        let mode = if self.read_only {
            " read-only (--read-only):"
        } else {
            ""
        };
        match self.transport {
            Transport::Http => {
                let bound = match address {
                    Some(address) => format!("http://{address}"),
                    None => "http://(unbound)".to_string(),
                };
                let (base, listening) = match &self.public_url {
                    Some(public) => (
                        public.trim_end_matches('/').to_string(),
                        format!(" (listening on {bound})"),
                    ),
                    None => (bound, String::new()),
                };
                let oauth = match &self.oauth {
                    Some((issuer, audience, [read, run, build])) => format!(
                        "; OAuth: tokens of {issuer} for {} (scopes {read}, {run}, {build}; \
                         metadata at {base}/.well-known/oauth-protected-resource)",
                        audience.clone().unwrap_or_else(|| format!("{base}/mcp"))
                    ),
                    None => String::new(),
                };
                format!(
                    "browser-tasks-mcp {}:{mode} serving {static_tools} MCP tools + {task_tools} \
                     task tools over HTTP at {base}/mcp{listening} (Streamable HTTP; legacy SSE \
                     at {base}/sse; health at {base}/health){oauth}; {providers}; catalog {}; \
                     connect a client with the \"browser-tasks-http\" entry of mcp.json (url \
                     {base}/mcp).",
                    env!("CARGO_PKG_VERSION"),
                    self.catalog
                )
            }
            Transport::Stdio => format!(
                "browser-tasks-mcp {}:{mode} serving {static_tools} MCP tools + {task_tools} \
                 task tools over stdio (JSON-RPC on stdin/stdout); {providers}; catalog {}; connect a \
                 client by adding the \"browser-tasks\" entry of mcp.json to Claude Desktop, \
                 Cursor or VS Code (it launches this binary).",
                env!("CARGO_PKG_VERSION"),
                self.catalog
            ),
        }
    }
}
