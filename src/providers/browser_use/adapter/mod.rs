//! Browser Use Cloud as the MCP tools see it: its part of each static tool it offers, listing
//! its skills into the catalog, which of them can run, and how they run as tools of their own
//! (`task_tools`).

pub(crate) mod cancel_execution;
pub(crate) mod deploy_task;
pub(crate) mod evidence;
pub(crate) mod generate_task;
pub(crate) mod get_execution;
pub(crate) mod get_task;
pub(crate) mod list_executions;
pub(crate) mod list_tasks;
pub(crate) mod refine_task;
pub(crate) mod run_task;
pub(crate) mod skills;
pub(crate) mod task_tools;

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;

use super::BrowserUseClient;
use super::catalog::skill_sighting;
use crate::catalog::CatalogTask;
use crate::cloud::{ApiError, HttpSettings, Provider};
use crate::mcp::context::adapter::{self, ProviderAdapter, TaskToolWork, ToolPart, ToolParts};
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::ToolError;
use crate::mcp::tools;
use crate::params::inputs::{InputForm, TaskInputs};
use crate::runs::TaskKind;

/// The account this server (or a session) works with on Browser Use.
pub type Account = adapter::Account<BrowserUseClient>;

/// Browser Use Cloud's adapter.
pub struct BrowserUseAdapter {
    account: Arc<Account>,
    /// Connection settings without a key, for sessions that bring their own.
    template: HttpSettings,
    parts: ToolParts,
}

impl std::fmt::Debug for BrowserUseAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserUseAdapter")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl BrowserUseAdapter {
    /// The adapter of `client` (`None`: no key configured); `template` is the connection
    /// without a key.
    pub fn new(client: Option<BrowserUseClient>, template: HttpSettings) -> Self {
        let account = Arc::new(Account::new(Provider::BrowserUse, client));
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
                tools::cancel_execution::NAME,
                cancel_execution::CancelExecution::new(&account),
            )
            .with(
                tools::list_tasks::NAME,
                list_tasks::ListTasks::new(&account),
            );
        Self {
            account,
            template,
            parts,
        }
    }

    /// The client, when a key is configured.
    pub fn client(&self) -> Option<&BrowserUseClient> {
        self.account.client().ok()
    }
}

impl ProviderAdapter for BrowserUseAdapter {
    fn provider(&self) -> Provider {
        Provider::BrowserUse
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
            .map(BrowserUseClient::new)
            .transpose()
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(Self::new(client, self.template.clone())))
    }

    fn sync<'a>(&'a self, env: &'a ToolEnv) -> BoxFuture<'a, Result<usize, ApiError>> {
        async move {
            let Some(browser_use) = self.client() else {
                return Ok(0);
            };
            const PAGE: u32 = 100;
            env.sync_pages(Provider::BrowserUse, TaskKind::Skill, |page| async move {
                let list = browser_use.list_skills(page, PAGE, None, None).await?;
                let listed =
                    u64::from(page.saturating_sub(1)) * u64::from(PAGE) + list.items.len() as u64;
                let more = list.items.len() == PAGE as usize && listed < list.total_items;
                Ok((list.items.iter().map(skill_sighting).collect(), more))
            })
            .await
        }
        .boxed()
    }

    fn check_access(&self) -> BoxFuture<'_, Result<(), ApiError>> {
        async move {
            match self.client() {
                Some(browser_use) => browser_use.list_skills(1, 1, None, None).await.map(drop),
                None => Ok(()),
            }
        }
        .boxed()
    }

    /// A skill that is finished and enabled (catalog status `ready`).
    fn is_runnable(&self, task: &CatalogTask) -> bool {
        task.status.as_deref() == Some("ready")
    }

    fn task_tool_runs(&self, task: &CatalogTask, _budget: Duration) -> String {
        task_tools::runs(task)
    }

    /// JSON of each parameter's type, as skills take them.
    fn task_input_form(&self, _task: &CatalogTask) -> InputForm {
        InputForm::Json
    }

    fn task_output_schema(&self, task: &CatalogTask) -> Option<JsonObject> {
        task_tools::output_schema(task)
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
            .map(|bu| task_tools::call(call, bu, task, inputs));
        futures::future::ready(work).boxed()
    }

    fn run_evidence<'a>(
        &'a self,
        _env: &'a ToolEnv,
        execution_id: &'a str,
        _fetch: Option<(&'a str, u64)>,
    ) -> BoxFuture<'a, Result<Option<crate::evidence::Evidence>, ToolError>> {
        async move {
            evidence::of_run(self.account.client()?, execution_id)
                .await
                .map(Some)
        }
        .boxed()
    }
}
