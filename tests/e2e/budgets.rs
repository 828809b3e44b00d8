//! Context budgets: every byte of `tools/list` and of the server's instructions is context an
//! agent pays for in every conversation, before it does anything. The budgets live in one file,
//! `tests/budgets.json` (bytes of compact JSON, as a client receives each tool); this test
//! measures what a real client gets, prints every tool's size, and fails naming each budget
//! exceeded.

use std::collections::BTreeMap;
use std::sync::Arc;

use browser_tasks_fakes::anchor::FakeAnchor;
use browser_tasks_mcp::mcp::static_tool_names;
use rmcp::model::Tool;

use crate::harness::{Harness, KEY, Options};

/// The budgets, by figure.
fn budgets() -> BTreeMap<String, usize> {
    serde_json::from_str(include_str!("../budgets.json")).expect("tests/budgets.json")
}

/// A tool's size as a client receives it: its compact JSON.
fn size(tool: &Tool) -> usize {
    serde_json::to_string(tool)
        .expect("a tool serializes")
        .len()
}

/// Add each of `tools`' size to `report` and return their total.
fn measure(report: &mut String, figure: &str, tools: &[Tool]) -> usize {
    use std::fmt::Write;
    let _ = writeln!(report, "{figure}:");
    let mut total = 0;
    for tool in tools {
        let bytes = size(tool);
        let _ = writeln!(report, "  {:<24} {bytes:>6}", tool.name);
        total += bytes;
    }
    let _ = writeln!(report, "  {:<24} {total:>6}", "total");
    total
}

/// The static tools a client is given at startup.
fn static_tools(h: &Harness) -> Vec<Tool> {
    h.tools()
        .iter()
        .filter(|t| static_tool_names().contains(&t.name.as_ref()))
        .cloned()
        .collect()
}

#[tokio::test]
async fn what_every_conversation_pays_for_fits_the_budgets() {
    let budgets = budgets();
    let mut measured = BTreeMap::new();
    let mut report = String::new();

    let both = Harness::with_browser_use(Options::default()).await;
    measured.insert(
        "static_tools_both",
        measure(
            &mut report,
            "static tools, both providers",
            &static_tools(&both),
        ),
    );
    let instructions = both
        .client
        .peer_info()
        .and_then(|info| info.instructions.clone())
        .unwrap_or_default();
    report.push_str(&format!("instructions: {}\n", instructions.len()));
    measured.insert("instructions", instructions.len());
    both.stop().await;

    let browser_use = Harness::browser_use_only().await;
    measured.insert(
        "static_tools_browser_use",
        measure(
            &mut report,
            "static tools, Browser Use only",
            &static_tools(&browser_use),
        ),
    );
    browser_use.stop().await;

    // Anchor only, with a code task reading one input that has a fallback: a task tool with
    // one optional string parameter and no declared outputs.
    let fake = Arc::new(FakeAnchor::start(KEY).await.expect("fake Anchor API"));
    fake.seed_code_task(
        "Price-Checker",
        "const url = process.env.ANCHOR_URL || 'https://example.com';",
        1,
    );
    let anchor = Harness::on(fake, Options::default()).await;
    let task_tool = anchor.wait_for_tool("price_checker").await;
    assert_eq!(
        task_tool.input_schema["properties"]
            .as_object()
            .map(|p| p.len()),
        Some(1),
        "{task_tool:#?}"
    );
    assert!(
        task_tool.input_schema.get("required").is_none(),
        "{task_tool:#?}"
    );
    measured.insert(
        "static_tools_anchor",
        measure(
            &mut report,
            "static tools, Anchor only",
            &static_tools(&anchor),
        ),
    );
    measured.insert(
        "task_tool_one_param",
        measure(
            &mut report,
            "a task tool with one optional string parameter",
            &[task_tool],
        ),
    );
    anchor.stop().await;

    println!("{report}");
    assert_eq!(
        budgets.keys().map(String::as_str).collect::<Vec<_>>(),
        measured.keys().copied().collect::<Vec<_>>(),
        "tests/budgets.json and this test name the same figures"
    );
    let over: Vec<String> = measured
        .iter()
        .filter(|(figure, bytes)| **bytes > budgets[**figure])
        .map(|(figure, bytes)| format!("{figure}: {bytes} bytes, budget {}", budgets[*figure]))
        .collect();
    assert!(over.is_empty(), "over budget: {over:#?}");
}

/// Not a budget, a figure to watch: the whole list with the default cap of 25 task tools.
#[tokio::test]
async fn the_list_with_25_task_tools_is_measured() {
    let fake = Arc::new(FakeAnchor::start(KEY).await.expect("fake Anchor API"));
    for i in 0..25 {
        fake.seed_code_task(
            &format!("task-{i:02}"),
            "const url = process.env.ANCHOR_URL || 'https://example.com';",
            1,
        );
    }
    let h = Harness::on(fake, Options::default()).await;
    h.wait_for_tool("task_24").await;
    let tools = h.list_tools().await;
    let task_tools = tools
        .iter()
        .filter(|t| !static_tool_names().contains(&t.name.as_ref()))
        .count();
    assert_eq!(task_tools, 25, "the default cap");
    let total = tools.iter().map(size).sum::<usize>();
    println!("tools/list, Anchor, 25 task tools: {total} bytes");
    h.stop().await;
}
