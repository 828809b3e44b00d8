//! Browser Use's error shapes through the tools, and one server serving both clouds.

use std::time::Duration;

use browser_tasks_fakes::browser_use::{AgentScript, Fault, SkillScript};
use serde_json::json;

use crate::harness::{Harness, Options, is_error, structured, summary};

#[tokio::test]
async fn every_error_shape_of_browser_use_reads_clearly() {
    let h = Harness::browser_use_only().await;
    // A spend limit (402 with a detail object).
    h.bu().inject(Fault::status(
        "POST /tasks",
        402,
        r#"{"detail": {"code": "api_key_monthly_spend_limit_reached", "message": "Monthly spend limit of $50.00 reached", "cap": 50.0, "spent": 50.02}}"#,
    ));
    let spent = h.call("run_task", json!({"task": "Anything"})).await;
    assert!(is_error(&spent));
    assert_eq!(
        structured(&spent)["error"]["code"],
        "api_key_monthly_spend_limit_reached"
    );
    // A validation error (422, one ValidationError as the spec documents it for POST /tasks)
    // the server's own checks could not foresee.
    h.bu().inject(Fault::status(
        "POST /tasks",
        422,
        r#"{"loc": ["body", "llm"], "msg": "Input should be 'browser-use-2.0' or 'gpt-4.1'", "type": "enum"}"#,
    ));
    let invalid = h
        .call("run_task", json!({"task": "Anything", "llm": "o3"}))
        .await;
    assert!(is_error(&invalid));
    // Rate limited when starting: not retried (a start is never repeated).
    h.bu().inject(
        Fault::status("POST /tasks", 429, r#"{"detail": "Too many concurrent active sessions. Please wait for one to finish, kill one, or upgrade your plan."}"#)
            .header("Retry-After", "7"),
    );
    let limited = h.call("run_task", json!({"task": "Anything"})).await;
    assert!(is_error(&limited));
    assert_eq!(h.bu().count("POST /tasks"), 3, "no start was retried");
    // An unknown task (404 with a detail string).
    let unknown = h
        .call(
            "get_execution",
            json!({"execution_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}),
        )
        .await;
    assert!(is_error(&unknown));
    insta::assert_snapshot!(
        "browser_use_errors",
        [&spent, &invalid, &limited, &unknown]
            .iter()
            .map(|r| summary(r))
            .collect::<Vec<_>>()
            .join("\n\n")
    );

    // A rate-limited status read is retried after Retry-After, and the run still ends well.
    h.bu().inject(
        Fault::status(
            "GET /tasks/{task_id}/status",
            429,
            r#"{"detail": "Too many requests"}"#,
        )
        .header("Retry-After", "1"),
    );
    let patient = h.call("run_task", json!({"task": "Be patient"})).await;
    assert!(!is_error(&patient), "{}", summary(&patient));
    assert_eq!(structured(&patient)["status"], "finished");
}

#[tokio::test]
async fn a_wrong_key_is_reported_as_such() {
    let h = Harness::with_browser_use(
        Options::default()
            .without_key()
            .env("BROWSER_USE_API_KEY", "bu-wrong-key"),
    )
    .await;
    let result = h.call("list_tasks", json!({})).await;
    assert!(is_error(&result));
    let text = summary(&result);
    assert!(
        text.contains("401") && text.contains("BROWSER_USE_API_KEY"),
        "{text}"
    );
    assert!(!text.contains("bu-wrong-key"));
}

#[tokio::test]
async fn one_server_serves_both_clouds() {
    let h = Harness::with_browser_use(Options::default().binary()).await;
    let line = h.stderr_containing("serving 11 MCP tools").await;
    assert!(
        line.contains("providers: Anchor Browser (") && line.contains("Browser Use Cloud ("),
        "{line}"
    );
    let names: Vec<String> = h.tools().iter().map(|t| t.name.to_string()).collect();
    assert!(names.contains(&"cancel_execution".to_string()), "{names:?}");
    let run_task = h.tools().iter().find(|t| t.name == "run_task").unwrap();
    assert!(run_task.input_schema["properties"]["provider"].is_object());

    let code_task = h
        .fake
        .seed_code_task("price-check", "export default async () => 42", 1);
    let skill_id = h.bu().seed_skill("Docs search", SkillScript::default());
    let listed = h.call("list_tasks", json!({})).await;
    assert!(!is_error(&listed), "{}", summary(&listed));
    let tasks = structured(&listed)["tasks"].as_array().unwrap().clone();
    let kinds: Vec<(&str, &str)> = tasks
        .iter()
        .map(|t| (t["provider"].as_str().unwrap(), t["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, vec![("anchor", "code"), ("browser_use", "skill")]);
    let only_skills = h
        .call("list_tasks", json!({"provider": "browser_use"}))
        .await;
    assert_eq!(
        structured(&only_skills)["tasks"].as_array().unwrap().len(),
        1
    );

    // The catalog knows each task's cloud: no provider argument needed.
    let code_run = h.call("run_task", json!({"task_id": code_task})).await;
    assert!(!is_error(&code_run), "{}", summary(&code_run));
    assert_eq!(structured(&code_run)["provider"], "anchor");
    let skill_run = h
        .call(
            "run_task",
            json!({"task_id": skill_id, "inputs": {"query": "mcp"}}),
        )
        .await;
    assert!(!is_error(&skill_run), "{}", summary(&skill_run));
    assert_eq!(structured(&skill_run)["provider"], "browser_use");
    // `task` means Browser Use.
    h.bu()
        .set_default_task_script(AgentScript::default().lasting(Duration::from_secs(600)));
    let agent = h
        .call(
            "run_task",
            json!({"task": "Keep an eye on it", "wait_seconds": 0}),
        )
        .await;
    assert!(!is_error(&agent), "{}", summary(&agent));
    let agent_id = structured(&agent)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Its run is found on the right cloud by id alone.
    let checked = h
        .call("get_execution", json!({"execution_id": agent_id}))
        .await;
    assert_eq!(structured(&checked)["provider"], "browser_use");
    let stopped = h
        .call("cancel_execution", json!({"execution_id": agent_id}))
        .await;
    assert_eq!(structured(&stopped)["status"], "stopped");

    // An Anchor run that ended is not stopped again: the answer says so.
    let anchor_run = structured(&code_run)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    let ended = h
        .call("cancel_execution", json!({"execution_id": anchor_run}))
        .await;
    assert!(!is_error(&ended), "{}", summary(&ended));
    assert_eq!(structured(&ended)["stopped"], false);
    assert!(summary(&ended).contains("had already ended"));
    assert_eq!(h.fake.count("DELETE /v1/sessions/{session_id}"), 0);

    // Mixing the clouds' arguments is refused before anything is sent.
    let before = h.bu().requests().len() + h.fake.requests().len();
    let mixed = h
        .call(
            "run_task",
            json!({"task": "Do it", "version": "2", "identity_id": "x"}),
        )
        .await;
    assert!(is_error(&mixed));
    insta::assert_snapshot!("mixed_arguments", summary(&mixed));
    assert_eq!(h.bu().requests().len() + h.fake.requests().len(), before);
}

#[tokio::test]
async fn without_any_key_calls_say_how_to_configure_either_cloud() {
    let h = Harness::with(Options::default().without_key().binary()).await;
    let result = h
        .call(
            "run_task",
            json!({"task_id": "550e8400-e29b-41d4-a716-446655440000"}),
        )
        .await;
    assert!(is_error(&result));
    let text = summary(&result);
    assert!(
        text.contains("ANCHOR_API_KEY") && text.contains("BROWSER_USE_API_KEY"),
        "{text}"
    );
    let line = h.stderr_containing("providers: none configured").await;
    assert!(line.contains("BROWSER_USE_API_KEY"), "{line}");
}

#[tokio::test]
async fn skills_are_no_tools_on_a_server_without_browser_use() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("shared.sqlite3");
    let h = Harness::with_browser_use(Options::default().catalog(&catalog)).await;
    h.bu().seed_skill("Docs search", SkillScript::default());
    h.call("list_tasks", json!({})).await;
    h.wait_for_tool("docs_search").await;
    let fake = h.stop().await;
    // The same catalog, Anchor only: the skill is remembered but cannot run here.
    let anchor_only = Harness::on(fake, Options::default().catalog(&catalog)).await;
    let names: Vec<String> = anchor_only
        .list_tools()
        .await
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(!names.contains(&"docs_search".to_string()), "{names:?}");
    // Anchor stops runs too.
    assert!(names.contains(&"cancel_execution".to_string()), "{names:?}");
}
