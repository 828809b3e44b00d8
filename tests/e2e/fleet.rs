//! A fleet, for real: PostgreSQL, three instances of the binary sharing it as their catalog,
//! and HAProxy in front running `examples/fleet/haproxy.cfg` as shipped; rmcp clients speaking
//! protocol 2026-07-28 drive it through the balancer (and, to watch each instance, directly).
//!
//! It proves what the README's "Run a fleet" promises: a run started through any instance is
//! known to all; `kill -9` of the instance waiting on a run loses nothing and starts nothing
//! twice, and another instance carries on within seconds; a new tool is announced to the
//! listeners of every instance within a second; the cloud sees one listing per refresh and one
//! waiter's status checks per run, however many instances wait.
//!
//! Needs PostgreSQL (`BROWSER_TASKS_TEST_POSTGRES`, a URL whose user may create databases) and
//! `haproxy` on the PATH: `.ci/run` provides both. Without them it says so and skips, except
//! under CI, where it fails.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use browser_tasks_fakes::anchor::{FakeAnchor, GenerationScript, RunScript};
use rmcp::model::{CallToolRequestParams, CallToolResult, ProtocolVersion, SubscriptionFilter};
use rmcp::service::{ClientLifecycleMode, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientServiceExt, RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::harness::{
    BIN, KEY, Recorder, drain_stderr, served_address, structured, summary, wait_until,
};

const STATUS: &str = "GET /v1/task/{taskId}/executions/{executionId}";
const LISTING: &str = "GET /v1/task";
const START: &str = "POST /v1/task/run";
const REFRESH_SECONDS: u64 = 2;

/// What the fleet needs, or why it cannot run here.
fn requirements() -> Result<String, String> {
    let url = std::env::var("BROWSER_TASKS_TEST_POSTGRES").map_err(|_| {
        "set BROWSER_TASKS_TEST_POSTGRES to a PostgreSQL URL (or run .ci/run, which starts one)"
            .to_string()
    })?;
    which::which("haproxy")
        .map_err(|_| "install haproxy (apt-get install -y haproxy; .ci/run does)".to_string())?;
    Ok(url)
}

/// A fresh database on the server `url` names, for one test.
async fn fresh_database(url: &str) -> String {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test PostgreSQL");
    tokio::spawn(connection);
    let name = format!("fleet_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    let mut url = url::Url::parse(url).expect("a PostgreSQL URL");
    url.set_path(&name);
    url.to_string()
}

/// One instance of the server, serving HTTP on a port of its own.
struct Instance {
    name: &'static str,
    child: Child,
    address: String,
    stderr: Arc<Mutex<String>>,
}

impl Instance {
    async fn start(name: &'static str, fake: &FakeAnchor, catalog: &str) -> Self {
        let mut child = Command::new(BIN)
            .args(["--transport", "http", "--bind", "127.0.0.1:0"])
            .env_remove("ANCHORBROWSER_API_KEY")
            .env_remove("BROWSER_USE_API_KEY")
            .env("ANCHOR_API_KEY", KEY)
            .env("ANCHORBROWSER_BASE_URL", fake.url())
            .env("BROWSER_TASKS_CATALOG", catalog)
            .env("BROWSER_TASKS_REFRESH_SECONDS", REFRESH_SECONDS.to_string())
            // Changes must reach the other instances by the database's own push, not by
            // polling: polling is set slower than the promise.
            .env("BROWSER_TASKS_CATALOG_WATCH_MS", "60000")
            .env("BROWSER_TASKS_POLL_INITIAL_MS", "100")
            .env("BROWSER_TASKS_POLL_MAX_MS", "300")
            .env("BROWSER_TASKS_PROGRESS_INTERVAL_MS", "200")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start an instance");
        let stderr = drain_stderr(child.stderr.take().unwrap());
        let address = served_address(&stderr, &format!("instance {name}'s startup line")).await;
        Self {
            name,
            child,
            address,
            stderr,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/mcp", self.address)
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

/// HAProxy running the shipped configuration in front of three instances.
struct Balancer {
    _child: Child,
    url: String,
}

impl Balancer {
    async fn start(instances: &[Instance]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/fleet/haproxy.cfg");
        let child = Command::new("haproxy")
            .args(["-f", config, "-db"])
            .env("FLEET_BIND", format!("127.0.0.1:{port}"))
            .env("FLEET_A", &instances[0].address)
            .env("FLEET_B", &instances[1].address)
            .env("FLEET_C", &instances[2].address)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start haproxy");
        let balancer = Self {
            _child: child,
            url: format!("http://127.0.0.1:{port}/mcp"),
        };
        // Ready once HAProxy passes a request on to an instance.
        let health = format!("http://127.0.0.1:{port}/ready");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let answered = reqwest::get(&health)
                .await
                .is_ok_and(|r| r.status().is_success());
            if answered {
                break;
            }
            assert!(Instant::now() < deadline, "haproxy did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        balancer
    }
}

type Client = RunningService<RoleClient, Recorder>;

/// A 2026-07-28 client of `url` (no session: each request stands alone).
async fn client(url: &str) -> Client {
    Recorder::default()
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_uri(url.to_string()),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("discover the server")
}

async fn call(client: &Client, tool: &str, arguments: Value) -> Result<CallToolResult, String> {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object");
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(arguments))
        .await
        .map_err(|e| e.to_string())
}

fn succeeded(what: &str, result: &CallToolResult) {
    assert_ne!(result.is_error, Some(true), "{what}: {}", summary(result));
}

#[tokio::test]
async fn a_fleet_behind_haproxy_shares_runs_survives_kill_9_and_does_cloud_work_once() {
    let postgres = match requirements() {
        Ok(url) => url,
        Err(how) if std::env::var_os("CI").is_some() => {
            panic!("the fleet test must run in CI: {how}")
        }
        Err(how) => {
            eprintln!("skipped the fleet test: {how}");
            return;
        }
    };
    // rmcp's HTTP client builds a reqwest client; this build of reqwest needs a provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let catalog = fresh_database(&postgres).await;
    let fake = Arc::new(FakeAnchor::start(KEY).await.unwrap());
    let task = fake.seed_code_task("nightly-report", "export default async () => 1", 1);
    let run_for = Duration::from_secs(3);
    fake.set_default_run_script(RunScript::succeeding_with(json!({"rows": 3})).lasting(run_for));
    fake.set_default_generation_script(GenerationScript {
        generating_checks: 1,
        ..GenerationScript::default()
    });

    let mut instances = Vec::new();
    for name in ["a", "b", "c"] {
        instances.push(Instance::start(name, &fake, &catalog).await);
    }
    let balancer = Balancer::start(&instances).await;
    let through = client(&balancer.url).await;
    let mut direct = Vec::new();
    for instance in &instances {
        direct.push(client(&instance.url()).await);
    }

    // 1. One listing of the cloud per refresh, not one per instance (once each has made the
    // listing every instance makes when it starts).
    wait_until(
        || fake.count(LISTING) >= 3,
        "each instance's startup listing",
    )
    .await;
    let listings = fake.count(LISTING);
    let window = Duration::from_secs(3 * REFRESH_SECONDS);
    tokio::time::sleep(window).await;
    let listed = fake.count(LISTING) - listings;
    eprintln!(
        "fleet: {listed} listings of the cloud in {} s with 3 instances refreshing every {REFRESH_SECONDS} s",
        window.as_secs()
    );
    assert!(
        listed <= 4,
        "{listed} listings in {window:?}: every instance lists (one would list about 3 times)"
    );

    // 2. A run started through the balancer is known to every instance: each finds the code
    // run by its id alone (a code run's task is found in the catalog, or it must be named).
    let statuses = fake.count(STATUS);
    let alone = call(&through, "run_task", json!({"task_id": task}))
        .await
        .unwrap();
    succeeded("run_task through the balancer", &alone);
    let one_waiter = fake.count(STATUS) - statuses;
    let run_id = structured(&alone)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    for (instance, client) in instances.iter().zip(&direct) {
        let read = call(client, "get_execution", json!({"execution_id": run_id}))
            .await
            .unwrap();
        succeeded(
            &format!("get_execution on instance {}", instance.name),
            &read,
        );
        assert_eq!(
            structured(&read)["output"],
            json!({"rows": 3}),
            "{}",
            instance.name
        );
    }

    // 3. Three instances waiting on one run cost the cloud one waiter's status checks.
    let statuses = fake.count(STATUS);
    let runs_before = fake.run_ids();
    let starter = {
        let client = client(&instances[0].url()).await;
        let task = task.clone();
        tokio::spawn(async move { call(&client, "run_task", json!({"task_id": task})).await })
    };
    wait_until(
        || fake.run_ids().len() > runs_before.len(),
        "the shared run to start",
    )
    .await;
    let shared_run = fake
        .run_ids()
        .into_iter()
        .find(|id| !runs_before.contains(id))
        .unwrap();
    let followers: Vec<_> = direct[1..]
        .iter()
        .map(|client| {
            call(
                client,
                "get_execution",
                json!({"execution_id": shared_run, "wait_seconds": 30}),
            )
        })
        .collect();
    for result in futures::future::join_all(followers).await {
        let result = result.unwrap();
        succeeded("a follower's get_execution", &result);
        assert_eq!(structured(&result)["status"], "success");
    }
    succeeded("the starter's run_task", &starter.await.unwrap().unwrap());
    let three_waiters = fake.count(STATUS) - statuses;
    eprintln!(
        "fleet: status checks of a {}-s run: {one_waiter} with one instance waiting, {three_waiters} with three",
        run_for.as_secs()
    );
    assert!(
        three_waiters <= one_waiter + 2,
        "three instances waiting cost {three_waiters} status checks; one alone cost {one_waiter}"
    );

    // 4. A new tool is announced on every instance's listeners within a second of each other
    // (the instance that made it hears at once; the others by the database's push).
    let mut listeners = Vec::new();
    for (instance, client) in instances.iter().zip(&direct) {
        let mut subscription = client
            .listen(SubscriptionFilter::builder().tools_list_changed().build())
            .await
            .expect("subscriptions/listen");
        let name = instance.name;
        listeners.push(tokio::spawn(async move {
            let heard = tokio::time::timeout(Duration::from_secs(10), subscription.next())
                .await
                .unwrap_or_else(|_| panic!("instance {name} announced nothing within 10 s"))
                .expect("the stream");
            assert!(
                matches!(
                    heard,
                    Some(rmcp::model::ServerNotification::ToolListChangedNotification(_))
                ),
                "{heard:?}"
            );
            Instant::now()
        }));
    }
    let generated = call(
        &through,
        "generate_task",
        json!({"name": "fleet newcomer", "prompt": "Open example.com and return its title."}),
    )
    .await
    .unwrap();
    succeeded("generate_task through the balancer", &generated);
    let mut heard = Vec::new();
    for listener in listeners {
        heard.push(listener.await.unwrap());
    }
    let first = *heard.iter().min().unwrap();
    let spread = heard
        .iter()
        .map(|at| at.duration_since(first))
        .max()
        .unwrap();
    eprintln!(
        "fleet: tools/list_changed heard on all 3 instances within {} ms of each other",
        spread.as_millis()
    );
    assert!(
        spread <= Duration::from_secs(1),
        "list_changed spread over {spread:?}"
    );

    // 5. kill -9 of the instance waiting on a run: the run is not lost, not started twice,
    // and another instance carries on within seconds.
    fake.set_default_run_script(
        RunScript::succeeding_with(json!({"rows": 5})).lasting(Duration::from_secs(8)),
    );
    let starts = fake.count(START);
    let runs_before = fake.run_ids();
    let logs_before: Vec<usize> = instances.iter().map(|i| i.stderr().len()).collect();
    let doomed_call = {
        let client = client(&balancer.url).await;
        let task = task.clone();
        tokio::spawn(async move { call(&client, "run_task", json!({"task_id": task})).await })
    };
    wait_until(
        || fake.run_ids().len() > runs_before.len(),
        "the run to be killed to start",
    )
    .await;
    let long_run = fake
        .run_ids()
        .into_iter()
        .find(|id| !runs_before.contains(id))
        .unwrap();
    let waiting = (0..instances.len())
        .find(|&i| instances[i].stderr()[logs_before[i]..].contains("starting a run"))
        .expect("an instance started the run");
    // Killed once it waits in earnest: it has checked the run, so it holds the run's lease.
    let statuses_at_start = fake.count(STATUS);
    wait_until(
        || fake.count(STATUS) > statuses_at_start + 1,
        "the instance to check the run",
    )
    .await;
    let statuses_at_kill = fake.count(STATUS);
    let killed_at = Instant::now();
    instances[waiting].child.start_kill().unwrap();
    instances[waiting].child.wait().await.unwrap();
    eprintln!(
        "fleet: killed instance {} (kill -9) while it waited",
        instances[waiting].name
    );
    assert!(
        doomed_call.await.unwrap().is_err_or_error(),
        "the killed instance's call cannot have answered"
    );
    // The client asks again, through the balancer: another instance answers at once, and
    // takes over the waiting once the dead one's lease lapses.
    let resumed = call(
        &through,
        "get_execution",
        json!({"execution_id": long_run, "wait_seconds": 60}),
    );
    let taken_over = async {
        wait_until(
            || fake.count(STATUS) > statuses_at_kill,
            "another instance checking the run",
        )
        .await;
        killed_at.elapsed()
    };
    let (resumed, took_over) = tokio::join!(resumed, taken_over);
    let resumed = resumed.unwrap();
    succeeded("get_execution after the kill", &resumed);
    assert_eq!(structured(&resumed)["output"], json!({"rows": 5}));
    assert_eq!(fake.count(START) - starts, 1, "the run was started once");
    eprintln!(
        "fleet: another instance took over the run {} ms after the kill",
        took_over.as_millis()
    );
    assert!(
        took_over <= Duration::from_secs(5),
        "took over after {took_over:?}"
    );

    // 6. A session of an older protocol sticks to the instance that made it; when that
    // instance dies, another answers the session's next request with 404 and the client
    // starts a new session (as the spec says; rmcp's client does it on its own).
    let legacy = Recorder::default()
        .serve(StreamableHttpClientTransport::from_uri(
            balancer.url.clone(),
        ))
        .await
        .expect("initialize a 2025-11-25 session through the balancer");
    let tools = legacy.list_all_tools().await.unwrap().len();
    let mut holder = None;
    for (i, instance) in instances.iter().enumerate().filter(|(i, _)| *i != waiting) {
        let health: Value = reqwest::get(format!("http://{}/health", instance.address))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if health["session_handles"].as_u64().unwrap_or(0) > 0 {
            holder = Some(i);
        }
    }
    let holder = holder.expect("an instance holds the session");
    for _ in 0..3 {
        legacy.list_all_tools().await.unwrap();
    }
    // Stuck: every request went to the instance that made the session (one reaching another
    // would have been answered 404, and the client would have opened a session there).
    for (i, instance) in instances.iter().enumerate().filter(|(i, _)| *i != waiting) {
        let health: Value = reqwest::get(format!("http://{}/health", instance.address))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let expected = u64::from(i == holder);
        assert_eq!(
            health["session_handles"], expected,
            "instance {}",
            instance.name
        );
    }
    instances[holder].child.start_kill().unwrap();
    instances[holder].child.wait().await.unwrap();
    eprintln!(
        "fleet: killed instance {}, which held a 2025-11-25 session",
        instances[holder].name
    );
    let again = legacy
        .list_all_tools()
        .await
        .expect("the client starts a new session on the instance left");
    assert_eq!(again.len(), tools);
    let read = legacy
        .call_tool(
            CallToolRequestParams::new("get_execution").with_arguments(
                json!({"execution_id": long_run})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .unwrap();
    succeeded("get_execution in the new session", &read);
}

/// A killed instance's call ends in a transport error, or an error result; never a success.
trait EndedBadly {
    fn is_err_or_error(&self) -> bool;
}

impl EndedBadly for Result<CallToolResult, String> {
    fn is_err_or_error(&self) -> bool {
        match self {
            Err(_) => true,
            Ok(result) => result.is_error == Some(true),
        }
    }
}
