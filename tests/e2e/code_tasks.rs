//! Code tasks (Anchor v1): create, deploy, inspect, run, list their executions.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::harness::{Harness, is_error, structured, summary};

const SOURCE: &str = "export default async function run() {\n  return { pages: Number(process.env.ANCHOR_MAX_PAGES || '10') };\n}\n";

#[tokio::test]
async fn create_then_deploy_twice_then_read_back() {
    let h = Harness::start().await;

    let created = h
        .call(
            "create_task",
            json!({"name": "price-checker", "code": SOURCE, "description": "Checks prices"}),
        )
        .await;
    assert!(!is_error(&created), "{}", summary(&created));
    let task = structured(&created);
    let task_id = task["task_id"].as_str().unwrap().to_string();
    assert_eq!(task["latest_version"], "draft");
    assert_eq!(task["kind"], "code");

    // The plain source went over the wire base64-encoded, as the API requires.
    let body = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.route == "/v1/task")
        .and_then(|r| r.body)
        .unwrap();
    let sent = body["code"].as_str().unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(sent)
        .unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), SOURCE);
    assert_eq!(body["language"], "typescript");

    let first = h.call("deploy_task", json!({"task_id": task_id})).await;
    assert!(!is_error(&first), "{}", summary(&first));
    assert_eq!(structured(&first)["version"], "1");

    let second = h
        .call(
            "deploy_task",
            json!({"task_name": "price-checker", "code": "export default async () => 2", "description": "v2"}),
        )
        .await;
    assert_eq!(structured(&second)["version"], "2", "{}", summary(&second));

    let shown = h.call("get_task", json!({"task_id": task_id})).await;
    let shown = structured(&shown);
    assert_eq!(shown["latest_version"], "2");
    let versions: Vec<&str> = shown["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, vec!["draft", "2", "1"]);
    assert_eq!(shown["source"]["version"], "2");
    assert_eq!(shown["source"]["code"], "export default async () => 2");
    // The catalog's history: each publication, with its notes.
    let history: Vec<(&str, &str)> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_str().unwrap(), v["event"].as_str().unwrap()))
        .collect();
    assert_eq!(history, vec![("1", "deployed"), ("2", "deployed")]);
    assert_eq!(shown["history"][1]["why"], "v2");

    let draft = h
        .call("get_task", json!({"task_id": task_id, "version": "draft"}))
        .await;
    assert_eq!(structured(&draft)["source"]["code"], SOURCE);

    // Creating again under the same name updates the same task (upsert by name).
    let again = h
        .call(
            "create_task",
            json!({"name": "price-checker", "code": "// new draft"}),
        )
        .await;
    assert_eq!(structured(&again)["task_id"], task_id.as_str());

    let listed = h.call("list_tasks", json!({})).await;
    let tasks = structured(&listed)["tasks"].clone();
    assert_eq!(tasks.as_array().unwrap().len(), 1);
    assert_eq!(tasks[0]["name"], "price-checker");
    assert_eq!(tasks[0]["latest_version"], "2");
}

#[tokio::test]
async fn deploying_without_code_publishes_the_drafts_code_or_says_what_is_missing() {
    let h = Harness::start().await;
    let task_id = h.fake.seed_code_task("drafted", SOURCE, 0);
    let published = h.call("deploy_task", json!({"task_id": task_id})).await;
    assert!(!is_error(&published), "{}", summary(&published));
    assert_eq!(structured(&published)["version"], "1");
    // Anchor's spec requires code for every new version: the draft's was read and sent.
    let body = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.route == "/v1/task/{taskId}/deploy")
        .and_then(|r| r.body)
        .unwrap();
    let sent = base64::engine::general_purpose::STANDARD
        .decode(body["code"].as_str().unwrap())
        .unwrap();
    assert_eq!(String::from_utf8(sent).unwrap(), SOURCE);
    assert_eq!(body["language"], "typescript");

    // A task without a draft: nothing to publish, and the answer says what to give.
    let created = h.call("create_task", json!({"name": "empty-task"})).await;
    let empty_id = structured(&created)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = h.call("deploy_task", json!({"task_id": empty_id})).await;
    assert!(is_error(&refused));
    let text = summary(&refused);
    assert!(
        text.contains("has no draft with code to publish") && text.contains("code_base64"),
        "{text}"
    );
    assert_eq!(h.fake.count("POST /v1/task/{taskId}/deploy"), 1);
}

#[tokio::test]
async fn the_browser_configuration_the_tools_show_is_one_anchors_spec_takes() {
    let h = Harness::start().await;
    // The example the argument's description gives, verbatim: the spec check holds it to
    // Anchor's SessionConfig.
    let example = json!({"initial_url": "https://example.com",
        "proxy": {"active": true, "country_code": "us"},
        "timeout": {"max_duration": 20, "idle_timeout": 5}, "recording": {"active": false},
        "tags": ["nightly"]});
    let created = h
        .call(
            "create_task",
            json!({"name": "configured", "code": SOURCE, "browser_configuration": example}),
        )
        .await;
    assert!(!is_error(&created), "{}", summary(&created));
}

#[tokio::test]
async fn runs_a_draft_and_the_latest_version_with_prefixed_string_inputs() {
    let h = Harness::start().await;
    let task_id = h.fake.seed_code_task("scraper", SOURCE, 1);

    let draft = h
        .call(
            "run_task",
            json!({"task_id": task_id, "version": "draft", "inputs": {"max_pages": 3, "ANCHOR_URL": "https://example.com", "deep": true}}),
        )
        .await;
    assert!(!is_error(&draft), "{}", summary(&draft));
    let report = structured(&draft);
    assert_eq!(report["status"], "success");
    assert_eq!(report["finished"], true);
    assert_eq!(report["version"], "draft");
    // The fake echoes the inputs it received: prefixed keys, text values. The output arrived
    // as a JSON string and comes back parsed.
    assert_eq!(
        report["output"],
        json!({"ok": true, "inputs": {"ANCHOR_MAX_PAGES": "3", "ANCHOR_URL": "https://example.com", "ANCHOR_DEEP": "true"}})
    );
    let run_body = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.route == "/v1/task/run")
        .and_then(|r| r.body)
        .unwrap();
    assert_eq!(
        run_body["async"], true,
        "runs are started asynchronously and polled"
    );

    let latest = h.call("run_task", json!({"task_id": task_id})).await;
    assert_eq!(structured(&latest)["version"], "1");
    assert_eq!(h.fake.count("POST /v1/task/run"), 2);
}

#[tokio::test]
async fn runs_by_name() {
    let h = Harness::start().await;
    h.fake.seed_code_task("by-name", SOURCE, 2);
    let result = h
        .call(
            "run_task",
            json!({"task_name": "by-name", "inputs": {"x": "1"}}),
        )
        .await;
    assert!(!is_error(&result), "{}", summary(&result));
    assert_eq!(structured(&result)["version"], "2");
    assert_eq!(h.fake.count("POST /v1/task/run/{taskName}"), 1);
}

#[tokio::test]
async fn lists_executions_with_filters_and_pages() {
    let h = Harness::start().await;
    let task_id = h.fake.seed_executions("busy", 25);

    let first = h
        .call("list_executions", json!({"task_id": task_id, "limit": 10}))
        .await;
    let page = structured(&first);
    assert_eq!(page["executions"].as_array().unwrap().len(), 10);
    assert_eq!(page["total"], 25);
    assert_eq!(page["total_pages"], 3);
    assert_eq!(page["next_page"], 2);

    let third = h
        .call(
            "list_executions",
            json!({"task_id": task_id, "limit": 10, "page": 3}),
        )
        .await;
    let page = structured(&third);
    assert_eq!(page["executions"].as_array().unwrap().len(), 5);
    assert!(page.get("next_page").is_none());

    let failures = h
        .call(
            "list_executions",
            json!({"task_name": "busy", "status": "failure", "version": "1", "limit": 100}),
        )
        .await;
    let page = structured(&failures);
    let executions = page["executions"].as_array().unwrap();
    assert_eq!(executions.len(), 12);
    assert!(
        executions
            .iter()
            .all(|e| e["status"] == "failure" && e["error"].is_string())
    );
    let sent = h
        .fake
        .requests()
        .into_iter()
        .rev()
        .filter(|r| r.route == "/v1/task/{taskId}/executions")
        .find_map(|r| r.query)
        .unwrap();
    assert!(
        sent.contains("status=failure") && sent.contains("version=1"),
        "{sent}"
    );

    let none = h
        .call(
            "list_executions",
            json!({"task_id": task_id, "version": "9"}),
        )
        .await;
    assert_eq!(structured(&none)["executions"], json!([]));
    assert!(summary(&none).contains("no runs"));
}

#[tokio::test]
async fn get_execution_reads_a_past_run() {
    let h = Harness::start().await;
    let task_id = h.fake.seed_executions("history", 2);
    let listed = h.call("list_executions", json!({"task_id": task_id})).await;
    let executions = structured(&listed)["executions"].clone();
    let success = executions
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "success")
        .unwrap();
    let id = success["execution_id"].as_str().unwrap();
    let result = h
        .call(
            "get_execution",
            json!({"task_id": task_id, "execution_id": id}),
        )
        .await;
    assert!(!is_error(&result));
    assert_eq!(structured(&result)["output"], json!({"item": 0}));
    assert_eq!(
        structured(&result)["execution_time_ms"],
        Value::from(1000.0)
    );
}
