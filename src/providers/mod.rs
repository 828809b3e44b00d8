//! The clouds this server drives, one folder each: the provider's API client (which knows
//! nothing of MCP) and what the rest of the server needs to know about that provider.
//!
//! - [`anchor`]: Anchor Browser's Tasks API (v1 code tasks, v2 Task Builder).
//! - [`browser_use`]: Browser Use Cloud's API v2 (agent tasks, skills, sessions).
//!
//! [`register`] is where a provider is added: every adapter, in the order tools list them.

pub mod anchor;
pub mod browser_use;

use std::sync::Arc;

use crate::cloud::{Provider, SetupError};
use crate::config::{Config, ProviderSettings};
use crate::mcp::context::adapter::ProviderSet;
use anchor::AnchorClient;
use anchor::adapter::AnchorAdapter;
use browser_use::BrowserUseClient;
use browser_use::adapter::BrowserUseAdapter;

/// Every provider's adapter, in the order tools list them (the first is the default).
pub fn register(config: &Config) -> Result<ProviderSet, SetupError> {
    register_with(&config.anchor, &config.browser_use)
}

/// [`register`], with `provider`'s API at `base_url` instead of where `config` says (`doctor`
/// checks a client's entry against the API that entry points at).
pub fn register_at(
    config: &Config,
    provider: Provider,
    base_url: &str,
) -> Result<ProviderSet, SetupError> {
    let (mut anchor, mut browser_use) = (config.anchor.clone(), config.browser_use.clone());
    let moved = match provider {
        Provider::Anchor => &mut anchor,
        Provider::BrowserUse => &mut browser_use,
    };
    moved.template.base_url = base_url.to_string();
    if let Some(connection) = &mut moved.connection {
        connection.base_url = base_url.to_string();
    }
    register_with(&anchor, &browser_use)
}

/// [`register`] from each provider's settings.
pub fn register_with(
    anchor: &ProviderSettings,
    browser_use: &ProviderSettings,
) -> Result<ProviderSet, SetupError> {
    let anchor_client = anchor
        .connection
        .clone()
        .map(AnchorClient::new)
        .transpose()?;
    let browser_use_client = browser_use
        .connection
        .clone()
        .map(BrowserUseClient::new)
        .transpose()?;
    Ok(ProviderSet::new(vec![
        Arc::new(AnchorAdapter::new(anchor_client, anchor.template.clone())),
        Arc::new(BrowserUseAdapter::new(
            browser_use_client,
            browser_use.template.clone(),
        )),
    ]))
}
