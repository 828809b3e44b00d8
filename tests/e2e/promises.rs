//! Promises the README makes about the catalog, each held by a test that fails when it is
//! broken: a run is recorded before the server waits on it (another process finds it while the
//! call still waits).

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use browser_tasks_fakes::anchor::{FakeAnchor, GenerationScript, RunScript};
use browser_tasks_fakes::browser_use::{AgentScript, FakeBrowserUse};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::harness::{
    BIN, BU_KEY, Harness, KEY, Options, is_error, structured, summary, wait_until,
};

/// Which fake a run goes to.
#[derive(Clone, Copy)]
enum Cloud {
    Anchor,
    BrowserUse,
}

impl Cloud {
    /// The ids of every run the fake holds.
    fn run_ids(self, h: &Harness) -> Vec<String> {
        match self {
            Cloud::Anchor => h.fake.run_ids(),
            Cloud::BrowserUse => h.bu().run_ids(),
        }
    }

    /// How many requests the fake received on `route`.
    fn count(self, h: &Harness, route: &str) -> usize {
        match self {
            Cloud::Anchor => h.fake.count(route),
            Cloud::BrowserUse => h.bu().count(route),
        }
    }
}

/// One way of starting a run: the tool called, its arguments, the fake it goes to, the status
/// route the server polls while it waits, and the task to look the run up by (if it has one).
struct Start<'a> {
    what: &'a str,
    tool: &'a str,
    arguments: Value,
    cloud: Cloud,
    status_route: &'a str,
    task: Option<&'a str>,
}

/// What `browser-tasks-mcp runs` prints for the catalog at `catalog` (another process than
/// the server, with nothing of this process's environment): the recorded runs of `task`, or
/// all of them.
async fn runs_listing(catalog: &Path, task: Option<&str>) -> String {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["runs".to_string(), "--limit".into(), "100".into()];
    if let Some(task) = task {
        args.extend(["--task".to_string(), task.to_string()]);
    }
    let output = Command::new(BIN)
        .args(&args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("BROWSER_TASKS_CATALOG", catalog)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), output)
        .await
        .expect("`runs` ends")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "`runs {args:?}` failed: {}\n{stdout}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Start a run as `start` says, and while the call still waits on it (the server has polled
/// its status at least once, the run lasts ten minutes and the call may wait as long), find it
/// in the catalog from another process by its task; then cancel the call.
async fn found_while_waiting(h: &Harness, start: Start<'_>) {
    let Start {
        what,
        tool,
        arguments,
        cloud,
        status_route,
        task,
    } = start;
    let runs_before = cloud.run_ids(h);
    let polls_before = cloud.count(h, status_route);
    let call = h.start_cancellable(tool, arguments).await;
    wait_until(
        || cloud.count(h, status_route) > polls_before,
        &format!("{what}: the server waiting on the run"),
    )
    .await;
    let started: Vec<String> = cloud
        .run_ids(h)
        .into_iter()
        .filter(|id| !runs_before.contains(id))
        .collect();
    assert_eq!(started.len(), 1, "{what}: runs started {started:?}");
    let run_id = &started[0];

    let listing = runs_listing(&h.catalog, task).await;
    assert!(
        listing.lines().any(|line| line.contains(run_id.as_str())),
        "{what}: while the call waits on run {run_id}, the catalog does not hold it (`runs` \
         for task {task:?}):\n{listing}"
    );
    call.cancel(Some("checked the catalog".into()))
        .await
        .unwrap();
}

/// "A run is recorded before the server waits on it, so a crash or restart never loses its
/// id": while a call still waits on a long run, another process reading the catalog file (the
/// `runs` command) finds the run by its task, for every start that waits: Anchor's `run_task`
/// on a code task and on a generated task, an Anchor task's own tool, and Browser Use's
/// `run_task` (an agent task, which has no task: found among all runs).
#[tokio::test]
async fn a_run_is_recorded_before_the_server_waits_on_it() {
    let long = Duration::from_secs(600);
    let anchor = Arc::new(FakeAnchor::start(KEY).await.unwrap());
    let code_task = anchor.seed_code_task("long-code", "export default async () => 1", 1);
    anchor.set_default_run_script(RunScript::default().lasting(long));
    anchor.set_default_generation_script(GenerationScript {
        generating_checks: 0,
        ..GenerationScript::default()
    });
    let bu = Arc::new(FakeBrowserUse::start(BU_KEY).await.unwrap());
    bu.set_default_task_script(AgentScript::default().lasting(long));
    // Every call may wait as long as the runs last: only the cancel ends them.
    let h = Harness::on(
        anchor,
        Options::default()
            .env("BROWSER_TASKS_WAIT_SECONDS", "600")
            .browser_use(bu),
    )
    .await;
    let generated = h
        .call(
            "generate_task",
            json!({"name": "long watch", "prompt": "Watch example.com for a long time."}),
        )
        .await;
    assert!(!is_error(&generated), "{}", summary(&generated));
    let generated_task = structured(&generated)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    h.wait_for_tool("long_watch").await;

    let starts = [
        Start {
            what: "Anchor run_task, code task",
            tool: "run_task",
            arguments: json!({"task_id": code_task}),
            cloud: Cloud::Anchor,
            status_route: "GET /v1/task/{taskId}/executions/{executionId}",
            task: Some("long-code"),
        },
        Start {
            what: "Anchor run_task, generated task",
            tool: "run_task",
            arguments: json!({"task_id": generated_task}),
            cloud: Cloud::Anchor,
            status_route: "GET /v2/tasks/runs/{runId}/status",
            task: Some("long watch"),
        },
        Start {
            what: "Anchor task tool",
            tool: "long_watch",
            arguments: json!({}),
            cloud: Cloud::Anchor,
            status_route: "GET /v2/tasks/runs/{runId}/status",
            task: Some("long_watch"),
        },
        Start {
            what: "Browser Use run_task, agent task",
            tool: "run_task",
            arguments: json!({"provider": "browser_use", "task": "Watch example.com for a long time."}),
            cloud: Cloud::BrowserUse,
            status_route: "GET /tasks/{task_id}/status",
            task: None,
        },
    ];
    for start in starts {
        found_while_waiting(&h, start).await;
    }
}
