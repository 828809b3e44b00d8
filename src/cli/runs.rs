//! `runs`: the runs the catalog recorded, newest first (all tasks', or one task's); `--follow`
//! waits on one until it ends, showing its progress, through the server's `get_execution`
//! with `wait_seconds` (what an agent calls to pick up a long run).

use std::process::ExitCode;

use clap::Args;
use rmcp::model::JsonObject;
use serde_json::Value;

use super::call::report;
use super::progress::ProgressLine;
use super::session::{CallEnd, Session};
use super::{CliError, print_out};
use crate::catalog::{Catalog, RunRecord, place_problem};
use crate::config::{CatalogLocation, Config};

pub const EXAMPLES: &str = "Examples:
  browser-tasks-mcp runs
  browser-tasks-mcp runs --task hello-world --limit 5
  browser-tasks-mcp runs --follow 5d9c2a3e-8f1b-4c1e-9a7d-2b6f0e4c8a11

Ctrl-C while following cancels the wait as a client's cancellation does: the run is stopped in
the cloud where the cloud can stop runs.";

/// The tool `--follow` calls.
const GET_EXECUTION: &str = "get_execution";

/// `runs`' flags.
#[derive(Debug, Clone, Args)]
pub struct RunsArgs {
    /// Only the runs of this task (its name, id or tool name).
    #[arg(long, value_name = "NAME")]
    pub task: Option<String>,
    /// Wait for this run to end, showing its progress, then print its result.
    #[arg(long, value_name = "EXECUTION_ID", conflicts_with_all = ["task", "limit"])]
    pub follow: Option<String>,
    /// List at most this many runs.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

pub async fn run(args: RunsArgs, config: Config) -> Result<ExitCode, CliError> {
    match args.follow {
        Some(execution_id) => follow(config, execution_id).await,
        None => {
            print_out(&list(&config.catalog, args.task.as_deref(), args.limit)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The listing of recent runs.
fn list(location: &CatalogLocation, task: Option<&str>, limit: u32) -> Result<String, CliError> {
    let path = match location {
        CatalogLocation::Memory => {
            return Ok(
                "The catalog is in memory (--catalog :memory:): no runs are kept between \
                       processes."
                    .into(),
            );
        }
        CatalogLocation::File(path) => path,
    };
    if let Some(place) = place_problem(path) {
        return Err(CliError::Failed(format!(
            "the catalog cannot be read: {}. Fix: {}.",
            place.problem, place.fix
        )));
    }
    if !path.exists() {
        return Ok(format!(
            "No runs yet: there is no catalog at {} (the server creates it when it first \
             starts).",
            path.display()
        ));
    }
    let catalog = Catalog::open(path).map_err(|e| CliError::Failed(e.to_string()))?;
    let runs = catalog
        .recent_runs(task, limit)
        .map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(table(&runs, task))
}

/// The runs as a table, one line each, and how to follow one.
fn table(runs: &[RunRecord], task: Option<&str>) -> String {
    if runs.is_empty() {
        return match task {
            Some(task) => format!("No runs of {task:?} recorded (by name, id or tool name)."),
            None => "No runs recorded yet.".into(),
        };
    }
    let header = ["STARTED (UTC)", "CLOUD", "EXECUTION ID", "TASK", "STATUS"];
    let rows: Vec<[String; 5]> = runs
        .iter()
        .map(|run| {
            let mut status = run.status.clone();
            if let Some(detail) = run.error.as_deref().or(run.summary.as_deref()) {
                status.push_str(": ");
                status.push_str(&excerpt(detail, 60));
            }
            [
                run.started_at.replace('T', " ").chars().take(19).collect(),
                run.provider.id().to_string(),
                run.run_id.clone(),
                run.task_name
                    .clone()
                    .or_else(|| run.task_id.clone())
                    .unwrap_or_else(|| "-".into()),
                status,
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate().take(4) {
            text.push_str(&format!("{cell:w$}  ", w = widths[i]));
        }
        text.push_str(cells[4]);
        text.trim_end().to_string()
    };
    let mut out = vec![line(header)];
    out.extend(
        rows.iter()
            .map(|r| line([&r[0], &r[1], &r[2], &r[3], &r[4]])),
    );
    out.push(String::new());
    out.push(format!(
        "{} run{}, newest first. Wait for one to end: browser-tasks-mcp runs --follow EXECUTION_ID",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" }
    ));
    out.join("\n")
}

/// `text` on one line, cut to `max` characters.
fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// Wait for a run through get_execution, as long as it takes: each call waits as long as the
/// server allows, and another follows while the run is still going.
async fn follow(config: Config, execution_id: String) -> Result<ExitCode, CliError> {
    let wait_seconds = config.waits.max_budget.as_secs_f64();
    let mut session = Session::start(config, false).await?;
    let line = ProgressLine::start(&format!("following run {execution_id}"));
    let mut arguments = JsonObject::new();
    arguments.insert("execution_id".into(), Value::from(execution_id.clone()));
    arguments.insert("wait_seconds".into(), Value::from(wait_seconds));
    let end = loop {
        let end = session
            .call(
                GET_EXECUTION,
                arguments.clone(),
                &line,
                std::slice::from_ref(&execution_id),
            )
            .await;
        match &end {
            Ok(CallEnd::Answered(result))
                if result.is_error != Some(true)
                    && result
                        .structured_content
                        .as_ref()
                        .and_then(|s| s.get("finished"))
                        == Some(&Value::Bool(false)) =>
            {
                line.show("still going; waiting again");
            }
            _ => break end,
        }
    };
    line.finish();
    session.stop().await;
    Ok(report(end?, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Provider;
    use crate::runs::TaskKind;

    #[test]
    fn the_table_lines_up_and_says_how_to_follow() {
        let run = |id: &str, task: Option<&str>, status: &str, error: Option<&str>| RunRecord {
            provider: Provider::ALL[0],
            run_id: id.into(),
            kind: TaskKind::Code,
            task_id: None,
            task_name: task.map(str::to_string),
            version: None,
            inputs: serde_json::json!({}),
            started_at: "2026-03-04T05:06:07.890Z".into(),
            status: status.into(),
            finished: true,
            summary: None,
            error: error.map(str::to_string),
            updated_at: "2026-03-04T05:06:09.000Z".into(),
        };
        let text = table(
            &[
                run("e-1", Some("hello-world"), "completed", None),
                run("e-22", None, "failed", Some("the page\nnever loaded")),
            ],
            None,
        );
        let cloud = Provider::ALL[0].id();
        let expected = format!(
            "STARTED (UTC)        CLOUD{pad}  EXECUTION ID  TASK         STATUS\n\
             2026-03-04 05:06:07  {cloud}  e-1           hello-world  completed\n\
             2026-03-04 05:06:07  {cloud}  e-22          -            failed: the page never loaded\n\
             \n\
             2 runs, newest first. Wait for one to end: browser-tasks-mcp runs --follow EXECUTION_ID",
            pad = " ".repeat(cloud.len().saturating_sub(5)),
        );
        assert_eq!(text, expected);
        assert_eq!(
            table(&[], Some("x")),
            "No runs of \"x\" recorded (by name, id or tool name)."
        );
        assert_eq!(excerpt("a  b\nc", 10), "a b c");
        assert_eq!(excerpt("abcdefghijkl", 5), "abcd…");
    }
}
