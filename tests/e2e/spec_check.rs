//! The spec check itself, through the fakes: a request or answer the vendor's OpenAPI file does
//! not describe is recorded and fails the test that caused it; scripted faults are the test's
//! own answers and are not held to the spec.

use std::sync::Arc;

use browser_tasks_fakes::SpecChecked;
use browser_tasks_fakes::anchor::{FakeAnchor, Fault};
use browser_tasks_fakes::browser_use::FakeBrowserUse;
use serde_json::json;

use crate::harness::{BU_KEY, KEY, SpecGuard};

async fn post(url: String, header: &str, key: &str, body: serde_json::Value) -> u16 {
    // This build of reqwest needs a TLS provider installed, even for plain HTTP.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
        .post(url)
        .header(header, key)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_undeclared_field_is_recorded_with_where_it_was() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let body = json!({"taskName": "t", "taskPrompt": "p", "user_task": "p"});
    let url = format!("{}/v2/tasks/generate", fake.url());
    post(url, "anchor-api-key", KEY, body).await;
    let found: Vec<String> = fake
        .take_spec_violations()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("request POST /v2/tasks/generate: body at (top)")
            && found[0].contains("'user_task'"),
        "{found:?}"
    );
    assert!(fake.take_spec_violations().is_empty(), "handed over once");
}

#[tokio::test]
#[should_panic(expected = "exchanges the vendors' specs do not describe")]
async fn a_test_whose_fake_saw_a_violation_fails() {
    let fake = Arc::new(FakeBrowserUse::start(BU_KEY).await.unwrap());
    let _spec = SpecGuard::of(&fake);
    let url = format!("{}/skills", fake.url());
    let body = json!({"goal": "g", "agentPrompt": "a prompt long enough", "colour": "red"});
    post(url, "x-browser-use-api-key", BU_KEY, body).await;
}

#[tokio::test]
async fn scripted_faults_are_the_tests_answers_not_the_fakes() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    // 418 is no status of this operation, and the body no ErrorResponse: a test may script it.
    fake.inject(Fault::status("POST /v1/task", 418, "teapot"));
    let url = format!("{}/v1/task", fake.url());
    let status = post(
        url,
        "anchor-api-key",
        KEY,
        json!({"name": "ok-name", "language": "typescript"}),
    )
    .await;
    assert_eq!(status, 418);
    assert!(fake.take_spec_violations().is_empty());
    // The request is still checked.
    fake.inject(Fault::status("POST /v1/task", 503, ""));
    let url = format!("{}/v1/task", fake.url());
    post(url, "anchor-api-key", KEY, json!({"name": "x"})).await;
    let found = fake.take_spec_violations();
    assert!(
        found
            .iter()
            .any(|v| v.problem.contains("\"language\" is a required property")),
        "{found:?}"
    );
}

#[tokio::test]
async fn a_path_the_spec_does_not_declare_is_recorded() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let url = format!("{}/v1/tasks", fake.url());
    assert_eq!(post(url, "anchor-api-key", KEY, json!({})).await, 404);
    let found = fake.take_spec_violations();
    assert!(
        found
            .iter()
            .any(|v| v.problem.contains("declares no such path")),
        "{found:?}"
    );
}
