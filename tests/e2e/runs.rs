//! Waiting on runs: progress while waiting, the wait budget and its handle, cancellation,
//! failed runs, and never starting a run twice.

use std::time::Duration;

use browser_tasks_fakes::anchor::{RunOutcome, RunScript};
use serde_json::json;

use crate::harness::{Harness, Options, is_error, structured, summary};

const RUN: &str = "POST /v1/task/run";
const STATUS: &str = "GET /v1/task/{taskId}/executions/{executionId}";

#[tokio::test]
async fn a_long_run_reports_progress_until_it_succeeds() {
    let h = Harness::start().await;
    let task_id = h
        .fake
        .seed_code_task("slow", "export default async () => 1", 1);
    h.fake.set_run_script(
        &task_id,
        RunScript::succeeding_with(json!({"rows": 3})).lasting(Duration::from_millis(1200)),
    );

    let result = h.call("run_task", json!({"task_id": task_id})).await;
    assert!(!is_error(&result), "{}", summary(&result));
    let report = structured(&result);
    assert_eq!(report["output"], json!({"rows": 3}));
    let execution_id = report["execution_id"].as_str().unwrap().to_string();

    let progress = h.progress();
    // A report at the start, one per status change (queued → running → success) and
    // heartbeats at least every 200 ms in between.
    assert!(
        progress.len() >= 6,
        "only {} progress notifications",
        progress.len()
    );
    let values: Vec<f64> = progress.iter().map(|p| p.progress).collect();
    assert!(
        values.windows(2).all(|w| w[1] > w[0]),
        "not increasing: {values:?}"
    );
    let messages: Vec<String> = progress.iter().filter_map(|p| p.message.clone()).collect();
    assert!(
        messages
            .iter()
            .all(|m| m.contains(&execution_id) && m.contains("elapsed"))
    );
    // (A status is followed by where to watch the run, once its session is known.)
    for status in ["queued", "running", "success"] {
        assert!(
            messages.iter().any(
                |m| m.contains(&format!(": {status},")) || m.contains(&format!(": {status} ("))
            ),
            "no {status} in {messages:#?}"
        );
    }
    assert_eq!(h.fake.count(RUN), 1, "the run was POSTed exactly once");
}

#[tokio::test]
async fn a_run_over_budget_returns_a_handle_that_get_execution_completes() {
    let h = Harness::start().await;
    let task_id = h
        .fake
        .seed_code_task("long", "export default async () => 1", 1);
    h.fake.set_run_script(
        &task_id,
        RunScript::succeeding_with(json!("done")).lasting(Duration::from_millis(1500)),
    );

    let started = h
        .call("run_task", json!({"task_id": task_id, "wait_seconds": 0.3}))
        .await;
    assert!(
        !is_error(&started),
        "over budget is not an error: {}",
        summary(&started)
    );
    let report = structured(&started);
    assert_eq!(report["finished"], false);
    assert!(matches!(
        report["status"].as_str(),
        Some("queued" | "running")
    ));
    assert!(
        report["next_step"]
            .as_str()
            .unwrap()
            .contains("get_execution")
    );
    assert!(summary(&started).contains("still"));
    let execution_id = report["execution_id"].as_str().unwrap();
    assert_eq!(report["task_id"], task_id.as_str());

    // Without wait_seconds it answers at once with the current state.
    let peek = h
        .call(
            "get_execution",
            json!({"task_id": task_id, "execution_id": execution_id}),
        )
        .await;
    assert_eq!(structured(&peek)["finished"], false);

    let done = h
        .call(
            "get_execution",
            json!({"task_id": task_id, "execution_id": execution_id, "wait_seconds": 10}),
        )
        .await;
    assert!(!is_error(&done), "{}", summary(&done));
    assert_eq!(structured(&done)["status"], "success");
    assert_eq!(structured(&done)["output"], "done");
    assert_eq!(
        h.fake.count(RUN),
        1,
        "waiting longer never starts the run again"
    );
}

#[tokio::test]
async fn cancelling_the_request_stops_polling_at_once() {
    let h = Harness::start().await;
    let task_id = h
        .fake
        .seed_code_task("endless", "export default async () => 1", 1);
    h.fake.set_run_script(
        &task_id,
        RunScript::default().lasting(Duration::from_secs(600)),
    );
    let handle = h
        .start_cancellable("run_task", json!({"task_id": task_id}))
        .await;
    h.wait_for_count(STATUS, 3).await;
    handle
        .cancel(Some("user changed their mind".into()))
        .await
        .unwrap();
    // Give a cancellation in flight time to land, then nothing more may arrive.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let after_cancel = h.fake.count(STATUS);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        h.fake.count(STATUS),
        after_cancel,
        "status polled after cancellation"
    );
    assert_eq!(h.fake.count(RUN), 1);
    // The server is still healthy.
    let listed = h.call("list_tasks", json!({})).await;
    assert!(!is_error(&listed));
}

#[tokio::test]
async fn failed_timed_out_and_cancelled_runs_are_errors_with_the_ids() {
    let h = Harness::start().await;
    let cases = [
        (
            RunOutcome::Failure("Element #buy not found".into()),
            "failure",
            "Element #buy not found",
        ),
        (RunOutcome::Timeout, "timeout", "maximum duration"),
        (RunOutcome::Cancelled, "cancelled", "cancelled"),
    ];
    for (i, (outcome, status, text)) in cases.into_iter().enumerate() {
        let task_id = h.fake.seed_code_task(&format!("fails-{i}"), "x", 1);
        h.fake.set_run_script(&task_id, RunScript::ending(outcome));
        let result = h.call("run_task", json!({"task_id": task_id})).await;
        assert!(is_error(&result), "{status} must be an error");
        let report = structured(&result);
        assert_eq!(report["status"], status);
        assert!(report["error"].as_str().unwrap().contains(text));
        let text_shown = summary(&result);
        assert!(text_shown.contains(text), "{text_shown}");
        assert!(text_shown.contains(report["execution_id"].as_str().unwrap()));
        assert!(text_shown.contains(&task_id));
    }
    assert_eq!(h.fake.count(RUN), 3);
}

#[tokio::test]
async fn the_default_wait_budget_comes_from_the_configuration() {
    let h = Harness::with(Options::default().env("BROWSER_TASKS_WAIT_SECONDS", "0.2")).await;
    let task_id = h.fake.seed_code_task("budget", "x", 1);
    h.fake.set_run_script(
        &task_id,
        RunScript::default().lasting(Duration::from_secs(30)),
    );
    let result = h.call("run_task", json!({"task_id": task_id})).await;
    assert_eq!(structured(&result)["finished"], false);
    // The summary says how long it waited: under a second, not the harness's 20 s default.
    let text = summary(&result);
    assert!(
        text.contains("after waiting") && text.contains(" ms"),
        "{text}"
    );
}
