//! Which catalog tasks become tools of their own: runnable ones, matching the allow-list, up
//! to a cap, most recently used first (clients cap their tool counts). Pure: the registry
//! builds the tool list with it, and tools answer "is it listed?" with it.

use crate::catalog::CatalogTask;
use crate::providers::anchor::rules;
use crate::runs::TaskKind;

/// Which tasks become tools.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Task or tool names (globs allowed); empty means every runnable task.
    pub allow: Vec<glob::Pattern>,
    /// At most this many task tools.
    pub max: usize,
}

impl Default for Selection {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            max: 25,
        }
    }
}

impl Selection {
    /// From `tasks` (most recently used first), the ones to list as tools.
    pub fn choose(&self, tasks: Vec<CatalogTask>) -> Vec<CatalogTask> {
        tasks
            .into_iter()
            .filter(is_runnable)
            .filter(|task| {
                self.allow.is_empty()
                    || self
                        .allow
                        .iter()
                        .any(|p| p.matches(&task.name) || p.matches(&task.tool_name))
            })
            .take(self.max)
            .collect()
    }
}

/// Whether a task can be run now: a code task with a published version, a generated task
/// whose generation is ready, a skill that is finished and enabled (catalog status `ready`).
pub fn is_runnable(task: &CatalogTask) -> bool {
    match task.kind {
        TaskKind::Code => task
            .version
            .as_deref()
            .is_some_and(rules::is_version_number),
        TaskKind::Generated | TaskKind::Skill => task.status.as_deref() == Some("ready"),
        TaskKind::Agent => false,
    }
}
