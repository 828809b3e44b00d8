//! Which catalog tasks become tools of their own: runnable ones, matching the allow-list, up
//! to a cap, most recently used first (clients cap their tool counts). Pure: the registry
//! builds the tool list with it, and tools answer "is it listed?" with it.

use crate::catalog::CatalogTask;

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
    /// From `tasks` (most recently used first), the runnable ones to list as tools.
    pub fn choose(
        &self,
        tasks: Vec<CatalogTask>,
        runnable: &dyn Fn(&CatalogTask) -> bool,
    ) -> Vec<CatalogTask> {
        tasks
            .into_iter()
            .filter(|task| runnable(task))
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
