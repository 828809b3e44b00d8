//! The fake authorization server's HTTP routes: metadata, JWKS, token, authorize.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{MatchedPath, Request, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::Header;
use serde_json::{Value, json};

use super::{Discovery, State};
use crate::ledger::lock;

type Shared = Arc<Mutex<State>>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(rfc8414))
        .route("/.well-known/openid-configuration", get(openid))
        .route("/jwks", get(jwks))
        .route("/token", post(token))
        .route("/authorize", get(authorize))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .with_state(state)
}

/// Count every request by route (`GET /jwks`).
async fn count(Extract(state): Extract<Shared>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_string(),
        |m| m.as_str().to_string(),
    );
    let key = format!("{} {route}", request.method());
    *lock(&state).counts.entry(key).or_default() += 1;
    next.run(request).await
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"error": "not_found"})),
    )
        .into_response()
}

async fn rfc8414(Extract(state): Extract<Shared>) -> Response {
    let state = lock(&state);
    if state.discovery == Discovery::OpenIdOnly {
        return not_found();
    }
    axum::Json(state.metadata()).into_response()
}

async fn openid(Extract(state): Extract<Shared>) -> Response {
    axum::Json(lock(&state).metadata()).into_response()
}

async fn jwks(Extract(state): Extract<Shared>) -> Response {
    axum::Json(lock(&state).jwks()).into_response()
}

async fn authorize() -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "unsupported_response_type",
        "this fake signs people in nowhere: use the client_credentials grant at /token",
    )
}

/// An RFC 6749 §5.2 error answer.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Basic realm=\"fake\""),
        );
    }
    response
}

/// The client's id and secret: HTTP Basic (each form-urlencoded, RFC 6749 §2.3.1) or the
/// `client_id` / `client_secret` form fields.
fn client_credentials(headers: &HeaderMap, form: &[(String, String)]) -> Option<(String, String)> {
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(STANDARD.decode(basic.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape = |text: &str| {
            form_urlencoded::parse(format!("x={text}").as_bytes())
                .next()
                .map(|(_, value)| value.into_owned())
        };
        return Some((unescape(id)?, unescape(secret)?));
    }
    Some((field("client_id")?, field("client_secret")?))
}

async fn token(Extract(state): Extract<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    if field("grant_type").as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only grant_type=client_credentials is supported",
        );
    }
    let Some((client_id, secret)) = client_credentials(&headers, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication is missing",
        );
    };
    let state = lock(&state);
    let Some(client) = state
        .clients
        .get(&client_id)
        .filter(|client| client.secret == secret)
    else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    };
    // RFC 6749 §3.3: the scopes asked for that the client may have (all of them when it asks
    // for none); asking only for scopes it may not have is an error.
    let granted: Vec<String> = match field("scope") {
        Some(asked) => asked
            .split_whitespace()
            .filter(|scope| client.scopes.iter().any(|s| s == scope))
            .map(str::to_string)
            .collect(),
        None => client.scopes.clone(),
    };
    if granted.is_empty() && field("scope").is_some_and(|s| !s.trim().is_empty()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "none of the requested scopes is allowed for this client",
        );
    }
    // RFC 8707: the resource the token is for becomes its audience.
    let resources: Vec<String> = form
        .iter()
        .filter(|(key, _)| key == "resource")
        .map(|(_, value)| value.clone())
        .collect();
    let audience = match (resources.as_slice(), &state.default_audience) {
        ([one], _) => Value::from(one.clone()),
        ([], Some(default)) => Value::from(default.clone()),
        ([], None) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_target",
                "name the resource the token is for (RFC 8707 `resource`)",
            );
        }
        (many, _) => Value::from(many.to_vec()),
    };
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": state.issuer,
        "sub": client.subject,
        "aud": audience,
        "iat": now,
        "exp": now + state.token_seconds,
        "scope": granted.join(" "),
        "client_id": client_id,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    let Some(key) = state.key(&state.current) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "no signing key",
        );
    };
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    let Ok(token) = jsonwebtoken::encode(&header, &claims, &key.encoding) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "could not sign",
        );
    };
    axum::Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": state.token_seconds,
        "scope": granted.join(" "),
    }))
    .into_response()
}
