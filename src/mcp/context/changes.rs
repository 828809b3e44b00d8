//! How the tool list learns that tasks changed: a counter of this process's task changes with
//! a signal the registry watches, and the catalog's tasks as last read (read again only when
//! the catalog or the counter moved). Tools change tasks through [`super::ToolEnv`], which
//! bumps the counter; only the registry reads it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::catalog::{CatalogError, CatalogStore, CatalogTask};
use crate::runs::TaskKind;

/// The catalog's tasks as read at one moment: what argument rules consult, synchronously,
/// while a call is checked (the call reads the catalog again first if it moved).
#[derive(Debug, Default)]
pub struct TaskIndex {
    /// Every task not marked missing, most recently used first.
    pub tasks: Arc<Vec<CatalogTask>>,
    /// A regenerated task's former cloud ids, each with its id now.
    formers: HashMap<String, String>,
}

impl TaskIndex {
    /// The task with this id.
    pub fn task(&self, task_id: &str) -> Option<&CatalogTask> {
        self.tasks.iter().find(|task| task.task_id == task_id)
    }

    /// The task with this id, or the one that had it before it was regenerated.
    pub fn task_or_former(&self, task_id: &str) -> Option<&CatalogTask> {
        self.task(task_id)
            .or_else(|| self.formers.get(task_id).and_then(|now| self.task(now)))
    }

    /// The most recently seen task with this name (and kind, when given).
    pub fn task_by_name(&self, name: &str, kind: Option<TaskKind>) -> Option<&CatalogTask> {
        self.tasks
            .iter()
            .filter(|task| task.name == name && kind.is_none_or(|kind| task.kind == kind))
            .max_by(|a, b| a.last_seen.cmp(&b.last_seen))
    }

    /// Which kind of task an id names, as remembered, else a code task.
    pub fn kind_of(&self, task_id: Option<&str>) -> TaskKind {
        task_id
            .and_then(|id| self.task(id))
            .map_or(TaskKind::Code, |t| t.kind)
    }
}

/// The catalog's tasks, and the [`TaskChanges::version`] they were read at.
type TasksRead = ((i64, u64), Arc<TaskIndex>);

/// This process's task changes, and the tasks as last read.
pub struct TaskChanges {
    count: AtomicU64,
    signal: watch::Sender<u64>,
    cache: Mutex<Option<TasksRead>>,
}

impl Default for TaskChanges {
    fn default() -> Self {
        Self {
            count: AtomicU64::new(0),
            signal: watch::Sender::new(0),
            cache: Mutex::new(None),
        }
    }
}

impl TaskChanges {
    /// How many task changes this process has made (the registry rebuilds when it moves).
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    /// Signalled after every task change (see [`TaskChanges::count`]).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.signal.subscribe()
    }

    /// A task changed.
    pub(super) fn bump(&self) {
        let count = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        self.signal.send_replace(count);
    }

    /// Where `catalog`'s tasks are at: its `data_version` (moved by other processes) and this
    /// process's change count.
    pub fn version(&self, catalog: &dyn CatalogStore) -> (i64, u64) {
        (catalog.data_version(), self.count())
    }

    /// The tasks as last read, however old (empty before the first read).
    pub(super) fn last_read(&self) -> Arc<TaskIndex> {
        self.cache
            .lock()
            .ok()
            .and_then(|cache| cache.as_ref().map(|(_, index)| index.clone()))
            .unwrap_or_default()
    }

    /// Every task in `catalog` (see [`CatalogStore::tasks`]) with the former ids, read again
    /// only when it has changed since the last read: the tool list and every call ask, and a
    /// large catalog takes a while to read.
    pub(super) async fn tasks(
        &self,
        catalog: &dyn CatalogStore,
    ) -> Result<Arc<TaskIndex>, CatalogError> {
        let version = self.version(catalog);
        let cached = self.cache.lock().ok().and_then(|cache| cache.clone());
        if let Some((at, index)) = cached
            && at == version
        {
            return Ok(index);
        }
        let tasks = Arc::new(catalog.tasks().await?);
        let formers = catalog.former_ids().await?.into_iter().collect();
        let index = Arc::new(TaskIndex { tasks, formers });
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some((version, index.clone()));
        }
        Ok(index)
    }
}
