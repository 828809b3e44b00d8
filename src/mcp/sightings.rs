//! What the catalog should learn from what a provider lists: a code task's parameters read
//! off its code when nobody declared them, a skill's parameters, state and output schema.

use crate::catalog::TaskSighting;
use crate::cloud::Provider;
use crate::params::ParamsOrigin;
use crate::providers::anchor::models::Task;
use crate::providers::anchor::{infer, rules};
use crate::providers::browser_use::models::{Skill, SkillStatus};
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
