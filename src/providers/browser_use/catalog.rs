//! What the catalog should learn from a skill Browser Use lists: its state (`ready` when it
//! can run), its parameters and output schema once it is generated.

use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::params::ParamsOrigin;
use crate::providers::browser_use::models::{Skill, SkillStatus};
use crate::runs::TaskKind;

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
                crate::providers::browser_use::params::params(&skill.parameters),
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
