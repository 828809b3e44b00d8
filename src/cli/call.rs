//! `call`: run one tool as an agent would, through the server's own `tools/call`: progress
//! messages on stderr while it waits, Ctrl-C cancelling it as a client's cancellation does,
//! then the result's text (or, with `--json`, its structured content) on stdout.
//!
//! Arguments come as one JSON object (`--args`) or as `NAME=VALUE` pairs, each VALUE read as
//! JSON when it parses (`5`, `true`, `{"q": "x"}`) and as text otherwise; an argument the
//! tool types as text only is always taken as text (`zip=02134`, `id=123`).

use std::process::ExitCode;

use clap::Args;
use rmcp::model::{CallToolResult, JsonObject, Tool};
use serde_json::Value;

use super::progress::ProgressLine;
use super::session::{CallEnd, ListingFailure, OnCtrlC, Session};
use super::wording::for_people;
use super::{CliError, interrupted, print_out};
use crate::catalog::RunRecord;
use crate::config::Config;
use crate::mcp::args::closest;

pub const EXAMPLES: &str = "Examples:
  browser-tasks-mcp call list_tasks
  browser-tasks-mcp call run_task task_name=hello-world wait_seconds=120
  browser-tasks-mcp call run_task --args '{\"task\": \"Find the top story on news.ycombinator.com\"}' --json
  browser-tasks-mcp call list_tasks --catalog ./catalog.sqlite3   # server flags: before or after

A VALUE that does not parse as JSON is text, unless it was meant as JSON (the tool wants an
object or array, or it starts with { or [): inputs='{\"q\":\"x\"' is refused, saying where it
stopped parsing. Steps the answer suggests to an agent are shown as commands of this program
(\"call get_execution with {…}\" as `browser-tasks-mcp runs --follow ID`).
A live-view link in the progress (a Browser Use agent task's) is printed once, whole, on a line
of its own: live view: https://…

Exit codes: 0 success, 1 the tool answered with an error, 2 bad usage (unknown tool, with the
nearest names: run_tsk → \"Did you mean run_task?\"; bad arguments JSON), 130 interrupted
with Ctrl-C (the run is stopped in the cloud where the cloud can stop runs).";

/// `call`'s flags.
#[derive(Debug, Clone, Args)]
pub struct CallArgs {
    /// The tool to call, as `tools` lists it.
    pub tool: String,
    /// The arguments, as one JSON object.
    #[arg(long, value_name = "JSON", conflicts_with = "pairs")]
    pub args: Option<String>,
    /// The arguments, one NAME=VALUE each (VALUE is read as JSON when it parses, else as text).
    #[arg(value_name = "NAME=VALUE")]
    pub pairs: Vec<String>,
    /// Print the structured result (JSON) instead of the result's text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: CallArgs, config: Config) -> Result<ExitCode, CliError> {
    // Every mistake in the command line is found before anything is started.
    let given = Given::parse(&args)?;
    let mut session = Session::start(config, true).await?;
    let done = call(&mut session, &args, given).await;
    session.stop().await;
    done
}

async fn call(session: &mut Session, args: &CallArgs, given: Given) -> Result<ExitCode, CliError> {
    // A cloud that could not be listed is said once: by the answer when it says the same (a
    // wrong key fails the call alike), else by a warning.
    let failures = session.take_listing_failures();
    let tools = session.list_tools().await?.tools;
    let Some(tool) = tools.iter().find(|t| t.name == args.tool) else {
        return Err(CliError::Usage(unknown_tool(&args.tool, &tools, &failures)));
    };
    let arguments = given.for_tool(tool)?;
    let line = ProgressLine::start(&format!("calling {}", args.tool));
    let end = session
        .call(&args.tool, arguments, &line, &[], OnCtrlC::Cancel)
        .await;
    line.finish();
    for failure in &failures {
        let reported = matches!(&end, Ok(CallEnd::Answered(result)) if failure.reported_by(result));
        if !reported {
            eprintln!("{}", failure.warning());
        }
    }
    Ok(report(end?, args.json))
}

/// Print how a call ended, and say how the process exits.
pub fn report(end: CallEnd, json: bool) -> ExitCode {
    match end {
        CallEnd::Answered(result) => {
            print_out(&result_text(&result, json));
            if result.is_error == Some(true) {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        CallEnd::Cancelled { runs, settled } => {
            eprintln!("{}", cancelled_text(&runs, settled));
            interrupted()
        }
        CallEnd::Detached => {
            eprintln!("Stopped waiting (Ctrl-C).");
            interrupted()
        }
    }
}

/// The result's text blocks (other blocks as JSON); with `json`, its structured content (the
/// whole result when it has none).
fn result_text(result: &CallToolResult, json: bool) -> String {
    if json {
        let value = match &result.structured_content {
            Some(structured) => structured.clone(),
            None => serde_json::to_value(result).unwrap_or(Value::Null),
        };
        return serde_json::to_string_pretty(&value).unwrap_or_default();
    }
    result
        .content
        .iter()
        .map(|block| match block.as_text() {
            // Written for an agent ("call get_execution with …"): said as this command line
            // does it (`browser-tasks-mcp runs --follow …`).
            Some(text) => for_people(&text.text),
            None => serde_json::to_string(block).unwrap_or_default(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What became of the runs of a cancelled call.
fn cancelled_text(runs: &[(String, Option<RunRecord>)], settled: bool) -> String {
    let mut text = String::from("Cancelled (Ctrl-C).");
    if !settled {
        text.push_str(
            " Stopped waiting for the server to finish with the call; the run may still be \
             going in the cloud.",
        );
    }
    for (id, record) in runs {
        let label = record
            .as_ref()
            .and_then(|r| r.task_name.clone())
            .map(|task| format!("run {id} of {task}"))
            .unwrap_or_else(|| format!("run {id}"));
        match record {
            Some(record) if record.finished => {
                text.push_str(&format!(" The {label} is {} in the cloud.", record.status));
            }
            _ => text.push_str(&format!(
                " The {label} goes on in the cloud (this cloud cannot stop it, or the stop \
                 failed); follow it with `browser-tasks-mcp runs --follow {id}`."
            )),
        }
    }
    text
}

/// `unknown tool X`, with the closest listed names (a typo's, then those containing it or
/// contained in it), and why task tools may be missing.
fn unknown_tool(name: &str, tools: &[Tool], failures: &[ListingFailure]) -> String {
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    let mut near: Vec<&str> = closest(name, &names).into_iter().collect();
    for listed in &names {
        let (a, b) = (listed.to_lowercase(), name.to_lowercase());
        if (a.contains(&b) || b.contains(&a)) && !near.contains(listed) {
            near.push(listed);
        }
    }
    let hint = match near.as_slice() {
        [] => String::new(),
        names => format!(" Did you mean {}?", names.join(" or ")),
    };
    let missing: String = failures
        .iter()
        .map(|f| {
            format!(
                " {}'s tasks could not be listed, so their tools are missing: {}.",
                f.provider, f.error
            )
        })
        .collect();
    format!(
        "unknown tool {name:?}: `browser-tasks-mcp tools` lists the {} tools an agent sees.\
         {hint}{missing}",
        tools.len()
    )
}

/// The arguments as given on the command line, checked for form.
enum Given {
    Object(JsonObject),
    Pairs(Vec<(String, String)>),
}

impl Given {
    fn parse(args: &CallArgs) -> Result<Self, CliError> {
        if let Some(json) = &args.args {
            return match serde_json::from_str::<Value>(json) {
                Ok(Value::Object(object)) => Ok(Self::Object(object)),
                Ok(other) => Err(CliError::Usage(format!(
                    "--args must be a JSON object like '{{\"name\": \"value\"}}', not {}",
                    kind_of(&other)
                ))),
                Err(error) => Err(CliError::Usage(format!(
                    "--args is not valid JSON ({error}); give one object, e.g. \
                     --args '{{\"task_name\": \"hello-world\"}}'"
                ))),
            };
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut problems = Vec::new();
        for pair in &args.pairs {
            match pair.split_once('=') {
                Some((name, _)) if name.trim().is_empty() => {
                    problems.push(format!("{pair:?} has no name before '='"))
                }
                Some((name, _)) if pairs.iter().any(|(n, _)| n == name) => {
                    problems.push(format!("{name} is given twice"))
                }
                Some((name, value)) => pairs.push((name.to_string(), value.to_string())),
                None => problems.push(format!(
                    "{pair:?} is not NAME=VALUE (e.g. task_name=hello-world)"
                )),
            }
        }
        if problems.is_empty() {
            Ok(Self::Pairs(pairs))
        } else {
            Err(CliError::Usage(format!(
                "bad arguments: {}",
                problems.join("; ")
            )))
        }
    }

    /// The arguments object for `tool`: each pair's VALUE as JSON when it parses and the tool
    /// does not type that argument as text only. A VALUE that does not parse is text, unless
    /// it was meant as JSON: the tool wants an object or array there, or it starts like one
    /// (`inputs='{"q":"x"'`); then what did not parse, and where, is said.
    fn for_tool(self, tool: &Tool) -> Result<JsonObject, CliError> {
        let pairs = match self {
            Self::Object(object) => return Ok(object),
            Self::Pairs(pairs) => pairs,
        };
        let types = |name: &str| -> Vec<String> {
            let schema = tool
                .input_schema
                .get("properties")
                .and_then(|p| p.get(name));
            match schema.and_then(|s| s.get("type")) {
                Some(Value::String(kind)) => vec![kind.clone()],
                Some(Value::Array(kinds)) => kinds
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            }
        };
        let mut problems = Vec::new();
        for (name, text) in &pairs {
            let Err(error) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            let kinds = types(name);
            let wants_json = kinds.iter().any(|k| k == "object" || k == "array");
            let looks_json = text.trim_start().starts_with(['{', '[']);
            let text_only = !kinds.is_empty() && kinds.iter().all(|k| k == "string" || k == "null");
            if wants_json || (looks_json && !text_only) {
                problems.push(format!(
                    "{name}: {text} is not valid JSON ({error}); give it whole and quoted for \
                     the shell, e.g. {name}='{{\"q\": \"x\"}}'"
                ));
            }
        }
        if !problems.is_empty() {
            return Err(CliError::Usage(format!(
                "bad arguments (the tool was not called): {}",
                problems.join("; ")
            )));
        }
        let text_only = |name: &str| {
            let schema = tool
                .input_schema
                .get("properties")
                .and_then(|p| p.get(name));
            match schema.and_then(|s| s.get("type")) {
                Some(Value::String(kind)) => kind == "string",
                Some(Value::Array(kinds)) => kinds
                    .iter()
                    .filter_map(Value::as_str)
                    .all(|k| k == "string" || k == "null"),
                _ => false,
            }
        };
        Ok(pairs
            .into_iter()
            .map(|(name, text)| {
                let value = match serde_json::from_str::<Value>(&text) {
                    Ok(value) if !text_only(&name) || value.is_string() => value,
                    _ => Value::String(text),
                };
                (name, value)
            })
            .collect())
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(pairs: &[&str], json: Option<&str>) -> CallArgs {
        CallArgs {
            tool: "run_task".into(),
            args: json.map(str::to_string),
            pairs: pairs.iter().map(|p| p.to_string()).collect(),
            json: false,
        }
    }

    fn tool() -> Tool {
        let Value::Object(schema) = json!({"type": "object", "properties": {
            "task_name": {"type": "string"}, "zip": {"type": ["string", "null"]},
            "wait_seconds": {"type": "number"}, "inputs": {"type": "object"}}})
        else {
            panic!()
        };
        Tool::new("run_task", "Runs.", std::sync::Arc::new(schema))
    }

    #[test]
    fn pairs_are_json_when_they_parse_and_text_where_the_tool_wants_text() {
        let given = Given::parse(&args(
            &[
                "task_name=123",
                "zip=02134",
                "wait_seconds=5",
                "inputs={\"q\": \"rust\"}",
                "other=plain words",
                "flag=true",
            ],
            None,
        ))
        .unwrap();
        let object = given.for_tool(&tool()).unwrap();
        assert_eq!(
            Value::Object(object),
            json!({"task_name": "123", "zip": "02134", "wait_seconds": 5,
                   "inputs": {"q": "rust"}, "other": "plain words", "flag": true})
        );
    }

    #[test]
    fn an_unknown_tool_gets_the_nearest_names_and_why_task_tools_may_be_missing() {
        let tools = [tool()];
        let text = unknown_tool("run_tsk", &tools, &[]);
        assert!(text.contains("Did you mean run_task?"), "{text}");
        assert!(unknown_tool("run", &tools, &[]).contains("Did you mean run_task?"));
        assert!(!unknown_tool("deploy", &tools, &[]).contains("Did you mean"));
        let failure = ListingFailure {
            provider: crate::cloud::Provider::Anchor,
            status: Some(401),
            error: "HTTP 401: Invalid API Key".into(),
        };
        let text = unknown_tool("echo", &tools, &[failure]);
        assert!(
            text.contains("could not be listed, so their tools are missing: HTTP 401"),
            "{text}"
        );
    }

    #[test]
    fn a_value_meant_as_json_that_does_not_parse_is_refused_saying_where() {
        let error = Given::parse(&args(&["inputs={\"q\":\"x\"", "wait_seconds=[1,"], None))
            .unwrap()
            .for_tool(&tool())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("inputs: {\"q\":\"x\" is not valid JSON (EOF while parsing an object at line 1 column 8)"),
            "{error}"
        );
        assert!(
            error.contains("wait_seconds: [1, is not valid JSON"),
            "{error}"
        );
        // Text where text is wanted, even if it looks like JSON; and plain words elsewhere.
        let object = Given::parse(&args(&["task_name={draft", "other=plain words"], None))
            .unwrap()
            .for_tool(&tool())
            .unwrap();
        assert_eq!(
            Value::Object(object),
            json!({"task_name": "{draft", "other": "plain words"})
        );
    }

    #[test]
    fn malformed_arguments_are_usage_errors_naming_each_problem() {
        let error = Given::parse(&args(&["novalue", "=x", "a=1", "a=2"], None))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("\"novalue\" is not NAME=VALUE"), "{error}");
        assert!(error.contains("\"=x\" has no name"), "{error}");
        assert!(error.contains("a is given twice"), "{error}");
        let error = Given::parse(&args(&[], Some("[1]")))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("not an array"), "{error}");
        let error = Given::parse(&args(&[], Some("{oops")))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("not valid JSON"), "{error}");
    }
}
