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
