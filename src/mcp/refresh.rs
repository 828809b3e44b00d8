//! Keeping the catalog, and so the tool list, in step with the cloud and with other server
//! processes sharing the catalog.
//!
//! - Code tasks and skills are found by listing Anchor's tasks and Browser Use's skills (at
//!   startup, then every refresh interval); a task missing from a listing that fully
//!   succeeded is marked gone. A listing
//!   that fails changes nothing, so a transient error never empties the tool list.
//! - Another process's writes show up in SQLite's `data_version`, checked every few seconds;
//!   when the list changes this way, this process's clients are told too.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::state::Shared;
use crate::anchor::models::Task;
use crate::anchor::{infer, rules};
use crate::browser_use::models::{Skill, SkillStatus};
use crate::catalog::TaskSighting;
use crate::cloud::{ApiError, Provider};
use crate::params::ParamsOrigin;
use crate::runs::TaskKind;

/// What the catalog should know about a listed code task: its parameters are read off its
/// code when nobody declared them.
pub fn code_task_sighting(task: &Task) -> TaskSighting {
    let params = task
        .code
        .as_deref()
        .filter(|code| !code.is_empty())
        .and_then(rules::decode_code)
        .map(|source| {
            (
                infer::inputs_from_code(&source),
                Vec::new(),
                ParamsOrigin::Inferred,
            )
        });
    TaskSighting {
        provider: Provider::Anchor,
        kind: TaskKind::Code,
        task_id: task.id.clone(),
        name: task.name.clone(),
        description: task.description.clone().filter(|d| !d.trim().is_empty()),
        version: task.latest_version.clone(),
        status: None,
        params,
        output_schema: None,
    }
}

/// A skill's state as the catalog keeps it: `ready` (finished and enabled, so runnable),
/// `disabled` (finished, not enabled), else its generation status.
pub fn skill_state(skill: &Skill) -> String {
    match (&skill.status, skill.is_enabled) {
        (SkillStatus::Finished, true) => "ready".into(),
        (SkillStatus::Finished, false) => "disabled".into(),
        (status, _) => status.to_string(),
    }
}

/// What the catalog should know about a Browser Use skill: its parameters and output schema
/// once it is generated.
pub fn skill_sighting(skill: &Skill) -> TaskSighting {
    let finished = skill.status == SkillStatus::Finished;
    let name = skill
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| skill.slug.clone())
        .unwrap_or_else(|| skill.id.clone());
    TaskSighting {
        provider: Provider::BrowserUse,
        kind: TaskKind::Skill,
        task_id: skill.id.clone(),
        name,
        description: skill
            .description
            .clone()
            .or_else(|| skill.goal.clone())
            .filter(|d| !d.trim().is_empty()),
        version: skill.current_version.map(|v| v.to_string()),
        status: Some(skill_state(skill)),
        params: finished.then(|| {
            (
                crate::params::from_skill(&skill.parameters),
                Vec::new(),
                ParamsOrigin::Declared,
            )
        }),
        output_schema: skill
            .output_schema
            .clone()
            .filter(|s| finished && s.as_object().is_some_and(|o| !o.is_empty())),
    }
}

/// List every skill (pages of 100, at most 50 pages) into the catalog, and mark the ones no
/// longer listed as gone. Returns how many were listed.
pub async fn sync_skills(shared: &Shared) -> Result<usize, ApiError> {
    let Some(browser_use) = &shared.browser_use else {
        return Ok(0);
    };
    const PAGE: u32 = 100;
    let mut seen = Vec::new();
    let mut complete = false;
    for page in 1..=50 {
        let list = browser_use.list_skills(page, PAGE, None, None).await?;
        seen.extend(list.items.iter().map(|skill| skill.id.clone()));
        shared
            .learn_all(list.items.iter().map(skill_sighting).collect())
            .await;
        if list.items.len() < PAGE as usize || seen.len() as u64 >= list.total_items {
            complete = true;
            break;
        }
    }
    if complete
        && let Err(error) =
            shared
                .catalog
                .mark_missing(Provider::BrowserUse, TaskKind::Skill, &seen)
    {
        tracing::warn!(%error, "could not mark removed skills in the catalog");
    }
    Ok(seen.len())
}

/// List every code task (pages of 100, at most 50 pages) into the catalog, and mark the ones
/// no longer listed as gone. Returns how many were listed.
pub async fn sync_code_tasks(shared: &Shared) -> Result<usize, ApiError> {
    let Some(anchor) = &shared.anchor else {
        return Ok(0);
    };
    const PAGE: u32 = 100;
    let mut seen = Vec::new();
    let mut complete = false;
    for page in 1..=50 {
        let list = anchor.list_tasks(page, PAGE).await?;
        seen.extend(list.tasks.iter().map(|task| task.id.clone()));
        shared
            .learn_all(list.tasks.iter().map(code_task_sighting).collect())
            .await;
        let listed = u64::from(page) * u64::from(PAGE);
        if list.tasks.len() < PAGE as usize || list.total.is_some_and(|total| listed >= total) {
            complete = true;
            break;
        }
    }
    if complete
        && let Err(error) = shared
            .catalog
            .mark_missing(Provider::Anchor, TaskKind::Code, &seen)
    {
        tracing::warn!(%error, "could not mark removed tasks in the catalog");
    }
    Ok(seen.len())
}

/// How often the background upkeep runs.
#[derive(Debug, Clone)]
pub struct Upkeep {
    /// List the cloud's tasks this often (`None`: only at startup).
    pub sync_every: Option<Duration>,
    /// Look for other processes' catalog changes this often.
    pub watch_every: Duration,
}

/// Run the upkeep until `stop` fires: a sync at once, then watching and periodic syncs.
pub async fn run_upkeep(shared: Arc<Shared>, upkeep: Upkeep, stop: CancellationToken) {
    let sync = |shared: Arc<Shared>| async move {
        if shared.anchor.is_some() {
            match sync_code_tasks(&shared).await {
                Ok(count) => tracing::info!(tasks = count, "listed code tasks into the catalog"),
                Err(error) => {
                    tracing::warn!(%error, "could not list code tasks; their tools are unchanged")
                }
            }
        }
        if shared.browser_use.is_some() {
            match sync_skills(&shared).await {
                Ok(count) => tracing::info!(skills = count, "listed skills into the catalog"),
                Err(error) => {
                    tracing::warn!(%error, "could not list skills; their tools are unchanged")
                }
            }
        }
        shared.tools_may_have_changed().await;
    };
    let syncs = shared.anchor.is_some() || shared.browser_use.is_some();
    if syncs {
        sync(shared.clone()).await;
    }
    let mut last_sync = tokio::time::Instant::now();
    let mut seen_version = shared.catalog.data_version();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(upkeep.watch_every) => {}
        }
        let version = shared.catalog.data_version();
        if version != seen_version {
            seen_version = version;
            shared.tools_may_have_changed().await;
        }
        if let Some(every) = upkeep.sync_every
            && syncs
            && last_sync.elapsed() >= every
        {
            last_sync = tokio::time::Instant::now();
            sync(shared.clone()).await;
        }
    }
}
