//! What the catalog stores and answers, whatever the store: tasks, sightings of them, runs,
//! the error every store returns, and the rules for merging a sighting into a known task
//! (kept here so every store applies the same ones).

use serde_json::Value;

use crate::cloud::Provider;
use crate::params::{Param, ParamsOrigin};
use crate::runs::TaskKind;

/// Why the catalog could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(
        "cannot use the task catalog at {path}: {reason}. Fix or move the file aside (the server \
         never resets it on its own), or choose another with --catalog / BROWSER_TASKS_CATALOG."
    )]
    Open { path: String, reason: String },
    /// The file cannot be where it is asked to be (see [`super::place_problem`]).
    #[error("cannot use the task catalog: {problem}. Fix: {fix}.")]
    Place { problem: String, fix: String },
    /// The file or database was written by a newer version (`path`: where it is; a database's
    /// URL without its password).
    #[error(
        "the task catalog at {path} was written by a newer browser-tasks-mcp (schema version \
         {found}, this one knows up to {known}); upgrade, or use another catalog with --catalog"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    /// A catalog database that cannot be reached or set up (PostgreSQL): `location` is its URL
    /// without the password, `problem` what went wrong, `fix` what to do.
    #[error(
        "cannot use the task catalog at {location}: {problem}. Fix: {fix}; or choose another \
         catalog with --catalog / BROWSER_TASKS_CATALOG. The server never creates, resets or \
         drops a catalog database on its own."
    )]
    Unavailable {
        location: String,
        problem: String,
        fix: String,
    },
    /// A read or write failed in the store (its own error inside, whichever store it is).
    #[error("task catalog error: {0}")]
    Query(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A task as the catalog knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogTask {
    pub provider: Provider,
    pub kind: TaskKind,
    pub task_id: String,
    pub name: String,
    pub description: Option<String>,
    /// Code tasks: the latest published version ("draft" when none).
    pub version: Option<String>,
    /// Generated tasks: the last generation status seen.
    pub status: Option<String>,
    pub inputs: Vec<Param>,
    pub outputs: Vec<Param>,
    pub params_origin: ParamsOrigin,
    /// The output's JSON Schema, for tasks that declare one so (Browser Use skills).
    pub output_schema: Option<Value>,
    /// The task's own MCP tool name, stable once given.
    pub tool_name: String,
    pub last_seen: String,
    pub last_used: Option<String>,
}

/// What was just learned about a task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSighting {
    pub provider: Provider,
    pub kind: TaskKind,
    pub task_id: String,
    pub name: String,
    /// `None` keeps what is stored.
    pub description: Option<String>,
    /// `None` keeps what is stored.
    pub version: Option<String>,
    /// `None` keeps what is stored.
    pub status: Option<String>,
    /// `None` keeps what is stored; inferred parameters never replace declared ones.
    pub params: Option<(Vec<Param>, Vec<Param>, ParamsOrigin)>,
    /// `None` keeps what is stored.
    pub output_schema: Option<Value>,
}

/// What recording a sighting changed.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskChange {
    /// The task was not known before.
    pub created: bool,
    /// Anything a tool is built from changed (name, description, version, status, params).
    pub changed: bool,
    pub task: CatalogTask,
}

/// A run the server started.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub provider: Provider,
    /// A v1 execution id or a v2 run id.
    pub run_id: String,
    pub kind: TaskKind,
    pub task_id: Option<String>,
    pub task_name: Option<String>,
    pub version: Option<String>,
    /// The inputs, with secret values replaced.
    pub inputs: Value,
    pub started_at: String,
    pub status: String,
    pub finished: bool,
    /// The start of the output, once finished.
    pub summary: Option<String>,
    pub error: Option<String>,
    /// The latest full report of the run (scrubbed of secrets), as the process checking its
    /// status last read it: what the others waiting on it answer with.
    pub report: Option<Value>,
    /// The latest progress detail ("step 4: …; watch live: …"), said with `report`.
    pub detail: Option<String>,
    pub updated_at: String,
    /// Whose run it is: the authenticated subject that started it (OAuth); `None` for the
    /// server's own user (stdio, a static token, no authentication) and for runs recorded
    /// before owners were.
    pub owner: Option<String>,
}

/// Whose runs a listing holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose<'a> {
    /// Every run, whoever started it.
    Anyone,
    /// Only the runs recorded for this owner (see [`RunRecord::owner`]).
    Owner(&'a str),
}

/// A run's state after a status check (see [`super::CatalogStore::update_run`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunState {
    pub status: String,
    pub finished: bool,
    /// The start of the output, once finished; `None` keeps what is stored.
    pub summary: Option<String>,
    /// `None` keeps what is stored.
    pub error: Option<String>,
    /// The full report as read (scrubbed of secrets); `None` keeps what is stored.
    pub report: Option<Value>,
    /// The progress detail said with it; `None` keeps what is stored.
    pub detail: Option<String>,
}

/// A tool call answered as an MCP task (the `io.modelcontextprotocol/tasks` extension): kept
/// in the catalog so that any server process sharing it answers `tasks/get`, and finishes the
/// call if the process that started it stops. The catalog reads none of its JSON: the MCP
/// layer writes and reads it. Never holds a secret: results are scrubbed like any answer, and
/// a call's arguments are not kept.
#[derive(Debug, Clone, PartialEq)]
pub struct CallTask {
    /// Unguessable (a UUID v4): knowing it is not enough, `owner` must match too.
    pub task_id: String,
    /// Who may see and change it (see `mcp::tasks`): an OAuth subject, a key's hash, or the
    /// local user.
    pub owner: String,
    /// The tool called.
    pub tool: String,
    pub state: CallTaskState,
    /// The client's answers to input requests, by their key (`tasks/update`); a JSON object.
    pub input_responses: Value,
    /// `tasks/cancel` was received (by any process).
    pub cancel_requested: bool,
    /// RFC 3339, as the MCP layer stamped it.
    pub created_at: String,
    /// When the store last changed it (RFC 3339; a store's own stamp).
    pub updated_at: String,
    /// How long after `created_at` it may be discarded, in milliseconds.
    pub ttl_ms: u64,
    /// When a store may delete it (milliseconds since the Unix epoch).
    pub discard_at_ms: i64,
}

/// What the process carrying out a call task writes: its status and what goes with it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallTaskState {
    /// `working`, `input_required`, `completed`, `failed` or `cancelled`.
    pub status: String,
    pub status_message: Option<String>,
    /// `completed`: the call's result; `failed`: the JSON-RPC error.
    pub outcome: Option<Value>,
    /// `input_required`: the outstanding requests, by key.
    pub input_requests: Option<Value>,
    /// The cloud work the call waits on, once started (so another process can finish it).
    pub work: Option<Value>,
}

impl CallTaskState {
    /// Whether the status is final (`completed`, `failed`, `cancelled`).
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "failed" | "cancelled")
    }
}

/// One entry of a task's version history: a version made (generated, refined, published) or
/// made current again (restored), when, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskVersion {
    pub provider: Provider,
    /// The catalog entry's tool name: the history's key, stable across versions (a task the
    /// cloud regenerates under a new id stays the same entry).
    pub tool_name: String,
    /// The cloud's id of the task this version runs as.
    pub task_id: String,
    /// The version's label: "1", "2", … (a code task's version number).
    pub version: String,
    /// What happened: see [`VersionEvent`].
    pub event: VersionEvent,
    /// Why: the feedback a refinement was given, a publication's notes, what was restored.
    pub reason: Option<String>,
    /// For a provider that cannot read a generated task's request back: what the generation
    /// was asked (prompt, parameters, options), never secrets. Opaque to the catalog.
    pub generation: Option<Value>,
    /// When it was recorded (set by the store).
    pub created_at: String,
    /// Who made it: the authenticated subject (OAuth); `None` for the server's own user and
    /// for entries recorded before owners were.
    pub owner: Option<String>,
}

/// What made an entry of a task's version history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionEvent {
    /// The task's first version, generated from a prompt.
    Generated,
    /// A new version made from feedback.
    Refined,
    /// A version published (or enabled, or disabled).
    Deployed,
    /// An earlier version made current again.
    Restored,
}

impl VersionEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionEvent::Generated => "generated",
            VersionEvent::Refined => "refined",
            VersionEvent::Deployed => "deployed",
            VersionEvent::Restored => "restored",
        }
    }

    /// The event stored as `text` (an unknown one reads as deployed).
    pub fn parse(text: &str) -> Self {
        match text {
            "generated" => VersionEvent::Generated,
            "refined" => VersionEvent::Refined,
            "restored" => VersionEvent::Restored,
            _ => VersionEvent::Deployed,
        }
    }
}

/// Names a new task's tool: given the sighting and a test of whether a name is taken.
pub type ToolNamer<'a> = dyn Fn(&TaskSighting, &dyn Fn(&str) -> bool) -> String + Send + Sync + 'a;

impl CatalogTask {
    /// A task first learned from `sighting`, named `tool_name`, seen at `stamp`.
    pub fn from_sighting(sighting: &TaskSighting, tool_name: String, stamp: String) -> Self {
        let (inputs, outputs, params_origin) =
            sighting
                .params
                .clone()
                .unwrap_or((Vec::new(), Vec::new(), ParamsOrigin::Unknown));
        Self {
            provider: sighting.provider,
            kind: sighting.kind,
            task_id: sighting.task_id.clone(),
            name: sighting.name.clone(),
            description: sighting.description.clone(),
            version: sighting.version.clone(),
            status: sighting.status.clone(),
            inputs,
            outputs,
            params_origin,
            output_schema: sighting.output_schema.clone(),
            tool_name,
            last_seen: stamp,
            last_used: None,
        }
    }

    /// This task updated with what `sighting` says (fields it leaves out are kept; inferred
    /// parameters never replace declared ones).
    pub fn merged(&self, sighting: &TaskSighting) -> CatalogTask {
        let mut task = self.clone();
        task.name = sighting.name.clone();
        if sighting.description.is_some() {
            task.description = sighting.description.clone();
        }
        if sighting.version.is_some() {
            task.version = sighting.version.clone();
        }
        if sighting.status.is_some() {
            task.status = sighting.status.clone();
        }
        if sighting.output_schema.is_some() {
            task.output_schema = sighting.output_schema.clone();
        }
        if let Some((inputs, outputs, origin)) = sighting.params.clone() {
            let keep =
                self.params_origin == ParamsOrigin::Declared && origin != ParamsOrigin::Declared;
            if !keep {
                task.inputs = inputs;
                task.outputs = outputs;
                task.params_origin = origin;
            }
        }
        task
    }

    /// Whether two versions of a task give the same tool.
    pub fn same_shape(&self, other: &CatalogTask) -> bool {
        self.name == other.name
            && self.description == other.description
            && self.version == other.version
            && self.status == other.status
            && self.inputs == other.inputs
            && self.outputs == other.outputs
            && self.params_origin == other.params_origin
            && self.output_schema == other.output_schema
    }
}
