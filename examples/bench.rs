//! The project's benchmark: every figure issue 10 sets a target for, measured in one run, side
//! by side with a bare rmcp stdio server where a ratio is named.
//!
//! ```text
//! cargo run --release --example bench
//! cargo run --release --example bench -- start scale   # some sections only
//! ```
//!
//! It builds the release server and `examples/bare_rmcp.rs` (a bare rmcp echo server, the
//! floor for start time and memory) with the same cargo, starts the fake clouds in this
//! process, spawns the servers as child processes and drives them with raw JSON-RPC lines
//! (stdio) or rmcp's client (HTTP). Times are medians over repetitions, interleaved with the
//! floor they are compared with, so a busy machine slows both alike. It takes about a minute.
//!
//! Figures: the static tools' `tools/list` bytes and `instructions` (context budgets), one
//! task tool's bytes; `tools/list` with 1,000 task tools (time from the request written to the
//! whole response read, and its bytes); start → first `tools/list` answered and peak memory
//! (`VmHWM`) with both providers configured; poll lag (the fake cloud reporting a run's end →
//! the result read by the client) for runs of 1–30 s, and status requests of long runs; HTTP
//! `list_tasks` throughput and added latency at 16 sessions against calling the fake directly.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fleet.rs"]
mod fleet;
#[path = "support/http_server.rs"]
mod http_server;
#[path = "support/measure.rs"]
mod measure;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use browser_tasks_fakes::anchor::{FakeAnchor, RunOutcome, RunScript};
use browser_tasks_fakes::browser_use::{FakeBrowserUse, SkillScript};
use browser_tasks_mcp::cloud::HttpSettings;
use browser_tasks_mcp::mcp::static_tool_names;
use browser_tasks_mcp::providers::anchor::AnchorClient;
use browser_tasks_mcp::waiting::PollSchedule;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{Mutex, oneshot};

use self::measure::{measure, ms, peak_memory_kib, percentile};

const ANCHOR_KEY: &str = "sk-bench-anchor-key";
const BU_KEY: &str = "bu-bench-key";
/// A code task reading one optional input: the simplest task tool.
const ONE_PARAM_CODE: &str =
    "export default async () => ({ greeting: `hello ${process.env.ANCHOR_NAME ?? 'world'}` })";
/// Repetitions of a start (each of the server and of the bare floor).
const STARTS: usize = 15;
/// Timed `tools/list` requests with 1,000 task tools.
const LISTS: usize = 40;
/// Runs timed for poll lag, spread over 1–30 s.
const LAG_RUNS: usize = 24;
/// HTTP: sessions, calls per session, rounds.
const SESSIONS: usize = 16;
const CALLS: usize = 50;
const ROUNDS: usize = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let bins = build()?;
    let mut table = Table::default();
    println!("bench: server {}", bins.server.display());
    println!("bench: floor  {}", bins.bare.display());

    let anchor = Arc::new(FakeAnchor::start(ANCHOR_KEY).await?);
    let browser_use = Arc::new(FakeBrowserUse::start(BU_KEY).await?);
    anchor.seed_code_task("greet", ONE_PARAM_CODE, 1);
    for i in 0..3 {
        anchor.seed_code_task(&format!("task-{i}"), "export default async () => 1", 1);
    }
    browser_use.seed_skill("find products", SkillScript::default());
    browser_use.seed_skill("read prices", SkillScript::default());
    let clouds = Clouds {
        anchor: anchor.clone(),
        browser_use: browser_use.clone(),
    };

    // Sections to run (all by default): `context`, `start`, `scale`, `http`, `lag`, `fleet`
    // (which needs PostgreSQL: BROWSER_TASKS_TEST_POSTGRES).
    let only: Vec<String> = std::env::args().skip(1).collect();
    let runs = |section: &str| only.is_empty() || only.iter().any(|s| s == section);
    if runs("context") {
        sizes(&bins, &clouds, &mut table).await?;
    }
    if runs("start") {
        start_and_memory(&bins, &clouds, &mut table).await?;
    }
    if runs("scale") {
        thousand_tools(&bins, &mut table).await?;
    }
    if runs("http") {
        http(&bins, &clouds, &mut table).await?;
    }
    if runs("lag") {
        poll_lag(&bins, &mut table).await?;
    }
    if runs("fleet") {
        fleet::fleet(&bins, &mut table).await?;
    }

    table.print();
    Ok(())
}

// ---- building -----------------------------------------------------------------------------

struct Binaries {
    server: PathBuf,
    bare: PathBuf,
}

/// Build the release server and the bare rmcp floor with the cargo running this bench: the
/// server on its own, so it is the binary `cargo build --release` ships (built with an
/// example, it would get the dev-dependencies' features).
fn build() -> anyhow::Result<Binaries> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for target in [["--bin", "browser-tasks-mcp"], ["--example", "bare_rmcp"]] {
        let mut command = std::process::Command::new(&cargo);
        command.args(["build", "--release"]).args(target);
        // `cargo run` describes this package to the bench in CARGO_PKG_* and friends; some
        // build scripts (ring's) rebuild when those change, so the nested build must not see
        // them.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
                "CARGO_PRIMARY_",
            ]
            .iter()
            .any(|prefix| name.starts_with(prefix))
            {
                command.env_remove(name.as_ref());
            }
        }
        let status = command.status()?;
        anyhow::ensure!(status.success(), "building {} failed", target[1]);
    }
    let examples = std::env::current_exe()?
        .parent()
        .map(Path::to_path_buf)
        .expect("the examples directory");
    let release = examples.parent().expect("the release directory");
    Ok(Binaries {
        server: std::env::var("BROWSER_TASKS_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|_| release.join("browser-tasks-mcp")),
        bare: examples.join("bare_rmcp"),
    })
}

// ---- the table ----------------------------------------------------------------------------

#[derive(Default)]
struct Table {
    rows: Vec<Row>,
}

struct Row {
    figure: String,
    target: String,
    value: String,
    ratio: String,
    pass: Option<bool>,
}

impl Table {
    fn add(
        &mut self,
        figure: &str,
        target: &str,
        value: String,
        ratio: String,
        pass: Option<bool>,
    ) {
        let row = Row {
            figure: figure.into(),
            target: target.into(),
            value,
            ratio,
            pass,
        };
        println!(
            "  {}: {} (target {}){}",
            row.figure,
            row.value,
            row.target,
            if row.ratio.is_empty() {
                String::new()
            } else {
                format!(", ratio {}", row.ratio)
            }
        );
        self.rows.push(row);
    }

    fn print(&self) {
        println!();
        println!("| figure | target | value | ratio | pass |");
        println!("|---|---|---:|---:|---|");
        for row in &self.rows {
            let pass = match row.pass {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "-",
            };
            println!(
                "| {} | {} | {} | {} | {pass} |",
                row.figure, row.target, row.value, row.ratio
            );
        }
    }
}

// ---- a raw JSON-RPC client over a child's stdio -----------------------------------------

/// A response as read: the JSON, its size in bytes and when its last byte was read.
struct Reply {
    value: Value,
    bytes: usize,
    at: Instant,
}

type Pending = Arc<std::sync::Mutex<HashMap<u64, oneshot::Sender<Reply>>>>;

/// A server process spoken to in JSON-RPC lines over its stdin and stdout.
struct StdioServer {
    child: Child,
    pid: u32,
    stdin: Mutex<ChildStdin>,
    pending: Pending,
    next_id: AtomicU64,
    /// Every notification's method, with when it was read.
    notifications: Arc<std::sync::Mutex<Vec<(Instant, String)>>>,
}

impl StdioServer {
    fn spawn(bin: &Path, args: &[&str], env: &[(&str, String)]) -> anyhow::Result<Self> {
        let mut command = Command::new(bin);
        command
            .args(args)
            .env_remove("ANCHOR_API_KEY")
            .env_remove("ANCHORBROWSER_API_KEY")
            .env_remove("BROWSER_USE_API_KEY")
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn()?;
        let pid = child.id().expect("a pid");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let pending: Pending = Arc::default();
        let dispatch = pending.clone();
        let notifications: Arc<std::sync::Mutex<Vec<(Instant, String)>>> = Arc::default();
        let heard = notifications.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::with_capacity(1 << 20, stdout);
            let mut line = String::new();
            loop {
                line.clear();
                match lines.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let at = Instant::now();
                let Ok(value) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                let Some(id) = value.get("id").and_then(Value::as_u64) else {
                    if let Some(method) = value.get("method").and_then(Value::as_str) {
                        heard.lock().unwrap().push((at, method.to_string()));
                    }
                    continue;
                };
                if value.get("method").is_some() {
                    continue; // a request from the server: none expected
                }
                if let Some(sender) = dispatch.lock().unwrap().remove(&id) {
                    let _ = sender.send(Reply {
                        value,
                        bytes: line.trim_end().len(),
                        at,
                    });
                }
            }
        });
        Ok(Self {
            child,
            pid,
            stdin: Mutex::new(stdin),
            pending,
            next_id: AtomicU64::new(1),
            notifications,
        })
    }

    async fn write(&self, message: Value) -> anyhow::Result<()> {
        let mut line = serde_json::to_vec(&message)?;
        line.push(b'\n');
        let mut stdin = self.stdin.lock().await;
        stdin.write_all(&line).await?;
        stdin.flush().await?;
        Ok(())
    }

    /// Send a request; returns when it was written and the reply.
    async fn request(&self, method: &str, params: Value) -> anyhow::Result<(Instant, Reply)> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (sender, receiver) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, sender);
        let sent = Instant::now();
        self.write(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await?;
        let reply = tokio::time::timeout(Duration::from_secs(120), receiver)
            .await
            .map_err(|_| anyhow::anyhow!("{method}: no answer within 2 minutes"))??;
        if let Some(error) = reply.value.get("error") {
            anyhow::bail!("{method}: {error}");
        }
        Ok((sent, reply))
    }

    /// `initialize` and `notifications/initialized`; the initialize result.
    async fn initialize(&self) -> anyhow::Result<Value> {
        let (_, reply) = self
            .request(
                "initialize",
                json!({
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "bench", "version": "0"}
                }),
            )
            .await?;
        self.write(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await?;
        Ok(reply.value["result"].clone())
    }

    async fn list_tools(&self) -> anyhow::Result<(Instant, Reply)> {
        self.request("tools/list", json!({})).await
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

fn tools_of(reply: &Reply) -> Vec<Value> {
    reply.value["result"]["tools"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Compact JSON bytes of one value.
fn size_of(value: &Value) -> usize {
    serde_json::to_string(value).map(|s| s.len()).unwrap_or(0)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    percentile(values, 50.0)
}

async fn wait_until(what: &str, limit: Duration, done: impl Fn() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while !done() {
        anyhow::ensure!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

// ---- the servers under test ------------------------------------------------------------

struct Clouds {
    anchor: Arc<FakeAnchor>,
    browser_use: Arc<FakeBrowserUse>,
}

impl Clouds {
    /// The environment configuring the providers named.
    fn env(&self, anchor: bool, browser_use: bool) -> Vec<(&'static str, String)> {
        let mut env = Vec::new();
        if anchor {
            env.push(("ANCHOR_API_KEY", ANCHOR_KEY.to_string()));
            env.push(("ANCHORBROWSER_BASE_URL", self.anchor.url().to_string()));
        }
        if browser_use {
            env.push(("BROWSER_USE_API_KEY", BU_KEY.to_string()));
            env.push(("BROWSER_USE_BASE_URL", self.browser_use.url().to_string()));
        }
        env
    }

    /// Requests that list tasks, on both fakes.
    fn listings(&self) -> usize {
        self.anchor.count("GET /v1/task") + self.browser_use.count("GET /skills")
    }
}

// ---- 1. context: what the tools cost in bytes ------------------------------------------

async fn sizes(bins: &Binaries, clouds: &Clouds, table: &mut Table) -> anyhow::Result<()> {
    println!("context (static tools' bytes, compact JSON):");
    let mut both_sizes = Vec::new();
    for (label, anchor, browser_use, budget) in [
        ("both providers", true, true, 12_000),
        ("Anchor only", true, false, 8_000),
        ("Browser Use only", false, true, 8_000),
    ] {
        let server = StdioServer::spawn(
            &bins.server,
            &["--catalog", ":memory:"],
            &clouds.env(anchor, browser_use),
        )?;
        let info = server.initialize().await?;
        let (_, reply) = server.list_tools().await?;
        let tools = tools_of(&reply);
        let statics: Vec<&Value> = tools
            .iter()
            .filter(|t| static_tool_names().contains(&t["name"].as_str().unwrap_or_default()))
            .collect();
        let total: usize = statics.iter().map(|t| size_of(t)).sum();
        table.add(
            &format!("static tools, {label} (bytes)"),
            &format!("≤ {budget}"),
            format!("{total} ({} tools)", statics.len()),
            String::new(),
            Some(total <= budget),
        );
        if anchor && browser_use {
            let instructions = info["instructions"].as_str().unwrap_or_default().len();
            table.add(
                "instructions (bytes)",
                "≤ 2048",
                instructions.to_string(),
                String::new(),
                Some(instructions <= 2048),
            );
            both_sizes = statics
                .iter()
                .map(|t| {
                    (
                        t["name"].as_str().unwrap_or_default().to_string(),
                        size_of(t),
                    )
                })
                .collect();
        }
        if anchor && !browser_use {
            let task_tool = tools.iter().find(|t| t["name"] == "greet");
            let size = task_tool.map(size_of).unwrap_or(0);
            table.add(
                "task tool, one optional parameter, no declared outputs (bytes)",
                "≤ 600",
                if task_tool.is_some() {
                    size.to_string()
                } else {
                    "not listed".into()
                },
                String::new(),
                Some(task_tool.is_some() && size <= 600),
            );
        }
        server.stop().await;
    }
    println!("  each static tool, both providers:");
    for (name, size) in both_sizes {
        println!("    {name:<18} {size:>6} bytes");
    }
    Ok(())
}

// ---- 3. start and memory ------------------------------------------------------------------

/// Spawn, initialize and list the tools; the time from spawning to the list read.
async fn start_once(
    bin: &Path,
    args: &[&str],
    env: &[(&str, String)],
) -> anyhow::Result<(Duration, StdioServer)> {
    let started = Instant::now();
    let server = StdioServer::spawn(bin, args, env)?;
    server.initialize().await?;
    let (_, reply) = server.list_tools().await?;
    Ok((reply.at - started, server))
}

async fn start_and_memory(
    bins: &Binaries,
    clouds: &Clouds,
    table: &mut Table,
) -> anyhow::Result<()> {
    println!("start and memory ({STARTS} starts each, interleaved with the bare rmcp server):");
    let dir = tempfile::tempdir()?;
    let catalog = dir.path().join("catalog.sqlite3");
    let catalog = catalog.to_str().expect("a UTF-8 path").to_string();
    let args = ["--catalog", catalog.as_str()];
    let env = clouds.env(true, true);

    // A new catalog: the first tools/list waits (bounded) for the first listing of the clouds.
    let listed = clouds.listings();
    let (first, server) = start_once(&bins.server, &args, &env).await?;
    wait_until("the startup listing", Duration::from_secs(10), || {
        clouds.listings() >= listed + 2
    })
    .await?;
    server.stop().await;

    let (mut ours, mut bare, mut ours_kib, mut bare_kib) = (vec![], vec![], vec![], vec![]);
    for _ in 0..STARTS {
        let listed = clouds.listings();
        let (took, server) = start_once(&bins.server, &args, &env).await?;
        ours.push(ms(took));
        // Peak memory once the startup listing of both clouds is done too.
        wait_until("the startup listing", Duration::from_secs(10), || {
            clouds.listings() >= listed + 2
        })
        .await?;
        tokio::time::sleep(Duration::from_millis(150)).await;
        ours_kib.push(peak_memory_kib(server.pid).unwrap_or(0) as f64);
        server.stop().await;

        let (took, server) = start_once(&bins.bare, &[], &[]).await?;
        bare.push(ms(took));
        tokio::time::sleep(Duration::from_millis(50)).await;
        bare_kib.push(peak_memory_kib(server.pid).unwrap_or(0) as f64);
        server.stop().await;
    }
    let (ours, bare) = (median(&mut ours), median(&mut bare));
    let (ours_mib, bare_mib) = (
        median(&mut ours_kib) / 1024.0,
        median(&mut bare_kib) / 1024.0,
    );
    table.add(
        "start → first tools/list answered, both providers, known catalog (ms, p50)",
        "≤ 3× bare rmcp",
        format!("{ours:.2} (bare rmcp {bare:.2})"),
        format!("{:.2}×", ours / bare),
        Some(ours <= 3.0 * bare),
    );
    table.add(
        "start → first tools/list answered, new catalog, with the task tools (ms, one start)",
        "-",
        format!("{:.2}", ms(first)),
        format!("{:.2}×", ms(first) / bare),
        None,
    );
    table.add(
        "peak memory after tools/list and the startup listing, both providers (MiB, p50)",
        "≤ 12",
        format!("{ours_mib:.1} (bare rmcp {bare_mib:.1})"),
        format!("{:.2}×", ours_mib / bare_mib),
        Some(ours_mib <= 12.0),
    );
    Ok(())
}

// ---- 2. scale: 1,000 task tools -----------------------------------------------------------

async fn thousand_tools(bins: &Binaries, table: &mut Table) -> anyhow::Result<()> {
    println!("tools/list with 1,000 task tools ({LISTS} requests):");
    let fake = FakeAnchor::start(ANCHOR_KEY).await?;
    for i in 0..1000 {
        fake.seed_code_task(&format!("task-{i:04}"), ONE_PARAM_CODE, 1);
    }
    let dir = tempfile::tempdir()?;
    let catalog = dir.path().join("catalog.sqlite3");
    let catalog = catalog.to_str().expect("a UTF-8 path").to_string();
    let server = StdioServer::spawn(
        &bins.server,
        &["--catalog", &catalog, "--max-task-tools", "1000"],
        &[
            ("ANCHOR_API_KEY", ANCHOR_KEY.to_string()),
            ("ANCHORBROWSER_BASE_URL", fake.url().to_string()),
        ],
    )?;
    server.initialize().await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let statics = loop {
        let (_, reply) = server.list_tools().await?;
        let tools = tools_of(&reply);
        let statics = tools
            .iter()
            .filter(|t| static_tool_names().contains(&t["name"].as_str().unwrap_or_default()))
            .count();
        if tools.len() >= statics + 1000 {
            break statics;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {} task tools listed",
            tools.len() - statics
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut times = Vec::with_capacity(LISTS);
    let mut bytes = 0;
    for _ in 0..LISTS {
        let (sent, reply) = server.list_tools().await?;
        times.push(ms(reply.at - sent));
        bytes = reply.bytes;
        anyhow::ensure!(tools_of(&reply).len() == statics + 1000, "the list changed");
    }
    let p50 = median(&mut times);
    table.add(
        "tools/list, 1,000 task tools (ms, p50)",
        "≤ 10",
        format!("{p50:.2} (p90 {:.2})", percentile(&times, 90.0)),
        String::new(),
        Some(p50 <= 10.0),
    );
    table.add(
        "tools/list, 1,000 task tools (bytes)",
        "≤ 1,000,000",
        bytes.to_string(),
        String::new(),
        Some(bytes <= 1_000_000),
    );
    let kib = peak_memory_kib(server.pid).unwrap_or(0);
    table.add(
        "peak memory with 1,000 task tools (MiB)",
        "-",
        format!("{:.1}", kib as f64 / 1024.0),
        String::new(),
        None,
    );
    server.stop().await;
    Ok(())
}

// ---- 4. poll lag ----------------------------------------------------------------------------

async fn poll_lag(bins: &Binaries, table: &mut Table) -> anyhow::Result<()> {
    println!("poll lag ({LAG_RUNS} runs of 1–30 s, at once, default poll schedule):");
    let fake = FakeAnchor::start(ANCHOR_KEY).await?;
    // Durations spread over 1–30 s, their ends at every phase of a poll interval.
    let durations: Vec<Duration> = (0..LAG_RUNS)
        .map(|i| Duration::from_secs_f64(1.0 + 29.0 * i as f64 / (LAG_RUNS - 1) as f64))
        .collect();
    let mut ids = Vec::new();
    for (i, duration) in durations.iter().enumerate() {
        let id = fake.seed_code_task(&format!("lag-{i:02}"), "export default async () => 1", 1);
        let script = RunScript {
            queued_checks: 0,
            running_checks: 0,
            min_duration: *duration,
            outcome: RunOutcome::Success(Some(json!({"ok": true}))),
        };
        fake.set_run_script(&id, script);
        ids.push(id);
    }
    let server = Arc::new(StdioServer::spawn(
        &bins.server,
        &["--catalog", ":memory:"],
        &[
            ("ANCHOR_API_KEY", ANCHOR_KEY.to_string()),
            ("ANCHORBROWSER_BASE_URL", fake.url().to_string()),
        ],
    )?);
    server.initialize().await?;
    server.list_tools().await?;
    let status_route = "GET /v1/task/{taskId}/executions/{executionId}";
    let before = fake.count(status_route);
    let runs: Vec<_> = ids
        .iter()
        .zip(&durations)
        .map(|(id, duration)| {
            let server = server.clone();
            let (id, duration) = (id.clone(), *duration);
            tokio::spawn(async move {
                let (sent, reply) = server
                    .request(
                        "tools/call",
                        json!({"name": "run_task", "arguments": {"task_id": id, "wait_seconds": 60}}),
                    )
                    .await?;
                let result = &reply.value["result"];
                anyhow::ensure!(
                    result["isError"] != json!(true)
                        && result["structuredContent"]["finished"] == json!(true),
                    "run of {id} did not finish: {result}"
                );
                Ok::<f64, anyhow::Error>(ms(reply.at - sent) - ms(duration))
            })
        })
        .collect();
    let mut lags = Vec::new();
    for run in runs {
        lags.push(run.await??);
    }
    let checks = fake.count(status_route) - before;
    let p50 = median(&mut lags) / 1000.0;
    let max = lags.last().copied().unwrap_or(f64::NAN) / 1000.0;
    table.add(
        "poll lag, runs of 1–30 s (s, p50)",
        "≤ 0.5",
        format!("{p50:.3} (max {max:.3})"),
        String::new(),
        Some(p50 <= 0.5),
    );
    // What the schedule predicts for these runs, from their start.
    let schedule = PollSchedule::default();
    let predicted: usize = durations
        .iter()
        .map(|d| {
            schedule
                .check_ages(Duration::ZERO)
                .position(|age| age >= *d)
                .map_or(0, |n| n + 1)
        })
        .sum();
    table.add(
        "status requests of those runs (measured; schedule predicts)",
        "-",
        format!("{checks} (schedule: {predicted})"),
        String::new(),
        None,
    );
    for minutes in [4, 10] {
        let span = Duration::from_secs(60 * minutes);
        let count = schedule
            .check_ages(Duration::ZERO)
            .take_while(|age| *age <= span)
            .count();
        let per_second = count as f64 / span.as_secs_f64();
        table.add(
            &format!("status requests of a {minutes}-minute run (schedule, per s)"),
            "≤ 0.5",
            format!("{per_second:.3} ({count} requests)"),
            String::new(),
            Some(per_second <= 0.5),
        );
    }
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await;
    }
    Ok(())
}

// ---- 5. HTTP --------------------------------------------------------------------------------

type Client = rmcp::service::RunningService<rmcp::RoleClient, ()>;

/// A minimal MCP client over Streamable HTTP: one session, JSON-RPC posted with reqwest (the
/// library the direct path uses too), so the figure is what the server costs, not what an MCP
/// client library does on top (`examples/load.rs` measures through rmcp's client).
struct HttpSession {
    http: reqwest::Client,
    url: String,
    session: String,
    next_id: AtomicU64,
}

impl HttpSession {
    async fn open(http: reqwest::Client, url: &str) -> anyhow::Result<Self> {
        let response = http
            .post(url)
            .header("accept", "application/json, text/event-stream")
            .json(&json!({
                "jsonrpc": "2.0", "id": 0, "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "bench", "version": "0"}
                }
            }))
            .send()
            .await?;
        let session = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| anyhow::anyhow!("no mcp-session-id in {:?}", response.headers()))?;
        response.text().await?;
        let this = Self {
            http,
            url: url.to_string(),
            session,
            next_id: AtomicU64::new(1),
        };
        this.post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await?;
        Ok(this)
    }

    async fn post(&self, message: Value) -> anyhow::Result<String> {
        let response = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-session-id", &self.session)
            .header("mcp-protocol-version", "2025-06-18")
            .json(&message)
            .send()
            .await?;
        anyhow::ensure!(response.status().is_success(), "HTTP {}", response.status());
        Ok(response.text().await?)
    }

    /// Call a tool; whether it answered with a result that is no error.
    async fn call(&self, tool: &str) -> bool {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let message = json!({
            "jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": tool, "arguments": {}}
        });
        let Ok(body) = self.post(message).await else {
            return false;
        };
        // A JSON body, or an event stream whose data lines carry the response.
        let answer = std::iter::once(body.as_str())
            .chain(body.lines().filter_map(|l| l.strip_prefix("data:")))
            .filter_map(|text| serde_json::from_str::<Value>(text.trim()).ok())
            .find(|v| v["id"] == json!(id));
        answer.is_some_and(|v| v["result"].is_object() && v["result"]["isError"] != json!(true))
    }
}

async fn http(bins: &Binaries, clouds: &Clouds, table: &mut Table) -> anyhow::Result<()> {
    println!("HTTP list_tasks ({SESSIONS} sessions × {CALLS} calls, {ROUNDS} rounds):");
    let mut command = Command::new(&bins.server);
    command
        .args([
            "--transport",
            "http",
            "--bind",
            "127.0.0.1:0",
            "--catalog",
            ":memory:",
        ])
        .args(["--max-sessions", &(2 * SESSIONS + 8).to_string()])
        .env_remove("BROWSER_USE_API_KEY")
        .env_remove("RUST_LOG")
        .env("ANCHOR_API_KEY", ANCHOR_KEY)
        .env("ANCHORBROWSER_BASE_URL", clouds.anchor.url());
    let mut server = http_server::start(command).await?;
    let (pid, base) = (server.pid, server.url.clone());

    let http = reqwest::Client::new();
    let mut sessions = Vec::with_capacity(SESSIONS);
    for _ in 0..SESSIONS {
        sessions.push(Arc::new(HttpSession::open(http.clone(), &base).await?));
    }
    let sessions = Arc::new(sessions);
    // The direct path: the server's own client, one per session, so that each call is a
    // request the fake answers (one client shares identical reads in flight).
    let direct: Vec<AnchorClient> = (0..SESSIONS)
        .map(|_| {
            AnchorClient::new(HttpSettings::new(
                clouds.anchor.url(),
                ANCHOR_KEY.to_string().into(),
            ))
        })
        .collect::<Result<_, _>>()?;
    let direct = Arc::new(direct);
    let mut reached = Vec::new();
    // A warm-up of each path, not counted.
    let mut ratios = Vec::new();
    let (mut added_p50, mut added_p99) = (Vec::new(), Vec::new());
    let (mut direct_rates, mut mcp_rates) = (Vec::new(), Vec::new());
    let mut errors = 0;
    for round in 0..=ROUNDS {
        let baseline = {
            let direct = direct.clone();
            measure(SESSIONS, CALLS, move |session| {
                let direct = direct.clone();
                async move { direct[session].list_tasks(1, 20).await.is_ok() }
            })
            .await
        };
        let listed_before = clouds.anchor.count("GET /v1/task");
        let list = {
            let sessions = sessions.clone();
            measure(SESSIONS, CALLS, move |session| {
                let session = sessions[session].clone();
                async move { session.call("list_tasks").await }
            })
            .await
        };
        let requests = clouds.anchor.count("GET /v1/task") - listed_before;
        if round == 0 {
            continue;
        }
        reached.push(requests as f64);
        println!(
            "  round {round}: {requests} listing requests reached the fake for {} MCP calls",
            SESSIONS * CALLS
        );
        println!(
            "  round {round}: direct {:.0} calls/s (p50 {:.2}, p99 {:.2} ms); MCP list_tasks {:.0} calls/s (p50 {:.2}, p99 {:.2} ms)",
            baseline.rate(),
            baseline.percentile(50.0),
            baseline.percentile(99.0),
            list.rate(),
            list.percentile(50.0),
            list.percentile(99.0),
        );
        errors += baseline.errors + list.errors;
        direct_rates.push(baseline.rate());
        mcp_rates.push(list.rate());
        ratios.push(list.rate() / baseline.rate());
        added_p50.push(list.percentile(50.0) - baseline.percentile(50.0));
        added_p99.push(list.percentile(99.0) - baseline.percentile(99.0));
    }
    // The same calls through rmcp's client, for comparison with `examples/load.rs`.
    let mut clients: Vec<Arc<Client>> = Vec::with_capacity(SESSIONS);
    for _ in 0..SESSIONS {
        let client = ().serve(StreamableHttpClientTransport::from_uri(base.clone())).await?;
        clients.push(Arc::new(client));
    }
    let clients = Arc::new(clients);
    let through_rmcp = {
        let clients = clients.clone();
        measure(SESSIONS, CALLS, move |session| {
            let client = clients[session].clone();
            async move {
                client
                    .call_tool(CallToolRequestParams::new("list_tasks"))
                    .await
                    .is_ok_and(|r| r.is_error != Some(true))
            }
        })
        .await
    };
    let ratio = median(&mut ratios);
    let (direct_rate, mcp_rate) = (median(&mut direct_rates), median(&mut mcp_rates));
    table.add(
        &format!("HTTP list_tasks throughput, {SESSIONS} sessions (calls/s, p50 of rounds)"),
        "≥ 0.4× the fake directly",
        format!("{mcp_rate:.0} (directly {direct_rate:.0}; errors {errors})"),
        format!("{ratio:.2}×"),
        Some(ratio >= 0.4 && errors == 0),
    );
    table.add(
        &format!(
            "HTTP list_tasks, requests reaching the fake per {} MCP calls (p50 of rounds)",
            SESSIONS * CALLS
        ),
        "-",
        format!("{:.0}", median(&mut reached)),
        String::new(),
        None,
    );
    let (p50, p99) = (median(&mut added_p50), median(&mut added_p99));
    table.add(
        "HTTP list_tasks, latency the server adds (ms, p99)",
        "≤ 5",
        format!("{p99:.2} (p50 {p50:.2})"),
        String::new(),
        Some(p99 <= 5.0),
    );
    table.add(
        "HTTP list_tasks through rmcp's client, one round (calls/s)",
        "-",
        format!(
            "{:.0} (p50 {:.2}, p99 {:.2} ms; errors {})",
            through_rmcp.rate(),
            through_rmcp.percentile(50.0),
            through_rmcp.percentile(99.0),
            through_rmcp.errors
        ),
        format!("{:.2}×", through_rmcp.rate() / direct_rate),
        None,
    );
    table.add(
        "HTTP server peak memory (MiB)",
        "-",
        format!("{:.1}", peak_memory_kib(pid).unwrap_or(0) as f64 / 1024.0),
        String::new(),
        None,
    );
    drop(clients);
    drop(sessions);
    server.child.kill().await.ok();
    Ok(())
}
