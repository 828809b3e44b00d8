//! The clouds this server can talk to, by name: the one list a new provider is added to.

use std::fmt;

/// A cloud provider this server talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Anchor Browser (Tasks API v1 "legacy code tasks" and v2 "Task Builder").
    Anchor,
    /// Browser Use Cloud (API v2).
    BrowserUse,
}

impl Provider {
    /// Every provider, in the order tools list them (the first is the default).
    pub const ALL: [Provider; 2] = [Provider::Anchor, Provider::BrowserUse];

    /// The environment variable that holds this provider's API key.
    pub fn key_env(self) -> &'static str {
        match self {
            Provider::Anchor => "ANCHOR_API_KEY",
            Provider::BrowserUse => "BROWSER_USE_API_KEY",
        }
    }

    /// The HTTP header a session may bring its own key for this provider in (HTTP transport,
    /// with per-request keys enabled): the one the provider's own API reads.
    pub fn key_header(self) -> &'static str {
        match self {
            Provider::Anchor => "anchor-api-key",
            Provider::BrowserUse => "x-browser-use-api-key",
        }
    }

    /// The origin the provider serves its live view of a run's browser from, to be framed by
    /// a page that shows the run (the run viewer's Content Security Policy names it). Browser
    /// Use: "The live URL is hosted on live.browser-use.com" (its live preview docs); Anchor's
    /// run answers carry no live view URL (its OpenAPI file), so none.
    pub fn live_view_origin(self) -> Option<&'static str> {
        match self {
            Provider::Anchor => None,
            Provider::BrowserUse => Some("https://live.browser-use.com"),
        }
    }

    /// Short machine name, as used in tool arguments and structured results.
    pub fn id(self) -> &'static str {
        match self {
            Provider::Anchor => "anchor",
            Provider::BrowserUse => "browser_use",
        }
    }
}

impl Provider {
    /// The provider named by [`Provider::id`] (unknown names read as Anchor, the first one).
    pub fn from_id(id: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|p| p.id() == id)
            .unwrap_or(Self::ALL[0])
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::Anchor => "Anchor Browser",
            Provider::BrowserUse => "Browser Use Cloud",
        })
    }
}
