//! The Anchor client on its own (no MCP), against the fake: the endpoints no tool uses yet,
//! and the synchronous run.

use std::time::Duration;

use browser_tasks_fakes::anchor::{FakeAnchor, RunScript};
use browser_tasks_mcp::cloud::HttpSettings;
use browser_tasks_mcp::providers::anchor::AnchorClient;
use browser_tasks_mcp::providers::anchor::models::{CreateTask, RunTask, UpdateTask, VersionBody};
use browser_tasks_mcp::providers::anchor::rules::{decode_code, encode_code};
use serde_json::json;

use crate::harness::KEY;

async fn client() -> (FakeAnchor, AnchorClient) {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let client = AnchorClient::new(HttpSettings::new(fake.url(), KEY.to_string().into())).unwrap();
    (fake, client)
}

#[tokio::test]
async fn versions_drafts_updates_and_deletes() {
    let (_fake, anchor) = client().await;
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

    let five = anchor
        .publish_version(&task.id, 5, &VersionBody::default())
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
    let (fake, anchor) = client().await;
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
    let (fake, anchor) = client().await;
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
    assert_eq!(bad_version.status(), Some(400));

    let unknown = anchor.run_status("no-such-run").await.unwrap_err();
    assert_eq!(unknown.status(), Some(404));
    assert!(unknown.to_string().contains("Run not found"), "{unknown}");

    let nameless = AnchorClient::new(HttpSettings::new(fake.url(), "sk-nope".to_string().into()))
        .unwrap()
        .list_tasks(1, 10)
        .await
        .unwrap_err();
    assert_eq!(nameless.status(), Some(401));
}
