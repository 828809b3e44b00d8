//! The prompts as a client sees them: their lists per configuration, the texts a model reads
//! (snapshots), argument errors, and completions.

use std::sync::Arc;

use rmcp::model::{ArgumentInfo, CompleteRequestParams, JsonObject, Reference};
use serde_json::{Value, json};

use super::completion::complete;
use super::*;
use crate::catalog::{RunRecord, TaskSighting};
use crate::cloud::Provider;
use crate::mcp::registry::Registry;
use crate::mcp::registry::tests::test_registry;

fn args(value: Value) -> JsonObject {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// The prompt's text for these arguments.
async fn text(registry: &Registry, name: &str, arguments: Value) -> String {
    let result = get(&Facts::new(registry.env()), name, Some(&args(arguments)))
        .await
        .unwrap_or_else(|e| panic!("{name}: {}", e.message));
    assert_eq!(result.messages.len(), 1);
    result.messages[0]
        .content
        .as_text()
        .expect("a text message")
        .text
        .clone()
}

/// The message of the invalid-params error a `prompts/get` gets.
async fn error(registry: &Registry, name: &str, arguments: Value) -> String {
    let error = get(&Facts::new(registry.env()), name, Some(&args(arguments)))
        .await
        .expect_err("bad arguments");
    assert_eq!(error.code, rmcp::model::ErrorCode::INVALID_PARAMS);
    error.message.into_owned()
}

fn listed(registry: &Registry) -> Value {
    serde_json::to_value(list(&Facts::new(registry.env()))).unwrap()
}

fn code_task(name: &str) -> TaskSighting {
    TaskSighting {
        provider: Provider::Anchor,
        kind: TaskKind::Code,
        task_id: format!("{name}-id"),
        name: name.into(),
        description: None,
        version: Some("1".into()),
        status: None,
        params: None,
        output_schema: None,
    }
}

fn run(id: &str, started_at: &str, error: Option<&str>) -> RunRecord {
    RunRecord {
        provider: Provider::Anchor,
        run_id: id.into(),
        kind: TaskKind::Code,
        task_id: Some("scrape-prices-id".into()),
        task_name: Some("scrape-prices".into()),
        version: Some("2".into()),
        inputs: json!({}),
        started_at: started_at.into(),
        status: "failure".into(),
        finished: true,
        summary: None,
        error: error.map(str::to_string),
        report: None,
        detail: None,
        updated_at: started_at.into(),
        owner: None,
    }
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_prompts_listed_follow_the_configured_providers() {
    let both = listed(&test_registry(true, true));
    insta::assert_json_snapshot!("list_both", both);
    let browser_use = listed(&test_registry(false, true));
    // No provider runs code tasks: no write_code_task; a single provider: no `provider`.
    assert_eq!(
        names(&browser_use),
        ["automate_browser_task", "debug_failed_run"]
    );
    assert!(!browser_use.to_string().contains("\"provider\""));
    insta::assert_json_snapshot!("list_browser_use", browser_use);
    let anchor = listed(&test_registry(true, false));
    assert_eq!(
        names(&anchor),
        [
            "automate_browser_task",
            "debug_failed_run",
            "write_code_task"
        ]
    );
    // Nothing configured: the prompts of the first provider, whose tools say how to set it up.
    let none = listed(&test_registry(false, false));
    assert_eq!(names(&none), ["automate_browser_task", "debug_failed_run"]);
}

#[tokio::test]
async fn automate_browser_task_texts() {
    let both = test_registry(true, true);
    insta::assert_snapshot!(
        "automate_both_any_provider",
        text(
            &both,
            "automate_browser_task",
            json!({"goal": "Find the top story on Hacker News"})
        )
        .await
    );
    let chosen = text(
        &both,
        "automate_browser_task",
        json!({
            "goal": "Search PyPI for a package and return its latest version",
            "provider": "browser_use",
            "example_inputs": "{\"package\": \"mcp\"}",
            "expected_output": "{\"version\": \"2.3.0\"}",
        }),
    )
    .await;
    assert!(chosen.contains("provider \"browser_use\""), "{chosen}");
    assert!(
        !chosen.contains("Anchor"),
        "only the chosen cloud: {chosen}"
    );
    insta::assert_snapshot!("automate_both_chosen_provider", chosen);
    let alone = text(
        &test_registry(true, false),
        "automate_browser_task",
        json!({"goal": "Log the price of a product", "expected_output": "   "}),
    )
    .await;
    assert!(
        !alone.contains("provider \""),
        "one cloud needs no provider: {alone}"
    );
    assert!(
        alone.contains("Expected output: not given"),
        "blank is not given: {alone}"
    );
    insta::assert_snapshot!("automate_one_provider", alone);
}

#[tokio::test]
async fn debug_failed_run_starts_from_what_the_catalog_recorded() {
    let registry = test_registry(true, true);
    registry
        .env()
        .catalog
        .record_run(&run(
            "5d1c0b8e-run",
            "2026-11-30T10:00:00Z",
            Some("TimeoutError: waiting for selector \".price\""),
        ))
        .await
        .unwrap();
    let known = text(
        &registry,
        "debug_failed_run",
        json!({"execution_id": "5d1c0b8e-run"}),
    )
    .await;
    assert!(known.contains("task_id \"scrape-prices-id\""), "{known}");
    assert!(
        known.contains("browser-tasks://runs/anchor/5d1c0b8e-run"),
        "{known}"
    );
    insta::assert_snapshot!("debug_known_run", known);
    // A secret the server learned after the run was recorded never reaches the text.
    registry
        .env()
        .secrets
        .remember(&["waiting for selector".to_string()]);
    let scrubbed = text(
        &registry,
        "debug_failed_run",
        json!({"execution_id": "5d1c0b8e-run"}),
    )
    .await;
    assert!(!scrubbed.contains("waiting for selector"), "{scrubbed}");
    let unknown = text(
        &registry,
        "debug_failed_run",
        json!({"execution_id": "elsewhere-1"}),
    )
    .await;
    assert!(unknown.contains("one of: anchor, browser_use"), "{unknown}");
    insta::assert_snapshot!("debug_unknown_run", unknown);
    // One provider, nothing to code: no code fix, the provider goes without saying.
    let browser_use = text(
        &test_registry(false, true),
        "debug_failed_run",
        json!({"execution_id": "elsewhere-1"}),
    )
    .await;
    assert!(!browser_use.contains("create_task"), "{browser_use}");
    assert!(
        browser_use.contains("browser-tasks://runs/browser_use/elsewhere-1"),
        "{browser_use}"
    );
}

#[tokio::test]
async fn write_code_task_tells_the_runtime_and_knows_existing_tasks() {
    let registry = test_registry(true, true);
    registry.env().learn(code_task("scrape-prices")).await;
    let fresh = text(
        &registry,
        "write_code_task",
        json!({"goal": "Return the title of example.com"}),
    )
    .await;
    assert!(
        fresh.contains("export") || fresh.contains("Export"),
        "{fresh}"
    );
    insta::assert_snapshot!("write_code_task_new", fresh);
    let existing = text(
        &registry,
        "write_code_task",
        json!({"goal": "Also return the currency", "task_name": "scrape-prices"}),
    )
    .await;
    assert!(
        existing.contains("exists, task_id scrape-prices-id"),
        "{existing}"
    );
    let browser_use = test_registry(false, true);
    let not_offered = error(&browser_use, "write_code_task", json!({"goal": "x"})).await;
    assert!(not_offered.contains("not offered"), "{not_offered}");
}

#[tokio::test]
async fn bad_arguments_are_one_error_naming_every_problem() {
    let registry = test_registry(true, true);
    let message = error(
        &registry,
        "automate_browser_task",
        json!({
            "gaol": "typo",
            "provider": "nimbus",
            "example_inputs": "query=rust",
            "expected_output": 42,
        }),
    )
    .await;
    insta::assert_snapshot!("bad_arguments", message);
    assert!(message.contains("`gaol`: unknown argument; did you mean `goal`?"));
    assert!(message.contains("`goal`: missing"));
    assert!(message.contains("\"nimbus\" is not a configured provider"));
    assert!(message.contains("`example_inputs`: is not JSON"));
    assert!(message.contains("`expected_output`: must be a string"));
    assert!(message.contains("5 problems"), "{message}");

    let message = error(
        &registry,
        "write_code_task",
        json!({"goal": "x", "task_name": "Top stories!"}),
    )
    .await;
    assert!(message.contains("e.g. \"top-stories\""), "{message}");
    let message = error(
        &registry,
        "automate_browser_task",
        json!({"goal": "x", "example_inputs": "[1]"}),
    )
    .await;
    assert!(message.contains("must be a JSON object"), "{message}");
    let unknown = get(&Facts::new(registry.env()), "automate_browser", None)
        .await
        .expect_err("unknown prompt");
    assert!(
        unknown
            .message
            .contains("did you mean \"automate_browser_task\"?"),
        "{}",
        unknown.message
    );
}

async fn completions(
    registry: &Registry,
    prompt: &str,
    argument: &str,
    typed: &str,
) -> (Vec<String>, Option<u32>, Option<bool>) {
    let request = CompleteRequestParams::new(
        Reference::for_prompt(prompt),
        ArgumentInfo::new(argument, typed),
    );
    let result = complete(&Facts::new(registry.env()), &request)
        .await
        .unwrap_or_else(|e| panic!("{prompt}.{argument}: {}", e.message));
    (
        result.completion.values,
        result.completion.total,
        result.completion.has_more,
    )
}

#[tokio::test]
async fn task_names_complete_by_prefix_capped_at_the_protocols_limit() {
    let registry = test_registry(true, true);
    let env = registry.env();
    for i in 0..120 {
        env.learn(code_task(&format!("scrape-{i:03}"))).await;
    }
    env.learn(code_task("Search-docs")).await;
    let (values, total, has_more) =
        completions(&registry, "write_code_task", "task_name", "SCRAPE").await;
    assert_eq!(values.len(), 100);
    assert_eq!((total, has_more), (Some(120), Some(true)));
    assert!(values.iter().all(|v| v.starts_with("scrape-")));
    let (values, total, has_more) =
        completions(&registry, "write_code_task", "task_name", "se").await;
    assert_eq!(values, ["Search-docs"]);
    assert_eq!((total, has_more), (Some(1), Some(false)));
    // Only code tasks: write_code_task replaces code.
    env.learn(TaskSighting {
        kind: TaskKind::Generated,
        ..code_task("search-generated")
    })
    .await;
    let (values, _, _) = completions(&registry, "write_code_task", "task_name", "se").await;
    assert_eq!(values, ["Search-docs"]);
}

#[tokio::test]
async fn execution_ids_complete_newest_first() {
    let registry = test_registry(true, true);
    let catalog = Arc::clone(&registry.env().catalog);
    catalog
        .record_run(&run("aa-old", "2026-11-30T09:00:00Z", None))
        .await
        .unwrap();
    catalog
        .record_run(&run("AA-new", "2026-11-30T11:00:00Z", None))
        .await
        .unwrap();
    catalog
        .record_run(&run("bb-mid", "2026-11-30T10:00:00Z", None))
        .await
        .unwrap();
    let (values, total, has_more) =
        completions(&registry, "debug_failed_run", "execution_id", "").await;
    assert_eq!(values, ["AA-new", "bb-mid", "aa-old"]);
    assert_eq!((total, has_more), (Some(3), Some(false)));
    let (values, _, _) = completions(&registry, "debug_failed_run", "execution_id", "aa").await;
    assert_eq!(values, ["AA-new", "aa-old"]);

    // A provider already chosen narrows the runs to its own.
    catalog
        .record_run(&RunRecord {
            provider: Provider::BrowserUse,
            ..run("aa-agent", "2026-11-30T12:00:00Z", None)
        })
        .await
        .unwrap();
    let chosen = async |provider: &str| {
        let mut request = CompleteRequestParams::new(
            Reference::for_prompt("debug_failed_run"),
            ArgumentInfo::new("execution_id", "aa"),
        );
        request.context = Some(rmcp::model::CompletionContext::with_arguments(
            [("provider".to_string(), provider.to_string())].into(),
        ));
        complete(&Facts::new(registry.env()), &request)
            .await
            .unwrap()
            .completion
            .values
    };
    assert_eq!(chosen("browser_use").await, ["aa-agent"]);
    assert_eq!(chosen("anchor").await, ["AA-new", "aa-old"]);
    // A provider this server does not know narrows nothing.
    assert_eq!(chosen("nimbus").await, ["aa-agent", "AA-new", "aa-old"]);
}

#[tokio::test]
async fn providers_and_free_text_complete_and_unknown_arguments_are_errors() {
    let registry = test_registry(true, true);
    let (values, _, _) = completions(&registry, "automate_browser_task", "provider", "").await;
    assert_eq!(values, ["anchor", "browser_use"]);
    let (values, _, _) = completions(&registry, "automate_browser_task", "provider", "BR").await;
    assert_eq!(values, ["browser_use"]);
    let (values, total, _) = completions(&registry, "automate_browser_task", "goal", "Find").await;
    assert!(values.is_empty());
    assert_eq!(total, Some(0));

    let request = CompleteRequestParams::new(
        Reference::for_prompt("automate_browser_task"),
        ArgumentInfo::new("colour", ""),
    );
    let error = complete(&Facts::new(registry.env()), &request)
        .await
        .expect_err("no such argument");
    assert!(
        error
            .message
            .contains("it takes goal, provider, example_inputs, expected_output"),
        "{}",
        error.message
    );
    let resource = async |uri: &str, argument: &str, typed: &str| {
        let request = CompleteRequestParams::new(
            Reference::for_resource(uri),
            ArgumentInfo::new(argument, typed),
        );
        complete(&Facts::new(registry.env()), &request)
            .await
            .unwrap()
            .completion
            .values
    };
    assert_eq!(
        resource(
            "browser-tasks://runs/{provider}/{execution_id}",
            "provider",
            "an"
        )
        .await,
        ["anchor"]
    );
    registry.env().learn(code_task("scrape-prices")).await;
    assert_eq!(
        resource(
            "browser-tasks://tasks/{provider}/{task_id}",
            "task_id",
            "SCRAPE"
        )
        .await,
        ["scrape-prices-id"]
    );
    // Another server's template, or a variable with nothing to offer: nothing.
    assert!(resource("file:///{path}", "provider", "").await.is_empty());
    assert!(
        resource(
            "browser-tasks://runs/{provider}/{execution_id}/{artifact}",
            "artifact",
            ""
        )
        .await
        .is_empty()
    );
}
