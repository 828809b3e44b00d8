//! Browser Use Cloud through the MCP server over stdio, against the fake: agent tasks with
//! progress from their steps, structured output, files and cost; stopping a task by cancelling
//! the request and with cancel_execution; skills generated, enabled, listed as tools and
//! called; argument checks before anything is sent.

use std::time::Duration;

use browser_tasks_fakes::browser_use::{AgentOutcome, AgentScript, SkillOutcome, SkillScript};
use serde_json::{Value, json};

use crate::harness::{Harness, Options, is_error, structured, summary, wait_until};

const CREATE: &str = "POST /tasks";
const STATUS: &str = "GET /tasks/{task_id}/status";
const STOP: &str = "PATCH /tasks/{task_id}";
const EXECUTE: &str = "POST /skills/{skill_id}/execute";

/// The body of the last request the Browser Use fake received on `route`.
fn last_body(h: &Harness, method: &str, route: &str) -> Value {
    h.bu()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == method && r.route == route)
        .and_then(|r| r.body)
        .unwrap_or_else(|| panic!("no {method} {route} with a body"))
}

#[tokio::test]
async fn an_agent_task_reports_its_steps_and_returns_structured_output_files_and_cost() {
    let h = Harness::browser_use_only().await;
    h.bu().set_default_task_script(AgentScript {
        started_checks: 4,
        output_files: vec!["prices.csv".into()],
        ..AgentScript::default()
    });
    let schema = json!({
        "type": "object",
        "properties": {"cheapest": {"type": "number"}, "shop": {"type": "string"}},
        "required": ["cheapest", "shop"]
    });
    let result = h
        .call(
            "run_task",
            json!({
                "task": "Find the cheapest USB-C cable on the shop",
                "start_url": "https://shop.example",
                "structured_output": schema,
                "max_steps": 20,
                "vision": "auto",
                "session_settings": {"proxy_country_code": "DE"}
            }),
        )
        .await;
    assert!(!is_error(&result), "{}", summary(&result));
    let report = structured(&result);
    // The structured output came back as JSON, not as the API's string.
    assert_eq!(report["output"], json!({"cheapest": 4.5, "shop": "sample"}));
    assert_eq!(report["provider"], "browser_use");
    assert_eq!(report["kind"], "agent");
    assert_eq!(report["status"], "finished");
    assert_eq!(report["success"], true);
    assert_eq!(report["steps"], 4);
    assert!(
        report["cost"]
            .as_str()
            .is_some_and(|c| c.parse::<f64>().is_ok())
    );
    assert_eq!(report["output_files"][0]["file_name"], "prices.csv");
    assert!(
        report["output_files"][0]["download_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let text = summary(&result);
    assert!(text.contains("succeeded after 4 steps, for $"), "{text}");
    assert!(text.contains("1 output file"), "{text}");

    // What was sent: the schema stringified, the options in the API's names.
    let body = last_body(&h, "POST", "/tasks");
    let sent: Value = serde_json::from_str(body["structuredOutput"].as_str().unwrap()).unwrap();
    assert_eq!(sent, schema);
    assert_eq!(body["startUrl"], "https://shop.example");
    assert_eq!(body["maxSteps"], 20);
    assert_eq!(body["vision"], "auto");
    assert_eq!(body["sessionSettings"], json!({"proxyCountryCode": "de"}));
    assert_eq!(h.bu().count(CREATE), 1);

    // Progress named the agent's steps: number, goal and page.
    let messages: Vec<String> = h
        .progress()
        .iter()
        .filter_map(|p| p.message.clone())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains(": started (step ")
            && m.contains(": look closer at the page at https://shop.example/page/")),
        "{messages:#?}"
    );
    // Once the session's live view is known, progress carries it, and so does the report.
    let live = format!(
        "https://live.fake-browser-use.test/{}",
        report["session_id"].as_str().unwrap()
    );
    assert_eq!(report["live_url"], live.as_str());
    assert!(
        messages
            .iter()
            .any(|m| m.contains(": started (step ") && m.contains(&format!("watch live: {live}"))),
        "{messages:#?}"
    );
    // The last word is the end, without a stale step.
    let last = messages.last().unwrap();
    assert!(last.contains(": finished, "), "{last}");
}

#[tokio::test]
async fn a_failed_or_unsuccessful_agent_task_is_an_error_with_its_reason() {
    let h = Harness::browser_use_only().await;
    h.bu().set_task_script(
        "Log in",
        AgentScript {
            outcome: AgentOutcome::Failed("the login form never appeared".into()),
            ..AgentScript::default()
        },
    );
    h.bu().set_task_script(
        "Book a table",
        AgentScript {
            outcome: AgentOutcome::Finished {
                output: Some("No table was free.".into()),
                success: false,
            },
            ..AgentScript::default()
        },
    );
    let failed = h.call("run_task", json!({"task": "Log in"})).await;
    assert!(is_error(&failed));
    assert!(
        summary(&failed).contains("ended with status failed")
            && summary(&failed).contains("the login form never appeared"),
        "{}",
        summary(&failed)
    );
    let unsuccessful = h.call("run_task", json!({"task": "Book a table"})).await;
    assert!(is_error(&unsuccessful));
    let report = structured(&unsuccessful);
    assert_eq!(report["status"], "finished");
    assert_eq!(report["success"], false);
    assert_eq!(report["output"], "No table was free.");
}

#[tokio::test]
async fn cancelling_the_request_stops_the_task_in_the_cloud() {
    let h = Harness::with_browser_use(Options::default().without_key().binary()).await;
    h.bu()
        .set_default_task_script(AgentScript::default().lasting(Duration::from_secs(600)));
    let handle = h
        .start_cancellable("run_task", json!({"task": "Watch the page forever"}))
        .await;
    wait_until(|| h.bu().count(STATUS) >= 3, "status polls").await;
    handle
        .cancel(Some("not needed any more".into()))
        .await
        .unwrap();
    wait_until(|| h.bu().count(STOP) == 1, "the stop request").await;
    assert_eq!(
        last_body(&h, "PATCH", "/tasks/{task_id}"),
        json!({"action": "stop"})
    );
    let task_id = h
        .bu()
        .requests()
        .into_iter()
        .find(|r| r.route == "/tasks/{task_id}/status")
        .map(|r| r.path.split('/').nth(4).unwrap().to_string())
        .unwrap();
    assert_eq!(h.bu().task_status(&task_id).as_deref(), Some("stopped"));
    h.stderr_containing("stopped the cloud task after a cancel")
        .await;
    // Polling ended with the stop; the run's record says stopped.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let polls = h.bu().count(STATUS);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.bu().count(STATUS), polls, "polled after the stop");
    let after = h
        .call("get_execution", json!({"execution_id": task_id}))
        .await;
    assert_eq!(structured(&after)["status"], "stopped");
    assert_eq!(h.bu().count(CREATE), 1);
}

#[tokio::test]
async fn cancel_execution_stops_a_task_whose_call_returned() {
    let h = Harness::browser_use_only().await;
    h.bu()
        .set_default_task_script(AgentScript::default().lasting(Duration::from_secs(600)));
    let started = h
        .call(
            "run_task",
            json!({"task": "Monitor the price", "wait_seconds": 0}),
        )
        .await;
    assert!(!is_error(&started), "{}", summary(&started));
    let report = structured(&started);
    assert_eq!(report["finished"], false);
    let execution_id = report["execution_id"].as_str().unwrap().to_string();
    // The answer says how to keep waiting, with arguments get_execution takes as they are.
    let next = report["next_step"].as_str().unwrap();
    assert!(
        next.contains(&format!("{{\"execution_id\":\"{execution_id}\"}}")),
        "{next}"
    );
    let still = h
        .call(
            "get_execution",
            json!({"execution_id": execution_id, "wait_seconds": 0.3}),
        )
        .await;
    assert_eq!(structured(&still)["status"], "started");

    let stopped = h
        .call(
            "cancel_execution",
            json!({"execution_id": execution_id, "stop_session": true}),
        )
        .await;
    assert!(!is_error(&stopped), "{}", summary(&stopped));
    let output = structured(&stopped);
    assert_eq!(output["stopped"], true);
    assert_eq!(output["status"], "stopped");
    assert_eq!(
        last_body(&h, "PATCH", "/tasks/{task_id}"),
        json!({"action": "stop_task_and_session"})
    );
    // Stopping it again finds it ended.
    let again = h
        .call("cancel_execution", json!({"execution_id": execution_id}))
        .await;
    assert!(!is_error(&again));
    assert_eq!(h.bu().count(STOP), 2);
    let after = h
        .call("get_execution", json!({"execution_id": execution_id}))
        .await;
    assert!(is_error(&after), "a stopped task did not succeed");
    assert!(summary(&after).contains("stopped"), "{}", summary(&after));
}

fn search_skill() -> SkillScript {
    SkillScript::default()
}

#[tokio::test]
async fn a_generated_skill_becomes_a_tool_that_runs_with_typed_arguments() {
    let h = Harness::browser_use_only().await;
    let before = h.list_changes();
    let generated = h
        .call(
            "generate_task",
            json!({
                "name": "Docs search",
                "goal": "Search the docs of example.com",
                "prompt": "Open docs.example.com, type the query in the search box, and return the result titles."
            }),
        )
        .await;
    assert!(!is_error(&generated), "{}", summary(&generated));
    let output = structured(&generated);
    assert_eq!(output["kind"], "skill");
    assert_eq!(output["status"], "ready");
    assert_eq!(output["ready"], true);
    assert_eq!(output["listed_as_tool"], true);
    let skill_id = output["task_id"].as_str().unwrap().to_string();
    let tool_name = output["tool_name"].as_str().unwrap().to_string();
    assert_eq!(tool_name, "docs_search");
    assert_eq!(
        output["output_schema"]["properties"]["count"]["type"],
        "integer"
    );
    // The request: title from name, the prompt as the demonstration.
    let body = last_body(&h, "POST", "/skills");
    assert_eq!(body["title"], "Docs search");
    assert_eq!(body["goal"], "Search the docs of example.com");
    assert!(
        body["agentPrompt"]
            .as_str()
            .unwrap()
            .starts_with("Open docs")
    );
    // Progress went through the generation's states.
    let messages: Vec<String> = h
        .progress()
        .iter()
        .filter_map(|p| p.message.clone())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("generating")),
        "{messages:#?}"
    );
    h.wait_for_list_change(before).await;

    let tool = h
        .tool(&tool_name)
        .await
        .expect("the skill's tool is listed");
    insta::assert_json_snapshot!("skill_tool", tool);

    let result = h
        .call(&tool_name, json!({"query": "rust", "limit": 2}))
        .await;
    assert!(!is_error(&result), "{}", summary(&result));
    let content = structured(&result);
    assert_eq!(content["results"], json!(["rust #1", "rust #2"]));
    assert_eq!(content["count"], 2);
    assert_eq!(content["_execution"]["kind"], "skill");
    assert_eq!(content["_execution"]["status"], "completed");
    assert_eq!(
        last_body(&h, "POST", "/skills/{skill_id}/execute"),
        json!({"parameters": {"query": "rust", "limit": 2}})
    );
    // The same through run_task, with a number given as text (agents do that).
    let via_run_task = h
        .call(
            "run_task",
            json!({"task_id": skill_id, "inputs": {"query": "go", "limit": "1", "filters": {"lang": "en"}}}),
        )
        .await;
    assert!(!is_error(&via_run_task), "{}", summary(&via_run_task));
    assert_eq!(
        structured(&via_run_task)["output"]["results"],
        json!(["go #1"])
    );
    assert_eq!(
        last_body(&h, "POST", "/skills/{skill_id}/execute"),
        json!({"parameters": {"query": "go", "limit": 1, "filters": {"lang": "en"}}})
    );
    assert_eq!(h.bu().count(EXECUTE), 2);

    // Its executions are listed, and each one can be read back.
    let listed = h
        .call("list_executions", json!({"task_id": skill_id}))
        .await;
    assert!(!is_error(&listed), "{}", summary(&listed));
    let executions = structured(&listed)["executions"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(executions.len(), 2);
    let execution_id = executions[0]["execution_id"].as_str().unwrap();
    let one = h
        .call(
            "get_execution",
            json!({"execution_id": execution_id, "task_id": skill_id}),
        )
        .await;
    assert!(!is_error(&one), "{}", summary(&one));
    assert_eq!(structured(&one)["status"], "completed");
    assert!(structured(&one)["output_files"][0]["download_url"].is_string());
    // list_tasks shows the skill as ready, with its tool.
    let tasks = h.call("list_tasks", json!({})).await;
    let task = structured(&tasks)["tasks"][0].clone();
    assert_eq!(task["kind"], "skill");
    assert_eq!(task["status"], "ready");
    assert_eq!(task["listed_as_tool"], true);
}

#[tokio::test]
async fn a_disabled_skill_is_enabled_with_deploy_task() {
    let h = Harness::browser_use_only().await;
    h.bu().set_default_skill_script(SkillScript {
        enabled_when_finished: false,
        ..search_skill()
    });
    let generated = h
        .call(
            "generate_task",
            json!({"name": "Quiet skill", "prompt": "Open example.com and read the headline."}),
        )
        .await;
    let output = structured(&generated);
    assert_eq!(output["status"], "disabled");
    assert_eq!(output["ready"], false);
    assert_eq!(output["listed_as_tool"], false);
    assert!(
        output["next_step"]
            .as_str()
            .unwrap()
            .contains("deploy_task"),
        "{output:#}"
    );
    let skill_id = output["task_id"].as_str().unwrap().to_string();
    let before = h.list_changes();
    let deployed = h.call("deploy_task", json!({"task_id": skill_id})).await;
    assert!(!is_error(&deployed), "{}", summary(&deployed));
    assert_eq!(structured(&deployed)["enabled"], true);
    assert_eq!(
        last_body(&h, "PATCH", "/skills/{skill_id}"),
        json!({"isEnabled": true})
    );
    h.wait_for_list_change(before).await;
    assert!(h.tool("quiet_skill").await.is_some());
}

#[tokio::test]
async fn a_skill_still_generating_is_not_enabled() {
    let h = Harness::browser_use_only().await;
    h.bu().set_default_skill_script(SkillScript {
        generating_checks: 50,
        ..search_skill()
    });
    let generated = h
        .call(
            "generate_task",
            json!({"name": "Slow skill", "prompt": "Open example.com and read the headline.",
                "wait_seconds": 0}),
        )
        .await;
    let skill_id = structured(&generated)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    // The spec declares no refusal for this: the server reads the skill and says why.
    let refused = h.call("deploy_task", json!({"task_id": skill_id})).await;
    assert!(is_error(&refused));
    let text = summary(&refused);
    assert!(
        text.contains("is recording: only a finished skill can be enabled")
            && text.contains("get_task with wait_seconds"),
        "{text}"
    );
    assert_eq!(
        h.bu().count("PATCH /skills/{skill_id}"),
        0,
        "nothing was changed"
    );
}

#[tokio::test]
async fn a_failing_skill_is_an_error_with_its_error_and_stderr() {
    let bu = std::sync::Arc::new(
        browser_tasks_fakes::browser_use::FakeBrowserUse::start(crate::harness::BU_KEY)
            .await
            .unwrap(),
    );
    let skill_id = bu.seed_skill(
        "Broken scraper",
        SkillScript {
            execution: Err((
                "Selector .price not found".into(),
                "TimeoutError: waiting for .price at line 3".into(),
            )),
            ..search_skill()
        },
    );
    let h = Harness::with(Options::default().without_key().browser_use(bu)).await;
    // Synced at startup: the seeded skill becomes a tool.
    h.wait_for_tool("broken_scraper").await;
    let result = h.call("broken_scraper", json!({"query": "x"})).await;
    assert!(is_error(&result));
    let text = summary(&result);
    assert!(
        text.contains("Selector .price not found") && text.contains("TimeoutError"),
        "{text}"
    );
    // Inputs are checked against the skill's parameters before anything is sent.
    let bad = h
        .call(
            "run_task",
            json!({"task_id": skill_id, "inputs": {"limit": "many", "colour": "red"}}),
        )
        .await;
    assert!(is_error(&bad));
    insta::assert_snapshot!("skill_inputs_bad", summary(&bad));
    assert_eq!(h.bu().count(EXECUTE), 1);
}

#[tokio::test]
async fn agent_task_arguments_are_checked_before_anything_is_sent() {
    let h = Harness::browser_use_only().await;
    let metadata: serde_json::Map<String, Value> = (0..11)
        .map(|i| (format!("k{i}"), Value::from("v")))
        .collect();
    let result = h
        .call(
            "run_task",
            json!({
                "task": " ",
                "structured_output": {"type": 12},
                "metadata": metadata,
                "session_id": "not-a-session",
                "session_settings": {"proxy_country_code": "gb"},
                "llm": "gpt-9",
                "system_prompt_extension": "x".repeat(2_001),
                "inputs": {"x": 1},
                "version": "2"
            }),
        )
        .await;
    assert!(is_error(&result));
    insta::assert_snapshot!("agent_task_bad_arguments", summary(&result));
    assert_eq!(h.bu().count(CREATE), 0);
}

#[tokio::test]
async fn a_busy_session_is_reported_as_the_api_says() {
    let h = Harness::browser_use_only().await;
    h.bu()
        .set_default_task_script(AgentScript::default().lasting(Duration::from_secs(600)));
    let session = h.bu().create_session();
    let first = h
        .call(
            "run_task",
            json!({"task": "First job", "session_id": session, "wait_seconds": 0}),
        )
        .await;
    assert!(!is_error(&first), "{}", summary(&first));
    let second = h
        .call(
            "run_task",
            json!({"task": "Second job", "session_id": session, "wait_seconds": 0}),
        )
        .await;
    assert!(is_error(&second));
    insta::assert_snapshot!("session_busy", summary(&second));
    assert_eq!(h.bu().count(CREATE), 2, "the refused start was not retried");
}

#[tokio::test]
async fn failed_and_cancelled_generations() {
    let h = Harness::browser_use_only().await;
    h.bu().set_skill_script(
        "Never works",
        SkillScript {
            outcome: SkillOutcome::Failed,
            ..search_skill()
        },
    );
    let failed = h
        .call(
            "generate_task",
            json!({"name": "Doomed", "goal": "Never works", "prompt": "Try something impossible."}),
        )
        .await;
    assert!(is_error(&failed));
    assert_eq!(structured(&failed)["status"], "failed");
    assert!(
        summary(&failed).contains("generation ended with status failed")
            && summary(&failed).ends_with("Adjust the prompt and call generate_task again."),
        "{}",
        summary(&failed)
    );

    // Cancelling generate_task's request cancels the generation in the cloud.
    h.bu().set_default_skill_script(SkillScript {
        generating_checks: 100_000,
        ..search_skill()
    });
    let handle = h
        .start_cancellable(
            "generate_task",
            json!({"name": "Slow skill", "prompt": "Take your time over example.com."}),
        )
        .await;
    wait_until(
        || h.bu().count("GET /skills/{skill_id}") >= 2,
        "generation polls",
    )
    .await;
    handle.cancel(None).await.unwrap();
    wait_until(
        || h.bu().count("POST /skills/{skill_id}/cancel") == 1,
        "the generation's cancel",
    )
    .await;

    // cancel_execution cancels one whose call returned.
    let started = h
        .call(
            "generate_task",
            json!({"name": "Another slow skill", "prompt": "Take your time over example.org.", "wait_seconds": 0}),
        )
        .await;
    assert!(!is_error(&started), "{}", summary(&started));
    let skill_id = structured(&started)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    let cancelled = h
        .call("cancel_execution", json!({"task_id": skill_id}))
        .await;
    assert!(!is_error(&cancelled), "{}", summary(&cancelled));
    assert_eq!(structured(&cancelled)["status"], "cancelled");
    let shown = h.call("get_task", json!({"task_id": skill_id})).await;
    assert_eq!(structured(&shown)["status"], "cancelled");
}

#[tokio::test]
async fn agent_secrets_never_reach_results_logs_or_the_catalog() {
    const SECRET: &str = "hunter2-very-secret";
    let h = Harness::with_browser_use(Options::default().without_key().binary()).await;
    h.bu().set_default_task_script(AgentScript {
        outcome: AgentOutcome::Finished {
            output: Some(format!("Logged in with {SECRET} and read the balance.")),
            success: true,
        },
        ..AgentScript::default()
    });
    let result = h
        .call(
            "run_task",
            json!({"task": "Log in as me with x_password and read my balance",
                   "secrets": {"x_password": SECRET}}),
        )
        .await;
    assert!(!is_error(&result), "{}", summary(&result));
    // Sent to the cloud, which needs it...
    assert_eq!(
        last_body(&h, "POST", "/tasks")["secrets"]["x_password"],
        SECRET
    );
    // ...but never shown, logged or stored.
    let shown = serde_json::to_string(&result).unwrap();
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("[secret]"), "{shown}");
    let later = h
        .call(
            "get_execution",
            json!({"execution_id": structured(&result)["execution_id"]}),
        )
        .await;
    assert!(!serde_json::to_string(&later).unwrap().contains(SECRET));
    // Read again later, the output is still there, with the secret's value replaced.
    let scrubbed = "Logged in with [secret] and read the balance.";
    assert_eq!(
        structured(&later)["output"],
        scrubbed,
        "{}",
        summary(&later)
    );
    // So it is for a run whose end was waited on by get_execution (which knows the secret's
    // value only from this process's memory), read again after that.
    let started = h
        .call(
            "run_task",
            json!({"task": "Log in again with x_password", "secrets": {"x_password": SECRET},
                   "wait_seconds": 0}),
        )
        .await;
    let id = structured(&started)["execution_id"].clone();
    let waited = h
        .call(
            "get_execution",
            json!({"execution_id": id, "wait_seconds": 30}),
        )
        .await;
    assert_eq!(
        structured(&waited)["output"],
        scrubbed,
        "{}",
        summary(&waited)
    );
    let again = h.call("get_execution", json!({"execution_id": id})).await;
    assert_eq!(
        structured(&again)["output"],
        scrubbed,
        "{}",
        summary(&again)
    );
    assert!(!serde_json::to_string(&again).unwrap().contains(SECRET));
    assert!(!h.stderr().contains(SECRET));
    // The catalog and its write-ahead log.
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", h.catalog.display());
        if let Ok(stored) = std::fs::read(&path) {
            assert!(
                !String::from_utf8_lossy(&stored).contains(SECRET),
                "{path} holds the secret"
            );
        }
    }
}
