//! Checking an access token (a JWT): signed (never `alg: none`, never HMAC) by one of the
//! issuer's keys with an algorithm that key is pinned to, issued by the configured issuer, for
//! this server's audience, within its validity (`exp`, `nbf`, with [`LEEWAY`] for clocks
//! apart), naming a subject. What it grants is its scopes (`scope`, space-separated, or
//! `scp`, as some providers write it).
//!
//! A refusal is a [`TokenError`] whose message says what is wrong without repeating anything
//! of the token (it is a credential, and what it claims is not to be echoed).

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Validation;
use jsonwebtoken::errors::ErrorKind;
use serde::Deserialize;
use serde_json::Value;

use super::keys::{KeyError, KeySet};

/// Clocks may be this far apart: a token is accepted this long after its `exp`, and before
/// its `nbf`.
pub const LEEWAY: Duration = Duration::from_secs(30);

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub subject: String,
    pub scopes: Vec<String>,
}

/// Why a token is refused. The messages go back to the client (`error_description`): no
/// quotes, nothing of the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a JWT (three base64url parts separated by dots)")]
    Malformed,
    #[error("the token is unsigned (alg none); tokens must be signed by the issuer")]
    Unsigned,
    #[error(
        "the token is signed with a shared secret (HMAC); only the issuer's public keys are trusted"
    )]
    Symmetric,
    #[error("the token's algorithm is not one its key is published for")]
    Algorithm,
    #[error("the token names no key id (kid) and the issuer has several keys")]
    NoKid,
    #[error("the token is signed by a key the issuer does not publish")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token was issued by another issuer")]
    Issuer,
    #[error("the token is for another audience (resource) than this server")]
    Audience,
    #[error("the token lacks the {0} claim")]
    MissingClaim(String),
    #[error("the token's {0} claim is not what it must be")]
    BadClaim(String),
}

/// The claims read from a valid token (the standard ones are checked by the validation).
#[derive(Debug, Deserialize)]
struct Claims {
    // Optional here so that a missing one is reported by the validation, by name.
    #[serde(default)]
    sub: Option<Value>,
    #[serde(default)]
    scope: Option<Value>,
    #[serde(default)]
    scp: Option<Value>,
}

/// Scopes written as one space-separated string or as a list.
fn scopes_of(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(text)) => text.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .flat_map(str::split_whitespace)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// The `alg` a token's header names, read without trusting anything else of it.
fn header_alg(token: &str) -> Result<String, TokenError> {
    let header = token.split('.').next().ok_or(TokenError::Malformed)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed)?;
    let header: Value = serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
    header
        .get("alg")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or(TokenError::Malformed)
}

/// Checks tokens of one issuer for one audience.
pub struct Verifier {
    issuer: String,
    audience: String,
    keys: KeySet,
}

impl Verifier {
    pub fn new(issuer: String, audience: String, keys: KeySet) -> Self {
        Self {
            issuer,
            audience,
            keys,
        }
    }

    /// Check `token`; what it says when valid.
    pub async fn verify(&self, token: &str) -> Result<Verified, TokenError> {
        if token.split('.').count() != 3 {
            return Err(TokenError::Malformed);
        }
        // Refused by name before anything else: the two classic forgeries.
        let alg = header_alg(token)?;
        if alg.eq_ignore_ascii_case("none") {
            return Err(TokenError::Unsigned);
        }
        if alg.to_ascii_uppercase().starts_with("HS") {
            return Err(TokenError::Symmetric);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        let key = self
            .keys
            .key_for(header.kid.as_deref())
            .await
            .map_err(|e| match e {
                KeyError::Unknown => TokenError::UnknownKey,
                KeyError::NoKid => TokenError::NoKid,
            })?;
        if !key.algorithms.contains(&header.alg) {
            return Err(TokenError::Algorithm);
        }
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.leeway = LEEWAY.as_secs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.required_spec_claims = ["exp", "iss", "aud", "sub"]
            .into_iter()
            .map(str::to_string)
            .collect::<HashSet<_>>();
        let data =
            jsonwebtoken::decode::<Claims>(token, &key.key, &validation).map_err(|error| {
                match error.kind() {
                    ErrorKind::InvalidSignature => TokenError::Signature,
                    ErrorKind::ExpiredSignature => TokenError::Expired,
                    ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                    ErrorKind::InvalidIssuer => TokenError::Issuer,
                    ErrorKind::InvalidAudience => TokenError::Audience,
                    ErrorKind::MissingRequiredClaim(claim) => {
                        TokenError::MissingClaim(claim.clone())
                    }
                    ErrorKind::InvalidClaimFormat(claim) => TokenError::BadClaim(claim.clone()),
                    ErrorKind::InvalidAlgorithm => TokenError::Algorithm,
                    _ => TokenError::Malformed,
                }
            })?;
        let subject = data
            .claims
            .sub
            .as_ref()
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| TokenError::BadClaim("sub".into()))?
            .to_string();
        let mut scopes = scopes_of(data.claims.scope.as_ref());
        scopes.extend(scopes_of(data.claims.scp.as_ref()));
        Ok(Verified { subject, scopes })
    }

    /// The issuer whose tokens are accepted.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience tokens must be for.
    pub fn audience(&self) -> &str {
        &self.audience
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scopes_come_from_scope_or_scp() {
        assert_eq!(
            scopes_of(Some(&json!("a b  c"))),
            ["a", "b", "c"].map(String::from)
        );
        assert_eq!(
            scopes_of(Some(&json!(["a", "b c"]))),
            ["a", "b", "c"].map(String::from)
        );
        assert!(scopes_of(Some(&json!(7))).is_empty());
        assert!(scopes_of(None).is_empty());
    }

    #[test]
    fn the_header_algorithm_is_read_before_anything_is_trusted() {
        let header = |value: Value| URL_SAFE_NO_PAD.encode(value.to_string());
        assert_eq!(
            header_alg(&format!("{}.e30.", header(json!({"alg": "none"})))).unwrap(),
            "none"
        );
        assert_eq!(header_alg("!!.e30.x"), Err(TokenError::Malformed));
        assert_eq!(
            header_alg(&format!("{}.e30.x", header(json!({"typ": "JWT"})))),
            Err(TokenError::Malformed)
        );
    }
}
