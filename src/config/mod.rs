//! Configuration: command-line flags (each with an environment variable), the provider keys
//! (environment only, so they never show in a process listing), validation, and the one line
//! the server prints at startup.
//!
//! The flags come in groups, one file each, and each group checks its own values:
//! `http` (the transport) and `oauth` (its OAuth resource server), `waits` (waiting, timeouts, retries), `anchor` and
//! `browser_use` (one per provider), `tasks` (catalog, task tools, secrets, upkeep).
//! `summary` holds the startup line. Every flag's name and environment variable are
//! written once, in a [`Setting`] that both clap and the error naming it read.

mod anchor;
mod browser_use;
mod http;
mod oauth;
mod summary;
mod tasks;
mod waits;

use clap::Parser;

use crate::cloud::HttpSettings;
use crate::cloud::Provider;
use crate::mcp::ToolSettings;
use crate::mcp::refresh::Upkeep;
use crate::mcp::secrets::Secrets;

pub use anchor::{ANCHOR_KEY_VARS, AnchorFlags};
pub use browser_use::{BROWSER_USE_KEY_VAR, BrowserUseFlags};
pub use http::{HttpFlags, HttpOptions, Transport};
pub use oauth::{OAuthFlags, OAuthOptions, ScopeNames};
pub use summary::StartupSummary;
pub use tasks::{CatalogLocation, TaskFlags};
pub use waits::{RequestLimits, RetryFlags, WaitFlags};

/// A flag and the environment variable that also sets it. Each is declared once, as a
/// `const`, and read both by clap (`#[arg(long = X.flag, env = X.env)]`) and by the
/// [`ConfigError`] that names it, so the two cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The long flag, without its leading `--`.
    pub flag: &'static str,
    pub env: &'static str,
}

impl Setting {
    pub const fn new(flag: &'static str, env: &'static str) -> Self {
        Self { flag, env }
    }

    /// The error saying this setting's value cannot be used, and why.
    pub fn invalid(self, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            flag: self.flag,
            env: self.env,
            reason: reason.into(),
        }
    }
}

/// Command-line flags. Every flag can also be set through its environment variable.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "browser-tasks-mcp",
    version,
    about = "MCP server that lets AI agents create, deploy, run, generate and inspect cloud \
             browser-automation tasks.",
    after_help = after_help()
)]
pub struct Cli {
    #[command(flatten)]
    pub http: HttpFlags,
    #[command(flatten)]
    pub anchor: AnchorFlags,
    #[command(flatten)]
    pub browser_use: BrowserUseFlags,
    #[command(flatten)]
    pub waits: WaitFlags,
    #[command(flatten)]
    pub tasks: TaskFlags,
    #[command(flatten)]
    pub retry: RetryFlags,
}

/// The text after the flags in `--help`: where the keys come from (they have no flags).
fn after_help() -> String {
    format!(
        "API keys come from the environment only: {} (or {}) for Anchor Browser, {} for \
         Browser Use Cloud; set either or both. Logs go to stderr; RUST_LOG sets their level \
         (e.g. RUST_LOG=browser_tasks_mcp=debug).",
        ANCHOR_KEY_VARS[0], ANCHOR_KEY_VARS[1], BROWSER_USE_KEY_VAR
    )
}

/// One provider's connection settings.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// The connection, when a key is set.
    pub connection: Option<HttpSettings>,
    /// The same settings without a key (for sessions that bring their own); also where
    /// requests go when no key is set, so the base URL can be reported either way.
    pub template: HttpSettings,
}

impl ProviderSettings {
    /// `template` keyed with the first of `key_vars` that `env` has a non-blank value for.
    fn new(
        template: HttpSettings,
        key_vars: &[&str],
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        let connection = key_vars
            .iter()
            .filter_map(|name| env(name))
            .map(|key| key.trim().to_string())
            .find(|key| !key.is_empty())
            .map(|key| HttpSettings {
                api_key: secrecy::SecretString::from(key),
                ..template.clone()
            });
        Self {
            connection,
            template,
        }
    }

    /// Where this provider's requests go.
    pub fn base_url(&self) -> &str {
        &self.template.base_url
    }
}

/// One provider's settings as a person setting the server up needs them: where its
/// requests go, which flag moves that, and which variables its key is read from.
#[derive(Debug, Clone, Copy)]
pub struct ProviderSetup<'a> {
    pub provider: Provider,
    pub settings: &'a ProviderSettings,
    /// The flag (and variable) that sets the base URL.
    pub base_url: Setting,
    /// The environment variables the key is read from, in order (the first is the one to set).
    pub key_vars: &'static [&'static str],
}

/// A validated configuration.
#[derive(Debug)]
pub struct Config {
    pub transport: Transport,
    pub anchor: ProviderSettings,
    pub browser_use: ProviderSettings,
    /// What tool calls are configured with, passed on as it is.
    pub tools: ToolSettings,
    pub catalog: CatalogLocation,
    pub secrets: Secrets,
    pub upkeep: Upkeep,
    pub http: HttpOptions,
}

/// The fingerprint of the configured provider keys (who owns the MCP tasks of HTTP sessions
/// on the server's own account), never the keys.
fn account_fingerprint(anchor: &ProviderSettings, browser_use: &ProviderSettings) -> String {
    use secrecy::ExposeSecret;
    let keys: Vec<(Provider, String)> = [
        (Provider::Anchor, anchor),
        (Provider::BrowserUse, browser_use),
    ]
    .into_iter()
    .filter_map(|(provider, settings)| {
        let key = settings
            .connection
            .as_ref()?
            .api_key
            .expose_secret()
            .to_string();
        Some((provider, key))
    })
    .collect();
    crate::mcp::tasks::key_fingerprint(&keys)
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting --{flag} (env {env}): {reason}")]
pub struct ConfigError {
    pub flag: &'static str,
    pub env: &'static str,
    pub reason: String,
}

impl Config {
    /// Validate flags; read provider keys and secrets through `env` and `vars` (the process
    /// environment in production, injected so tests need none).
    pub fn from_cli(
        cli: Cli,
        env: impl Fn(&str) -> Option<String>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        // Of several bad settings, the first one met is reported: waits, then HTTP, then tasks.
        let (waits, limits) = cli.waits.check(&cli.retry)?;
        let anchor = cli.anchor.settings(&env, &limits);
        let browser_use = cli.browser_use.settings(&env, &limits);
        let account = account_fingerprint(&anchor, &browser_use);
        let http = cli.http.check()?;
        let resource_inline_max_bytes = cli.tasks.resource_inline_max_bytes;
        let read_only = cli.tasks.read_only;
        let tasks = cli.tasks.check(&env, vars)?;
        Ok(Self {
            transport: cli.http.transport,
            anchor,
            browser_use,
            tools: ToolSettings {
                waits,
                selection: tasks.selection,
                resource_inline_max_bytes,
                read_only,
                first_list_wait: tasks.first_list_wait,
                anchor_run_sessions: cli.anchor.anchor_run_sessions,
                account,
            },
            catalog: tasks.catalog,
            secrets: tasks.secrets,
            upkeep: tasks.upkeep,
            http,
        })
    }

    /// Every provider's settings, in registration order.
    pub fn provider_setups(&self) -> [ProviderSetup<'_>; 2] {
        [
            ProviderSetup {
                provider: Provider::Anchor,
                settings: &self.anchor,
                base_url: anchor::ANCHOR_BASE_URL,
                key_vars: &ANCHOR_KEY_VARS,
            },
            ProviderSetup {
                provider: Provider::BrowserUse,
                settings: &self.browser_use,
                base_url: browser_use::BROWSER_USE_BASE_URL,
                key_vars: &[BROWSER_USE_KEY_VAR],
            },
        ]
    }

    /// What the startup line says about this configuration.
    pub fn summary(&self) -> StartupSummary {
        let keyed = |provider: &ProviderSettings| {
            provider
                .connection
                .as_ref()
                .map(|_| provider.base_url().to_string())
        };
        StartupSummary {
            transport: self.transport,
            providers: vec![
                (Provider::Anchor, keyed(&self.anchor)),
                (Provider::BrowserUse, keyed(&self.browser_use)),
            ],
            catalog: self.catalog.to_string(),
            per_request_keys: self.http.per_request_keys,
            read_only: self.tools.read_only,
            public_url: self.http.public_url.as_ref().map(|u| u.to_string()),
            oauth: self.http.oauth.as_ref().map(|oauth| {
                let scopes = &oauth.scopes;
                (
                    oauth.issuer.clone(),
                    oauth.audience.clone(),
                    [
                        scopes.read.clone(),
                        scopes.run.clone(),
                        scopes.build.clone(),
                    ],
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests;
