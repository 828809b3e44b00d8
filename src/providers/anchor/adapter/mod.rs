//! Anchor Browser as the MCP tools see it: its part of each static tool it offers, listing its
//! code tasks into the catalog, which of its tasks can run, and how they run as tools of their
//! own (`task_tools`). Anchor stops a run by ending its browser session, and it cannot list
//! generated tasks (the catalog remembers the ones this server generated).

pub(crate) mod arguments;
pub(crate) mod builder_versions;
pub(crate) mod cancel_execution;
pub(crate) mod create_task;
pub(crate) mod deploy_task;
pub(crate) mod evidence;
pub(crate) mod generate_task;
pub(crate) mod generations;
pub(crate) mod get_execution;
pub(crate) mod get_task;
pub(crate) mod list_executions;
pub(crate) mod list_tasks;
pub(crate) mod refine_task;
pub(crate) mod respond_to_intervention;
pub(crate) mod run_task;
pub(crate) mod task_tools;

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;

use super::AnchorClient;
use super::catalog::code_task_sighting;
use super::rules;
use crate::catalog::{CatalogTask, RunRecord};
use crate::cloud::{ApiError, HttpSettings, Provider};
use crate::evidence::Evidence;
use crate::mcp::context::adapter::{self, ProviderAdapter, TaskToolWork, ToolPart, ToolParts};
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::ToolError;
use crate::mcp::tools;
use crate::params::inputs::{InputForm, TaskInputs};
use crate::runs::{RunRef, TaskKind};

/// Where to read (and how to stop) the Anchor run `execution_id`, by what the catalog recorded
/// of it: a code run is read under its task (`task_id` when the caller names it, else the
/// recorded one) and stopped through the session it was started in, which only the record
/// knows (Anchor's reads of a code run do not report it).
pub(crate) fn run_ref(
    execution_id: &str,
    task_id: Option<String>,
    recorded: Option<&RunRecord>,
) -> RunRef {
    let recorded_task = recorded
        .filter(|r| r.kind == TaskKind::Code)
        .and_then(|r| r.task_id.clone());
    let task_id = task_id.or(recorded_task);
    let session_id = recorded
        .and_then(|r| r.report.as_ref())
        .and_then(|report| report.get("session_id"))
        .and_then(|id| id.as_str())
        .map(str::to_string);
    RunRef {
        kind: if task_id.is_some() {
            TaskKind::Code
        } else {
            TaskKind::Generated
        },
        execution_id: execution_id.to_string(),
        task_id,
        session_id,
    }
}

/// The account this server (or a session) works with on Anchor.
pub type Account = adapter::Account<AnchorClient>;

/// Anchor Browser's adapter.
pub struct AnchorAdapter {
    account: Arc<Account>,
    /// Connection settings without a key, for sessions that bring their own.
    template: HttpSettings,
    parts: ToolParts,
}

impl std::fmt::Debug for AnchorAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnchorAdapter")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl AnchorAdapter {
    /// The adapter of `client` (`None`: no key configured); `template` is the connection
    /// without a key.
    pub fn new(client: Option<AnchorClient>, template: HttpSettings) -> Self {
        let account = Arc::new(Account::new(Provider::Anchor, client));
        // One line per static tool this provider has a part in.
        let parts = ToolParts::default()
            .with(tools::run_task::NAME, run_task::RunTask::new(&account))
            .with(
                tools::generate_task::NAME,
                generate_task::GenerateTask::new(&account),
            )
            .with(
                tools::refine_task::NAME,
                refine_task::RefineTask::new(&account),
            )
            .with(tools::get_task::NAME, get_task::GetTask::new(&account))
            .with(
                tools::deploy_task::NAME,
                deploy_task::DeployTask::new(&account),
            )
            .with(
                tools::get_execution::NAME,
                get_execution::GetExecution::new(&account),
            )
            .with(
                tools::list_executions::NAME,
                list_executions::ListExecutions::new(&account),
            )
            .with(
                tools::create_task::NAME,
                create_task::CreateTask::new(&account),
            )
            .with(
                tools::list_tasks::NAME,
                list_tasks::ListTasks::new(&account),
            )
            .with(
                tools::cancel_execution::NAME,
                cancel_execution::CancelExecution::new(&account),
            )
            .with(
                tools::respond_to_intervention::NAME,
                respond_to_intervention::RespondToIntervention::new(&account),
            );
        Self {
            account,
            template,
            parts,
        }
    }

    /// The client, when a key is configured.
    pub fn client(&self) -> Option<&AnchorClient> {
        self.account.client().ok()
    }
}

impl ProviderAdapter for AnchorAdapter {
    fn provider(&self) -> Provider {
        Provider::Anchor
    }

    fn configured(&self) -> bool {
        self.account.configured()
    }

    fn tool(&self, tool: &str) -> Option<&dyn ToolPart> {
        self.parts.get(tool)
    }

    fn with_key(&self, key: &str) -> Result<Arc<dyn ProviderAdapter>, String> {
        let client = self
            .template
            .with_key(key)
            .map(AnchorClient::new)
            .transpose()
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(Self::new(client, self.template.clone())))
    }

    fn sync<'a>(&'a self, env: &'a ToolEnv) -> BoxFuture<'a, Result<usize, ApiError>> {
        async move {
            let Some(anchor) = self.client() else {
                return Ok(0);
            };
            const PAGE: u32 = 100;
            env.sync_pages(Provider::Anchor, TaskKind::Code, |page| async move {
                let list = anchor.list_tasks(page, PAGE).await?;
                let listed = u64::from(page) * u64::from(PAGE);
                let more = list.tasks.len() == PAGE as usize
                    && list.total.is_none_or(|total| listed < total);
                Ok((list.tasks.iter().map(code_task_sighting).collect(), more))
            })
            .await
        }
        .boxed()
    }

    fn check_access(&self) -> BoxFuture<'_, Result<(), ApiError>> {
        async move {
            match self.client() {
                Some(anchor) => anchor.list_tasks(1, 1).await.map(drop),
                None => Ok(()),
            }
        }
        .boxed()
    }

    /// A code task with a published version, or a generated task whose generation is ready.
    fn is_runnable(&self, task: &CatalogTask) -> bool {
        match task.kind {
            TaskKind::Code => task
                .version
                .as_deref()
                .is_some_and(rules::is_version_number),
            _ => task.status.as_deref() == Some("ready"),
        }
    }

    fn task_tool_runs(&self, task: &CatalogTask, budget: Duration) -> String {
        task_tools::runs(task, budget)
    }

    /// Every value as text: Anchor's API types every input as a string.
    fn task_input_form(&self, _task: &CatalogTask) -> InputForm {
        InputForm::Text
    }

    fn call_task_tool<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        task: &'a CatalogTask,
        inputs: TaskInputs,
    ) -> BoxFuture<'a, Result<TaskToolWork<'a>, ToolError>> {
        let work = self
            .account
            .client()
            .and_then(|anchor| task_tools::call(call, anchor, task, inputs));
        futures::future::ready(work).boxed()
    }

    fn code_task_runtime(&self) -> Option<&'static str> {
        Some(create_task::CODE_TASK_RUNTIME)
    }

    fn run_evidence<'a>(
        &'a self,
        env: &'a ToolEnv,
        execution_id: &'a str,
        fetch: Option<(&'a str, u64)>,
    ) -> BoxFuture<'a, Result<Option<Evidence>, ToolError>> {
        async move {
            evidence::of_run(env, self.account.client()?, execution_id, fetch)
                .await
                .map(Some)
        }
        .boxed()
    }
}
