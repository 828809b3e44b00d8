//! Anchor Browser's part of `list_tasks`: a page of its code tasks, as its task list gives them,
//! and, on the first page, the generated (Task Builder) tasks, which Anchor cannot list: they
//! come from what the catalog remembers.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use serde_json::json;

use super::Account;
use crate::mcp::args::Problem;
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::work::Work;
use crate::mcp::context::{ToolContext, ToolEnv, unrecorded};
use crate::mcp::reply::ToolError;
use crate::mcp::schema::portable;
use crate::mcp::tools::list_tasks::{self, ListedTask, NOT_LISTED, Page, SharedArgs};
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::catalog::code_task_sighting;
use crate::runs::TaskKind;

const DESCRIPTION: &str = "Code and generated tasks: state, tool name, arguments.";

/// Anchor's part of `list_tasks`.
pub struct ListTasks {
    account: Arc<Account>,
}

impl ListTasks {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for ListTasks {
    fn arguments(&self) -> Arc<JsonObject> {
        // Only the shared page and limit.
        Arc::new(portable(json!({"type": "object", "properties": {}})))
    }

    fn description(&self) -> String {
        format!("{DESCRIPTION} {NOT_LISTED}")
    }

    fn fragment(&self) -> String {
        "Anchor: code and generated tasks.".into()
    }

    fn argument_docs(&self) -> Vec<(&'static str, String)> {
        vec![("limit", "Default 20.".into())]
    }

    fn rules(&self, _env: &ToolEnv, _args: &JsonObject, _problems: &mut Vec<Problem>) {}

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let args = list_tasks::shared_args(&args)?;
            let page = list(call, self.account.client()?, &args).await?;
            Ok(list_tasks::reply(call, &args, page).await)
        }
        .map(|outcome| outcome.map(Work::from))
        .boxed()
    }
}

/// A page of Anchor's tasks; everything listed goes into the catalog (it may become a tool).
async fn list(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    args: &SharedArgs,
) -> Result<Page, ToolError> {
    let (page, limit) = (args.page(), args.limit());
    let list = anchor
        .list_tasks(page, limit)
        .await
        .map_err(|e| ToolError::api(e, "Listing tasks"))?;
    let changes = call
        .env
        .learn_all(list.tasks.iter().map(code_task_sighting).collect())
        .await;
    let mut tasks = Vec::new();
    if page == 1 {
        // Anchor cannot list generated tasks: they come from the catalog, first.
        tasks.extend(
            call.env
                .tasks()
                .await
                .unwrap_or_default()
                .iter()
                .filter(|t| t.kind == TaskKind::Generated)
                .map(|task| ListedTask {
                    task: task.clone(),
                    updated_at: None,
                }),
        );
    }
    for (task, change) in list.tasks.iter().zip(changes) {
        tasks.push(ListedTask {
            task: match change {
                Some(change) => change.task,
                None => unrecorded(code_task_sighting(task)),
            },
            updated_at: task.updated_at.clone(),
        });
    }
    let seen = u64::from(page.saturating_sub(1)) * u64::from(limit) + list.tasks.len() as u64;
    Ok(Page {
        tasks,
        more: list.total.is_some_and(|total| seen < total),
        total_code_tasks: list.total,
        total_skills: None,
    })
}
