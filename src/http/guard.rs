//! The checks every MCP request over HTTP passes before reaching a session, in order:
//!
//! 1. **Host and Origin** (DNS-rebinding protection): the Host header must name this server
//!    (loopback names, the bind address, or a configured name); an Origin header, when present,
//!    must be a loopback origin, a configured one, or on an allowed host. Otherwise 403.
//! 2. **Authentication**, one of: a static access token (`Authorization: Bearer <token>`,
//!    compared in constant time; otherwise 401), or OAuth (a JWT of the configured issuer,
//!    see [`super::oauth`]; otherwise 401 naming the resource metadata). The two cannot both
//!    be set ([`Authentication`] holds one).
//! 3. **Session cap**: a request opening a session (Streamable HTTP `initialize`, legacy
//!    `GET /sse`) when the cap is reached gets 503 with `Retry-After`.
//! 4. **Scopes** (OAuth): a token granting nothing gets 403; a `tools/call` of a tool beyond
//!    the token's scopes gets 403 naming the scope to ask for (the body is read for the
//!    tool's name only when the token lacks some access). The caller then travels in the
//!    request's extensions, which is all the MCP layer learns of it.
//!
//! Request bodies are capped separately (413), by a layer in front of these.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::oauth::OAuth;
use crate::mcp::activity::Activity;
use crate::mcp::{Access, tool_access};

/// Who may call: anyone (loopback), holders of one static token, or OAuth token holders.
#[derive(Debug, Clone)]
pub enum Authentication {
    None,
    Token(SecretString),
    OAuth(Arc<OAuth>),
}

/// What the guard checks against.
#[derive(Debug, Clone)]
pub struct GuardSettings {
    pub authentication: Authentication,
    /// Lowercase host names (no port).
    pub allowed_hosts: Vec<String>,
    /// Lowercase origins (`scheme://host[:port]`).
    pub allowed_origins: Vec<String>,
    pub max_sessions: usize,
    pub activity: Arc<Activity>,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let mut response = (status, axum::Json(json!({"error": message}))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

/// The middleware.
pub async fn guard(
    State(settings): State<Arc<GuardSettings>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    if let Err(why) = check_host_and_origin(headers, &settings) {
        tracing::warn!(reason = %why, "refused a request (403)");
        return refuse(StatusCode::FORBIDDEN, &why);
    }
    let caller = match &settings.authentication {
        Authentication::None => None,
        Authentication::Token(expected) => {
            if !bearer_matches(headers, expected) {
                return refuse(
                    StatusCode::UNAUTHORIZED,
                    "missing or wrong access token: send Authorization: Bearer <token>",
                );
            }
            None
        }
        Authentication::OAuth(oauth) => match oauth.authenticate(headers).await {
            Ok(caller) => Some((oauth, caller)),
            Err(challenge) => return challenge,
        },
    };
    if opens_session(&request) && settings.activity.sessions() >= settings.max_sessions {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many open sessions; try again shortly",
        );
    }
    let mut request = request;
    if let Some((oauth, caller)) = caller {
        if !caller.allows_any() {
            return oauth.insufficient(Access::Read, "this server");
        }
        // A token that grants everything can call anything: its bodies are not read here.
        if !caller.allows(Access::Build) && request.method() == Method::POST {
            let (parts, body) = request.into_parts();
            // The size limit in front already refused oversized bodies.
            let Ok(bytes) = to_bytes(body, usize::MAX).await else {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "the request body could not be read",
                );
            };
            if let Some(tool) = super::oauth::scopes::called_tool(&bytes) {
                let needs = tool_access(&tool);
                if !caller.allows(needs) {
                    return oauth.insufficient(needs, &format!("the tool {tool}"));
                }
            }
            request = Request::from_parts(parts, Body::from(bytes));
        }
        request.extensions_mut().insert(caller);
    }
    next.run(request).await
}

/// Whether this request opens a new session.
fn opens_session(request: &Request) -> bool {
    let path = request.uri().path();
    match *request.method() {
        Method::GET => path.ends_with("/sse"),
        // A Streamable HTTP POST without a session id is an initialize (or a stateless call).
        Method::POST => path.ends_with("/mcp") && !request.headers().contains_key("mcp-session-id"),
        _ => false,
    }
}

fn bearer_matches(headers: &HeaderMap, expected: &SecretString) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    else {
        return false;
    };
    given
        .trim()
        .as_bytes()
        .ct_eq(expected.expose_secret().as_bytes())
        .into()
}

/// The host part of a Host header or authority: lowercase, without port or brackets.
fn host_name(authority: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    if let Some(rest) = authority.strip_prefix('[') {
        // [::1]:8080
        return rest.split(']').next().unwrap_or_default().to_string();
    }
    match authority.rsplit_once(':') {
        // host:port (one colon); a bare IPv6 address has several.
        Some((host, port)) if !host.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => {
            host.to_string()
        }
        _ => authority,
    }
}

fn check_host_and_origin(headers: &HeaderMap, settings: &GuardSettings) -> Result<(), String> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(host_name)
        .ok_or("no Host header")?;
    if !settings.allowed_hosts.contains(&host) {
        return Err(format!(
            "host {host:?} is not allowed (add it with --allowed-hosts if this server is \
             reached by that name)"
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin
            .to_str()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let origin = origin.trim_end_matches('/');
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| host_name(rest.split('/').next().unwrap_or_default()));
        let loopback = matches!(
            origin_host.as_deref(),
            Some("localhost" | "127.0.0.1" | "::1")
        );
        let listed = settings.allowed_origins.iter().any(|o| o == origin);
        if !(loopback || listed) {
            return Err(format!(
                "origin {origin:?} is not allowed (add it with --allowed-origins)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> GuardSettings {
        GuardSettings {
            authentication: Authentication::Token(SecretString::from(
                "0123456789abcdef".to_string(),
            )),
            allowed_hosts: vec![
                "localhost".into(),
                "127.0.0.1".into(),
                "::1".into(),
                "mcp.example.com".into(),
            ],
            allowed_origins: vec!["https://app.example.com".into()],
            max_sessions: 1,
            activity: Arc::default(),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn hosts_and_origins() {
        let s = settings();
        for ok in [
            vec![("host", "127.0.0.1:8931")],
            vec![("host", "LOCALHOST")],
            vec![("host", "[::1]:80")],
            vec![
                ("host", "mcp.example.com"),
                ("origin", "https://app.example.com"),
            ],
            vec![("host", "localhost:1"), ("origin", "http://localhost:3000")],
        ] {
            assert!(check_host_and_origin(&headers(&ok), &s).is_ok(), "{ok:?}");
        }
        for bad in [
            vec![("host", "evil.example")],
            vec![("host", "127.0.0.1.evil.example:80")],
            vec![("host", "localhost"), ("origin", "https://evil.example")],
            vec![("host", "localhost"), ("origin", "null")],
            vec![],
        ] {
            assert!(
                check_host_and_origin(&headers(&bad), &s).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bearer_tokens() {
        let s = settings();
        let Authentication::Token(token) = &s.authentication else {
            panic!("a token is configured")
        };
        assert!(bearer_matches(
            &headers(&[("authorization", "Bearer 0123456789abcdef")]),
            token
        ));
        assert!(!bearer_matches(
            &headers(&[("authorization", "Bearer 0123456789abcdeX")]),
            token
        ));
        assert!(!bearer_matches(
            &headers(&[("authorization", "0123456789abcdef")]),
            token
        ));
        assert!(!bearer_matches(&headers(&[]), token));
    }
}
