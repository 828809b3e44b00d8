//! `--read-only` (issue 19, part 3): only the tools that read are listed and callable, no task
//! becomes a tool of its own, prompts that lead a model to write are not offered, the
//! instructions say so, and the startup line says so too. Nothing reaches the clouds but reads.

use std::time::Duration;

use browser_tasks_fakes::browser_use::AgentScript;
use rmcp::model::{ErrorCode, GetPromptRequestParams};
use rmcp::service::ServiceError;
use serde_json::json;

use crate::harness::{Harness, Options, is_error, structured, wait_until};

const STATUS: &str = "GET /tasks/{task_id}/status";
const STOP: &str = "PATCH /tasks/{task_id}";

/// A read-only server with both providers and a runnable task of each: the read tools alone,
/// no task tool, no prompt; a write tool called anyway is refused by name before any request.
#[tokio::test]
async fn a_read_only_server_lists_and_answers_only_what_reads() {
    let read_only = Options::default().env("BROWSER_TASKS_READ_ONLY", "true");
    let h = Harness::with_browser_use(read_only).await;
    let task_id = h
        .fake
        .seed_code_task("price-check", "export default async () => 1", 1);

    // Listing tasks works, and teaches the catalog a runnable task...
    let listed = h.call("list_tasks", json!({"provider": "anchor"})).await;
    assert!(!is_error(&listed), "{listed:?}");
    assert!(structured(&listed).to_string().contains(&task_id));
    // ...which still becomes no tool: its tool would run it.
    let names: Vec<String> = h
        .list_tools()
        .await
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    insta::assert_json_snapshot!("read_only_tools", names);

    let instructions = h
        .client
        .peer_info()
        .expect("initialized")
        .instructions
        .clone()
        .unwrap_or_default();
    insta::assert_snapshot!("read_only_instructions", instructions);

    let prompts = h.client.list_all_prompts().await.unwrap();
    assert!(prompts.is_empty(), "no prompt leads to writes: {prompts:?}");
    let refused = h
        .client
        .get_prompt(GetPromptRequestParams::new("automate_browser_task"))
        .await
        .expect_err("a prompt that leads to writes is not offered");
    match refused {
        ServiceError::McpError(error) => {
            assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
            assert!(
                error.message.contains("read-only (--read-only)"),
                "{error:?}"
            );
        }
        other => panic!("expected an MCP error, got {other:?}"),
    }

    let before = h.fake.requests().len() + h.bu().requests().len();
    for (tool, arguments) in [
        ("run_task", json!({"task_id": task_id})),
        (
            "cancel_execution",
            json!({"execution_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}),
        ),
        ("generate_task", json!({"name": "x", "prompt": "y"})),
        (
            "create_task",
            json!({"name": "x", "code": "export default async () => 1"}),
        ),
    ] {
        let refused = h
            .try_call(tool, arguments)
            .await
            .expect_err("a write tool is not callable");
        match refused {
            ServiceError::McpError(error) => {
                assert_eq!(error.code, ErrorCode::INVALID_PARAMS, "{tool}");
                assert_eq!(
                    error.message,
                    format!(
                        "tool {tool:?} is not offered: this server is read-only \
                         (--read-only); tools/list shows what it offers"
                    )
                );
            }
            other => panic!("{tool}: expected an MCP error, got {other:?}"),
        }
    }
    // A name no tool has is unknown, read-only or not.
    match h.try_call("run_tsk", json!({})).await {
        Err(ServiceError::McpError(error)) => {
            assert!(
                error.message.starts_with("unknown tool \"run_tsk\""),
                "{error:?}"
            )
        }
        other => panic!("expected an MCP error, got {other:?}"),
    }
    let after = h.fake.requests().len() + h.bu().requests().len();
    assert_eq!(before, after, "a refused call sends nothing to the clouds");
    let writes: Vec<String> = h
        .fake
        .requests()
        .into_iter()
        .chain(h.bu().requests())
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(writes, Vec::<String>::new(), "read-only sends reads only");
}

/// The startup line a person sees says the server is read-only.
#[tokio::test]
async fn the_startup_line_says_read_only() {
    let h = Harness::with(
        Options::default()
            .binary()
            .env("BROWSER_TASKS_READ_ONLY", "true"),
    )
    .await;
    let line = h.stderr_containing("serving").await;
    assert!(
        line.contains("read-only (--read-only): serving 4 MCP tools + 0 task tools over stdio"),
        "{line}"
    );
}

/// Cancelling a read-only server's wait on a run (`get_execution` with `wait_seconds`) stops
/// waiting and leaves the run going: watching is not stopping.
#[tokio::test]
async fn a_read_only_wait_cancelled_leaves_the_run_going() {
    let writable = Harness::with_browser_use(Options::default().without_key()).await;
    writable
        .bu()
        .set_default_task_script(AgentScript::default().lasting(Duration::from_secs(600)));
    let started = writable
        .call(
            "run_task",
            json!({"task": "Watch the page", "wait_seconds": 0}),
        )
        .await;
    let execution_id = structured(&started)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    let bu = writable.browser_use.clone().unwrap();
    let read_only = Harness::with(
        Options::default()
            .without_key()
            .browser_use(bu.clone())
            .env("BROWSER_TASKS_READ_ONLY", "true"),
    )
    .await;
    let polls = bu.count(STATUS);
    let handle = read_only
        .start_cancellable(
            "get_execution",
            json!({"execution_id": execution_id, "wait_seconds": 600}),
        )
        .await;
    wait_until(|| bu.count(STATUS) >= polls + 3, "status polls").await;
    handle.cancel(Some("seen enough".into())).await.unwrap();
    // Long enough for a stop to be sent, were one sent.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bu.count(STOP), 0, "a read-only wait stopped the run");
    assert_eq!(bu.task_status(&execution_id).as_deref(), Some("started"));
}
