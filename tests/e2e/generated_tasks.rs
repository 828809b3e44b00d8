//! Generated tasks (Anchor's Task Builder, v2): generate with progress, then run.

use std::time::Duration;

use browser_tasks_fakes::anchor::{GenerationOutcome, GenerationScript, RunScript};
use serde_json::json;

use crate::harness::{Harness, is_error, structured, summary};

fn hn_arguments() -> serde_json::Value {
    json!({
        "name": "hn-top-posts",
        "prompt": "Open news.ycombinator.com and return the titles of the top posts.",
        "input_parameters": [
            {"name": "count", "type": "number", "required": false, "defaultValue": 10, "description": "How many posts"},
            {"name": "section", "type": "string", "options": ["news", "ask"]},
            {"name": "File Name", "type": "string", "required": false},
            {"name": "include comments", "type": "boolean", "required": false}
        ],
        "output_parameters": [
            {"name": "titles", "type": "string"},
            {"name": "total", "type": "number"}
        ],
        "output_file_only": false,
        "human_intervention": false
    })
}

#[tokio::test]
async fn generate_waits_with_progress_until_ready_then_runs() {
    let h = Harness::start().await;
    h.fake.set_default_generation_script(GenerationScript {
        generating_checks: 4,
        ..GenerationScript::default()
    });

    let generated = h.call("generate_task", hn_arguments()).await;
    assert!(!is_error(&generated), "{}", summary(&generated));
    let task = structured(&generated);
    assert_eq!(task["status"], "ready");
    assert_eq!(task["ready"], true);
    assert_eq!(task["kind"], "generated");
    assert_eq!(task["input_parameters"].as_array().unwrap().len(), 4);
    let task_id = task["task_id"].as_str().unwrap().to_string();
    // The catalog's history starts with the generation.
    assert_eq!(task["versions"].as_array().unwrap().len(), 1, "{task}");
    assert_eq!(task["versions"][0]["version"], "1");
    assert_eq!(task["versions"][0]["event"], "generated");

    let progress = h.progress();
    let messages: Vec<String> = progress.iter().filter_map(|p| p.message.clone()).collect();
    assert!(
        messages.first().unwrap().contains(": generating,"),
        "{messages:?}"
    );
    assert!(
        messages.last().unwrap().contains(": ready,"),
        "{messages:?}"
    );
    assert!(messages.iter().all(|m| m.contains(&task_id)));

    // The spec's body (GenerateTaskV2Request): no older spelling, no description made up.
    let body = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.route == "/v2/tasks/generate")
        .and_then(|r| r.body)
        .unwrap();
    assert_eq!(body["taskName"], "hn-top-posts");
    assert_eq!(body["taskPrompt"], hn_arguments()["prompt"]);
    for absent in ["name", "user_task", "description"] {
        assert!(body.get(absent).is_none(), "{absent} sent: {body}");
    }
    assert_eq!(body["input_schema"][0]["defaultValue"], 10);
    assert_eq!(h.fake.count("POST /v2/tasks/generate"), 1);

    // The server remembers the task: run_task recognises its id without being told its kind,
    // and sends every input as text (the fake rejects anything else and checks the values).
    let run = h
        .call(
            "run_task",
            json!({"task_id": task_id, "inputs": {"section": "ask", "count": 5, "File Name": "x.pdf", "include comments": true}}),
        )
        .await;
    assert!(!is_error(&run), "{}", summary(&run));
    let report = structured(&run);
    assert_eq!(report["kind"], "generated");
    assert_eq!(report["task_name"], "hn-top-posts");
    assert_eq!(
        report["output"],
        json!({"titles": "sample titles", "total": 42})
    );
    let run_body = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.route == "/v2/tasks/{taskId}/run")
        .and_then(|r| r.body)
        .unwrap();
    assert_eq!(
        run_body["input_params"],
        json!({"section": "ask", "count": "5", "File Name": "x.pdf", "include comments": "true"})
    );

    let listed = h.call("list_tasks", json!({})).await;
    let tasks = structured(&listed)["tasks"].clone();
    assert_eq!(tasks[0]["task_id"], task_id.as_str());
    assert_eq!(tasks[0]["kind"], "generated");
    assert_eq!(tasks[0]["status"], "ready");
}

#[tokio::test]
async fn a_failed_generation_is_an_error_with_the_reason() {
    let h = Harness::start().await;
    h.fake.set_generation_script(
        "impossible",
        GenerationScript {
            generating_checks: 1,
            min_duration: Duration::ZERO,
            outcome: GenerationOutcome::Failed("Could not reach the site".into()),
            ..GenerationScript::default()
        },
    );
    let result = h
        .call(
            "generate_task",
            json!({"name": "impossible", "prompt": "Log in to a site that does not exist."}),
        )
        .await;
    assert!(is_error(&result));
    assert!(summary(&result).contains("Could not reach the site"));
    assert_eq!(structured(&result)["status"], "failed");
}

#[tokio::test]
async fn a_slow_generation_returns_its_id_and_get_task_waits_for_it() {
    let h = Harness::start().await;
    h.fake.set_default_generation_script(GenerationScript {
        generating_checks: 1,
        min_duration: Duration::from_millis(1200),
        outcome: GenerationOutcome::Ready,
        ..GenerationScript::default()
    });
    let started = h
        .call("generate_task", json!({"name": "slow-one", "prompt": "Do a slow thing carefully.", "wait_seconds": 0.2}))
        .await;
    assert!(!is_error(&started), "{}", summary(&started));
    let task = structured(&started);
    assert_eq!(task["ready"], false);
    assert!(task["next_step"].as_str().unwrap().contains("get_task"));
    let task_id = task["task_id"].as_str().unwrap();

    let ready = h
        .call("get_task", json!({"task_id": task_id, "wait_seconds": 10}))
        .await;
    assert_eq!(structured(&ready)["status"], "ready", "{}", summary(&ready));
    assert_eq!(h.fake.count("POST /v2/tasks/generate"), 1);
}

#[tokio::test]
async fn a_failed_generated_run_is_an_error() {
    let h = Harness::start().await;
    let generated = h
        .call(
            "generate_task",
            json!({"name": "flaky", "prompt": "Click the button on the page."}),
        )
        .await;
    let task_id = structured(&generated)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    h.fake.set_run_script(
        &task_id,
        RunScript::ending(browser_tasks_fakes::anchor::RunOutcome::Failure(
            "Button never appeared".into(),
        )),
    );
    let result = h.call("run_task", json!({"task_id": task_id})).await;
    assert!(is_error(&result));
    assert_eq!(structured(&result)["status"], "failure");
    assert!(summary(&result).contains("Button never appeared"));
}
