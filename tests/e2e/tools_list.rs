//! What the model sees in tools/list: names, titles, descriptions, annotations, schemas.

use browser_tasks_mcp::mcp::violations;
use serde_json::Value;

use crate::harness::{Harness, Options};

#[tokio::test]
async fn tools_list_is_exactly_the_static_tools() {
    let h = Harness::start().await;
    let names: Vec<&str> = h.tools().iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        vec![
            "run_task",
            "get_execution",
            "cancel_execution",
            "respond_to_intervention",
            "list_executions",
            "list_tasks",
            "get_task",
            "generate_task",
            "refine_task",
            "create_task",
            "deploy_task"
        ]
    );
    insta::assert_json_snapshot!("tools_list", h.tools());
}

#[tokio::test]
async fn every_tool_is_described_annotated_and_portable() {
    let h = Harness::start().await;
    // Per-task tools too: a generated task with every kind of parameter and odd names, and a
    // deployed code task whose inputs are inferred.
    h.fake.seed_code_task(
        "Price_Checker-EU",
        "const u = process.env.ANCHOR_URL; const n = Number(process.env.ANCHOR_MAX || 3); \
         const t = process.env['ANCHOR_API_TOKEN']; const d = process.env.ANCHOR_DRY === 'true';",
        2,
    );
    let generated = h
        .call(
            "generate_task",
            serde_json::json!({
                "name": "run task",
                "prompt": "Exercise every parameter type.",
                "input_parameters": [
                    {"name": "a string", "type": "string", "options": ["x", "y"], "defaultValue": "x"},
                    {"name": "2nd number", "type": "number", "required": false},
                    {"name": "flag", "type": "boolean", "defaultValue": true},
                    {"name": "secret!", "type": "secret", "description": "Shh"},
                    {"name": "upload", "type": "file"}
                ],
                "output_parameters": [{"name": "out put", "type": "string"}]
            }),
        )
        .await;
    assert!(!crate::harness::is_error(&generated));
    h.call("list_tasks", serde_json::json!({})).await;
    let tools = h.list_tools().await;
    assert_eq!(tools.len(), 13, "11 static tools and 2 task tools");
    // "run task" slugs to a static tool's name: it got a hashed one instead.
    assert!(
        tools.iter().any(|t| t.name.starts_with("run_task_")),
        "{tools:#?}"
    );
    for tool in &tools {
        let name = tool.name.as_ref();
        assert!(
            tool.title.as_deref().is_some_and(|t| !t.is_empty()),
            "{name}: title"
        );
        let description = tool.description.as_deref().unwrap_or_default();
        assert!(description.len() > 80, "{name}: description too thin");
        let a = tool
            .annotations
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: annotations"));
        for (hint, value) in [
            ("readOnlyHint", a.read_only_hint),
            ("destructiveHint", a.destructive_hint),
            ("idempotentHint", a.idempotent_hint),
            ("openWorldHint", a.open_world_hint),
        ] {
            assert!(value.is_some(), "{name}: {hint} must be set explicitly");
        }
        let mut schemas = vec![("input", tool.input_schema.clone())];
        if let Some(output) = &tool.output_schema {
            schemas.push(("output", output.clone()));
        }
        for (which, schema) in schemas {
            assert_eq!(
                violations(&schema),
                Vec::<String>::new(),
                "{name} {which} schema"
            );
            let value = Value::Object((*schema).clone());
            if let Err(e) = jsonschema::draft202012::meta::validate(&value) {
                panic!("{name} {which} schema is not valid JSON Schema: {e}");
            }
        }
        assert!(
            name.len() <= 40
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{name}"
        );
    }
}

/// The in-process server the harness builds is the one the binary builds from the same
/// settings: the same instructions, and the same tools, a task tool with a configured secret
/// and a wait budget from the environment included.
#[tokio::test]
async fn the_in_process_server_is_the_binarys() {
    let options = Options::default()
        .env("BROWSER_TASKS_WAIT_SECONDS", "7")
        .env("BROWSER_TASKS_SECRET_SITE_PASSWORD", "hunter2-in-both")
        .env("BROWSER_TASKS_TASK_TOOLS", "price*");
    let fake = std::sync::Arc::new(
        browser_tasks_fakes::anchor::FakeAnchor::start(crate::harness::KEY)
            .await
            .unwrap(),
    );
    fake.seed_code_task(
        "Price-Checker",
        "const u = process.env.ANCHOR_URL; const p = process.env.ANCHOR_SITE_PASSWORD;",
        1,
    );
    fake.seed_code_task("Other", "const u = process.env.ANCHOR_URL;", 1);
    let mut listed = Vec::new();
    for options in [options.clone(), options.binary()] {
        let h = Harness::on(fake.clone(), options).await;
        h.wait_for_tool("price_checker").await;
        let info = h.client.peer_info().unwrap();
        let instructions = info.instructions.clone();
        listed.push((
            instructions,
            serde_json::to_value(h.list_tools().await).unwrap(),
        ));
        h.stop().await;
    }
    let tools = listed[0].1.as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"price_checker") && !names.contains(&"other"),
        "{names:?}"
    );
    let checker = tools.iter().find(|t| t["name"] == "price_checker").unwrap();
    assert!(
        checker["inputSchema"]["properties"]
            .get("site_password")
            .is_none(),
        "a configured secret is no argument: {checker:#}"
    );
    assert_eq!(listed[0], listed[1]);
}
