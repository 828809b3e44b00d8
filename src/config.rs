//! Configuration: command-line flags (each with an environment variable), the provider keys
//! (environment only, so they never show in a process listing), validation, and the one line
//! the server prints at startup.

use std::time::Duration;

use clap::{Parser, ValueEnum};
use secrecy::SecretString;

use crate::anchor;
use crate::cloud::{HttpSettings, RetryPolicy};
use crate::waiting::{PollSchedule, WaitSettings};

/// Environment variables read for Anchor's API key, in order.
pub const ANCHOR_KEY_VARS: [&str; 2] = ["ANCHOR_API_KEY", "ANCHORBROWSER_API_KEY"];

/// How MCP clients connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    /// JSON-RPC over stdin/stdout: what desktop clients (Claude Desktop, Cursor, VS Code)
    /// launch.
    Stdio,
}

/// Command-line flags. Every flag can also be set through its environment variable.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "browser-tasks-mcp",
    version,
    about = "MCP server that lets AI agents create, deploy, run, generate and inspect cloud \
             browser-automation tasks.",
    after_help = "API keys come from the environment only: ANCHOR_API_KEY (or \
                  ANCHORBROWSER_API_KEY) for Anchor Browser. Logs go to stderr; RUST_LOG \
                  sets their level (e.g. RUST_LOG=browser_tasks_mcp=debug)."
)]
pub struct Cli {
    /// How clients connect.
    #[arg(long, value_enum, env = "BROWSER_TASKS_TRANSPORT", default_value_t = Transport::Stdio)]
    pub transport: Transport,

    /// Base URL of Anchor's API (point it at a fake to try the server offline).
    #[arg(long, env = "ANCHORBROWSER_BASE_URL", default_value = anchor::DEFAULT_BASE_URL)]
    pub anchor_base_url: String,

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

    /// Attempts in all for a read that meets a rate limit or gateway error (1 = no retry).
    /// Requests that start or change something are never retried.
    #[arg(long, env = "BROWSER_TASKS_READ_ATTEMPTS", default_value_t = 3)]
    pub read_attempts: u32,
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub transport: Transport,
    /// Anchor's connection, when a key is set.
    pub anchor: Option<HttpSettings>,
    /// Where Anchor requests go (kept to report it even when no key is set).
    pub anchor_base_url: String,
    pub waits: WaitSettings,
}

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting --{flag} (env {env}): {reason}")]
pub struct ConfigError {
    pub flag: &'static str,
    pub env: &'static str,
    pub reason: String,
}

impl Config {
    /// Validate flags; read provider keys through `env` (injected so tests need no process
    /// environment).
    pub fn from_cli(cli: Cli, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
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
        let anchor = anchor_key.map(|key| HttpSettings {
            retry: retry.clone(),
            read_timeout,
            write_timeout,
            ..HttpSettings::new(cli.anchor_base_url.clone(), SecretString::from(key))
        });
        Ok(Self {
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

    /// The line printed to stderr at startup: what is served, where, which providers are
    /// configured (or what to set), and how to connect a client.
    pub fn startup_line(&self, tool_count: usize) -> String {
        let providers = match &self.anchor {
            Some(_) => format!("providers: Anchor Browser ({})", self.anchor_base_url),
            None => "providers: none configured (set ANCHOR_API_KEY for Anchor Browser; until \
                     then every tool call explains what is missing)"
                .to_string(),
        };
        match self.transport {
            Transport::Stdio => format!(
                "browser-tasks-mcp {}: serving {tool_count} MCP tools over stdio (JSON-RPC on \
                 stdin/stdout); {providers}; connect a client by adding the \"browser-tasks\" \
                 entry of mcp.json to Claude Desktop, Cursor or VS Code (it launches this \
                 binary).",
                env!("CARGO_PKG_VERSION")
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
        let config = Config::from_cli(cli(&[]), |name| {
            (name == "ANCHORBROWSER_API_KEY").then(|| "sk-second".to_string())
        })
        .unwrap();
        assert!(config.anchor.is_some());
        let config = Config::from_cli(cli(&[]), |name| {
            (name == "ANCHOR_API_KEY").then(|| "  ".to_string())
        })
        .unwrap();
        assert!(config.anchor.is_none());
        assert!(config.startup_line(8).contains("set ANCHOR_API_KEY"));
    }

    #[test]
    fn the_startup_line_says_what_where_which_and_how() {
        let config = Config::from_cli(cli(&["--anchor-base-url", "http://127.0.0.1:9"]), |_| {
            Some("sk-x".into())
        })
        .unwrap();
        let line = config.startup_line(8);
        assert!(line.contains("8 MCP tools over stdio"), "{line}");
        assert!(
            line.contains("Anchor Browser (http://127.0.0.1:9)"),
            "{line}"
        );
        assert!(line.contains("mcp.json"), "{line}");
        assert!(!line.contains("sk-x"));
        assert!(!line.contains('\n'));
    }

    #[test]
    fn bad_settings_name_their_flag() {
        let err = Config::from_cli(cli(&["--wait-seconds", "900"]), |_| None).unwrap_err();
        assert!(err.to_string().contains("--wait-seconds"), "{err}");
        let err = Config::from_cli(cli(&["--poll-initial-ms", "0"]), |_| None).unwrap_err();
        assert!(
            err.to_string().contains("BROWSER_TASKS_POLL_INITIAL_MS"),
            "{err}"
        );
        let err = Config::from_cli(cli(&["--max-wait-seconds", "1e300"]), |_| None).unwrap_err();
        assert!(err.to_string().contains("not a usable number"), "{err}");
        let err = Config::from_cli(cli(&["--read-attempts", "0"]), |_| None).unwrap_err();
        assert!(err.to_string().contains("--read-attempts"), "{err}");
    }
}
