//! The OAuth flags of the HTTP transport (`--auth-issuer` and what goes with it) and their
//! check into [`OAuthOptions`]: which authorization server's tokens are accepted, for which
//! audience, where clients reach the server (`--public-url`), and what the scopes are called.
//!
//! What can be checked without the network is checked here (URLs, an audience the server
//! cannot be reached by, a public bind without a public URL, scope names); whether the issuer
//! answers with usable metadata and keys is the HTTP layer's check at startup.
//!
//! Flag doc comments are the `--help` text, so they stay as a person reads them.
#![allow(rustdoc::bare_urls)]

use std::time::Duration;

use clap::Args;

use super::{ConfigError, Setting};

pub(super) const AUTH_ISSUER: Setting = Setting::new("auth-issuer", "BROWSER_TASKS_AUTH_ISSUER");
pub(super) const AUTH_AUDIENCE: Setting =
    Setting::new("auth-audience", "BROWSER_TASKS_AUTH_AUDIENCE");
pub(super) const PUBLIC_URL: Setting = Setting::new("public-url", "BROWSER_TASKS_PUBLIC_URL");
pub(super) const SCOPE_READ: Setting =
    Setting::new("auth-scope-read", "BROWSER_TASKS_AUTH_SCOPE_READ");
pub(super) const SCOPE_RUN: Setting =
    Setting::new("auth-scope-run", "BROWSER_TASKS_AUTH_SCOPE_RUN");
pub(super) const SCOPE_BUILD: Setting =
    Setting::new("auth-scope-build", "BROWSER_TASKS_AUTH_SCOPE_BUILD");
pub(super) const SCOPE_ADMIN: Setting =
    Setting::new("auth-scope-admin", "BROWSER_TASKS_AUTH_SCOPE_ADMIN");
pub(super) const KEY_REFETCH_SECONDS: Setting = Setting::new(
    "auth-key-refetch-seconds",
    "BROWSER_TASKS_AUTH_KEY_REFETCH_SECONDS",
);

/// The OAuth flags.
#[derive(Debug, Clone, Args)]
pub struct OAuthFlags {
    /// HTTP transport: accept OAuth access tokens (JWTs) from this authorization server, e.g.
    /// https://login.example.com/realms/team. Its metadata (/.well-known/oauth-authorization-
    /// server or /.well-known/openid-configuration) must name its keys (jwks_uri); it is read
    /// at startup. Cannot be combined with --access-token.
    #[arg(long = AUTH_ISSUER.flag, env = AUTH_ISSUER.env)]
    pub auth_issuer: Option<String>,

    /// HTTP transport, with --auth-issuer: the audience tokens must be issued for (their `aud`
    /// claim). Default: this server's /mcp URL (--public-url + /mcp), which is what clients
    /// ask tokens for (RFC 8707).
    #[arg(long = AUTH_AUDIENCE.flag, env = AUTH_AUDIENCE.env)]
    pub auth_audience: Option<String>,

    /// HTTP transport: the URL clients reach this server by, when it is not the bind address
    /// (behind a proxy or a load balancer), e.g. https://mcp.example.com. Its host is allowed
    /// in the Host header; with --auth-issuer it names the protected resource. Default: http://
    /// followed by the bind address.
    #[arg(long = PUBLIC_URL.flag, env = PUBLIC_URL.env)]
    pub public_url: Option<String>,

    /// HTTP transport, with --auth-issuer: the scope that lets a token read tasks and runs.
    #[arg(long = SCOPE_READ.flag, env = SCOPE_READ.env, default_value = "browser-tasks:read")]
    pub auth_scope_read: String,

    /// HTTP transport, with --auth-issuer: the scope that lets a token also run tasks (and
    /// stop and answer runs).
    #[arg(long = SCOPE_RUN.flag, env = SCOPE_RUN.env, default_value = "browser-tasks:run")]
    pub auth_scope_run: String,

    /// HTTP transport, with --auth-issuer: the scope that lets a token also create, generate,
    /// refine and deploy tasks.
    #[arg(long = SCOPE_BUILD.flag, env = SCOPE_BUILD.env, default_value = "browser-tasks:build")]
    pub auth_scope_build: String,

    /// HTTP transport, with --auth-issuer: the scope that lets a token see every user's runs
    /// (otherwise each user sees only the runs it started).
    #[arg(long = SCOPE_ADMIN.flag, env = SCOPE_ADMIN.env, default_value = "browser-tasks:admin")]
    pub auth_scope_admin: String,

    /// HTTP transport, with --auth-issuer: a token signed by a key the server does not know
    /// makes it read the issuer's keys again, at most once per this many seconds.
    #[arg(
        long = KEY_REFETCH_SECONDS.flag,
        env = KEY_REFETCH_SECONDS.env,
        default_value_t = 30
    )]
    pub auth_key_refetch_seconds: u64,
}

/// What the scopes are called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeNames {
    pub read: String,
    pub run: String,
    pub build: String,
    pub admin: String,
}

/// The OAuth settings of the HTTP transport, checked.
#[derive(Debug, Clone)]
pub struct OAuthOptions {
    /// The issuer exactly as given (tokens' `iss` must be this very string).
    pub issuer: String,
    /// The audience tokens must carry; `None`: the server's own /mcp URL (known once bound).
    pub audience: Option<String>,
    pub scopes: ScopeNames,
    /// At most one key refetch (for an unknown `kid`) per this long.
    pub key_refetch: Duration,
}

/// The URL clients reach the server by, checked: http(s), no query or fragment, no trailing
/// slash (a path prefix is kept: a proxy may serve it under one).
pub(super) fn check_public_url(given: &str) -> Result<url::Url, ConfigError> {
    let mut parsed = url::Url::parse(given.trim()).map_err(|e| {
        PUBLIC_URL.invalid(format!(
            "{given:?} is not a URL ({e}); give the one clients use, e.g. https://mcp.example.com"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(PUBLIC_URL.invalid(format!(
            "{given:?} is not an http(s) URL with a host, e.g. https://mcp.example.com"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(PUBLIC_URL.invalid(format!(
            "{given:?} has a query or fragment; give the base URL only"
        )));
    }
    let path = parsed.path().trim_end_matches('/').to_string();
    parsed.set_path(&path);
    Ok(parsed)
}

/// Whether `host` is a loopback name or address.
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

impl OAuthFlags {
    /// The OAuth settings (`None` without --auth-issuer), checked against where the server
    /// listens (`bind`) and the public URL, if given.
    pub(super) fn check(
        &self,
        bind: std::net::SocketAddr,
        public_url: Option<&url::Url>,
    ) -> Result<Option<OAuthOptions>, ConfigError> {
        let Some(issuer) = self
            .auth_issuer
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
        else {
            return Ok(None);
        };
        let parsed = url::Url::parse(issuer).map_err(|e| {
            AUTH_ISSUER.invalid(format!(
                "{issuer:?} is not a URL ({e}); give the issuer your identity provider \
                 documents, e.g. https://login.example.com/realms/team"
            ))
        })?;
        let loopback = parsed.host().as_ref().is_some_and(is_loopback);
        match parsed.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(AUTH_ISSUER.invalid(format!(
                    "{issuer:?} must be an https URL (plain http only on this machine: \
                     localhost, 127.0.0.1): its keys decide who may use the server"
                )));
            }
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(AUTH_ISSUER.invalid(format!(
                "{issuer:?} has a query or fragment; an issuer is a plain URL"
            )));
        }
        if public_url.is_none() && !bind.ip().is_loopback() {
            return Err(PUBLIC_URL.invalid(format!(
                "binding to {bind} with --{} needs the URL clients reach this server by \
                 (e.g. https://mcp.example.com): tokens are issued for its /mcp, and clients \
                 check the server's metadata against it; set {}",
                AUTH_ISSUER.flag, PUBLIC_URL.env
            )));
        }
        if let Some(public) = public_url
            && public.scheme() != "https"
            && !public.host().as_ref().is_some_and(is_loopback)
        {
            return Err(PUBLIC_URL.invalid(format!(
                "{public} must be https with --{}: bearer tokens must not cross a network in \
                 the clear (terminate TLS in front of the server and give that URL)",
                AUTH_ISSUER.flag
            )));
        }
        let audience = self
            .auth_audience
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        if let Some(audience) = &audience {
            check_audience(audience, bind, public_url)?;
        }
        let scopes = ScopeNames {
            read: self.auth_scope_read.trim().to_string(),
            run: self.auth_scope_run.trim().to_string(),
            build: self.auth_scope_build.trim().to_string(),
            admin: self.auth_scope_admin.trim().to_string(),
        };
        let named = [
            (&scopes.read, SCOPE_READ),
            (&scopes.run, SCOPE_RUN),
            (&scopes.build, SCOPE_BUILD),
            (&scopes.admin, SCOPE_ADMIN),
        ];
        for (at, (name, setting)) in named.iter().enumerate() {
            if name.is_empty() || name.chars().any(char::is_whitespace) {
                return Err(setting.invalid(format!(
                    "{name:?} is not a scope name (one word, no spaces)"
                )));
            }
            if let Some((_, other)) = named[..at].iter().find(|(other, _)| other == name) {
                return Err(setting.invalid(format!(
                    "{name:?} is also --{}'s scope; each scope must have a name of its own",
                    other.flag
                )));
            }
        }
        if self.auth_key_refetch_seconds == 0 {
            return Err(KEY_REFETCH_SECONDS.invalid(
                "must be at least 1: the issuer's keys are never read again for every request",
            ));
        }
        Ok(Some(OAuthOptions {
            issuer: issuer.to_string(),
            audience,
            scopes,
            key_refetch: Duration::from_secs(self.auth_key_refetch_seconds),
        }))
    }
}

/// An audience given as an http(s) URL must name a host this server is reached by (the public
/// URL's, else the bind address or a loopback name): a token for another host is for another
/// server. Any other audience (an identifier such as `api://browser-tasks`) is taken as given.
fn check_audience(
    audience: &str,
    bind: std::net::SocketAddr,
    public_url: Option<&url::Url>,
) -> Result<(), ConfigError> {
    let Ok(parsed) = url::Url::parse(audience) else {
        return Ok(());
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Ok(());
    }
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let reached = match public_url {
        Some(public) => public
            .host_str()
            .is_some_and(|h| h.trim_start_matches('[').trim_end_matches(']') == host),
        None => {
            host == bind.ip().to_string()
                || (bind.ip().is_loopback() && parsed.host().as_ref().is_some_and(is_loopback))
        }
    };
    if reached {
        return Ok(());
    }
    let server = public_url.map_or_else(|| format!("http://{bind}"), |u| u.to_string());
    Err(AUTH_AUDIENCE.invalid(format!(
        "{audience} names the host {host:?}, but this server is reached at {server}: tokens for \
         that audience are for another server. Set --{} to the URL clients use (then the \
         audience defaults to its /mcp), or leave --{} out",
        PUBLIC_URL.flag, AUTH_AUDIENCE.flag
    )))
}
