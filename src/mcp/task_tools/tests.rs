use serde_json::json;

use super::*;
use crate::cloud::Provider;
use crate::mcp::naming;
use crate::mcp::schema::violations;
use crate::mcp::secrets::{SECRET_ENV_PREFIX, Secrets, rule_key};
use crate::mcp::selection::Selection;
use crate::params::Param;
use crate::params::ParamType;
use crate::params::ParamsOrigin;
use crate::runs::TaskKind;

fn param(name: &str, kind: ParamType) -> Param {
    Param {
        name: name.into(),
        kind,
        required: true,
        description: None,
        default: None,
        options: Vec::new(),
    }
}

/// Anchor's adapter, without a key (building a tool sends nothing).
fn anchor() -> crate::providers::anchor::adapter::AnchorAdapter {
    crate::providers::anchor::adapter::AnchorAdapter::new(
        None,
        crate::cloud::HttpSettings::new("http://127.0.0.1:9", String::new().into()),
    )
}

fn task(name: &str, kind: TaskKind, version: Option<&str>, status: Option<&str>) -> CatalogTask {
    CatalogTask {
        provider: Provider::Anchor,
        kind,
        task_id: format!("id-{name}"),
        name: name.into(),
        description: None,
        version: version.map(str::to_string),
        status: status.map(str::to_string),
        inputs: Vec::new(),
        outputs: Vec::new(),
        params_origin: ParamsOrigin::Unknown,
        output_schema: None,
        tool_name: naming::slug(name),
        last_seen: String::new(),
        last_used: None,
    }
}

#[test]
fn only_runnable_allowed_tasks_up_to_the_cap_become_tools() {
    let tasks = vec![
        task("recent-code", TaskKind::Code, Some("3"), None),
        task("draft-only", TaskKind::Code, Some("draft"), None),
        task("hn-ready", TaskKind::Generated, None, Some("ready")),
        task(
            "hn-generating",
            TaskKind::Generated,
            None,
            Some("generating"),
        ),
        task("hn-failed", TaskKind::Generated, None, Some("failed")),
        task("old-code", TaskKind::Code, Some("1"), None),
    ];
    // Anchor's rule decides which of its tasks can run.
    let anchor = crate::providers::anchor::adapter::AnchorAdapter::new(
        None,
        crate::cloud::HttpSettings::new("http://127.0.0.1:9", String::new().into()),
    );
    let runnable = |task: &CatalogTask| {
        crate::mcp::context::adapter::ProviderAdapter::is_runnable(&anchor, task)
    };
    let names = |selection: &Selection| -> Vec<String> {
        selection
            .choose(tasks.clone(), &runnable)
            .into_iter()
            .map(|t| t.name)
            .collect()
    };
    assert_eq!(
        names(&Selection::default()),
        vec!["recent-code", "hn-ready", "old-code"]
    );
    let capped = Selection {
        max: 2,
        ..Selection::default()
    };
    assert_eq!(names(&capped), vec!["recent-code", "hn-ready"]);
    let only_hn = Selection {
        allow: vec![glob::Pattern::new("hn-*").unwrap()],
        max: 25,
    };
    assert_eq!(names(&only_hn), vec!["hn-ready"]);
    let by_tool_name = Selection {
        allow: vec![glob::Pattern::new("old_code").unwrap()],
        max: 25,
    };
    assert_eq!(names(&by_tool_name), vec!["old-code"]);
    let none = Selection {
        max: 0,
        ..Selection::default()
    };
    assert!(names(&none).is_empty());
}

#[test]
fn the_tool_of_a_generated_task() {
    let mut hn = task("HN top posts", TaskKind::Generated, None, Some("ready"));
    hn.tool_name = "hn_top_posts".into();
    hn.description = Some("Top posts of Hacker News".into());
    hn.params_origin = ParamsOrigin::Declared;
    hn.inputs = vec![
        Param {
            required: false,
            default: Some(json!(10)),
            description: Some("How many posts.".into()),
            ..param("count", ParamType::Number)
        },
        Param {
            options: vec!["news".into(), "ask".into()],
            ..param("section", ParamType::String)
        },
        param("site password", ParamType::Secret),
    ];
    hn.outputs = vec![
        param("titles", ParamType::String),
        param("total", ParamType::Number),
    ];
    let tool = TaskTool::build(hn, &anchor(), &Secrets::default(), Duration::from_secs(45)).tool;
    assert_eq!(violations(&tool.input_schema), Vec::<String>::new());
    assert_eq!(
        violations(tool.output_schema.as_ref().unwrap()),
        Vec::<String>::new()
    );
    insta::assert_json_snapshot!("generated_task_tool", tool);
}

#[test]
fn the_tool_of_a_code_task_with_inferred_inputs_and_a_configured_secret() {
    let mut scraper = task("price-checker", TaskKind::Code, Some("2"), None);
    scraper.params_origin = ParamsOrigin::Inferred;
    scraper.inputs = crate::providers::anchor::infer::inputs_from_code(
        "const u = process.env.ANCHOR_URL; const n = parseInt(process.env.ANCHOR_MAX_PAGES || '5'); \
         const p = process.env.ANCHOR_PASSWORD;",
    );
    assert_eq!(
        scraper.inputs[2].kind,
        ParamType::Secret,
        "inferred from its name"
    );
    let secrets = Secrets::new(
        &[],
        [(format!("{SECRET_ENV_PREFIX}PASSWORD"), "pw".to_string())],
        &|_| None,
    )
    .unwrap();
    let tool = TaskTool::build(scraper, &anchor(), &secrets, Duration::from_secs(45)).tool;
    let schema = serde_json::Value::Object((*tool.input_schema).clone());
    assert!(schema["properties"].get("password").is_none());
    assert_eq!(schema["required"], json!(["url"]));
    insta::assert_json_snapshot!("code_task_tool", tool);
}

#[test]
fn secret_rule_keys() {
    assert_eq!(rule_key("Login Password"), "LOGIN_PASSWORD");
    assert_eq!(rule_key("api-token"), "API_TOKEN");
}
