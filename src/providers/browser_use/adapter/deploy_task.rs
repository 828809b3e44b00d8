//! Browser Use Cloud's part of `deploy_task`: enable (or disable) a finished skill, which
//! makes it runnable and a tool of its own (or neither), optionally with a new description.
//!
//! The API's spec declares no refusal to enable a skill that is not finished (only 403 over the
//! plan's limit), and such a skill still cannot run: the skill's status is read first, and an
//! unfinished one is not enabled.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Account;
use crate::catalog::VersionEvent;
use crate::mcp::args::{Problem, TASK_ID_FROM, check_uuid, has, str_arg};
use crate::mcp::context::adapter::ToolPart;
use crate::mcp::context::adapter::read_args;
use crate::mcp::context::work::Work;
use crate::mcp::context::{ToolContext, ToolEnv};
use crate::mcp::reply::{Reply, ToolError};
use crate::mcp::schema::input_schema_for;
use crate::mcp::tools::deploy_task::{Output, SharedArgs};
use crate::providers::browser_use::BrowserUseClient;
use crate::providers::browser_use::catalog::skill_sighting;
use crate::providers::browser_use::models::{SkillStatus, UpdateSkill};

/// Browser Use's own arguments of `deploy_task`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct OwnArgs {
    /// Default true.
    pub enabled: Option<bool>,
}

/// A call's arguments as Browser Use reads them.
#[derive(Debug, Deserialize)]
struct Args {
    #[serde(flatten)]
    shared: SharedArgs,
    #[serde(flatten)]
    own: OwnArgs,
}

const DESCRIPTION: &str = "Enable a finished Browser Use skill, so that it runs and becomes a \
tool of its own (enabled: false disables it); restore rolls it back to its previous version.";

/// The longest skill description the API takes.
const MAX_DESCRIPTION_CHARS: usize = 1000;

/// Browser Use's part of `deploy_task`.
pub struct DeployTask {
    account: Arc<Account>,
}

impl DeployTask {
    pub fn new(account: &Arc<Account>) -> Self {
        Self {
            account: account.clone(),
        }
    }
}

impl ToolPart for DeployTask {
    fn arguments(&self) -> Arc<JsonObject> {
        input_schema_for::<OwnArgs>()
    }

    fn description(&self) -> String {
        DESCRIPTION.into()
    }

    fn title(&self) -> Option<&'static str> {
        Some("Enable a skill")
    }

    fn fragment(&self) -> String {
        "Browser Use: enable a skill (enabled: false disables it).".into()
    }

    fn argument_docs(&self) -> Vec<(&'static str, String)> {
        vec![("description", "The skill's new description.".into())]
    }

    fn rules(&self, _env: &ToolEnv, args: &JsonObject, problems: &mut Vec<Problem>) {
        if let Some(text) = str_arg(args, "description")
            && text.chars().count() > MAX_DESCRIPTION_CHARS
        {
            problems.push(Problem::new(
                "description",
                format!(
                    "is {} characters long; the API accepts at most {MAX_DESCRIPTION_CHARS}",
                    text.chars().count()
                ),
            ));
        }
        if !has(args, "task_id") {
            problems.push(Problem::new(
                "task_id",
                "is required: give the skill's id (generate_task and list_tasks show it)",
            ));
        }
        check_uuid(args, "task_id", TASK_ID_FROM, problems);
        if let Some(version) = str_arg(args, "restore") {
            if version.trim().parse::<u64>().is_err() && !version.trim().is_empty() {
                problems.push(Problem::new(
                    "restore",
                    format!("{version:?} is not a skill version; give its number, e.g. \"1\""),
                ));
            }
            if has(args, "enabled") {
                problems.push(Problem::new(
                    "enabled",
                    "cannot be given with restore; restore first, then enable or disable",
                ));
            }
        }
    }

    fn run<'a>(
        &'a self,
        call: &'a ToolContext<'a>,
        args: JsonObject,
    ) -> BoxFuture<'a, Result<Work<'a>, ToolError>> {
        async move {
            let args: Args = read_args(args)?;
            let bu = self.account.client()?;
            match args.shared.restore.clone() {
                Some(version) => restore(call, bu, args, version.trim()).await,
                None => enable_skill(call, bu, args).await,
            }
        }
        .map(|outcome| outcome.map(Work::from))
        .boxed()
    }
}

/// Why a skill that is not finished cannot be enabled, and what to do instead.
fn not_finished(skill_id: &str, status: &SkillStatus) -> ToolError {
    let what_now = if status.is_terminal() {
        "generate it again with generate_task"
    } else {
        "get_task with wait_seconds waits until its generation ends"
    };
    ToolError::Unsupported {
        message: format!(
            "Skill {skill_id} is {status}: only a finished skill can be enabled. Nothing was \
             changed."
        ),
        hint: format!("To use it, {what_now}."),
    }
}

/// Make the skill's previous version current again (`POST /skills/{skill_id}/rollback`: one
/// step back, which cannot be undone), and record it in the catalog's history.
async fn restore(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    args: Args,
    version: &str,
) -> Result<Reply, ToolError> {
    let skill_id = args.shared.task_id.clone().unwrap_or_default();
    let current = bu
        .get_skill(&skill_id)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading skill {skill_id}")))?;
    // A refinement that did not finish (failed, cancelled) sits above the version the skill
    // reports as current: rolling back discards it and leaves that version current.
    let unfinished_refinement =
        current.status != SkillStatus::Finished && current.current_version.is_some();
    let reported = current.current_version.unwrap_or(1);
    let (now, previous) = if unfinished_refinement {
        (reported + 1, reported)
    } else {
        (reported, reported.saturating_sub(1))
    };
    if previous == 0 || version != previous.to_string() {
        let what = if previous == 0 {
            "it has no earlier version".to_string()
        } else {
            format!("only its previous version, {previous}, can be restored")
        };
        return Err(ToolError::Unsupported {
            message: format!(
                "Skill {skill_id} is at version {now}; {what} (Browser Use rolls back one \
                 version at a time). Nothing was changed."
            ),
            hint: if previous == 0 {
                "Refine it instead: refine_task {\"task_id\": …, \"feedback\": …}.".into()
            } else {
                format!(
                    "Call deploy_task {{\"task_id\": \"{skill_id}\", \"restore\": \"{previous}\"}}."
                )
            },
        });
    }
    let skill = bu
        .rollback_skill(&skill_id)
        .await
        .map_err(|e| ToolError::api(e, format!("Rolling skill {skill_id} back (never retried)")))?;
    let restored = skill
        .current_version
        .map_or_else(|| version.to_string(), |v| v.to_string());
    let change = call.env.learn(skill_sighting(&skill)).await;
    if let Some(change) = &change {
        call.note_version(
            &change.task,
            &restored,
            VersionEvent::Restored,
            Some(&format!("version {now} rolled back")),
            None,
        )
        .await;
    }
    let next_step = format!(
        "Run it with run_task {{\"task_id\": \"{skill_id}\", \"inputs\": {{…}}}} to check it."
    );
    Ok(Reply::ok(
        format!("Skill {skill_id} is back at version {restored}. {next_step}"),
        Output {
            task_id: skill_id,
            version: restored,
            description: skill.description.clone(),
            created_at: skill.created_at.clone(),
            enabled: Some(skill.is_enabled),
            next_step,
        },
    ))
}

/// Enable (or disable) a skill, and update the catalog (and so its tool).
async fn enable_skill(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    args: Args,
) -> Result<Reply, ToolError> {
    let Args { shared, own } = args;
    let skill_id = shared.task_id.clone().unwrap_or_default();
    let enable = own.enabled.unwrap_or(true);
    if enable {
        let current = bu
            .get_skill(&skill_id)
            .await
            .map_err(|e| ToolError::api(e, format!("Reading skill {skill_id}")))?;
        if current.status != SkillStatus::Finished {
            return Err(not_finished(&skill_id, &current.status));
        }
    }
    let body = UpdateSkill {
        description: shared.description.clone(),
        is_enabled: Some(enable),
        ..UpdateSkill::default()
    };
    let skill = bu.update_skill(&skill_id, &body).await.map_err(|e| {
        let doing = if enable { "Enabling" } else { "Disabling" };
        ToolError::api(e, format!("{doing} skill {skill_id}"))
    })?;
    let change = call.env.learn(skill_sighting(&skill)).await;
    if let Some(change) = &change {
        let label = skill.current_version.map(|v| v.to_string());
        call.note_version(
            &change.task,
            label.as_deref().unwrap_or("1"),
            VersionEvent::Deployed,
            Some(if skill.is_enabled {
                "enabled"
            } else {
                "disabled"
            }),
            None,
        )
        .await;
    }
    let listed = match &change {
        Some(c) => call
            .env
            .listed_tool_names()
            .await
            .contains(&c.task.tool_name),
        None => false,
    };
    let name = skill.title.clone().unwrap_or_else(|| skill_id.clone());
    let next_step = match (skill.is_enabled, listed, &change) {
        (true, true, Some(change)) => format!(
            "Call its own tool {} with its arguments, or run_task {{\"task_id\": \"{skill_id}\", \
             \"inputs\": {{…}}}}.",
            change.task.tool_name
        ),
        (true, _, _) => {
            format!("Run it with run_task {{\"task_id\": \"{skill_id}\", \"inputs\": {{…}}}}.")
        }
        (false, _, _) => format!(
            "It cannot run until enabled again (deploy_task {{\"task_id\": \"{skill_id}\"}})."
        ),
    };
    let state = if skill.is_enabled {
        "enabled"
    } else {
        "disabled"
    };
    Ok(Reply::ok(
        format!("Skill {name:?} ({skill_id}) is {state}. {next_step}"),
        Output {
            task_id: skill_id,
            version: skill
                .current_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
            description: skill.description.clone(),
            created_at: skill.created_at.clone(),
            enabled: Some(skill.is_enabled),
            next_step,
        },
    ))
}
