//! What rmcp 3.10/3.11 changed at the protocol edge, checked against our surface: list
//! methods of capabilities we do not advertise are a clean method-not-found, and every
//! protocol version (older peers lose non-object tool output) still gets our outputSchema and
//! structuredContent.

use std::collections::BTreeMap;
use std::sync::Arc;

use browser_tasks_fakes::browser_use::{FakeBrowserUse, SkillScript};
use rmcp::model::{ErrorCode, ProtocolVersion};
use rmcp::service::ServiceError;
use serde_json::{Value, json};

use crate::harness::{BU_KEY, Harness, Options, is_error, structured, summary};

/// The JSON-RPC error code of a failed request (panics on any other failure).
fn error_code<T: std::fmt::Debug>(result: Result<T, ServiceError>, what: &str) -> ErrorCode {
    match result {
        Err(ServiceError::McpError(error)) => error.code,
        other => panic!("{what}: expected a JSON-RPC error, got {other:?}"),
    }
}

/// A client probing a capability we do not advertise (logging) gets -32601 (rmcp 3.11 answers
/// so for any capability not advertised), and the session goes on working.
#[tokio::test]
async fn unadvertised_list_methods_are_method_not_found() {
    let h = Harness::start().await;
    let capabilities = h
        .client
        .peer_info()
        .expect("the server's initialize result")
        .capabilities
        .clone();
    assert!(capabilities.tools.is_some(), "{capabilities:?}");
    // Resources (run evidence, see resources.rs) and prompts with completions (prompts.rs)
    // are advertised; logging is not.
    assert!(capabilities.resources.is_some(), "{capabilities:?}");
    assert!(capabilities.prompts.is_some(), "{capabilities:?}");
    #[allow(deprecated)]
    let logging_advertised = capabilities.logging.is_some();
    assert!(!logging_advertised, "{capabilities:?}");
    #[allow(deprecated)]
    let set_level = {
        let level = rmcp::model::SetLevelRequestParams::new(rmcp::model::LoggingLevel::Debug);
        h.client.set_level(level).await
    };
    assert_eq!(
        error_code(set_level, "logging/setLevel"),
        ErrorCode::METHOD_NOT_FOUND
    );
    assert_eq!(h.list_tools().await.len(), 11);
    let listed = h.call("list_tasks", json!({})).await;
    assert!(!is_error(&listed), "{}", summary(&listed));
}

/// A skill whose own output schema is an array: its tool's outputSchema wraps it in an object
/// (`result`), so no peer, however old, loses it.
fn tag_skill() -> SkillScript {
    SkillScript {
        parameters: vec![json!({"name": "query", "type": "string", "required": true})],
        output_schema: json!({"type": "array", "items": {"type": "string"}}),
        execution: Ok(Some(json!(["rust", "mcp"]))),
        ..SkillScript::default()
    }
}

/// rmcp 3.11 strips a non-object `outputSchema` / `structuredContent` for peers before
/// 2026-07-28. Ours are all objects: 2025-06-18, 2025-11-25 and 2026-07-28 (discover) clients
/// get the same output schemas (the run report's on run_task and get_execution, the skill's on
/// its tool), and structured results, static tools and skill tools alike.
#[tokio::test]
async fn output_schemas_and_structured_content_reach_every_protocol_version() {
    let mut schemas_by_version = Vec::new();
    for version in [
        ProtocolVersion::V_2025_06_18,
        ProtocolVersion::V_2025_11_25,
        ProtocolVersion::V_2026_07_28,
    ] {
        let bu = FakeBrowserUse::start(BU_KEY).await.unwrap();
        bu.seed_skill("Tag lister", tag_skill());
        let h = Harness::with(
            Options::default()
                .browser_use(Arc::new(bu))
                .protocol(version.clone()),
        )
        .await;
        let negotiated = h
            .client
            .peer_info()
            .expect("server info")
            .protocol_version
            .clone();
        assert_eq!(negotiated, version);
        h.wait_for_tool("tag_lister").await;
        let tools = h.list_tools().await;
        let schemas: BTreeMap<String, Option<Value>> = tools
            .iter()
            .map(|tool| {
                let schema = tool
                    .output_schema
                    .as_ref()
                    .map(|s| Value::Object((**s).clone()));
                (tool.name.to_string(), schema)
            })
            .collect();
        for (name, schema) in &schemas {
            // Only answers that are a run's report (and a skill's result) declare a schema.
            if !["run_task", "get_execution", "tag_lister"].contains(&name.as_str()) {
                assert!(schema.is_none(), "{version}: {name}");
                continue;
            }
            let schema = schema
                .as_ref()
                .unwrap_or_else(|| panic!("{version}: {name} lost its outputSchema"));
            assert_eq!(schema["type"], "object", "{version}: {name}");
        }
        assert_eq!(
            schemas.len(),
            12,
            "{version}: 11 static tools and the skill's"
        );

        let skill = h.call("tag_lister", json!({"query": "x"})).await;
        assert!(!is_error(&skill), "{version}: {}", summary(&skill));
        assert_eq!(
            structured(&skill)["result"],
            json!(["rust", "mcp"]),
            "{version}"
        );
        let listed = h.call("list_tasks", json!({})).await;
        assert!(!is_error(&listed), "{version}: {}", summary(&listed));
        assert!(structured(&listed)["tasks"].is_array(), "{version}");
        schemas_by_version.push((version, schemas));
    }
    let (first_version, first) = &schemas_by_version[0];
    for (version, schemas) in &schemas_by_version[1..] {
        assert_eq!(
            schemas, first,
            "output schemas differ between {first_version} and {version}"
        );
    }
}
