//! Anchor runs stopped by ending their browser session: by a client's cancel of the call that
//! waits on the run, and by `cancel_execution`; a code run whose session is not known is not
//! pretended stopped.

use std::time::Duration;

use browser_tasks_fakes::anchor::{GenerationScript, RunScript};
use serde_json::{Value, json};

use crate::harness::{Harness, is_error, structured, summary, wait_until};

const END_SESSION: &str = "DELETE /v1/sessions/{session_id}";
const RUN_STATUS: &str = "GET /v2/tasks/runs/{runId}/status";

/// A ready generated task whose runs go on for ten minutes.
async fn slow_generated_task(h: &Harness) -> String {
    h.fake.set_default_generation_script(GenerationScript {
        generating_checks: 0,
        ..GenerationScript::default()
    });
    h.fake
        .set_default_run_script(RunScript::default().lasting(Duration::from_secs(600)));
    let generated = h
        .call(
            "generate_task",
            json!({"name": "slow-watch", "prompt": "Watch example.com for a long time."}),
        )
        .await;
    assert!(!is_error(&generated), "{}", summary(&generated));
    structured(&generated)["task_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn session_of(h: &Harness) -> String {
    let sessions = h.fake.sessions();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    sessions[0].0.clone()
}

#[tokio::test]
async fn a_cancelled_call_ends_the_runs_session_once() {
    let h = Harness::start().await;
    let task_id = slow_generated_task(&h).await;
    let handle = h
        .start_cancellable("run_task", json!({"task_id": task_id}))
        .await;
    h.wait_for_count(RUN_STATUS, 3).await;
    handle.cancel(Some("not needed".into())).await.unwrap();
    h.wait_for_count(END_SESSION, 1).await;
    let session = session_of(&h);
    let request = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .unwrap();
    assert_eq!(request.path, format!("/v1/sessions/{session}"));
    assert_eq!(h.fake.sessions(), vec![(session, true)]);
    // Polling stopped with the session; the run reads as cancelled.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let polls = h.fake.count(RUN_STATUS);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.fake.count(RUN_STATUS), polls, "polled after the stop");
    assert_eq!(h.fake.count(END_SESSION), 1);
}

#[tokio::test]
async fn cancel_execution_stops_an_anchor_run_whose_call_returned() {
    let h = Harness::start().await;
    // Listed with Anchor alone.
    assert!(h.tools().iter().any(|t| t.name == "cancel_execution"));
    let task_id = slow_generated_task(&h).await;
    let started = h
        .call("run_task", json!({"task_id": task_id, "wait_seconds": 0}))
        .await;
    assert!(!is_error(&started), "{}", summary(&started));
    let execution_id = structured(&started)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();

    let stopped = h
        .call("cancel_execution", json!({"execution_id": execution_id}))
        .await;
    assert!(!is_error(&stopped), "{}", summary(&stopped));
    let out = structured(&stopped);
    assert_eq!(out["stopped"], true);
    assert_eq!(out["status"], "cancelled");
    assert_eq!(out["run"]["status"], "cancelled");
    assert!(summary(&stopped).contains("Ended the browser session"));
    assert_eq!(h.fake.count(END_SESSION), 1);
    assert!(h.fake.sessions()[0].1, "the session ended");

    // Again: it has ended, nothing more is sent.
    let again = h
        .call("cancel_execution", json!({"execution_id": execution_id}))
        .await;
    assert_eq!(structured(&again)["stopped"], false, "{}", summary(&again));
    assert_eq!(h.fake.count(END_SESSION), 1);
    let read = h
        .call("get_execution", json!({"execution_id": execution_id}))
        .await;
    assert_eq!(structured(&read)["status"], "cancelled");
}

#[tokio::test]
async fn a_code_run_without_a_known_session_is_not_pretended_stopped() {
    let h = Harness::start().await;
    let task_id = h
        .fake
        .seed_code_task("slow-code", "export default async () => 1", 1);
    h.fake
        .set_default_run_script(RunScript::default().lasting(Duration::from_secs(600)));
    let started = h
        .call("run_task", json!({"task_id": task_id, "wait_seconds": 0}))
        .await;
    let execution_id = structured(&started)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = h
        .call("cancel_execution", json!({"execution_id": execution_id}))
        .await;
    assert!(is_error(&refused));
    assert!(
        summary(&refused).contains("does not report the browser session"),
        "{}",
        summary(&refused)
    );
    assert_eq!(h.fake.count(END_SESSION), 0);

    // With the session it was started on, it stops.
    let session = "6f1c8a2e-0b4d-4e1a-9c3f-2d7e5b9a1c00";
    let started = h
        .call(
            "run_task",
            json!({"task_id": task_id, "session_id": session, "wait_seconds": 0}),
        )
        .await;
    assert!(!is_error(&started), "{}", summary(&started));
    let execution_id = structured(&started)["execution_id"].clone();
    let stopped = h
        .call(
            "cancel_execution",
            json!({"execution_id": execution_id, "session_id": session}),
        )
        .await;
    assert!(!is_error(&stopped), "{}", summary(&stopped));
    assert_eq!(structured(&stopped)["status"], Value::from("cancelled"));
    assert_eq!(h.fake.count(END_SESSION), 1);
    wait_until(
        || {
            h.fake
                .sessions()
                .iter()
                .any(|(id, ended)| id == session && *ended)
        },
        "the session ended",
    )
    .await;
}
