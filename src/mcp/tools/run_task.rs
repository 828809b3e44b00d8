//! `run_task`: run any task and return its output, or, when it outlasts the wait, the id to
//! keep waiting with. Each provider's part says what it runs (`providers::*::adapter::
//! run_task`); this file holds what every run takes and the checks they share.
//!
//! The run is started exactly once, then polled. The start request is never retried: if it
//! fails ambiguously, the agent is told to look before starting another.

use std::sync::LazyLock;

use rmcp::model::{JsonObject, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::compose::{self, ToolSpec};
use super::writes;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, check_wait_seconds, has, str_arg};
use crate::mcp::context::adapter::ProviderSet;
use crate::mcp::context::{Access, ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;

pub const NAME: &str = "run_task";

/// What it does in the cloud.
pub const ACCESS: Access = Access::Run;

/// How every run_task description ends: the wait, and never starting a run twice.
pub const RUN_TAIL: &str = "Past wait_seconds, returns an execution_id for get_execution. Each \
call starts a new run: if one did not answer, check list_executions.";

/// A call's arguments: each provider's part reads its own.
pub type Args = JsonObject;

/// The arguments every provider's run takes.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct SharedArgs {
    pub task_id: Option<String>,
    /// The task's arguments.
    pub inputs: Option<Map<String, Value>>,
    /// Default 45; 0: return at once.
    pub wait_seconds: Option<f64>,
    pub session_id: Option<String>,
}

static SPEC: LazyLock<ToolSpec> = LazyLock::new(|| ToolSpec {
    name: NAME,
    title: "Run a task",
    lead: "Run a task in a cloud browser and return its output: any task from list_tasks by \
           task_id, with inputs.",
    tail: RUN_TAIL,
    arguments: input_schema_for::<SharedArgs>(),
    output_schema: Some(crate::mcp::schema::report_schema()),
    annotations: writes(true, false),
});

/// The tool's definition.
pub fn definition(providers: &ProviderSet) -> Option<Tool> {
    compose::definition(&SPEC, providers)
}

/// The provider a call is for: as asked, as its arguments imply, as the task it names.
fn provider_of(env: &ToolEnv, args: &JsonObject) -> Provider {
    let named =
        str_arg(args, "task_id").and_then(|id| env.tasks_as_read().task(id).map(|t| t.provider));
    compose::resolve(&SPEC, env, args, named)
}

/// Argument rules beyond the schema.
pub fn rules(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    let provider = provider_of(env, args);
    compose::foreign_argument_problems(&SPEC, env, args, provider, problems);
    check_wait_seconds(args, problems);
    let parts = compose::shown_parts(&env.providers, NAME);
    let named = has(args, "task_id")
        || parts
            .iter()
            .any(|(_, part)| part.subjects().names.iter().any(|n| has(args, n)));
    if !named {
        problems.push(Problem::new("task_id", what_to_run(&parts)));
    }
    if let Some(part) = env.providers.get(provider).and_then(|a| a.tool(NAME)) {
        part.rules(env, args, problems);
    }
}

/// What a call must name, for the providers shown.
fn what_to_run(parts: &[(Provider, &dyn crate::mcp::context::adapter::ToolPart)]) -> String {
    if let [(_, only)] = parts {
        return format!("is required: give {}", only.subjects().alone);
    }
    let mut choices = vec!["`task_id` (any listed task)".to_string()];
    choices.extend(
        parts
            .iter()
            .map(|(_, part)| part.subjects().listed.to_string())
            .filter(|listed| !listed.is_empty()),
    );
    let last = choices.pop().unwrap_or_default();
    if choices.is_empty() {
        format!("is required: give {last}")
    } else {
        format!("is required: give {} or {last}", choices.join(", "))
    }
}

/// Run it.
pub async fn run(call: &ToolContext<'_>, args: JsonObject) -> Result<Reply, ToolError> {
    let part = compose::part_for(&SPEC, call.env, provider_of(call.env, &args))?;
    // The call's wait, decided once here: the part only plans the work.
    let budget = compose::start_budget(call.env, &args);
    compose::run_part(call, part, args, budget).await
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::catalog::TaskSighting;
    use crate::mcp::registry::tests::test_registry;
    use crate::runs::TaskKind;

    fn args(value: Value) -> JsonObject {
        value.as_object().cloned().unwrap_or_default()
    }

    #[tokio::test]
    async fn the_provider_comes_from_the_argument_then_the_arguments_then_the_catalog() {
        let both = test_registry(true, true);
        let env = both.env();
        let of = |value: Value| provider_of(env, &args(value));
        assert_eq!(
            of(json!({"provider": "browser_use", "version": "2"})),
            Provider::BrowserUse
        );
        assert_eq!(of(json!({"task": "x"})), Provider::BrowserUse);
        assert_eq!(of(json!({"task_name": "x"})), Provider::Anchor);
        env.learn(TaskSighting {
            provider: Provider::BrowserUse,
            kind: TaskKind::Skill,
            task_id: "skill-1".into(),
            name: "Docs search".into(),
            description: None,
            version: None,
            status: Some("ready".into()),
            params: None,
            output_schema: None,
        })
        .await;
        env.task_index().await.unwrap();
        assert_eq!(of(json!({"task_id": "skill-1"})), Provider::BrowserUse);
        // Unknown to the catalog, with both configured: the first registered.
        assert_eq!(of(json!({"task_id": "x"})), Provider::Anchor);
        let browser_use = test_registry(false, true);
        assert_eq!(
            provider_of(browser_use.env(), &args(json!({"task_id": "x"}))),
            Provider::BrowserUse
        );
    }

    #[test]
    fn arguments_of_the_other_provider_are_named() {
        let both = test_registry(true, true);
        let mut problems = Vec::new();
        rules(
            both.env(),
            &args(json!({"task": "x", "version": "2"})),
            &mut problems,
        );
        // Both imply a provider; the first registered one's wins, and the other's is named.
        let foreign: Vec<&Problem> = problems
            .iter()
            .filter(|p| p.message.contains("belongs to"))
            .collect();
        assert_eq!(foreign.len(), 1, "{problems:?}");
        assert_eq!(foreign[0].field, "task");
        assert_eq!(
            foreign[0].message,
            "belongs to Browser Use Cloud, while `version` belongs to Anchor Browser; give the \
             arguments of one provider only"
        );
        let mut problems = Vec::new();
        rules(
            both.env(),
            &args(json!({"provider": "browser_use", "task": "x", "version": "2"})),
            &mut problems,
        );
        assert!(
            problems.iter().any(|p| p.field == "version"
                && p.message
                    .starts_with("belongs to Anchor Browser, while provider is browser_use")),
            "{problems:?}"
        );
        // With Browser Use alone, `version` is no argument at all: the schema check says so,
        // and no rule blames another provider for it.
        let browser_use = test_registry(false, true);
        let mut problems = Vec::new();
        rules(
            browser_use.env(),
            &args(json!({"task": "x", "version": "2"})),
            &mut problems,
        );
        assert!(
            problems.iter().all(|p| !p.message.contains("belongs to")),
            "{problems:?}"
        );
    }

    #[test]
    fn definitions_keep_the_arguments_of_the_providers_shown() {
        let properties = |anchor, browser_use| {
            let registry = test_registry(anchor, browser_use);
            let tool = definition(&registry.env().providers)
                .expect("run_task is offered by every provider");
            let keys: Vec<String> = tool.input_schema["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            keys
        };
        let anchor = properties(true, false);
        assert!(anchor.contains(&"version".to_string()) && !anchor.contains(&"task".to_string()));
        assert!(!anchor.contains(&"provider".to_string()));
        let browser_use = properties(false, true);
        assert!(
            browser_use.contains(&"task".to_string()) && !browser_use.contains(&"version".into())
        );
        let both = properties(true, true);
        for key in ["task", "version", "provider", "task_id", "inputs"] {
            assert!(both.contains(&key.to_string()), "{key} in {both:?}");
        }
        // With no provider configured the tool reads as the first registered one's.
        assert_eq!(properties(false, false), anchor);
    }
}
