//! Browser Use Cloud's part of `cancel_execution`: stop an agent task (optionally with its
//! browser session), or cancel the generation of a skill.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use crate::mcp::args::{Problem, check_uuid, has};
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::work::Work;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::cancel_execution::{Output, SharedArgs};
use crate::providers::browser_use::BrowserUseClient;
use crate::providers::browser_use::catalog::skill_sighting;
use crate::providers::browser_use::models::TaskStatus;
use crate::runs::RunReport;

/// Browser Use's own arguments of `cancel_execution`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    /// Instead: a task being generated, to cancel.
    pub task_id: Option<String>,
    /// Also end its browser session.
    pub stop_session: Option<bool>,
}

/// A call's arguments as Browser Use reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

const DESCRIPTION: &str = "Stop a Browser Use task still running, whose run_task call already \
returned, by execution_id (for good: it cannot resume), or cancel a skill's generation by \
task_id.";

/// Browser Use's part of `cancel_execution`.
pub struct CancelExecution {
    account: Arc<Account>,
}

impl CancelExecution {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for CancelExecution {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        DESCRIPTION.into()
    }

    fn fragment(&self) -> String {
        "Browser Use: a task by execution_id (for good), or a skill's generation by task_id.".into()
    }

    fn rules(&self, _env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        if has(args, "stop_session") && !has(args, "execution_id") {
            problems.push(Problem::new(
                "stop_session",
                "applies to a task stopped by execution_id; leave it out",
            ));
        }
        check_uuid(
            args,
            "execution_id",
            "run_task and list_executions return them",
            problems,
        );
        check_uuid(
            args,
            "task_id",
            "generate_task and list_tasks return them",
            problems,
        );
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let args: Args = read_args(args)?;
            let bu = self.account.client()?;
            match args.shared.execution_id {
                Some(execution_id) => {
                    stop_task(
                        call,
                        bu,
                        execution_id,
                        args.own.stop_session.unwrap_or(false),
                    )
                    .await
                }
                None => cancel_generation(call, bu, args.own.task_id.unwrap_or_default()).await,
            }
        }
        .map(|outcome| outcome.map(Work::from))
        .boxed()
    }
}

/// Stop an agent task (and, if asked, its browser session).
async fn stop_task(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    execution_id: String,
    with_session: bool,
) -> Result<Reply, ToolError> {
    let view = bu
        .stop_task(&execution_id, with_session)
        .await
        .map_err(|e| ToolError::api(e, format!("Stopping Browser Use task {execution_id}")))?;
    let stopped = view.status == TaskStatus::Stopped;
    let report = RunReport::from_task_view(&view);
    call.env.note_run_state(&report, &[], None).await;
    let session = if with_session {
        " and its browser session"
    } else {
        ""
    };
    let summary = if stopped {
        format!("Stopped Browser Use task {execution_id}{session} (status stopped).")
    } else {
        format!(
            "Browser Use task {execution_id} had already ended with status {}; nothing to \
             stop{}.",
            report.status,
            if with_session {
                " (its session was asked to stop)"
            } else {
                ""
            }
        )
    };
    Ok(Reply::ok(
        summary,
        Output {
            target: "task".into(),
            id: execution_id,
            status: report.status.clone(),
            stopped,
            run: Some(report),
        },
    ))
}

/// Cancel the generation of a skill.
async fn cancel_generation(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    skill_id: String,
) -> Result<Reply, ToolError> {
    let skill = bu
        .cancel_skill(&skill_id)
        .await
        .map_err(|e| ToolError::api(e, format!("Cancelling the generation of skill {skill_id}")))?;
    call.env.learn(skill_sighting(&skill)).await;
    let status = skill.status.to_string();
    Ok(Reply::ok(
        format!("Cancelled the generation of skill {skill_id} (status {status})."),
        Output {
            target: "skill_generation".into(),
            stopped: status == "cancelled",
            id: skill_id,
            status,
            run: None,
        },
    ))
}
