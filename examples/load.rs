//! Load benchmark of the HTTP transport: N concurrent Streamable HTTP sessions, each making M
//! tool calls, against the fake Anchor API on loopback.
//!
//! ```text
//! cargo build --release && cargo run --release --example load -- [SESSIONS] [CALLS]
//! ```
//!
//! It starts the fake in this process and the release server binary as a child process
//! (`target/release/browser-tasks-mcp`, or `BROWSER_TASKS_BIN`), then reports for `list_tasks`
//! (one API read per call) and `run_task` (start + status polls): calls per second, p50/p99
//! latency, the latency the server adds over calling the fake directly with the same client
//! library, and the server process's peak resident memory (Linux `VmHWM`).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use browser_tasks_fakes::anchor::{FakeAnchor, RunScript, SpecCheck};
use browser_tasks_mcp::cloud::HttpSettings;
use browser_tasks_mcp::providers::anchor::AnchorClient;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

const KEY: &str = "sk-load-test-key";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let sessions: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(16);
    let calls: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(50);
    let _ = rustls::crypto::ring::default_provider().install_default();

    let fake = Arc::new(FakeAnchor::start(KEY).await?);
    // The suite holds the fake to Anchor's spec; here it would only add its own work to the
    // latencies measured.
    fake.set_spec_check(SpecCheck::Off);
    for i in 0..5 {
        fake.seed_code_task(&format!("task-{i}"), "export default async () => 1", 1);
    }
    // Runs finish at their first status check.
    fake.set_default_run_script(RunScript {
        queued_checks: 0,
        running_checks: 0,
        min_duration: Duration::ZERO,
        outcome: browser_tasks_fakes::anchor::RunOutcome::Success(Some(json!({"ok": true}))),
    });
    let task_id = fake.seed_code_task("bench", "export default async () => 1", 1);

    let bin = match std::env::var("BROWSER_TASKS_BIN") {
        Ok(path) => path.into(),
        Err(_) => std::env::current_exe()?
            .parent()
            .and_then(|examples| examples.parent())
            .map(|dir| dir.join("browser-tasks-mcp"))
            .expect("the target directory"),
    };
    anyhow::ensure!(
        bin.exists(),
        "{} not found: run `cargo build --release` first (or set BROWSER_TASKS_BIN)",
        bin.display()
    );
    let mut server = tokio::process::Command::new(&bin)
        .args([
            "--transport",
            "http",
            "--bind",
            "127.0.0.1:0",
            "--catalog",
            ":memory:",
        ])
        .args(["--max-sessions", &(sessions + 8).to_string()])
        .env("ANCHOR_API_KEY", KEY)
        .env("ANCHORBROWSER_BASE_URL", fake.url())
        .env("BROWSER_TASKS_POLL_INITIAL_MS", "20")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let pid = server.id().expect("a pid");
    let mut lines = BufReader::new(server.stderr.take().expect("stderr")).lines();
    let base = loop {
        let line = lines.next_line().await?.expect("the startup line");
        if let Some(url) = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:") && w.ends_with("/mcp"))
        {
            break url.to_string();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    println!(
        "load: {sessions} sessions x {calls} calls each, against the fake Anchor API on loopback"
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>9}",
        "", "calls/s", "p50 ms", "p99 ms", "errors"
    );

    // The same read, straight to the fake, with the same client library and concurrency: a
    // client per session, so each call is a request the fake answers (one client shares
    // identical reads in flight, as the server's does).
    let direct = (0..sessions)
        .map(|_| AnchorClient::new(HttpSettings::new(fake.url(), KEY.to_string().into())))
        .collect::<Result<Vec<_>, _>>()?;
    let direct = Arc::new(direct);
    let baseline = measure(sessions, calls, move |session| {
        let direct = direct.clone();
        async move { direct[session].list_tasks(1, 20).await.is_ok() }
    })
    .await;
    baseline.print("fake API directly (list)");

    let clients = Arc::new(connect(&base, sessions).await?);
    let list = {
        let clients = clients.clone();
        measure(sessions, calls, move |session| {
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
    list.print("MCP list_tasks");
    let run = {
        let clients = clients.clone();
        let arguments = json!({"task_id": task_id})
            .as_object()
            .cloned()
            .unwrap_or_default();
        measure(sessions, calls, move |session| {
            let client = clients[session].clone();
            let arguments = arguments.clone();
            async move {
                client
                    .call_tool(CallToolRequestParams::new("run_task").with_arguments(arguments))
                    .await
                    .is_ok_and(|r| r.is_error != Some(true))
            }
        })
        .await
    };
    run.print("MCP run_task (20 ms poll)");
    println!(
        "server-added latency (list_tasks vs direct): p50 {:.2} ms, p99 {:.2} ms",
        list.percentile(50.0) - baseline.percentile(50.0),
        list.percentile(99.0) - baseline.percentile(99.0)
    );
    match peak_memory_kib(pid) {
        Some(kib) => println!("server peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("server peak memory: unavailable (no /proc)"),
    }
    drop(clients);
    server.kill().await.ok();
    Ok(())
}

type Client = rmcp::service::RunningService<rmcp::RoleClient, ()>;

async fn connect(base: &str, sessions: usize) -> anyhow::Result<Vec<Arc<Client>>> {
    let mut clients = Vec::with_capacity(sessions);
    for _ in 0..sessions {
        let client = ().serve(StreamableHttpClientTransport::from_uri(base.to_string())).await?;
        clients.push(Arc::new(client));
    }
    Ok(clients)
}

struct Measurement {
    latencies_ms: Vec<f64>,
    errors: usize,
    elapsed: Duration,
}

impl Measurement {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_ms.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * (self.latencies_ms.len() - 1) as f64).round() as usize;
        self.latencies_ms[rank.min(self.latencies_ms.len() - 1)]
    }

    fn print(&self, label: &str) {
        let total = self.latencies_ms.len() + self.errors;
        println!(
            "{label:<28} {:>9.0} {:>9.2} {:>9.2} {:>9}",
            total as f64 / self.elapsed.as_secs_f64(),
            self.percentile(50.0),
            self.percentile(99.0),
            self.errors
        );
    }
}

/// Run `calls` calls in each of `sessions` concurrent tasks; `call(session)` returns success.
async fn measure<F, Fut>(sessions: usize, calls: usize, call: F) -> Measurement
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..sessions)
        .map(|session| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(calls);
                let mut errors = 0;
                for _ in 0..calls {
                    let at = Instant::now();
                    if call(session).await {
                        latencies.push(at.elapsed().as_secs_f64() * 1000.0);
                    } else {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies_ms = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, failed) = task.await.unwrap_or_default();
        latencies_ms.extend(latencies);
        errors += failed;
    }
    latencies_ms.sort_by(f64::total_cmp);
    Measurement {
        latencies_ms,
        errors,
        elapsed: started.elapsed(),
    }
}

fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
