//! Skills as several of Browser Use's tool parts need them: looked up in the catalog first, else
//! read from Browser Use (the catalog then learns them); executed (synchronously, with
//! heartbeat progress) and recorded; their generation watched and cancelled.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use crate::catalog::CatalogTask;
use crate::cloud::ApiError;
use crate::mcp::context::ToolContext;
use crate::mcp::context::work::{Execution, Generation, GenerationWatch, Phase};
use crate::mcp::reply::ToolError;
use crate::params::ParamsOrigin;
use crate::providers::browser_use::BrowserUseClient;
use crate::providers::browser_use::catalog::{skill_sighting, skill_state};
use crate::providers::browser_use::models::Skill;
use crate::runs::TaskKind;

/// A skill, as the catalog knows it or, when it does not, as Browser Use describes it (the
/// catalog then learns it).
pub async fn skill(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    skill_id: &str,
) -> Result<CatalogTask, ToolError> {
    if let Some(task) = call
        .env
        .known_task(skill_id)
        .await
        .filter(|t| t.kind == TaskKind::Skill && t.params_origin == ParamsOrigin::Declared)
    {
        return Ok(task);
    }
    fetch_skill(call, bu, skill_id).await.map(|(task, _)| task)
}

/// A skill as Browser Use describes it now, and as the catalog keeps it after learning that.
pub async fn fetch_skill(
    call: &ToolContext<'_>,
    bu: &BrowserUseClient,
    skill_id: &str,
) -> Result<(CatalogTask, Skill), ToolError> {
    let skill = bu
        .get_skill(skill_id)
        .await
        .map_err(|e| ToolError::api(e, format!("Reading skill {skill_id}")))?;
    let sighting = skill_sighting(&skill);
    let task = match call.env.learn(sighting.clone()).await {
        Some(change) => change.task,
        None => crate::mcp::context::unrecorded(sighting),
    };
    Ok((task, skill))
}

/// A skill execution to make.
#[derive(Debug, Clone)]
pub struct SkillRun {
    pub skill_id: String,
    pub name: Option<String>,
    /// Typed, by parameter name.
    pub parameters: serde_json::Map<String, Value>,
    pub session_id: Option<String>,
    /// The inputs as recorded: secret values replaced.
    pub recorded_inputs: Value,
    /// The secret values sent, to scrub from the result.
    pub secrets: Vec<String>,
}

/// The execution of a skill (synchronous: the request that starts it answers when it is done),
/// for the core to carry out. Shared by `run_task` and the skills' own tools.
pub fn execution<'a>(
    call: &'a ToolContext<'a>,
    bu: &'a BrowserUseClient,
    run: SkillRun,
) -> Execution<'a> {
    let label = format!(
        "skill {}",
        run.name.as_deref().unwrap_or(run.skill_id.as_str())
    );
    let listed = format!(
        "list_executions with {{\"task_id\": \"{}\"}} shows its executions.",
        run.skill_id
    );
    let SkillRun {
        skill_id,
        name,
        parameters,
        session_id,
        recorded_inputs,
        secrets,
    } = run;
    Execution {
        label,
        start: async move {
            tracing::info!(skill = %skill_id, "executing a skill");
            crate::providers::browser_use::runs::run_skill(
                bu,
                &skill_id,
                &parameters,
                session_id.as_deref(),
                call.env,
            )
            .await
        }
        .boxed(),
        task_name: name,
        recorded_inputs,
        secrets,
        unstoppable: "Browser Use cannot stop a skill execution: it may still complete.".into(),
        listed,
        noun: "a skill execution",
    }
}

/// A skill's generation state.
pub fn skill_generation(skill: &Skill) -> Generation {
    Generation {
        status: skill_state(skill),
        done: skill.status.is_terminal(),
        error: None,
        sighting: Some(skill_sighting(skill)),
    }
}

/// Skill generations on one Browser Use account: recorded, then generated, then finished
/// (`ready` once enabled, else `disabled`), or failed, cancelled or timed out. They can be
/// cancelled.
pub struct SkillGenerations<'c> {
    pub client: &'c BrowserUseClient,
}

impl GenerationWatch for SkillGenerations<'_> {
    fn noun(&self) -> &'static str {
        "Skill"
    }

    fn phase(&self, status: &str) -> Phase {
        match status {
            "ready" => Phase::Ready,
            "disabled" => Phase::Disabled,
            "failed" | "cancelled" | "timed_out" => Phase::Failed,
            _ => Phase::InProgress,
        }
    }

    fn check<'a>(&'a self, task: &'a CatalogTask) -> BoxFuture<'a, Result<Generation, ApiError>> {
        async move {
            let skill = self.client.get_skill(&task.task_id).await?;
            Ok(skill_generation(&skill))
        }
        .boxed()
    }

    fn cancel<'a>(&'a self, task: &'a CatalogTask) -> Option<BoxFuture<'a, Option<Generation>>> {
        Some(
            async move {
                match self.client.cancel_skill(&task.task_id).await {
                    Ok(skill) => {
                        tracing::info!(
                            skill = %task.task_id,
                            "cancelled a skill generation after a cancel"
                        );
                        Some(skill_generation(&skill))
                    }
                    Err(error) => {
                        tracing::warn!(
                            %error,
                            skill = %task.task_id,
                            "could not cancel a skill generation"
                        );
                        None
                    }
                }
            }
            .boxed(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::HttpSettings;

    /// A finished skill is ready once enabled (else disabled); failed, cancelled and timed-out
    /// ones failed; anything else is still being generated.
    #[test]
    fn skill_states_read_as_phases() {
        let client = BrowserUseClient::new(HttpSettings::new(
            "http://127.0.0.1:9",
            "k".to_string().into(),
        ))
        .unwrap();
        let watch = SkillGenerations { client: &client };
        let phases: Vec<Phase> = [
            "ready",
            "disabled",
            "failed",
            "cancelled",
            "timed_out",
            "recording",
            "generating",
        ]
        .iter()
        .map(|status| watch.phase(status))
        .collect();
        assert_eq!(
            phases,
            vec![
                Phase::Ready,
                Phase::Disabled,
                Phase::Failed,
                Phase::Failed,
                Phase::Failed,
                Phase::InProgress,
                Phase::InProgress
            ]
        );
        assert_eq!(watch.noun(), "Skill");
    }
}
