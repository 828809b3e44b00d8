//! The server's texts, reworded for a person at the command line. They are written for an
//! agent: "call get_execution with {…} and wait_seconds", "restart the server". Shown by
//! `call` and `runs --follow`, each such step becomes the command that does it here:
//! `browser-tasks-mcp runs --follow ID`, `browser-tasks-mcp call get_task task_id=…`. JSON
//! shown as text stays JSON (its strings are reworded in place).

use serde_json::Value;

/// The program's name, as a command starts.
const PROGRAM: &str = "browser-tasks-mcp";

/// Phrases that speak of a server's restart or a client's config, and what they mean for a
/// command that reads the environment afresh on every run.
const PHRASES: &[(&str, &str)] = &[
    (
        " (and restart the server after changing it)",
        " (this command reads it from your environment on every run; a client reads it from \
         its entry: `browser-tasks-mcp doctor` checks both)",
    ),
    (
        " in the environment of this MCP server (in your client's MCP configuration, e.g. \
         mcp.json's \"env\") and restart it.",
        " in your environment (and, for a client, in its entry: `browser-tasks-mcp install \
         --client …` puts it there).",
    ),
];

/// A text block of a result, for a person: JSON stays JSON, with its strings reworded.
pub fn for_people(text: &str) -> String {
    if let Ok(mut value) = serde_json::from_str::<Value>(text)
        && value.is_object()
    {
        reword_strings(&mut value);
        return serde_json::to_string(&value).unwrap_or_else(|_| text.to_string());
    }
    reword(text)
}

fn reword_strings(value: &mut Value) {
    match value {
        Value::String(text) => *text = reword(text),
        Value::Array(items) => items.iter_mut().for_each(reword_strings),
        Value::Object(map) => map.values_mut().for_each(reword_strings),
        _ => {}
    }
}

/// `text` with each tool call it suggests as the command that makes it, and the phrases of
/// [`PHRASES`] replaced.
pub fn reword(text: &str) -> String {
    let mut text = text.to_string();
    for (agent, person) in PHRASES {
        text = text.replace(agent, person);
    }
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(found) = next_call(rest) {
        out.push_str(&rest[..found.start]);
        out.push_str(&found.replacement);
        rest = &rest[found.end..];
    }
    out.push_str(rest);
    out
}

/// A tool call suggested in a text: where it is, and the command that makes it.
struct Found {
    start: usize,
    end: usize,
    replacement: String,
}

/// The first `[call ]TOOL [with ]{JSON object}` in `text`.
fn next_call(text: &str) -> Option<Found> {
    let mut from = 0;
    while let Some(at) = text[from..].find('{').map(|i| i + from) {
        from = at + 1;
        let Some((tool, tool_start)) = tool_before(&text[..at]) else {
            continue;
        };
        let mut values = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
        let Some(Ok(Value::Object(arguments))) = values.next() else {
            continue;
        };
        let mut end = at + values.byte_offset();
        // "call X" / "Call X" become "run `…`" / "Run `…`".
        let (start, verb) = match text[..tool_start].strip_suffix("call ") {
            Some(before) => (before.len(), "run "),
            None => match text[..tool_start].strip_suffix("Call ") {
                Some(before) => (before.len(), "Run "),
                None => (tool_start, ""),
            },
        };
        let follow = tool == "get_execution"
            && arguments.len() == 1
            && arguments.get("execution_id").is_some_and(Value::is_string);
        let command = if follow {
            // "… and wait_seconds (up to 600); without wait_seconds …": following waits.
            if text[end..].starts_with(" and wait_seconds") {
                end += text[end..].find('.').unwrap_or(text.len() - end);
            }
            let id = arguments
                .get("execution_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            format!("{PROGRAM} runs --follow {id}")
        } else {
            call_command(tool, &arguments)
        };
        return Some(Found {
            start,
            end,
            replacement: format!("{verb}`{command}`"),
        });
    }
    None
}

/// The tool name (`a_b`, with an underscore) that `before` ends with, before ` with ` or ` `.
fn tool_before(before: &str) -> Option<(&str, usize)> {
    let name_end = before
        .strip_suffix(" with ")
        .or_else(|| before.strip_suffix(' '))?
        .len();
    let name_start = before[..name_end]
        .rfind(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &before[name_start..name_end];
    let is_tool = name.contains('_')
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('_');
    is_tool.then_some((name, name_start))
}

/// `browser-tasks-mcp call TOOL NAME=VALUE …` (or `--args '{…}'` when a value would need
/// quoting).
fn call_command(tool: &str, arguments: &serde_json::Map<String, Value>) -> String {
    let plain = |value: &Value| match value {
        Value::String(text) => text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@".contains(c))
            .then(|| text.clone())
            .filter(|t| !t.is_empty()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    };
    let pairs: Option<Vec<String>> = arguments
        .iter()
        .map(|(name, value)| plain(value).map(|v| format!("{name}={v}")))
        .collect();
    match pairs {
        Some(pairs) if !pairs.is_empty() => format!("{PROGRAM} call {tool} {}", pairs.join(" ")),
        Some(_) => format!("{PROGRAM} call {tool}"),
        None => format!(
            "{PROGRAM} call {tool} --args '{}'",
            Value::Object(arguments.clone())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_on_a_run_becomes_following_it() {
        assert_eq!(
            reword(
                "The run goes on in the cloud. To wait for it, call get_execution with \
                 {\"execution_id\":\"e-1\"} and wait_seconds (up to 600); without wait_seconds \
                 it reports the current state at once."
            ),
            "The run goes on in the cloud. To wait for it, run `browser-tasks-mcp runs \
             --follow e-1`."
        );
        assert_eq!(
            reword(
                "It is still started after waiting 4 ms; it goes on in the cloud. To wait \
                 more, call get_execution with {\"execution_id\":\"e-1\"} and wait_seconds."
            ),
            "It is still started after waiting 4 ms; it goes on in the cloud. To wait more, \
             run `browser-tasks-mcp runs --follow e-1`."
        );
        assert_eq!(
            reword("the run goes on (get_execution with {\"execution_id\":\"e\"} checks on it)."),
            "the run goes on (`browser-tasks-mcp runs --follow e` checks on it)."
        );
    }

    #[test]
    fn other_calls_become_call_commands() {
        assert_eq!(
            reword(
                "Still generating. Call get_task with {\"task_id\": \"t-1\", \"wait_seconds\": \
                 600} to keep waiting."
            ),
            "Still generating. Run `browser-tasks-mcp call get_task task_id=t-1 \
             wait_seconds=600` to keep waiting."
        );
        assert_eq!(
            reword("check it with get_execution {\"execution_id\":\"e\",\"task_id\":\"s\"})"),
            "check it with `browser-tasks-mcp call get_execution execution_id=e task_id=s`)"
        );
        assert_eq!(
            reword("checking list_executions with {\"task_name\":\"HN top\"}: a run"),
            "checking `browser-tasks-mcp call list_executions --args '{\"task_name\":\"HN \
             top\"}'`: a run"
        );
    }

    #[test]
    fn what_is_no_call_stays_as_it_is() {
        for text in [
            "deploy_task {\"task_id\": \"t\", \"restore\": …}.",
            "the output {\"a\": 1} is ready",
            "{\"execution_id\": \"x\"}",
            "nothing at all {",
        ] {
            assert_eq!(reword(text), text);
        }
    }

    #[test]
    fn restarting_the_server_is_said_as_the_command_line_has_it() {
        let text = reword(
            "Check that ANCHOR_API_KEY holds a valid key for this account (and restart the \
             server after changing it).",
        );
        assert!(!text.contains("restart"), "{text}");
        assert!(text.contains("doctor"), "{text}");
    }

    #[test]
    fn json_text_stays_json() {
        let text = "{\"next_step\":\"To wait for it, call get_execution with \
                    {\\\"execution_id\\\":\\\"e\\\"} and wait_seconds.\",\"status\":\"started\"}";
        let shown = for_people(text);
        let value: Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(
            value["next_step"],
            "To wait for it, run `browser-tasks-mcp runs --follow e`."
        );
        assert_eq!(value["status"], "started");
    }
}
