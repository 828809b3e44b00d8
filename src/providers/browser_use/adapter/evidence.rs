//! Browser Use's evidence of an agent task, for the MCP resources: the task as it is now and
//! its output files, by their (presigned) download links.

use crate::evidence::{Artifact, Evidence, presigned_expiry, segment_name};
use crate::mcp::reply::ToolError;
use crate::providers::browser_use::BrowserUseClient;
use crate::runs::{RunCloud, RunRef, TaskKind};

/// The agent task `execution_id` and its output files.
pub async fn of_run(bu: &BrowserUseClient, execution_id: &str) -> Result<Evidence, ToolError> {
    let run = RunRef {
        kind: TaskKind::Agent,
        execution_id: execution_id.to_string(),
        task_id: None,
    };
    let report = bu
        .check(&run)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading Browser Use task {execution_id}")))?;
    let artifacts = report
        .output_files
        .iter()
        .map(|file| Artifact {
            name: format!("file-{}", segment_name(&file.file_name)),
            description: format!("An output file: {}.", file.file_name),
            mime_type: "application/octet-stream".into(),
            size: None,
            url: Some(file.download_url.clone()),
            expires_at: presigned_expiry(&file.download_url).map(|t| t.to_rfc3339()),
            url_needs_key: false,
            inline: None,
            blob: None,
        })
        .collect();
    Ok(Evidence {
        report,
        artifacts,
        note: None,
    })
}
