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

use super::context::ToolEnv;
use super::registry::Registry;
use super::sightings::{code_task_sighting, skill_sighting};
use crate::cloud::{ApiError, Provider};
use crate::runs::TaskKind;

/// List every skill (pages of 100, at most 50 pages) into the catalog, and mark the ones no
/// longer listed as gone. Returns how many were listed.
pub async fn sync_skills(env: &ToolEnv) -> Result<usize, ApiError> {
    let Some(browser_use) = &env.browser_use else {
        return Ok(0);
    };
    const PAGE: u32 = 100;
    let mut seen = Vec::new();
    let mut complete = false;
    for page in 1..=50 {
        let list = browser_use.list_skills(page, PAGE, None, None).await?;
        seen.extend(list.items.iter().map(|skill| skill.id.clone()));
        env.learn_all(list.items.iter().map(skill_sighting).collect());
        if list.items.len() < PAGE as usize || seen.len() as u64 >= list.total_items {
            complete = true;
            break;
        }
    }
    if complete {
        env.forget_missing(Provider::BrowserUse, TaskKind::Skill, &seen);
    }
    Ok(seen.len())
}

/// List every code task (pages of 100, at most 50 pages) into the catalog, and mark the ones
/// no longer listed as gone. Returns how many were listed.
pub async fn sync_code_tasks(env: &ToolEnv) -> Result<usize, ApiError> {
    let Some(anchor) = &env.anchor else {
        return Ok(0);
    };
    const PAGE: u32 = 100;
    let mut seen = Vec::new();
    let mut complete = false;
    for page in 1..=50 {
        let list = anchor.list_tasks(page, PAGE).await?;
        seen.extend(list.tasks.iter().map(|task| task.id.clone()));
        env.learn_all(list.tasks.iter().map(code_task_sighting).collect());
        let listed = u64::from(page) * u64::from(PAGE);
        if list.tasks.len() < PAGE as usize || list.total.is_some_and(|total| listed >= total) {
            complete = true;
            break;
        }
    }
    if complete {
        env.forget_missing(Provider::Anchor, TaskKind::Code, &seen);
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

/// Run the upkeep until `stop` fires: a sync at once, then watching for other processes'
/// catalog changes, and periodic syncs. (This process's own changes are announced by the
/// registry as they happen.)
pub async fn run_upkeep(registry: Arc<Registry>, upkeep: Upkeep, stop: CancellationToken) {
    let env = registry.env().clone();
    let sync = || async {
        if env.anchor.is_some() {
            match sync_code_tasks(&env).await {
                Ok(count) => tracing::info!(tasks = count, "listed code tasks into the catalog"),
                Err(error) => {
                    tracing::warn!(%error, "could not list code tasks; their tools are unchanged")
                }
            }
        }
        if env.browser_use.is_some() {
            match sync_skills(&env).await {
                Ok(count) => tracing::info!(skills = count, "listed skills into the catalog"),
                Err(error) => {
                    tracing::warn!(%error, "could not list skills; their tools are unchanged")
                }
            }
        }
    };
    let syncs = env.anchor.is_some() || env.browser_use.is_some();
    if syncs {
        sync().await;
    }
    let mut last_sync = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(upkeep.watch_every) => {}
        }
        // Another process's writes move the catalog's data_version; the registry compares it
        // with the version its table was built at.
        registry.announce_changes().await;
        if let Some(every) = upkeep.sync_every
            && syncs
            && last_sync.elapsed() >= every
        {
            last_sync = tokio::time::Instant::now();
            sync().await;
        }
    }
}
