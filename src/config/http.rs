//! The HTTP transport's flags (and `--transport`, which picks it), and their check into
//! [`HttpOptions`]: where to listen, who may connect, and how much a client may ask of it.
//!
//! Flag doc comments are the `--help` text, so they stay as a person reads them (a bare example URL), not
//! as rustdoc would like them.
#![allow(rustdoc::bare_urls)]

use std::time::Duration;

use clap::{Args, ValueEnum};
use secrecy::SecretString;

use super::oauth::{self, AUTH_ISSUER, OAuthFlags, OAuthOptions};
use super::{ConfigError, Setting};

pub(super) const TRANSPORT: Setting = Setting::new("transport", "BROWSER_TASKS_TRANSPORT");
pub(super) const BIND: Setting = Setting::new("bind", "BROWSER_TASKS_BIND");
pub(super) const ACCESS_TOKEN: Setting = Setting::new("access-token", "BROWSER_TASKS_ACCESS_TOKEN");
pub(super) const ALLOWED_HOSTS: Setting =
    Setting::new("allowed-hosts", "BROWSER_TASKS_ALLOWED_HOSTS");
pub(super) const ALLOWED_ORIGINS: Setting =
    Setting::new("allowed-origins", "BROWSER_TASKS_ALLOWED_ORIGINS");
pub(super) const MAX_BODY_BYTES: Setting =
    Setting::new("max-body-bytes", "BROWSER_TASKS_MAX_BODY_BYTES");
pub(super) const MAX_SESSIONS: Setting = Setting::new("max-sessions", "BROWSER_TASKS_MAX_SESSIONS");
pub(super) const SESSION_IDLE_SECONDS: Setting =
    Setting::new("session-idle-seconds", "BROWSER_TASKS_SESSION_IDLE_SECONDS");
pub(super) const PER_REQUEST_KEYS: Setting =
    Setting::new("per-request-keys", "BROWSER_TASKS_PER_REQUEST_KEYS");
pub(super) const SHUTDOWN_GRACE_SECONDS: Setting = Setting::new(
    "shutdown-grace-seconds",
    "BROWSER_TASKS_SHUTDOWN_GRACE_SECONDS",
);

/// How MCP clients connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    /// JSON-RPC over stdin/stdout: what desktop clients (Claude Desktop, Cursor, VS Code)
    /// launch.
    Stdio,
    /// HTTP: Streamable HTTP at /mcp, the legacy HTTP+SSE transport at /sse + /message, and
    /// /health.
    Http,
}

/// The transport flags.
#[derive(Debug, Clone, Args)]
pub struct HttpFlags {
    /// How clients connect.
    #[arg(long = TRANSPORT.flag, env = TRANSPORT.env, value_enum, default_value_t = Transport::Stdio)]
    pub transport: Transport,

    /// HTTP transport: the address to listen on, or a host name that resolves to loopback
    /// only (localhost:8931). A non-loopback address requires --access-token.
    #[arg(long = BIND.flag, env = BIND.env, default_value = "127.0.0.1:8931")]
    pub bind: String,

    /// HTTP transport: the token clients must send as `Authorization: Bearer <token>` (at
    /// least 16 characters). Required when binding to a non-loopback address. Prefer the
    /// environment variable: flags show in process listings.
    #[arg(long = ACCESS_TOKEN.flag, env = ACCESS_TOKEN.env, hide_env_values = true)]
    pub access_token: Option<String>,

    /// HTTP transport: more host names clients may reach the server by (the Host header), on
    /// top of the loopback names and the bind address, comma-separated. Anything else gets
    /// 403 (DNS-rebinding protection).
    #[arg(long = ALLOWED_HOSTS.flag, env = ALLOWED_HOSTS.env, value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// HTTP transport: web origins allowed to call the server (a request carrying any other
    /// Origin gets 403), comma-separated, e.g. https://app.example.com. Loopback origins are
    /// always allowed.
    #[arg(long = ALLOWED_ORIGINS.flag, env = ALLOWED_ORIGINS.env, value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// HTTP transport: largest request body accepted, in bytes (larger gets 413).
    #[arg(long = MAX_BODY_BYTES.flag, env = MAX_BODY_BYTES.env, default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// HTTP transport: most MCP sessions open at once (more get 503).
    #[arg(long = MAX_SESSIONS.flag, env = MAX_SESSIONS.env, default_value_t = 100)]
    pub max_sessions: usize,

    /// HTTP transport: close a session idle for this many seconds.
    #[arg(long = SESSION_IDLE_SECONDS.flag, env = SESSION_IDLE_SECONDS.env, default_value_t = 600)]
    pub session_idle_seconds: u64,

    /// HTTP transport: let each session bring its own provider keys in `anchor-api-key` and
    /// `x-browser-use-api-key` headers. Such a session runs only with that key, on a private in-memory catalog, and
    /// never sees the server's own key, catalog or configured secrets.
    #[arg(long = PER_REQUEST_KEYS.flag, env = PER_REQUEST_KEYS.env)]
    pub per_request_keys: bool,

    /// HTTP transport: on SIGINT/SIGTERM, how long in-flight tool calls may take to finish.
    #[arg(
        long = SHUTDOWN_GRACE_SECONDS.flag,
        env = SHUTDOWN_GRACE_SECONDS.env,
        default_value_t = 30
    )]
    pub shutdown_grace_seconds: u64,

    #[command(flatten)]
    pub oauth: OAuthFlags,
}

/// Settings of the HTTP transport.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub bind: std::net::SocketAddr,
    pub access_token: Option<SecretString>,
    /// Host names accepted in the Host header (loopback names and the bind address included).
    pub allowed_hosts: Vec<String>,
    /// Origins accepted besides loopback ones.
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub max_sessions: usize,
    pub session_idle: Duration,
    pub per_request_keys: bool,
    pub shutdown_grace: Duration,
    /// The URL clients reach the server by (`--public-url`), when given.
    pub public_url: Option<url::Url>,
    /// OAuth (`--auth-issuer`), when configured: tokens of that issuer instead of a static
    /// access token.
    pub oauth: Option<OAuthOptions>,
}

impl HttpFlags {
    /// The HTTP transport's settings, checked: a non-loopback bind needs an access token or
    /// OAuth, and the two exclude each other.
    pub(super) fn check(&self) -> Result<HttpOptions, ConfigError> {
        let (bind, bind_name) = resolve_bind(&self.bind)?;
        let access_token = self
            .access_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if let Some(token) = &access_token
            && token.chars().count() < 16
        {
            return Err(ACCESS_TOKEN.invalid("must be at least 16 characters long"));
        }
        let public_url = self
            .oauth
            .public_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .map(oauth::check_public_url)
            .transpose()?;
        // OAuth is checked for the HTTP transport only: the subcommands read the same
        // environment, and stdio has no use for it.
        let oauth = match self.transport {
            Transport::Http => self.oauth.check(bind, public_url.as_ref())?,
            Transport::Stdio => None,
        };
        if oauth.is_some() && access_token.is_some() {
            return Err(AUTH_ISSUER.invalid(format!(
                "an access token ({}) is set too: the static token is for one user, OAuth for \
                 a team, and a server takes one or the other. Unset {} to use OAuth, or leave \
                 --{} out to keep the token",
                ACCESS_TOKEN.env, ACCESS_TOKEN.env, AUTH_ISSUER.flag
            )));
        }
        if self.transport == Transport::Http
            && !bind.ip().is_loopback()
            && access_token.is_none()
            && oauth.is_none()
        {
            return Err(ACCESS_TOKEN.invalid(format!(
                "binding to {bind}, which other machines can reach, requires an access token \
                 or OAuth; set {} (or --{} for a team, or bind to 127.0.0.1)",
                ACCESS_TOKEN.env, AUTH_ISSUER.flag
            )));
        }
        let mut allowed_hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"]
            .iter()
            .map(|h| h.to_string())
            .collect();
        if !bind.ip().is_unspecified() {
            allowed_hosts.push(bind.ip().to_string());
        }
        allowed_hosts.extend(bind_name);
        // The name clients use to reach it (through a proxy) is its name too.
        allowed_hosts.extend(public_url.as_ref().and_then(|u| u.host_str()).map(|h| {
            h.trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase()
        }));
        allowed_hosts.extend(
            self.allowed_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty()),
        );
        for (value, setting) in [
            (self.max_sessions as u64, MAX_SESSIONS),
            (self.max_body_bytes as u64, MAX_BODY_BYTES),
            (self.session_idle_seconds, SESSION_IDLE_SECONDS),
        ] {
            if value == 0 {
                return Err(setting.invalid("must be at least 1"));
            }
        }
        Ok(HttpOptions {
            bind,
            access_token: access_token.map(SecretString::from),
            allowed_hosts,
            allowed_origins: self
                .allowed_origins
                .iter()
                .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                .filter(|o| !o.is_empty())
                .collect(),
            max_body_bytes: self.max_body_bytes,
            max_sessions: self.max_sessions,
            session_idle: Duration::from_secs(self.session_idle_seconds),
            per_request_keys: self.per_request_keys,
            shutdown_grace: Duration::from_secs(self.shutdown_grace_seconds),
            public_url,
            oauth,
        })
    }
}

/// Where `--bind` says to listen, and the host name it was given by, if any. An address is
/// taken as it is; a host name (`localhost:8931`) only when every address it resolves to is
/// loopback (a name that may reach other machines must be given as the address it means).
fn resolve_bind(given: &str) -> Result<(std::net::SocketAddr, Option<String>), ConfigError> {
    use std::net::ToSocketAddrs;
    let given = given.trim();
    if let Ok(address) = given.parse::<std::net::SocketAddr>() {
        return Ok((address, None));
    }
    let example = "such as 127.0.0.1:8931 or localhost:8931";
    let Some((host, port)) = given
        .rsplit_once(':')
        .filter(|(host, _)| !host.is_empty() && !host.contains(':'))
    else {
        return Err(BIND.invalid(format!("{given:?} is not an address {example}")));
    };
    let Ok(port) = port.parse::<u16>() else {
        return Err(BIND.invalid(format!(
            "{given:?} has no port number after the ':' ({example})"
        )));
    };
    let resolved: Vec<std::net::SocketAddr> = match (host, port).to_socket_addrs() {
        Ok(found) => found.collect(),
        Err(error) => {
            return Err(BIND.invalid(format!(
                "{host:?} does not resolve to an address ({error}); give one {example}"
            )));
        }
    };
    match resolved.iter().find(|a| !a.ip().is_loopback()) {
        Some(outside) => Err(BIND.invalid(format!(
            "{host:?} resolves to {}, which other machines may reach: give the address itself \
             (binding off loopback needs --{})",
            outside.ip(),
            ACCESS_TOKEN.flag
        ))),
        None => resolved
            .iter()
            .find(|a| a.is_ipv4())
            .or(resolved.first())
            .map(|address| (*address, Some(host.to_ascii_lowercase())))
            .ok_or_else(|| BIND.invalid(format!("{host:?} resolves to no address"))),
    }
}

#[cfg(test)]
mod bind_tests {
    use super::*;

    #[test]
    fn a_loopback_name_is_an_address_and_other_forms_are_refused_saying_why() {
        let (address, name) = resolve_bind("localhost:8931").unwrap();
        assert!(address.ip().is_loopback() && address.port() == 8931);
        assert_eq!(name.as_deref(), Some("localhost"));
        assert_eq!(
            resolve_bind(" 127.0.0.1:0 ").unwrap(),
            ("127.0.0.1:0".parse().unwrap(), None)
        );
        assert_eq!(resolve_bind("[::1]:80").unwrap().0.port(), 80);
        let no_port = resolve_bind("localhost").unwrap_err().to_string();
        assert!(no_port.contains("localhost:8931"), "{no_port}");
        let bad_port = resolve_bind("localhost:http").unwrap_err().to_string();
        assert!(bad_port.contains("no port number"), "{bad_port}");
    }
}
