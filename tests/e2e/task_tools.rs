//! Every task is a tool: generated and deployed tasks appear in tools/list (with
//! list_changed), are called with typed arguments, return structured results per their output
//! schema, survive restarts, and are shared by two servers on one catalog.

use std::sync::Arc;
use std::time::Duration;

use browser_tasks_fakes::anchor::{FakeAnchor, Fault};
use browser_tasks_mcp::cloud::HttpSettings;
use browser_tasks_mcp::providers::anchor::AnchorClient;
use serde_json::{Value, json};

use crate::harness::{Harness, KEY, Options, is_error, structured, summary, wait_until};

const TOOL: &str = "hn_top_posts";

fn hn_task() -> Value {
    json!({
        "name": "HN top posts",
        "prompt": "Open news.ycombinator.com and return the titles of the top posts.",
        "description": "Top posts of Hacker News",
        "input_parameters": [
            {"name": "section", "type": "string", "options": ["news", "ask"], "description": "Which list."},
            {"name": "count", "type": "number", "required": false, "defaultValue": 10, "description": "How many posts."},
            {"name": "include comments", "type": "boolean", "required": false},
            {"name": "File Name", "type": "string", "required": false, "description": "Where to save them."}
        ],
        "output_parameters": [
            {"name": "titles", "type": "string", "description": "The titles."},
            {"name": "total", "type": "number"}
        ]
    })
}

async fn generate(h: &Harness, arguments: Value) -> String {
    let generated = h.call("generate_task", arguments).await;
    assert!(!is_error(&generated), "{}", summary(&generated));
    structured(&generated)["task_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_generated_task_becomes_a_tool_called_with_typed_arguments() {
    let h = Harness::start().await;
    let seen = h.list_changes();
    let task_id = generate(&h, hn_task()).await;
    h.wait_for_list_change(seen).await;

    let tool = h.tool(TOOL).await.expect("the task is listed as a tool");
    let schema = Value::Object((*tool.input_schema).clone());
    assert_eq!(
        schema["properties"]["section"]["enum"],
        json!(["news", "ask"])
    );
    assert_eq!(schema["properties"]["count"]["type"], "number");
    assert_eq!(schema["properties"]["count"]["default"], 10);
    assert_eq!(schema["properties"]["include_comments"]["type"], "boolean");
    // `file_name` plainly spells "File Name": the task's own words are enough.
    assert_eq!(
        schema["properties"]["file_name"]["description"],
        "Where to save them."
    );
    assert_eq!(schema["required"], json!(["section"]));
    let output = Value::Object((*tool.output_schema.clone().unwrap()).clone());
    assert_eq!(output["properties"]["total"]["type"], "number");

    let result = h
        .call(
            TOOL,
            json!({"section": "ask", "include_comments": true, "file_name": "posts.txt"}),
        )
        .await;
    assert!(!is_error(&result), "{}", summary(&result));
    let content = structured(&result);
    assert_eq!(content["titles"], "sample titles");
    assert_eq!(content["total"], 42);
    assert_eq!(content["_execution"]["status"], "success");
    assert_eq!(content["_execution"]["task_id"], task_id.as_str());
    // The API got its own parameter names, the default filled in, every value as text.
    let body = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.route == "/v2/tasks/{taskId}/run")
        .and_then(|r| r.body)
        .unwrap();
    assert_eq!(
        body["input_params"],
        json!({"section": "ask", "count": "10", "include comments": "true", "File Name": "posts.txt"})
    );
    assert!(!h.progress().is_empty(), "progress while waiting");
}

#[tokio::test]
async fn bad_arguments_to_a_task_tool_come_back_all_at_once() {
    let h = Harness::start().await;
    generate(&h, hn_task()).await;
    let before = h.request_count();
    let result = h
        .call(
            TOOL,
            json!({"section": "jobs", "count": "ten", "fileName": "x"}),
        )
        .await;
    assert!(is_error(&result));
    insta::assert_snapshot!("task_tool_bad_arguments", summary(&result));
    assert_eq!(h.request_count(), before, "nothing was sent");
}

#[tokio::test]
async fn the_tool_and_its_runs_survive_a_restart() {
    // The test owns the catalog's directory, so it outlives the first server.
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.sqlite3");
    let first = Harness::with(Options::default().catalog(&catalog)).await;
    let task_id = generate(&first, hn_task()).await;
    let run = first.call(TOOL, json!({"section": "news"})).await;
    let execution_id = structured(&run)["_execution"]["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    let fake = first.stop().await;

    let second = Harness::on(fake, Options::default().catalog(&catalog)).await;
    assert!(
        second.tools().iter().any(|t| t.name == TOOL),
        "still listed"
    );
    let runs = second
        .call("list_executions", json!({"task_id": task_id}))
        .await;
    let executions = structured(&runs)["executions"].clone();
    assert_eq!(executions.as_array().unwrap().len(), 1, "{executions}");
    assert_eq!(executions[0]["execution_id"], execution_id.as_str());
    assert_eq!(executions[0]["status"], "success");
    // A run is found by its id alone, kind and task included.
    let one = second
        .call("get_execution", json!({"execution_id": execution_id}))
        .await;
    assert_eq!(structured(&one)["task_name"], "HN top posts");
    let again = second.call(TOOL, json!({"section": "ask"})).await;
    assert!(!is_error(&again), "{}", summary(&again));
}

#[tokio::test]
async fn two_servers_share_one_catalog() {
    // Two processes, as a desktop client's and an IDE's would be.
    let a = Harness::with(Options::default().binary()).await;
    let b = Harness::on(
        a.fake.clone(),
        Options::default().catalog(&a.catalog).binary(),
    )
    .await;
    let seen_by_b = b.list_changes();
    let task_id = generate(&a, hn_task()).await;
    // b notices a's write to the catalog and tells its own client.
    b.wait_for_list_change(seen_by_b).await;
    assert!(b.tool(TOOL).await.is_some());
    let run = b.call(TOOL, json!({"section": "news", "count": 3})).await;
    assert!(!is_error(&run), "{}", summary(&run));
    // a sees the run b started.
    let runs = a.call("list_executions", json!({"task_id": task_id})).await;
    assert_eq!(structured(&runs)["total"], 1);
}

#[tokio::test]
async fn a_deployed_code_task_becomes_a_tool_with_inferred_arguments() {
    let h = Harness::start().await;
    let source = "export default async function run() {\n  const url = process.env.ANCHOR_URL;\n  \
                  const pages = parseInt(process.env.ANCHOR_MAX_PAGES || '5');\n  return { url, pages };\n}\n";
    let created = h
        .call(
            "create_task",
            json!({"name": "price-checker", "code": source}),
        )
        .await;
    let task_id = structured(&created)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        h.tool("price_checker").await.is_none(),
        "a draft is not runnable by default"
    );

    let seen = h.list_changes();
    h.call("deploy_task", json!({"task_id": task_id})).await;
    h.wait_for_list_change(seen).await;
    let tool = h.tool("price_checker").await.expect("listed once deployed");
    let schema = Value::Object((*tool.input_schema).clone());
    assert_eq!(schema["required"], json!(["url"]));
    assert_eq!(schema["properties"]["max_pages"]["default"], 5);
    // That the arguments were read off the code is get_task's to say, not every listing's.
    let shown = h.call("get_task", json!({"task_id": task_id})).await;
    assert_eq!(structured(&shown)["parameters_origin"], "inferred");

    let result = h
        .call("price_checker", json!({"url": "https://shop.example"}))
        .await;
    assert!(!is_error(&result), "{}", summary(&result));
    assert_eq!(
        structured(&result)["output"]["inputs"],
        json!({"ANCHOR_URL": "https://shop.example", "ANCHOR_MAX_PAGES": "5"})
    );

    // Declared parameters replace the inferred ones.
    let seen = h.list_changes();
    h.call(
        "deploy_task",
        json!({"task_id": task_id, "input_parameters": [
            {"name": "URL", "type": "string", "description": "The shop page."}
        ]}),
    )
    .await;
    h.wait_for_list_change(seen).await;
    let tool = h.tool("price_checker").await.unwrap();
    let schema = Value::Object((*tool.input_schema).clone());
    assert_eq!(schema["properties"]["url"]["description"], "The shop page.");
    assert!(schema["properties"].get("max_pages").is_none());
}

#[tokio::test]
async fn the_cap_and_allow_list_choose_the_tools_and_run_task_still_runs_the_rest() {
    let fake = Arc::new(FakeAnchor::start(KEY).await.unwrap());
    for name in ["alpha", "beta", "gamma"] {
        fake.seed_code_task(name, "const x = process.env.ANCHOR_WHO;", 1);
    }
    let capped = Harness::on(
        fake.clone(),
        Options::default().env("BROWSER_TASKS_MAX_TASK_TOOLS", "2"),
    )
    .await;
    wait_until_listed(&capped, 2).await;
    let listed = capped.call("list_tasks", json!({})).await;
    let tasks = structured(&listed)["tasks"].clone();
    let unlisted: Vec<&Value> = tasks
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["listed_as_tool"] == false)
        .collect();
    assert_eq!(unlisted.len(), 1);
    // The unlisted one runs through run_task with its tool's arguments.
    let task_id = unlisted[0]["task_id"].as_str().unwrap();
    assert_eq!(
        unlisted[0]["signature"],
        format!(
            "{}(who: string)",
            unlisted[0]["tool_name"].as_str().unwrap()
        )
    );
    let run = capped
        .call(
            "run_task",
            json!({"task_id": task_id, "inputs": {"who": "me"}}),
        )
        .await;
    assert_eq!(
        structured(&run)["output"]["inputs"],
        json!({"ANCHOR_WHO": "me"})
    );

    let allowed = Harness::on(
        fake,
        Options::default().env("BROWSER_TASKS_TASK_TOOLS", "gam*"),
    )
    .await;
    wait_until_listed(&allowed, 1).await;
    let names: Vec<String> = allowed
        .list_tools()
        .await
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(names.contains(&"gamma".to_string()) && !names.contains(&"alpha".to_string()));
}

async fn wait_until_listed(h: &Harness, task_tools: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let count = h.list_tools().await.len() - 11;
        if count == task_tools {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{count} task tools, not {task_tools}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_refresh_drops_deleted_tasks_but_never_empties_the_list_on_errors() {
    let fake = Arc::new(FakeAnchor::start(KEY).await.unwrap());
    fake.seed_code_task("keeper", "x", 1);
    let doomed = fake.seed_code_task("doomed", "x", 1);
    let h = Harness::on(
        fake.clone(),
        Options::default().env("BROWSER_TASKS_REFRESH_SECONDS", "1"),
    )
    .await;
    wait_until_listed(&h, 2).await;

    // Listing fails for a while: the tools stay.
    let listings = || fake.count("GET /v1/task");
    let start = listings();
    fake.inject(Fault::status("GET /v1/task", 503, "").times(3));
    wait_until(|| listings() >= start + 3, "a failed refresh").await;
    assert_eq!(
        h.list_tools().await.len(),
        13,
        "a failed refresh keeps the tools"
    );

    let anchor = AnchorClient::new(HttpSettings::new(fake.url(), KEY.to_string().into())).unwrap();
    anchor.delete_task(&doomed).await.unwrap();
    let seen = h.list_changes();
    h.wait_for_list_change(seen).await;
    let names: Vec<String> = h
        .list_tools()
        .await
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(names.contains(&"keeper".to_string()) && !names.contains(&"doomed".to_string()));
}

#[tokio::test]
async fn a_configured_secret_is_no_argument_and_never_leaks() {
    let secret = "hunter2-horse-battery";
    let h = Harness::with(
        Options::default()
            .env("BROWSER_TASKS_SECRET_SITE_PASSWORD", secret)
            .binary(),
    )
    .await;
    generate(
        &h,
        json!({
            "name": "shop login",
            "prompt": "Log in to the shop and read the balance.",
            "input_parameters": [
                {"name": "user", "type": "string"},
                {"name": "site password", "type": "secret"}
            ]
        }),
    )
    .await;
    let tool = h.tool("shop_login").await.unwrap();
    let schema = Value::Object((*tool.input_schema).clone());
    assert!(schema["properties"].get("site_password").is_none());
    assert_eq!(schema["required"], json!(["user"]));

    let result = h.call("shop_login", json!({"user": "ada"})).await;
    assert!(!is_error(&result), "{}", summary(&result));
    // The provider got it...
    let body = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.route == "/v2/tasks/{taskId}/run")
        .and_then(|r| r.body)
        .unwrap();
    assert_eq!(body["input_params"]["site password"], secret);
    // ...and the fake echoed it back in its result, yet nothing shows it.
    let shown = format!("{result:?}{:?}", h.progress());
    assert!(
        !shown.contains(secret),
        "the secret reached the client: {shown}"
    );
    assert_eq!(
        structured(&result)["output"]["inputs"]["site password"],
        "[secret]"
    );
    let runs = h
        .call("list_executions", json!({"task_name": "shop login"}))
        .await;
    assert!(!format!("{runs:?}").contains(secret));
    let stderr = h.stderr();
    assert!(!stderr.contains(secret), "the secret reached the logs");
    for file in std::fs::read_dir(h.catalog.parent().unwrap()).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(secret), "the secret reached the catalog");
    }
}

#[tokio::test]
async fn run_task_fills_a_configured_secret_too() {
    let h = Harness::with(Options::default().env("BROWSER_TASKS_SECRET_TOKEN", "tok-99")).await;
    let task_id = generate(
        &h,
        json!({"name": "api call", "prompt": "Call the API with the token.",
               "input_parameters": [{"name": "token", "type": "secret"}]}),
    )
    .await;
    let result = h.call("run_task", json!({"task_id": task_id})).await;
    assert!(!is_error(&result), "{}", summary(&result));
    let body = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.route == "/v2/tasks/{taskId}/run")
        .and_then(|r| r.body)
        .unwrap();
    assert_eq!(body["input_params"]["token"], "tok-99");
    assert!(!format!("{result:?}").contains("tok-99"));
    // The unlisted-parameter check knows the task's parameters.
    let wrong = h
        .call(
            "run_task",
            json!({"task_id": task_id, "inputs": {"tokn": "x"}}),
        )
        .await;
    assert!(
        summary(&wrong).contains("did you mean \"token\""),
        "{}",
        summary(&wrong)
    );
}

/// Whether `tools` lists a task tool titled `title`.
fn lists(tools: &[rmcp::model::Tool], title: &str) -> bool {
    tools.iter().any(|t| t.title.as_deref() == Some(title))
}

#[tokio::test]
async fn the_first_tools_list_of_a_new_catalog_has_the_clouds_tasks() {
    for binary in [false, true] {
        let fake = Arc::new(FakeAnchor::start(KEY).await.unwrap());
        fake.seed_code_task("hn-top", "export default async () => 1", 1);
        let bu = browser_tasks_fakes::browser_use::FakeBrowserUse::start(crate::harness::BU_KEY)
            .await
            .unwrap();
        bu.seed_skill(
            "Docs search",
            browser_tasks_fakes::browser_use::SkillScript::default(),
        );
        // Listings that take a moment, as a real cloud's do: a tools/list that did not wait
        // for them would come first.
        fake.inject(Fault::slow("GET /v1/task", Duration::from_millis(500)));
        bu.inject(Fault::slow("GET /skills", Duration::from_millis(500)));
        let mut options = Options::default().browser_use(Arc::new(bu));
        if binary {
            options = options.binary();
        }
        let h = Harness::on(fake, options).await;
        // The harness's first tools/list, on a fresh catalog: both clouds' tasks are in it,
        // for clients that ignore list_changed.
        assert!(lists(h.tools(), "hn-top"), "binary: {binary}");
        assert!(lists(h.tools(), "Docs search"), "binary: {binary}");
    }
}

#[tokio::test]
async fn a_slow_cloud_holds_the_first_tools_list_only_up_to_the_bound() {
    let fake = Arc::new(FakeAnchor::start(KEY).await.unwrap());
    fake.seed_code_task("hn-top", "export default async () => 1", 1);
    // The startup listing takes far longer than the first tools/list may wait.
    fake.inject(Fault::slow("GET /v1/task", Duration::from_secs(3)));
    let h = Harness::on(
        fake,
        Options::default().env("BROWSER_TASKS_FIRST_LIST_WAIT_MS", "200"),
    )
    .await;
    // It answered, with what was known: the static tools.
    assert!(!lists(h.tools(), "hn-top"));
    assert!(
        h.tools()
            .iter()
            .all(|t| browser_tasks_mcp::mcp::static_tool_names().contains(&&*t.name)),
        "only static tools"
    );
    // The task comes once the listing lands.
    h.wait_for_tool("hn_top").await;
}
