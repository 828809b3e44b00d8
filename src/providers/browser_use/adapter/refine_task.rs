//! Browser Use Cloud's part of `refine_task`: `POST /skills/{skill_id}/refine` (202) starts
//! generating the skill's next version from the feedback (which carries a named run's
//! evidence); the wait runs through `generating` to `finished` (or `failed`, `cancelled`,
//! `timed_out`) like a generation, and a cancelled wait cancels it in the cloud
//! (`POST /skills/{skill_id}/cancel`). `deploy_task` with `restore` rolls a bad version back.
//!
//! The spec refuses to refine a skill that is not finished (400) or has no code (404): the
//! skill is read first, so an unfinished one is refused without a write, and the version being
//! made is known (the current one plus one).

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use super::skills::{self, SkillGenerations};
use crate::catalog::VersionEvent;
use crate::mcp::args::{Problem, TASK_ID_FROM, check_uuid, str_arg};
use crate::mcp::context::adapter::{ToolPart, read_args};
use crate::mcp::context::work::{GenerationWait, Seen, Work};
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::ToolError;
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::refine_task::SharedArgs;
use crate::providers::browser_use::BrowserUseClient;
use crate::providers::browser_use::models::{RefineSkill, SkillStatus};

/// Browser Use's own arguments of `refine_task`: none.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {}

const DESCRIPTION: &str = "Refine a finished Browser Use skill from feedback (with execution_id, \
that run's evidence is added): its next version is generated (minutes; cancelling cancels it).";

/// The shortest feedback the API takes.
const MIN_FEEDBACK_CHARS: usize = 10;

/// Browser Use's part of `refine_task`.
pub struct RefineTask {
    account: Arc<Account>,
}

impl RefineTask {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for RefineTask {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        DESCRIPTION.into()
    }

    fn fragment(&self) -> String {
        "Browser Use: a skill's next version is generated.".into()
    }

    fn rules(&self, _env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        check_uuid(args, "task_id", TASK_ID_FROM, problems);
        let chars = str_arg(args, "feedback").map_or(0, |f| f.trim().chars().count());
        if chars > 0 && chars < MIN_FEEDBACK_CHARS {
            problems.push(Problem::new(
                "feedback",
                format!(
                    "is shorter than {MIN_FEEDBACK_CHARS} characters; say what failed and what \
                     to change"
                ),
            ));
        }
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let args: SharedArgs = read_args(args)?;
            refine(call, self.account.client()?, args).await
        }
        .boxed()
    }
}

/// Start the refinement (once), record the version it makes, and wait.
async fn refine<'a>(
    call: &'a ToolContext<'a>,
    bu: &'a BrowserUseClient,
    args: SharedArgs,
) -> Result<Work<'a>, ToolError> {
    let skill_id = args.task_id.trim().to_string();
    let (task, skill) = skills::fetch_skill(call, bu, &skill_id).await?;
    if skill.status != SkillStatus::Finished {
        let what_now = if skill.status.is_terminal() {
            "generate it again with generate_task, or restore its previous version with \
             deploy_task {\"task_id\": …, \"restore\": …}"
        } else {
            "wait for its generation with get_task {\"task_id\": …, \"wait_seconds\": 60}"
        };
        return Err(ToolError::Unsupported {
            message: format!(
                "Skill {skill_id} is {}: only a finished skill can be refined. Nothing was \
                 changed.",
                skill.status
            ),
            hint: format!("First {what_now}."),
        });
    }
    let next = skill.current_version.unwrap_or(1) + 1;
    let body = RefineSkill {
        feedback: args.feedback.clone(),
        test_output: None,
        test_logs: None,
    };
    tracing::info!(skill = %skill_id, "starting a skill refinement");
    bu.refine_skill(&skill_id, &body).await.map_err(|e| {
        ToolError::api(
            e,
            format!("Starting the refinement of skill {skill_id} (never retried)"),
        )
    })?;
    call.note_version(
        &task,
        &next.to_string(),
        VersionEvent::Refined,
        Some(&args.feedback),
        None,
    )
    .await;
    Ok(Work::Generation(Box::new(GenerationWait {
        watch: Box::new(SkillGenerations { client: bu }),
        task,
        seen: Seen::Started("generating".into()),
    })))
}
