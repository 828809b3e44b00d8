//! Memory benchmark of abandoned HTTP sessions: open many Streamable HTTP sessions, never close
//! them, and see whether the server lets go of them once they go idle.
//!
//! ```text
//! cargo build --release && cargo run --release --example sessions -- [SESSIONS]
//! ```
//!
//! It starts the release server binary (`target/release/browser-tasks-mcp`, or
//! `BROWSER_TASKS_BIN`) with a one-second idle timeout and the default session cap, measures
//! its resident memory once warm, then opens SESSIONS sessions (10,000 by default) one after
//! another: `initialize`, `notifications/initialized`, and nothing more, backing off while the
//! cap answers 503. Afterwards it waits for the idle sessions to close and prints the server's
//! peak memory (`VmHWM`) against the warm server's, and how many sessions `/health` still
//! counts.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

#[path = "support/http_server.rs"]
mod http_server;
#[path = "support/measure.rs"]
mod measure;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use self::measure::memory_kib;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut command = tokio::process::Command::new(http_server::release_binary()?);
    command
        .args(["--transport", "http", "--bind", "127.0.0.1:0"])
        .args(["--catalog", ":memory:", "--session-idle-seconds", "1"])
        // A provider, so sessions carry the usual tools (its API is never called here).
        .env("ANCHOR_API_KEY", "sk-sessions-bench")
        .env("ANCHORBROWSER_BASE_URL", "http://127.0.0.1:9")
        .env("BROWSER_TASKS_REFRESH_SECONDS", "0")
        .env("RUST_LOG", "error");
    let mut server = http_server::start(command).await?;
    let (pid, url) = (server.pid, server.url.clone());
    let health = url.replace("/mcp", "/health");
    let http = reqwest::Client::new();

    // Warm up: a few sessions opened and left to expire, so the baseline includes the
    // allocator's and the runtime's steady state rather than a cold process.
    for _ in 0..20 {
        open_session(&http, &url).await?;
    }
    wait_for_no_sessions(&http, &health, Duration::from_secs(10)).await?;
    let warm = memory_kib(pid, "VmHWM").unwrap_or(0);

    let started = Instant::now();
    let mut refused = 0usize;
    for _ in 0..total {
        loop {
            match open_session(&http, &url).await? {
                true => break,
                false => {
                    refused += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
    let opened_in = started.elapsed();
    let drained = wait_for_no_sessions(&http, &health, Duration::from_secs(15)).await;
    let peak = memory_kib(pid, "VmHWM").unwrap_or(0);
    let now = memory_kib(pid, "VmRSS").unwrap_or(0);

    println!(
        "sessions: {total} opened and abandoned in {:.1} s ({refused} answers of 503 at the cap)",
        opened_in.as_secs_f64()
    );
    println!("{:<36} {:>10}", "", "MiB");
    println!("{:<36} {:>10.1}", "warm server, peak (VmHWM)", mib(warm));
    println!(
        "{:<36} {:>10.1}",
        "after the sessions, peak (VmHWM)",
        mib(peak)
    );
    println!(
        "{:<36} {:>10.1}",
        "after the sessions, now (VmRSS)",
        mib(now)
    );
    println!(
        "peak / warm peak: {:.2}x (target <= 2x); sessions still open: {}",
        peak as f64 / warm.max(1) as f64,
        match drained {
            Ok(()) => "0".to_string(),
            Err(error) => error.to_string(),
        }
    );
    server.child.kill().await.ok();
    Ok(())
}

/// Open one session and leave it; `false` when the cap refused it.
async fn open_session(http: &reqwest::Client, url: &str) -> anyhow::Result<bool> {
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "sessions-bench", "version": "0"}}
    });
    let response = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .json(&initialize)
        .send()
        .await?;
    if response.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE {
        return Ok(false);
    }
    anyhow::ensure!(
        response.status().is_success(),
        "initialize answered {}",
        response.status()
    );
    let session = response
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no Mcp-Session-Id"))?;
    response.bytes().await?;
    let initialized = http
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &session)
        .json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .send()
        .await?;
    anyhow::ensure!(
        initialized.status().is_success(),
        "initialized answered {}",
        initialized.status()
    );
    Ok(true)
}

async fn wait_for_no_sessions(
    http: &reqwest::Client,
    health: &str,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let body: Value = http.get(health).send().await?.json().await?;
        let open = body["sessions"].as_u64().unwrap_or(u64::MAX);
        if open == 0 {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{open} (not closed {limit:?} after going idle)"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
