//! The OAuth 2.1 resource server (`--auth-issuer`): the HTTP layer's business, so the MCP
//! layer only ever sees an authenticated [`Caller`] (subject, granted access, whether it sees
//! every run) in a request's extensions, never a token.
//!
//! - **Startup** ([`OAuth::discover`]): the issuer's metadata and keys are read, and anything
//!   unusable stops the server with a [`DiscoveryError`] naming the fix.
//! - **Every MCP request** ([`OAuth::authenticate`]): `Authorization: Bearer <JWT>`, checked by
//!   `token::Verifier`; missing or invalid → 401 with `WWW-Authenticate: Bearer
//!   resource_metadata="…"` (and `error="invalid_token"` with what is wrong, when one was
//!   sent). The token's scopes become the caller's access (`scopes`).
//! - **Step-up** ([`OAuth::insufficient`]): a call beyond the token's scopes → 403 with
//!   `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`, naming the scope to ask
//!   for.
//! - **Metadata** ([`OAuth::metadata`]): the protected resource's RFC 9728 document, served
//!   without a token at `/.well-known/oauth-protected-resource` (and under `/mcp`, where
//!   RFC 9728 puts it for a resource with a path).

pub(crate) mod discovery;
pub(crate) mod keys;
pub(crate) mod scopes;
pub(crate) mod token;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub use self::discovery::DiscoveryError;
use self::token::{TokenError, Verifier};
use crate::config::{OAuthOptions, ScopeNames};
use crate::mcp::{Access, Caller};

/// Where the protected resource's metadata is served (RFC 9728).
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// The resource server: how tokens are checked, and what the server says of itself.
pub struct OAuth {
    verifier: Verifier,
    scopes: ScopeNames,
    /// The URL of the metadata document (named in every challenge).
    metadata_url: String,
    /// The RFC 9728 document.
    metadata: Value,
}

impl std::fmt::Debug for OAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth")
            .field("issuer", &self.verifier.issuer())
            .field("audience", &self.verifier.audience())
            .finish_non_exhaustive()
    }
}

impl OAuth {
    /// Read the issuer's metadata and keys; the server is reached at `public_base` (its
    /// public URL, or `http://<bound address>`), which names the resource (`…/mcp`) and the
    /// default audience.
    pub async fn discover(
        options: &OAuthOptions,
        public_base: &str,
    ) -> Result<Self, DiscoveryError> {
        let public_base = public_base.trim_end_matches('/');
        let issuer = options.issuer.clone();
        let client = discovery::client().map_err(|reason| DiscoveryError::Unreachable {
            issuer: issuer.clone(),
            reason,
        })?;
        let jwks_uri = discovery::jwks_uri(&client, &issuer).await?;
        let keys = keys::KeySet::load(client, &jwks_uri, options.key_refetch)
            .await
            .map_err(|reason| DiscoveryError::Keys {
                url: jwks_uri.clone(),
                reason,
            })?;
        let resource = format!("{public_base}/mcp");
        let audience = options.audience.clone().unwrap_or_else(|| resource.clone());
        let metadata = json!({
            "resource": resource,
            "authorization_servers": [issuer],
            "scopes_supported": scopes::supported(&options.scopes),
            "bearer_methods_supported": ["header"],
            "resource_name": env!("CARGO_PKG_NAME"),
        });
        tracing::info!(%issuer, %audience, keys = %jwks_uri, "OAuth: accepting this issuer's tokens");
        Ok(Self {
            verifier: Verifier::new(issuer, audience, keys),
            scopes: options.scopes.clone(),
            metadata_url: format!("{public_base}{METADATA_PATH}"),
            metadata,
        })
    }

    /// The issuer whose tokens are accepted.
    pub fn issuer(&self) -> &str {
        self.verifier.issuer()
    }

    /// The audience tokens must be for.
    pub fn audience(&self) -> &str {
        self.verifier.audience()
    }

    /// The protected resource's metadata (RFC 9728).
    pub fn metadata(&self) -> &Value {
        &self.metadata
    }

    /// The caller a request's token makes, or the 401 answering it.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, Response> {
        let Some(token) = bearer(headers) else {
            return Err(self.unauthorized(None));
        };
        match self.verifier.verify(token).await {
            Ok(verified) => Ok(scopes::caller(
                &self.scopes,
                &verified.subject,
                &verified.scopes,
            )),
            Err(why) => {
                // The reason, never the token.
                tracing::info!(reason = %why, "refused an access token (401)");
                Err(self.unauthorized(Some(&why)))
            }
        }
    }

    /// The 401 for a request without a usable token (`why`: what is wrong with the one sent).
    fn unauthorized(&self, why: Option<&TokenError>) -> Response {
        let (challenge, message) = match why {
            None => (
                format!("Bearer resource_metadata=\"{}\"", self.metadata_url),
                format!(
                    "an access token is required: send Authorization: Bearer <token>, a token \
                     of {} (see {})",
                    self.issuer(),
                    self.metadata_url
                ),
            ),
            Some(why) => (
                format!(
                    "Bearer error=\"invalid_token\", error_description=\"{why}\", \
                     resource_metadata=\"{}\"",
                    self.metadata_url
                ),
                format!("{why}: get a new token from {}", self.issuer()),
            ),
        };
        challenge_response(StatusCode::UNAUTHORIZED, &challenge, &message)
    }

    /// The 403 for a call that needs `access`, which the caller's token does not grant: it
    /// names the scope to ask for (step-up), and what needed it (`what`).
    pub fn insufficient(&self, access: Access, what: &str) -> Response {
        let scope = scopes::scope_for(&self.scopes, access);
        let message = format!(
            "{what} needs the {scope} scope, which your token does not carry: get a token with \
             it from {} and send the request again",
            self.issuer()
        );
        let challenge = format!(
            "Bearer error=\"insufficient_scope\", scope=\"{scope}\", resource_metadata=\"{}\", \
             error_description=\"{what} needs the {scope} scope\"",
            self.metadata_url
        );
        tracing::info!(%scope, %what, "refused a call beyond the token's scopes (403)");
        challenge_response(StatusCode::FORBIDDEN, &challenge, &message)
    }
}

fn challenge_response(status: StatusCode, challenge: &str, message: &str) -> Response {
    let mut response = (status, axum::Json(json!({"error": message}))).into_response();
    // Header values cannot hold control characters; every part of a challenge is this
    // server's own text or configuration, so one that does not fit is a plain `Bearer`.
    let value =
        HeaderValue::from_str(challenge).unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, value);
    response
}

/// The bearer token of a request (RFC 6750 §2.1: the header only).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bearer_header_carries_a_token() {
        let headers = |value: &str| {
            let mut map = HeaderMap::new();
            map.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            map
        };
        assert_eq!(bearer(&headers("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&headers("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(&headers("Basic abc")), None);
        assert_eq!(bearer(&headers("Bearer ")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
