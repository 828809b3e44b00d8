//! Browser Use Cloud's settings: the flag saying where its API is, and the environment
//! variable its key is read from (never a flag: flags show in process listings).

use clap::Args;

use super::waits::RequestLimits;
use super::{ProviderSettings, Setting};

/// Browser Use Cloud's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.browser-use.com/api/v2";

/// The environment variable read for Browser Use Cloud's API key.
pub const BROWSER_USE_KEY_VAR: &str = "BROWSER_USE_API_KEY";

pub(super) const BROWSER_USE_BASE_URL: Setting =
    Setting::new("browser-use-base-url", "BROWSER_USE_BASE_URL");

/// Browser Use Cloud's flags.
#[derive(Debug, Clone, Args)]
pub struct BrowserUseFlags {
    /// Base URL of Browser Use Cloud's API v2 (point it at a fake to try the server offline).
    #[arg(
        long = BROWSER_USE_BASE_URL.flag,
        env = BROWSER_USE_BASE_URL.env,
        default_value = DEFAULT_BASE_URL
    )]
    pub browser_use_base_url: String,
}

impl BrowserUseFlags {
    /// Browser Use's connection settings, keyed when [`BROWSER_USE_KEY_VAR`] is set.
    pub(super) fn settings(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        limits: &RequestLimits,
    ) -> ProviderSettings {
        ProviderSettings::new(
            limits.template(self.browser_use_base_url.clone()),
            &[BROWSER_USE_KEY_VAR],
            env,
        )
    }
}
