//! The clouds this server drives, one folder each: the provider's API client (which knows
//! nothing of MCP) and what the rest of the server needs to know about that provider.
//!
//! - [`anchor`]: Anchor Browser's Tasks API (v1 code tasks, v2 Task Builder).
//! - [`browser_use`]: Browser Use Cloud's API v2 (agent tasks, skills, sessions).
//! - [`runs`]: running on whichever cloud a run is on.
//!
//! [`register`] is where a provider is added: every adapter, in the order tools list them.

pub mod anchor;
pub mod browser_use;
pub mod runs;

use std::sync::Arc;

use crate::cloud::{HttpSettings, SetupError};
use crate::mcp::context::adapter::ProviderSet;
use anchor::AnchorClient;
use anchor::adapter::AnchorAdapter;
use browser_use::BrowserUseClient;
use browser_use::adapter::BrowserUseAdapter;

/// How to reach one provider: its connection with the configured key, if any, and the same
/// connection without a key (for sessions that bring their own).
#[derive(Debug, Clone)]
pub struct Connection {
    pub keyed: Option<HttpSettings>,
    pub template: HttpSettings,
}

/// Every provider's adapter, in the order tools list them (the first is the default).
pub fn register(anchor: Connection, browser_use: Connection) -> Result<ProviderSet, SetupError> {
    let anchor_client = anchor.keyed.map(AnchorClient::new).transpose()?;
    let browser_use_client = browser_use.keyed.map(BrowserUseClient::new).transpose()?;
    Ok(ProviderSet::new(vec![
        Arc::new(AnchorAdapter::new(anchor_client, anchor.template)),
        Arc::new(BrowserUseAdapter::new(
            browser_use_client,
            browser_use.template,
        )),
    ]))
}
