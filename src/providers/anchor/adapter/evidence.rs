//! Anchor's evidence of a run, for the MCP resources: the run as it is now (a code task's
//! execution found by its recorded task, else a generated task's run) and what its browser
//! session kept, when the session is known.

use crate::evidence::Evidence;
use crate::mcp::context::ToolEnv;
use crate::mcp::reply::ToolError;
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::evidence::session_artifacts;
use crate::runs::RunCloud;

/// The run `execution_id` and its session's artifacts.
pub async fn of_run(
    env: &ToolEnv,
    anchor: &AnchorClient,
    execution_id: &str,
    fetch: Option<(&str, u64)>,
) -> Result<Evidence, ToolError> {
    let recorded = env.catalog.run(execution_id).await;
    let run = super::run_ref(execution_id, None, recorded.as_ref());
    let report = anchor
        .check(&run)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading Anchor run {execution_id}")))?;
    let Some(session_id) = report.session_id.clone() else {
        return Ok(Evidence {
            report,
            artifacts: Vec::new(),
            note: Some(
                "Anchor does not report a code run's browser session, so its recordings and \
                 downloads cannot be found."
                    .into(),
            ),
        });
    };
    let artifacts = session_artifacts(anchor, &session_id, !report.finished, fetch)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading the evidence of session {session_id}")))?;
    Ok(Evidence {
        report,
        artifacts,
        note: None,
    })
}
