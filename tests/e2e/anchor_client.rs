//! The Anchor client on its own (no MCP), against the fake: the endpoints no tool uses yet,
//! and the synchronous run.

use std::sync::Arc;
use std::time::Duration;

use browser_tasks_fakes::anchor::{FakeAnchor, GenerationScript, RunScript};
use browser_tasks_fakes::ledger::Fault;
use browser_tasks_mcp::cloud::HttpSettings;
use browser_tasks_mcp::providers::anchor::AnchorClient;
use browser_tasks_mcp::providers::anchor::models::{
    CreateTask, ExecutionFilter, GenerateTask, RunStatus, RunTask, RunTaskV2, UpdateTask,
    VersionBody,
};
use browser_tasks_mcp::providers::anchor::rules::{decode_code, encode_code};
use serde_json::json;

use crate::harness::{KEY, SpecGuard};

/// The fake, a client of it, and the guard that holds their exchanges to Anchor's spec.
async fn client() -> (Arc<FakeAnchor>, AnchorClient, SpecGuard) {
    let fake = Arc::new(FakeAnchor::start(KEY).await.unwrap());
    let client = AnchorClient::new(HttpSettings::new(fake.url(), KEY.to_string().into())).unwrap();
    let guard = SpecGuard::of(&fake);
    (fake, client, guard)
}

#[tokio::test]
async fn versions_drafts_updates_and_deletes() {
    let (_fake, anchor, _spec) = client().await;
    let task = anchor
        .create_task(&CreateTask {
            name: "lifecycle".into(),
            language: "typescript".into(),
            code: None,
            description: None,
            browser_configuration: None,
        })
        .await
        .unwrap();
    assert_eq!(task.latest_version.as_deref(), Some("draft"));

    let renamed = anchor
        .update_task(
            &task.id,
            &UpdateTask {
                name: Some("lifecycle-2".into()),
                description: Some("renamed".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "lifecycle-2");

    let draft = anchor
        .set_draft(
            &task.id,
            &VersionBody {
                code: Some(encode_code("export default async () => 'draft'")),
                ..VersionBody::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(draft.version, "draft");

    // Every new version carries its code (the spec requires it).
    let five = anchor
        .publish_version(
            &task.id,
            5,
            &VersionBody {
                code: draft.code.clone(),
                ..VersionBody::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(five.version, "5");
    let latest = anchor.get_version(&task.id, "latest").await.unwrap();
    assert_eq!(latest.version, "5");
    assert_eq!(
        decode_code(latest.code.as_deref().unwrap()).as_deref(),
        Some("export default async () => 'draft'")
    );
    assert_eq!(
        anchor.get_task(&task.id).await.unwrap().latest.as_deref(),
        Some("5")
    );

    let versions = anchor.list_versions(&task.id).await.unwrap();
    let names: Vec<&str> = versions
        .versions
        .iter()
        .map(|v| v.version.as_str())
        .collect();
    assert_eq!(names, vec!["draft", "5"]);

    assert!(anchor.delete_version(&task.id, "5").await.unwrap().success);
    let gone = anchor.get_version(&task.id, "5").await.unwrap_err();
    assert_eq!(gone.status(), Some(404));

    assert!(anchor.delete_task(&task.id).await.unwrap().success);
    let gone = anchor.get_task(&task.id).await.unwrap_err();
    assert_eq!(gone.status(), Some(404));
    assert!(gone.to_string().contains("Task not found"), "{gone}");
}

#[tokio::test]
async fn a_synchronous_run_blocks_until_the_output_is_ready() {
    let (fake, anchor, _spec) = client().await;
    let task_id = fake.seed_code_task("sync", "x", 1);
    fake.set_run_script(
        &task_id,
        RunScript::succeeding_with(json!({"answer": 42})).lasting(Duration::from_millis(300)),
    );
    let done = anchor
        .run_task(&RunTask {
            task_id: Some(task_id.clone()),
            ..RunTask::default()
        })
        .await
        .unwrap();
    assert!(!done.is_async && done.success);
    assert_eq!(done.output.as_deref(), Some(r#"{"answer":42}"#));
    assert!(done.execution_time.unwrap() >= 300.0);
}

#[tokio::test]
async fn the_fake_rejects_what_the_contract_forbids() {
    let (fake, anchor, _spec) = client().await;
    // These requests break Anchor's spec on purpose (the fake must refuse them as the API
    // would); the spec check sees them too, below.
    fake.allow_off_spec_requests();
    let bad_name = anchor
        .create_task(&CreateTask {
            name: "has space".into(),
            language: "typescript".into(),
            code: Some("not base64!".into()),
            description: None,
            browser_configuration: None,
        })
        .await
        .unwrap_err();
    assert_eq!(bad_name.status(), Some(400));

    let task_id = fake.seed_code_task("strict", "x", 1);
    let unprefixed = anchor
        .run_task(&RunTask {
            task_id: Some(task_id.clone()),
            run_async: Some(true),
            inputs: Some([("URL".to_string(), "x".to_string())].into()),
            ..RunTask::default()
        })
        .await
        .unwrap_err();
    assert!(unprefixed.to_string().contains("ANCHOR_"), "{unprefixed}");

    let bad_version = anchor
        .run_task(&RunTask {
            task_id: Some(task_id),
            version: Some("v1".into()),
            run_async: Some(true),
            ..RunTask::default()
        })
        .await
        .unwrap_err();
    // The run operation declares no 400: a version that cannot name one is not found.
    assert_eq!(bad_version.status(), Some(404));

    let unknown = anchor.run_status("no-such-run").await.unwrap_err();
    assert_eq!(unknown.status(), Some(404));
    assert!(unknown.to_string().contains("Run not found"), "{unknown}");

    let nameless = AnchorClient::new(HttpSettings::new(fake.url(), "sk-nope".to_string().into()))
        .unwrap()
        .list_tasks(1, 10)
        .await
        .unwrap_err();
    assert_eq!(nameless.status(), Some(401));

    let mut off_spec: Vec<String> = fake
        .off_spec_requests()
        .iter()
        .map(|v| v.operation.clone())
        .collect();
    off_spec.dedup();
    assert_eq!(off_spec, ["POST /v1/task", "POST /v1/task/run"]);
}

#[tokio::test]
async fn task_builder_runs_take_the_specs_options_and_answer_its_statuses() {
    let (fake, anchor, _spec) = client().await;
    fake.set_default_generation_script(GenerationScript {
        generating_checks: 1,
        ..GenerationScript::default()
    });
    let started = anchor
        .generate_task(&GenerateTask {
            name: "v2-task".into(),
            prompt: "Open example.com and return its title.".into(),
            ..GenerateTask::default()
        })
        .await
        .unwrap();
    // Not ready yet: the run operation declares no 400; its "Failed to run task" says why.
    let early = anchor
        .run_generated_task(&started.id, &RunTaskV2::default())
        .await
        .unwrap_err();
    assert_eq!(early.status(), Some(500));
    assert!(early.to_string().contains("not ready"), "{early}");
    while !anchor
        .generation_status(&started.id)
        .await
        .unwrap()
        .status
        .is_terminal()
    {}
    // The spec's own options: `sync` answers with the ended run.
    let done = anchor
        .run_generated_task(
            &started.id,
            &RunTaskV2 {
                sync: Some(true),
                identity_skip_validation: Some(false),
                ..RunTaskV2::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(done.status, RunStatus::Success);
    // Errors nest as ErrorResponse (the spec check holds the body to it).
    let unknown = anchor.generation_status("no-such-task").await.unwrap_err();
    assert_eq!(unknown.status(), Some(404));
    assert_eq!(unknown.api_message(), "Task not found");
}

#[tokio::test]
async fn a_new_version_needs_its_code() {
    let (fake, anchor, _spec) = client().await;
    let task_id = fake.seed_code_task("coded", "export default async () => 1", 1);
    // Deploy declares no 400: a body without code is its "Failed to deploy task".
    let refused = anchor
        .deploy(&task_id, &VersionBody::default())
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(500));
    assert!(
        refused.to_string().contains("'code' is required"),
        "{refused}"
    );
    // Publishing an existing number without code only updates its description.
    let noted = anchor
        .publish_version(
            &task_id,
            1,
            &VersionBody {
                description: Some("first".into()),
                ..VersionBody::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(noted.description.as_deref(), Some("first"));
    assert_eq!(
        anchor
            .publish_version(&task_id, 2, &VersionBody::default())
            .await
            .unwrap_err()
            .status(),
        Some(400)
    );
}

/// Every endpoint the client has, once, so the spec check sees every request it sends and
/// every answer the fake gives.
#[tokio::test]
async fn every_endpoint_once_within_the_spec() {
    let (fake, anchor, _spec) = client().await;
    let task = anchor
        .create_task(&CreateTask {
            name: "tour".into(),
            language: "typescript".into(),
            code: Some(encode_code("export default async () => 1")),
            description: Some("A tour".into()),
            browser_configuration: Some(json!({"initial_url": "https://example.com"})),
        })
        .await
        .unwrap();
    anchor.list_tasks(1, 10).await.unwrap();
    anchor.get_task(&task.id).await.unwrap();
    anchor
        .update_task(
            &task.id,
            &UpdateTask {
                description: Some("Still a tour".into()),
                ..UpdateTask::default()
            },
        )
        .await
        .unwrap();
    let code = Some(encode_code("export default async () => 2"));
    anchor
        .set_draft(
            &task.id,
            &VersionBody {
                code: code.clone(),
                language: Some("typescript".into()),
                ..VersionBody::default()
            },
        )
        .await
        .unwrap();
    anchor
        .deploy(
            &task.id,
            &VersionBody {
                code: code.clone(),
                description: Some("first".into()),
                ..VersionBody::default()
            },
        )
        .await
        .unwrap();
    anchor.list_versions(&task.id).await.unwrap();
    anchor.get_version(&task.id, "latest").await.unwrap();
    anchor.get_version(&task.id, "1").await.unwrap();
    anchor.get_version(&task.id, "draft").await.unwrap();
    let started = anchor
        .run_task(&RunTask {
            task_id: Some(task.id.clone()),
            version: Some("1".into()),
            run_async: Some(true),
            inputs: Some([("ANCHOR_URL".to_string(), "x".to_string())].into()),
            cleanup_sessions: Some(true),
            ..RunTask::default()
        })
        .await
        .unwrap();
    let execution = started.execution_result_id.unwrap();
    while !anchor
        .get_execution(&task.id, &execution)
        .await
        .unwrap()
        .status
        .is_terminal()
    {}
    anchor
        .run_task_by_name(
            "tour",
            &RunTask {
                run_async: Some(true),
                ..RunTask::default()
            },
        )
        .await
        .unwrap();
    anchor
        .list_executions(
            &task.id,
            &ExecutionFilter {
                page: Some(1),
                limit: Some(5),
                status: Some(RunStatus::Success),
                version: Some("1".into()),
            },
        )
        .await
        .unwrap();
    anchor.delete_version(&task.id, "1").await.unwrap();
    anchor.delete_task(&task.id).await.unwrap();
    assert!(fake.requests().iter().all(|r| r.authorized));
}

/// Reads asked for at the same time are sent once; a read never answers with what the cloud
/// held before a write through the same client ended; writes are never shared.
#[tokio::test]
async fn identical_reads_in_flight_are_sent_once_but_never_hide_a_write() {
    let (fake, anchor, _spec) = client().await;
    fake.seed_code_task("first", "export default async () => 1", 1);
    const LIST: &str = "GET /v1/task";

    // Eight sessions list the tasks while the cloud is slow to answer: one request.
    fake.inject(Fault::slow(LIST, Duration::from_millis(300)));
    let lists = (0..8).map(|_| anchor.list_tasks(1, 20));
    let answers = futures::future::join_all(lists).await;
    assert_eq!(fake.count(LIST), 1);
    for answer in &answers {
        assert_eq!(answer.as_ref().unwrap().tasks.len(), 1);
    }
    // Another page is another read.
    let (one, two) = tokio::join!(anchor.list_tasks(1, 20), anchor.list_tasks(2, 20));
    assert!(one.is_ok() && two.is_ok());
    assert_eq!(fake.count(LIST), 3);

    // A slow listing is in flight when a task is created: a listing asked for after the
    // creation is its own request, and sees the task.
    fake.inject(Fault::slow(LIST, Duration::from_millis(400)));
    let before = anchor.list_tasks(1, 20);
    let create_then_list = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        anchor
            .create_task(&CreateTask {
                name: "second".into(),
                language: "typescript".into(),
                code: None,
                description: None,
                browser_configuration: None,
            })
            .await
            .unwrap();
        anchor.list_tasks(1, 20).await
    };
    let (before, after) = tokio::join!(before, create_then_list);
    // (The fake holds a slow request before reading its state, so `before` may see the
    // task too; what matters is that `after` was a request of its own.)
    assert!(before.is_ok());
    assert_eq!(
        fake.count(LIST),
        5,
        "the listing after the write joined one sent before it"
    );
    assert_eq!(after.unwrap().tasks.len(), 2);

    // Writes are sent as asked, each of them.
    let bodies: Vec<CreateTask> = (0..3)
        .map(|i| CreateTask {
            name: format!("more-{i}"),
            language: "typescript".into(),
            code: None,
            description: None,
            browser_configuration: None,
        })
        .collect();
    let creates = bodies.iter().map(|body| anchor.create_task(body));
    assert!(
        futures::future::join_all(creates)
            .await
            .iter()
            .all(Result::is_ok)
    );
    assert_eq!(fake.count("POST /v1/task"), 4);
}
