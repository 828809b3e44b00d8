//! What the model sees in tools/list: names, titles, descriptions, annotations, schemas.

use browser_tasks_mcp::mcp::schema::violations;
use serde_json::Value;

use crate::harness::Harness;

#[tokio::test]
async fn tools_list_is_exactly_the_static_tools() {
    let h = Harness::start().await;
    let names: Vec<&str> = h.tools().iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        vec![
            "run_task",
            "get_execution",
            "list_executions",
            "list_tasks",
            "get_task",
            "generate_task",
            "create_task",
            "deploy_task"
        ]
    );
    insta::assert_json_snapshot!("tools_list", h.tools());
}

#[tokio::test]
async fn every_tool_is_described_annotated_and_portable() {
    let h = Harness::start().await;
    for tool in h.tools() {
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
            if let Err(e) = jsonschema::meta::validate(&value) {
                panic!("{name} {which} schema is not valid JSON Schema: {e}");
            }
        }
        assert!(name.len() <= 40 && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    }
}
