//! The tool registry: the tools listed right now (the static tools the configured providers
//! offer, plus one per selected task), the connected clients, and telling them when the list
//! changes.
//!
//! The list is built once per change and served from that: a `tools/list` clones the built
//! tools (their schemas are shared, not copied), a call finds its tool by name in an index,
//! and argument checkers are compiled on a tool's first call.
//!
//! The list is rebuilt from the catalog when this process has changed a task (the tools'
//! environment signals it) and when another process has (SQLite's `data_version` moves). A
//! rebuild that cannot read the catalog keeps the list it had: a transient failure never
//! empties it. Clients are told of a change with `notifications/tools/list_changed`, each
//! within a timeout; ones that are gone are dropped. What was last announced is remembered
//! apart from the table, so a list rebuilt early (by a `tools/list`) is still announced.
//!
//! When the catalog knows no task of a configured provider yet (a new catalog, a new key), the
//! first `tools/list` waits, bounded, for the startup listing of the clouds, so that clients
//! that ignore list_changed still see the tasks.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use rmcp::RoleServer;
use rmcp::model::Tool;
use rmcp::service::Peer;

use super::activity::Activity;
use super::args::ArgsValidator;
use super::context::{Access, Setup, ToolEnv};
use super::secrets::Secrets;
use super::task_tools::TaskTool;
use super::tools::{self, StaticTool};
use crate::catalog::{Catalog, CatalogStore};
use crate::cloud::Provider;

/// How long one client gets to take a list-changed notification.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(2);

/// What a listed tool runs.
#[derive(Debug, Clone)]
pub enum Target {
    Static(&'static dyn StaticTool),
    Task(Arc<TaskTool>),
}

/// One listed tool with its argument checker (compiled on first use).
#[derive(Debug, Clone)]
pub struct ListedTool {
    pub tool: Tool,
    pub validator: Arc<ArgsValidator>,
    pub target: Target,
}

impl ListedTool {
    /// What a call of it needs: a static tool's own access; a task's tool runs the task.
    pub fn access(&self) -> Access {
        match &self.target {
            Target::Static(tool) => tool.access(),
            Target::Task(_) => Access::Run,
        }
    }
}

/// The tools listed right now.
#[derive(Debug, Default)]
pub struct ToolTable {
    /// The catalog's `data_version` and the environment's change count this table was built
    /// at.
    built_at: (i64, u64),
    pub tools: Vec<ListedTool>,
    /// Where each tool is in `tools`, by name.
    index: HashMap<String, usize>,
}

impl ToolTable {
    fn new(built_at: (i64, u64), tools: Vec<ListedTool>) -> Self {
        let index = tools
            .iter()
            .enumerate()
            .map(|(at, t)| (t.tool.name.to_string(), at))
            .collect();
        Self {
            built_at,
            tools,
            index,
        }
    }

    /// The listed tool called `name`.
    pub fn get(&self, name: &str) -> Option<&ListedTool> {
        self.index.get(name).and_then(|at| self.tools.get(*at))
    }

    /// The tools as `tools/list` answers them.
    pub fn listing(&self) -> Vec<Tool> {
        self.tools.iter().map(|t| t.tool.clone()).collect()
    }

    /// How many of the tools are static tools (those the configured providers offer).
    pub fn static_tool_count(&self) -> usize {
        self.tools.len() - self.task_tool_count()
    }

    /// How many of the tools are per-task tools.
    pub fn task_tool_count(&self) -> usize {
        self.tools
            .iter()
            .filter(|t| matches!(t.target, Target::Task(_)))
            .count()
    }

    fn same_tools(&self, other: &ToolTable) -> bool {
        self.tools.len() == other.tools.len()
            && self
                .tools
                .iter()
                .zip(&other.tools)
                .all(|(a, b)| a.tool == b.tool)
    }
}

/// Connected clients, each with a number to tell them apart (and the next number).
#[derive(Default)]
struct Peers {
    next: u64,
    list: Vec<(u64, Peer<RoleServer>)>,
}

/// The startup listing of the clouds, as far as a `tools/list` waits for it.
struct FirstListing {
    /// Until when a `tools/list` waits for it (`None`: it does not wait).
    until: Mutex<Option<Instant>>,
    done: watch::Sender<bool>,
    /// Whether a `tools/list` has been answered.
    answered: watch::Sender<bool>,
}

/// The tools of one server state (the server's own, or a session's that brought its own
/// keys), and the clients to tell when they change.
pub struct Registry {
    env: Arc<ToolEnv>,
    static_tools: Vec<ListedTool>,
    table: RwLock<Arc<ToolTable>>,
    /// The table clients were last told about.
    announced: Mutex<Arc<ToolTable>>,
    peers: Mutex<Peers>,
    /// Counts announced changes, for `subscriptions/listen` streams.
    announcements: watch::Sender<u64>,
    first_listing: FirstListing,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// The registry of a server, with a fresh activity record. Inside a Tokio runtime it
    /// starts watching for task changes at once, announcing each to the clients.
    pub async fn new(setup: Setup) -> Arc<Self> {
        let registry = Self::with_activity(setup, Arc::default());
        registry.rebuild().await;
        registry.first_clients_see_this();
        registry
    }

    /// The registry of a catalog that is new and empty (a session's own, a test's): its list
    /// is the static tools until tasks are learned, so it is built without reading the
    /// catalog.
    pub(crate) fn over_empty_catalog(setup: Setup, activity: Arc<Activity>) -> Arc<Self> {
        let registry = Self::with_activity(setup, activity);
        registry.rebuild_with(registry.version(), Vec::new());
        registry.first_clients_see_this();
        registry
    }

    /// What the first clients see is the list as built now: nothing to announce yet.
    fn first_clients_see_this(&self) {
        if let Ok(mut announced) = self.announced.lock() {
            *announced = self.current();
        }
    }

    fn with_activity(setup: Setup, activity: Arc<Activity>) -> Arc<Self> {
        let env = Arc::new(ToolEnv::new(setup, activity, tools::names()));
        let static_tools = tools::ALL
            .iter()
            .filter(|tool| env.settings.allows(tool.access()))
            .filter_map(|&kind| {
                let tool = kind.definition(&env.providers)?;
                Some(ListedTool {
                    validator: Arc::new(ArgsValidator::shared(tool.input_schema.clone())),
                    tool,
                    target: Target::Static(kind),
                })
            })
            .collect();
        let registry = Arc::new(Self {
            env,
            static_tools,
            table: RwLock::new(Arc::new(ToolTable::default())),
            announced: Mutex::new(Arc::new(ToolTable::default())),
            peers: Mutex::new(Peers::default()),
            announcements: watch::Sender::new(0),
            first_listing: FirstListing {
                until: Mutex::new(None),
                done: watch::Sender::new(false),
                answered: watch::Sender::new(false),
            },
        });
        if tokio::runtime::Handle::try_current().is_ok() {
            tokio::spawn(Self::watch_changes(Arc::downgrade(&registry)));
            tokio::spawn(ToolEnv::keep_leases(
                Arc::downgrade(&registry.env),
                crate::mcp::shared_wait::LEASE_RENEWAL,
                crate::mcp::shared_wait::LEASE_TTL,
            ));
        }
        registry
    }

    /// What tools of this registry work with.
    pub fn env(&self) -> &Arc<ToolEnv> {
        &self.env
    }

    /// Sessions, calls and runs in flight.
    pub fn activity(&self) -> &Arc<Activity> {
        &self.env.activity
    }

    /// The registry of a session that brought its own provider keys: those keys only, a
    /// private in-memory catalog, none of this server's configured secrets. Activity is still
    /// counted with the server's.
    ///
    /// As the server lists its own clouds at startup, the session's are listed at once into
    /// its catalog (its skills become tools), and its first `tools/list` waits for that within
    /// the same bound.
    pub fn for_session_keys(&self, keys: &[(Provider, String)]) -> Result<Arc<Registry>, String> {
        // Never the shared catalog: it holds other users' tasks.
        let catalog: Arc<dyn CatalogStore> =
            Arc::new(Catalog::in_memory().map_err(|e| e.to_string())?);
        let session = Self::over_empty_catalog(
            Setup {
                providers: self.env.providers.with_keys(keys)?,
                catalog,
                settings: self.env.settings.clone(),
                secrets: Secrets::default(),
            },
            self.env.activity.clone(),
        );
        session.start_session_listing(self.env.settings.first_list_wait);
        Ok(session)
    }

    /// List this (session's) registry's clouds into its catalog in the background; a
    /// `tools/list` meanwhile waits for it, up to `bound`.
    fn start_session_listing(self: &Arc<Self>, bound: Duration) {
        let syncs = self.env.providers.configured().next().is_some();
        if !syncs || tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        // A session's private catalog starts empty: it misses every provider.
        self.wait_for_first_listing(bound);
        let registry = self.clone();
        tokio::spawn(async move {
            let env = registry.env().clone();
            for adapter in env.providers.configured() {
                if let Err(error) = adapter.sync(&env).await {
                    let provider = adapter.provider();
                    tracing::warn!(%provider, %error, "could not list a session's tasks");
                }
            }
            registry.end_first_listing();
        });
    }

    // ---- the tool list -----------------------------------------------------------------------

    /// The startup listing of the clouds is about to begin. If the catalog knows no task of
    /// some configured provider, a `tools/list` waits for it (see [`Registry::listed_table`])
    /// until [`Registry::end_first_listing`], or for `bound` at most. Returns whether one does.
    pub async fn begin_first_listing(&self, bound: Duration) -> bool {
        if bound.is_zero()
            || self.env.settings.selection.max == 0
            || !self.catalog_misses_a_provider().await
        {
            return false;
        }
        self.wait_for_first_listing(bound)
    }

    /// Make `tools/list` wait for the first listing, for `bound` at most (see
    /// [`Registry::begin_first_listing`]).
    fn wait_for_first_listing(&self, bound: Duration) -> bool {
        if bound.is_zero() || self.env.settings.selection.max == 0 {
            return false;
        }
        match self.first_listing.until.lock() {
            Ok(mut until) => {
                *until = Some(Instant::now() + bound);
                true
            }
            Err(_) => false,
        }
    }

    /// Wait until a `tools/list` has been answered, or `grace` has passed.
    pub async fn first_tools_list(&self, grace: Duration) {
        let mut answered = self.first_listing.answered.subscribe();
        let _ = tokio::time::timeout(grace, answered.wait_for(|answered| *answered)).await;
    }

    /// The startup listing is over (whether it worked or not).
    pub fn end_first_listing(&self) {
        self.first_listing.done.send_replace(true);
    }

    /// Whether some configured provider has no task in the catalog.
    async fn catalog_misses_a_provider(&self) -> bool {
        let known: HashSet<Provider> = match self.env.tasks().await {
            Ok(tasks) => tasks.iter().map(|task| task.provider).collect(),
            Err(_) => HashSet::new(),
        };
        self.env
            .providers
            .configured()
            .any(|adapter| !known.contains(&adapter.provider()))
    }

    /// The tools a `tools/list` answers: [`Registry::table`], once the startup listing is
    /// over or no longer waited for.
    pub async fn listed_table(&self) -> Arc<ToolTable> {
        let until = self.first_listing.until.lock().ok().and_then(|u| *u);
        if let Some(until) = until {
            let mut done = self.first_listing.done.subscribe();
            if tokio::time::timeout_at(until, done.wait_for(|done| *done))
                .await
                .is_err()
            {
                tracing::info!("the startup listing is still going; listing the tools known");
            }
            // Waited once: later requests answer at once.
            if let Ok(mut slot) = self.first_listing.until.lock() {
                *slot = None;
            }
        }
        self.first_listing.answered.send_replace(true);
        self.table().await
    }

    /// The tools listed now (rebuilt first if the catalog changed since).
    pub async fn table(&self) -> Arc<ToolTable> {
        let current = self.current();
        if current.built_at != self.version() {
            self.rebuild().await;
            return self.current();
        }
        current
    }

    /// The tools as last built, without looking at the catalog (for a synchronous lookup;
    /// every request that lists or calls tools brings it up to date first).
    pub fn table_as_built(&self) -> Arc<ToolTable> {
        self.current()
    }

    fn version(&self) -> (i64, u64) {
        self.env.changes().version(self.env.catalog.as_ref())
    }

    fn current(&self) -> Arc<ToolTable> {
        self.table
            .read()
            .map(|t| t.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Rebuild the list from the catalog.
    async fn rebuild(&self) {
        let built_at = self.version();
        // A task's own tool runs it.
        let tasks = if self.env.settings.allows(Access::Run) {
            self.env.listed_tasks().await
        } else {
            Some(Vec::new())
        };
        let Some(tasks) = tasks else {
            tracing::warn!("keeping the current tool list");
            return;
        };
        self.rebuild_with(built_at, tasks);
    }

    /// Make the list the static tools and `tasks`' tools, as of the catalog at `built_at`.
    fn rebuild_with(&self, built_at: (i64, u64), tasks: Vec<crate::catalog::CatalogTask>) {
        let secrets = &self.env.secrets.configured;
        let mut chosen: Vec<TaskTool> = tasks
            .into_iter()
            .filter_map(|task| {
                // Listed tasks are of providers this state reaches, so each has its adapter.
                let adapter = self.env.providers.get(task.provider)?;
                Some(TaskTool::build(
                    task,
                    adapter,
                    secrets,
                    self.env.settings.waits.default_budget,
                ))
            })
            .collect();
        // Listed by name, whatever the recency order that chose them, so using a task does
        // not reorder (and so "change") the list.
        chosen.sort_by(|a, b| a.tool.name.cmp(&b.tool.name));
        let old = self.current();
        let mut tools = self.static_tools.clone();
        tools.extend(chosen.into_iter().map(|task_tool| {
            // An unchanged tool keeps its compiled argument checker.
            let validator = old
                .get(&task_tool.tool.name)
                .filter(|listed| listed.tool == task_tool.tool)
                .map(|listed| listed.validator.clone())
                .unwrap_or_else(|| {
                    Arc::new(ArgsValidator::shared(task_tool.tool.input_schema.clone()))
                });
            ListedTool {
                validator,
                tool: task_tool.tool.clone(),
                target: Target::Task(Arc::new(task_tool)),
            }
        }));
        let table = Arc::new(ToolTable::new(built_at, tools));
        match self.table.write() {
            Ok(mut slot) => *slot = table,
            Err(poisoned) => *poisoned.into_inner() = table,
        }
    }

    /// Bring the list up to date, and tell every client if it differs from what they were
    /// last told.
    pub async fn announce_changes(&self) {
        if self.news().await {
            self.announcements.send_modify(|count| *count += 1);
            self.notify_tool_list_changed().await;
        }
    }

    /// Whether the list now differs from what clients were last told (which then becomes
    /// what they are told). Compared with the announcement, not with the previous table: a
    /// `tools/list` may have rebuilt the table already, and clients must still hear of it.
    async fn news(&self) -> bool {
        let table = self.table().await;
        match self.announced.lock() {
            Ok(mut announced) if !announced.same_tools(&table) => {
                *announced = table;
                true
            }
            _ => false,
        }
    }

    /// Announce changes whenever the tools' environment signals one, until the registry is
    /// gone.
    async fn watch_changes(registry: Weak<Registry>) {
        let Some(mut changed) = registry.upgrade().map(|r| r.env.changes().subscribe()) else {
            return;
        };
        while changed.changed().await.is_ok() {
            let Some(registry) = registry.upgrade() else {
                return;
            };
            registry.announce_changes().await;
        }
    }

    // ---- connected clients -------------------------------------------------------------------

    /// Whether the catalog answers now, within `bound` (`Err` says why not, naming where it is
    /// but never a password).
    pub async fn catalog_answers(&self, bound: Duration) -> Result<(), String> {
        let catalog = &self.env.catalog;
        match tokio::time::timeout(bound, catalog.ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(format!(
                "the catalog at {} fails: {error}",
                catalog.location()
            )),
            Err(_) => Err(format!(
                "the catalog at {} did not answer within {} ms",
                catalog.location(),
                bound.as_millis()
            )),
        }
    }

    /// Signalled after every change of the tool list announced to clients (what
    /// `subscriptions/listen` streams carry).
    pub fn announcements(&self) -> watch::Receiver<u64> {
        self.announcements.subscribe()
    }

    /// Remember a client to notify.
    pub fn add_peer(&self, peer: Peer<RoleServer>) {
        if let Ok(mut peers) = self.peers.lock() {
            peers.next += 1;
            let id = peers.next;
            peers.list.retain(|(_, p)| !p.is_transport_closed());
            peers.list.push((id, peer));
        }
    }

    /// Send `notifications/tools/list_changed` to every client, dropping the ones that are
    /// gone or do not take it in time.
    async fn notify_tool_list_changed(&self) {
        let peers: Vec<(u64, Peer<RoleServer>)> = match self.peers.lock() {
            Ok(mut peers) => {
                peers.list.retain(|(_, p)| !p.is_transport_closed());
                peers.list.clone()
            }
            Err(_) => return,
        };
        let mut failed = Vec::new();
        for (id, peer) in &peers {
            let sent = tokio::time::timeout(NOTIFY_TIMEOUT, peer.notify_tool_list_changed()).await;
            if !matches!(sent, Ok(Ok(()))) {
                failed.push(*id);
            }
        }
        if !peers.is_empty() {
            tracing::info!(
                clients = peers.len() - failed.len(),
                dropped = failed.len(),
                "told clients the tool list changed"
            );
        }
        if !failed.is_empty()
            && let Ok(mut current) = self.peers.lock()
        {
            current.list.retain(|(id, _)| !failed.contains(id));
        }
    }
}

/// Registries for unit tests.
#[cfg(test)]
pub(crate) mod tests;
