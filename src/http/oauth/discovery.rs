//! Finding the authorization server's keys from its issuer URL, at startup: its metadata (RFC
//! 8414 `/.well-known/oauth-authorization-server`, else OpenID Connect discovery's
//! `/.well-known/openid-configuration`), which must name the issuer exactly as configured and
//! a `jwks_uri`. Each way this fails is a [`DiscoveryError`] that says what to fix.
//!
//! Also the one way documents are read from the authorization server ([`fetch_json`]): bounded
//! in time and size, JSON only.

use std::time::Duration;

use serde_json::Value;

/// The longest metadata or key set read (real ones are a few kilobytes).
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Why the server cannot use the configured authorization server; each message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error(
        "the authorization server {issuer} cannot be reached ({reason}): check --auth-issuer \
         (BROWSER_TASKS_AUTH_ISSUER) and that this machine can reach it"
    )]
    Unreachable { issuer: String, reason: String },
    #[error(
        "the authorization server {issuer} publishes no metadata ({tried}): check \
         --auth-issuer (BROWSER_TASKS_AUTH_ISSUER); it is the issuer URL your identity \
         provider documents, the `iss` of its tokens"
    )]
    NoMetadata { issuer: String, tried: String },
    #[error(
        "the metadata at {url} names the issuer {found:?}, not {issuer:?}: set --auth-issuer \
         (BROWSER_TASKS_AUTH_ISSUER) to exactly {found:?} (tokens carry it in `iss`)"
    )]
    IssuerMismatch {
        url: String,
        issuer: String,
        found: String,
    },
    #[error(
        "the metadata at {url} names no usable jwks_uri ({reason}), so tokens cannot be \
         checked: configure the identity provider to publish its signing keys (a JWKS), or \
         give the issuer of one that does"
    )]
    NoKeys { url: String, reason: String },
    #[error(
        "the signing keys at {url} cannot be used ({reason}): the server checks tokens with \
         the issuer's public keys (RSA, EC P-256/P-384 or Ed25519, published as a JWKS)"
    )]
    Keys { url: String, reason: String },
}

/// Why a document could not be read.
#[derive(Debug)]
pub enum FetchError {
    /// No answer (connection refused, DNS, timeout).
    Unreachable(String),
    /// An answer that is not a JSON document (a status, a body).
    Answer(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Unreachable(reason) | FetchError::Answer(reason) => f.write_str(reason),
        }
    }
}

/// The client documents are read with: short timeouts (a startup waits on it, and a key
/// refetch holds up a request), no cookies, the process's TLS setup.
pub fn client() -> Result<reqwest::Client, String> {
    // reqwest is built without a bundled crypto provider (see Cargo.toml); the first one
    // installed wins, and a second call finds it there.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("browser-tasks-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// The innermost cause of a request error (reqwest's own message says only "error sending
/// request").
fn innermost(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(inner) = source.source() {
        source = inner;
    }
    source.to_string()
}

/// GET `url` as a JSON document.
pub async fn fetch_json(client: &reqwest::Client, url: &str) -> Result<Value, FetchError> {
    let response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| FetchError::Unreachable(innermost(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Answer(format!("HTTP {}", status.as_u16())));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| FetchError::Unreachable(innermost(&e)))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(FetchError::Answer(format!(
            "{} bytes, more than a metadata document or key set holds",
            bytes.len()
        )));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| FetchError::Answer(format!("not a JSON document ({e})")))
}

/// Where an issuer's metadata may be, in the order tried: RFC 8414's well-known URI (inserted
/// before the issuer's path), then OpenID Connect's (appended to it).
pub fn metadata_urls(issuer: &str) -> Vec<String> {
    let trimmed = issuer.trim_end_matches('/');
    let mut urls = Vec::with_capacity(2);
    if let Ok(parsed) = url::Url::parse(trimmed) {
        let path = parsed.path().trim_end_matches('/');
        let origin = parsed.origin().ascii_serialization();
        urls.push(format!(
            "{origin}/.well-known/oauth-authorization-server{path}"
        ));
    }
    urls.push(format!("{trimmed}/.well-known/openid-configuration"));
    urls
}

/// The issuer's key set URL, from its metadata.
pub async fn jwks_uri(client: &reqwest::Client, issuer: &str) -> Result<String, DiscoveryError> {
    let mut tried = Vec::new();
    // The first reason nothing answered, while nothing has.
    let mut unreachable = None;
    let mut answered = false;
    for url in metadata_urls(issuer) {
        let metadata = match fetch_json(client, &url).await {
            Ok(metadata) => metadata,
            Err(FetchError::Unreachable(reason)) => {
                unreachable.get_or_insert(reason.clone());
                tried.push(format!("{url}: {reason}"));
                continue;
            }
            Err(FetchError::Answer(reason)) => {
                answered = true;
                tried.push(format!("{url}: {reason}"));
                continue;
            }
        };
        // RFC 8414 §3.3: the metadata must be the issuer's own.
        let found = metadata
            .get("issuer")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if found != issuer {
            return Err(DiscoveryError::IssuerMismatch {
                url,
                issuer: issuer.to_string(),
                found: found.to_string(),
            });
        }
        let no_keys = |reason: &str| DiscoveryError::NoKeys {
            url: url.clone(),
            reason: reason.to_string(),
        };
        let jwks = metadata
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| no_keys("it is missing"))?;
        let parsed = url::Url::parse(jwks).map_err(|e| no_keys(&e.to_string()))?;
        let loopback = matches!(parsed.host(), Some(url::Host::Domain("localhost")))
            || matches!(parsed.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(parsed.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
        if !(parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback)) {
            return Err(no_keys(&format!("{jwks} is not an https URL")));
        }
        return Ok(jwks.to_string());
    }
    match unreachable {
        // Nothing answered at all: the issuer is down or wrong.
        Some(reason) if !answered => Err(DiscoveryError::Unreachable {
            issuer: issuer.to_string(),
            reason,
        }),
        _ => Err(DiscoveryError::NoMetadata {
            issuer: issuer.to_string(),
            tried: tried.join("; "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_looked_for_where_rfc_8414_then_openid_connect_say() {
        assert_eq!(
            metadata_urls("https://login.example.com"),
            [
                "https://login.example.com/.well-known/oauth-authorization-server",
                "https://login.example.com/.well-known/openid-configuration"
            ]
        );
        assert_eq!(
            metadata_urls("https://login.example.com/realms/team/"),
            [
                "https://login.example.com/.well-known/oauth-authorization-server/realms/team",
                "https://login.example.com/realms/team/.well-known/openid-configuration"
            ]
        );
    }
}
