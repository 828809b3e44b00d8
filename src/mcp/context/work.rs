//! What a provider's part plans for a call: the answer itself, or cloud work that the shared
//! tool carries out (`mcp::carry_out`): a run to start once and wait on, a run to follow, a
//! run its one request carries out (a skill), a generation to wait on. Parts say what to start and how to read it; the core computes the
//! wait budget once, starts once, waits with progress and cancellation, and builds the reply,
//! so no provider folder holds wait logic.

use futures::future::BoxFuture;
use serde_json::Value;

use crate::catalog::{CatalogTask, RunRecord, TaskSighting};
use crate::cloud::ApiError;
use crate::mcp::reply::Reply;
use crate::runs::{RunCloud, RunRef, RunReport, StartError};

/// What a provider's part answers a call with (see the module's doc).
pub enum Work<'a> {
    /// The answer: nothing to wait on.
    Done(Reply),
    /// A run to start (once), record, and wait on.
    Start(RunStart<'a>),
    /// A run already started, to read and, within the call's wait, wait on.
    Follow(Box<RunFollow<'a>>),
    /// A run the cloud carries out while the request that starts it is pending (a Browser Use
    /// skill), to send once and wait on.
    Execute(Execution<'a>),
    /// A generation (a task being generated or refined) to wait on.
    Generation(Box<GenerationWait<'a>>),
}

impl From<Reply> for Work<'_> {
    fn from(reply: Reply) -> Self {
        Work::Done(reply)
    }
}

/// A run to start: the request that starts it (sent once), and how to read it after.
pub struct RunStart<'a> {
    /// How to read, and stop, the run once started.
    pub cloud: &'a dyn RunCloud,
    /// The provider's request that starts the run; awaited once, after the run's secret values
    /// are remembered for scrubbing.
    pub start: BoxFuture<'a, Result<RunReport, StartError>>,
    /// The task's name, when the caller knows it.
    pub task_name: Option<String>,
    /// The inputs as recorded in the catalog: secret values already replaced.
    pub recorded_inputs: Value,
    /// The secret values this run was given, to scrub from its output and the reply.
    pub secrets: Vec<String>,
}

/// A run carried out by the one request that starts it: sent once, with heartbeat progress
/// while it is pending, recorded once done. It cannot be stopped: a cancelled call stops
/// waiting and says so.
pub struct Execution<'a> {
    /// What progress and the answer call it: "skill Search demo".
    pub label: String,
    /// The request that carries the run out; awaited once.
    pub start: BoxFuture<'a, Result<RunReport, StartError>>,
    /// The task's name, for the report.
    pub task_name: Option<String>,
    /// The inputs as recorded in the catalog: secret values already replaced.
    pub recorded_inputs: Value,
    /// The secret values this run was given, to scrub from its output and the reply.
    pub secrets: Vec<String>,
    /// Why a cancelled call cannot stop it, e.g. "Browser Use cannot stop a skill execution:
    /// it may still complete."
    pub unstoppable: String,
    /// Where its runs are listed, e.g. "list_executions with {\"task_id\": \"…\"} shows its
    /// executions."
    pub listed: String,
    /// What it is called in the error for a failed request ("a skill execution").
    pub noun: &'static str,
}

/// A run already started, to follow.
pub struct RunFollow<'a> {
    pub cloud: &'a dyn RunCloud,
    pub run: RunRef,
    /// What the catalog recorded of the run (its task, its start), filling what the cloud
    /// does not say.
    pub recorded: Option<RunRecord>,
}

/// A generation to wait on.
pub struct GenerationWait<'a> {
    /// How this provider's generations are read and cancelled.
    pub watch: Box<dyn GenerationWatch + 'a>,
    /// The generated task, as the catalog has it.
    pub task: CatalogTask,
    /// Whether this call started it, or only looks at it.
    pub seen: Seen,
}

/// How a call came to wait on a generation.
pub enum Seen {
    /// This call started (or restarted) it, last known at this status: a cancelled wait
    /// cancels it in the cloud where the provider can.
    Started(String),
    /// Only looked at (`get_task`), as just read: shown as it is unless the call asked to
    /// wait, and never cancelled.
    LookedAt(Box<Generation>),
}

/// A generation's state, whichever provider.
#[derive(Debug, Clone)]
pub struct Generation {
    /// As the catalog keeps it (see `generate_task`'s `status`).
    pub status: String,
    /// Whether generation has ended (ready, disabled, failed, …).
    pub done: bool,
    pub error: Option<String>,
    /// What the catalog should learn (`None`: only the status).
    pub sighting: Option<TaskSighting>,
}

/// Where a generation stands, whichever provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// It can run.
    Ready,
    /// Generated, but it must be enabled (deploy_task) before it can run.
    Disabled,
    Failed,
    InProgress,
}

/// How one provider's generations are read, cancelled and understood: implemented in the
/// provider's folder, for the task generations of one account.
pub trait GenerationWatch: Send + Sync {
    /// What the reply's headline calls the generated task: "Task", "Skill".
    fn noun(&self) -> &'static str;

    /// Where a generation stands at `status` (as the catalog keeps it).
    fn phase(&self, status: &str) -> Phase;

    /// The generation's state now, in the cloud.
    fn check<'a>(&'a self, task: &'a CatalogTask) -> BoxFuture<'a, Result<Generation, ApiError>>;

    /// Cancel the generation in the cloud (its wait was cancelled). `None`: this provider
    /// cannot cancel a generation. The future yields the state after, or `None` when the
    /// cancel failed (the watch logs why).
    fn cancel<'a>(&'a self, task: &'a CatalogTask) -> Option<BoxFuture<'a, Option<Generation>>>;
}
