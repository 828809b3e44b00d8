//! The authorization server's public keys (its JWKS), as the server checks tokens with them:
//! read at startup, kept, and read again only when a token names a key id not among them
//! (a rotation: the issuer published a new key), at most once per refetch interval, or when
//! they are older than [`MAX_AGE`] (so a withdrawn key stops being trusted). Never on every
//! request, and one read at a time: requests arriving during a refetch wait for it.
//!
//! Each key is pinned to the asymmetric algorithms it declares (`alg`), or, without one, to
//! those of its type (an EC key to its curve's one algorithm, an RSA key to RS*/PS*, Ed25519
//! to EdDSA). Symmetric keys (`kty: oct`), keys for encryption (`use: enc`) and key types
//! this server cannot check are left out: no token is ever checked with HMAC or without a
//! signature.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use tokio::time::Instant;

use super::discovery::fetch_json;

/// Keys older than this are read again before use (a failure keeps them).
pub const MAX_AGE: Duration = Duration::from_secs(15 * 60);

/// One public key tokens may be signed with.
pub struct VerifyingKey {
    pub kid: Option<String>,
    /// The algorithms it checks (never HMAC, never `none`).
    pub algorithms: Vec<Algorithm>,
    pub key: DecodingKey,
}

/// The keys as last read.
struct Snapshot {
    keys: Vec<Arc<VerifyingKey>>,
    read_at: Instant,
}

/// The issuer's keys, kept and read again when needed.
pub struct KeySet {
    client: reqwest::Client,
    url: String,
    refetch_every: Duration,
    current: RwLock<Arc<Snapshot>>,
    /// Held while reading the keys again; holds when it was last tried (worked or not).
    refetch: tokio::sync::Mutex<Instant>,
}

/// Why a token's key cannot be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// No key has the token's key id (after reading the keys again, if allowed).
    Unknown,
    /// The token names no key id, and there are several keys.
    NoKid,
}

/// The usable keys of a JWKS document, and why the others were left out.
pub fn parse_jwks(document: &Value) -> (Vec<Arc<VerifyingKey>>, Vec<String>) {
    let mut keys = Vec::new();
    let mut skipped = Vec::new();
    let listed = document
        .get("keys")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (at, raw) in listed.iter().enumerate() {
        match usable(raw) {
            Ok(key) => keys.push(Arc::new(key)),
            Err(why) => {
                let kid = raw.get("kid").and_then(Value::as_str).unwrap_or("?");
                skipped.push(format!("key {at} (kid {kid}): {why}"));
            }
        }
    }
    (keys, skipped)
}

/// A JWK as a key to check signatures with, or why it is not one.
fn usable(raw: &Value) -> Result<VerifyingKey, String> {
    let jwk: Jwk = serde_json::from_value(raw.clone()).map_err(|e| format!("unreadable ({e})"))?;
    if let Some(purpose) = &jwk.common.public_key_use
        && *purpose != PublicKeyUse::Signature
    {
        return Err("not a signing key (use)".into());
    }
    let family: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmParameters::EllipticCurve(params) => match params.curve {
            EllipticCurve::P256 => vec![Algorithm::ES256],
            EllipticCurve::P384 => vec![Algorithm::ES384],
            _ => return Err("an elliptic curve this server does not check".into()),
        },
        AlgorithmParameters::OctetKeyPair(params) if params.curve == EllipticCurve::Ed25519 => {
            vec![Algorithm::EdDSA]
        }
        AlgorithmParameters::OctetKey(_) => {
            return Err("a symmetric key: tokens are never checked with HMAC".into());
        }
        _ => return Err("a key type this server does not check".into()),
    };
    let algorithms = match jwk.common.key_algorithm {
        None => family,
        Some(declared) => {
            let declared = Algorithm::try_from(declared)
                .map_err(|_| format!("{declared} is not a signing algorithm"))?;
            if !family.contains(&declared) {
                return Err(format!("{declared:?} does not fit its key type"));
            }
            vec![declared]
        }
    };
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("unusable ({e})"))?;
    Ok(VerifyingKey {
        kid: jwk.common.key_id.clone(),
        algorithms,
        key,
    })
}

/// Read the key set at `url`: its usable keys, or why there are none.
async fn read(client: &reqwest::Client, url: &str) -> Result<Vec<Arc<VerifyingKey>>, String> {
    let document = fetch_json(client, url).await.map_err(|e| e.to_string())?;
    let (keys, skipped) = parse_jwks(&document);
    if keys.is_empty() {
        let why = if skipped.is_empty() {
            "it holds no keys".to_string()
        } else {
            skipped.join("; ")
        };
        return Err(format!("no usable signing key: {why}"));
    }
    for reason in skipped {
        tracing::debug!(%url, %reason, "left a published key out");
    }
    Ok(keys)
}

impl KeySet {
    /// Read the keys at `url` for the first time (an error says why none is usable).
    pub async fn load(
        client: reqwest::Client,
        url: &str,
        refetch_every: Duration,
    ) -> Result<Self, String> {
        let keys = read(&client, url).await?;
        let now = Instant::now();
        Ok(Self {
            client,
            url: url.to_string(),
            refetch_every,
            current: RwLock::new(Arc::new(Snapshot { keys, read_at: now })),
            refetch: tokio::sync::Mutex::new(now),
        })
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// The key for a token naming `kid` (or none), reading the keys again first when they are
    /// too old, or when none has that id and the last read is at least the refetch interval
    /// ago.
    pub async fn key_for(&self, kid: Option<&str>) -> Result<Arc<VerifyingKey>, KeyError> {
        let snapshot = self.snapshot();
        if snapshot.read_at.elapsed() >= MAX_AGE {
            self.read_again(snapshot.read_at, Duration::ZERO).await;
        }
        match find(&self.snapshot(), kid) {
            Err(KeyError::Unknown) => {
                self.read_again(self.snapshot().read_at, self.refetch_every)
                    .await;
                find(&self.snapshot(), kid)
            }
            found => found,
        }
    }

    /// Read the keys again, unless another request did since `seen` (the read time it
    /// looked at) or the last try is less than `interval` ago. A failed read keeps the keys.
    async fn read_again(&self, seen: Instant, interval: Duration) {
        let mut last_try = self.refetch.lock().await;
        if self.snapshot().read_at != seen || last_try.elapsed() < interval {
            return;
        }
        *last_try = Instant::now();
        match read(&self.client, &self.url).await {
            Ok(keys) => {
                let fresh = Arc::new(Snapshot {
                    keys,
                    read_at: Instant::now(),
                });
                tracing::info!(url = %self.url, keys = fresh.keys.len(), "read the issuer's keys again");
                match self.current.write() {
                    Ok(mut slot) => *slot = fresh,
                    Err(poisoned) => *poisoned.into_inner() = fresh,
                }
            }
            Err(reason) => {
                tracing::warn!(url = %self.url, %reason, "could not read the issuer's keys again; keeping the ones known");
            }
        }
    }
}

/// The key of `snapshot` for a token naming `kid`: the one with that id; with no id, the only
/// key there is.
fn find(snapshot: &Snapshot, kid: Option<&str>) -> Result<Arc<VerifyingKey>, KeyError> {
    match kid {
        Some(kid) => snapshot
            .keys
            .iter()
            .find(|key| key.kid.as_deref() == Some(kid))
            .cloned()
            .ok_or(KeyError::Unknown),
        None => match snapshot.keys.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(KeyError::NoKid),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_are_pinned_to_their_declared_or_typed_asymmetric_algorithms() {
        let ec = json!({"kty": "EC", "crv": "P-256", "kid": "e",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
        let rsa = json!({"kty": "RSA", "kid": "r", "e": "AQAB",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"});
        let mut declared = ec.clone();
        declared["alg"] = json!("ES256");
        let mut hmac_declared = rsa.clone();
        hmac_declared["alg"] = json!("HS256");
        let mut encryption = rsa.clone();
        encryption["use"] = json!("enc");
        let mut wrong_family = ec.clone();
        wrong_family["alg"] = json!("RS256");
        let document = json!({"keys": [
            ec, rsa, declared, hmac_declared, encryption, wrong_family,
            {"kty": "oct", "kid": "s", "k": "c2VjcmV0"},
            {"kty": "EC", "crv": "secp256k1", "kid": "k", "x": "AA", "y": "AA"},
        ]});
        let (keys, skipped) = parse_jwks(&document);
        let algorithms: Vec<Vec<Algorithm>> = keys.iter().map(|k| k.algorithms.clone()).collect();
        assert_eq!(
            algorithms,
            vec![
                vec![Algorithm::ES256],
                vec![
                    Algorithm::RS256,
                    Algorithm::RS384,
                    Algorithm::RS512,
                    Algorithm::PS256,
                    Algorithm::PS384,
                    Algorithm::PS512
                ],
                vec![Algorithm::ES256],
            ]
        );
        assert_eq!(skipped.len(), 5, "{skipped:?}");
        assert!(
            skipped
                .iter()
                .any(|s| s.contains("never checked with HMAC"))
        );
        assert!(
            skipped.iter().any(|s| s.contains("HS256 does not fit")),
            "{skipped:?}"
        );
    }

    #[test]
    fn a_token_without_kid_needs_a_single_key() {
        let document = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "e",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]});
        let (keys, _) = parse_jwks(&document);
        let one = Snapshot {
            keys: keys.clone(),
            read_at: Instant::now(),
        };
        assert!(find(&one, None).is_ok());
        assert!(find(&one, Some("e")).is_ok());
        assert_eq!(find(&one, Some("x")).err(), Some(KeyError::Unknown));
        let two = Snapshot {
            keys: [keys.clone(), keys].concat(),
            read_at: Instant::now(),
        };
        assert_eq!(find(&two, None).err(), Some(KeyError::NoKid));
    }
}
