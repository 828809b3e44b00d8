//! Promises the README makes about the catalog, each held by a test that fails when it is
//! broken: a run is recorded before the server waits on it (another process finds it while the
//! call still waits), and stored inputs are redacted (no catalog file holds a secret's bytes).

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

    /// How many requests on `route` the fake received for the run `run_id` (its status
    /// checks: a cancelled call's last check of another run may still land meanwhile).
    fn checks_of(self, h: &Harness, route: &str, run_id: &str) -> usize {
        let requests = match self {
            Cloud::Anchor => h.fake.requests(),
            Cloud::BrowserUse => h.bu().requests(),
        };
        let (method, template) = route.split_once(' ').unwrap_or(("GET", route));
        requests
            .iter()
            .filter(|r| r.method == method && r.route.ends_with(template))
            .filter(|r| r.path.contains(run_id))
            .count()
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
    let call = h.start_cancellable(tool, arguments).await;
    let started = || -> Vec<String> {
        cloud
            .run_ids(h)
            .into_iter()
            .filter(|id| !runs_before.contains(id))
            .collect()
    };
    // The new run's own status checked: the server is waiting on it (a check of the previous
    // call's run, cancelled just before, may still arrive, so the count is of this run's).
    wait_until(
        || {
            started()
                .first()
                .is_some_and(|id| cloud.checks_of(h, status_route, id) > 0)
        },
        &format!("{what}: the server waiting on the run"),
    )
    .await;
    let started = started();
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

/// Whether `haystack` holds the bytes of `needle`.
fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// "Stored inputs are redacted", for Anchor's `run_task`: after runs given secret inputs
/// (parameters configured as secrets, by the naming rule and by `--secret`, filled in by the
/// server or given as arguments; and a code task's input whose name says it is secret), the
/// cloud got every value but no file of the catalog (the database, its write-ahead log and
/// shared-memory index) holds any of their bytes, while the runs themselves are there.
#[tokio::test]
async fn stored_inputs_are_redacted() {
    const CONFIGURED_MEMBER: &str = "mb-7731-configured-value";
    const CONFIGURED_DOOR: &str = "door-4482-configured-value";
    const GIVEN_MEMBER: &str = "mb-9051-given-value";
    const GIVEN_DOOR: &str = "door-6610-given-value";
    const GIVEN_PASSWORD: &str = "pw-2297-given-value";
    let h = Harness::with(
        Options::default()
            .env("BROWSER_TASKS_SECRET_MEMBER_NUMBER", CONFIGURED_MEMBER)
            .env("BROWSER_TASKS_SECRETS", "door code=GATE_DOOR_CODE")
            .env("GATE_DOOR_CODE", CONFIGURED_DOOR),
    )
    .await;
    // Names that do not look secret: only their declared type makes them so.
    let generated = h
        .call(
            "generate_task",
            json!({
                "name": "members area",
                "prompt": "Open the members area with the member number and door code.",
                "input_parameters": [
                    {"name": "member number", "type": "secret"},
                    {"name": "door code", "type": "secret"}
                ]
            }),
        )
        .await;
    assert!(!is_error(&generated), "{}", summary(&generated));
    let generated_task = structured(&generated)["task_id"].clone();
    let code_task = h
        .fake
        .seed_code_task("log-in", "export default async () => 1", 1);

    let runs = [
        // The server fills in the values it holds.
        json!({"task_id": generated_task}),
        // The caller gives them.
        json!({"task_id": generated_task,
               "inputs": {"member number": GIVEN_MEMBER, "door code": GIVEN_DOOR}}),
        json!({"task_id": code_task, "inputs": {"password": GIVEN_PASSWORD}}),
    ];
    let mut run_ids = Vec::new();
    for arguments in runs {
        let result = h.call("run_task", arguments).await;
        assert!(!is_error(&result), "{}", summary(&result));
        run_ids.push(
            structured(&result)["execution_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let secrets = [
        CONFIGURED_MEMBER,
        CONFIGURED_DOOR,
        GIVEN_MEMBER,
        GIVEN_DOOR,
        GIVEN_PASSWORD,
    ];
    let sent: String = h
        .fake
        .requests()
        .into_iter()
        .filter_map(|r| r.body)
        .map(|body| body.to_string())
        .collect();
    for secret in secrets {
        assert!(sent.contains(secret), "the cloud never got {secret}");
    }

    let dir = h.catalog.parent().unwrap();
    let name = h.catalog.file_name().unwrap().to_str().unwrap();
    let mut files = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = dir.join(format!("{name}{suffix}"));
        // The server holds the catalog open: in WAL mode all three exist.
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        files.push((path, bytes));
    }
    let leaks: Vec<String> = secrets
        .iter()
        .flat_map(|secret| {
            files
                .iter()
                .filter(|(_, bytes)| holds(bytes, secret))
                .map(move |(path, _)| format!("{} holds {secret}", path.display()))
        })
        .collect();
    assert!(leaks.is_empty(), "secrets stored:\n{}", leaks.join("\n"));
    // The runs were stored, with their secret inputs shown redacted: the files are read as
    // they are written.
    for run_id in &run_ids {
        assert!(
            files.iter().any(|(_, bytes)| holds(bytes, run_id)),
            "no catalog file holds run {run_id}"
        );
    }
    assert!(files.iter().any(|(_, bytes)| holds(bytes, "[secret]")));
}
