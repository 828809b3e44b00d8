//! `runs`: the runs the catalog recorded, newest first (all tasks', or one task's), each with
//! when its status was last seen; the runs shown that had not finished when last seen are read
//! again from the cloud first (one `get_execution` each, a few at once, within a bound of
//! time), unless `--offline`. `--follow` waits on one until it ends, showing its progress,
//! through the server's `get_execution` with `wait_seconds` (what an agent calls to pick up a
//! long run).

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use futures::StreamExt;
use rmcp::model::JsonObject;
use serde_json::Value;

use super::call::report;
use super::progress::ProgressLine;
use super::session::{CallEnd, OnCtrlC, Session};
use super::wording::reword;
use super::{CliError, print_out};
use crate::catalog::{Catalog, CatalogError, PostgresCatalog, RunRecord, place_problem};
use crate::cloud::Provider;
use crate::config::{CatalogLocation, Config};

pub const EXAMPLES: &str = "Examples:
  browser-tasks-mcp runs
  browser-tasks-mcp runs --task hello-world --limit 5
  browser-tasks-mcp runs --limit 0 --offline    # every run, as the catalog last saw each
  browser-tasks-mcp runs --follow 5d9c2a3e-8f1b-4c1e-9a7d-2b6f0e4c8a11

SEEN says when each status was last seen. The runs listed that had not finished then are read
again from the cloud first (one status read each, a few at once); --offline shows the catalog
as it is, asking nothing.

Following is watching: Ctrl-C stops following and leaves the run going in the cloud, saying how
to stop it (browser-tasks-mcp call cancel_execution execution_id=ID).";

/// The tool `--follow` calls.
const GET_EXECUTION: &str = "get_execution";

/// At most this many unfinished runs are read again for one listing (the newest)...
const MAX_REFRESHED: usize = 50;
/// ...this many at once...
const REFRESHED_AT_ONCE: usize = 4;
/// ...and for this long at most: what is not read by then shows as last seen.
const REFRESH_WITHIN: Duration = Duration::from_secs(20);

/// `runs`' flags.
#[derive(Debug, Clone, Args)]
pub struct RunsArgs {
    /// Only the runs of this task (its name, id or tool name).
    #[arg(long, value_name = "NAME")]
    pub task: Option<String>,
    /// Wait for this run to end, showing its progress, then print its result.
    #[arg(long, value_name = "EXECUTION_ID", conflicts_with_all = ["task", "limit", "offline"])]
    pub follow: Option<String>,
    /// List at most this many runs (0: all of them).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Show the statuses as the catalog last saw them, without reading unfinished runs again
    /// from the cloud.
    #[arg(long)]
    pub offline: bool,
}

pub async fn run(args: RunsArgs, config: Config) -> Result<ExitCode, CliError> {
    match args.follow {
        Some(execution_id) => follow(config, execution_id).await,
        None => {
            print_out(&list(config, &args).await?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The listing of recent runs, unfinished ones read again first unless `--offline`.
async fn list(config: Config, args: &RunsArgs) -> Result<String, CliError> {
    let failed = |e: CatalogError| CliError::Failed(e.to_string());
    let catalog = match &config.catalog {
        CatalogLocation::Memory => {
            return Ok(
                "The catalog is in memory (--catalog :memory:): no runs are kept between \
                       processes."
                    .into(),
            );
        }
        CatalogLocation::Postgres(url) => {
            Recorded::Database(PostgresCatalog::open(url).await.map_err(failed)?)
        }
        CatalogLocation::File(path) => {
            if let Some(place) = place_problem(path) {
                return Err(CliError::Failed(format!(
                    "the catalog cannot be read: {}. Fix: {}.",
                    place.problem, place.fix
                )));
            }
            if !path.exists() {
                return Ok(format!(
                    "No runs yet: there is no catalog at {} (the server creates it when it \
                     first starts).",
                    path.display()
                ));
            }
            Recorded::File(Catalog::open(path).map_err(failed)?)
        }
    };
    let task = args.task.as_deref();
    // 0 is no limit (as 0 means "none" nowhere else here; an empty listing helps no one).
    let limit = match args.limit {
        0 => u32::MAX,
        n => n,
    };
    let read = || async {
        match &catalog {
            Recorded::File(catalog) => catalog.recent_runs(task, limit),
            Recorded::Database(catalog) => catalog.recent_runs(task, limit).await,
        }
        .map_err(failed)
    };
    let runs = read().await?;
    // Only a cloud with a key can be asked; the others' runs show as last seen.
    let keyed: Vec<Provider> = config
        .provider_setups()
        .iter()
        .filter(|setup| setup.settings.connection.is_some())
        .map(|setup| setup.provider)
        .collect();
    let (readable, unkeyed): (Vec<&RunRecord>, Vec<&RunRecord>) = runs
        .iter()
        .filter(|run| !run.finished)
        .partition(|run| keyed.contains(&run.provider));
    let freshness = if args.offline {
        Freshness::Offline
    } else if readable.is_empty() && unkeyed.is_empty() {
        Freshness::NothingToRead
    } else {
        let ids: Vec<String> = readable.iter().map(|run| run.run_id.clone()).collect();
        let mut refreshed = match ids.is_empty() {
            true => Refreshed::default(),
            false => refresh(config, &ids).await,
        };
        for run in unkeyed {
            let why = format!(
                "{} is not set, so {} cannot be asked",
                run.provider.key_env(),
                run.provider
            );
            refreshed.fail(&run.run_id, why);
        }
        Freshness::Read(refreshed)
    };
    let runs = match &freshness {
        Freshness::Read(_) => read().await?,
        _ => runs,
    };
    Ok(table(&runs, task, &freshness, chrono::Utc::now()))
}

/// The catalog whose runs are listed.
enum Recorded {
    File(Catalog),
    Database(PostgresCatalog),
}

/// How current the statuses shown are.
#[derive(Debug)]
enum Freshness {
    /// As the catalog last saw them; nothing was asked (`--offline`).
    Offline,
    /// Every run shown had finished when last seen.
    NothingToRead,
    /// The unfinished runs were read again.
    Read(Refreshed),
}

/// What came of reading the unfinished runs again.
#[derive(Debug, Default)]
struct Refreshed {
    read: usize,
    /// Runs not read, by why: (why, execution ids).
    failed: Vec<(String, Vec<String>)>,
    /// Unfinished runs left unread for the bound on their number or on time.
    skipped: usize,
}

impl Refreshed {
    fn fail(&mut self, id: &str, why: String) {
        match self.failed.iter_mut().find(|(known, _)| *known == why) {
            Some((_, ids)) => ids.push(id.to_string()),
            None => self.failed.push((why, vec![id.to_string()])),
        }
    }
}

/// Read each of the unfinished runs `ids` (newest first) once through `get_execution` (which
/// records what it reads in the catalog), a few at once, the newest [`MAX_REFRESHED`] only,
/// within [`REFRESH_WITHIN`]. Reads only: nothing is started or stopped.
async fn refresh(config: Config, ids: &[String]) -> Refreshed {
    let session = match Session::start(config, false).await {
        Ok(session) => session,
        Err(error) => {
            let mut refreshed = Refreshed::default();
            for id in ids {
                refreshed.fail(id, error.to_string());
            }
            return refreshed;
        }
    };
    let chosen = &ids[..ids.len().min(MAX_REFRESHED)];
    let mut outcome = Refreshed {
        skipped: ids.len() - chosen.len(),
        ..Refreshed::default()
    };
    let mut reads = futures::stream::iter(chosen)
        .map(|id| {
            let session = &session;
            async move {
                let mut arguments = JsonObject::new();
                arguments.insert("execution_id".into(), Value::from(id.as_str()));
                let answer = session.read(GET_EXECUTION, arguments).await;
                let failure = match answer {
                    Ok(result) if result.is_error == Some(true) => Some(
                        result
                            .content
                            .first()
                            .and_then(|block| block.as_text())
                            .map(|text| reword(text.text.lines().next().unwrap_or_default()))
                            .unwrap_or_else(|| "the server answered with an error".into()),
                    ),
                    Ok(_) => None,
                    Err(error) => Some(error.to_string()),
                };
                (id.clone(), failure)
            }
        })
        .buffer_unordered(REFRESHED_AT_ONCE);
    let deadline = tokio::time::sleep(REFRESH_WITHIN);
    tokio::pin!(deadline);
    let mut done = 0;
    loop {
        tokio::select! {
            next = reads.next() => match next {
                Some((id, failure)) => {
                    done += 1;
                    match failure {
                        Some(why) => outcome.fail(&id, why),
                        None => outcome.read += 1,
                    }
                }
                None => break,
            },
            () = &mut deadline => {
                outcome.skipped += chosen.len() - done;
                break;
            }
        }
    }
    drop(reads);
    session.stop().await;
    outcome
}

/// The runs as a table, one line each, then how current the statuses are and how to follow
/// one.
fn table(
    runs: &[RunRecord],
    task: Option<&str>,
    freshness: &Freshness,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    if runs.is_empty() {
        return match task {
            Some(task) => format!("No runs of {task:?} recorded (by name, id or tool name)."),
            None => "No runs recorded yet.".into(),
        };
    }
    const COLUMNS: usize = 6;
    let header = [
        "STARTED (UTC)",
        "CLOUD",
        "EXECUTION ID",
        "TASK",
        "SEEN",
        "STATUS",
    ];
    let rows: Vec<[String; COLUMNS]> = runs
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
                ago(&run.updated_at, now),
                status,
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..COLUMNS - 1)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; COLUMNS]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate().take(COLUMNS - 1) {
            text.push_str(&format!("{cell:w$}  ", w = widths[i]));
        }
        text.push_str(cells[COLUMNS - 1]);
        text.trim_end().to_string()
    };
    let mut out = vec![line(header)];
    out.extend(
        rows.iter()
            .map(|r| line(std::array::from_fn(|i| r[i].as_str()))),
    );
    out.push(String::new());
    let still = runs.iter().filter(|r| !r.finished).count();
    let mut footer = format!(
        "{} run{}, newest first.",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" }
    );
    match freshness {
        Freshness::Offline if still > 0 => footer.push_str(&format!(
            " Statuses as the catalog last saw them (--offline): {still} not finished then, \
             and may have ended since (SEEN says when)."
        )),
        Freshness::Offline | Freshness::NothingToRead => {}
        Freshness::Read(refreshed) => {
            if refreshed.read > 0 {
                footer.push_str(&format!(
                    " The {} not finished when last seen {} read again just now.",
                    plural(refreshed.read, "run"),
                    if refreshed.read == 1 { "was" } else { "were" }
                ));
            }
            if refreshed.skipped > 0 {
                footer.push_str(&format!(
                    " {} not read again (at most {MAX_REFRESHED}, within {} s): shown as last \
                     seen.",
                    plural(refreshed.skipped, "unfinished run"),
                    REFRESH_WITHIN.as_secs()
                ));
            }
            for (why, ids) in &refreshed.failed {
                let which = match ids.as_slice() {
                    [id] => id.clone(),
                    ids => plural(ids.len(), "run"),
                };
                footer.push_str(&format!(
                    " Could not read {which} again (shown as last seen): {}.",
                    excerpt(why, 200).trim_end_matches('.')
                ));
            }
        }
    }
    out.push(footer);
    out.push("Wait for one to end: browser-tasks-mcp runs --follow EXECUTION_ID".to_string());
    out.join("\n")
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// How long before `now` the time `at` (RFC 3339) was: `just now`, `42 s ago`, `5 min ago`,
/// `3 h ago`, `2 d ago` (`?` when it cannot be read).
fn ago(at: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let Ok(at) = chrono::DateTime::parse_from_rfc3339(at) else {
        return "?".into();
    };
    let seconds = (now - at.with_timezone(&chrono::Utc)).num_seconds().max(0);
    match seconds {
        0..=4 => "just now".into(),
        5..=99 => format!("{seconds} s ago"),
        100..=5999 => format!("{} min ago", seconds / 60),
        6000..=172_799 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86_400),
    }
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
    let wait_seconds = config.tools.waits.max_budget.as_secs_f64();
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
                OnCtrlC::Detach,
            )
            .await;
        match &end {
            Ok(CallEnd::Detached) => {
                line.finish();
                eprintln!("{}", stopped_following(&execution_id));
                // Following is watching. Closing the session would cancel the server's wait,
                // and a cancelled wait stops the run in the cloud: leave at once instead,
                // having sent nothing.
                std::process::exit(130);
            }
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

/// What Ctrl-C while following says: the run goes on, and how to follow or stop it.
fn stopped_following(execution_id: &str) -> String {
    format!(
        "Stopped following (Ctrl-C); the run {execution_id} goes on in the cloud. Follow it \
         again: browser-tasks-mcp runs --follow {execution_id}. Stop it: browser-tasks-mcp \
         call cancel_execution execution_id={execution_id}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::TaskKind;

    #[test]
    fn the_table_lines_up_says_when_each_status_was_seen_and_how_to_follow() {
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
            finished: status != "running",
            summary: None,
            error: error.map(str::to_string),
            report: None,
            detail: None,
            updated_at: "2026-03-04T05:06:09.000Z".into(),
            owner: None,
        };
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:16:09Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let runs = [
            run("e-1", Some("hello-world"), "running", None),
            run("e-22", None, "failed", Some("the page\nnever loaded")),
        ];
        let text = table(&runs, None, &Freshness::Offline, now);
        let cloud = Provider::ALL[0].id();
        let expected = format!(
            "STARTED (UTC)        CLOUD{pad}  EXECUTION ID  TASK         SEEN        STATUS\n\
             2026-03-04 05:06:07  {cloud}  e-1           hello-world  10 min ago  running\n\
             2026-03-04 05:06:07  {cloud}  e-22          -            10 min ago  failed: the page never loaded\n\
             \n\
             2 runs, newest first. Statuses as the catalog last saw them (--offline): 1 not \
             finished then, and may have ended since (SEEN says when).\n\
             Wait for one to end: browser-tasks-mcp runs --follow EXECUTION_ID",
            pad = " ".repeat(cloud.len().saturating_sub(5)),
        );
        assert_eq!(text, expected);
        let read = Freshness::Read(Refreshed {
            read: 1,
            failed: vec![(
                "Reading run e-3 failed: HTTP 500.".into(),
                vec!["e-3".into()],
            )],
            skipped: 2,
        });
        let footer = table(&runs, None, &read, now);
        assert!(
            footer.contains(
                "2 runs, newest first. The 1 run not finished when last seen was read again \
                 just now. 2 unfinished runs not read again (at most 50, within 20 s): shown \
                 as last seen. Could not read e-3 again (shown as last seen): Reading run e-3 \
                 failed: HTTP 500.\n"
            ),
            "{footer}"
        );
        assert_eq!(
            table(&[], Some("x"), &Freshness::NothingToRead, now),
            "No runs of \"x\" recorded (by name, id or tool name)."
        );
        assert_eq!(ago("2026-03-04T05:16:07Z", now), "just now");
        assert_eq!(ago("2026-03-04T05:15:09Z", now), "60 s ago");
        assert_eq!(ago("2026-03-03T05:16:09Z", now), "24 h ago");
        assert_eq!(ago("2026-02-01T05:16:09Z", now), "31 d ago");
        assert_eq!(ago("yesterday", now), "?");
        assert_eq!(excerpt("a  b\nc", 10), "a b c");
        assert_eq!(excerpt("abcdefghijkl", 5), "abcd…");
    }
}
