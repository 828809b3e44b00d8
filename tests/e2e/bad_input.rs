//! Bad input: every problem in one isError answer, before anything is sent.

use serde_json::json;

use crate::harness::{Harness, Options, is_error, structured, summary};

/// Nothing reached the fake since `before` requests.
fn assert_nothing_sent(h: &Harness, before: usize) {
    let after = h.fake.requests();
    assert_eq!(
        after.len(),
        before,
        "sent despite bad input: {:?}",
        &after[before..]
    );
}

#[tokio::test]
async fn run_task_lists_every_problem_at_once() {
    let h = Harness::start().await;
    let before = h.request_count();
    let result = h
        .call(
            "run_task",
            json!({
                "taskId": "abc",
                "version": "v2",
                "inputs": {"File Name": "x", "max_pages": 1, "ANCHOR_MAX_PAGES": 2, "gone": null},
                "wait_seconds": -1,
                "session_id": "not-a-uuid"
            }),
        )
        .await;
    assert!(is_error(&result));
    insta::assert_snapshot!("run_task_bad_arguments", summary(&result));
    let problems = structured(&result)["error"]["problems"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(problems, 8);
    assert_nothing_sent(&h, before);
}

#[tokio::test]
async fn create_task_lists_every_problem_at_once() {
    let h = Harness::start().await;
    let before = h.request_count();
    let result = h
        .call(
            "create_task",
            json!({
                "name": "my task!",
                "code": "export default 1",
                "code_base64": "not base64",
                "description": "x".repeat(1200),
                "browser_configuration": "fast"
            }),
        )
        .await;
    assert!(is_error(&result));
    insta::assert_snapshot!("create_task_bad_arguments", summary(&result));
    assert_nothing_sent(&h, before);
}

#[tokio::test]
async fn generate_task_checks_parameter_lists() {
    let h = Harness::start().await;
    let before = h.request_count();
    let result = h
        .call(
            "generate_task",
            json!({
                "name": "",
                "input_parameters": [
                    {"name": "url", "type": "url"},
                    {"name": "url", "type": "string", "options": ["a"], "defaultValue": "b"}
                ]
            }),
        )
        .await;
    assert!(is_error(&result));
    insta::assert_snapshot!("generate_task_bad_arguments", summary(&result));
    assert_nothing_sent(&h, before);
}

#[tokio::test]
async fn other_tools_check_their_ids_and_choices() {
    let h = Harness::start().await;
    let before = h.request_count();
    let cases = [
        ("deploy_task", json!({}), "give `task_id` or `task_name`"),
        (
            "deploy_task",
            json!({"task_id": "t", "task_name": "n"}),
            "not both",
        ),
        (
            "get_execution",
            json!({"execution_id": "e", "task_id": "12"}),
            "UUID",
        ),
        (
            "get_execution",
            json!({"execution_id": "e", "kind": "code"}),
            "is required for a code task",
        ),
        (
            "list_executions",
            json!({"task_id": "x", "status": "done", "limit": 500}),
            "use one of",
        ),
        (
            "list_executions",
            json!({"task_id": "x", "limit": 500}),
            "at most 100",
        ),
        ("get_task", json!({"task_name": "has space"}), "no spaces"),
        (
            "run_task",
            json!({"task_name": "x", "version": "2"}),
            "always uses the latest",
        ),
        (
            "run_task",
            json!({"task_id": "x", "kind": "generated", "version": "2"}),
            "code tasks only",
        ),
        ("list_tasks", json!({"page": 0}), "at least 1"),
        // Lists declared "like generate_task's" are checked item by item all the same.
        (
            "create_task",
            json!({"name": "t", "code": "x", "input_parameters": [{"name": "u", "type": "string", "required": "yes"}]}),
            "`input_parameters.0.required`: must be true or false",
        ),
        (
            "generate_task",
            json!({"name": "t", "prompt": "p", "output_parameters": [{"name": "u", "type": "url"}]}),
            "`output_parameters.0.type`: must be one of",
        ),
    ];
    for (tool, args, expected) in cases {
        let result = h.call(tool, args.clone()).await;
        assert!(is_error(&result), "{tool} {args}");
        let text = summary(&result);
        assert!(text.contains(expected), "{tool} {args}: {text}");
        assert!(text.contains("nothing was sent"), "{text}");
    }
    assert_nothing_sent(&h, before);
}

#[tokio::test]
async fn an_unknown_tool_is_a_protocol_error() {
    let h = Harness::start().await;
    let error = h.try_call("launch_rockets", json!({})).await.unwrap_err();
    assert!(error.to_string().contains("unknown tool"), "{error}");
}

#[tokio::test]
async fn without_a_key_tools_say_what_to_configure() {
    let h = Harness::with(Options::default().without_key().binary()).await;
    let before = h.request_count();
    assert_eq!(
        h.tools().len(),
        11,
        "tools are listed even before a key is set"
    );
    let result = h.call("list_tasks", json!({})).await;
    assert!(is_error(&result));
    let text = summary(&result);
    assert!(
        text.contains("ANCHOR_API_KEY") && text.contains("not configured"),
        "{text}"
    );
    assert_eq!(structured(&result)["error"]["kind"], "not_configured");
    assert_nothing_sent(&h, before);
    h.stderr_containing("providers: none configured").await;
}
