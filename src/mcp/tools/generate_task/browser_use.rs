//! `generate_task` on Browser Use: a skill is created from a goal and a demonstration prompt
//! (Browser Use records an agent doing the job once and generates the skill from it); the
//! wait runs through `recording` and `generating` to `finished` (or `failed`, `cancelled`,
//! `timed_out`), and a cancelled wait cancels the generation in the cloud.

use rmcp::model::JsonObject;

use super::Args;
use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::mcp::args::{Problem, str_arg};
use crate::mcp::context::ToolContext;
use crate::mcp::generation::wait_until_ready;
use crate::mcp::reply::{Reply, ToolError};
use crate::providers::browser_use::models::CreateSkill;
use crate::runs::TaskKind;

/// The shortest demonstration prompt the API takes.
const MIN_PROMPT_CHARS: usize = 10;
/// The longest goal and description the API takes.
const MAX_GOAL_CHARS: usize = 1000;
/// The longest title the API takes.
const MAX_TITLE_CHARS: usize = 100;

/// Argument rules of a skill generation.
pub(super) fn rules(args: &JsonObject, problems: &mut Vec<Problem>) {
    let chars = |key: &str| str_arg(args, key).map(|v| v.trim().chars().count());
    if chars("prompt").is_some_and(|n| n > 0 && n < MIN_PROMPT_CHARS) {
        problems.push(Problem::new(
            "prompt",
            format!(
                "is shorter than {MIN_PROMPT_CHARS} characters; describe how to do the job \
                 step by step"
            ),
        ));
    }
    if chars("name").is_some_and(|n| n > MAX_TITLE_CHARS) {
        problems.push(Problem::new(
            "name",
            format!("is longer than {MAX_TITLE_CHARS} characters (a skill's title)"),
        ));
    }
    for key in ["goal", "description"] {
        if chars(key).is_some_and(|n| n > MAX_GOAL_CHARS) {
            problems.push(Problem::new(
                key,
                format!("is longer than {MAX_GOAL_CHARS} characters"),
            ));
        }
    }
    if str_arg(args, "goal").is_some_and(|g| g.trim().is_empty()) {
        problems.push(Problem::new(
            "goal",
            "is empty; say in one sentence what the skill does",
        ));
    }
}

/// Start generating a skill (once), remember it, and wait.
pub(super) async fn run(call: &ToolContext<'_>, args: Args) -> Result<Reply, ToolError> {
    let bu = call.env.browser_use()?;
    let goal = args
        .goal
        .clone()
        .or(args.description.clone())
        .map(|g| g.trim().to_string())
        .filter(|g| !g.is_empty())
        .unwrap_or_else(|| crate::cloud::truncate_text(args.prompt.trim(), MAX_GOAL_CHARS - 1));
    let request = CreateSkill {
        goal,
        agent_prompt: args.prompt.clone(),
        title: Some(args.name.trim().to_string()),
        description: args.description.clone(),
    };
    tracing::info!(name = %args.name.trim(), "starting a skill generation");
    let created = bu
        .create_skill(&request)
        .await
        .map_err(|e| ToolError::api(e, "Starting the skill generation"))?;
    // Remembered at once, so the id survives whatever happens to this call.
    let task = call.env.remember(TaskSighting {
        provider: Provider::BrowserUse,
        kind: TaskKind::Skill,
        task_id: created.id.clone(),
        name: args.name.trim().to_string(),
        description: args.description.clone(),
        version: None,
        status: Some("recording".into()),
        params: None,
        output_schema: None,
    });
    let budget = call.env.waits.budget(args.wait_seconds);
    wait_until_ready(call, task, "recording", budget, true).await
}
