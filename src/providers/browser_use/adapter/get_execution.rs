//! Browser Use Cloud's part of `get_execution`: an agent task (by its id, followed with the
//! agent's steps as progress), or a skill execution (found in its skill's list of executions,
//! with a link to its output).

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;

use super::Account;
use crate::mcp::args::{EXECUTION_ID_FROM, Problem, check_uuid};
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::work::{RunFollow, Work};
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::running;
use crate::mcp::tools::get_execution::{FOLLOW, SharedArgs};
use crate::providers::browser_use::BrowserUseClient;
use crate::runs::WaitEnd;
use crate::runs::{OutputFile, RunRef, RunReport, TaskKind};

/// How many pages of a skill's executions are searched for one of them.
const MAX_EXECUTION_PAGES: u32 = 10;

/// Browser Use's part of `get_execution`.
pub struct GetExecution {
    account: Arc<Account>,
}

impl GetExecution {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for GetExecution {
    fn arguments(&self) -> Arc<JsonObject> {
        // Browser Use reads runs with the shared arguments only.
        Arc::new(JsonObject::new())
    }

    fn description(&self) -> String {
        format!("{FOLLOW} A skill's run needs task_id, unless this server started it.")
    }

    fn fragment(&self) -> String {
        "Browser Use: a skill's run needs task_id.".into()
    }

    fn rules(&self, _env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        check_uuid(args, "execution_id", EXECUTION_ID_FROM, problems);
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let shared: SharedArgs = read_args(args)?;
            let bu = self.account.client()?;
            // A run this server (or another sharing its catalog) started is known by its id
            // alone.
            let recorded = call.env.catalog.run(&shared.execution_id).await;
            let recorded_skill = recorded
                .as_ref()
                .filter(|r| r.kind == TaskKind::Skill)
                .and_then(|r| r.task_id.clone());
            if let Some(skill_id) = shared.task_id.clone().or(recorded_skill) {
                return skill_execution(call, bu, &skill_id, &shared.execution_id)
                    .await
                    .map(Work::from);
            }
            let run = RunRef {
                kind: TaskKind::Agent,
                execution_id: shared.execution_id.clone(),
                task_id: None,
                session_id: None,
            };
            Ok(Work::Follow(Box::new(RunFollow {
                cloud: bu,
                run,
                recorded,
            })))
        }
        .boxed()
    }
}

/// One execution of a skill, found in its list of executions (newest first), with a link to
/// its output.
async fn skill_execution(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    skill_id: &str,
    execution_id: &str,
) -> Result<Reply, ToolError> {
    const PAGE: u32 = 100;
    let mut found = None;
    for page in 1..=MAX_EXECUTION_PAGES {
        let list = bu
            .skill_executions(skill_id, page, PAGE)
            .await
            .map_err(|e| {
                ToolError::api(e, format!("Listing the executions of skill {skill_id}"))
            })?;
        found = list.items.iter().find(|e| e.id == execution_id).cloned();
        if found.is_some() || list.items.len() < PAGE as usize {
            break;
        }
    }
    let Some(execution) = found else {
        return Err(ToolError::NotFound {
            message: format!("Skill {skill_id} has no execution {execution_id}."),
            hint: format!(
                "list_executions with {{\"task_id\": \"{skill_id}\"}} shows its executions."
            ),
        });
    };
    let mut report = RunReport::from_skill_execution(skill_id, &execution);
    report.task_name = call.env.known_task(skill_id).await.map(|t| t.name);
    if execution.has_output.unwrap_or(false) {
        match bu.skill_execution_output(skill_id, execution_id).await {
            Ok(link) => report.output_files.push(OutputFile {
                file_name: link.file_name.unwrap_or_else(|| "output.json".into()),
                download_url: link.download_url,
            }),
            Err(error) => tracing::warn!(%error, "no link to a skill execution's output"),
        }
    }
    let end = if report.finished {
        WaitEnd::Finished
    } else {
        WaitEnd::StillRunning {
            waited: std::time::Duration::ZERO,
        }
    };
    running::run_reply(report, end)
}
