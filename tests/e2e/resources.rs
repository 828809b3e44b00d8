//! Run evidence as MCP resources: the templates, a run's report with its artifacts' URIs, a
//! small artifact inline, a video as its URL with size and expiry, missing and expired
//! artifacts as clear errors, and `resource_link` content in run results.

use std::time::Duration;

use base64::Engine;
use browser_tasks_fakes::anchor::{GenerationScript, RunScript};
use browser_tasks_fakes::browser_use::AgentScript;
use rmcp::model::{ContentBlock, ReadResourceRequestParams, ResourceContents};
use serde_json::{Value, json};

use crate::harness::{Harness, Options, is_error, structured, summary};

async fn finished_generated_run(h: &Harness) -> String {
    h.fake.set_default_generation_script(GenerationScript {
        generating_checks: 0,
        ..GenerationScript::default()
    });
    let generated = h
        .call(
            "generate_task",
            json!({"name": "fetch-report", "prompt": "Download the report from example.com."}),
        )
        .await;
    let task_id = structured(&generated)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    h.fake
        .set_session_script(&task_id, vec![("Q1 report.pdf".into(), 5_000_000)], None);
    h.fake
        .set_default_run_script(RunScript::succeeding_with(json!({"ok": true})));
    let run = h.call("run_task", json!({"task_id": task_id})).await;
    assert!(!is_error(&run), "{}", summary(&run));
    // The result links the run's evidence.
    let execution_id = structured(&run)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    let links: Vec<String> = run
        .content
        .iter()
        .filter_map(|c| match c {
            ContentBlock::ResourceLink(link) => Some(link.uri.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        links,
        vec![format!("browser-tasks://runs/anchor/{execution_id}")]
    );
    execution_id
}

async fn read(h: &Harness, uri: &str) -> Result<(Option<String>, String), String> {
    let result = h
        .client
        .read_resource(ReadResourceRequestParams::new(uri))
        .await
        .map_err(|e| e.to_string())?;
    match &result.contents[0] {
        ResourceContents::TextResourceContents {
            mime_type, text, ..
        } => Ok((mime_type.clone(), text.clone())),
        other => panic!("expected text, got {other:?}"),
    }
}

#[tokio::test]
async fn run_evidence_is_served_as_resources() {
    let h = Harness::start().await;
    let templates = h.client.list_all_resource_templates().await.unwrap();
    let uris: Vec<&str> = templates.iter().map(|t| t.uri_template.as_str()).collect();
    assert_eq!(
        uris,
        vec![
            "browser-tasks://runs/{provider}/{execution_id}",
            "browser-tasks://runs/{provider}/{execution_id}/{artifact}",
            "browser-tasks://tasks/{provider}/{task_id}"
        ]
    );

    let execution_id = finished_generated_run(&h).await;
    let base = format!("browser-tasks://runs/anchor/{execution_id}");
    let (mime, text) = read(&h, &base).await.unwrap();
    assert_eq!(mime.as_deref(), Some("application/json"));
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["status"], "success");
    let artifacts: Vec<&str> = report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        artifacts,
        vec![
            format!("{base}/session"),
            format!("{base}/recording"),
            format!("{base}/download-Q1_report.pdf"),
        ]
    );

    // A small artifact inline.
    let (_, session) = read(&h, &format!("{base}/session")).await.unwrap();
    let session: Value = serde_json::from_str(&session).unwrap();
    assert_eq!(session["session_id"], report["session_id"]);
    // A video as its URL, size and expiry.
    let (_, recording) = read(&h, &format!("{base}/recording")).await.unwrap();
    let recording: Value = serde_json::from_str(&recording).unwrap();
    assert_eq!(recording["size"], 2_400_000);
    assert!(recording["url"].as_str().unwrap().contains("X-Amz-Expires"));
    assert!(recording["expires_at"].as_str().is_some(), "{recording}");
    // A large file as its URL and size.
    let (_, file) = read(&h, &format!("{base}/download-Q1_report.pdf"))
        .await
        .unwrap();
    let file: Value = serde_json::from_str(&file).unwrap();
    assert_eq!(file["size"], 5_000_000);

    // Missing and expired artifacts are clear errors.
    let missing = read(&h, &format!("{base}/screenshot")).await.unwrap_err();
    assert!(
        missing.contains("has no artifact \"screenshot\"") && missing.contains("recording"),
        "{missing}"
    );
    h.fake.expire_recordings();
    let expired = read(&h, &format!("{base}/recording")).await.unwrap_err();
    assert!(expired.contains("expired at"), "{expired}");
    let unknown = read(&h, "browser-tasks://runs/nowhere/x")
        .await
        .unwrap_err();
    assert!(
        unknown.contains("is not a resource of this server"),
        "{unknown}"
    );
}

#[tokio::test]
async fn a_task_definition_reads_as_get_task_shows_it() {
    let h = Harness::start().await;
    let task_id = h
        .fake
        .seed_code_task("priced", "export default async () => 42", 2);
    let (mime, text) = read(&h, &format!("browser-tasks://tasks/anchor/{task_id}"))
        .await
        .unwrap();
    assert_eq!(mime.as_deref(), Some("application/json"));
    let definition: Value = serde_json::from_str(&text).unwrap();
    let shown = h.call("get_task", json!({"task_id": task_id})).await;
    assert!(!is_error(&shown), "{}", summary(&shown));
    assert_eq!(definition, structured(&shown));
    assert!(text.contains("export default async () => 42"), "{text}");

    // An unknown task, a malformed URI and an unconfigured provider are clear errors.
    let missing = read(
        &h,
        "browser-tasks://tasks/anchor/550e8400-e29b-41d4-a716-446655440000",
    )
    .await
    .unwrap_err();
    assert!(missing.contains("550e8400"), "{missing}");
    let bad = read(&h, "browser-tasks://tasks/anchor/a/b")
        .await
        .unwrap_err();
    assert!(
        bad.contains("browser-tasks://tasks/{provider}/{task_id}"),
        "{bad}"
    );
    let other = read(&h, "browser-tasks://tasks/browser_use/x")
        .await
        .unwrap_err();
    assert!(other.contains("not configured"), "{other}");
}

/// A generated run that goes on (its session live), started without waiting: its id.
async fn live_generated_run(h: &Harness) -> String {
    h.fake.set_default_generation_script(GenerationScript {
        generating_checks: 0,
        ..GenerationScript::default()
    });
    h.fake
        .set_default_run_script(RunScript::default().lasting(Duration::from_secs(600)));
    let generated = h
        .call(
            "generate_task",
            json!({"name": "watcher", "prompt": "Watch example.com."}),
        )
        .await;
    let task_id = structured(&generated)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = h
        .call("run_task", json!({"task_id": task_id, "wait_seconds": 0}))
        .await;
    assert!(!is_error(&run), "{}", summary(&run));
    structured(&run)["execution_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_live_sessions_screenshot_is_a_blob_within_the_cap_and_a_url_beyond() {
    let h = Harness::start().await;
    let execution_id = live_generated_run(&h).await;
    let uri = format!("browser-tasks://runs/anchor/{execution_id}/screenshot");
    let read = h
        .client
        .read_resource(ReadResourceRequestParams::new(uri.as_str()))
        .await
        .unwrap();
    match &read.contents[0] {
        ResourceContents::BlobResourceContents {
            mime_type, blob, ..
        } => {
            assert_eq!(mime_type.as_deref(), Some("image/png"));
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(blob)
                .unwrap();
            assert_eq!(bytes.len(), 120);
            assert!(bytes.starts_with(b"\x89PNG"));
        }
        other => panic!("expected a blob, got {other:?}"),
    }

    // Beyond the cap (here 1 KiB): the provider's URL and the size, not the bytes.
    let small =
        Harness::with(Options::default().env("BROWSER_TASKS_RESOURCE_INLINE_MAX_BYTES", "1024"))
            .await;
    small.fake.set_screenshot_bytes(5_000);
    let execution_id = live_generated_run(&small).await;
    let uri = format!("browser-tasks://runs/anchor/{execution_id}/screenshot");
    let (mime, text) = read_text(&small, &uri).await;
    assert_eq!(mime.as_deref(), Some("application/json"));
    let pointer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(pointer["size"], 5_000, "{pointer}");
    assert!(
        pointer["url"].as_str().unwrap().ends_with("/screenshot"),
        "{pointer}"
    );
    assert_eq!(pointer["mime_type"], "image/png");
}

async fn read_text(h: &Harness, uri: &str) -> (Option<String>, String) {
    read(h, uri).await.unwrap()
}

#[tokio::test]
async fn a_browser_use_tasks_log_and_files_are_its_evidence() {
    let h = Harness::browser_use_only().await;
    h.bu().set_default_task_script(AgentScript {
        output_files: vec!["prices.csv".into()],
        ..AgentScript::default()
    });
    let run = h
        .call(
            "run_task",
            json!({"task": "Collect the prices on shop.example"}),
        )
        .await;
    assert!(!is_error(&run), "{}", summary(&run));
    let execution_id = structured(&run)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    let base = format!("browser-tasks://runs/browser_use/{execution_id}");
    let (_, text) = read(&h, &base).await.unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    let artifacts: Vec<&str> = report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        artifacts,
        vec![format!("{base}/logs"), format!("{base}/file-prices.csv")]
    );
    let (_, logs) = read(&h, &format!("{base}/logs")).await.unwrap();
    let logs: Value = serde_json::from_str(&logs).unwrap();
    assert_eq!(
        logs["url"],
        format!("https://logs.fake-browser-use.test/{execution_id}.log")
    );
    assert_eq!(logs["mime_type"], "text/plain");
}
