//! Browser Use's evidence of an agent task, for the MCP resources: the task as it is now and
//! its log (`GET /tasks/{task_id}/logs`) and output files, by their (presigned) download links.

use crate::evidence::{Artifact, Evidence, presigned_expiry, segment_name};
use crate::mcp::reply::ToolError;
use crate::providers::browser_use::BrowserUseClient;
use crate::runs::{RunCloud, RunRef, TaskKind};

/// The agent task `execution_id`, its log and its output files.
pub async fn of_run(bu: &BrowserUseClient, execution_id: &str) -> Result<Evidence, ToolError> {
    let run = RunRef {
        kind: TaskKind::Agent,
        execution_id: execution_id.to_string(),
        task_id: None,
        session_id: None,
    };
    let report = bu
        .check(&run)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading Browser Use task {execution_id}")))?;
    let mut artifacts = Vec::new();
    // The log's link is a nicety: a task without one (or a failed read) still has its files.
    match bu.task_logs(execution_id).await {
        Ok(log) => artifacts.push(Artifact {
            name: "logs".into(),
            description: "The task's step-by-step execution log.".into(),
            mime_type: "text/plain".into(),
            size: None,
            expires_at: presigned_expiry(&log.download_url).map(|t| t.to_rfc3339()),
            url: Some(log.download_url),
            url_needs_key: false,
            inline: None,
            blob: None,
        }),
        Err(error) => tracing::debug!(%error, task = %execution_id, "no log link"),
    }
    let files = report.output_files.iter().map(|file| Artifact {
        name: format!("file-{}", segment_name(&file.file_name)),
        description: format!("An output file: {}.", file.file_name),
        mime_type: "application/octet-stream".into(),
        size: None,
        url: Some(file.download_url.clone()),
        expires_at: presigned_expiry(&file.download_url).map(|t| t.to_rfc3339()),
        url_needs_key: false,
        inline: None,
        blob: None,
    });
    artifacts.extend(files);
    Ok(Evidence {
        report,
        artifacts,
        note: None,
    })
}
