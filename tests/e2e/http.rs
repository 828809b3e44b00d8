//! The HTTP transports: Streamable HTTP through rmcp's client, the legacy HTTP+SSE transport
//! through a raw client, the security checks, session isolation, protocol versions, session
//! limits and graceful shutdown. The real binary serves on 127.0.0.1, port 0.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use browser_tasks_fakes::anchor::{FakeAnchor, RunScript};
use futures::StreamExt;
use rmcp::model::{CallToolRequest, CallToolRequestParams, ClientRequest};
use rmcp::service::{PeerRequestOptions, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::harness::{BIN, KEY, Recorder, SpecGuard, drain_stderr, served_address, wait_until};

const TOKEN: &str = "test-access-token-0123456789";

/// The server binary serving HTTP, and the fake it talks to.
pub struct HttpServer {
    pub base: String,
    pub fake: Arc<FakeAnchor>,
    _spec: SpecGuard,
    child: Child,
    stderr: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl HttpServer {
    pub async fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_on(Arc::new(FakeAnchor::start(KEY).await.unwrap()), args, env).await
    }

    async fn start_on(fake: Arc<FakeAnchor>, args: &[&str], env: &[(&str, &str)]) -> Self {
        // rmcp's HTTP client builds a reqwest client; this build of reqwest needs a provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new(BIN);
        command
            .args(["--transport", "http", "--bind", "127.0.0.1:0"])
            .args(args)
            .env_remove("ANCHOR_API_KEY")
            .env_remove("ANCHORBROWSER_API_KEY")
            .env_remove("BROWSER_USE_API_KEY")
            .env("ANCHOR_API_KEY", KEY)
            .env("ANCHORBROWSER_BASE_URL", fake.url())
            .env("BROWSER_TASKS_CATALOG", dir.path().join("catalog.sqlite3"))
            .env("BROWSER_TASKS_POLL_INITIAL_MS", "20")
            .env("BROWSER_TASKS_POLL_MAX_MS", "60")
            .env("BROWSER_TASKS_PROGRESS_INTERVAL_MS", "200")
            .env("BROWSER_TASKS_CATALOG_WATCH_MS", "100")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (key, value) in env {
            if value.is_empty() {
                command.env_remove(key);
            } else {
                command.env(key, value);
            }
        }
        let mut child = command.spawn().unwrap();
        let stderr = drain_stderr(child.stderr.take().unwrap());
        let address = served_address(&stderr, "the startup line").await;
        Self {
            base: format!("http://{address}"),
            _spec: SpecGuard::of(&fake),
            fake,
            child,
            stderr,
            _dir: dir,
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// An rmcp client over Streamable HTTP, with the access token and headers given.
    pub async fn client(
        &self,
        token: Option<&str>,
        headers: &[(&'static str, &str)],
    ) -> (RunningService<RoleClient, Recorder>, Recorder) {
        self.client_as(Recorder::default(), token, headers).await
    }

    /// [`Self::client`] with this recorder (what the client declares).
    async fn client_as(
        &self,
        recorder: Recorder,
        token: Option<&str>,
        headers: &[(&'static str, &str)],
    ) -> (RunningService<RoleClient, Recorder>, Recorder) {
        let mut config =
            StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", self.base));
        if let Some(token) = token {
            config = config.auth_header(token);
        }
        let custom = headers
            .iter()
            .map(|(k, v)| {
                (
                    axum::http::HeaderName::from_static(k),
                    axum::http::HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect();
        config = config.custom_headers(custom);
        let client = recorder
            .clone()
            .serve(StreamableHttpClientTransport::from_config(config))
            .await
            .expect("initialize over HTTP");
        (client, recorder)
    }

    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// Send SIGTERM.
    fn terminate(&self) {
        let pid = self.child.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

pub async fn call(
    client: &RunningService<RoleClient, Recorder>,
    tool: &str,
    arguments: Value,
) -> rmcp::model::CallToolResult {
    client
        .call_tool(
            CallToolRequestParams::new(tool.to_string())
                .with_arguments(arguments.as_object().unwrap().clone()),
        )
        .await
        .unwrap()
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"VERSION","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;

pub fn initialize(version: &str) -> String {
    INITIALIZE.replace("VERSION", version)
}

/// The JSON-RPC messages in an SSE (or plain JSON) response body.
pub fn messages(body: &str) -> Vec<Value> {
    if let Ok(value) = serde_json::from_str::<Value>(body) {
        return vec![value];
    }
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str(d.trim()).ok())
        .collect()
}

#[tokio::test]
async fn streamable_http_lists_runs_with_progress_notifies_and_cancels() {
    let server = HttpServer::start(&[], &[]).await;
    let (client, recorder) = server.client(None, &[]).await;
    assert_eq!(client.list_all_tools().await.unwrap().len(), 11);

    let task_id = server.fake.seed_code_task("slow", "x", 1);
    server.fake.set_run_script(
        &task_id,
        RunScript::succeeding_with(json!({"ok": 1})).lasting(Duration::from_millis(800)),
    );
    let result = call(&client, "run_task", json!({"task_id": task_id})).await;
    assert_eq!(
        result.structured_content.unwrap()["output"],
        json!({"ok": 1})
    );
    assert!(
        recorder.progress.lock().unwrap().len() >= 3,
        "progress over HTTP"
    );

    // list_changed arrives on the session's stream when a task becomes a tool.
    let seen = recorder
        .list_changed
        .load(std::sync::atomic::Ordering::SeqCst);
    call(
        &client,
        "generate_task",
        json!({"name": "fresh", "prompt": "Do a new thing."}),
    )
    .await;
    wait_until(
        || {
            recorder
                .list_changed
                .load(std::sync::atomic::Ordering::SeqCst)
                > seen
        },
        "list_changed over HTTP",
    )
    .await;
    assert_eq!(client.list_all_tools().await.unwrap().len(), 12);

    // Cancelling stops the polling.
    let endless = server.fake.seed_code_task("endless", "x", 1);
    server.fake.set_run_script(
        &endless,
        RunScript::default().lasting(Duration::from_secs(600)),
    );
    let status_route = "GET /v1/task/{taskId}/executions/{executionId}";
    let before = server.fake.count(status_route);
    let handle = client
        .send_cancellable_request(
            ClientRequest::CallToolRequest(CallToolRequest::new(
                CallToolRequestParams::new("run_task")
                    .with_arguments(json!({"task_id": endless}).as_object().unwrap().clone()),
            )),
            PeerRequestOptions::no_options(),
        )
        .await
        .unwrap();
    wait_until(|| server.fake.count(status_route) >= before + 3, "polling").await;
    handle.cancel(Some("enough".into())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after_cancel = server.fake.count(status_route);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        server.fake.count(status_route),
        after_cancel,
        "polled after cancel"
    );
}

#[tokio::test]
async fn legacy_sse_gives_an_endpoint_then_answers_with_progress() {
    let server = HttpServer::start(&[], &[]).await;
    let task_id = server.fake.seed_code_task("legacy", "x", 1);
    server.fake.set_run_script(
        &task_id,
        RunScript::succeeding_with(json!("done")).lasting(Duration::from_millis(500)),
    );
    let http = server.http();
    let stream = http
        .get(format!("{}/sse", server.base))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut events = stream.bytes_stream();
    let mut buffer = String::new();
    let mut next_event = async || -> (String, String) {
        loop {
            if let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let event = block
                    .lines()
                    .find_map(|l| l.strip_prefix("event:"))
                    .unwrap_or("message")
                    .trim()
                    .to_string();
                let data = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join("\n");
                if !data.is_empty() {
                    return (event, data);
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), events.next())
                .await
                .expect("an SSE event in time")
                .expect("the stream is open")
                .unwrap();
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    let (kind, endpoint) = next_event().await;
    assert_eq!(kind, "endpoint");
    assert!(endpoint.starts_with("/message?sessionId="), "{endpoint}");
    let post = |body: String| {
        let url = format!("{}{endpoint}", server.base);
        let http = http.clone();
        async move {
            let response = http
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202);
        }
    };
    post(initialize("2024-11-05")).await;
    let (_, answer) = next_event().await;
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["result"]["protocolVersion"], "2024-11-05");
    post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string()).await;
    post(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "run_task", "arguments": {"task_id": task_id}, "_meta": {"progressToken": "t1"}}})
        .to_string(),
    )
    .await;
    let mut progress = 0;
    loop {
        let (_, data) = next_event().await;
        let message: Value = serde_json::from_str(&data).unwrap();
        if message["method"] == "notifications/progress" {
            assert_eq!(message["params"]["progressToken"], "t1");
            progress += 1;
        } else if message["id"] == 2 {
            assert_eq!(message["result"]["structuredContent"]["output"], "done");
            break;
        }
    }
    assert!(progress >= 2, "progress over legacy SSE");
    // A message for a session that does not exist.
    let missing = http
        .post(format!("{}/message?sessionId=nope", server.base))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(matches!(missing.status().as_u16(), 400 | 404));
}

#[tokio::test]
async fn access_token_host_origin_and_body_limits_are_enforced() {
    let server = HttpServer::start(
        &["--max-body-bytes", "2048"],
        &[("BROWSER_TASKS_ACCESS_TOKEN", TOKEN)],
    )
    .await;
    let http = server.http();
    let mcp = format!("{}/mcp", server.base);
    let post = |token: Option<&str>, extra: &[(&str, &str)], body: String| {
        let mut request = http
            .post(&mcp)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (k, v) in extra {
            request = request.header(*k, *v);
        }
        request.send()
    };
    let status = |r: reqwest::Response| r.status().as_u16();

    let missing = post(None, &[], initialize("2025-06-18")).await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        status(
            post(
                Some("wrong-token-0123456789"),
                &[],
                initialize("2025-06-18")
            )
            .await
            .unwrap()
        ),
        401
    );
    assert_eq!(
        status(
            post(
                Some(TOKEN),
                &[("host", "evil.example")],
                initialize("2025-06-18")
            )
            .await
            .unwrap()
        ),
        403
    );
    assert_eq!(
        status(
            post(
                Some(TOKEN),
                &[("origin", "http://evil.example")],
                initialize("2025-06-18")
            )
            .await
            .unwrap()
        ),
        403
    );
    let big =
        json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x".repeat(4096)}});
    assert_eq!(
        status(post(Some(TOKEN), &[], big.to_string()).await.unwrap()),
        413
    );
    // The legacy transport is guarded the same way.
    let sse = http
        .get(format!("{}/sse", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status(), 401);
    // Health answers without a token.
    let health: Value = http
        .get(format!("{}/health", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["catalog"], "ok");
    // So does readiness, for a load balancer.
    let ready = http
        .get(format!("{}/ready", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap(), json!({"ready": true}));
    // With the token, a real client works.
    let (client, _) = server.client(Some(TOKEN), &[]).await;
    assert_eq!(client.list_all_tools().await.unwrap().len(), 11);
    assert!(
        !server.stderr().contains(TOKEN),
        "the token reached the logs"
    );
}

#[tokio::test]
async fn a_public_bind_without_a_token_does_not_start() {
    let output = Command::new(BIN)
        .args([
            "--transport",
            "http",
            "--bind",
            "0.0.0.0:0",
            "--catalog",
            ":memory:",
        ])
        .env_remove("BROWSER_TASKS_ACCESS_TOKEN")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("BROWSER_TASKS_ACCESS_TOKEN"), "{stderr}");
}

#[tokio::test]
async fn concurrent_sessions_are_isolated() {
    let server = HttpServer::start(&[], &[]).await;
    let a_task = server.fake.seed_code_task("for-a", "x", 1);
    let b_task = server.fake.seed_code_task("for-b", "x", 1);
    for task in [&a_task, &b_task] {
        server.fake.set_run_script(
            task,
            RunScript::succeeding_with(json!(task)).lasting(Duration::from_millis(600)),
        );
    }
    let (a, a_seen) = server.client(None, &[]).await;
    let (b, b_seen) = server.client(None, &[]).await;
    let (ra, rb) = tokio::join!(
        call(&a, "run_task", json!({"task_id": a_task})),
        call(&b, "run_task", json!({"task_id": b_task})),
    );
    assert_eq!(ra.structured_content.unwrap()["output"], a_task.as_str());
    assert_eq!(rb.structured_content.unwrap()["output"], b_task.as_str());
    let messages = |r: &Recorder| -> Vec<String> {
        r.progress
            .lock()
            .unwrap()
            .iter()
            .filter_map(|p| p.message.clone())
            .collect()
    };
    let (pa, pb) = (messages(&a_seen), messages(&b_seen));
    assert!(!pa.is_empty() && !pb.is_empty());
    // Each session hears of its own run only (named by task id, or by name once the
    // background sync has listed the task).
    let own = |m: &String, id: &str, name: &str| m.contains(id) || m.contains(name);
    assert!(
        pa.iter()
            .all(|m| own(m, &a_task, "for-a") && !own(m, &b_task, "for-b")),
        "{pa:?}"
    );
    assert!(
        pb.iter()
            .all(|m| own(m, &b_task, "for-b") && !own(m, &a_task, "for-a")),
        "{pb:?}"
    );
}

#[tokio::test]
async fn sessions_bring_their_own_keys_and_stay_private() {
    // No server key at all: each session must bring one.
    let server = HttpServer::start(&["--per-request-keys"], &[("ANCHOR_API_KEY", "")]).await;
    assert!(
        server.stderr().contains("providers: per session"),
        "{}",
        server.stderr()
    );
    let (good, _) = server.client(None, &[("anchor-api-key", KEY)]).await;
    let (other, _) = server
        .client(None, &[("anchor-api-key", "sk-someone-else")])
        .await;
    let (none, _) = server.client(None, &[]).await;

    let listed = call(&good, "list_tasks", json!({})).await;
    assert_ne!(listed.is_error, Some(true), "{listed:?}");
    let rejected = call(&other, "list_tasks", json!({})).await;
    assert_eq!(rejected.is_error, Some(true));
    assert_eq!(
        rejected.structured_content.unwrap()["error"]["http_status"],
        401
    );
    let unconfigured = call(&none, "list_tasks", json!({})).await;
    assert_eq!(
        unconfigured.structured_content.unwrap()["error"]["kind"],
        "not_configured"
    );

    // What one session generates, another never sees.
    call(
        &good,
        "generate_task",
        json!({"name": "mine", "prompt": "Something private."}),
    )
    .await;
    wait_until_tools(&good, 12).await;
    assert_eq!(other.list_all_tools().await.unwrap().len(), 11);
    assert!(
        server.fake.requests().iter().any(|r| !r.authorized),
        "the other key reached the API as itself"
    );
    assert!(!server.stderr().contains(KEY));
}

#[tokio::test]
async fn a_session_brings_its_own_browser_use_key() {
    let bu = Arc::new(
        browser_tasks_fakes::browser_use::FakeBrowserUse::start(crate::harness::BU_KEY)
            .await
            .unwrap(),
    );
    let _bu_spec = SpecGuard::of(&bu);
    let server = HttpServer::start(
        &["--per-request-keys"],
        &[("ANCHOR_API_KEY", ""), ("BROWSER_USE_BASE_URL", bu.url())],
    )
    .await;
    let (with_bu, _) = server
        .client(None, &[("x-browser-use-api-key", crate::harness::BU_KEY)])
        .await;
    let (with_anchor, _) = server.client(None, &[("anchor-api-key", KEY)]).await;
    let names = |tools: Vec<rmcp::model::Tool>| -> Vec<String> {
        tools.into_iter().map(|t| t.name.to_string()).collect()
    };
    // Each session's tools fit the keys it brought.
    let bu_tools = names(with_bu.list_all_tools().await.unwrap());
    assert!(
        bu_tools.contains(&"cancel_execution".to_string()),
        "{bu_tools:?}"
    );
    assert!(
        !bu_tools.contains(&"create_task".to_string()),
        "{bu_tools:?}"
    );
    let anchor_tools = names(with_anchor.list_all_tools().await.unwrap());
    assert!(anchor_tools.contains(&"cancel_execution".to_string()));
    let result = call(&with_bu, "run_task", json!({"task": "Read the headline"})).await;
    assert_ne!(result.is_error, Some(true), "{result:?}");
    assert_eq!(
        result.structured_content.unwrap()["provider"],
        "browser_use"
    );
    assert!(bu.requests().iter().all(|r| r.authorized));
    assert!(!server.stderr().contains(crate::harness::BU_KEY));
}

async fn wait_until_tools(client: &RunningService<RoleClient, Recorder>, count: usize) {
    for _ in 0..100 {
        if client.list_all_tools().await.unwrap().len() == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never {count} tools");
}

#[tokio::test]
async fn every_protocol_version_with_an_initialize_works() {
    let server = HttpServer::start(&[], &[]).await;
    let http = server.http();
    for version in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
        let response = http
            .post(format!("{}/mcp", server.base))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(initialize(version))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{version}");
        let session = response.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_string();
        let answer = messages(&response.text().await.unwrap());
        assert_eq!(answer[0]["result"]["protocolVersion"], version);
        let send = |body: Value| {
            http.post(format!("{}/mcp", server.base))
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .header("mcp-session-id", &session)
                .header("mcp-protocol-version", version)
                .body(body.to_string())
                .send()
        };
        send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await
            .unwrap();
        let tools = send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
            .await
            .unwrap();
        let tools = messages(&tools.text().await.unwrap());
        assert_eq!(
            tools[0]["result"]["tools"].as_array().unwrap().len(),
            11,
            "{version}"
        );
    }
}

#[tokio::test]
async fn sessions_are_capped_and_idle_ones_reaped() {
    let server =
        HttpServer::start(&["--max-sessions", "1", "--session-idle-seconds", "1"], &[]).await;
    let http = server.http();
    let open = || {
        http.post(format!("{}/mcp", server.base))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(initialize("2025-06-18"))
            .send()
    };
    let first = open().await.unwrap();
    assert_eq!(first.status(), 200);
    let first_id = first.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    let refused = open().await.unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    // Idle for over a second: reaped, so another session fits.
    let health = || async {
        let health = http
            .get(format!("{}/health", server.base))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        (
            health["sessions"].as_u64().unwrap(),
            health["session_handles"].as_u64().unwrap(),
        )
    };
    assert_eq!(health().await, (1, 1));
    for _ in 0..60 {
        if health().await == (0, 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        health().await,
        (0, 0),
        "the idle session (or its handle) was not dropped"
    );
    // Dropped with everything it held: its id is unknown now.
    let stale = http
        .post(format!("{}/mcp", server.base))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &first_id)
        .body(r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 404);
    assert_eq!(open().await.unwrap().status(), 200);
}

#[tokio::test]
async fn bodies_that_are_not_json_rpc_get_json_rpc_errors() {
    let server = HttpServer::start(&[], &[]).await;
    let http = server.http();
    let send = |path: &str, body: &'static str| {
        http.post(format!("{}{path}", server.base))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body)
            .send()
    };
    for path in ["/mcp", "/message?sessionId=none"] {
        let garbled = send(path, "{\"jsonrpc\": \"2.0\", \"id\": 1,")
            .await
            .unwrap();
        assert_eq!(garbled.status(), 400, "{path}");
        let body: Value = garbled.json().await.unwrap();
        assert_eq!(body["jsonrpc"], "2.0", "{path}");
        assert_eq!(body["id"], Value::Null, "{path}");
        assert_eq!(body["error"]["code"], -32700, "{path}: {body}");

        let not_rpc = send(path, r#"{"id": 5, "method": "tools/list"}"#)
            .await
            .unwrap();
        assert_eq!(not_rpc.status(), 400, "{path}");
        let body: Value = not_rpc.json().await.unwrap();
        assert_eq!(body["id"], 5, "{path}");
        assert_eq!(body["error"]["code"], -32600, "{path}: {body}");
    }
    // The body check does not get in the way of a real session.
    let (client, _) = server.client(None, &[]).await;
    assert!(!client.list_all_tools().await.unwrap().is_empty());
}

#[tokio::test]
async fn shutdown_lets_calls_in_flight_finish() {
    let mut server = HttpServer::start(&["--shutdown-grace-seconds", "20"], &[]).await;
    let task_id = server.fake.seed_code_task("finishing", "x", 1);
    server.fake.set_run_script(
        &task_id,
        RunScript::succeeding_with(json!("finished")).lasting(Duration::from_millis(1500)),
    );
    let (client, recorder) = server.client(None, &[]).await;
    let running = tokio::spawn(async move {
        let result = call(&client, "run_task", json!({"task_id": task_id})).await;
        (result, client)
    });
    wait_until(
        || !recorder.progress.lock().unwrap().is_empty(),
        "the run to start",
    )
    .await;
    server.terminate();
    let outcome = tokio::time::timeout(Duration::from_secs(15), running).await;
    let Ok(outcome) = outcome else {
        panic!("the call did not finish; server said:\n{}", server.stderr());
    };
    let (result, _client) = outcome.unwrap();
    assert_eq!(result.structured_content.unwrap()["output"], "finished");
    let status = tokio::time::timeout(Duration::from_secs(20), server.child.wait())
        .await
        .expect("the server exits")
        .unwrap();
    assert!(status.success(), "{status}");
    assert!(
        server.stderr().contains("shutting down"),
        "{}",
        server.stderr()
    );
}

#[tokio::test]
async fn shutdown_after_the_grace_period_names_the_runs_still_going() {
    let mut server = HttpServer::start(&["--shutdown-grace-seconds", "1"], &[]).await;
    let task_id = server.fake.seed_code_task("forever", "x", 1);
    server.fake.set_run_script(
        &task_id,
        RunScript::default().lasting(Duration::from_secs(600)),
    );
    let (client, recorder) = server.client(None, &[]).await;
    let _running = tokio::spawn(async move {
        let _ = client
            .call_tool(
                CallToolRequestParams::new("run_task")
                    .with_arguments(json!({"task_id": task_id}).as_object().unwrap().clone()),
            )
            .await;
        client
    });
    wait_until(
        || !recorder.progress.lock().unwrap().is_empty(),
        "the run to start",
    )
    .await;
    let execution_id = {
        let message = recorder.progress.lock().unwrap()[0]
            .message
            .clone()
            .unwrap();
        message.split_whitespace().nth(1).unwrap().to_string()
    };
    server.terminate();
    let status = tokio::time::timeout(Duration::from_secs(20), server.child.wait())
        .await
        .expect("the server exits after the grace period")
        .unwrap();
    assert!(status.success(), "{status}");
    let stderr = server.stderr();
    assert!(
        stderr.contains("runs still going in the cloud") && stderr.contains(&execution_id),
        "{stderr}"
    );
}

/// What a 2026-07-28 client gets: it discovers the server (no initialize, no session) and
/// every tool works, progress included; `tools/list` carries caching hints and has the same
/// order every time; a `subscriptions/listen` stream carries `tools/list_changed` when a task
/// is created.
#[tokio::test]
async fn a_2026_07_28_client_discovers_and_calls_tools() {
    use rmcp::ClientServiceExt;
    use rmcp::model::ProtocolVersion;
    use rmcp::service::ClientLifecycleMode;

    let server = HttpServer::start(&[], &[]).await;
    let task_id = server.fake.seed_code_task("modern", "x", 1);
    // A second task, named to sort before the first: the list orders task tools by name.
    server.fake.seed_code_task("archive", "x", 1);
    server.fake.set_run_script(
        &task_id,
        RunScript::succeeding_with(json!(7)).lasting(Duration::from_millis(500)),
    );
    let recorder = Recorder::default();
    let client = recorder
        .clone()
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_uri(format!("{}/mcp", server.base)),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("discover");
    // The static tools (the seeded task's own tool too, once the startup listing saw it).
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    let static_tools: Vec<&String> = names
        .iter()
        .filter(|n| !["modern", "archive"].contains(&n.as_str()))
        .collect();
    assert_eq!(static_tools.len(), 11, "{names:?}");
    let result = call(&client, "run_task", json!({"task_id": task_id})).await;
    assert_eq!(result.structured_content.unwrap()["output"], 7);
    assert!(
        !recorder.progress.lock().unwrap().is_empty(),
        "progress for 2026-07-28 too"
    );

    // Caching hints, and one order however often it is asked (using a task reorders nothing).
    let listed = client.list_tools(None).await.unwrap();
    // (rmcp's client caches the answer and counts its freshness down.)
    assert!(
        listed.ttl_ms.is_some_and(|ttl| ttl > 0 && ttl <= 30_000),
        "{:?}",
        listed.ttl_ms
    );
    assert_eq!(listed.cache_scope, Some(rmcp::model::CacheScope::Public));
    // Asked again by another client (this one would answer from its cache): the same order,
    // the static tools first, then the task tools by name.
    let other = Recorder::default()
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_uri(format!("{}/mcp", server.base)),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("discover");
    let again = other.list_tools(None).await.unwrap();
    let order = |list: &rmcp::model::ListToolsResult| {
        list.tools
            .iter()
            .map(|t| t.name.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&listed), order(&again));
    let statics = browser_tasks_mcp::mcp::static_tool_names();
    let names = order(&again);
    let (head, tail) = names.split_at(statics.len().min(names.len()));
    assert!(
        head.iter().all(|name| statics.contains(&name.as_str())),
        "{head:?}"
    );
    assert_eq!(tail, ["archive", "modern"], "task tools by name");

    // A listener hears of a task that becomes a tool.
    let mut subscription = client
        .listen(
            rmcp::model::SubscriptionFilter::builder()
                .tools_list_changed()
                .build(),
        )
        .await
        .expect("subscriptions/listen");
    assert_eq!(subscription.acknowledged().tools_list_changed, Some(true));
    let created = call(
        &client,
        "generate_task",
        json!({"name": "newcomer", "prompt": "Open example.com and return its title."}),
    )
    .await;
    assert_ne!(created.is_error, Some(true), "{created:?}");
    let heard = tokio::time::timeout(Duration::from_secs(10), subscription.next())
        .await
        .expect("a list change within 10 s")
        .expect("the stream");
    assert!(
        matches!(
            heard,
            Some(rmcp::model::ServerNotification::ToolListChangedNotification(_))
        ),
        "{heard:?}"
    );
}

#[tokio::test]
async fn a_session_with_its_own_browser_use_key_lists_its_skills_from_the_start() {
    let bu = Arc::new(
        browser_tasks_fakes::browser_use::FakeBrowserUse::start(crate::harness::BU_KEY)
            .await
            .unwrap(),
    );
    let _bu_spec = SpecGuard::of(&bu);
    bu.seed_skill(
        "Docs search",
        browser_tasks_fakes::browser_use::SkillScript::default(),
    );
    let server = HttpServer::start(
        &["--per-request-keys"],
        &[("ANCHOR_API_KEY", ""), ("BROWSER_USE_BASE_URL", bu.url())],
    )
    .await;
    let (client, _) = server
        .client(None, &[("x-browser-use-api-key", crate::harness::BU_KEY)])
        .await;
    // The first tools/list, before any call: the account's skills are there.
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(names.contains(&"docs_search".to_string()), "{names:?}");
    assert_eq!(bu.count("GET /skills"), 1, "listed once for the session");
}

/// Call `tool` as a task; its id.
async fn start_task(
    client: &RunningService<RoleClient, Recorder>,
    tool: &str,
    args: Value,
) -> String {
    let params = CallToolRequestParams::new(tool.to_string())
        .with_arguments(args.as_object().unwrap().clone());
    match client.call_tool_once(params).await.unwrap() {
        rmcp::model::CallToolResponse::Task(created) => created.task.task_id,
        other => panic!("not a task: {other:?}"),
    }
}

#[tokio::test]
async fn a_task_belongs_to_its_caller_and_another_gets_not_found() {
    // No server key: each session brings its own, and owns the tasks it starts.
    let server = HttpServer::start(&["--per-request-keys"], &[("ANCHOR_API_KEY", "")]).await;
    let task = server.fake.seed_code_task("owned", "x", 1);
    server.fake.set_run_script(
        &task,
        RunScript::default().lasting(Duration::from_secs(600)),
    );
    let tasks = || Recorder {
        tasks: true,
        ..Recorder::default()
    };
    let (owner, _) = server
        .client_as(tasks(), None, &[("anchor-api-key", KEY)])
        .await;
    let (other, _) = server
        .client_as(tasks(), None, &[("anchor-api-key", "sk-someone-else")])
        .await;
    let id = start_task(&owner, "run_task", json!({"task_id": task})).await;
    async fn get(
        client: &RunningService<RoleClient, Recorder>,
        id: &str,
    ) -> Result<rmcp::model::GetTaskResult, rmcp::ServiceError> {
        client
            .get_task(rmcp::model::GetTaskParams::new(id.to_string()))
            .await
    }
    assert!(get(&owner, &id).await.is_ok());
    // Another caller: as for an id that does not exist, and nothing it can change.
    let refused = get(&other, &id).await.unwrap_err().to_string();
    assert!(refused.contains("unknown task"), "{refused}");
    let cancel = other
        .cancel_task(rmcp::model::CancelTaskParams::new(id.clone()))
        .await
        .unwrap_err()
        .to_string();
    assert!(cancel.contains("unknown task"), "{cancel}");
    let status = get(&owner, &id).await.unwrap().task.status();
    assert_eq!(status, rmcp::model::TaskStatus::Working);
    // The same key in another session is the same caller.
    let (again, _) = server
        .client_as(tasks(), None, &[("anchor-api-key", KEY)])
        .await;
    assert!(get(&again, &id).await.is_ok());
    owner
        .cancel_task(rmcp::model::CancelTaskParams::new(id.clone()))
        .await
        .unwrap();
    wait_until(
        || server.fake.count("DELETE /v1/sessions/{session_id}") == 1,
        "the run's session ended",
    )
    .await;
    // No key is kept with a task.
    assert!(!server.stderr().contains(KEY));
}

#[tokio::test]
async fn a_2026_07_28_client_runs_a_task_over_http_with_mcp_name() {
    use rmcp::ClientServiceExt;
    use rmcp::model::ProtocolVersion;
    use rmcp::service::ClientLifecycleMode;

    let server = HttpServer::start(&[], &[]).await;
    let task = server.fake.seed_code_task("stateless", "x", 1);
    server.fake.set_run_script(
        &task,
        RunScript::succeeding_with(json!(7)).lasting(Duration::from_millis(300)),
    );
    let recorder = Recorder {
        tasks: true,
        ..Recorder::default()
    };
    let client = recorder
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_uri(format!("{}/mcp", server.base)),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("discover");
    // Each request on its own: the task's id travels in Mcp-Name (rmcp's client sets it).
    let id = start_task(&client, "run_task", json!({"task_id": task})).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let result = loop {
        let got = client
            .get_task(rmcp::model::GetTaskParams::new(id.clone()))
            .await
            .unwrap();
        if let rmcp::model::TaskPayload::Completed { result } = got.task.payload {
            break result;
        }
        assert!(tokio::time::Instant::now() < deadline, "{:?}", got.task);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(result["structuredContent"]["output"], 7);

    // Without Mcp-Name, a 2026-07-28 tasks/get is refused before it reaches the server's
    // handler: a load balancer routes on that header.
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tasks/get",
        "params": {"taskId": id, "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}},
            "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}}}});
    let send = |name: Option<&str>| {
        let mut request = server
            .http()
            .post(format!("{}/mcp", server.base))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tasks/get")
            .body(body.to_string());
        if let Some(name) = name {
            request = request.header("mcp-name", name);
        }
        request.send()
    };
    let without = send(None).await.unwrap();
    assert_eq!(without.status(), 400);
    let text = without.text().await.unwrap();
    assert!(text.contains("Mcp-Name"), "{text}");
    let with = send(Some(&id)).await.unwrap();
    let status = with.status();
    let text = with.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    let answer = &messages(&text)[0];
    assert_eq!(answer["result"]["status"], "completed", "{answer}");
}
