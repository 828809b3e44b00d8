//! Anchor Browser's part of `refine_task`. A Task Builder task is generated again from what
//! the catalog remembers plus the feedback (`builder_versions`), optionally from a finished
//! browser session in which a person showed the job (`browser_session_id`); the result is the
//! next version of the same catalog entry, under the same tool name. A code task has no
//! server-side refinement: the answer is its current source, the feedback (with the run's
//! evidence) and the exact `create_task` → `deploy_task` calls that publish a fix.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use super::builder_versions;
use crate::catalog::CatalogTask;
use crate::mcp::args::{Problem, TASK_ID_FROM, check_uuid, has};
use crate::mcp::context::adapter::{ToolPart, read_args};
use crate::mcp::context::work::Work;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::refine_task::SharedArgs;
use crate::mcp::versions::{self, VersionNote};
use crate::providers::anchor::AnchorClient;
use crate::providers::anchor::models::GenerationStatus;
use crate::providers::anchor::rules;
use crate::runs::TaskKind;

/// Longest source returned, in characters.
const MAX_SOURCE_CHARS: usize = 20_000;

/// Anchor's own arguments of `refine_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    /// A past session to learn from.
    pub browser_session_id: Option<String>,
}

/// A call's arguments as Anchor reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

const DESCRIPTION: &str = "Improve a task from feedback and execution_id's evidence: a generated \
one gets its next version; a code task, its source and the calls to fix it.";

/// What a code task's refinement answers: what to fix, and how.
#[derive(Debug, Serialize)]
struct CodeFix {
    task_id: String,
    name: String,
    kind: TaskKind,
    /// The version whose source this is.
    version: String,
    /// The decoded TypeScript to fix.
    code: String,
    truncated: bool,
    /// The feedback, with the run's evidence when one was named.
    feedback: String,
    /// The calls that complete the fix, in order.
    next_steps: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    versions: Vec<VersionNote>,
}

/// Anchor's part of `refine_task`.
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
        "Anchor: a generated task is generated again (same tool); a code task gets its source \
         and the calls that publish a fix."
            .into()
    }

    fn rules(&self, env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        check_uuid(args, "task_id", TASK_ID_FROM, problems);
        let known = crate::mcp::args::str_arg(args, "task_id")
            .and_then(|id| env.tasks_as_read().task_or_former(id).cloned());
        if has(args, "browser_session_id")
            && known.as_ref().is_some_and(|t| t.kind == TaskKind::Code)
        {
            problems.push(Problem::new(
                "browser_session_id",
                "is for generated tasks; a code task is fixed in its source",
            ));
        }
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let args: Args = read_args(args)?;
            let anchor = self.account.client()?;
            let task_id = args.shared.task_id.trim().to_string();
            match call.env.task_or_former(&task_id).await {
                Some(task) if task.kind == TaskKind::Generated => {
                    still_generating(&task)?;
                    builder_versions::regenerate(
                        call,
                        anchor,
                        task,
                        &args.shared.feedback,
                        args.own.browser_session_id,
                    )
                    .await
                }
                known => code_fix(call, anchor, &task_id, known, &args.shared.feedback)
                    .await
                    .map(Work::from),
            }
        }
        .boxed()
    }
}

/// A generated task whose current version is still being generated cannot be refined yet.
fn still_generating(task: &CatalogTask) -> Result<(), ToolError> {
    let status = task.status.clone().unwrap_or_default();
    if status.is_empty() || GenerationStatus::from(status.as_str()).is_terminal() {
        return Ok(());
    }
    Err(ToolError::Unsupported {
        message: format!(
            "Task {} is still {status}: refine it once it is ready. Nothing was changed.",
            task.task_id
        ),
        hint: format!(
            "Wait with get_task {{\"task_id\": \"{}\", \"wait_seconds\": 60}}.",
            task.task_id
        ),
    })
}

/// A code task's refinement: its latest source (else its draft), and the calls that publish
/// a fix. Nothing is changed.
async fn code_fix(
    call: &ToolContext<'_>,
    anchor: &AnchorClient,
    task_id: &str,
    known: Option<CatalogTask>,
    feedback: &str,
) -> Result<Reply, ToolError> {
    let meta = match anchor.get_task(task_id).await {
        Ok(meta) => meta,
        Err(error) if error.status() == Some(404) && known.is_none() => {
            return Err(ToolError::NotFound {
                message: format!(
                    "Task {task_id} is neither an Anchor code task nor a generated task this \
                     server remembers; nothing was changed."
                ),
                hint: "list_tasks shows the tasks that can be refined.".into(),
            });
        }
        Err(error) => return Err(ToolError::api(error, format!("Reading task {task_id}"))),
    };
    let chosen = if meta.latest.as_deref().is_some_and(|v| v != "draft") {
        "latest"
    } else {
        "draft"
    };
    let version = anchor
        .get_version(task_id, chosen)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading the {chosen} source of task {task_id}")))?;
    let decoded = version
        .code
        .as_deref()
        .and_then(rules::decode_code)
        .unwrap_or_default();
    let truncated = decoded.chars().count() > MAX_SOURCE_CHARS;
    let code: String = decoded.chars().take(MAX_SOURCE_CHARS).collect();
    let next_steps = vec![
        format!(
            "create_task {{\"name\": {:?}, \"code\": \"<the fixed source>\"}} (saves it as the \
             draft)",
            meta.name
        ),
        format!(
            "deploy_task {{\"task_id\": \"{task_id}\", \"description\": \"<what was fixed>\"}} \
             (publishes the draft as the next version)"
        ),
        format!("run_task {{\"task_id\": \"{task_id}\", \"inputs\": {{…}}}} (checks the fix)"),
    ];
    let history = match &known {
        Some(task) => versions::history(call.env, task).await,
        None => Vec::new(),
    };
    let summary = format!(
        "Anchor cannot refine a code task itself. Fix the source of version {} of {:?} (in the \
         structured content) for the feedback, then: 1. {} 2. {} 3. {}",
        version.version, meta.name, next_steps[0], next_steps[1], next_steps[2]
    );
    Ok(Reply::ok(
        summary,
        CodeFix {
            task_id: task_id.to_string(),
            name: meta.name,
            kind: TaskKind::Code,
            version: version.version,
            code,
            truncated,
            feedback: feedback.to_string(),
            next_steps,
            versions: history,
        },
    ))
}
