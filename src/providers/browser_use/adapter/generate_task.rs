//! Browser Use Cloud's part of `generate_task`: a skill is created from a goal and a
//! demonstration prompt (Browser Use records an agent doing the job once and generates the
//! skill from it); the wait runs through `recording` and `generating` to `finished` (or
//! `failed`, `cancelled`, `timed_out`), and a cancelled wait cancels the generation in the
//! cloud.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use super::skills::SkillGenerations;
use crate::catalog::{TaskSighting, VersionEvent};
use crate::cloud::Provider;
use crate::mcp::args::{Problem, str_arg};
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::work::{GenerationWait, Seen, Work};
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::ToolError;
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::generate_task::{GENERATE_TAIL, SharedArgs};
use crate::providers::browser_use::BrowserUseClient;
use crate::providers::browser_use::models::CreateSkill;
use crate::runs::TaskKind;

/// Browser Use's own arguments of `generate_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    /// One sentence (default: description).
    pub goal: Option<String>,
}

/// A call's arguments as Browser Use reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

const DESCRIPTION: &str = "Generate a Browser Use skill (a reusable automation with typed inputs) \
from its goal and, in prompt, how to do the job once, which is recorded; waits until it is ready \
(minutes). Cancelling the call cancels it.";

/// The shortest demonstration prompt the API takes.
const MIN_PROMPT_CHARS: usize = 10;
/// The longest goal and description the API takes.
const MAX_GOAL_CHARS: usize = 1000;
/// The longest title the API takes.
const MAX_TITLE_CHARS: usize = 100;

/// Browser Use's part of `generate_task`.
pub struct GenerateTask {
    account: Arc<Account>,
}

impl GenerateTask {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for GenerateTask {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        format!("{DESCRIPTION} {GENERATE_TAIL}")
    }

    fn fragment(&self) -> String {
        "Browser Use (goal, or provider \"browser_use\"): a skill, recorded doing prompt once."
            .into()
    }

    fn argument_docs(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "prompt",
                "How to do the job once, in detail: the site, the steps, what to extract and \
                 return."
                    .into(),
            ),
            ("name", "A short title.".into()),
        ]
    }

    fn rules(&self, _env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        check(args, problems);
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let args: Args = read_args(args)?;
            run(call, self.account.client()?, args).await
        }
        .boxed()
    }
}

/// Argument rules of a skill generation.
fn check(args: &JsonObject, problems: &mut Vec<Problem>) {
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
async fn run<'a>(
    call: &'a ToolContext<'a>,
    bu: &'a BrowserUseClient,
    args: Args,
) -> Result<Work<'a>, ToolError> {
    let Args { shared, own } = args;
    let goal = own
        .goal
        .or(shared.description.clone())
        .map(|g| g.trim().to_string())
        .filter(|g| !g.is_empty())
        .unwrap_or_else(|| crate::cloud::truncate_text(shared.prompt.trim(), MAX_GOAL_CHARS - 1));
    let request = CreateSkill {
        goal,
        agent_prompt: shared.prompt.clone(),
        title: Some(shared.name.trim().to_string()),
        description: shared.description.clone(),
    };
    tracing::info!(name = %shared.name.trim(), "starting a skill generation");
    let created = bu
        .create_skill(&request)
        .await
        .map_err(|e| ToolError::api(e, "Starting the skill generation"))?;
    // Remembered at once, so the id survives whatever happens to this call.
    let task = call
        .env
        .remember(TaskSighting {
            provider: Provider::BrowserUse,
            kind: TaskKind::Skill,
            task_id: created.id.clone(),
            name: shared.name.trim().to_string(),
            description: shared.description.clone(),
            version: None,
            status: Some("recording".into()),
            params: None,
            output_schema: None,
        })
        .await;
    call.note_version(&task, "1", VersionEvent::Generated, None, None)
        .await;
    Ok(Work::Generation(Box::new(GenerationWait {
        watch: Box::new(SkillGenerations { client: bu }),
        task,
        seen: Seen::Started("recording".into()),
    })))
}
