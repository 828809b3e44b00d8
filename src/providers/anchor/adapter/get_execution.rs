//! Anchor Browser's part of `get_execution`: a code task's execution (found by its task's id)
//! or a generated task's run (found by its id alone).

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use super::arguments::AnchorKind;
use crate::mcp::args::{EXECUTION_ID_FROM, Problem, TASK_ID_FROM, check_uuid, has, str_arg};
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::work::{RunFollow, Work};
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::ToolError;
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::get_execution::{FOLLOW, SharedArgs};

/// Anchor's own arguments of `get_execution`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    pub kind: Option<AnchorKind>,
}

/// Anchor's part of `get_execution`.
pub struct GetExecution {
    account: Arc<Account>,
}

impl GetExecution {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for GetExecution {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        format!("{FOLLOW} A code run needs task_id unless started here.")
    }

    fn fragment(&self) -> String {
        "Anchor: a code task's run needs task_id.".into()
    }

    fn rules(&self, env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        check(env, args, problems);
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            // Only the shared arguments: `kind` matters to the rules alone, as a task_id (given
            // or recorded) is what makes a code task's execution.
            let shared: SharedArgs = read_args(args)?;
            let anchor = self.account.client()?;
            // A run this server (or another sharing its catalog) started is known by its id
            // alone.
            let recorded = call.env.catalog.run(&shared.execution_id).await;
            // A code task's run is read under its task; a generated task's by its id alone.
            let run = super::run_ref(
                &shared.execution_id,
                shared.task_id.clone(),
                recorded.as_ref(),
            );
            Ok(Work::Follow(Box::new(RunFollow {
                cloud: anchor,
                run,
                recorded,
            })))
        }
        .boxed()
    }
}

/// Argument rules of reading an Anchor run.
fn check(env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
    let kind = str_arg(args, "kind");
    if kind == Some("generated") && has(args, "task_id") {
        problems.push(Problem::new(
            "task_id",
            "a generated task's run is found by execution_id alone; leave task_id out",
        ));
    }
    let recorded = str_arg(args, "execution_id").and_then(|id| env.named_run(id));
    if kind == Some("code") && !has(args, "task_id") && recorded.is_none() {
        problems.push(Problem::new(
            "task_id",
            "is required for a code task's execution (run_task's answer carries it)",
        ));
    }
    if has(args, "task_id") {
        check_uuid(args, "task_id", TASK_ID_FROM, problems);
        check_uuid(args, "execution_id", EXECUTION_ID_FROM, problems);
    }
}
