//! The URIs of the runs' resources, and the links to them that tool results, prompts and
//! refinement feedback carry. A leaf: `resources` serves what these name.

use rmcp::model::Resource;

use crate::runs::RunReport;

/// Where every run resource's URI begins.
pub const RUNS_SCHEME: &str = "browser-tasks://runs/";

/// The URI of a run's report.
pub fn run_uri(provider: &str, execution_id: &str) -> String {
    format!("{RUNS_SCHEME}{provider}/{execution_id}")
}

/// The `resource_link` of a run's report, for tool results.
pub fn run_link(report: &RunReport) -> Resource {
    Resource::new(
        run_uri(&report.provider, &report.execution_id),
        format!("run {}", report.execution_id),
    )
    .with_description("The run's report and evidence (recordings, files).")
    .with_mime_type("application/json")
}
