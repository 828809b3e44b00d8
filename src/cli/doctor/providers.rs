//! The providers: each key that can be found (this environment's, and those in the clients'
//! configs) is tried with one cheap authenticated read against the provider's base URL,
//! timing the round trip. A key is shown by its last four characters only.

use std::time::Instant;

use secrecy::ExposeSecret;

use super::Check;
use super::client_configs::EntryEnv;
use crate::cloud::ApiError;
use crate::config::{Config, ProviderSetup};
use crate::mcp::context::adapter::ProviderAdapter;
use crate::redact::key_hint;

/// A key to try, and where it was found.
struct Candidate {
    key: String,
    sources: Vec<String>,
}

/// A line per key found (per provider without any, a note), or a failure when none is found
/// anywhere.
pub async fn check(config: &Config, entries: &[EntryEnv]) -> Vec<Check> {
    let providers = match crate::providers::register(config) {
        Ok(providers) => providers,
        Err(error) => {
            return vec![Check::fail(
                format!("providers: {error}"),
                "correct the provider settings named above",
            )];
        }
    };
    let mut checks = Vec::new();
    let mut any_key = false;
    let setups = config.provider_setups();
    for setup in &setups {
        let candidates = candidates(setup, entries);
        let Some(adapter) = providers.get(setup.provider) else {
            continue;
        };
        if candidates.is_empty() {
            checks.push(Check::note(
                format!("{}: no key found", setup.provider),
                Some(format!(
                    "to use it, set {} (in this environment to check it here, and in the \
                     client's entry)",
                    setup.key_vars.first().copied().unwrap_or_default()
                )),
            ));
            continue;
        }
        any_key = true;
        for candidate in candidates {
            let (check, reached) = try_key(setup, adapter, &candidate).await;
            checks.push(check);
            // An API that cannot be reached says nothing of the other keys.
            if !reached {
                break;
            }
        }
    }
    if !any_key {
        let vars: Vec<&str> = setups
            .iter()
            .filter_map(|s| s.key_vars.first().copied())
            .collect();
        checks.push(Check::fail(
            "providers: no API key found, in this environment or in any client's entry",
            format!(
                "set {} (`browser-tasks-mcp install --client …` puts it in a client's entry)",
                vars.join(" or ")
            ),
        ));
    }
    checks
}

/// The keys of `setup`'s provider: this environment's first, then each distinct one of the
/// entries' (an entry that points the provider at another base URL is not tried here).
fn candidates(setup: &ProviderSetup<'_>, entries: &[EntryEnv]) -> Vec<Candidate> {
    let mut found: Vec<Candidate> = Vec::new();
    let mut add = |key: String, source: String| match found.iter_mut().find(|c| c.key == key) {
        Some(known) => known.sources.push(source),
        None => found.push(Candidate {
            key,
            sources: vec![source],
        }),
    };
    if let Some(connection) = &setup.settings.connection {
        let var = setup
            .key_vars
            .iter()
            .find(|var| std::env::var(var).is_ok_and(|v| !v.trim().is_empty()))
            .or(setup.key_vars.first())
            .copied()
            .unwrap_or_default();
        add(
            connection.api_key.expose_secret().to_string(),
            var.to_string(),
        );
    }
    for entry in entries {
        let value = |var: &str| {
            entry
                .env
                .iter()
                .find(|(name, value)| name == var && !value.trim().is_empty())
                .map(|(_, value)| value.trim().to_string())
        };
        let elsewhere =
            value(setup.base_url.env).is_some_and(|url| url != setup.settings.base_url());
        if elsewhere {
            continue;
        }
        if let Some(key) = setup.key_vars.iter().find_map(|var| value(var)) {
            add(key, entry.source.clone());
        }
    }
    found
}

/// Try one key: one cheap read, timed. Also says whether the API was reached.
async fn try_key(
    setup: &ProviderSetup<'_>,
    adapter: &dyn ProviderAdapter,
    candidate: &Candidate,
) -> (Check, bool) {
    let provider = setup.provider;
    let url = setup.settings.base_url();
    let shown = format!(
        "key {} (from {})",
        key_hint(&candidate.key),
        candidate.sources.join(" and ")
    );
    let keyed = match adapter.with_key(&candidate.key) {
        Ok(keyed) => keyed,
        Err(error) => {
            return (
                Check::fail(
                    format!("{provider}: {shown} cannot be used: {error}"),
                    "correct the key",
                ),
                true,
            );
        }
    };
    let started = Instant::now();
    let answer = keyed.check_access().await;
    let millis = started.elapsed().as_millis();
    let check = match &answer {
        Ok(()) => Check::pass(format!(
            "{provider}: {shown} accepted by {url} (round trip {millis} ms)"
        )),
        Err(error @ (ApiError::Connect { .. } | ApiError::Timeout { .. })) => Check::fail(
            format!("{provider}: {url} cannot be reached: {error}"),
            format!(
                "check the network, or the base URL (--{} / {})",
                setup.base_url.flag, setup.base_url.env
            ),
        ),
        Err(error) if matches!(error.status(), Some(401 | 403)) => Check::fail(
            format!(
                "{provider}: {shown} rejected by {url} (HTTP {}: {})",
                error.status().unwrap_or_default(),
                error.api_message()
            ),
            format!(
                "put a valid key of your {provider} account in {} (and in the client's entry), \
                 then restart the client",
                setup.key_vars.first().copied().unwrap_or_default()
            ),
        ),
        Err(error) => Check::fail(format!("{provider}: {shown}: {error}"), error.hint()),
    };
    let reached = !matches!(
        answer,
        Err(ApiError::Connect { .. } | ApiError::Timeout { .. })
    );
    (check, reached)
}
