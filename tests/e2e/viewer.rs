//! The run viewer (an MCP App, `ui://browser-tasks/run`) in a real browser: headless Chromium
//! loads the test host page (`tests/viewer/host.html`), which embeds the viewer in a sandboxed
//! iframe and plays the host's part of the MCP Apps protocol against the real server over
//! Streamable HTTP, itself against the fake clouds. Each state is checked in the view's DOM
//! (never in pixels) and photographed into `target/viewer-screenshots/`:
//! a running Browser Use task with its live view, its completion with the output as a table
//! (and the same run opened from get_execution, 360 px wide, dark), a failed Anchor run, a
//! refused start with its hint, Stop ending a task in the fake, and a request for a person
//! answered through the form.
//!
//! Chromium comes from Debian's `chromium` package (`.ci/run` installs it where missing).
//! Without it the test says how to get it and passes, except under CI (`CI` set), where it
//! fails.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use browser_tasks_fakes::anchor::{FakeAnchor, Fault, GenerationScript, RunOutcome, RunScript};
use browser_tasks_fakes::browser_use::{AgentOutcome, AgentScript, FakeBrowserUse};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::{Value, json};

use crate::cdp::{Browser, Page, find_chromium};
use crate::harness::{BIN, BU_KEY, KEY, SpecGuard, in_process_config, structured};

const HOST_PAGE: &str = include_str!("../viewer/host.html");

/// How long any one state may take to show.
const WITHIN: Duration = Duration::from_secs(15);

/// The server over HTTP against both fakes, and the test host's origin in front of it.
struct Setup {
    anchor: Arc<FakeAnchor>,
    bu: Arc<FakeBrowserUse>,
    /// Where the server answers MCP (`…/mcp`).
    mcp: String,
    /// The test host's origin: its page, and `/mcp` forwarded to the server.
    origin: String,
    /// The settings the server runs with (for the binary's `view` on the same catalog).
    env: Vec<(String, String)>,
    _spec: SpecGuard,
    _catalog: tempfile::TempDir,
}

impl Setup {
    async fn start() -> Self {
        // reqwest is built without a TLS provider of its own (as the server is).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let anchor = Arc::new(FakeAnchor::start(KEY).await.expect("fake Anchor API"));
        let bu = Arc::new(
            FakeBrowserUse::start(BU_KEY)
                .await
                .expect("fake Browser Use API"),
        );
        let catalog_dir = tempfile::tempdir().expect("temp dir");
        let catalog = catalog_dir
            .path()
            .join("catalog.sqlite3")
            .display()
            .to_string();
        let env: Vec<(String, String)> = [
            ("ANCHORBROWSER_BASE_URL", anchor.url()),
            ("ANCHOR_API_KEY", KEY),
            ("BROWSER_USE_BASE_URL", bu.url()),
            ("BROWSER_USE_API_KEY", BU_KEY),
            ("BROWSER_TASKS_CATALOG", &catalog),
            ("BROWSER_TASKS_POLL_INITIAL_MS", "20"),
            ("BROWSER_TASKS_POLL_MAX_MS", "60"),
            ("BROWSER_TASKS_PROGRESS_INTERVAL_MS", "200"),
            // A call that outlasts this answers with the run still going, as a long run does.
            ("BROWSER_TASKS_WAIT_SECONDS", "2"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let config = in_process_config(&env);
        let server_env = env.clone();
        let http = config.http.clone();
        let (server, upkeep) = browser_tasks_mcp::build_server(config)
            .await
            .expect("server");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mcp = format!("http://{}/mcp", listener.local_addr().unwrap());
        let authentication =
            browser_tasks_mcp::http::authentication(&http, listener.local_addr().unwrap())
                .await
                .expect("no OAuth to discover");
        tokio::spawn(browser_tasks_mcp::serve_http(
            listener,
            server,
            http,
            authentication,
            upkeep,
            std::future::pending(),
        ));

        let front = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", front.local_addr().unwrap());
        let app = axum::Router::new()
            .route(
                "/host.html",
                axum::routing::get(|| async { Html(HOST_PAGE) }),
            )
            .route(
                "/mcp",
                axum::routing::post(forward)
                    .delete(forward)
                    .get(|| async { StatusCode::METHOD_NOT_ALLOWED }),
            )
            .with_state(Arc::new(Forward {
                client: reqwest::Client::new(),
                to: mcp.clone(),
            }));
        tokio::spawn(async move { axum::serve(front, app).await });
        let spec = SpecGuard::over(&anchor, Some(&bu));
        Self {
            anchor,
            bu,
            mcp,
            origin,
            env: server_env,
            _spec: spec,
            _catalog: catalog_dir,
        }
    }

    /// The host page showing `tool` called with `args`.
    fn host_url(&self, tool: &str, args: &Value, theme: &str) -> String {
        let encode = |s: &str| {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        };
        format!(
            "{}/host.html?tool={}&args={}&theme={theme}",
            self.origin,
            encode(tool),
            encode(&args.to_string())
        )
    }
}

/// `browser-tasks-mcp view ID` on the same catalog and clouds, and the URL it printed.
async fn spawn_view(s: &Setup, execution_id: &str) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(BIN)
        .args(["view", execution_id])
        .env_clear()
        .envs(s.env.iter().cloned())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start browser-tasks-mcp view");
    let stdout = child.stdout.take().expect("its stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("view prints its URL within 20 s")
        .expect("its stdout")
        .expect("a line");
    (child, url)
}

/// Call `tool` on the server as a plain MCP client would (to set a run up).
async fn call(s: &Setup, tool: &str, args: Value) -> rmcp::model::CallToolResult {
    let client =
        ().serve(StreamableHttpClientTransport::from_uri(s.mcp.clone()))
            .await
            .expect("a client");
    let result = client
        .call_tool(
            CallToolRequestParams::new(tool.to_string())
                .with_arguments(args.as_object().cloned().unwrap_or_default()),
        )
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    let _ = client.cancel().await;
    result
}

/// The test host's `/mcp`: each request forwarded to the server as it came (an answer's SSE
/// stream ends with the answer, so it is passed on whole).
struct Forward {
    client: reqwest::Client,
    to: String,
}

async fn forward(
    State(forward): State<Arc<Forward>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const PASSED: [&str; 5] = [
        "content-type",
        "accept",
        "mcp-session-id",
        "mcp-protocol-version",
        "last-event-id",
    ];
    let mut request = forward.client.request(method, &forward.to).body(body);
    for name in PASSED {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value.clone());
        }
    }
    match request.send().await {
        Ok(answer) => {
            let status = answer.status();
            let mut out = HeaderMap::new();
            for name in ["content-type", "mcp-session-id"] {
                if let Some(value) = answer.headers().get(name) {
                    out.insert(HeaderName::from_static(name), value.clone());
                }
            }
            let body = answer.bytes().await.unwrap_or_default();
            (status, out, body).into_response()
        }
        Err(error) => (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    }
}

fn screenshots() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("viewer-screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    dir
}

/// Evaluate in the view, as a string.
async fn view_text(page: &Page<'_>, expression: &str) -> String {
    match page.eval(expression, true).await {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

const STATE: &str = "document.getElementById('status').getAttribute('data-state')";

async fn wait_state(page: &Page<'_>, state: &str) {
    page.wait_for(
        &format!("the view in state {state}"),
        &format!("{STATE} === '{state}'"),
        true,
        WITHIN,
    )
    .await;
}

/// The host saw no error (a missing link, a bad resource, a failed proxy call).
async fn no_host_errors(page: &Page<'_>) {
    let errors = page.eval("JSON.stringify(window.host.errors)", false).await;
    assert_eq!(errors, json!("[]"));
}

/// The run resource the view shows.
async fn resource_of(page: &Page<'_>) -> String {
    view_text(page, "document.getElementById('resource').textContent").await
}

/// The link to the viewer: on `run_task`, `get_execution` and every task tool for a client
/// that declared the ui extension; on nothing for one that did not (its list is unchanged).
#[tokio::test]
async fn only_a_client_that_renders_apps_gets_the_link() {
    let s = Setup::start().await;
    s.anchor.seed_code_task("hello", "return 'hi';", 1);
    let mut capabilities = rmcp::model::ClientCapabilities::default();
    capabilities.extensions = Some(
        serde_json::from_value(json!({"io.modelcontextprotocol/ui":
            {"mimeTypes": ["text/html;profile=mcp-app"]}}))
        .unwrap(),
    );
    let host = rmcp::model::ClientConfig::new(
        capabilities,
        rmcp::model::Implementation::new("apps-host", "1"),
    )
    .serve(StreamableHttpClientTransport::from_uri(s.mcp.clone()))
    .await
    .expect("a host");
    let plain =
        ().serve(StreamableHttpClientTransport::from_uri(s.mcp.clone()))
            .await
            .expect("a plain client");
    let mut linked = Vec::new();
    for _ in 0..100 {
        let tools = host.list_all_tools().await.unwrap();
        linked = tools
            .iter()
            .filter(|t| {
                t.meta.as_ref().and_then(|m| m.0.get("ui"))
                    == Some(&json!({"resourceUri": "ui://browser-tasks/run"}))
            })
            .map(|t| t.name.to_string())
            .collect();
        if linked.contains(&"hello".to_string()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(linked, ["run_task", "get_execution", "hello"]);
    let tools = plain.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "hello"));
    assert!(tools.iter().all(|t| t.meta.is_none()), "{tools:#?}");
    let _ = host.cancel().await;
    let _ = plain.cancel().await;
}

/// `view`'s page and endpoint answer this machine's requests that carry the token, and pass
/// on only what the viewer needs.
#[tokio::test]
async fn the_view_command_serves_the_viewer_for_this_machine_only() {
    let s = Setup::start().await;
    s.anchor.seed_code_task("hello", "return 'hi';", 1);
    s.anchor.set_run_script(
        "hello",
        RunScript::succeeding_with(json!({"greeting": "hi"})),
    );
    let client =
        ().serve(StreamableHttpClientTransport::from_uri(s.mcp.clone()))
            .await
            .expect("a client");
    let run = client
        .call_tool(
            CallToolRequestParams::new("run_task").with_arguments(
                json!({"task_name": "hello", "wait_seconds": 10})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .expect("run_task");
    let execution_id = structured(&run)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    let _ = client.cancel().await;

    let (mut view, url) = spawn_view(&s, &execution_id).await;
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        url.ends_with(&format!("/?execution_id={execution_id}")),
        "{url}"
    );
    let base = url.split('?').next().unwrap().to_string();
    let http = reqwest::Client::new();
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("browser-tasks-mcp view")
    );
    // Another token, or a page of another host name (DNS rebinding), gets nothing.
    let other = base.replace(
        &base[base.len() - 33..base.len() - 1],
        "0123456789abcdef0123456789abcdef",
    );
    assert_eq!(http.get(&other).send().await.unwrap().status(), 404);
    let rebound = http
        .get(&url)
        .header("host", "attacker.example:80")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 404);

    let rpc = |method: &str, params: Value| {
        let http = http.clone();
        let at = format!("{base}rpc");
        let body = json!({"method": method, "params": params});
        async move {
            let answer = http.post(at).json(&body).send().await.unwrap();
            (
                answer.status().as_u16(),
                answer.json::<Value>().await.unwrap(),
            )
        }
    };
    let (status, read) = rpc("resources/read", json!({"uri": "ui://browser-tasks/run"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        read["result"]["contents"][0]["mimeType"],
        "text/html;profile=mcp-app"
    );
    let (_, got) = rpc(
        "tools/call",
        json!({"name": "get_execution", "arguments": {"execution_id": execution_id}}),
    )
    .await;
    assert_eq!(
        got["result"]["structuredContent"]["status"], "success",
        "{got}"
    );
    assert_eq!(
        got["result"]["structuredContent"]["output"],
        json!({"greeting": "hi"})
    );
    // Nothing the viewer does not do.
    let (status, refused) = rpc(
        "tools/call",
        json!({"name": "run_task", "arguments": {"task_name": "hello"}}),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(s.anchor.run_ids().len(), 1, "no second run");
    let (status, _) = rpc(
        "resources/read",
        json!({"uri": "browser-tasks://tasks/anchor/x"}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = rpc("prompts/list", json!({})).await;
    assert_eq!(status, 403);
    let _ = view.kill().await;
}

#[tokio::test]
async fn the_run_viewer_works_in_a_real_browser() {
    let Some(chromium) = find_chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing under CI: .ci/run installs Debian's chromium package"
        );
        eprintln!(
            "skipped the run viewer's browser test: no chromium here (apt-get install -y \
             chromium, then cargo test --test e2e viewer)"
        );
        return;
    };
    let started = std::time::Instant::now();
    let s = Setup::start().await;
    let shots = screenshots();
    let browser = Browser::start(&chromium).await;

    // 1. A Browser Use task, running: its inputs (the secret masked), status, elapsed time,
    //    step and the live view; then done, with its output as a table and its file.
    let posts = json!({"posts": [
        {"title": "Show HN: a run viewer", "points": 120, "by": "ada"},
        {"title": "Ask HN: testing apps in a browser", "points": 42, "by": "lin"},
    ]});
    s.bu.set_task_script(
        "List the top posts",
        AgentScript {
            started_checks: 3,
            min_duration: Duration::from_secs(3),
            outcome: AgentOutcome::Finished {
                output: Some(posts.to_string()),
                success: true,
            },
            output_files: vec!["posts.csv".into()],
        },
    );
    let args = json!({
        "task": "List the top posts",
        "structured_output": {"type": "object", "properties": {"posts": {"type": "array",
            "items": {"type": "object", "properties": {"title": {"type": "string"},
            "points": {"type": "integer"}, "by": {"type": "string"}}}}}},
        "secrets": {"news.example.com": "hunter2-very-secret"},
        "wait_seconds": 1,
    });
    let page = browser
        .open(&s.host_url("run_task", &args, "light"), 900, 900)
        .await;
    wait_state(&page, "running").await;
    page.wait_for(
        "the live view",
        "!!document.getElementById('live').getAttribute('src')",
        true,
        WITHIN,
    )
    .await;
    let live = view_text(&page, "document.getElementById('live').getAttribute('src')").await;
    assert!(
        live.starts_with("https://live.fake-browser-use.test/"),
        "{live}"
    );
    let shown = view_text(&page, "document.body.innerText").await;
    assert!(shown.contains("List the top posts"), "{shown}");
    assert!(shown.contains("elapsed"), "{shown}");
    assert!(shown.contains("••••••"), "the secret is masked: {shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert_eq!(
        view_text(&page, "String(document.getElementById('stop').hidden)").await,
        "false"
    );
    // The host applied the CSP the resource asked for: the live view's origin, nothing else.
    let csp = page.eval("window.host.csp", false).await;
    assert!(
        csp.as_str()
            .unwrap()
            .contains("frame-src https://live.browser-use.com;"),
        "{csp}"
    );
    page.screenshot(&shots.join("01-running-live-view.png"))
        .await;

    wait_state(&page, "succeeded").await;
    page.wait_for(
        "the output table",
        "document.querySelectorAll('#output table tbody tr').length === 2",
        true,
        WITHIN,
    )
    .await;
    let headers = view_text(
        &page,
        "[...document.querySelectorAll('#output th')].map(th => th.textContent).join(',')",
    )
    .await;
    // One column per key, in the order the record's keys arrive (the server's JSON has them
    // sorted).
    assert_eq!(headers, "by,points,title");
    assert!(
        view_text(&page, "document.getElementById('output').innerText")
            .await
            .contains("Show HN: a run viewer")
    );
    page.wait_for(
        "the file link",
        "document.getElementById('links').innerText.includes('posts.csv')",
        true,
        WITHIN,
    )
    .await;
    let resource = resource_of(&page).await;
    assert!(
        resource.starts_with("browser-tasks://runs/browser_use/"),
        "{resource}"
    );
    assert_eq!(
        view_text(
            &page,
            "String(document.getElementById('live-section').hidden)"
        )
        .await,
        "true",
        "no live view once the run is over"
    );
    // The view followed the run itself, through the host, with get_execution.
    let calls = page
        .eval(
            "JSON.stringify(window.host.calls.map(c => c.params.name || c.params.uri))",
            false,
        )
        .await;
    assert!(calls.as_str().unwrap().contains("get_execution"), "{calls}");
    // Opening the file goes through the host (ui/open-link).
    page.eval(
        "[...document.querySelectorAll('#links a')].find(a => a.textContent.includes('posts.csv')).click()",
        true,
    )
    .await;
    page.wait_for(
        "the file opened by the host",
        "window.host.openedLinks.some(u => u.startsWith('https://files.fake-browser-use.test/'))",
        false,
        WITHIN,
    )
    .await;
    no_host_errors(&page).await;
    page.screenshot(&shots.join("02-succeeded-output-table.png"))
        .await;

    // 2. A run opened from get_execution, 360 px wide, in the host's dark theme. (Another
    //    run like the first, without secrets: the server keeps no output of a run given
    //    secrets, so a later look at that one shows none.)
    s.bu.set_task_script(
        "List the top posts again",
        AgentScript {
            started_checks: 1,
            min_duration: Duration::ZERO,
            outcome: AgentOutcome::Finished {
                output: Some(posts.to_string()),
                success: true,
            },
            output_files: vec!["posts.csv".into()],
        },
    );
    let mut again = args.clone();
    again["task"] = json!("List the top posts again");
    again["wait_seconds"] = json!(10);
    again.as_object_mut().unwrap().remove("secrets");
    let done = call(&s, "run_task", again).await;
    assert_eq!(structured(&done)["status"], "finished", "{done:?}");
    let execution_id = structured(&done)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = browser
        .open(
            &s.host_url(
                "get_execution",
                &json!({"execution_id": execution_id}),
                "dark",
            ),
            360,
            800,
        )
        .await;
    wait_state(&page, "succeeded").await;
    page.wait_for(
        "the output table",
        "document.querySelectorAll('#output table tbody tr').length === 2",
        true,
        WITHIN,
    )
    .await;
    assert_eq!(
        view_text(&page, "document.documentElement.getAttribute('data-theme')").await,
        "dark"
    );
    let overflow = page
        .eval(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth",
            true,
        )
        .await;
    assert_eq!(
        overflow,
        json!(true),
        "nothing wider than 360 px but the table's own scroller"
    );
    page.screenshot(&shots.join("03-get-execution-360px-dark.png"))
        .await;

    // 3. An Anchor run that fails: its status and error.
    s.anchor
        .seed_code_task("price-watch", "await page.goto('https://example.com');", 1);
    s.anchor.set_run_script(
        "price-watch",
        RunScript::ending(RunOutcome::Failure(
            "Timed out waiting for selector #price".into(),
        )),
    );
    let page = browser
        .open(
            &s.host_url(
                "run_task",
                &json!({"task_name": "price-watch", "wait_seconds": 10}),
                "light",
            ),
            900,
            700,
        )
        .await;
    wait_state(&page, "failed").await;
    assert!(
        view_text(&page, "document.getElementById('error').textContent")
            .await
            .contains("Timed out waiting for selector #price")
    );
    page.screenshot(&shots.join("04-failed-run.png")).await;

    // 4. A start the cloud refuses: the error and its hint.
    s.anchor.inject(Fault::status(
        "POST /v1/task/run/{taskName}",
        402,
        r#"{"error": {"code": 402, "message": "Insufficient credits"}}"#,
    ));
    let page = browser
        .open(
            &s.host_url("run_task", &json!({"task_name": "price-watch"}), "light"),
            900,
            600,
        )
        .await;
    wait_state(&page, "failed").await;
    page.wait_for(
        "the hint",
        "document.getElementById('hint').textContent.startsWith('Hint: ')",
        true,
        WITHIN,
    )
    .await;
    let error = view_text(&page, "document.getElementById('error').textContent").await;
    assert!(error.contains("Insufficient credits"), "{error}");
    page.screenshot(&shots.join("05-refused-with-hint.png"))
        .await;

    // 5. Stop: a long task, stopped from the view, is stopped in the fake.
    s.bu.set_task_script(
        "Watch the prices all day",
        AgentScript::default().lasting(Duration::from_secs(120)),
    );
    let page = browser
        .open(
            &s.host_url(
                "run_task",
                &json!({"task": "Watch the prices all day", "wait_seconds": 1}),
                "light",
            ),
            900,
            900,
        )
        .await;
    wait_state(&page, "running").await;
    page.eval("document.getElementById('stop').click()", true)
        .await;
    wait_state(&page, "stopped").await;
    let stopped = page
        .eval(
            "window.host.calls.find(c => c.params.name === 'cancel_execution').params.arguments.execution_id",
            false,
        )
        .await;
    assert_eq!(
        s.bu.task_status(stopped.as_str().unwrap()).as_deref(),
        Some("stopped")
    );
    page.screenshot(&shots.join("06-stopped.png")).await;

    // 6. A request for a person, answered with the form (the host has no elicitation).
    s.anchor.set_default_generation_script(GenerationScript {
        generating_checks: 0,
        ..GenerationScript::default()
    });
    let setup =
        ().serve(StreamableHttpClientTransport::from_uri(s.mcp.clone()))
            .await
            .expect("a setup client");
    let generated = setup
        .call_tool(
            CallToolRequestParams::new("generate_task").with_arguments(
                json!({"name": "book-table", "prompt": "Book a table, asking how many seats.",
                       "human_intervention": true})
                .as_object()
                .unwrap()
                .clone(),
            ),
        )
        .await
        .expect("generate_task");
    let task_id = structured(&generated)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    let _ = setup.cancel().await;
    s.anchor.set_session_script(
        &task_id,
        Vec::new(),
        Some(
            json!({"requestId": "req-1", "message": "How many seats?", "inputType": "fields",
            "fields": [{"name": "seats", "label": "Seats", "type": "number", "required": true},
                       {"name": "email", "label": "Email", "type": "email"}]}),
        ),
    );
    s.anchor.set_run_script(
        &task_id,
        RunScript::succeeding_with(json!({"booked": true})),
    );
    // The task's own tool, which links the viewer as every task tool does.
    let page = browser
        .open(&s.host_url("book_table", &json!({}), "light"), 900, 900)
        .await;
    wait_state(&page, "running").await;
    page.wait_for(
        "the form",
        "!document.getElementById('person-section').hidden && !!document.getElementById('answer-seats')",
        true,
        WITHIN,
    )
    .await;
    assert!(
        view_text(
            &page,
            "document.getElementById('person-message').textContent"
        )
        .await
        .contains("How many seats?")
    );
    assert_eq!(
        view_text(&page, "document.getElementById('answer-seats').type").await,
        "number"
    );
    assert_eq!(
        view_text(
            &page,
            "document.querySelector('label[for=answer-seats]').textContent"
        )
        .await,
        "Seats"
    );
    page.eval(
        "document.getElementById('answer-seats').value = '2'; document.getElementById('answer-seats').dispatchEvent(new Event('input', {bubbles: true})); true",
        true,
    )
    .await;
    page.screenshot(&shots.join("07-intervention-form.png"))
        .await;
    page.eval("document.getElementById('person-send').click()", true)
        .await;
    wait_state(&page, "succeeded").await;
    assert_eq!(
        s.anchor.intervention_answers(),
        vec![("req-1".to_string(), json!({"seats": 2}))]
    );
    assert!(
        view_text(&page, "document.getElementById('output').innerText")
            .await
            .contains("\"booked\": true")
    );
    no_host_errors(&page).await;
    page.screenshot(&shots.join("08-intervention-answered.png"))
        .await;

    // 7. The same viewer outside an AI client: `browser-tasks-mcp view ID` and its host shim,
    //    following a code run started without waiting until it ends.
    s.anchor.seed_code_task("hello", "return 'hi';", 1);
    s.anchor.set_run_script(
        "hello",
        RunScript::succeeding_with(json!([{"greeting": "hi", "to": "you"}]))
            .lasting(Duration::from_secs(2)),
    );
    let client =
        ().serve(StreamableHttpClientTransport::from_uri(s.mcp.clone()))
            .await
            .expect("a client");
    let started_run = client
        .call_tool(
            CallToolRequestParams::new("run_task").with_arguments(
                json!({"task_name": "hello", "wait_seconds": 0})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .expect("run_task");
    let _ = client.cancel().await;
    assert_eq!(structured(&started_run)["finished"], json!(false));
    let run_id = structured(&started_run)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (mut view, url) = spawn_view(&s, &run_id).await;
    let page = browser.open(&url, 900, 700).await;
    wait_state(&page, "running").await;
    wait_state(&page, "succeeded").await;
    page.wait_for(
        "the output table",
        "document.querySelectorAll('#output table tbody tr').length === 1",
        true,
        WITHIN,
    )
    .await;
    page.screenshot(&shots.join("09-view-command.png")).await;
    let _ = view.kill().await;

    browser.stop().await;
    eprintln!(
        "run viewer: 9 screenshots in {} ({:.1} s)",
        shots.display(),
        started.elapsed().as_secs_f64()
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}
