//! What a tool sees: [`ToolEnv`], the configured provider clients, the catalog of tasks and
//! runs, wait settings, the secret store and the activity record, shared by every call of a
//! server (or of a session that brought its own keys); and [`ToolContext`], one call's view
//! of it plus the call's cancellation and progress.
//!
//! Tools never see the tool registry. When a tool changes the catalog in a way that may change
//! the tool list, [`ToolEnv`] bumps a change counter and signals a `watch` channel; the
//! registry (above the tools) rebuilds the list and tells clients.

pub(crate) mod adapter;
pub(crate) mod changes;
pub(crate) mod work;

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use self::adapter::ProviderSet;
use self::changes::{TaskChanges, TaskIndex};
use super::activity::Activity;
use super::naming;
use super::progress::McpProgress;
use super::reply::ToolError;
use super::secrets::{SecretStore, Secrets};
use super::selection::Selection;
use crate::catalog::{
    CatalogStore, CatalogTask, RunRecord, RunState, TaskChange, TaskSighting, TaskVersion,
    VersionEvent, Whose,
};
use crate::cloud::{ApiError, Provider};
use crate::params::ParamsOrigin;
use crate::redact::{REDACTED, scrub_text, scrub_value};
use crate::runs::{RunReport, TaskKind};
use crate::waiting::WaitSettings;

/// What a tool does in the cloud, as read-only mode and OAuth scopes see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// Only reads: tasks, runs, their evidence.
    Read,
    /// Starts, stops or answers runs (paid work).
    Run,
    /// Creates, changes or generates tasks.
    Build,
}

impl Access {
    /// Every access, from the least to the most.
    pub const ALL: [Access; 3] = [Access::Read, Access::Run, Access::Build];

    fn bit(self) -> u8 {
        match self {
            Access::Read => 1,
            Access::Run => 2,
            Access::Build => 4,
        }
    }

    /// How people read it.
    pub fn word(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Run => "run",
            Access::Build => "build",
        }
    }
}

/// Who makes a request, as the transport authenticated them: the subject its runs are
/// recorded under, what it may do, and whether it sees every user's runs. The MCP layer
/// never sees how (a token, a header): the HTTP layer puts a `Caller` in the request's
/// extensions; a request without one is the server's own user (stdio, a static access token,
/// no authentication), who may do everything the server allows and sees every run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The authenticated subject; `None` for the server's own user.
    subject: Option<Arc<str>>,
    /// The [`Access`] granted, as bits.
    grants: u8,
    /// Sees every user's runs (the admin scope, or the server's own user).
    sees_all_runs: bool,
}

impl Caller {
    /// The server's own user: every access, every run.
    pub fn operator() -> Self {
        Self {
            subject: None,
            grants: Access::ALL.iter().map(|a| a.bit()).sum(),
            sees_all_runs: true,
        }
    }

    /// An authenticated user, granted `grants`, seeing every user's runs when `admin`.
    pub fn user(subject: &str, grants: &[Access], admin: bool) -> Self {
        Self {
            subject: Some(Arc::from(subject)),
            grants: grants.iter().fold(0, |bits, a| bits | a.bit()),
            sees_all_runs: admin,
        }
    }

    /// The caller the transport put in a request's `extensions` (directly, as the legacy
    /// SSE transport does with each message, or in the HTTP request's head), if any.
    pub fn in_request(extensions: &rmcp::model::Extensions) -> Option<&Caller> {
        extensions.get::<Caller>().or_else(|| {
            extensions
                .get::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Caller>())
        })
    }

    /// The authenticated subject (`None`: the server's own user).
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// Whether this caller may do what needs `access`.
    pub fn allows(&self, access: Access) -> bool {
        self.grants & access.bit() != 0
    }

    /// Whether this caller may do anything at all.
    pub fn allows_any(&self) -> bool {
        self.grants != 0
    }

    /// Whether this caller sees a run recorded for `owner` (another user's run is, to it, a
    /// run that does not exist).
    pub fn sees_run_of(&self, owner: Option<&str>) -> bool {
        self.sees_all_runs || (self.subject.is_some() && owner == self.subject.as_deref())
    }

    /// Whose runs this caller sees: everyone's, or its own.
    pub fn whose_runs(&self) -> Whose<'_> {
        if self.sees_all_runs {
            return Whose::Anyone;
        }
        // A caller seeing only its own runs always has a subject (`Caller::user`); were one
        // ever without, it would own nothing, never everything.
        Whose::Owner(self.subject.as_deref().unwrap_or_default())
    }
}

/// What tool calls are configured with: the one shape the configuration builds
/// (`Config::tools`) and every layer passes on as it is, down to `ToolEnv::settings`.
#[derive(Debug, Clone)]
pub struct ToolSettings {
    /// Wait budgets, the poll schedule and progress.
    pub waits: WaitSettings,
    /// Which tasks are listed as tools.
    pub selection: Selection,
    /// The largest artifact a resource read returns inline, in bytes.
    pub resource_inline_max_bytes: u64,
    /// Only the read tools are listed and callable (`--read-only`).
    pub read_only: bool,
    /// How long the first `tools/list` may wait for the listing of the clouds, when the
    /// catalog knows no task of a configured provider (zero: it never waits): the server's
    /// startup listing, or a session's that brought its own keys.
    pub first_list_wait: std::time::Duration,
    /// Open a browser session for each Anchor code run, so that it can be stopped
    /// (`--anchor-run-sessions`).
    pub anchor_run_sessions: bool,
    /// The fingerprint of the server's own provider keys (`mcp::tasks::key_fingerprint`):
    /// who owns the MCP tasks of HTTP sessions that bring no keys of their own.
    pub account: String,
}

impl ToolSettings {
    /// Whether tools of this access are offered.
    pub fn allows(&self, access: Access) -> bool {
        !self.read_only || access == Access::Read
    }
}

/// What a server's tools are built from.
pub struct Setup {
    /// Every provider, configured or not.
    pub providers: ProviderSet,
    pub catalog: Arc<dyn CatalogStore>,
    pub settings: ToolSettings,
    /// The secrets the configuration supplies.
    pub secrets: Secrets,
}

/// What every tool call of one server state can reach.
pub struct ToolEnv {
    /// Every provider, configured or not.
    pub providers: ProviderSet,
    pub catalog: Arc<dyn CatalogStore>,
    pub settings: ToolSettings,
    /// Configured secrets and the values runs were given.
    pub secrets: Arc<SecretStore>,
    /// Sessions, calls and runs in flight (one record for the whole process).
    pub activity: Arc<Activity>,
    /// Names task tools may not take (the static tools').
    reserved_names: &'static [&'static str],
    /// This process's task changes, and the tasks as last read.
    changes: TaskChanges,
    /// What argument rules know of runs named by id, as read before the call's checks (a
    /// run's provider, kind and task never change, so what was read once stays true).
    named_runs: std::sync::Mutex<std::collections::HashMap<String, NamedRun>>,
    /// Who this process is when it takes leases in the catalog (random, once per process
    /// state).
    lease_holder: String,
    /// How many run leases this process holds now (renewed while there are any).
    leases_held: std::sync::atomic::AtomicI64,
}

/// What argument rules may know of a run the catalog records: what never changes.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedRun {
    pub provider: Provider,
    pub kind: TaskKind,
    pub task_id: Option<String>,
}

/// How many runs [`ToolEnv::look_up_named`] keeps in mind before it starts again.
const NAMED_RUNS_KEPT: usize = 4096;

impl std::fmt::Debug for ToolEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolEnv")
            .field("providers", &self.providers)
            .field("catalog", &self.catalog)
            .finish_non_exhaustive()
    }
}

impl ToolEnv {
    /// The environment of tools built from `setup`, counting activity in `activity`; task
    /// tools may not take the `reserved_names`.
    pub fn new(
        setup: Setup,
        activity: Arc<Activity>,
        reserved_names: &'static [&'static str],
    ) -> Self {
        Self {
            providers: setup.providers,
            catalog: setup.catalog,
            settings: setup.settings,
            secrets: Arc::new(SecretStore::new(setup.secrets)),
            activity,
            reserved_names,
            changes: TaskChanges::default(),
            named_runs: Default::default(),
            lease_holder: uuid::Uuid::new_v4().to_string(),
            leases_held: Default::default(),
        }
    }

    // ---- the tool list ------------------------------------------------------------------------

    /// The tasks as the tool list sees them: the change signal the registry watches.
    pub fn changes(&self) -> &TaskChanges {
        &self.changes
    }

    /// Every task in the catalog, most recently used first, as last read (read again only
    /// when the catalog has changed).
    pub async fn tasks(&self) -> Result<Arc<Vec<CatalogTask>>, crate::catalog::CatalogError> {
        Ok(self.task_index().await?.tasks.clone())
    }

    /// The catalog's tasks and former task ids, read again if the catalog has changed since
    /// the last read.
    pub async fn task_index(&self) -> Result<Arc<TaskIndex>, crate::catalog::CatalogError> {
        self.changes.tasks(self.catalog.as_ref()).await
    }

    /// The catalog's tasks as last read, without reading again: for argument rules, which are
    /// checked synchronously just after a call has read the catalog ([`ToolEnv::task_index`]).
    pub fn tasks_as_read(&self) -> Arc<TaskIndex> {
        self.changes.last_read()
    }

    /// Before a call's arguments are checked: read the catalog again if it moved, and look up
    /// the run its `execution_id` names, so the synchronous rules can consult both
    /// ([`ToolEnv::tasks_as_read`], [`ToolEnv::named_run`]).
    pub async fn look_up_named(&self, args: &serde_json::Map<String, Value>) {
        if let Err(error) = self.task_index().await {
            tracing::warn!(%error, "could not read the catalog");
        }
        let Some(id) = args.get("execution_id").and_then(Value::as_str) else {
            return;
        };
        if self.named_run(id).is_some() {
            return;
        }
        if let Some(run) = self.catalog.run(id).await
            && let Ok(mut named) = self.named_runs.lock()
        {
            if named.len() >= NAMED_RUNS_KEPT {
                named.clear();
            }
            named.insert(
                id.to_string(),
                NamedRun {
                    provider: run.provider,
                    kind: run.kind,
                    task_id: run.task_id,
                },
            );
        }
    }

    /// What the catalog records of the run `id`, as looked up before this call's checks (see
    /// [`ToolEnv::look_up_named`]).
    pub fn named_run(&self, id: &str) -> Option<NamedRun> {
        self.named_runs.lock().ok()?.get(id).cloned()
    }

    /// Who this process is when it takes a lease in the catalog.
    pub fn lease_holder(&self) -> &str {
        &self.lease_holder
    }

    /// Count run leases taken (`1`) or given up (`-1`).
    pub fn leases_held(&self, change: i64) {
        self.leases_held
            .fetch_add(change, std::sync::atomic::Ordering::SeqCst);
    }

    /// Renew this process's leases every `every` for `ttl`, while it holds any, until the
    /// environment is gone (a holder that stops renewing, even killed, loses them at expiry).
    pub async fn keep_leases(
        env: std::sync::Weak<ToolEnv>,
        every: std::time::Duration,
        ttl: std::time::Duration,
    ) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(env) = env.upgrade() else { return };
            if env.leases_held.load(std::sync::atomic::Ordering::SeqCst) <= 0 {
                continue;
            }
            if let Err(error) = env.catalog.renew_leases(&env.lease_holder, ttl).await {
                tracing::warn!(%error, "could not renew this server's run leases");
            }
        }
    }

    /// The tasks listed as tools now: runnable, selected, of a provider this state reaches.
    pub async fn listed_tasks(&self) -> Option<Vec<CatalogTask>> {
        let tasks = match self.tasks().await {
            Ok(tasks) => tasks,
            Err(error) => {
                tracing::warn!(%error, "could not read the catalog");
                return None;
            }
        };
        // A task of a provider this server cannot reach (the catalog is shared, and keys
        // change) is no tool: calling it could only fail.
        let tasks = tasks
            .iter()
            .filter(|task| self.providers.is_configured(task.provider))
            .cloned()
            .collect();
        Some(self.settings.selection.choose(tasks, &|task| {
            self.providers
                .get(task.provider)
                .is_some_and(|adapter| adapter.is_runnable(task))
        }))
    }

    /// The tool names of the tasks listed as tools now.
    pub async fn listed_tool_names(&self) -> BTreeSet<String> {
        self.listed_tasks()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|task| task.tool_name)
            .collect()
    }

    // ---- the catalog -------------------------------------------------------------------------

    /// Record what was learned about a task (naming its tool if it is new).
    pub async fn learn(&self, sighting: TaskSighting) -> Option<TaskChange> {
        self.learn_all(vec![sighting]).await.pop().flatten()
    }

    /// Record sightings; the tool list is rebuilt if one of them changed a task.
    pub async fn learn_all(&self, sightings: Vec<TaskSighting>) -> Vec<Option<TaskChange>> {
        let reserved = self.reserved_names;
        let name_tool = |s: &TaskSighting, taken: &dyn Fn(&str) -> bool| {
            let identity = format!("{}:{}", s.provider.id(), s.task_id);
            naming::tool_name(&s.name, &identity, &|n| reserved.contains(&n) || taken(n))
        };
        // Most sightings change nothing (a listing shows the same tasks again): answer those
        // from the catalog as last read, without a query each.
        let known = self.tasks().await.ok();
        let unchanged = |sighting: &TaskSighting| {
            let task = known
                .as_deref()?
                .iter()
                .find(|t| t.provider == sighting.provider && t.task_id == sighting.task_id)?;
            task.same_shape(&task.merged(sighting)).then(|| TaskChange {
                created: false,
                changed: false,
                task: task.clone(),
            })
        };
        let mut changes: Vec<Option<TaskChange>> = Vec::with_capacity(sightings.len());
        for sighting in sightings {
            if let Some(change) = unchanged(&sighting) {
                changes.push(Some(change));
                continue;
            }
            match self.catalog.upsert_task(sighting, &name_tool).await {
                Ok(change) => changes.push(Some(change)),
                Err(error) => {
                    tracing::warn!(%error, "could not record a task in the catalog");
                    changes.push(None);
                }
            }
        }
        if changes.iter().flatten().any(|c| c.changed) {
            self.changes.bump();
        }
        changes
    }

    /// After a complete listing of `kind` tasks: the ones not `present` are gone (their tools
    /// with them).
    async fn forget_missing(&self, provider: Provider, kind: TaskKind, present: &[String]) {
        match self.catalog.mark_missing(provider, kind, present).await {
            Ok(0) => {}
            Ok(_) => self.changes.bump(),
            Err(error) => tracing::warn!(%error, "could not mark removed tasks in the catalog"),
        }
    }

    /// List a provider's tasks of one kind into the catalog, page by page (at most 50 pages,
    /// so an API that ignores paging cannot loop forever): `page(n)` answers that page's
    /// sightings and whether more follow. When the listing completes, the tasks it no longer
    /// has are marked gone; a listing that fails changes nothing more. Returns how many were
    /// listed.
    pub async fn sync_pages<F, Fut>(
        &self,
        provider: Provider,
        kind: TaskKind,
        mut page: F,
    ) -> Result<usize, ApiError>
    where
        F: FnMut(u32) -> Fut,
        Fut: std::future::Future<Output = Result<(Vec<TaskSighting>, bool), ApiError>>,
    {
        let mut seen = Vec::new();
        let mut complete = false;
        for number in 1..=50 {
            let (sightings, more) = page(number).await?;
            seen.extend(sightings.iter().map(|s| s.task_id.clone()));
            self.learn_all(sightings).await;
            if !more {
                complete = true;
                break;
            }
        }
        if complete {
            self.forget_missing(provider, kind, &seen).await;
        }
        Ok(seen.len())
    }

    /// Record a sighting; if the catalog cannot take it, carry on with an unlisted copy.
    pub async fn remember(&self, sighting: TaskSighting) -> CatalogTask {
        match self.learn(sighting.clone()).await {
            Some(change) => change.task,
            None => unrecorded(sighting),
        }
    }

    /// The catalog's task with this id, if known.
    pub async fn known_task(&self, task_id: &str) -> Option<CatalogTask> {
        self.catalog.task_by_id(task_id).await
    }

    /// Add to `task`'s version history, as made by `owner` (a failure is logged: the history
    /// is a record, the change itself was made). `reason` is stored scrubbed of known
    /// secrets; `generation` must hold none.
    pub async fn note_version(
        &self,
        owner: Option<&str>,
        task: &CatalogTask,
        version: &str,
        event: VersionEvent,
        reason: Option<&str>,
        generation: Option<Value>,
    ) {
        if task.tool_name.is_empty() {
            // A task the catalog could not record has no history either.
            return;
        }
        let secrets = self.secrets.values();
        let entry = TaskVersion {
            provider: task.provider,
            tool_name: task.tool_name.clone(),
            task_id: task.task_id.clone(),
            version: version.to_string(),
            event,
            reason: reason.map(|r| scrub_text(r, &secrets)),
            generation,
            created_at: String::new(),
            owner: owner.map(str::to_string),
        };
        if let Err(error) = self.catalog.record_version(entry).await {
            tracing::warn!(%error, task = %task.task_id, "could not record a task version");
        }
    }

    /// `task`'s version history, oldest first (empty when none, or unreadable: logged).
    pub async fn versions(&self, task: &CatalogTask) -> Vec<TaskVersion> {
        if task.tool_name.is_empty() {
            return Vec::new();
        }
        self.catalog
            .versions(task.provider, &task.tool_name)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "could not read a task's versions");
                Vec::new()
            })
    }

    /// Make the entry known as `from_id` the task `to_id` (regenerated or restored), keeping
    /// its tool name and history; the tool list is rebuilt.
    pub async fn move_task(
        &self,
        task: &CatalogTask,
        to_id: &str,
        status: Option<&str>,
    ) -> Option<CatalogTask> {
        match self
            .catalog
            .move_task(task.provider, &task.task_id, to_id, status)
            .await
        {
            Ok(moved) => {
                self.changes.bump();
                moved
            }
            Err(error) => {
                tracing::warn!(%error, "could not move a task in the catalog");
                None
            }
        }
    }

    /// The catalog's entry for `task_id`: the task it is now, or the entry one of whose
    /// earlier versions it was (a regenerated task's former id).
    pub async fn task_or_former(&self, task_id: &str) -> Option<CatalogTask> {
        match self.known_task(task_id).await {
            Some(task) => Some(task),
            None => self.catalog.task_by_version(task_id).await,
        }
    }

    /// Which kind of task an id names, as remembered, else a code task.
    pub async fn kind_of(&self, task_id: Option<&str>) -> TaskKind {
        match task_id {
            Some(id) => self.known_task(id).await.map_or(TaskKind::Code, |t| t.kind),
            None => TaskKind::Code,
        }
    }

    /// Whether the catalog has a run with this id (a run this server, or one sharing its
    /// catalog, started).
    pub async fn knows_run(&self, run_id: &str) -> bool {
        self.catalog.run(run_id).await.is_some()
    }

    /// Record a run that was just started by `owner`, before waiting on it.
    pub async fn record_run(&self, report: &RunReport, inputs: Value, owner: Option<&str>) {
        let stamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let record = RunRecord {
            provider: Provider::from_id(&report.provider),
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
            // What others waiting on it answer until the first status check is recorded.
            report: serde_json::to_value(report).ok().map(|mut value| {
                scrub_value(&mut value, &self.secrets.values());
                value
            }),
            detail: None,
            updated_at: stamp,
            owner: owner.map(str::to_string),
        };
        if let Err(error) = self.catalog.record_run(&record).await {
            tracing::error!(%error, run = %report.execution_id, "could not record a run in the catalog");
        }
        if let Some(task_id) = &report.task_id {
            self.catalog
                .mark_used(Provider::from_id(&report.provider), task_id)
                .await;
        }
    }

    /// Keep a recorded run's state up to date (unrecorded runs are left alone). Outputs are
    /// stored scrubbed of the configured secrets and of `secrets` (the ones the run was given);
    /// a run recorded with redacted inputs whose values are not known here keeps no output.
    /// `detail` is what progress said with this state (others waiting on the run say it too).
    pub async fn note_run_state(
        &self,
        report: &RunReport,
        secrets: &[String],
        detail: Option<&str>,
    ) {
        let mut known = self.secrets.values();
        known.extend(secrets.iter().cloned());
        let unknown_secrets = secrets.is_empty()
            && self
                .catalog
                .run(&report.execution_id)
                .await
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
        // The whole report, for the others waiting on this run: scrubbed as a result is, and
        // without an output whose secrets are not known here.
        let shared = {
            let mut shared = report.clone();
            if unknown_secrets {
                shared.output = None;
            }
            serde_json::to_value(&shared).ok().map(|mut value| {
                scrub_value(&mut value, &known);
                value
            })
        };
        let state = RunState {
            status: report.status.clone(),
            finished: report.finished,
            summary,
            error,
            report: shared,
            detail: detail.map(|d| scrub_text(d, &known)),
        };
        let result = self
            .catalog
            .update_run(
                Provider::from_id(&report.provider),
                &report.execution_id,
                &state,
            )
            .await;
        if let Err(error) = result {
            tracing::warn!(%error, "could not update a run in the catalog");
        }
    }
}

/// Runs the catalog records are accounted for when a lost start is looked for.
impl crate::runs::KnownRuns for ToolEnv {
    fn knows<'a>(&'a self, id: &'a str) -> futures::future::BoxFuture<'a, bool> {
        Box::pin(self.knows_run(id))
    }
}

/// A task the catalog could not record: usable for this call, without a tool.
pub fn unrecorded(sighting: TaskSighting) -> CatalogTask {
    let (inputs, outputs, params_origin) =
        sighting
            .params
            .unwrap_or((Vec::new(), Vec::new(), ParamsOrigin::Unknown));
    CatalogTask {
        provider: sighting.provider,
        kind: sighting.kind,
        task_id: sighting.task_id,
        name: sighting.name,
        description: sighting.description,
        version: sighting.version,
        status: sighting.status,
        inputs,
        outputs,
        params_origin,
        output_schema: sighting.output_schema,
        tool_name: String::new(),
        last_seen: String::new(),
        last_used: None,
    }
}

/// One tool call's view: the shared environment, plus who calls, the call's cancellation and
/// progress.
pub struct ToolContext<'a> {
    pub env: &'a ToolEnv,
    /// Who calls (what it may do, whose runs it sees).
    pub caller: Caller,
    /// Fires when the client cancels the request.
    pub cancel: CancellationToken,
    pub progress: McpProgress,
}

impl ToolContext<'_> {
    /// Whether this call may do what needs `access`: the server offers it and the caller is
    /// granted it.
    pub fn allows(&self, access: Access) -> bool {
        self.env.settings.allows(access) && self.caller.allows(access)
    }

    /// Whether the caller may see the run `id`: any run, for one who sees every run; else
    /// only a run the catalog records as its own (a run of another user, one started
    /// elsewhere and an id that does not exist are all the same to it).
    pub async fn may_see_run(&self, id: &str) -> bool {
        match self.caller.whose_runs() {
            Whose::Anyone => true,
            Whose::Owner(owner) => self
                .env
                .catalog
                .run(id)
                .await
                .is_some_and(|run| run.owner.as_deref() == Some(owner)),
        }
    }

    /// `Err` (not found) when the caller may not see the run `id` (see
    /// [`ToolContext::may_see_run`]): the same answer for another user's run, a run started
    /// elsewhere and an id that does not exist, so that ids cannot be probed.
    pub async fn check_run_seen(&self, id: &str) -> Result<(), ToolError> {
        if self.may_see_run(id).await {
            return Ok(());
        }
        Err(ToolError::NotFound {
            message: format!("Run {id} was not found among your runs."),
            hint: "list_executions lists the runs you started; get_execution reaches any of \
                   them."
                .into(),
        })
    }

    /// Those of `items` (runs a cloud listed, each with its id) the caller may see, in
    /// order. A catalog that cannot be read hides them all: never someone else's.
    pub async fn visible_runs<T>(&self, items: Vec<T>, id: impl Fn(&T) -> &str) -> Vec<T> {
        let Whose::Owner(owner) = self.caller.whose_runs() else {
            return items;
        };
        let ids: Vec<String> = items.iter().map(|item| id(item).to_string()).collect();
        let owned = match self.env.catalog.owned_runs(owner, &ids).await {
            Ok(owned) => owned,
            Err(error) => {
                tracing::warn!(%error, "could not read whose runs these are; showing none");
                return Vec::new();
            }
        };
        items
            .into_iter()
            .filter(|item| owned.iter().any(|o| o == id(item)))
            .collect()
    }

    /// Record a run this call started (the caller's).
    pub async fn record_run(&self, report: &RunReport, inputs: Value) {
        self.env
            .record_run(report, inputs, self.caller.subject())
            .await;
    }

    /// Add to `task`'s version history, as made by this caller (see
    /// [`ToolEnv::note_version`]).
    pub async fn note_version(
        &self,
        task: &CatalogTask,
        version: &str,
        event: VersionEvent,
        reason: Option<&str>,
        generation: Option<Value>,
    ) {
        self.env
            .note_version(
                self.caller.subject(),
                task,
                version,
                event,
                reason,
                generation,
            )
            .await;
    }
}
