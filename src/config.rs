//! Configuration: command-line flags (each with an environment variable), the provider keys
//! (environment only, so they never show in a process listing), validation, and the one line
//! the server prints at startup.

use std::time::Duration;

use clap::{Parser, ValueEnum};
use secrecy::SecretString;

use crate::cloud::{HttpSettings, RetryPolicy};
use crate::mcp::refresh::Upkeep;
use crate::mcp::secrets::Secrets;
use crate::mcp::selection::Selection;
use crate::providers::anchor;
use crate::providers::browser_use;
use crate::waiting::{PollSchedule, WaitSettings};

/// Environment variables read for Anchor's API key, in order.
pub const ANCHOR_KEY_VARS: [&str; 2] = ["ANCHOR_API_KEY", "ANCHORBROWSER_API_KEY"];

/// The environment variable read for Browser Use Cloud's API key.
pub const BROWSER_USE_KEY_VAR: &str = "BROWSER_USE_API_KEY";

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

/// Command-line flags. Every flag can also be set through its environment variable.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "browser-tasks-mcp",
    version,
    about = "MCP server that lets AI agents create, deploy, run, generate and inspect cloud \
             browser-automation tasks.",
    after_help = "API keys come from the environment only: ANCHOR_API_KEY (or \
                  ANCHORBROWSER_API_KEY) for Anchor Browser, BROWSER_USE_API_KEY for Browser \
                  Use Cloud; set either or both. Logs go to stderr; RUST_LOG \
                  sets their level (e.g. RUST_LOG=browser_tasks_mcp=debug)."
)]
pub struct Cli {
    /// How clients connect.
    #[arg(long, value_enum, env = "BROWSER_TASKS_TRANSPORT", default_value_t = Transport::Stdio)]
    pub transport: Transport,

    /// HTTP transport: the address to listen on. A non-loopback address requires
    /// --access-token.
    #[arg(long, env = "BROWSER_TASKS_BIND", default_value = "127.0.0.1:8931")]
    pub bind: String,

    /// HTTP transport: the token clients must send as `Authorization: Bearer <token>` (at
    /// least 16 characters). Required when binding to a non-loopback address. Prefer the
    /// environment variable: flags show in process listings.
    #[arg(long, env = "BROWSER_TASKS_ACCESS_TOKEN", hide_env_values = true)]
    pub access_token: Option<String>,

    /// HTTP transport: more host names clients may reach the server by (the Host header), on
    /// top of the loopback names and the bind address, comma-separated. Anything else gets
    /// 403 (DNS-rebinding protection).
    #[arg(long, env = "BROWSER_TASKS_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// HTTP transport: web origins allowed to call the server (a request carrying any other
    /// Origin gets 403), comma-separated, e.g. https://app.example.com. Loopback origins are
    /// always allowed.
    #[arg(long, env = "BROWSER_TASKS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// HTTP transport: largest request body accepted, in bytes (larger gets 413).
    #[arg(long, env = "BROWSER_TASKS_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// HTTP transport: most MCP sessions open at once (more get 503).
    #[arg(long, env = "BROWSER_TASKS_MAX_SESSIONS", default_value_t = 100)]
    pub max_sessions: usize,

    /// HTTP transport: close a session idle for this many seconds.
    #[arg(
        long,
        env = "BROWSER_TASKS_SESSION_IDLE_SECONDS",
        default_value_t = 600
    )]
    pub session_idle_seconds: u64,

    /// HTTP transport: let each session bring its own provider keys in `anchor-api-key` and
    /// `x-browser-use-api-key` headers. Such a session runs only with that key, on a private in-memory catalog, and
    /// never sees the server's own key, catalog or configured secrets.
    #[arg(long, env = "BROWSER_TASKS_PER_REQUEST_KEYS")]
    pub per_request_keys: bool,

    /// HTTP transport: on SIGINT/SIGTERM, how long in-flight tool calls may take to finish.
    #[arg(
        long,
        env = "BROWSER_TASKS_SHUTDOWN_GRACE_SECONDS",
        default_value_t = 30
    )]
    pub shutdown_grace_seconds: u64,

    /// Base URL of Anchor's API (point it at a fake to try the server offline).
    #[arg(long, env = "ANCHORBROWSER_BASE_URL", default_value = anchor::DEFAULT_BASE_URL)]
    pub anchor_base_url: String,

    /// Base URL of Browser Use Cloud's API v2 (point it at a fake to try the server offline).
    #[arg(long, env = "BROWSER_USE_BASE_URL", default_value = browser_use::DEFAULT_BASE_URL)]
    pub browser_use_base_url: String,

    /// Seconds a tool call waits for a run or generation before returning its id instead.
    #[arg(long, env = "BROWSER_TASKS_WAIT_SECONDS", default_value_t = 45.0)]
    pub wait_seconds: f64,

    /// The longest wait a caller may ask for with `wait_seconds`, in seconds.
    #[arg(long, env = "BROWSER_TASKS_MAX_WAIT_SECONDS", default_value_t = 600.0)]
    pub max_wait_seconds: f64,

    /// Delay before the first status check of a run, in milliseconds.
    #[arg(long, env = "BROWSER_TASKS_POLL_INITIAL_MS", default_value_t = 500)]
    pub poll_initial_ms: u64,

    /// Longest delay between two status checks, in milliseconds.
    #[arg(long, env = "BROWSER_TASKS_POLL_MAX_MS", default_value_t = 4000)]
    pub poll_max_ms: u64,

    /// Longest gap between two progress notifications while waiting, in milliseconds.
    #[arg(
        long,
        env = "BROWSER_TASKS_PROGRESS_INTERVAL_MS",
        default_value_t = 5000
    )]
    pub progress_interval_ms: u64,

    /// Timeout of one read request to a provider, in seconds.
    #[arg(
        long,
        env = "BROWSER_TASKS_READ_TIMEOUT_SECONDS",
        default_value_t = 30.0
    )]
    pub read_timeout_seconds: f64,

    /// Timeout of one request that starts or changes something (run, generate, create,
    /// deploy), in seconds. Such a request is never retried.
    #[arg(
        long,
        env = "BROWSER_TASKS_WRITE_TIMEOUT_SECONDS",
        default_value_t = 60.0
    )]
    pub write_timeout_seconds: f64,

    /// The task catalog (SQLite): every task and run the server learns about. Default: in
    /// the user's data directory. `:memory:` keeps it in memory (nothing persists).
    #[arg(long, env = "BROWSER_TASKS_CATALOG")]
    pub catalog: Option<std::path::PathBuf>,

    /// Which tasks become tools of their own: task or tool names, globs allowed,
    /// comma-separated (default: every runnable task, up to --max-task-tools).
    #[arg(long, env = "BROWSER_TASKS_TASK_TOOLS", value_delimiter = ',')]
    pub task_tools: Vec<String>,

    /// At most this many task tools, most recently used first (clients cap tool counts;
    /// Cursor sends only the first 40 tools). 0 lists none; run_task still runs every task.
    #[arg(long, env = "BROWSER_TASKS_MAX_TASK_TOOLS", default_value_t = 25)]
    pub max_task_tools: usize,

    /// Supply a secret task parameter from an environment variable, as NAME=ENV_VAR
    /// (repeatable; comma-separated in the variable). Such a parameter is not a tool argument.
    /// BROWSER_TASKS_SECRET_<NAME> variables work too (NAME in SCREAMING_SNAKE_CASE).
    #[arg(long = "secret", env = "BROWSER_TASKS_SECRETS", value_delimiter = ',')]
    pub secrets: Vec<String>,

    /// List the cloud's tasks into the catalog every this many seconds (0: only at startup).
    #[arg(long, env = "BROWSER_TASKS_REFRESH_SECONDS", default_value_t = 300)]
    pub refresh_seconds: u64,

    /// How often to look for catalog changes made by other server processes, in milliseconds.
    #[arg(long, env = "BROWSER_TASKS_CATALOG_WATCH_MS", default_value_t = 2000)]
    pub catalog_watch_ms: u64,

    /// Attempts in all for a read that meets a rate limit or gateway error (1 = no retry).
    /// Requests that start or change something are never retried.
    #[arg(long, env = "BROWSER_TASKS_READ_ATTEMPTS", default_value_t = 3)]
    pub read_attempts: u32,
}

/// Where the catalog lives.
#[derive(Debug, Clone, PartialEq)]
pub enum CatalogLocation {
    File(std::path::PathBuf),
    Memory,
}

impl std::fmt::Display for CatalogLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CatalogLocation::File(path) => write!(f, "{}", path.display()),
            CatalogLocation::Memory => f.write_str(":memory: (not persisted)"),
        }
    }
}

/// A validated configuration.
#[derive(Debug)]
pub struct Config {
    pub transport: Transport,
    /// Anchor's connection, when a key is set.
    pub anchor: Option<HttpSettings>,
    /// Where Anchor requests go (kept to report it even when no key is set).
    pub anchor_base_url: String,
    pub waits: WaitSettings,
    pub catalog: CatalogLocation,
    pub selection: Selection,
    pub secrets: Secrets,
    pub upkeep: Upkeep,
    /// Anchor's connection settings without a key (for sessions that bring their own).
    pub anchor_template: HttpSettings,
    /// Browser Use's connection, when a key is set.
    pub browser_use: Option<HttpSettings>,
    /// Browser Use's connection settings without a key.
    pub browser_use_template: HttpSettings,
    pub http: HttpOptions,
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
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting --{flag} (env {env}): {reason}")]
pub struct ConfigError {
    pub flag: &'static str,
    pub env: &'static str,
    pub reason: String,
}

/// The HTTP transport's settings, checked: a non-loopback bind needs an access token.
fn http_options(cli: &Cli) -> Result<HttpOptions, ConfigError> {
    let bind: std::net::SocketAddr = cli.bind.trim().parse().map_err(|_| ConfigError {
        flag: "bind",
        env: "BROWSER_TASKS_BIND",
        reason: format!("{:?} is not an address such as 127.0.0.1:8931", cli.bind),
    })?;
    let access_token = cli
        .access_token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    if let Some(token) = &access_token
        && token.chars().count() < 16
    {
        return Err(ConfigError {
            flag: "access-token",
            env: "BROWSER_TASKS_ACCESS_TOKEN",
            reason: "must be at least 16 characters long".into(),
        });
    }
    if cli.transport == Transport::Http && !bind.ip().is_loopback() && access_token.is_none() {
        return Err(ConfigError {
            flag: "access-token",
            env: "BROWSER_TASKS_ACCESS_TOKEN",
            reason: format!(
                "binding to {bind}, which other machines can reach, requires an access token; \
                 set BROWSER_TASKS_ACCESS_TOKEN (or bind to 127.0.0.1)"
            ),
        });
    }
    let mut allowed_hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    if !bind.ip().is_unspecified() {
        allowed_hosts.push(bind.ip().to_string());
    }
    allowed_hosts.extend(
        cli.allowed_hosts
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty()),
    );
    for (value, flag, env) in [
        (
            cli.max_sessions as u64,
            "max-sessions",
            "BROWSER_TASKS_MAX_SESSIONS",
        ),
        (
            cli.max_body_bytes as u64,
            "max-body-bytes",
            "BROWSER_TASKS_MAX_BODY_BYTES",
        ),
        (
            cli.session_idle_seconds,
            "session-idle-seconds",
            "BROWSER_TASKS_SESSION_IDLE_SECONDS",
        ),
    ] {
        if value == 0 {
            return Err(ConfigError {
                flag,
                env,
                reason: "must be at least 1".into(),
            });
        }
    }
    Ok(HttpOptions {
        bind,
        access_token: access_token.map(SecretString::from),
        allowed_hosts,
        allowed_origins: cli
            .allowed_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|o| !o.is_empty())
            .collect(),
        max_body_bytes: cli.max_body_bytes,
        max_sessions: cli.max_sessions,
        session_idle: Duration::from_secs(cli.session_idle_seconds),
        per_request_keys: cli.per_request_keys,
        shutdown_grace: Duration::from_secs(cli.shutdown_grace_seconds),
    })
}

impl Config {
    /// Validate flags; read provider keys and secrets through `env` and `vars` (the process
    /// environment in production, injected so tests need none).
    pub fn from_cli(
        cli: Cli,
        env: impl Fn(&str) -> Option<String>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let seconds = |value: f64, flag, var| {
            Duration::try_from_secs_f64(value).map_err(|_| ConfigError {
                flag,
                env: var,
                reason: format!("{value} is not a usable number of seconds (0 or more)"),
            })
        };
        let default_budget = seconds(
            cli.wait_seconds,
            "wait-seconds",
            "BROWSER_TASKS_WAIT_SECONDS",
        )?;
        let max_budget = seconds(
            cli.max_wait_seconds,
            "max-wait-seconds",
            "BROWSER_TASKS_MAX_WAIT_SECONDS",
        )?;
        if default_budget > max_budget {
            return Err(ConfigError {
                flag: "wait-seconds",
                env: "BROWSER_TASKS_WAIT_SECONDS",
                reason: format!(
                    "{} exceeds --max-wait-seconds {}",
                    cli.wait_seconds, cli.max_wait_seconds
                ),
            });
        }
        if cli.poll_initial_ms == 0 || cli.poll_initial_ms > cli.poll_max_ms {
            return Err(ConfigError {
                flag: "poll-initial-ms",
                env: "BROWSER_TASKS_POLL_INITIAL_MS",
                reason: format!(
                    "must be at least 1 and at most --poll-max-ms ({})",
                    cli.poll_max_ms
                ),
            });
        }
        if cli.progress_interval_ms == 0 {
            return Err(ConfigError {
                flag: "progress-interval-ms",
                env: "BROWSER_TASKS_PROGRESS_INTERVAL_MS",
                reason: "must be at least 1".into(),
            });
        }
        if cli.read_attempts == 0 {
            return Err(ConfigError {
                flag: "read-attempts",
                env: "BROWSER_TASKS_READ_ATTEMPTS",
                reason: "must be at least 1 (1 means no retries)".into(),
            });
        }
        let read_timeout = seconds(
            cli.read_timeout_seconds,
            "read-timeout-seconds",
            "BROWSER_TASKS_READ_TIMEOUT_SECONDS",
        )?;
        let write_timeout = seconds(
            cli.write_timeout_seconds,
            "write-timeout-seconds",
            "BROWSER_TASKS_WRITE_TIMEOUT_SECONDS",
        )?;
        for (timeout, flag, var) in [
            (
                read_timeout,
                "read-timeout-seconds",
                "BROWSER_TASKS_READ_TIMEOUT_SECONDS",
            ),
            (
                write_timeout,
                "write-timeout-seconds",
                "BROWSER_TASKS_WRITE_TIMEOUT_SECONDS",
            ),
        ] {
            if timeout.is_zero() {
                return Err(ConfigError {
                    flag,
                    env: var,
                    reason: "must be more than 0".into(),
                });
            }
        }
        let retry = RetryPolicy {
            max_attempts: cli.read_attempts,
            ..RetryPolicy::default()
        };
        let anchor_key = ANCHOR_KEY_VARS
            .iter()
            .filter_map(|name| env(name))
            .map(|key| key.trim().to_string())
            .find(|key| !key.is_empty());
        let anchor_template = HttpSettings {
            retry: retry.clone(),
            read_timeout,
            write_timeout,
            ..HttpSettings::new(
                cli.anchor_base_url.clone(),
                SecretString::from(String::new()),
            )
        };
        let anchor = anchor_key.map(|key| HttpSettings {
            api_key: SecretString::from(key),
            ..anchor_template.clone()
        });
        let browser_use_template = HttpSettings {
            base_url: cli.browser_use_base_url.clone(),
            ..anchor_template.clone()
        };
        let browser_use = env(BROWSER_USE_KEY_VAR)
            .map(|key| key.trim().to_string())
            .filter(|key| !key.is_empty())
            .map(|key| HttpSettings {
                api_key: SecretString::from(key),
                ..browser_use_template.clone()
            });
        let http = http_options(&cli)?;
        let catalog = match cli.catalog {
            Some(path) if path.as_os_str() == ":memory:" => CatalogLocation::Memory,
            Some(path) => CatalogLocation::File(path),
            None => match crate::catalog::default_path() {
                Some(path) => CatalogLocation::File(path),
                None => {
                    return Err(ConfigError {
                        flag: "catalog",
                        env: "BROWSER_TASKS_CATALOG",
                        reason: "this system has no user data directory; give a file path".into(),
                    });
                }
            },
        };
        let mut allow = Vec::new();
        for pattern in cli
            .task_tools
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
        {
            allow.push(glob::Pattern::new(pattern).map_err(|e| ConfigError {
                flag: "task-tools",
                env: "BROWSER_TASKS_TASK_TOOLS",
                reason: format!("{pattern:?} is not a valid pattern: {e}"),
            })?);
        }
        let mut pairs = Vec::new();
        for pair in cli
            .secrets
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
        {
            let Some((name, variable)) = pair.split_once('=') else {
                return Err(ConfigError {
                    flag: "secret",
                    env: "BROWSER_TASKS_SECRETS",
                    reason: format!("{pair:?} is not NAME=ENV_VAR"),
                });
            };
            pairs.push((name.trim().to_string(), variable.trim().to_string()));
        }
        let secrets = Secrets::new(&pairs, vars, &env).map_err(|reason| ConfigError {
            flag: "secret",
            env: "BROWSER_TASKS_SECRETS",
            reason,
        })?;
        if cli.catalog_watch_ms == 0 {
            return Err(ConfigError {
                flag: "catalog-watch-ms",
                env: "BROWSER_TASKS_CATALOG_WATCH_MS",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Self {
            anchor_template,
            browser_use,
            browser_use_template,
            http,
            catalog,
            selection: Selection {
                allow,
                max: cli.max_task_tools,
            },
            secrets,
            upkeep: Upkeep {
                sync_every: (cli.refresh_seconds > 0)
                    .then(|| Duration::from_secs(cli.refresh_seconds)),
                watch_every: Duration::from_millis(cli.catalog_watch_ms),
            },
            transport: cli.transport,
            anchor,
            anchor_base_url: cli.anchor_base_url,
            waits: WaitSettings {
                schedule: PollSchedule {
                    initial: Duration::from_millis(cli.poll_initial_ms),
                    max: Duration::from_millis(cli.poll_max_ms),
                },
                heartbeat: Duration::from_millis(cli.progress_interval_ms),
                default_budget,
                max_budget,
            },
        })
    }

    /// What the startup line says about this configuration.
    pub fn summary(&self) -> StartupSummary {
        StartupSummary {
            transport: self.transport,
            anchor: self.anchor.is_some().then(|| self.anchor_base_url.clone()),
            browser_use: self.browser_use.as_ref().map(|s| s.base_url.clone()),
            catalog: self.catalog.to_string(),
            per_request_keys: self.http.per_request_keys,
        }
    }
}

/// The facts the startup line reports (kept apart from [`Config`], which building the server
/// consumes).
#[derive(Debug, Clone)]
pub struct StartupSummary {
    transport: Transport,
    /// Anchor's base URL, when a key is configured.
    anchor: Option<String>,
    /// Browser Use's base URL, when a key is configured.
    browser_use: Option<String>,
    catalog: String,
    per_request_keys: bool,
}

impl StartupSummary {
    /// The line printed to stderr at startup: what is served, where, which providers are
    /// configured (or what to set), and how to connect a client.
    ///
    /// `address` is where the HTTP transport listens (ignored for stdio).
    pub fn line(
        &self,
        static_tools: usize,
        task_tools: usize,
        address: Option<std::net::SocketAddr>,
    ) -> String {
        let configured: Vec<String> = [
            self.anchor
                .as_ref()
                .map(|url| format!("Anchor Browser ({url})")),
            self.browser_use
                .as_ref()
                .map(|url| format!("Browser Use Cloud ({url})")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let providers = match (configured.is_empty(), self.per_request_keys) {
            (false, _) => format!("providers: {}", configured.join(", ")),
            (true, true) => "providers: per session (clients send an anchor-api-key or \
                             x-browser-use-api-key header)"
                .to_string(),
            (true, false) => "providers: none configured (set ANCHOR_API_KEY for Anchor \
                              Browser and/or BROWSER_USE_API_KEY for Browser Use Cloud; until \
                              then every tool call explains what is missing)"
                .to_string(),
        };
        match self.transport {
            Transport::Http => {
                let base = match address {
                    Some(address) => format!("http://{address}"),
                    None => "http://(unbound)".to_string(),
                };
                format!(
                    "browser-tasks-mcp {}: serving {static_tools} MCP tools + {task_tools} task \
                     tools over HTTP at {base}/mcp (Streamable HTTP; legacy SSE at {base}/sse; \
                     health at {base}/health); {providers}; catalog {}; connect a client with \
                     the \"browser-tasks-http\" entry of mcp.json (url {base}/mcp).",
                    env!("CARGO_PKG_VERSION"),
                    self.catalog
                )
            }
            Transport::Stdio => format!(
                "browser-tasks-mcp {}: serving {static_tools} MCP tools + {task_tools} task \
                 tools over stdio (JSON-RPC on stdin/stdout); {providers}; catalog {}; connect a \
                 client by adding the \"browser-tasks\" entry of mcp.json to Claude Desktop, \
                 Cursor or VS Code (it launches this binary).",
                env!("CARGO_PKG_VERSION"),
                self.catalog
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        let mut argv = vec!["browser-tasks-mcp"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).unwrap()
    }

    #[test]
    fn keys_come_from_either_variable_and_blank_is_unset() {
        let config = Config::from_cli(
            cli(&[]),
            |name| (name == "ANCHORBROWSER_API_KEY").then(|| "sk-second".to_string()),
            [],
        )
        .unwrap();
        assert!(config.anchor.is_some());
        let config = Config::from_cli(
            cli(&[]),
            |name| (name == "ANCHOR_API_KEY").then(|| "  ".to_string()),
            [],
        )
        .unwrap();
        assert!(config.anchor.is_none());
        assert!(
            config
                .summary()
                .line(8, 0, None)
                .contains("set ANCHOR_API_KEY")
        );
    }

    #[test]
    fn the_startup_line_says_what_where_which_and_how() {
        let config = Config::from_cli(
            cli(&[
                "--anchor-base-url",
                "http://127.0.0.1:9",
                "--catalog",
                "/tmp/c.sqlite3",
            ]),
            |_| Some("sk-x".into()),
            [],
        )
        .unwrap();
        let line = config.summary().line(8, 3, None);
        assert!(
            line.contains("8 MCP tools + 3 task tools over stdio"),
            "{line}"
        );
        assert!(line.contains("catalog /tmp/c.sqlite3"), "{line}");
        assert!(
            line.contains("Anchor Browser (http://127.0.0.1:9)"),
            "{line}"
        );
        assert!(
            line.contains("Browser Use Cloud (https://api.browser-use.com/api/v2)"),
            "{line}"
        );
        assert!(line.contains("mcp.json"), "{line}");
        assert!(!line.contains("sk-x"));
        assert!(!line.contains('\n'));
    }

    #[test]
    fn browser_use_alone_is_configured_by_its_key_and_base_url() {
        let config = Config::from_cli(
            cli(&["--browser-use-base-url", "http://127.0.0.1:7/api/v2"]),
            |name| (name == BROWSER_USE_KEY_VAR).then(|| " bu-key ".to_string()),
            [],
        )
        .unwrap();
        assert!(config.anchor.is_none());
        let settings = config.browser_use.as_ref().unwrap();
        assert_eq!(settings.base_url, "http://127.0.0.1:7/api/v2");
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&settings.api_key),
            "bu-key"
        );
        let line = config.summary().line(8, 0, None);
        assert!(
            line.contains("providers: Browser Use Cloud (http://127.0.0.1:7/api/v2);"),
            "{line}"
        );
        assert!(!line.contains("bu-key"));
    }

    #[test]
    fn bad_settings_name_their_flag() {
        let err = Config::from_cli(cli(&["--wait-seconds", "900"]), |_| None, []).unwrap_err();
        assert!(err.to_string().contains("--wait-seconds"), "{err}");
        let err = Config::from_cli(cli(&["--poll-initial-ms", "0"]), |_| None, []).unwrap_err();
        assert!(
            err.to_string().contains("BROWSER_TASKS_POLL_INITIAL_MS"),
            "{err}"
        );
        let err =
            Config::from_cli(cli(&["--max-wait-seconds", "1e300"]), |_| None, []).unwrap_err();
        assert!(err.to_string().contains("not a usable number"), "{err}");
        let err = Config::from_cli(cli(&["--read-attempts", "0"]), |_| None, []).unwrap_err();
        assert!(err.to_string().contains("--read-attempts"), "{err}");
        let err = Config::from_cli(cli(&["--secret", "PASSWORD"]), |_| None, []).unwrap_err();
        assert!(err.to_string().contains("NAME=ENV_VAR"), "{err}");
        let err =
            Config::from_cli(cli(&["--secret", "PASSWORD=NOT_SET"]), |_| None, []).unwrap_err();
        assert!(err.to_string().contains("NOT_SET is not set"), "{err}");
        let err = Config::from_cli(cli(&["--task-tools", "a[b"]), |_| None, []).unwrap_err();
        assert!(err.to_string().contains("--task-tools"), "{err}");
        let err = Config::from_cli(
            cli(&["--transport", "http", "--bind", "0.0.0.0:80"]),
            |_| None,
            [],
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("requires an access token"),
            "{err}"
        );
        let err = Config::from_cli(
            cli(&[
                "--transport",
                "http",
                "--bind",
                "0.0.0.0:80",
                "--access-token",
                "short",
            ]),
            |_| None,
            [],
        )
        .unwrap_err();
        assert!(err.to_string().contains("at least 16"), "{err}");
        let ok = Config::from_cli(
            cli(&[
                "--transport",
                "http",
                "--bind",
                "0.0.0.0:80",
                "--access-token",
                "0123456789abcdef",
                "--allowed-hosts",
                "MCP.example.com",
                "--catalog",
                ":memory:",
            ]),
            |_| None,
            [],
        )
        .unwrap();
        assert!(
            ok.http
                .allowed_hosts
                .contains(&"mcp.example.com".to_string())
        );
        assert!(
            !format!("{ok:?}").contains("0123456789abcdef"),
            "the token stays out of Debug"
        );
    }

    #[test]
    fn secrets_come_from_pairs_and_the_naming_rule() {
        let config = Config::from_cli(
            cli(&[
                "--secret",
                "Login Password=SITE_PW",
                "--catalog",
                ":memory:",
            ]),
            |name| (name == "SITE_PW").then(|| "pw-1".to_string()),
            [(
                "BROWSER_TASKS_SECRET_API_TOKEN".to_string(),
                "tok-2".to_string(),
            )],
        )
        .unwrap();
        assert_eq!(config.secrets.len(), 2);
        let param = |name: &str| crate::params::Param {
            name: name.into(),
            kind: crate::params::ParamType::Secret,
            required: true,
            description: None,
            default: None,
            options: Vec::new(),
        };
        assert_eq!(
            config
                .secrets
                .value_for(&param("Login Password"))
                .as_deref(),
            Some("pw-1")
        );
        assert_eq!(
            config.secrets.value_for(&param("api token")).as_deref(),
            Some("tok-2")
        );
        assert!(
            !format!("{config:?}").contains("pw-1"),
            "secrets stay out of Debug"
        );
        assert_eq!(config.catalog, CatalogLocation::Memory);
    }
}
