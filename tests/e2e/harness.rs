//! The test harness: a fake Anchor API (and, when asked, a fake Browser Use API) in this
//! process, the server pointed at them, and rmcp's client driving it, recording every progress
//! and list-changed notification.
//!
//! The server runs in this process by default, built with the library's API from the same
//! settings the binary would read and connected over an in-memory duplex (fast: no process,
//! no stdio). [`Options::binary`] spawns the real binary over stdio instead, for tests of the
//! process itself: what it writes to stderr (startup line, logs that must not hold secrets) and
//! catalogs shared between processes.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use browser_tasks_fakes::SpecChecked;
use browser_tasks_fakes::anchor::FakeAnchor;
use browser_tasks_fakes::browser_use::FakeBrowserUse;
use browser_tasks_mcp::config::{Cli, Config};
use clap::{CommandFactory, Parser};
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResponse, CallToolResult, ClientCapabilities,
    ClientConfig, ClientRequest, CreateTaskResult, DetailedTask, GetTaskParams, GetTaskResult,
    Implementation, ProgressNotificationParam, ProtocolVersion, Tool,
};
use rmcp::service::{
    ClientLifecycleMode, NotificationContext, PeerRequestOptions, RunningService, ServiceError,
};
use rmcp::transport::{ConfigureCommandExt, IntoTransport, TokioChildProcess};
use rmcp::{ClientHandler, ClientServiceExt, RoleClient, ServiceExt};
use serde_json::Value;
use tokio::io::AsyncReadExt;
use tokio::process::Command;
use tokio::task::JoinHandle;

pub const KEY: &str = "sk-test-4f1c9a7e-secret";
/// The Browser Use key the fake accepts.
pub const BU_KEY: &str = "bu-test-key-9d2f";
pub const BIN: &str = env!("CARGO_BIN_EXE_browser-tasks-mcp");

/// Records what the server sends besides responses.
#[derive(Clone, Default)]
pub struct Recorder {
    pub progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
    /// How many `notifications/tools/list_changed` arrived.
    pub list_changed: Arc<std::sync::atomic::AtomicUsize>,
    /// The protocol version to initialize with (`None`: 2025-11-25).
    pub protocol: Option<ProtocolVersion>,
    /// Declare elicitation and answer every request with this (recording each request).
    pub elicitation: Option<rmcp::model::ElicitResult>,
    pub elicited: Arc<Mutex<Vec<rmcp::model::ElicitRequestParams>>>,
    /// Declare the tasks extension (`io.modelcontextprotocol/tasks`).
    pub tasks: bool,
}

impl ClientHandler for Recorder {
    fn get_info(&self) -> ClientConfig {
        let mut capabilities = if self.tasks {
            ClientCapabilities::builder().enable_tasks().build()
        } else {
            ClientCapabilities::default()
        };
        if self.elicitation.is_some() {
            capabilities.elicitation = Some(rmcp::model::ElicitationCapability::default());
        }
        ClientConfig::new(
            capabilities,
            Implementation::new("browser-tasks-e2e", "0.0.0"),
        )
        .with_protocol_version(
            self.protocol
                .clone()
                .unwrap_or(ProtocolVersion::V_2025_11_25),
        )
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
    }

    async fn create_elicitation(
        &self,
        request: rmcp::model::ElicitRequestParams,
        _context: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, rmcp::ErrorData> {
        self.elicited.lock().unwrap().push(request);
        self.elicitation.clone().ok_or_else(|| {
            rmcp::ErrorData::method_not_found::<rmcp::model::ElicitationCreateRequestMethod>()
        })
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.list_changed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// How to start the server.
#[derive(Clone)]
pub struct Options {
    /// `None`: start without any provider key.
    pub key: Option<String>,
    pub env: Vec<(String, String)>,
    /// The catalog file (`None`: a fresh one of the harness's own).
    pub catalog: Option<std::path::PathBuf>,
    /// Configure Browser Use too, against this fake.
    pub browser_use: Option<Arc<FakeBrowserUse>>,
    /// The client's protocol version (`None`: 2025-11-25). A version without `initialize`
    /// (2026-07-28) connects with `server/discover` instead.
    pub protocol: Option<ProtocolVersion>,
    /// Spawn the real binary over stdio instead of serving in this process.
    pub binary: bool,
    /// The client declares elicitation and answers with this.
    pub elicitation: Option<rmcp::model::ElicitResult>,
    /// The client declares the tasks extension.
    pub tasks: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            key: Some(KEY.into()),
            env: vec![
                // Fast polling so lifecycles of a few checks take milliseconds.
                ("BROWSER_TASKS_POLL_INITIAL_MS".into(), "20".into()),
                ("BROWSER_TASKS_POLL_MAX_MS".into(), "60".into()),
                ("BROWSER_TASKS_PROGRESS_INTERVAL_MS".into(), "200".into()),
                ("BROWSER_TASKS_WAIT_SECONDS".into(), "20".into()),
                ("BROWSER_TASKS_CATALOG_WATCH_MS".into(), "100".into()),
            ],
            catalog: None,
            browser_use: None,
            protocol: None,
            binary: false,
            elicitation: None,
            tasks: false,
        }
    }
}

impl Options {
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn without_key(mut self) -> Self {
        self.key = None;
        self
    }

    /// Configure Browser Use as well, against `fake`.
    pub fn browser_use(mut self, fake: Arc<FakeBrowserUse>) -> Self {
        self.browser_use = Some(fake);
        self
    }

    /// Connect with this protocol version.
    pub fn protocol(mut self, version: ProtocolVersion) -> Self {
        self.protocol = Some(version);
        self
    }

    /// Run the real binary over stdio: for tests of what the process writes to stderr, and of
    /// catalogs shared between processes.
    pub fn binary(mut self) -> Self {
        self.binary = true;
        self
    }

    /// The settings the server reads from its environment: provider keys and base URLs, the
    /// catalog, and `env`.
    fn server_env(&self, anchor_url: &str, catalog: &std::path::Path) -> Vec<(String, String)> {
        let mut vars = vec![
            ("ANCHORBROWSER_BASE_URL".to_string(), anchor_url.to_string()),
            (
                "BROWSER_TASKS_CATALOG".to_string(),
                catalog.display().to_string(),
            ),
        ];
        if let Some(key) = &self.key {
            vars.push(("ANCHOR_API_KEY".into(), key.clone()));
        }
        if let Some(bu) = &self.browser_use {
            vars.push(("BROWSER_USE_API_KEY".into(), BU_KEY.into()));
            vars.push(("BROWSER_USE_BASE_URL".into(), bu.url().to_string()));
        }
        vars.extend(self.env.iter().cloned());
        vars
    }

    /// The client declares the tasks extension: calls that start or wait on cloud work are
    /// answered as MCP tasks.
    pub fn tasks(mut self) -> Self {
        self.tasks = true;
        self
    }

    /// Use this catalog file (to restart on it, or share it between two servers).
    pub fn catalog(mut self, path: &std::path::Path) -> Self {
        self.catalog = Some(path.to_path_buf());
        self
    }
}

pub struct Harness {
    pub fake: Arc<FakeAnchor>,
    /// The fake Browser Use API, when the server is configured with it.
    pub browser_use: Option<Arc<FakeBrowserUse>>,
    /// The catalog file this server uses.
    pub catalog: std::path::PathBuf,
    _catalog_dir: Option<tempfile::TempDir>,
    pub client: RunningService<RoleClient, Recorder>,
    pub recorder: Recorder,
    /// The binary's stderr (`None` in process: there is no such stream to check).
    stderr: Option<Arc<Mutex<Vec<u8>>>>,
    /// The server serving in this process, if it does.
    in_process: Option<JoinHandle<Result<(), browser_tasks_mcp::ServeError>>>,
    tools: Vec<Tool>,
    /// Fails the test if a fake saw an exchange its vendor's spec does not describe.
    _spec: SpecGuard,
}

impl Harness {
    pub async fn start() -> Self {
        Self::with(Options::default()).await
    }

    /// A server with Browser Use only.
    pub async fn browser_use_only() -> Self {
        Self::with_browser_use(Options::default().without_key()).await
    }

    /// A server configured as `options` say, plus Browser Use against a fresh fake.
    pub async fn with_browser_use(options: Options) -> Self {
        let bu = FakeBrowserUse::start(BU_KEY)
            .await
            .expect("fake Browser Use API");
        Self::with(options.browser_use(Arc::new(bu))).await
    }

    /// The fake Browser Use API (the server must have been started with it).
    pub fn bu(&self) -> &FakeBrowserUse {
        self.browser_use
            .as_deref()
            .expect("this server was started without Browser Use")
    }

    pub async fn with(options: Options) -> Self {
        let fake = FakeAnchor::start(KEY).await.expect("fake Anchor API");
        Self::on(Arc::new(fake), options).await
    }

    /// Start a server against an existing fake (to restart, or run two side by side).
    pub async fn on(fake: Arc<FakeAnchor>, options: Options) -> Self {
        let url = fake.url().to_string();
        let (catalog, catalog_dir) = match &options.catalog {
            Some(path) => (path.clone(), None),
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                (dir.path().join("catalog.sqlite3"), Some(dir))
            }
        };
        let env = options.server_env(&url, &catalog);
        let recorder = Recorder {
            protocol: options.protocol.clone(),
            elicitation: options.elicitation.clone(),
            tasks: options.tasks,
            ..Recorder::default()
        };
        let (client, stderr, in_process) = if options.binary {
            let (transport, stderr) = spawn_binary(&env);
            let client = connect(&recorder, transport, &options.protocol).await;
            (client, Some(stderr), None)
        } else {
            let (server, upkeep) = browser_tasks_mcp::build_server(in_process_config(&env))
                .await
                .expect("build the server");
            let (client_end, server_end) = tokio::io::duplex(1 << 16);
            let serving = tokio::spawn(browser_tasks_mcp::serve_transport(
                server, upkeep, server_end,
            ));
            let client = connect(&recorder, client_end, &options.protocol).await;
            (client, None, Some(serving))
        };
        if options.key.is_some() {
            // The server lists the cloud's tasks at startup; let that land first so tests see
            // only their own requests after it.
            wait_until(|| fake.count("GET /v1/task") >= 1, "the startup listing").await;
        }
        if let Some(bu) = &options.browser_use {
            wait_until(|| bu.count("GET /skills") >= 1, "the startup skill listing").await;
        }
        let tools = client.list_all_tools().await.expect("tools/list");
        let spec = SpecGuard::over(&fake, options.browser_use.as_ref());
        Self {
            fake,
            browser_use: options.browser_use.clone(),
            catalog,
            _catalog_dir: catalog_dir,
            _spec: spec,
            client,
            recorder,
            stderr,
            in_process,
            tools,
        }
    }

    /// The tools as listed at startup.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    /// The tools as listed now.
    pub async fn list_tools(&self) -> Vec<Tool> {
        self.client.list_all_tools().await.expect("tools/list")
    }

    /// Stop the server (its client closes the connection) and hand back the fake, to restart
    /// on.
    pub async fn stop(self) -> Arc<FakeAnchor> {
        let Self {
            fake,
            client,
            in_process,
            ..
        } = self;
        client.cancel().await.expect("stop the client");
        if let Some(serving) = in_process {
            // Wait until it is gone (its catalog closed) before anything restarts on the file.
            tokio::time::timeout(Duration::from_secs(10), serving)
                .await
                .expect("the server stops when its client does")
                .expect("the server task")
                .expect("the server ends cleanly");
        }
        fake
    }

    /// How many list-changed notifications arrived so far.
    pub fn list_changes(&self) -> usize {
        self.recorder
            .list_changed
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Wait for more than `seen` list-changed notifications.
    pub async fn wait_for_list_change(&self, seen: usize) {
        wait_until(|| self.list_changes() > seen, "tools/list_changed").await;
    }

    /// Wait (up to 10 s) until a tool called `name` is listed, and return it.
    pub async fn wait_for_tool(&self, name: &str) -> Tool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(tool) = self.tool(name).await {
                return tool;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "tool {name} never listed"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The listed tool called `name`, if any.
    pub async fn tool(&self, name: &str) -> Option<Tool> {
        self.list_tools().await.into_iter().find(|t| t.name == name)
    }

    /// Call a tool; a protocol error fails the test.
    pub async fn call(&self, tool: &str, arguments: Value) -> CallToolResult {
        let result = self
            .try_call(tool, arguments)
            .await
            .unwrap_or_else(|e| panic!("{tool}: protocol error {e}"));
        // Task tools come and go: look the tool up in the current list.
        let tools = if self.tools.iter().any(|t| t.name == tool) {
            self.tools.clone()
        } else {
            self.list_tools().await
        };
        self.check_against_output_schema(&tools, tool, &result);
        result
    }

    /// Start a call that can be cancelled (with `handle.cancel(reason)`).
    pub async fn start_cancellable(
        &self,
        tool: &str,
        arguments: Value,
    ) -> rmcp::service::RequestHandle<RoleClient> {
        let arguments = match arguments {
            Value::Object(map) => map,
            other => panic!("arguments must be an object, got {other}"),
        };
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        self.client
            .send_cancellable_request(
                ClientRequest::CallToolRequest(CallToolRequest::new(params)),
                PeerRequestOptions::no_options(),
            )
            .await
            .expect("send the call")
    }

    pub async fn try_call(
        &self,
        tool: &str,
        arguments: Value,
    ) -> Result<CallToolResult, ServiceError> {
        let arguments = match arguments {
            Value::Object(map) => map,
            other => panic!("arguments must be an object, got {other}"),
        };
        self.client
            .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(arguments))
            .await
    }

    /// A successful result's structured content must match the tool's output schema.
    fn check_against_output_schema(&self, tools: &[Tool], tool: &str, result: &CallToolResult) {
        if result.is_error == Some(true) {
            return;
        }
        let Some(schema) = tools
            .iter()
            .find(|t| t.name == tool)
            .and_then(|t| t.output_schema.clone())
        else {
            return;
        };
        let structured = result
            .structured_content
            .as_ref()
            .unwrap_or_else(|| panic!("{tool}: no structuredContent"));
        let schema = Value::Object((*schema).clone());
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(structured)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{tool}: structuredContent breaks its outputSchema: {errors:?}\n{structured:#}"
        );
    }

    /// Everything the server wrote to stderr so far (a server started with
    /// [`Options::binary`] only).
    pub fn stderr(&self) -> String {
        let stderr = self
            .stderr
            .as_ref()
            .expect("stderr is the binary's: start this server with Options::binary()");
        String::from_utf8_lossy(&stderr.lock().unwrap()).into_owned()
    }

    /// Wait until stderr contains `needle` (the reader drains the pipe in the background).
    pub async fn stderr_containing(&self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.stderr();
            if text.contains(needle) {
                return text;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "stderr never contained {needle:?}:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Call `tool` as a task (the client must declare the extension): its `CreateTaskResult`.
    pub async fn start_task(&self, tool: &str, arguments: Value) -> CreateTaskResult {
        let arguments = match arguments {
            Value::Object(map) => map,
            other => panic!("arguments must be an object, got {other}"),
        };
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        match self
            .client
            .call_tool_once(params)
            .await
            .expect("tools/call")
        {
            CallToolResponse::Task(created) => created,
            other => panic!("{tool}: not answered as a task: {other:?}"),
        }
    }

    /// `tasks/get`.
    pub async fn get_task(&self, task_id: &str) -> Result<GetTaskResult, ServiceError> {
        self.client
            .get_task(GetTaskParams::new(task_id.to_string()))
            .await
    }

    /// Poll `tasks/get` (at the `pollIntervalMs` it gives) until `done` holds, for up to 20 s;
    /// every state seen on the way, the last one satisfying `done`.
    pub async fn task_until(
        &self,
        task_id: &str,
        done: impl Fn(&DetailedTask) -> bool,
    ) -> Vec<DetailedTask> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        loop {
            let task = self.get_task(task_id).await.expect("tasks/get").task;
            let pause = task.task.poll_interval_ms.unwrap_or(100).min(500);
            let finished = done(&task);
            seen.push(task);
            if finished {
                return seen;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "task {task_id} never got there; last: {:?}",
                seen.last()
            );
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
    }

    /// Progress notifications received so far.
    pub fn progress(&self) -> Vec<ProgressNotificationParam> {
        self.recorder.progress.lock().unwrap().clone()
    }

    /// Wait until the fake has seen `count` requests on `route`.
    pub async fn wait_for_count(&self, route: &str, count: usize) {
        wait_until(|| self.fake.count(route) >= count, route).await;
    }

    /// How many requests the fake has received so far (to compare after a call).
    pub fn request_count(&self) -> usize {
        self.fake.requests().len()
    }
}

/// Fails the test when dropped (unless it is failing already) if one of its fakes saw a
/// request, or gave an answer, that its vendor's OpenAPI file does not describe: every
/// exchange with the fakes is held to the vendors' specs. A test that sends such a request
/// on purpose says so with the fake's `allow_off_spec_requests()`.
pub struct SpecGuard(Vec<Arc<dyn SpecChecked + Send + Sync>>);

impl SpecGuard {
    /// Guard the Anchor fake and, if given, the Browser Use one.
    pub fn over(anchor: &Arc<FakeAnchor>, browser_use: Option<&Arc<FakeBrowserUse>>) -> Self {
        let mut fakes: Vec<Arc<dyn SpecChecked + Send + Sync>> = vec![anchor.clone()];
        if let Some(bu) = browser_use {
            fakes.push(bu.clone());
        }
        Self(fakes)
    }

    /// Guard one fake.
    pub fn of<F: SpecChecked + Send + Sync + 'static>(fake: &Arc<F>) -> Self {
        Self(vec![fake.clone()])
    }
}

impl Drop for SpecGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let found: Vec<String> = self
            .0
            .iter()
            .flat_map(|fake| {
                let api = fake.api_name();
                fake.take_spec_violations()
                    .into_iter()
                    .map(move |v| format!("  {api} {v}"))
            })
            .collect();
        assert!(
            found.is_empty(),
            "exchanges the vendors' specs do not describe:\n{}",
            found.join("\n")
        );
    }
}

/// Spawn the real binary over stdio with exactly `env` for its settings (and `RUST_LOG=debug`),
/// draining its stderr into the returned buffer.
fn spawn_binary(env: &[(String, String)]) -> (TokioChildProcess, Arc<Mutex<Vec<u8>>>) {
    let command = Command::new(BIN).configure(|cmd| {
        cmd.env_remove("ANCHOR_API_KEY")
            .env_remove("ANCHORBROWSER_API_KEY")
            .env_remove("BROWSER_USE_API_KEY")
            .env("RUST_LOG", "debug");
        for (k, v) in env {
            cmd.env(k, v);
        }
    });
    let (transport, stderr_pipe) = TokioChildProcess::builder(command)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let stderr = Arc::new(Mutex::new(Vec::new()));
    if let Some(mut pipe) = stderr_pipe {
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buffer).await {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        });
    }
    (transport, stderr)
}

/// The configuration the binary would build from `env`, built here instead. Settings that are
/// flags become flags (clap would otherwise read this process's own environment, which parallel
/// tests share); keys and secrets are read from `env` alone. A setting the server would not
/// read fails the test rather than being silently dropped.
pub fn in_process_config(env: &[(String, String)]) -> Config {
    let vars: HashMap<String, String> = env.iter().cloned().collect();
    let mut used = std::collections::HashSet::new();
    let mut args = vec!["browser-tasks-mcp".to_string()];
    for arg in Cli::command().get_arguments() {
        let (Some(var), Some(long)) = (arg.get_env().and_then(|v| v.to_str()), arg.get_long())
        else {
            continue;
        };
        let Some(value) = vars.get(var) else {
            continue;
        };
        used.insert(var.to_string());
        if arg.get_action().takes_values() {
            args.push(format!("--{long}={value}"));
        } else if matches!(value.as_str(), "1" | "true" | "yes" | "on") {
            args.push(format!("--{long}"));
        }
    }
    let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("flags {args:?}: {e}"));
    let read = Mutex::new(std::collections::HashSet::new());
    let env_fn = |name: &str| {
        read.lock().unwrap().insert(name.to_string());
        vars.get(name).cloned()
    };
    let config = Config::from_cli(cli, env_fn, vars.clone())
        .unwrap_or_else(|e| panic!("configuration from {args:?}: {e}"));
    let read = read.into_inner().unwrap();
    // Secrets by naming rule are found by scanning every variable; logging is the binary's.
    let ignored: Vec<&String> = vars
        .keys()
        .filter(|var| !used.contains(*var) && !read.contains(*var))
        .filter(|var| !var.starts_with("BROWSER_TASKS_SECRET_") && var.as_str() != "RUST_LOG")
        .collect();
    assert!(
        ignored.is_empty(),
        "an in-process server would ignore {ignored:?}: use Options::binary()"
    );
    config
}

/// Connect rmcp's client over `transport`: `initialize` with `protocol` (default 2025-11-25),
/// or `server/discover` for a version without `initialize`.
async fn connect<T, E, A>(
    recorder: &Recorder,
    transport: T,
    protocol: &Option<ProtocolVersion>,
) -> RunningService<RoleClient, Recorder>
where
    T: IntoTransport<RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    match protocol {
        Some(version) if !version.has_initialize() => recorder
            .clone()
            .serve_with_lifecycle(
                transport,
                ClientLifecycleMode::Discover {
                    preferred_versions: vec![version.clone()],
                },
            )
            .await
            .expect("discover"),
        _ => recorder.clone().serve(transport).await.expect("initialize"),
    }
}

/// Drain a child's stderr, as text, into the returned buffer (for as long as the child writes).
pub fn drain_stderr(mut pipe: tokio::process::ChildStderr) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = text.clone();
    tokio::spawn(async move {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buffer).await {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    });
    text
}

/// The `host:port` an HTTP server's startup line on `stderr` says it serves `/mcp` at, once it
/// has said it.
pub async fn served_address(stderr: &Mutex<String>, what: &str) -> String {
    let found = || {
        let text = stderr.lock().unwrap().clone();
        text.split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:") && w.ends_with("/mcp"))
            .map(|w| {
                w.trim_start_matches("http://")
                    .trim_end_matches("/mcp")
                    .to_string()
            })
    };
    wait_until(|| found().is_some(), what).await;
    found().unwrap()
}

/// Poll `done` every 10 ms for up to 10 s.
pub async fn wait_until(done: impl Fn() -> bool, what: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The readable summary (first text block) of a result.
pub fn summary(result: &CallToolResult) -> String {
    result
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

/// The structured content of a result.
pub fn structured(result: &CallToolResult) -> Value {
    result
        .structured_content
        .clone()
        .expect("structuredContent")
}

pub fn is_error(result: &CallToolResult) -> bool {
    result.is_error == Some(true)
}
