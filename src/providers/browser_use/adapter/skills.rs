//! Skills as several of Browser Use's tool parts need them: looked up in the catalog first, else
//! read from Browser Use (the catalog then learns them).

use crate::catalog::CatalogTask;
use crate::mcp::context::ToolContext;
use crate::mcp::reply::ToolError;
use crate::params::ParamsOrigin;
use crate::providers::browser_use::catalog::skill_sighting;
use crate::runs::TaskKind;

/// A skill, as the catalog knows it or, when it does not, as Browser Use describes it (the
/// catalog then learns it).
pub async fn skill(call: &ToolContext<'_>, skill_id: &str) -> Result<CatalogTask, ToolError> {
    if let Some(task) = call
        .env
        .known_task(skill_id)
        .filter(|t| t.kind == TaskKind::Skill && t.params_origin == ParamsOrigin::Declared)
    {
        return Ok(task);
    }
    fetch_skill(call, skill_id).await.map(|(task, _)| task)
}

/// A skill as Browser Use describes it now, and as the catalog keeps it after learning that.
pub async fn fetch_skill(
    call: &ToolContext<'_>,
    skill_id: &str,
) -> Result<(CatalogTask, crate::providers::browser_use::models::Skill), ToolError> {
    let bu = call.env.browser_use()?;
    let skill = bu
        .get_skill(skill_id)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading skill {skill_id}")))?;
    let sighting = skill_sighting(&skill);
    let task = match call.env.learn(sighting.clone()) {
        Some(change) => change.task,
        None => crate::mcp::context::unrecorded(sighting),
    };
    Ok((task, skill))
}
