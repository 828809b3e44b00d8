//! Browser Use Cloud's part of `get_task`: a skill, read fresh (the catalog learns it), with
//! its generation state, parameters and output schema, optionally waiting for a generation
//! still going.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use super::skills::{self, SkillGenerations};
use crate::mcp::args::{Problem, TASK_ID_FROM, check_uuid, has};
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::work::{GenerationWait, Seen, Work};
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::ToolError;
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::get_task::SharedArgs;

/// Browser Use's own arguments of `get_task`: none (a skill is named by its task_id).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {}

const DESCRIPTION: &str = "Show one Browser Use skill by task_id: its state, inputs and output \
schema (what run_task needs).";

/// Browser Use's part of `get_task`.
pub struct GetTask {
    account: Arc<Account>,
}

impl GetTask {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for GetTask {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        DESCRIPTION.into()
    }

    fn fragment(&self) -> String {
        "Browser Use: a skill's output schema too.".into()
    }

    fn rules(&self, _env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        if !has(args, "task_id") {
            problems.push(Problem::new(
                "task_id",
                "is required: give the skill's id (list_tasks shows it)",
            ));
        }
        check_uuid(args, "task_id", TASK_ID_FROM, problems);
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let args: SharedArgs = read_args(args)?;
            let bu = self.account.client()?;
            // Read once, fresh: both what the catalog learns and the generation's state.
            let (task, skill) =
                skills::fetch_skill(call, bu, args.task_id.as_deref().unwrap_or_default()).await?;
            let watch = SkillGenerations { client: bu };
            let first = skills::skill_generation(&skill);
            Ok(Work::Generation(Box::new(GenerationWait {
                watch: Box::new(watch),
                task,
                seen: Seen::LookedAt(Box::new(first)),
            })))
        }
        .boxed()
    }
}
