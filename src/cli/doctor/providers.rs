//! The providers: each key that can be found (this environment's, and those in the clients'
//! configs) is tried with one cheap authenticated read, timing the round trip, against the base
//! URL it goes with: this environment's key against this environment's URL, an entry's key
//! against the URL that entry sets (or the provider's default: a client starts the server with
//! the entry's environment, not this shell's). A reference an entry holds instead of a key is
//! resolved where it can be (`${env:VAR}` from this environment) and said as such where it
//! cannot (VS Code's prompted inputs). A key is shown by its last four characters only.

use std::time::Instant;

use secrecy::ExposeSecret;

use super::Check;
use super::client_configs::EntryEnv;
use crate::cli::clients::{KeyRef, default_base_url, key_ref};
use crate::cloud::{ApiError, Provider};
use crate::config::{Config, ProviderSetup};
use crate::mcp::context::adapter::{ProviderAdapter, ProviderSet};
use crate::redact::key_hint;

/// A key to try, the API it goes to, and where it was found.
struct Candidate {
    key: String,
    url: String,
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
        let (candidates, notes) = candidates(setup, entries);
        if providers.get(setup.provider).is_none() {
            continue;
        }
        if candidates.is_empty() && notes.is_empty() {
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
        checks.extend(notes);
        // An API that cannot be reached says nothing of the other keys sent to it.
        let mut unreachable: Vec<String> = Vec::new();
        for candidate in candidates {
            if unreachable.contains(&candidate.url) {
                continue;
            }
            let at_url = match adapter_at(config, setup.provider, &candidate.url) {
                Ok(set) => set,
                Err(error) => {
                    checks.push(Check::fail(
                        format!("{}: {}: {error}", setup.provider, candidate.url),
                        format!(
                            "correct the base URL ({}) where it is set",
                            setup.base_url.env
                        ),
                    ));
                    continue;
                }
            };
            let Some(adapter) = at_url.get(setup.provider) else {
                continue;
            };
            let (check, reached) = try_key(setup, adapter, &candidate).await;
            checks.push(check);
            if !reached {
                unreachable.push(candidate.url.clone());
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

/// The providers as configured, with `provider`'s API at `url`.
fn adapter_at(config: &Config, provider: Provider, url: &str) -> Result<ProviderSet, String> {
    crate::providers::register_at(config, provider, url).map_err(|e| e.to_string())
}

/// The keys of `setup`'s provider, each with the URL it goes to: this environment's first,
/// then each distinct (key, URL) of the entries'; and a note per entry whose key cannot be
/// checked here.
fn candidates(setup: &ProviderSetup<'_>, entries: &[EntryEnv]) -> (Vec<Candidate>, Vec<Check>) {
    let mut found: Vec<Candidate> = Vec::new();
    let mut notes = Vec::new();
    let mut add = |key: String, url: String, source: String| match found
        .iter_mut()
        .find(|c| c.key == key && c.url == url)
    {
        Some(known) => known.sources.push(source),
        None => found.push(Candidate {
            key,
            url,
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
            setup.settings.base_url().to_string(),
            var.to_string(),
        );
    }
    let provider = setup.provider;
    for entry in entries {
        let value = |var: &str| {
            entry
                .env
                .iter()
                .find(|(name, value)| name == var && !value.trim().is_empty())
                .map(|(_, value)| value.trim().to_string())
        };
        let Some(key) = setup.key_vars.iter().find_map(|var| value(var)) else {
            continue;
        };
        let url = value(setup.base_url.env).unwrap_or_else(|| default_base_url(setup.base_url));
        match key_ref(&key) {
            None => add(key, url, entry.source.clone()),
            Some(KeyRef::Env(var)) => {
                match std::env::var(&var).ok().filter(|v| !v.trim().is_empty()) {
                    Some(key) => add(
                        key.trim().to_string(),
                        url,
                        format!("{} via ${var}", entry.source),
                    ),
                    None => notes.push(Check::note(
                        format!(
                            "{provider}: {} takes its key from {var} in the client's environment, \
                         which is not set here: not checked",
                            entry.source
                        ),
                        Some(format!(
                            "set {var} here to check it (the client must have it too)"
                        )),
                    )),
                }
            }
            Some(KeyRef::Prompted(id)) => notes.push(Check::note(
                format!(
                    "{provider}: {} asks for its key when VS Code starts it (input {id:?}): \
                     not checked here",
                    entry.source
                ),
                None,
            )),
        }
    }
    (found, notes)
}

/// Try one key: one cheap read, timed. Also says whether the API was reached.
async fn try_key(
    setup: &ProviderSetup<'_>,
    adapter: &dyn ProviderAdapter,
    candidate: &Candidate,
) -> (Check, bool) {
    let provider = setup.provider;
    let url = &candidate.url;
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
