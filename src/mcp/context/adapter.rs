//! What a cloud offers the MCP layer. Each provider folder (`providers::*::adapter`) implements
//! [`ProviderAdapter`]; tools are composed from the configured adapters and never name a
//! provider themselves.
//!
//! A static tool (run_task, get_execution, …) is shared arguments and rules of its own, plus
//! one [`ToolPart`] per provider that offers it: that provider's own arguments, its description
//! (whole, for when it is the only provider shown, and a fragment, for when several are), its
//! extra rules, and the code that runs a call meant for it. A provider that lacks a capability
//! simply has no part for that tool (or for a task tool, returns `None`): it says so in one
//! place, its adapter.
//!
//! A provider's catalog tasks also become tools of their own (`mcp::task_tools`): the tool is
//! generic (its arguments from the task's parameters, its result shaped to its output schema),
//! while the adapter says what a call does, in which form inputs go, any output schema a task
//! declares itself, and runs the task.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use serde_json::{Map, Value};

use super::work::{Execution, RunStart, Work};
use super::{ToolContext, ToolEnv};
use crate::catalog::CatalogTask;
use crate::cloud::{ApiError, Provider};
use crate::evidence::Evidence;
use crate::mcp::args::Problem;
use crate::mcp::reply::{Reply, ToolError};
use crate::params::inputs::{InputForm, TaskInputs};
use crate::runs::RunReport;

/// One provider's part in one static tool.
pub trait ToolPart: Send + Sync {
    /// This provider's own arguments of the tool: a portable JSON Schema object whose
    /// `properties` (and `required`) are merged into the tool's.
    fn arguments(&self) -> Arc<JsonObject>;

    /// The tool's description when this provider is the only one shown.
    fn description(&self) -> String;

    /// The tool's title when this provider is the only one shown, if it is not the tool's own
    /// (deploy_task: "Enable a skill").
    fn title(&self) -> Option<&'static str> {
        None
    }

    /// What this provider adds to the tool's description when several are shown.
    fn fragment(&self) -> String;

    /// How shared arguments read when this provider is the only one shown: (name, text).
    fn argument_docs(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// What else than the tool's shared arguments can name what a call acts on (see
    /// [`Subjects`]).
    fn subjects(&self) -> Subjects {
        Subjects::default()
    }

    /// Argument rules beyond the schema, for a call meant for this provider.
    fn rules(&self, env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>);

    /// Plan a call meant for this provider (its arguments already checked): answer it, or say
    /// what cloud work to start or follow and how to read it ([`Work`]); the shared tool waits.
    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>>;
}

/// Arguments of a provider's part that name what a call acts on besides the tool's shared ones
/// (run_task: Anchor's `task_name`, Browser Use's `task`), and how the hint for a call that
/// names nothing reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subjects {
    pub names: &'static [&'static str],
    /// The whole hint when this provider is the only one shown, e.g. "`task_id` or
    /// `task_name`"; empty when its calls need name nothing (list_executions: Browser Use then
    /// lists its agent tasks).
    pub alone: &'static str,
    /// This provider's alternatives in a list of several, e.g. "`task_name` (an Anchor code
    /// task)"; with `alone` empty, what to do instead of naming something.
    pub listed: &'static str,
}

/// What a provider says of a static tool it has no part in, when saying nothing would mislead
/// (Anchor cannot stop a run, yet an agent may name an Anchor run to `cancel_execution`). With
/// several providers shown, such a provider is one of the tool's `provider` values and its
/// fragment is part of the tool's description; a call meant for it is answered with its
/// refusal. A provider that says nothing of a tool is simply left out of it.
pub trait Refusal: Send + Sync {
    /// What this provider adds to the tool's description when several are shown.
    fn fragment(&self) -> String;

    /// The answer to a call meant for this provider.
    fn refuse(&self, args: &JsonObject) -> ToolError;
}

/// A cloud, as the MCP layer sees it.
pub trait ProviderAdapter: Send + Sync + std::fmt::Debug {
    /// Which cloud this is.
    fn provider(&self) -> Provider;

    /// Whether an API key is configured (without one, every call says how to configure it).
    fn configured(&self) -> bool;

    /// This provider's part of the static tool called `tool`, if it offers that tool.
    fn tool(&self, tool: &str) -> Option<&dyn ToolPart>;

    /// How this provider refuses the static tool `tool`, which it has no part in, when it
    /// explains itself (see [`Refusal`]).
    fn refusal(&self, _tool: &str) -> Option<&dyn Refusal> {
        None
    }

    /// The same provider on another key (a session's own), sharing nothing else with this one.
    fn with_key(&self, key: &str) -> Result<Arc<dyn ProviderAdapter>, String>;

    /// List the cloud's tasks into the catalog (at startup and on every refresh); returns how
    /// many there are. A listing that fails changes nothing.
    fn sync<'a>(&'a self, env: &'a ToolEnv) -> BoxFuture<'a, Result<usize, ApiError>>;

    /// One cheap authenticated read (the first entry of a task listing): whether the key is
    /// accepted and the API answers, for diagnosing a set-up. Without a key it asks nothing.
    fn check_access(&self) -> BoxFuture<'_, Result<(), ApiError>>;

    /// Whether a catalog task of this provider can run now (only those become tools).
    fn is_runnable(&self, task: &CatalogTask) -> bool;

    // ---- its tasks as tools of their own (`mcp::task_tools`) --------------------------------

    /// What a call of `task`'s own tool does, as the tool's description says right after the
    /// task's own words ("Runs the …"); `budget` is how long a call waits by default.
    fn task_tool_runs(&self, task: &CatalogTask, budget: Duration) -> String;

    /// How the values of `task`'s arguments are sent to the cloud.
    fn task_input_form(&self, task: &CatalogTask) -> InputForm;

    /// The output schema of `task`'s tool when the task declares its own; `None`: the tool's
    /// fields are the task's declared outputs (or, without any, it returns the run report).
    fn task_output_schema(&self, _task: &CatalogTask) -> Option<JsonObject> {
        None
    }

    /// Plan a run of `task` for a call of its own tool, the call's arguments already checked
    /// and converted to `inputs` (in [`Self::task_input_form`]): a run for the tool to start
    /// and wait on, or how it ended. The tool shapes a [`TaskToolRun::Shaped`] result to its
    /// output schema, and scrubs the inputs' secrets from the reply.
    fn call_task_tool<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        task: &'a CatalogTask,
        inputs: TaskInputs,
    ) -> BoxFuture<'a, Result<TaskToolWork<'a>, ToolError>>;

    // ---- a run's evidence (`mcp::resources`) -------------------------------------------------

    /// The run `execution_id` as it is now, with its artifacts; `None`: this provider serves
    /// no evidence. `fetch` names an artifact whose bytes to fetch, if the server can and
    /// they are at most the given cap ([`crate::evidence::Artifact::blob`]).
    fn run_evidence<'a>(
        &'a self,
        _env: &'a ToolEnv,
        _execution_id: &'a str,
        _fetch: Option<(&'a str, u64)>,
    ) -> BoxFuture<'a, Result<Option<Evidence>, ToolError>> {
        Box::pin(async { Ok(None) })
    }

    // ---- what prompts tell a model (`mcp::prompts`) ------------------------------------------

    /// How code for this provider's code tasks (`create_task`) must be written: the runtime's
    /// contract as a model needs it (language, entry point, inputs, output, browser access);
    /// `None`: this provider runs no code tasks.
    fn code_task_runtime(&self) -> Option<&'static str> {
        None
    }
}

/// What a provider plans for a call of a task's own tool (see
/// [`ProviderAdapter::call_task_tool`]).
pub enum TaskToolWork<'a> {
    /// A run for the tool to start and wait on (its result shaped to the task's declared
    /// outputs).
    Start(RunStart<'a>),
    /// A run the cloud carries out while its request is pending (a skill), for the tool to
    /// send and wait on, and how its end is shaped.
    Execute {
        execution: Execution<'a>,
        shape: Box<dyn FnOnce(RunReport) -> TaskToolRun + Send + 'a>,
    },
}

/// How the run behind a call of a task's own tool ended (see
/// [`ProviderAdapter::call_task_tool`]).
#[derive(Debug)]
pub enum TaskToolRun {
    /// It succeeded with a result the tool shapes to its output schema: the result's fields,
    /// or `None` when it does not fit (it then comes back whole).
    Shaped {
        report: Box<RunReport>,
        fields: Option<Map<String, Value>>,
    },
    /// Any other end (still running, failed, no declared output): the answer as it is.
    Reply(Reply),
}

/// Every provider this server knows, configured or not, in registration order.
#[derive(Debug, Clone)]
pub struct ProviderSet {
    all: Vec<Arc<dyn ProviderAdapter>>,
}

impl ProviderSet {
    pub fn new(all: Vec<Arc<dyn ProviderAdapter>>) -> Self {
        Self { all }
    }

    /// Every registered provider.
    pub fn all(&self) -> impl Iterator<Item = &dyn ProviderAdapter> {
        self.all.iter().map(|a| a.as_ref())
    }

    /// The providers with a key.
    pub fn configured(&self) -> impl Iterator<Item = &dyn ProviderAdapter> {
        self.all().filter(|a| a.configured())
    }

    /// The adapter of `provider`.
    pub fn get(&self, provider: Provider) -> Option<&dyn ProviderAdapter> {
        self.all().find(|a| a.provider() == provider)
    }

    /// Whether `provider` has a key.
    pub fn is_configured(&self, provider: Provider) -> bool {
        self.get(provider).is_some_and(|a| a.configured())
    }

    /// The providers whose arguments tool definitions show: the configured ones, or the first
    /// registered when none is (calls then explain how to configure a provider).
    pub fn shown(&self) -> Vec<&dyn ProviderAdapter> {
        let configured: Vec<&dyn ProviderAdapter> = self.configured().collect();
        if configured.is_empty() {
            self.all().take(1).collect()
        } else {
            configured
        }
    }

    /// The only configured provider, if exactly one is.
    pub fn only(&self) -> Option<Provider> {
        let mut configured = self.configured();
        match (configured.next(), configured.next()) {
            (Some(only), None) => Some(only.provider()),
            _ => None,
        }
    }

    /// The first registered provider (the default when nothing says otherwise).
    pub fn default_provider(&self) -> Provider {
        self.all
            .first()
            .map(|a| a.provider())
            .unwrap_or(Provider::ALL[0])
    }

    /// The same providers, each on the key given for it (a session's own keys); the others
    /// without a key.
    pub fn with_keys(&self, keys: &[(Provider, String)]) -> Result<ProviderSet, String> {
        let mut all = Vec::new();
        for adapter in &self.all {
            let key = keys
                .iter()
                .find(|(p, _)| *p == adapter.provider())
                .map(|(_, k)| k.as_str());
            all.push(adapter.with_key(key.unwrap_or_default())?);
        }
        Ok(Self { all })
    }
}

/// A provider's account as its parts see it: its client, when a key is configured.
#[derive(Debug)]
pub struct Account<C> {
    provider: Provider,
    client: Option<C>,
}

impl<C> Account<C> {
    pub fn new(provider: Provider, client: Option<C>) -> Self {
        Self { provider, client }
    }

    /// The client, or the error telling the agent how to configure a key.
    pub fn client(&self) -> Result<&C, ToolError> {
        self.client.as_ref().ok_or(ToolError::NotConfigured {
            provider: self.provider,
            alternative: None,
        })
    }

    /// Whether a key is configured.
    pub fn configured(&self) -> bool {
        self.client.is_some()
    }
}

/// A provider's parts, by the name of the static tool each belongs to.
#[derive(Default)]
pub struct ToolParts(Vec<(&'static str, Box<dyn ToolPart>)>);

impl ToolParts {
    /// Add the part of the static tool `tool`.
    pub fn with(mut self, tool: &'static str, part: impl ToolPart + 'static) -> Self {
        self.0.push((tool, Box::new(part)));
        self
    }

    /// The part of the static tool `tool`, if any.
    pub fn get(&self, tool: &str) -> Option<&dyn ToolPart> {
        self.0
            .iter()
            .find(|(name, _)| *name == tool)
            .map(|(_, part)| part.as_ref())
    }
}

/// A call's arguments read into a part's own type (they were checked against the tool's
/// schema and rules already, so a failure here is a bug worth reporting, not a panic).
pub fn read_args<T: serde::de::DeserializeOwned>(args: JsonObject) -> Result<T, ToolError> {
    serde_json::from_value(serde_json::Value::Object(args))
        .map_err(|e| ToolError::InvalidArguments(vec![Problem::new("(arguments)", e.to_string())]))
}
