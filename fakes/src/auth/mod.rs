//! A fake OAuth 2.1 authorization server on 127.0.0.1, for the server's resource-server side
//! (`--auth-issuer`): what an identity provider (Auth0, Keycloak, Entra ID, Okta…) shows a
//! resource server and its clients, and nothing it does for people (no login page).
//!
//! What it serves: its metadata (RFC 8414 at `/.well-known/oauth-authorization-server`, and
//! OpenID Connect discovery at `/.well-known/openid-configuration`; [`Discovery`] picks which,
//! or leaves `jwks_uri` out), its keys at `/jwks` (a JWKS of public keys only), and a token
//! endpoint (`POST /token`) for the `client_credentials` grant of registered clients
//! (`client_secret_basic` or `client_secret_post`; the token's audience is the RFC 8707
//! `resource` the client names; its scopes are the ones asked for that the client is allowed,
//! RFC 6749 §3.3). `/authorize` exists, because metadata must name it, and refuses: no person
//! logs in here.
//!
//! What tests script: which clients exist and the scopes each may get ([`FakeAuthServer::
//! register_client`], [`FakeAuthServer::allow_scopes`]); key rotation (a new key published and
//! signing, [`FakeAuthServer::rotate`]; an old one withdrawn, [`FakeAuthServer::retire`]); and
//! tokens minted directly with any claims and any defect ([`FakeAuthServer::token`]): another
//! audience or issuer, expired, not yet valid, a claim missing, an unpublished key, `alg: none`,
//! HMAC signed with the RSA public key, a payload changed after signing. Every request is
//! counted by route ([`FakeAuthServer::count`]), so a test can tell how often the JWKS was read.

mod keys;
mod routes;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;

pub use keys::TestKey;

/// Which metadata documents the fake serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discovery {
    /// RFC 8414 and OpenID Connect discovery, both naming the JWKS.
    #[default]
    Both,
    /// OpenID Connect discovery only (RFC 8414's document answers 404), as some providers do.
    OpenIdOnly,
    /// Both documents, neither naming a `jwks_uri` (a server that cannot check tokens with it).
    WithoutJwks,
}

/// A client allowed to get tokens (`client_credentials`).
#[derive(Debug, Clone)]
struct Client {
    secret: String,
    /// The `sub` of its tokens.
    subject: String,
    /// The scopes it may be granted.
    scopes: Vec<String>,
}

/// The fake's state.
#[derive(Debug)]
struct State {
    issuer: String,
    discovery: Discovery,
    /// The rotation keys, in order; `published` of them are in the JWKS, `current` signs.
    rotation: Vec<TestKey>,
    published: Vec<String>,
    current: String,
    rsa: TestKey,
    unpublished: TestKey,
    clients: BTreeMap<String, Client>,
    /// The audience of tokens whose request names no `resource`.
    default_audience: Option<String>,
    token_seconds: i64,
    counts: BTreeMap<String, usize>,
}

impl State {
    fn key(&self, kid: &str) -> Option<&TestKey> {
        self.rotation
            .iter()
            .chain([&self.rsa, &self.unpublished])
            .find(|key| key.kid == kid)
    }

    fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .published
            .iter()
            .filter_map(|kid| self.key(kid))
            .map(|key| key.jwk.clone())
            .collect();
        json!({ "keys": keys })
    }

    fn metadata(&self) -> Value {
        let issuer = &self.issuer;
        let mut metadata = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256", "RS256"],
        });
        if self.discovery == Discovery::WithoutJwks
            && let Some(object) = metadata.as_object_mut()
        {
            object.remove("jwks_uri");
        }
        metadata
    }
}

/// The fake authorization server; it stops when dropped.
#[derive(Debug)]
pub struct FakeAuthServer {
    issuer: String,
    state: Arc<Mutex<State>>,
    _serving: crate::ledger::Serving,
}

impl FakeAuthServer {
    /// Start on a free port, serving both metadata documents.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(Discovery::Both).await
    }

    /// Start on a free port, serving the metadata `discovery` says.
    pub async fn start_with(discovery: Discovery) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        Self::start_on(listener, discovery)
    }

    /// Start on `listener`. Published at first: the first rotation key (which signs) and the
    /// RSA key.
    pub fn start_on(listener: TcpListener, discovery: Discovery) -> std::io::Result<Self> {
        let address = listener.local_addr()?;
        let issuer = format!("http://{address}");
        let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        let rotation = keys::rotation().map_err(invalid)?;
        let rsa = keys::rsa().map_err(invalid)?;
        let unpublished = keys::unpublished().map_err(invalid)?;
        let first = rotation
            .first()
            .map(|key| key.kid.clone())
            .ok_or_else(|| invalid("no rotation keys".into()))?;
        let state = Arc::new(Mutex::new(State {
            issuer: issuer.clone(),
            discovery,
            published: vec![first.clone(), rsa.kid.clone()],
            current: first,
            rotation,
            rsa,
            unpublished,
            clients: BTreeMap::new(),
            default_audience: None,
            token_seconds: 300,
            counts: BTreeMap::new(),
        }));
        let serving = crate::ledger::serve(
            listener,
            routes::router(state.clone()),
            "fake authorization server",
        )?;
        Ok(Self {
            issuer,
            state,
            _serving: serving,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        crate::ledger::lock(&self.state)
    }

    /// The issuer (`iss` of its tokens, the `--auth-issuer` to give the server), e.g.
    /// `http://127.0.0.1:41234`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience of tokens whose request names no `resource` (and of minted tokens by
    /// default).
    pub fn set_default_audience(&self, audience: &str) {
        self.lock().default_audience = Some(audience.to_string());
    }

    /// Let `client_id` get tokens with `secret`, for `subject`, with at most `scopes`.
    pub fn register_client(&self, client_id: &str, secret: &str, subject: &str, scopes: &[&str]) {
        self.lock().clients.insert(
            client_id.to_string(),
            Client {
                secret: secret.to_string(),
                subject: subject.to_string(),
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
            },
        );
    }

    /// Change the scopes `client_id` may be granted (an administrator granting more).
    pub fn allow_scopes(&self, client_id: &str, scopes: &[&str]) {
        if let Some(client) = self.lock().clients.get_mut(client_id) {
            client.scopes = scopes.iter().map(|s| s.to_string()).collect();
        }
    }

    /// Publish the next rotation key and sign with it from now on (the previous ones stay
    /// published until retired; a key is never used again). Returns its `kid`, or `None`
    /// when every key has been used.
    pub fn rotate(&self) -> Option<String> {
        let mut state = self.lock();
        let at = state
            .rotation
            .iter()
            .position(|key| key.kid == state.current)?;
        let next = state.rotation.get(at + 1)?.kid.clone();
        state.published.push(next.clone());
        state.current = next.clone();
        Some(next)
    }

    /// Stop publishing the key `kid`.
    pub fn retire(&self, kid: &str) {
        self.lock().published.retain(|published| published != kid);
    }

    /// The `kid` of the key that signs now.
    pub fn current_kid(&self) -> String {
        self.lock().current.clone()
    }

    /// The `kid` of the RSA key (RS256, published from the start).
    pub fn rsa_kid(&self) -> String {
        self.lock().rsa.kid.clone()
    }

    /// The JWKS as served now.
    pub fn jwks(&self) -> Value {
        self.lock().jwks()
    }

    /// How many requests `route` received, e.g. `"GET /jwks"`, `"POST /token"`.
    pub fn count(&self, route: &str) -> usize {
        self.lock().counts.get(route).copied().unwrap_or_default()
    }

    /// A token to mint: by default from this issuer, for the default audience, subject
    /// `alice`, no scope, valid for five minutes, signed (ES256) by the current key.
    pub fn token(&self) -> Mint {
        let state = self.lock();
        let now = chrono::Utc::now().timestamp();
        let mut claims = Map::new();
        claims.insert("iss".into(), Value::from(state.issuer.clone()));
        claims.insert("sub".into(), Value::from("alice"));
        if let Some(audience) = &state.default_audience {
            claims.insert("aud".into(), Value::from(audience.clone()));
        }
        claims.insert("iat".into(), Value::from(now));
        claims.insert("exp".into(), Value::from(now + state.token_seconds));
        Mint {
            state: self.state.clone(),
            claims,
            signing: Signing::Current,
            kid: Kid::OfKey,
            tampered: false,
        }
    }
}

/// How a minted token is signed.
#[derive(Debug, Clone)]
enum Signing {
    /// By the current rotation key.
    Current,
    /// By the published key `kid`.
    Key(String),
    /// By the key this server never publishes.
    Unpublished,
    /// Not at all: `alg: none`, empty signature.
    None,
    /// HS256 with the RSA public key's PEM as the shared secret (the algorithm-confusion
    /// attack), naming the RSA key's `kid`.
    HmacWithPublicKey,
}

/// Which `kid` a minted token's header names.
#[derive(Debug, Clone)]
enum Kid {
    /// The signing key's own.
    OfKey,
    /// This one, whatever signed it.
    Named(String),
    /// None.
    Omitted,
}

/// A token being minted (see [`FakeAuthServer::token`]); [`Mint::sign`] makes it.
#[derive(Debug, Clone)]
pub struct Mint {
    state: Arc<Mutex<State>>,
    claims: Map<String, Value>,
    signing: Signing,
    kid: Kid,
    tampered: bool,
}

impl Mint {
    /// Set (or replace) a claim.
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.to_string(), value.into());
        self
    }

    /// Leave a claim out.
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// The `sub` claim.
    pub fn subject(self, subject: &str) -> Self {
        self.claim("sub", subject)
    }

    /// The `aud` claim.
    pub fn audience(self, audience: &str) -> Self {
        self.claim("aud", audience)
    }

    /// The `iss` claim.
    pub fn issuer(self, issuer: &str) -> Self {
        self.claim("iss", issuer)
    }

    /// The `scope` claim (space-separated, RFC 8693 / RFC 9068).
    pub fn scope(self, scope: &str) -> Self {
        self.claim("scope", scope)
    }

    /// `exp` this many seconds from now (negative: already expired).
    pub fn expires_in(self, seconds: i64) -> Self {
        let now = chrono::Utc::now().timestamp();
        self.claim("exp", now + seconds)
    }

    /// `nbf` this many seconds from now.
    pub fn not_before_in(self, seconds: i64) -> Self {
        let now = chrono::Utc::now().timestamp();
        self.claim("nbf", now + seconds)
    }

    /// Signed by the published key `kid` (a rotation key or the RSA key).
    pub fn signed_by(mut self, kid: &str) -> Self {
        self.signing = Signing::Key(kid.to_string());
        self
    }

    /// Signed by a key this server never publishes (its `kid` is unknown to anyone).
    pub fn signed_by_unpublished_key(mut self) -> Self {
        self.signing = Signing::Unpublished;
        self
    }

    /// `alg: none`, no signature.
    pub fn unsigned(mut self) -> Self {
        self.signing = Signing::None;
        self
    }

    /// HS256 keyed with the RSA public key (PEM), naming the RSA key's `kid`.
    pub fn hmac_with_public_key(mut self) -> Self {
        self.signing = Signing::HmacWithPublicKey;
        self
    }

    /// The header names `kid`, whatever key signs.
    pub fn kid(mut self, kid: &str) -> Self {
        self.kid = Kid::Named(kid.to_string());
        self
    }

    /// The header names no `kid`.
    pub fn without_kid(mut self) -> Self {
        self.kid = Kid::Omitted;
        self
    }

    /// Change the payload after signing (the signature no longer matches).
    pub fn tampered(mut self) -> Self {
        self.tampered = true;
        self
    }

    /// The token (compact JWS). A key that cannot sign (it never happens with the fixed
    /// test keys) gives a token that cannot verify, which every test would notice.
    pub fn sign(self) -> String {
        let claims = Value::Object(self.claims.clone());
        let state = crate::ledger::lock(&self.state);
        let chosen = |key: &TestKey| (key.kid.clone(), key.alg, key.encoding.clone());
        let (key_kid, alg, key): (String, Algorithm, Option<EncodingKey>) = match &self.signing {
            Signing::Current => match state.key(&state.current) {
                Some(key) => {
                    let (kid, alg, key) = chosen(key);
                    (kid, alg, Some(key))
                }
                None => (state.current.clone(), Algorithm::ES256, None),
            },
            Signing::Key(kid) => match state.key(kid) {
                Some(key) => {
                    let (kid, alg, key) = chosen(key);
                    (kid, alg, Some(key))
                }
                None => (kid.clone(), Algorithm::ES256, None),
            },
            Signing::Unpublished => {
                let (kid, alg, key) = chosen(&state.unpublished);
                (kid, alg, Some(key))
            }
            Signing::None => (state.current.clone(), Algorithm::ES256, None),
            Signing::HmacWithPublicKey => {
                let secret = state.rsa.public_pem.unwrap_or_default().as_bytes();
                (
                    state.rsa.kid.clone(),
                    Algorithm::HS256,
                    EncodingKey::from_secret(secret).ok(),
                )
            }
        };
        drop(state);
        let kid = match &self.kid {
            Kid::OfKey => Some(key_kid),
            Kid::Named(kid) => Some(kid.clone()),
            Kid::Omitted => None,
        };
        let token = if let Signing::None = self.signing {
            let mut header = json!({"alg": "none", "typ": "JWT"});
            if let (Some(kid), Some(object)) = (&kid, header.as_object_mut()) {
                object.insert("kid".into(), Value::from(kid.clone()));
            }
            format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            )
        } else {
            let mut header = Header::new(alg);
            header.kid = kid;
            key.and_then(|key| jsonwebtoken::encode(&header, &claims, &key).ok())
                .unwrap_or_default()
        };
        if !self.tampered {
            return token;
        }
        // Same header and signature, another payload: more scope than was signed.
        let mut parts = token.splitn(3, '.');
        let (header, _, signature) = (parts.next(), parts.next(), parts.next());
        let mut changed = self.claims;
        changed.insert(
            "scope".into(),
            Value::from("browser-tasks:build browser-tasks:admin"),
        );
        format!(
            "{}.{}.{}",
            header.unwrap_or_default(),
            URL_SAFE_NO_PAD.encode(Value::Object(changed).to_string()),
            signature.unwrap_or_default()
        )
    }
}
