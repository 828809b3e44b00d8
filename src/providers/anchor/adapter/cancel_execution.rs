//! Anchor Browser's part of `cancel_execution`: stop a run by ending its browser session
//! (`DELETE /v1/sessions/{session_id}`). A generated task's run reports its session; a code
//! task's run does not, so its session comes from the catalog (the server opens one for each
//! code run it starts) or from the caller. Where the session is not known the answer says so
//! instead of pretending.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use crate::mcp::args::{EXECUTION_ID_FROM, Problem, check_uuid, has};
use crate::mcp::context::adapter::{ToolPart, read_args};
use crate::mcp::context::work::Work;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::cancel_execution::{Output, SharedArgs};
use crate::providers::anchor::runs::{StopOutcome, stop_run};

/// Anchor's own arguments of `cancel_execution`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    pub session_id: Option<String>,
}

/// A call's arguments as Anchor reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

const DESCRIPTION: &str = "Stop a run by execution_id, ending its browser session (a code run \
from elsewhere needs its session_id).";

/// Anchor's part of `cancel_execution`.
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
        "Anchor: a run by execution_id, ending its browser session (a code run from elsewhere \
         needs its session_id)."
            .into()
    }

    fn rules(&self, _env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        if has(args, "task_id") {
            problems.push(Problem::new(
                "task_id",
                "Anchor generations cannot be cancelled; give the run's execution_id",
            ));
        }
        check_uuid(args, "execution_id", EXECUTION_ID_FROM, problems);
        check_uuid(
            args,
            "session_id",
            "the session_id a run was started on",
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
            let anchor = self.account.client()?;
            let execution_id = args.shared.execution_id.unwrap_or_default();
            let recorded = call.env.catalog.run(&execution_id).await;
            // The session it was started in, when recorded (the server opens one for each
            // code run it starts), else the one the caller names.
            let run = super::run_ref(&execution_id, None, recorded.as_ref());
            let outcome = stop_run(anchor, &run, None, args.own.session_id)
                .await
                .map_err(|e| ToolError::api(e, format!("Stopping Anchor run {execution_id}")))?;
            let (report, stopped) = match outcome {
                StopOutcome::Stopped(report) => (report, true),
                StopOutcome::AlreadyEnded(report) => (report, false),
                StopOutcome::SessionUnknown => {
                    return Err(ToolError::Unsupported {
                        message: format!(
                            "Anchor does not report the browser session of code run \
                             {execution_id}, so it cannot be stopped from here; it goes on \
                             until it ends or reaches its timeout."
                        ),
                        hint: "If it was started on a session (run_task's session_id), pass \
                               that session_id. (This server opens a session for each code run \
                               it starts, unless started with --anchor-run-sessions false.)"
                            .into(),
                    });
                }
            };
            call.env.note_run_state(&report, &[], None).await;
            let summary = if stopped {
                format!(
                    "Ended the browser session of Anchor run {execution_id}; the run's status \
                     is now {}.",
                    report.status
                )
            } else {
                format!(
                    "Anchor run {execution_id} had already ended with status {}; nothing to \
                     stop.",
                    report.status
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
        .map(|outcome| outcome.map(Work::from))
        .boxed()
    }
}
