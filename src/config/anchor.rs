//! Anchor Browser's settings: the flag saying where its API is, and the environment variables
//! its key is read from (never a flag: flags show in process listings).

use clap::Args;

use super::waits::RequestLimits;
use super::{ProviderSettings, Setting};

/// Anchor's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.anchorbrowser.io";

/// Environment variables read for Anchor's API key, in order.
pub const ANCHOR_KEY_VARS: [&str; 2] = ["ANCHOR_API_KEY", "ANCHORBROWSER_API_KEY"];

pub(super) const ANCHOR_BASE_URL: Setting =
    Setting::new("anchor-base-url", "ANCHORBROWSER_BASE_URL");

pub(super) const ANCHOR_RUN_SESSIONS: Setting =
    Setting::new("anchor-run-sessions", "BROWSER_TASKS_ANCHOR_RUN_SESSIONS");

/// Anchor Browser's flags.
#[derive(Debug, Clone, Args)]
pub struct AnchorFlags {
    /// Base URL of Anchor's API (point it at a fake to try the server offline).
    #[arg(
        long = ANCHOR_BASE_URL.flag,
        env = ANCHOR_BASE_URL.env,
        default_value = DEFAULT_BASE_URL
    )]
    pub anchor_base_url: String,

    /// Open a browser session for each Anchor code run (one more request per run, two when
    /// the run gives no browser_configuration: the task version's is read) so that
    /// cancel_execution and a cancelled call can stop it; false starts code runs as Anchor
    /// does by itself, and they cannot be stopped.
    #[arg(
        long = ANCHOR_RUN_SESSIONS.flag,
        env = ANCHOR_RUN_SESSIONS.env,
        default_value_t = true,
        action = clap::ArgAction::Set,
        value_name = "true|false"
    )]
    pub anchor_run_sessions: bool,
}

impl AnchorFlags {
    /// Anchor's connection settings, keyed when one of [`ANCHOR_KEY_VARS`] is set.
    pub(super) fn settings(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        limits: &RequestLimits,
    ) -> ProviderSettings {
        ProviderSettings::new(
            limits.template(self.anchor_base_url.clone()),
            &ANCHOR_KEY_VARS,
            env,
        )
    }
}
