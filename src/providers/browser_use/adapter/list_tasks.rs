//! Browser Use Cloud's part of `list_tasks`: a page of its skills, as its skill list gives them.

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
use crate::providers::browser_use::BrowserUseClient;
use crate::providers::browser_use::catalog::skill_sighting;

const DESCRIPTION: &str = "List the Browser Use skills you can run, with their state (deploy_task \
enables a disabled one) and each one's tool name and arguments.";

/// Browser Use's part of `list_tasks`.
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
        "Browser Use: skills (deploy_task enables disabled ones).".into()
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

/// A page of Browser Use's skills; everything listed goes into the catalog (it may become a
/// tool).
async fn list(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    args: &SharedArgs,
) -> Result<Page, ToolError> {
    let (page, limit) = (args.page(), args.limit());
    let list = bu
        .list_skills(page, limit, None, None)
        .await
        .map_err(|e| ToolError::api(e, "Listing skills"))?;
    let changes = call
        .env
        .learn_all(list.items.iter().map(skill_sighting).collect())
        .await;
    let tasks = list
        .items
        .iter()
        .zip(changes)
        .map(|(skill, change)| ListedTask {
            task: match change {
                Some(change) => change.task,
                None => unrecorded(skill_sighting(skill)),
            },
            updated_at: skill.updated_at.clone(),
        })
        .collect();
    let seen = u64::from(page.saturating_sub(1)) * u64::from(limit) + list.items.len() as u64;
    Ok(Page {
        tasks,
        more: seen < list.total_items,
        total_code_tasks: None,
        total_skills: Some(list.total_items),
    })
}
