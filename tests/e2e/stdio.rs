//! The stdio transport itself: stdout carries nothing but JSON-RPC, logs go to stderr, and a
//! person starting the server sees one line saying what it serves.

use std::process::Stdio;
use std::time::Duration;

use browser_tasks_fakes::anchor::FakeAnchor;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::harness::{BIN, KEY, SpecGuard};

const SECRET: &str = "hunter2-correct-horse";

#[tokio::test]
async fn stdout_holds_only_json_rpc_even_with_debug_logging() {
    let fake = std::sync::Arc::new(FakeAnchor::start(KEY).await.unwrap());
    let _spec = SpecGuard::of(&fake);
    let task_id = fake.seed_code_task("echo", "export default async () => 1", 1);
    let mut child = Command::new(BIN)
        .env("ANCHOR_API_KEY", KEY)
        .env("ANCHORBROWSER_BASE_URL", fake.url())
        .env("BROWSER_TASKS_CATALOG", ":memory:")
        .env("RUST_LOG", "trace")
        .env("BROWSER_TASKS_POLL_INITIAL_MS", "20")
        .env("BROWSER_TASKS_POLL_MAX_MS", "40")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Drain stderr as it comes: trace logging fills a pipe buffer fast.
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stderr_reader = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text).await;
        text
    });
    let mut stdin = child.stdin.take().unwrap();
    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "run_task", "arguments": {"task_id": task_id, "inputs": {"password": SECRET}},
            "_meta": {"progressToken": "p1"}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {
            "name": "run_task", "arguments": {"version": "nope"}}}),
    ];
    for message in &messages {
        stdin
            .write_all(format!("{message}\n").as_bytes())
            .await
            .unwrap();
    }
    stdin.flush().await.unwrap();

    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut answered = std::collections::BTreeSet::new();
    let mut progress = 0;
    let reading = async {
        while answered.len() < 4 {
            let line = stdout
                .next_line()
                .await
                .unwrap()
                .expect("stdout closed early");
            let value: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
            assert_eq!(value["jsonrpc"], "2.0", "not JSON-RPC: {line}");
            if let Some(id) = value.get("id") {
                assert!(value.get("result").is_some() || value.get("error").is_some());
                answered.insert(id.as_i64().unwrap());
            } else if value["method"] == "notifications/progress" {
                progress += 1;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), reading)
        .await
        .expect("all four requests answered");
    assert!(
        progress >= 2,
        "progress notifications with the request's token"
    );

    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits when stdin closes")
        .unwrap();
    assert!(status.success(), "{status}");
    let stderr = stderr_reader.await.unwrap();
    assert!(
        stderr.lines().any(
            |l| l.contains("serving 11 MCP tools + 0 task tools over stdio")
                && l.contains(fake.url())
        ),
        "no startup line in stderr: {stderr}"
    );
    assert!(stderr.contains("cloud request"), "debug logs go to stderr");
    assert!(!stderr.contains(KEY), "the API key reached the logs");
    assert!(!stderr.contains(SECRET), "a secret input reached the logs");
}

#[tokio::test]
async fn help_and_bad_flags_fail_clearly() {
    let output = Command::new(BIN).arg("--help").output().await.unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("ANCHORBROWSER_BASE_URL") && help.contains("ANCHOR_API_KEY"));

    let output = Command::new(BIN)
        .env("BROWSER_TASKS_CATALOG", ":memory:")
        .env("BROWSER_TASKS_POLL_INITIAL_MS", "0")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("BROWSER_TASKS_POLL_INITIAL_MS"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[tokio::test]
async fn an_unreadable_catalog_stops_the_server_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.sqlite3");
    std::fs::write(&path, b"definitely not sqlite").unwrap();
    let output = Command::new(BIN)
        .env("BROWSER_TASKS_CATALOG", &path)
        .env("ANCHOR_API_KEY", KEY)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("never resets"), "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"definitely not sqlite",
        "left alone"
    );
}
