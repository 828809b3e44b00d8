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

#[path = "support/http_server.rs"]
mod http_server;
#[path = "support/measure.rs"]
mod measure;

use std::sync::Arc;
use std::time::Duration;

use browser_tasks_fakes::anchor::{FakeAnchor, RunScript, SpecCheck};
use browser_tasks_mcp::cloud::HttpSettings;
use browser_tasks_mcp::providers::anchor::AnchorClient;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::json;

use self::measure::{Measurement, measure, peak_memory_kib};

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

    let mut command = tokio::process::Command::new(http_server::release_binary()?);
    command
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
        .env("RUST_LOG", "warn");
    let mut server = http_server::start(command).await?;
    let (pid, base) = (server.pid, server.url.clone());

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
    print(&baseline, "fake API directly (list)");

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
    print(&list, "MCP list_tasks");
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
    print(&run, "MCP run_task (20 ms poll)");
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
    server.child.kill().await.ok();
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

/// One line of the table: calls per second, p50 and p99 latency, errors.
fn print(measured: &Measurement, label: &str) {
    println!(
        "{label:<28} {:>9.0} {:>9.2} {:>9.2} {:>9}",
        measured.rate(),
        measured.percentile(50.0),
        measured.percentile(99.0),
        measured.errors
    );
}
