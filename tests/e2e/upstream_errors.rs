//! Upstream failures become isError results naming the HTTP status, the API's message and a
//! hint; reads are retried on rate limits and gateway errors, writes never.

use std::time::Duration;

use browser_tasks_fakes::anchor::{Fault, RunScript};
use serde_json::json;

use crate::harness::{Harness, KEY, Options, is_error, structured, summary};

const RUN: &str = "POST /v1/task/run";

#[tokio::test]
async fn a_wrong_key_is_a_401_with_a_hint_and_never_leaks() {
    let wrong = "sk-wrong-0b5e2d";
    let h = Harness::with(Options::default().env("ANCHOR_API_KEY", wrong).binary()).await;
    let result = h.call("list_tasks", json!({})).await;
    assert!(is_error(&result));
    insta::assert_snapshot!("unauthorized", summary(&result));
    let error = &structured(&result)["error"];
    assert_eq!(error["http_status"], 401);
    assert_eq!(error["message"], "Invalid API Key");
    let everything = format!("{result:?}{}", h.stderr());
    assert!(!everything.contains(wrong), "the key leaked");
    assert!(!everything.contains(KEY));
}

#[tokio::test]
async fn client_errors_carry_the_api_message() {
    let h = Harness::start().await;
    h.fake.inject(Fault::status(
        "POST /v1/task",
        400,
        r#"{"error":{"code":400,"message":"Task code failed to compile"}}"#,
    ));
    h.fake.inject(Fault::status(
        "POST /v1/task",
        409,
        r#"{"error":{"code":409,"message":"A task with this name already exists"}}"#,
    ));
    let bad = h
        .call("create_task", json!({"name": "a", "code": "x"}))
        .await;
    let text = summary(&bad);
    assert!(
        text.contains("HTTP 400") && text.contains("Task code failed to compile"),
        "{text}"
    );
    let conflict = h
        .call("create_task", json!({"name": "a", "code": "x"}))
        .await;
    let text = summary(&conflict);
    assert!(
        text.contains("HTTP 409") && text.contains("Choose another name"),
        "{text}"
    );

    let missing = h
        .call(
            "get_task",
            json!({"task_id": "550e8400-e29b-41d4-a716-446655440000"}),
        )
        .await;
    let text = summary(&missing);
    assert!(
        text.contains("HTTP 404") && text.contains("Task not found"),
        "{text}"
    );
    assert!(text.contains("list_tasks"), "{text}");
    assert_eq!(h.fake.count("POST /v1/task"), 2, "writes are never retried");
}

#[tokio::test]
async fn reads_are_retried_after_rate_limits_and_gateway_errors() {
    let h = Harness::start().await;
    let listed = || h.fake.count("GET /v1/task");
    let start = listed();
    h.fake.inject(
        Fault::status(
            "GET /v1/task",
            429,
            r#"{"error":{"code":429,"message":"Too many requests"}}"#,
        )
        .header("Retry-After", "1"),
    );
    h.fake.inject(Fault::status(
        "GET /v1/task",
        502,
        "<html>Bad Gateway</html>",
    ));
    let result = h.call("list_tasks", json!({})).await;
    assert!(!is_error(&result), "{}", summary(&result));
    assert_eq!(listed() - start, 3);

    // Past the attempts allowed (3), the last failure is reported.
    h.fake
        .inject(Fault::status("GET /v1/task", 503, "").times(3));
    let result = h.call("list_tasks", json!({})).await;
    assert!(is_error(&result));
    assert!(
        summary(&result).contains("HTTP 503"),
        "{}",
        summary(&result)
    );
    assert_eq!(listed() - start, 6);

    // A 500 is not a gateway blip: not retried.
    h.fake
        .inject(Fault::status("GET /v1/task", 500, r#"{"message":"boom"}"#));
    let result = h.call("list_tasks", json!({})).await;
    assert!(summary(&result).contains("HTTP 500: boom"));
    assert_eq!(listed() - start, 7);
}

#[tokio::test]
async fn a_run_request_is_never_retried() {
    let h = Harness::start().await;
    let task_id = h.fake.seed_code_task("once", "x", 1);
    for (status, body, expected) in [
        (
            429,
            r#"{"error":{"code":429,"message":"Slow down"}}"#,
            "Wait at least 7 s",
        ),
        (503, "", "check list_executions first"),
        (502, "", "check list_executions first"),
    ] {
        h.fake
            .inject(Fault::status(RUN, status, body).header("Retry-After", "7"));
        let before = h.fake.count(RUN);
        let result = h.call("run_task", json!({"task_id": task_id})).await;
        assert!(is_error(&result));
        let text = summary(&result);
        assert!(
            text.contains(&format!("HTTP {status}")) && text.contains(expected),
            "{text}"
        );
        assert_eq!(
            h.fake.count(RUN),
            before + 1,
            "HTTP {status} on a run was retried"
        );
    }
}

#[tokio::test]
async fn a_timed_out_run_request_says_to_check_before_retrying() {
    let h =
        Harness::with(Options::default().env("BROWSER_TASKS_WRITE_TIMEOUT_SECONDS", "0.3")).await;
    let task_id = h.fake.seed_code_task("slow-start", "x", 1);
    h.fake.inject(Fault::slow(RUN, Duration::from_secs(5)));
    let result = h.call("run_task", json!({"task_id": task_id})).await;
    assert!(is_error(&result));
    let text = summary(&result);
    assert!(
        text.contains("did not answer") && text.contains("list_executions"),
        "{text}"
    );
    assert_eq!(h.fake.count(RUN), 1);
}

#[tokio::test]
async fn an_unreadable_success_body_is_reported() {
    let h = Harness::start().await;
    h.fake.inject(Fault::status(
        "GET /v1/task",
        200,
        "<html>maintenance</html>",
    ));
    let result = h.call("list_tasks", json!({})).await;
    assert!(is_error(&result));
    let text = summary(&result);
    assert!(
        text.contains("could not be read") && text.contains("<html>maintenance"),
        "{text}"
    );
}

#[tokio::test]
async fn a_status_check_that_fails_for_good_keeps_the_ids() {
    let h = Harness::start().await;
    let task_id = h.fake.seed_code_task("vanishing", "x", 1);
    h.fake
        .set_run_script(&task_id, RunScript::default().running_for_checks(5));
    h.fake.inject(Fault::status(
        "GET /v1/task/{taskId}/executions/{executionId}",
        404,
        r#"{"error":{"code":404,"message":"Execution not found"}}"#,
    ));
    let result = h.call("run_task", json!({"task_id": task_id})).await;
    assert!(is_error(&result));
    let text = summary(&result);
    assert!(
        text.contains("do not start it again") && text.contains(&task_id),
        "{text}"
    );
    assert!(text.contains("Execution not found"), "{text}");
    assert_eq!(h.fake.count(RUN), 1);
}

#[tokio::test]
async fn transient_status_check_failures_do_not_end_the_wait() {
    let h = Harness::with(Options::default().env("BROWSER_TASKS_READ_ATTEMPTS", "1")).await;
    let task_id = h.fake.seed_code_task("bumpy", "x", 1);
    h.fake.set_run_script(
        &task_id,
        RunScript::succeeding_with(json!(1)).running_for_checks(2),
    );
    h.fake
        .inject(Fault::status("GET /v1/task/{taskId}/executions/{executionId}", 503, "").times(2));
    let result = h.call("run_task", json!({"task_id": task_id})).await;
    assert!(!is_error(&result), "{}", summary(&result));
    assert_eq!(structured(&result)["output"], 1);
    let notes: Vec<String> = h.progress().into_iter().filter_map(|p| p.message).collect();
    assert!(
        notes.iter().any(|m| m.contains("status check failed")),
        "{notes:#?}"
    );
}
