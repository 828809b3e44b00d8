//! Anchor Browser's part of `respond_to_intervention`: find the run's browser session (a
//! generated task's run reports it; a code run's is the session_id it was started on), read
//! its pending request (`GET /v1/sessions/{session_id}/agent/requested-human-intervention`),
//! check the answer against it, and send it
//! (`POST /v1/sessions/{session_id}/agent/respond-to-human-intervention`), once.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use crate::mcp::args::{EXECUTION_ID_FROM, Problem, check_one_of, check_uuid};
use crate::mcp::context::adapter::{ToolPart, read_args};
use crate::mcp::context::work::Work;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::respond_to_intervention::{Output, Refusal, SharedArgs, response_to};
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::runs::human_request;
use crate::runs::RunCloud;

/// Anchor's own arguments of `respond_to_intervention`.
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

const DESCRIPTION: &str = "Send a person's own answer to a run's pending request for one, or \
decline/cancel it.";

/// Anchor's part of `respond_to_intervention`.
pub struct RespondToIntervention {
    account: Arc<Account>,
}

impl RespondToIntervention {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for RespondToIntervention {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        DESCRIPTION.into()
    }

    fn fragment(&self) -> String {
        "Anchor: a run's request (a code run: its session_id).".into()
    }

    fn rules(&self, _env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        check_one_of(args, "execution_id", "session_id", true, problems);
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
            respond(call, self.account.client()?, args).await
        }
        .map(|outcome| outcome.map(Work::from))
        .boxed()
    }
}

/// The session of the run `execution_id`, or why it cannot be answered.
async fn session_of(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    execution_id: &str,
) -> Result<String, ToolError> {
    let recorded = call.env.catalog.run(execution_id).await;
    let run = super::run_ref(execution_id, None, recorded.as_ref());
    let report = anchor
        .check(&run)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading Anchor run {execution_id}")))?;
    if report.finished {
        return Err(ToolError::NotFound {
            message: format!(
                "Anchor run {execution_id} has ended ({}): no request of it waits for a person.",
                report.status
            ),
            hint: "get_execution shows its outcome.".into(),
        });
    }
    report.session_id.ok_or_else(|| ToolError::Unsupported {
        message: format!("Anchor does not report the browser session of code run {execution_id}."),
        hint: "Pass the session_id it was started on (run_task's session_id) instead.".into(),
    })
}

/// Check the answer against the session's pending request and send it.
async fn respond(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    args: Args,
) -> Result<Reply, ToolError> {
    let execution_id = args.shared.execution_id.clone();
    let session_id = match (&args.own.session_id, &execution_id) {
        (Some(session), _) => session.clone(),
        (None, Some(execution)) => session_of(call, anchor, execution).await?,
        (None, None) => String::new(),
    };
    let run = execution_id
        .as_deref()
        .map_or_else(|| format!("session {session_id}"), |e| format!("run {e}"));
    let pending = anchor
        .requested_interventions(&session_id)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading the requests of Anchor {run}")))?;
    let Some(request) = pending.requests.into_iter().next().map(human_request) else {
        return Err(ToolError::NotFound {
            message: format!("No request for a person is pending on Anchor {run}."),
            hint: "It may have been answered already; get_execution shows how the run goes.".into(),
        });
    };
    let response = response_to(&request, &args.shared)?;
    anchor
        .respond_to_intervention(&session_id, &request.id, response)
        .await
        .map_err(|e| ToolError::api(e, format!("Answering the request of Anchor {run}")))?;
    let sent = match args.shared.action {
        None => "answer",
        Some(Refusal::Decline) => "decline",
        Some(Refusal::Cancel) => "cancel",
    };
    let next_step = match &execution_id {
        Some(id) => format!(
            "The run goes on: get_execution {{\"execution_id\": \"{id}\", \"wait_seconds\": 60}} \
             waits for it."
        ),
        None => "The run goes on; get_execution with its execution_id waits for it.".into(),
    };
    let summary = format!(
        "Sent the person's {sent} to {:?} (Anchor {run}). {next_step}",
        request.message
    );
    Ok(Reply::ok(
        summary,
        Output {
            execution_id,
            session_id,
            request_id: request.id,
            sent,
            next_step,
        },
    ))
}
