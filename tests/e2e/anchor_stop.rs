//! Anchor runs stopped by ending their browser session: by a client's cancel of the call that
//! waits on the run, and by `cancel_execution`. A code run goes in a session the server opens
//! for it (with its browser configuration), recorded with the run, so both end it; with that
//! turned off (`--anchor-run-sessions false`), a code run whose session is not known is not
//! pretended stopped.

use std::time::Duration;

use browser_tasks_fakes::anchor::{GenerationScript, RunScript};
use browser_tasks_fakes::ledger::Fault;
use serde_json::{Value, json};

use crate::harness::{Harness, Options, is_error, structured, summary, wait_until};

const END_SESSION: &str = "DELETE /v1/sessions/{session_id}";
const OPEN_SESSION: &str = "POST /v1/sessions";
const RUN_CODE: &str = "POST /v1/task/run";
const RUN_STATUS: &str = "GET /v2/tasks/runs/{runId}/status";
const EXECUTION: &str = "GET /v1/task/{taskId}/executions/{executionId}";

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
    let h =
        Harness::with(Options::default().env("BROWSER_TASKS_ANCHOR_RUN_SESSIONS", "false")).await;
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

    // Turned off, the server opens no session of its own.
    assert_eq!(h.fake.count(OPEN_SESSION), 0);
    // With the session it was started on (one the caller opened), it stops.
    let session = h.fake.open_session();
    let session = session.as_str();
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

/// A code task whose draft carries a browser configuration; its runs last ten minutes.
async fn slow_configured_code_task(h: &Harness, name: &str) -> (String, Value) {
    let configuration =
        json!({"initial_url": "https://example.com/", "timeout": {"idle_timeout": 3}});
    let created = h
        .call(
            "create_task",
            json!({"name": name, "code": "export default async () => 1",
                   "browser_configuration": configuration}),
        )
        .await;
    assert!(!is_error(&created), "{}", summary(&created));
    h.fake
        .set_default_run_script(RunScript::default().lasting(Duration::from_secs(600)));
    let task_id = structured(&created)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    (task_id, configuration)
}

/// The body of the one code run the fake was asked to start.
fn run_body(h: &Harness) -> Value {
    let runs: Vec<_> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.route == "/v1/task/run")
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs[0].body.clone().unwrap()
}

#[tokio::test]
async fn a_code_run_goes_in_a_session_of_its_own_with_its_tasks_browser_configuration() {
    let h = Harness::start().await;
    let (task_id, configuration) = slow_configured_code_task(&h, "configured-run").await;
    let started = h
        .call(
            "run_task",
            json!({"task_id": task_id, "version": "draft", "wait_seconds": 0}),
        )
        .await;
    assert!(!is_error(&started), "{}", summary(&started));
    let report = structured(&started);
    assert_eq!(h.fake.count(OPEN_SESSION), 1);
    let sessions = h.fake.sessions();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let session = sessions[0].0.clone();
    // The session has the task version's own settings, so the run behaves as before.
    assert_eq!(h.fake.session_configuration(&session), Some(configuration));
    let body = run_body(&h);
    assert_eq!(body["sessionId"], session.as_str());
    assert_eq!(body["cleanupSessions"], true);
    assert_eq!(report["session_id"], session.as_str());
    assert!(
        report["live_url"]
            .as_str()
            .is_some_and(|u| u.contains(&session)),
        "{report}"
    );

    // The catalog's record carries the session: a read by execution id alone reports it.
    let read = h
        .call(
            "get_execution",
            json!({"execution_id": report["execution_id"]}),
        )
        .await;
    assert_eq!(
        structured(&read)["session_id"],
        session.as_str(),
        "{}",
        summary(&read)
    );
}

#[tokio::test]
async fn a_runs_own_browser_configuration_makes_its_session() {
    let h = Harness::start().await;
    let (task_id, _) = slow_configured_code_task(&h, "overridden-run").await;
    let given = json!({"tags": ["from-the-run"]});
    let started = h
        .call(
            "run_task",
            json!({"task_id": task_id, "version": "draft", "wait_seconds": 0,
                   "browser_configuration": given}),
        )
        .await;
    assert!(!is_error(&started), "{}", summary(&started));
    let session = structured(&started)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(h.fake.session_configuration(&session), Some(given));
    // The task's version was not read for its configuration: the run gave one.
    assert_eq!(h.fake.count("GET /v1/task/{taskId}/{taskVersion}"), 0);
    assert_eq!(h.fake.count("GET /v1/task/{taskId}/draft"), 0);
}

#[tokio::test]
async fn cancel_execution_ends_a_code_runs_own_session() {
    let h = Harness::start().await;
    let (task_id, _) = slow_configured_code_task(&h, "stoppable-code").await;
    let started = h
        .call(
            "run_task",
            json!({"task_id": task_id, "version": "draft", "wait_seconds": 0}),
        )
        .await;
    let execution_id = structured(&started)["execution_id"].clone();
    let session = structured(&started)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let stopped = h
        .call("cancel_execution", json!({"execution_id": execution_id}))
        .await;
    assert!(!is_error(&stopped), "{}", summary(&stopped));
    assert_eq!(structured(&stopped)["stopped"], true);
    assert_eq!(structured(&stopped)["status"], "cancelled");
    assert_eq!(h.fake.count(END_SESSION), 1);
    assert_eq!(h.fake.sessions(), vec![(session, true)]);
}

#[tokio::test]
async fn a_cancelled_call_ends_a_code_runs_own_session() {
    let h = Harness::start().await;
    let (task_id, _) = slow_configured_code_task(&h, "cancelled-code").await;
    let handle = h
        .start_cancellable("run_task", json!({"task_id": task_id, "version": "draft"}))
        .await;
    h.wait_for_count(EXECUTION, 2).await;
    handle.cancel(Some("not needed".into())).await.unwrap();
    h.wait_for_count(END_SESSION, 1).await;
    let sessions = h.fake.sessions();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert!(sessions[0].1, "the session ended");
    let body = run_body(&h);
    assert_eq!(body["sessionId"], sessions[0].0.as_str());
}

#[tokio::test]
async fn a_refused_code_run_ends_the_session_opened_for_it() {
    let h = Harness::start().await;
    // A task Anchor does not have, with the run's own settings (so none are read first).
    let started = h
        .call(
            "run_task",
            json!({"task_id": "0b6a2c1e-5d4f-4a3b-9c8d-7e6f5a4b3c2d", "kind": "code",
                   "browser_configuration": {"tags": ["x"]}, "wait_seconds": 0}),
        )
        .await;
    assert!(is_error(&started), "{}", summary(&started));
    assert_eq!(h.fake.count(OPEN_SESSION), 1);
    assert_eq!(h.fake.count(RUN_CODE), 1);
    assert_eq!(h.fake.count(END_SESSION), 1);
    assert!(h.fake.sessions().iter().all(|(_, ended)| *ended));
}

#[tokio::test]
async fn a_lost_session_answer_starts_no_run_and_is_not_retried() {
    let h = Harness::start().await;
    let (task_id, _) = slow_configured_code_task(&h, "lost-session").await;
    h.fake.inject(Fault::reset_after(OPEN_SESSION));
    let answer = h
        .call(
            "run_task",
            json!({"task_id": task_id, "version": "draft", "wait_seconds": 0}),
        )
        .await;
    assert!(is_error(&answer), "{}", summary(&answer));
    let text = summary(&answer);
    assert!(text.contains("no run was started"), "{text}");
    assert!(text.contains("idle timeout"), "{text}");
    assert_eq!(h.fake.count(OPEN_SESSION), 1, "never sent twice");
    assert_eq!(h.fake.count(RUN_CODE), 0);
    assert!(h.fake.run_ids().is_empty());
}

#[tokio::test]
async fn a_run_in_an_unknown_or_ended_session_is_refused_as_anchor_documents() {
    let h = Harness::start().await;
    let task_id = h
        .fake
        .seed_code_task("in-a-session", "export default async () => 1", 1);
    let ended = h.fake.open_session();
    let stopped = h
        .call(
            "run_task",
            json!({"task_id": task_id, "session_id": ended, "wait_seconds": 0}),
        )
        .await;
    assert!(!is_error(&stopped), "{}", summary(&stopped));
    let execution_id = structured(&stopped)["execution_id"].clone();
    let cancelled = h
        .call("cancel_execution", json!({"execution_id": execution_id}))
        .await;
    assert_eq!(
        structured(&cancelled)["stopped"],
        true,
        "{}",
        summary(&cancelled)
    );
    for session in ["2c9d6f0e-8a1b-4c3d-9e5f-7a6b5c4d3e2f", ended.as_str()] {
        let refused = h
            .call(
                "run_task",
                json!({"task_id": task_id, "session_id": session, "wait_seconds": 0}),
            )
            .await;
        assert!(is_error(&refused), "{}", summary(&refused));
        let text = summary(&refused);
        assert!(
            text.contains("404") && text.contains("Session not found"),
            "{text}"
        );
        assert!(text.contains("No run was started"), "{text}");
    }
    // A session given is used as it is: the server opens none of its own.
    assert_eq!(h.fake.count(OPEN_SESSION), 0);
    assert_eq!(h.fake.count(RUN_CODE), 3);
}
