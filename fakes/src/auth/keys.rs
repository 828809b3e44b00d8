//! The fake authorization server's signing keys: fixed test keys (generated once with
//! `openssl genpkey`, kept beside this file), so tokens are reproducible and no key is
//! generated at run time (an RSA key takes seconds to make in a debug build). They sign test
//! tokens only: nothing trusts them but a server pointed at this fake.

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::Value;

/// One signing key: its id, algorithm, private half and published (public) JWK.
#[derive(Clone)]
pub struct TestKey {
    pub kid: String,
    pub alg: Algorithm,
    pub(crate) encoding: EncodingKey,
    /// The public key as the JWKS publishes it (with `kid`, `alg` and `use`).
    pub jwk: Value,
    /// The public key in PEM, when kept (what an attacker holds: the HMAC-confusion attack
    /// signs with it as a shared secret).
    pub public_pem: Option<&'static str>,
}

impl std::fmt::Debug for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// The EC P-256 keys rotation goes through, in order (ES256).
const EC_KEYS: [(&str, &str); 3] = [
    ("fake-ec-1", include_str!("keys/ec1.pem")),
    ("fake-ec-2", include_str!("keys/ec2.pem")),
    ("fake-ec-3", include_str!("keys/ec3.pem")),
];

/// A key the server never publishes (a token signed with it names an unknown `kid`, or a
/// published one with a signature that does not verify).
const UNPUBLISHED: (&str, &str) = (
    "fake-ec-unpublished",
    include_str!("keys/ec_unpublished.pem"),
);

/// An RSA key (RS256), published beside the EC keys from the start.
const RSA: (&str, &str, &str) = (
    "fake-rsa-1",
    include_str!("keys/rsa1.pem"),
    include_str!("keys/rsa1.pub.pem"),
);

fn build(
    kid: &str,
    pem: &str,
    alg: Algorithm,
    public_pem: Option<&'static str>,
) -> Result<TestKey, String> {
    let encoding = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(pem.as_bytes()),
        _ => EncodingKey::from_ec_pem(pem.as_bytes()),
    }
    .map_err(|e| format!("test key {kid}: {e}"))?;
    let jwk = Jwk::from_encoding_key(&encoding, alg).map_err(|e| format!("test key {kid}: {e}"))?;
    let mut jwk = serde_json::to_value(jwk).map_err(|e| format!("test key {kid}: {e}"))?;
    if let Some(object) = jwk.as_object_mut() {
        object.insert("kid".into(), Value::from(kid));
        object.insert("use".into(), Value::from("sig"));
    }
    Ok(TestKey {
        kid: kid.to_string(),
        alg,
        encoding,
        jwk,
        public_pem,
    })
}

/// The rotation keys (ES256), in order.
pub fn rotation() -> Result<Vec<TestKey>, String> {
    EC_KEYS
        .iter()
        .map(|(kid, pem)| build(kid, pem, Algorithm::ES256, None))
        .collect()
}

/// The key never published.
pub fn unpublished() -> Result<TestKey, String> {
    build(UNPUBLISHED.0, UNPUBLISHED.1, Algorithm::ES256, None)
}

/// The RSA key (RS256), with its public PEM.
pub fn rsa() -> Result<TestKey, String> {
    build(RSA.0, RSA.1, Algorithm::RS256, Some(RSA.2))
}
