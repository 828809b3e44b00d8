//! What every MCP session shares: the provider clients, settings, the catalog, the current
//! tool list (static tools plus one per selected task) and the connected clients to tell when
//! that list changes.
//!
//! The tool list is rebuilt from the catalog after this process changes it, and whenever
//! another process has (SQLite's `data_version` moves). A rebuild that cannot read the
//! catalog keeps the list it had: a transient failure never empties it. Clients are told of a
//! change with `notifications/tools/list_changed`, each within a timeout; ones that are gone
//! are dropped.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::Tool;
use rmcp::service::Peer;
use serde_json::Value;

use secrecy::{ExposeSecret, SecretString};

use super::activity::Activity;
use super::args::ArgsValidator;
use super::task_tools::{Secrets, Selection, TaskTool, naming};
use super::tools::{Providers, StaticTool};
use crate::anchor::AnchorClient;
use crate::browser_use::BrowserUseClient;
use crate::catalog::{Catalog, CatalogTask, RunRecord, TaskChange, TaskSighting};
use crate::cloud::HttpSettings;
use crate::redact::{REDACTED, scrub_text};
use crate::runs::{RunReport, TaskKind};
use crate::waiting::WaitSettings;

/// How long one client gets to take a list-changed notification.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(2);

/// The most run secret values kept in memory for scrubbing (the oldest go first).
const MAX_REMEMBERED_SECRETS: usize = 1024;

/// What a listed tool runs.
#[derive(Debug, Clone)]
pub enum Target {
    Static(StaticTool),
    Task(Arc<TaskTool>),
}

/// One listed tool with its compiled argument checker.
#[derive(Debug, Clone)]
pub struct ListedTool {
    pub tool: Tool,
    pub validator: Arc<ArgsValidator>,
    pub target: Target,
}

/// The tools listed right now.
#[derive(Debug, Default)]
pub struct ToolTable {
    /// The catalog's `data_version` this table was built at.
    data_version: i64,
    pub tools: Vec<ListedTool>,
}

impl ToolTable {
    /// The listed tool called `name`.
    pub fn get(&self, name: &str) -> Option<&ListedTool> {
        self.tools.iter().find(|t| t.tool.name == name)
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
}

/// Connected clients, each with a number to tell them apart (and the next number).
#[derive(Default)]
struct Peers {
    next: u64,
    list: Vec<(u64, Peer<RoleServer>)>,
}

/// What [`Shared`] is built from.
pub struct Setup {
    /// `None` when no Anchor key is configured (tools then say how to configure it).
    pub anchor: Option<AnchorClient>,
    /// Anchor's connection settings without a key, for sessions that bring their own.
    pub anchor_template: HttpSettings,
    /// `None` when no Browser Use key is configured.
    pub browser_use: Option<BrowserUseClient>,
    /// Browser Use's connection settings without a key.
    pub browser_use_template: HttpSettings,
    pub waits: WaitSettings,
    pub catalog: Catalog,
    pub selection: Selection,
    pub secrets: Secrets,
}

/// State every session shares.
pub struct Shared {
    /// `None` when no Anchor key is configured (tools then say how to configure it).
    pub anchor: Option<AnchorClient>,
    anchor_template: HttpSettings,
    /// `None` when no Browser Use key is configured.
    pub browser_use: Option<BrowserUseClient>,
    browser_use_template: HttpSettings,
    pub waits: WaitSettings,
    pub catalog: Catalog,
    pub selection: Selection,
    pub secrets: Secrets,
    /// Secret values runs were given (newest last), in memory only, never stored: whatever
    /// this process shows later (a get_execution of that run, a progress message) is scrubbed
    /// of them too.
    run_secrets: Mutex<VecDeque<SecretString>>,
    /// Sessions, calls and runs in flight (one record for the whole process).
    pub activity: Arc<Activity>,
    static_tools: Vec<ListedTool>,
    table: RwLock<Arc<ToolTable>>,
    peers: Mutex<Peers>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("anchor", &self.anchor)
            .field("catalog", &self.catalog)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub fn new(setup: Setup) -> Self {
        Self::with_activity(setup, Arc::default())
    }

    fn with_activity(setup: Setup, activity: Arc<Activity>) -> Self {
        let Setup {
            anchor,
            anchor_template,
            browser_use,
            browser_use_template,
            waits,
            catalog,
            selection,
            secrets,
        } = setup;
        let providers = Providers {
            anchor: anchor.is_some(),
            browser_use: browser_use.is_some(),
        };
        let static_tools = StaticTool::ALL
            .into_iter()
            .filter(|kind| kind.offered(providers))
            .map(|kind| {
                let tool = kind.definition(providers);
                ListedTool {
                    validator: Arc::new(ArgsValidator::new(&tool.input_schema)),
                    tool,
                    target: Target::Static(kind),
                }
            })
            .collect();
        let shared = Self {
            anchor,
            anchor_template,
            browser_use,
            browser_use_template,
            activity,
            run_secrets: Mutex::default(),
            waits,
            catalog,
            selection,
            secrets,
            static_tools,
            table: RwLock::new(Arc::new(ToolTable::default())),
            peers: Mutex::new(Peers::default()),
        };
        shared.rebuild();
        shared
    }

    /// The providers this state can reach.
    pub fn providers(&self) -> Providers {
        Providers {
            anchor: self.anchor.is_some(),
            browser_use: self.browser_use.is_some(),
        }
    }

    /// The state of a session that brought its own provider keys: those keys only, a private
    /// in-memory catalog, none of this server's configured secrets. Activity is still counted
    /// with the server's.
    pub fn for_session_keys(
        &self,
        anchor_key: Option<&str>,
        browser_use_key: Option<&str>,
    ) -> Result<Arc<Shared>, String> {
        let client_settings = |template: &HttpSettings, key: &str| HttpSettings {
            api_key: SecretString::from(key.to_string()),
            ..template.clone()
        };
        let anchor = anchor_key
            .map(|key| AnchorClient::new(client_settings(&self.anchor_template, key)))
            .transpose()
            .map_err(|e| e.to_string())?;
        let browser_use = browser_use_key
            .map(|key| BrowserUseClient::new(client_settings(&self.browser_use_template, key)))
            .transpose()
            .map_err(|e| e.to_string())?;
        // Never the shared catalog: it holds other users' tasks.
        let catalog = Catalog::in_memory().map_err(|e| e.to_string())?;
        Ok(Arc::new(Self::with_activity(
            Setup {
                anchor,
                anchor_template: self.anchor_template.clone(),
                browser_use,
                browser_use_template: self.browser_use_template.clone(),
                waits: self.waits.clone(),
                catalog,
                selection: self.selection.clone(),
                secrets: Secrets::default(),
            },
            self.activity.clone(),
        )))
    }

    // ---- the tool list -----------------------------------------------------------------------

    /// The tools listed now (rebuilt first if another process changed the catalog).
    pub fn table(&self) -> Arc<ToolTable> {
        let current = self.current();
        if current.data_version != self.catalog.data_version() {
            self.rebuild();
            return self.current();
        }
        current
    }

    fn current(&self) -> Arc<ToolTable> {
        self.table
            .read()
            .map(|t| t.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Rebuild the list from the catalog; returns whether the listed tools changed.
    pub fn rebuild(&self) -> bool {
        let data_version = self.catalog.data_version();
        let tasks = match self.catalog.tasks() {
            Ok(tasks) => tasks,
            Err(error) => {
                tracing::warn!(%error, "could not read the catalog; keeping the current tool list");
                return false;
            }
        };
        // A task of a provider this server cannot reach (the catalog is shared, and keys
        // change) is no tool: calling it could only fail.
        let providers = self.providers();
        let tasks = tasks
            .into_iter()
            .filter(|task| providers.has(task.provider))
            .collect();
        let mut chosen: Vec<TaskTool> = self
            .selection
            .choose(tasks)
            .into_iter()
            .map(|task| TaskTool::build(task, &self.secrets, self.waits.default_budget))
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
                .unwrap_or_else(|| Arc::new(ArgsValidator::new(&task_tool.tool.input_schema)));
            ListedTool {
                validator,
                tool: task_tool.tool.clone(),
                target: Target::Task(Arc::new(task_tool)),
            }
        }));
        let changed = old.tools.len() != tools.len()
            || old.tools.iter().zip(&tools).any(|(a, b)| a.tool != b.tool);
        let table = Arc::new(ToolTable {
            data_version,
            tools,
        });
        match self.table.write() {
            Ok(mut slot) => *slot = table,
            Err(poisoned) => *poisoned.into_inner() = table,
        }
        changed
    }

    /// Rebuild after a change, and tell every client if the list is different.
    pub async fn tools_may_have_changed(&self) {
        if self.rebuild() {
            self.notify_tool_list_changed().await;
        }
    }

    /// Record a sighting; rebuild the tool list (and notify clients) if it changed the task.
    pub async fn learn_and_update(&self, sighting: TaskSighting) -> Option<TaskChange> {
        self.learn_all(vec![sighting]).await.pop().flatten()
    }

    /// Record sightings; rebuild (and notify) only if one of them changed a task.
    pub async fn learn_all(&self, sightings: Vec<TaskSighting>) -> Vec<Option<TaskChange>> {
        let changes: Vec<Option<TaskChange>> =
            sightings.into_iter().map(|s| self.learn(s)).collect();
        if changes.iter().flatten().any(|c| c.changed) {
            self.tools_may_have_changed().await;
        }
        changes
    }

    // ---- connected clients -------------------------------------------------------------------

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
    pub async fn notify_tool_list_changed(&self) {
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

    // ---- the catalog ---------------------------------------------------------------------------

    /// Record what was learned about a task (naming its tool if it is new).
    pub fn learn(&self, sighting: TaskSighting) -> Option<TaskChange> {
        let name_tool = |s: &TaskSighting, taken: &dyn Fn(&str) -> bool| {
            let identity = format!("{}:{}", s.provider.id(), s.task_id);
            naming::tool_name(&s.name, &identity, &|n| {
                StaticTool::from_name(n).is_some() || taken(n)
            })
        };
        match self.catalog.upsert_task(sighting, &name_tool) {
            Ok(change) => Some(change),
            Err(error) => {
                tracing::warn!(%error, "could not record a task in the catalog");
                None
            }
        }
    }

    /// The catalog's task with this id, if known.
    pub fn known_task(&self, task_id: &str) -> Option<CatalogTask> {
        self.catalog.task_by_id(task_id)
    }

    /// Which API a task id belongs to: as given, else as remembered, else a code task.
    pub fn kind_of(&self, explicit: Option<TaskKind>, task_id: Option<&str>) -> TaskKind {
        explicit
            .or_else(|| task_id.and_then(|id| self.known_task(id)).map(|t| t.kind))
            .unwrap_or(TaskKind::Code)
    }

    /// Remember secret values a run was given (in memory only), to scrub them from whatever
    /// this process shows later.
    pub fn remember_secrets(&self, values: &[String]) {
        if let Ok(mut remembered) = self.run_secrets.lock() {
            for value in values.iter().filter(|v| !v.is_empty()) {
                if !remembered.iter().any(|r| r.expose_secret() == value) {
                    remembered.push_back(SecretString::from(value.clone()));
                }
            }
            while remembered.len() > MAX_REMEMBERED_SECRETS {
                remembered.pop_front();
            }
        }
    }

    /// Every secret value to scrub from what is shown: the configured ones and those runs
    /// were given.
    pub fn scrub_values(&self) -> Vec<String> {
        let mut values = self.secrets.values();
        if let Ok(remembered) = self.run_secrets.lock() {
            values.extend(remembered.iter().map(|s| s.expose_secret().to_string()));
        }
        values
    }

    /// Record a run that was just started, before waiting on it.
    pub fn record_run(&self, report: &RunReport, inputs: Value) {
        let stamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let record = RunRecord {
            provider: report.kind.provider(),
            run_id: report.execution_id.clone(),
            kind: report.kind,
            task_id: report.task_id.clone(),
            task_name: report.task_name.clone(),
            version: report.version.clone(),
            inputs,
            started_at: report.started_at.clone().unwrap_or_else(|| stamp.clone()),
            status: report.status.clone(),
            finished: report.finished,
            summary: None,
            error: None,
            updated_at: stamp,
        };
        if let Err(error) = self.catalog.record_run(&record) {
            tracing::error!(%error, run = %report.execution_id, "could not record a run in the catalog");
        }
        if let Some(task_id) = &report.task_id {
            self.catalog.mark_used(report.kind.provider(), task_id);
        }
    }

    /// Keep a recorded run's state up to date (unrecorded runs are left alone). Outputs are
    /// stored scrubbed of the configured secrets and of `secrets` (the ones the run was given);
    /// a run recorded with redacted inputs whose values are not known here keeps no output.
    pub fn note_run_state(&self, report: &RunReport, secrets: &[String]) {
        let mut known = self.scrub_values();
        known.extend(secrets.iter().cloned());
        let unknown_secrets = secrets.is_empty()
            && self
                .catalog
                .run(&report.execution_id)
                .is_some_and(|run| run.inputs.to_string().contains(REDACTED));
        let summary = report
            .output
            .as_ref()
            .filter(|_| !unknown_secrets)
            .map(|output| {
                let text = crate::params::text_of(output);
                crate::cloud::truncate_text(&scrub_text(&text, &known), 500)
            });
        let error = report.error.as_deref().map(|e| scrub_text(e, &known));
        let result = self.catalog.update_run(
            report.kind.provider(),
            &report.execution_id,
            &report.status,
            report.finished,
            summary.as_deref(),
            error.as_deref(),
        );
        if let Err(error) = result {
            tracing::warn!(%error, "could not update a run in the catalog");
        }
    }
}
