//! `tools`: the tools an agent sees now (the static ones and one per listed task), each with
//! its title, its arguments (type, whether required) and what it costs in an agent's context:
//! its size in bytes as `tools/list` sends it, and the tokens that makes, estimated. `--json`
//! prints the `tools/list` result itself.

use std::process::ExitCode;

use clap::Args;
use rmcp::model::Tool;
use serde_json::Value;

use super::session::Session;
use super::{CliError, print_out, thousands};
use crate::config::Config;

pub const EXAMPLES: &str = "Examples:
  browser-tasks-mcp tools
  browser-tasks-mcp tools --json > tools.json
  browser-tasks-mcp tools --task-tools 'hn_*'   # server flags: before or after the subcommand

The clouds' tasks are listed first (as the server does when it starts), so their tools show;
a cloud that cannot be listed is named in one warning (a wrong key: its HTTP 401).";

/// `tools`' flags.
#[derive(Debug, Clone, Args)]
pub struct ToolsArgs {
    /// Print the `tools/list` result (JSON) instead of the summary.
    #[arg(long)]
    pub json: bool,
}

/// Bytes per token of the estimate: tokenizers of current models average about four bytes
/// of English text or JSON per token.
const BYTES_PER_TOKEN: usize = 4;

pub async fn run(args: ToolsArgs, config: Config) -> Result<ExitCode, CliError> {
    let mut session = Session::start(config, true).await?;
    for failure in session.take_listing_failures() {
        eprintln!("{}", failure.warning());
    }
    let listed = session.list_tools().await;
    let mut task_tools: Vec<String> = Vec::new();
    if let Ok(listed) = &listed {
        for tool in &listed.tools {
            if session.is_task_tool(&tool.name).await {
                task_tools.push(tool.name.to_string());
            }
        }
    }
    session.stop().await;
    let listed = listed?;
    if args.json {
        let text = serde_json::to_string_pretty(&listed)
            .map_err(|e| CliError::Failed(format!("cannot write the list as JSON: {e}")))?;
        print_out(&text);
    } else {
        print_out(&render(&listed.tools, &|name| {
            task_tools.iter().any(|t| t == name)
        }));
    }
    Ok(ExitCode::SUCCESS)
}

/// A tool's size as `tools/list` sends it: its compact JSON.
fn size_of(tool: &Tool) -> usize {
    serde_json::to_string(tool).map(|s| s.len()).unwrap_or(0)
}

fn tokens(bytes: usize) -> usize {
    bytes.div_ceil(BYTES_PER_TOKEN)
}

/// The summary: totals first, then each tool with its arguments.
pub fn render(tools: &[Tool], is_task_tool: &dyn Fn(&str) -> bool) -> String {
    let total: usize = tools.iter().map(size_of).sum();
    let task_count = tools.iter().filter(|t| is_task_tool(&t.name)).count();
    let mut out = format!(
        "{} tools ({} static, {} task {}): {} bytes ≈ {} tokens in all\n\
         (a tool's size is its JSON in tools/list; tokens are estimated as bytes / {BYTES_PER_TOKEN})\n",
        tools.len(),
        tools.len() - task_count,
        task_count,
        if task_count == 1 { "tool" } else { "tools" },
        thousands(total),
        thousands(tokens(total)),
    );
    for tool in tools {
        let size = size_of(tool);
        let title = tool
            .title
            .clone()
            .or_else(|| tool.annotations.as_ref().and_then(|a| a.title.clone()))
            .map(|t| format!(": {t}"))
            .unwrap_or_default();
        let kind = if is_task_tool(&tool.name) {
            "task tool; "
        } else {
            ""
        };
        out.push_str(&format!(
            "\n{}{title}  [{kind}{} bytes ≈ {} tokens]\n",
            tool.name,
            thousands(size),
            thousands(tokens(size))
        ));
        let arguments = arguments(tool);
        if arguments.is_empty() {
            out.push_str("  (no arguments)\n");
        }
        let width = arguments.iter().map(|a| a.0.len()).max().unwrap_or(0);
        for (name, kind, required) in arguments {
            let required = if required { "  required" } else { "" };
            out.push_str(&format!("  {name:width$}  {kind}{required}\n"));
        }
    }
    out
}

/// A tool's arguments: (name, type, required), in the schema's order.
fn arguments(tool: &Tool) -> Vec<(String, String, bool)> {
    let required: Vec<&str> = tool
        .input_schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    tool.input_schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .map(|(name, schema)| {
                    (
                        name.clone(),
                        type_of(schema),
                        required.contains(&name.as_str()),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A short type for a JSON Schema: `string`, `integer | null`, `array of string`,
/// `"anchor" | "browser_use"`, `object`.
fn type_of(schema: &Value) -> String {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return match values.len() {
            0..=6 => values
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(" | "),
            n => format!("one of {n} values"),
        };
    }
    if let Some(value) = schema.get("const") {
        return value.to_string();
    }
    let of_each = |list: &Vec<Value>| list.iter().map(type_of).collect::<Vec<_>>().join(" | ");
    match schema.get("type") {
        Some(Value::String(kind)) if kind == "array" => match schema.get("items") {
            Some(items) => format!("array of {}", type_of(items)),
            None => "array".to_string(),
        },
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => match (schema.get("anyOf"), schema.get("oneOf")) {
            (Some(Value::Array(list)), _) | (_, Some(Value::Array(list))) => of_each(list),
            _ => "any".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(name: &str, schema: Value) -> Tool {
        let Value::Object(schema) = schema else {
            panic!("schema must be an object")
        };
        Tool::new(name.to_string(), "Does it.", std::sync::Arc::new(schema))
    }

    #[test]
    fn types_read_shortly() {
        assert_eq!(type_of(&json!({"type": "string"})), "string");
        assert_eq!(
            type_of(&json!({"type": ["integer", "null"]})),
            "integer | null"
        );
        assert_eq!(
            type_of(&json!({"type": "array", "items": {"type": "string"}})),
            "array of string"
        );
        assert_eq!(type_of(&json!({"enum": ["a", "b"]})), "\"a\" | \"b\"");
        assert_eq!(
            type_of(&json!({"anyOf": [{"type": "string"}, {"type": "number"}]})),
            "string | number"
        );
        assert_eq!(type_of(&json!({})), "any");
    }

    #[test]
    fn the_summary_counts_sizes_and_marks_required_arguments_and_task_tools() {
        let tools = vec![
            tool(
                "run_task",
                json!({"type": "object", "properties": {
                    "task_id": {"type": "string"}, "wait_seconds": {"type": "number"}},
                    "required": ["task_id"]}),
            ),
            tool("hello_world", json!({"type": "object"})),
        ];
        let text = render(&tools, &|name| name == "hello_world");
        let total: usize = tools.iter().map(size_of).sum();
        assert!(
            text.starts_with(&format!(
                "2 tools (1 static, 1 task tool): {total} bytes ≈ {} tokens in all",
                total.div_ceil(4)
            )),
            "{text}"
        );
        assert!(
            text.contains("\n  task_id       string  required\n"),
            "{text}"
        );
        assert!(text.contains("\n  wait_seconds  number\n"), "{text}");
        assert!(text.contains("hello_world  [task tool; "), "{text}");
        assert!(text.contains("  (no arguments)"), "{text}");
    }
}
