//! Long calls the 2026 way: rmcp's own client declares the tasks extension
//! (`io.modelcontextprotocol/tasks`) and gets a task instead of a budgeted wait, then polls
//! `tasks/get` until it ends: a run from start to result, a request for a person answered
//! with `tasks/update`, `tasks/cancel` stopping the cloud run, a restart in the middle (another
//! process on the same catalog answers and finishes), and a request without the extension
//! still getting the budgeted wait. The task shapes an agent sees are snapshots.

use std::time::Duration;

use browser_tasks_fakes::anchor::RunScript;
use rmcp::model::{DetailedTask, TaskPayload, TaskStatus, UpdateTaskParams};
use serde_json::{Value, json};

use crate::harness::{Harness, Options, is_error, structured, summary, wait_until};

const END_SESSION: &str = "DELETE /v1/sessions/{session_id}";
const EXECUTION: &str = "GET /v1/task/{taskId}/executions/{executionId}";

/// `text` with every duration ("624 ms", "3 s") said as `<duration>`.
fn without_durations(text: &str) -> String {
    let mut said = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(|c: char| c.is_ascii_digit()) {
        let (before, from) = rest.split_at(at);
        let end = from
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(from.len());
        let (number, after) = from.split_at(end);
        said.push_str(before);
        // "624 ms" or "1 s", as the time came out: one word for both.
        let unit = [" ms", " s "]
            .into_iter()
            .chain([" s."])
            .find(|u| after.starts_with(u));
        match unit {
            Some(unit) => {
                said.push_str("<duration>");
                rest = &after[unit.trim_end_matches([' ', '.']).len()..];
            }
            None => {
                said.push_str(number);
                rest = after;
            }
        }
    }
    said.push_str(rest);
    said
}

/// A task's JSON with what changes from run to run named instead of shown (ids, times,
/// durations; JSON held in a text block too).
fn shape(value: &impl serde::Serialize, names: &[(&str, &str)]) -> Value {
    let mut value = serde_json::to_value(value).unwrap();
    fn walk(value: &mut Value, names: &[(&str, &str)]) {
        match value {
            Value::String(text) => {
                if let Ok(mut inner @ Value::Object(_)) = serde_json::from_str::<Value>(text) {
                    walk(&mut inner, names);
                    *text = inner.to_string();
                    return;
                }
                for (id, name) in names {
                    *text = text.replace(id, name);
                }
                *text = without_durations(text);
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, names)),
            Value::Object(map) => {
                for (key, inner) in map.iter_mut() {
                    match key.as_str() {
                        "createdAt" | "lastUpdatedAt" | "started_at" | "created_at" => {
                            *inner = Value::from("<time>")
                        }
                        "execution_time_ms" => *inner = Value::from("<ms>"),
                        _ => walk(inner, names),
                    }
                }
            }
            _ => {}
        }
    }
    walk(&mut value, names);
    value
}

fn terminal(task: &DetailedTask) -> bool {
    task.status().is_terminal()
}

async fn code_task(h: &Harness, name: &str, script: RunScript) -> String {
    let task_id = h
        .fake
        .seed_code_task(name, "export default async () => 1", 1);
    h.fake.set_run_script(&task_id, script);
    task_id
}

#[tokio::test]
async fn a_run_as_a_task_goes_from_start_to_result() {
    let h = Harness::with(Options::default().tasks()).await;
    let task_id = code_task(
        &h,
        "as-a-task",
        RunScript::succeeding_with(json!({"rows": 3})).lasting(Duration::from_millis(600)),
    )
    .await;
    let created = h.start_task("run_task", json!({"task_id": task_id})).await;
    let id = created.task.task_id.clone();
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
    assert_eq!(created.task.status, TaskStatus::Working);
    // The TTL is the longest wait a run may have (600 s by default); polling follows the
    // schedule (20 ms here).
    assert_eq!(created.task.ttl_ms, Some(600_000));
    assert_eq!(created.task.poll_interval_ms, Some(20));
    insta::assert_json_snapshot!("created", shape(&created, &[(&id, "<task>")]));

    let seen = h.task_until(&id, terminal).await;
    let messages: Vec<&str> = seen
        .iter()
        .filter_map(|t| t.task.status_message.as_deref())
        .collect();
    // What progress says: the run, its status, and where to watch it (its own session's
    // live view).
    assert!(
        messages
            .iter()
            .any(|m| m.contains(": running (watch live: https://live.fake-anchor.test/")),
        "{messages:?}"
    );
    // Progress went to the status message, not to notifications.
    assert!(h.progress().is_empty());
    let last = seen.last().unwrap();
    let TaskPayload::Completed { result } = &last.payload else {
        panic!("{last:?}");
    };
    let result: rmcp::model::CallToolResult =
        serde_json::from_value(Value::Object(result.clone())).unwrap();
    assert!(!is_error(&result), "{}", summary(&result));
    let report = structured(&result);
    assert_eq!(report["status"], "success");
    assert_eq!(report["output"], json!({"rows": 3}));
    let run_id = report["execution_id"].as_str().unwrap().to_string();
    let session = report["session_id"].as_str().unwrap().to_string();
    insta::assert_json_snapshot!(
        "completed",
        shape(
            last,
            &[
                (&id, "<task>"),
                (&task_id, "<task_id>"),
                (&run_id, "<run>"),
                (&session, "<session>")
            ]
        )
    );
}

#[tokio::test]
async fn a_request_without_the_extension_gets_the_budgeted_wait() {
    let h = Harness::start().await;
    let task_id = code_task(&h, "waited-on", RunScript::succeeding_with(json!(1))).await;
    // rmcp's `call_tool` takes only a complete result: a task would fail it.
    let result = h.call("run_task", json!({"task_id": task_id})).await;
    assert!(!is_error(&result), "{}", summary(&result));
    assert_eq!(structured(&result)["status"], "success");
    assert!(
        !h.progress().is_empty(),
        "progress notifications, as before"
    );

    // Declaring the extension, a tool that waits on nothing still answers at once.
    let t = Harness::with(Options::default().tasks()).await;
    let listed = t.call("list_tasks", json!({})).await;
    assert!(!is_error(&listed), "{}", summary(&listed));
    let read = t
        .call(
            "get_execution",
            json!({"execution_id": structured(&result)["execution_id"],
            "task_id": task_id}),
        )
        .await;
    assert!(is_error(&read), "another fake: the run is not there");
}

#[tokio::test]
async fn a_request_for_a_person_is_input_required_until_tasks_update_answers_it() {
    let h = Harness::with(Options::default().tasks()).await;
    let task_id = code_task(
        &h,
        "asks-a-person",
        RunScript::succeeding_with(json!("booked")),
    )
    .await;
    h.fake.set_session_script(
        &task_id,
        Vec::new(),
        Some(json!({"requestId": "req-1", "message": "Which table size?", "inputType": "text"})),
    );
    let created = h.start_task("run_task", json!({"task_id": task_id})).await;
    let id = created.task.task_id.clone();
    let seen = h
        .task_until(&id, |t| t.status() == TaskStatus::InputRequired)
        .await;
    let asking = seen.last().unwrap();
    let TaskPayload::InputRequired { input_requests } = &asking.payload else {
        panic!("{asking:?}");
    };
    assert_eq!(input_requests.keys().collect::<Vec<_>>(), vec!["req-1"]);
    insta::assert_json_snapshot!("input_required", shape(asking, &[(&id, "<task>")]));

    // The run waits for the answer; the client gives it with tasks/update.
    assert!(h.fake.intervention_answers().is_empty());
    let answer = json!({"action": "accept", "content": {"answer": "four"}});
    h.client
        .update_task(UpdateTaskParams::new(
            id.clone(),
            [("req-1".to_string(), answer)].into_iter().collect(),
        ))
        .await
        .unwrap();
    let seen = h.task_until(&id, terminal).await;
    let last = seen.last().unwrap();
    assert!(
        matches!(&last.payload, TaskPayload::Completed { result } if result["structuredContent"]["output"] == "booked"),
        "{last:?}"
    );
    assert_eq!(
        h.fake.intervention_answers(),
        vec![("req-1".to_string(), json!("four"))]
    );
}

#[tokio::test]
async fn tasks_cancel_stops_the_cloud_run_and_ends_its_session() {
    let h = Harness::with(Options::default().tasks()).await;
    let task_id = code_task(
        &h,
        "cancelled-task",
        RunScript::default().lasting(Duration::from_secs(600)),
    )
    .await;
    let created = h.start_task("run_task", json!({"task_id": task_id})).await;
    let id = created.task.task_id.clone();
    h.wait_for_count(EXECUTION, 2).await;
    h.client
        .cancel_task(rmcp::model::CancelTaskParams::new(id.clone()))
        .await
        .unwrap();
    let seen = h.task_until(&id, terminal).await;
    let last = seen.last().unwrap();
    assert_eq!(last.status(), TaskStatus::Cancelled, "{last:?}");
    let said = last.task.status_message.clone().unwrap_or_default();
    assert!(said.contains("Stopped the run"), "{said}");
    let run_id = h.fake.run_ids().remove(0);
    insta::assert_json_snapshot!(
        "cancelled",
        shape(
            last,
            &[(&id, "<task>"), (&run_id, "<run>"), (&task_id, "<task_id>")]
        )
    );
    // The code run's own session was ended: the run stopped in the cloud.
    assert_eq!(h.fake.count(END_SESSION), 1);
    let sessions = h.fake.sessions();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert!(sessions[0].1, "the session ended");
    // Cancelling again changes nothing.
    h.client
        .cancel_task(rmcp::model::CancelTaskParams::new(id.clone()))
        .await
        .unwrap();
    assert_eq!(h.fake.count(END_SESSION), 1);
}

#[tokio::test]
async fn an_unknown_task_is_not_found() {
    let h = Harness::with(Options::default().tasks()).await;
    let error = h
        .get_task("0b6a2c1e-5d4f-4a3b-9c8d-7e6f5a4b3c2d")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("unknown task"), "{error}");
}

#[tokio::test]
async fn a_restarted_server_answers_tasks_get_and_finishes_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.sqlite3");
    let options = || Options::default().tasks().binary().catalog(&catalog);
    let first = Harness::with(options()).await;
    let task_id = code_task(
        &first,
        "outlives-its-server",
        RunScript::succeeding_with(json!({"done": true})).lasting(Duration::from_secs(3)),
    )
    .await;
    let created = first
        .start_task("run_task", json!({"task_id": task_id}))
        .await;
    let id = created.task.task_id.clone();
    // The run started and was written down with the task.
    first.wait_for_count(EXECUTION, 1).await;
    let fake = first.stop().await;

    let second = Harness::on(fake.clone(), options()).await;
    let seen = second.task_until(&id, terminal).await;
    second
        .stderr_containing("finishing a task whose server stopped")
        .await;
    let last = seen.last().unwrap();
    let TaskPayload::Completed { result } = &last.payload else {
        panic!("{last:?}");
    };
    assert_eq!(
        result["structuredContent"]["status"], "success",
        "{result:?}"
    );
    assert_eq!(result["structuredContent"]["output"], json!({"done": true}));
    // Started once, by the first server.
    assert_eq!(fake.count("POST /v1/task/run"), 1);
    wait_until(|| fake.run_ids().len() == 1, "one run").await;
}

#[tokio::test]
async fn a_generation_and_a_tasks_own_tool_run_as_tasks() {
    let h = Harness::with(Options::default().tasks()).await;
    h.fake
        .set_default_generation_script(browser_tasks_fakes::anchor::GenerationScript {
            generating_checks: 2,
            ..Default::default()
        });
    let created = h
        .start_task(
            "generate_task",
            json!({"name": "title-reader", "prompt": "Open example.com and return its title."}),
        )
        .await;
    let seen = h.task_until(&created.task.task_id, terminal).await;
    let last = seen.last().unwrap();
    let TaskPayload::Completed { result } = &last.payload else {
        panic!("{last:?}");
    };
    assert_eq!(result["isError"], false, "{result:?}");
    let tool = h.wait_for_tool("title_reader").await;

    h.fake
        .set_default_run_script(RunScript::succeeding_with(json!({"title": "Example"})));
    let created = h.start_task(&tool.name, json!({})).await;
    let seen = h.task_until(&created.task.task_id, terminal).await;
    let last = seen.last().unwrap();
    let TaskPayload::Completed { result } = &last.payload else {
        panic!("{last:?}");
    };
    assert_eq!(
        result["structuredContent"]["output"],
        json!({"title": "Example"})
    );
}
