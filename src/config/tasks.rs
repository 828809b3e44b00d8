//! The task flags: where the catalog lives, which tasks become tools, the secret parameters
//! supplied from the environment, and how often the catalog is refreshed and watched.
//!
//! Flag doc comments are the `--help` text, so they stay as a person reads them (`<NAME>` placeholders), not
//! as rustdoc would like them.
#![allow(rustdoc::invalid_html_tags)]

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{ConfigError, Setting};
use crate::catalog::PostgresUrl;
use crate::mcp::refresh::Upkeep;
use crate::mcp::secrets::Secrets;
use crate::mcp::selection::Selection;

pub(super) const CATALOG: Setting = Setting::new("catalog", "BROWSER_TASKS_CATALOG");
pub(super) const TASK_TOOLS: Setting = Setting::new("task-tools", "BROWSER_TASKS_TASK_TOOLS");
pub(super) const MAX_TASK_TOOLS: Setting =
    Setting::new("max-task-tools", "BROWSER_TASKS_MAX_TASK_TOOLS");
pub(super) const SECRET: Setting = Setting::new("secret", "BROWSER_TASKS_SECRETS");
pub(super) const REFRESH_SECONDS: Setting =
    Setting::new("refresh-seconds", "BROWSER_TASKS_REFRESH_SECONDS");
pub(super) const CATALOG_WATCH_MS: Setting =
    Setting::new("catalog-watch-ms", "BROWSER_TASKS_CATALOG_WATCH_MS");
pub(super) const FIRST_LIST_WAIT_MS: Setting =
    Setting::new("first-list-wait-ms", "BROWSER_TASKS_FIRST_LIST_WAIT_MS");

pub(super) const READ_ONLY: Setting = Setting::new("read-only", "BROWSER_TASKS_READ_ONLY");

pub(super) const RESOURCE_INLINE_MAX_BYTES: Setting = Setting::new(
    "resource-inline-max-bytes",
    "BROWSER_TASKS_RESOURCE_INLINE_MAX_BYTES",
);

/// The task flags.
#[derive(Debug, Clone, Args)]
pub struct TaskFlags {
    /// The task catalog: every task and run the server learns about. A SQLite file (default:
    /// in the user's data directory; `:memory:` keeps it in memory, nothing persists), or a
    /// PostgreSQL database shared by several instances: postgres://USER:PASSWORD@HOST:PORT/DB.
    // Its value may hold a password: never shown in --help.
    #[arg(long = CATALOG.flag, env = CATALOG.env, hide_env_values = true)]
    pub catalog: Option<PathBuf>,

    /// Which tasks become tools of their own: task or tool names, globs allowed,
    /// comma-separated (default: every runnable task, up to --max-task-tools).
    #[arg(long = TASK_TOOLS.flag, env = TASK_TOOLS.env, value_delimiter = ',')]
    pub task_tools: Vec<String>,

    /// At most this many task tools, most recently used first (clients cap tool counts;
    /// Cursor sends only the first 40 tools). 0 lists none; run_task still runs every task.
    #[arg(long = MAX_TASK_TOOLS.flag, env = MAX_TASK_TOOLS.env, default_value_t = 25)]
    pub max_task_tools: usize,

    /// The largest run artifact (a screenshot, a file) a resource read returns inline, in
    /// bytes; a larger one comes as its URL and size. 0 inlines none.
    #[arg(
        long = RESOURCE_INLINE_MAX_BYTES.flag,
        env = RESOURCE_INLINE_MAX_BYTES.env,
        default_value_t = crate::mcp::resources::INLINE_CAP
    )]
    pub resource_inline_max_bytes: u64,

    /// Offer only the tools that read (list and get tasks and runs, read their evidence): no
    /// run is started, stopped or answered and no task is changed; prompts that lead a model
    /// to write are not offered either.
    #[arg(long = READ_ONLY.flag, env = READ_ONLY.env)]
    pub read_only: bool,

    /// Supply a secret task parameter from an environment variable, as NAME=ENV_VAR
    /// (repeatable; comma-separated in the variable). Such a parameter is not a tool argument.
    /// BROWSER_TASKS_SECRET_<NAME> variables work too (NAME in SCREAMING_SNAKE_CASE).
    #[arg(long = SECRET.flag, env = SECRET.env, value_delimiter = ',')]
    pub secrets: Vec<String>,

    /// List the cloud's tasks into the catalog every this many seconds (0: only at startup).
    #[arg(long = REFRESH_SECONDS.flag, env = REFRESH_SECONDS.env, default_value_t = 300)]
    pub refresh_seconds: u64,

    /// How often to look for catalog changes made by other server processes, in milliseconds.
    #[arg(long = CATALOG_WATCH_MS.flag, env = CATALOG_WATCH_MS.env, default_value_t = 2000)]
    pub catalog_watch_ms: u64,

    /// When the catalog knows no task of a configured cloud yet (a new catalog, a new key),
    /// the first tools/list waits up to this many milliseconds for the startup listing of
    /// the clouds, so it lists their tasks; then it answers with what is known (0: never wait).
    #[arg(
        long = FIRST_LIST_WAIT_MS.flag,
        env = FIRST_LIST_WAIT_MS.env,
        default_value_t = 2000
    )]
    pub first_list_wait_ms: u64,
}

/// Where the catalog lives.
#[derive(Debug, Clone, PartialEq)]
pub enum CatalogLocation {
    File(PathBuf),
    Memory,
    /// A PostgreSQL database (shown, logged and debugged without its password).
    Postgres(PostgresUrl),
}

impl std::fmt::Display for CatalogLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CatalogLocation::File(path) => write!(f, "{}", path.display()),
            CatalogLocation::Memory => f.write_str(":memory: (not persisted)"),
            CatalogLocation::Postgres(url) => write!(f, "{url}"),
        }
    }
}

/// What the task flags configure, checked.
#[derive(Debug)]
pub(super) struct TaskSettings {
    pub catalog: CatalogLocation,
    pub selection: Selection,
    pub secrets: Secrets,
    pub upkeep: Upkeep,
    pub first_list_wait: Duration,
}

impl TaskFlags {
    /// Check the flags; read the secrets' values through `env` and `vars`.
    pub(super) fn check(
        self,
        env: &dyn Fn(&str) -> Option<String>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<TaskSettings, ConfigError> {
        let catalog = match self.catalog {
            Some(path) if path.as_os_str() == ":memory:" => CatalogLocation::Memory,
            Some(path) => match path.to_str().and_then(PostgresUrl::parse) {
                Some(url) => CatalogLocation::Postgres(url),
                None => CatalogLocation::File(path),
            },
            None => match crate::catalog::default_path() {
                Some(path) => CatalogLocation::File(path),
                None => {
                    return Err(
                        CATALOG.invalid("this system has no user data directory; give a file path")
                    );
                }
            },
        };
        let mut allow = Vec::new();
        for pattern in self
            .task_tools
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
        {
            allow.push(glob::Pattern::new(pattern).map_err(|e| {
                TASK_TOOLS.invalid(format!("{pattern:?} is not a valid pattern: {e}"))
            })?);
        }
        let mut pairs = Vec::new();
        for pair in self
            .secrets
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
        {
            let Some((name, variable)) = pair.split_once('=') else {
                return Err(SECRET.invalid(format!("{pair:?} is not NAME=ENV_VAR")));
            };
            pairs.push((name.trim().to_string(), variable.trim().to_string()));
        }
        let secrets = Secrets::new(&pairs, vars, env).map_err(|reason| SECRET.invalid(reason))?;
        if self.catalog_watch_ms == 0 {
            return Err(CATALOG_WATCH_MS.invalid("must be at least 1"));
        }
        Ok(TaskSettings {
            catalog,
            selection: Selection {
                allow,
                max: self.max_task_tools,
            },
            secrets,
            upkeep: Upkeep {
                sync_every: (self.refresh_seconds > 0)
                    .then(|| Duration::from_secs(self.refresh_seconds)),
                watch_every: Duration::from_millis(self.catalog_watch_ms),
            },
            first_list_wait: Duration::from_millis(self.first_list_wait_ms),
        })
    }
}
