//! What the server knows about tasks that the cloud cannot list for it.
//!
//! Anchor's Task Builder (v2) has no endpoint to list tasks or read their parameters, so the
//! server remembers the tasks it generated: their ids, names and parameter lists. This lets
//! `run_task` tell a generated task from a code task by its id alone, and `list_tasks` show
//! generated tasks beside the code tasks the API lists.

use std::collections::BTreeMap;
use std::sync::RwLock;

use serde::Serialize;

use crate::anchor::models::TaskParameter;

/// A Task Builder task this server generated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneratedTask {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub input_schema: Vec<TaskParameter>,
    pub output_schema: Vec<TaskParameter>,
    /// Last generation status seen (`generating`, `ready`, `failed`, …).
    pub status: String,
    pub error: Option<String>,
}

/// The server's memory of tasks (this process's lifetime).
#[derive(Debug, Default)]
pub struct Catalog {
    generated: RwLock<BTreeMap<String, GeneratedTask>>,
}

impl Catalog {
    /// Record (or update) a generated task.
    pub fn remember_generated(&self, task: GeneratedTask) {
        if let Ok(mut map) = self.generated.write() {
            map.insert(task.id.clone(), task);
        }
    }

    /// A generated task by id.
    pub fn generated(&self, id: &str) -> Option<GeneratedTask> {
        self.generated.read().ok()?.get(id).cloned()
    }

    /// A generated task by name (the first one, if several share it).
    pub fn generated_by_name(&self, name: &str) -> Option<GeneratedTask> {
        let map = self.generated.read().ok()?;
        map.values().find(|t| t.name == name).cloned()
    }

    /// Every generated task, by id.
    pub fn all_generated(&self) -> Vec<GeneratedTask> {
        self.generated
            .read()
            .map(|map| map.values().cloned().collect())
            .unwrap_or_default()
    }
}
