//! Servers sharing a catalog wait on a run as one waiter: one of them checks the run in the
//! cloud and records what it read, the others answer from the record (the fleet's promise that
//! a run waited on from several instances costs the cloud no more status requests than one
//! waiter would).

use std::sync::Arc;
use std::time::Duration;

use browser_tasks_fakes::anchor::{FakeAnchor, RunScript};
use serde_json::json;

use crate::harness::{Harness, KEY, Options, is_error, structured, summary, wait_until};

const STATUS: &str = "GET /v1/task/{taskId}/executions/{executionId}";

#[tokio::test]
async fn servers_sharing_a_catalog_check_a_run_as_one_waiter_would() {
    let fake = Arc::new(FakeAnchor::start(KEY).await.unwrap());
    let task = fake.seed_code_task("slow-report", "export default async () => 1", 1);
    fake.set_default_run_script(
        RunScript::succeeding_with(json!({"rows": 3})).lasting(Duration::from_secs(3)),
    );
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.sqlite3");
    // A steady pace (a check every 200 ms), so the counts compare whatever the machine's load.
    let options = || {
        Options::default()
            .env("BROWSER_TASKS_WAIT_SECONDS", "60")
            .env("BROWSER_TASKS_POLL_INITIAL_MS", "200")
            .env("BROWSER_TASKS_POLL_MAX_MS", "200")
            .catalog(&catalog)
    };
    let a = Harness::on(fake.clone(), options()).await;
    let b = Harness::on(fake.clone(), options()).await;

    // One server waits on a run from start to end: what one waiter costs.
    let before = fake.count(STATUS);
    let alone = a.call("run_task", json!({"task_id": task})).await;
    assert!(!is_error(&alone), "{}", summary(&alone));
    let one_waiter = fake.count(STATUS) - before;

    // The same run again, waited on by both: one starts it, the other follows it at once.
    let before = fake.count(STATUS);
    let runs_before = fake.run_ids();
    let started = a
        .start_cancellable("run_task", json!({"task_id": task}))
        .await;
    wait_until(
        || fake.run_ids().len() > runs_before.len(),
        "the second run to start",
    )
    .await;
    let run_id = fake
        .run_ids()
        .into_iter()
        .find(|id| !runs_before.contains(id))
        .unwrap();
    let followed = b
        .call(
            "get_execution",
            json!({"execution_id": run_id, "wait_seconds": 60}),
        )
        .await;
    let started = started.await_response().await.unwrap();
    let rmcp::model::ServerResult::CallToolResult(started) = started else {
        panic!("not a tool result: {started:?}");
    };
    let both_waiting = fake.count(STATUS) - before;
    eprintln!(
        "status checks of a 3-s run: {one_waiter} with one server waiting, {both_waiting} with two"
    );

    for (who, result) in [("the starter", &started), ("the follower", &followed)] {
        assert!(!is_error(result), "{who}: {}", summary(result));
        assert_eq!(structured(result)["status"], "success", "{who}");
        assert_eq!(structured(result)["output"], json!({"rows": 3}), "{who}");
    }
    // Polling is paced by time, so the counts may differ by a check or two; two waiters each
    // polling would double them.
    assert!(
        both_waiting <= one_waiter + 3,
        "two servers waiting cost {both_waiting} status checks; one alone cost {one_waiter}"
    );
}
