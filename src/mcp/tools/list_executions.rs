//! `list_executions`: one page of runs, newest first as the APIs return them. Each provider's
//! part says which runs it lists and how they are filtered (`providers::*::adapter::
//! list_executions`), each with its own `status` values; this file holds what every call takes,
//! the answer they all give, and the rule for a call that names no task.
//!
//! Outputs are cut to a preview so a page stays small; `get_execution` returns one in full.

use std::sync::LazyLock;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::compose::{self, ToolSpec};
use super::read_only;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, has, str_arg};
use crate::mcp::context::adapter::{ProviderSet, ToolPart};
use crate::mcp::context::{Access, ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::runs::parse_output;

pub const NAME: &str = "list_executions";

/// What it does in the cloud.
pub const ACCESS: Access = Access::Read;

/// Longest output preview per execution, in characters.
pub const PREVIEW_CHARS: usize = 300;

/// A call's arguments: each provider's part reads its own.
pub type Args = JsonObject;

/// The arguments every provider's call takes.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct SharedArgs {
    pub task_id: Option<String>,
    #[schemars(range(min = 1))]
    pub page: Option<u32>,
    /// Default 10.
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
}

/// One run in the list.
#[derive(Debug, Serialize)]
pub struct ExecutionSummary {
    pub execution_id: String,
    /// Anchor: queued, running, success, failure, timeout or cancelled. Browser Use: created,
    /// started, finished, failed or stopped (skills: running, completed, failed).
    pub status: String,
    /// Browser Use agent tasks: what the agent was asked (shortened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Browser Use: what the run cost, in US dollars.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_time_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The start of the output; get_execution returns all of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_preview: Option<String>,
}

/// The answer of `list_executions`.
#[derive(Debug, Serialize)]
pub struct Output {
    /// The task whose runs these are (absent for Browser Use agent tasks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    pub executions: Vec<ExecutionSummary>,
    pub page: u64,
    pub limit: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<u64>,
    /// The page to ask for next, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page: Option<u64>,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "List runs",
    lead: "List runs, newest first, with status, timing and an output preview.",
    tail: "",
    arguments: input_schema_for::<SharedArgs>(),
    output_schema: None,
    annotations: read_only(),
});

/// The tool's definition, as listed by a server with these providers (`None`: not offered).
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// The provider a call is for: as asked, as its arguments imply, as the catalog remembers the
/// task `task_id` names. (A task named another way is named by one provider's own argument,
/// which implies that provider by itself.)
fn provider_of(env: &ToolEnv, args: &JsonObject) -> Provider {
    let named =
        str_arg(args, "task_id").and_then(|id| env.tasks_as_read().task(id).map(|t| t.provider));
    compose::resolve(&SPEC, env, args, named)
}

/// Argument rules beyond the schema.
pub fn rules(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    let provider = provider_of(env, args);
    compose::foreign_argument_problems(&SPEC, env, args, provider, problems);
    compose::foreign_value_problems(&SPEC, env, args, provider, problems);
    let parts = compose::shown_parts(&env.providers, NAME);
    let Some(part) = env.providers.get(provider).and_then(|a| a.tool(NAME)) else {
        return;
    };
    let named = has(args, "task_id")
        || parts
            .iter()
            .any(|(_, part)| part.subjects().names.iter().any(|n| has(args, n)));
    if !named && !part.subjects().alone.is_empty() {
        problems.push(Problem::new(
            "task_id",
            task_required(provider, part, &parts),
        ));
    }
    part.rules(env, args, problems);
}

/// What a call that names no task must give, for a provider that lists runs of a task only
/// (its [`Subjects`](crate::mcp::context::adapter::Subjects) `alone` says what names one): and,
/// with several providers shown, how the others list runs without a task (their `listed`, from
/// those whose `alone` is empty).
fn task_required(
    provider: Provider,
    part: &dyn ToolPart,
    parts: &[(Provider, &dyn ToolPart)],
) -> String {
    if parts.len() < 2 {
        return format!("is required: give {}", part.subjects().alone);
    }
    let mut text = format!("is required for {provider}: give {}", part.subjects().alone);
    for (_, other) in parts.iter().filter(|(p, _)| *p != provider) {
        let subjects = other.subjects();
        if subjects.alone.is_empty() && !subjects.listed.is_empty() {
            text.push_str("; ");
            text.push_str(subjects.listed);
        }
    }
    text
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: JsonObject) -> Result<Reply, ToolError> {
    let part = compose::part_for(&SPEC, call.env, provider_of(call.env, &args))?;
    compose::run_part(call, part, args, std::time::Duration::ZERO).await
}

/// The start of a run's output, for the list.
pub fn preview(output: &str) -> String {
    // Compact JSON reads better than the API's string when it is JSON.
    let text = match parse_output(output) {
        serde_json::Value::String(text) => text,
        json => json.to_string(),
    };
    crate::cloud::truncate_text(&text, PREVIEW_CHARS)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn server(anchor: bool, browser_use: bool) -> std::sync::Arc<crate::mcp::Registry> {
        crate::mcp::registry::tests::test_registry(anchor, browser_use)
    }

    fn problems(server: &crate::mcp::Registry, args: serde_json::Value) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        rules(server.env(), args.as_object().unwrap(), &mut problems);
        problems.into_iter().map(|p| (p.field, p.message)).collect()
    }

    #[test]
    fn a_status_of_the_other_provider_says_whose_it_is() {
        let both = server(true, true);
        let task = "550e8400-e29b-41d4-a716-446655440000";
        assert_eq!(
            problems(&both, json!({"task_id": task, "status": "created"})),
            vec![(
                "status".to_string(),
                "\"created\" is a status of Browser Use Cloud, not of Anchor Browser: give one \
                 of success, failure, timeout, cancelled, queued, running"
                    .to_string()
            )]
        );
        assert_eq!(
            problems(
                &both,
                json!({"provider": "browser_use", "status": "success"})
            ),
            vec![(
                "status".to_string(),
                "\"success\" is a status of Anchor Browser, not of Browser Use Cloud: give one \
                 of created, started, finished, failed, stopped"
                    .to_string()
            )]
        );
        // With Browser Use alone, Anchor's values are still recognised (the schema refuses
        // them too).
        let browser_use = server(false, true);
        assert_eq!(
            problems(&browser_use, json!({"status": "timeout"}))[0].1,
            "\"timeout\" is a status of Anchor Browser, not of Browser Use Cloud: give one of \
             created, started, finished, failed, stopped"
        );
        assert!(problems(&both, json!({"task_id": task, "status": "timeout"})).is_empty());
    }

    #[test]
    fn a_call_without_a_task_is_told_what_each_provider_needs() {
        let both = server(true, true);
        assert_eq!(
            problems(&both, json!({})),
            vec![(
                "task_id".to_string(),
                "is required for Anchor Browser: give `task_id` or `task_name`; to list \
                 Browser Use agent tasks, give provider \"browser_use\" instead"
                    .to_string()
            )]
        );
        assert!(problems(&both, json!({"provider": "browser_use"})).is_empty());
        assert!(problems(&both, json!({"after": "2026-11-01"})).is_empty());
        assert!(problems(&both, json!({"task_name": "price-check"})).is_empty());
        let anchor = server(true, false);
        assert_eq!(
            problems(&anchor, json!({})),
            vec![(
                "task_id".to_string(),
                "is required: give `task_id` or `task_name`".to_string()
            )]
        );
        assert!(problems(&server(false, true), json!({})).is_empty());
    }
}
