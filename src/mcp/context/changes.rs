//! How the tool list learns that tasks changed: a counter of this process's task changes with
//! a signal the registry watches, and the catalog's tasks as last read (read again only when
//! the catalog or the counter moved). Tools change tasks through [`super::ToolEnv`], which
//! bumps the counter; only the registry reads it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::catalog::{CatalogError, CatalogStore, CatalogTask};

/// The catalog's tasks, and the [`TaskChanges::version`] they were read at.
type TasksRead = ((i64, u64), Arc<Vec<CatalogTask>>);

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

    /// Every task in `catalog`, most recently used first (see [`CatalogStore::tasks`]), read
    /// again only when it has changed since the last read: the tool list and every
    /// `list_tasks` call ask, and a large catalog takes a while to read.
    pub(super) fn tasks(
        &self,
        catalog: &dyn CatalogStore,
    ) -> Result<Arc<Vec<CatalogTask>>, CatalogError> {
        let version = self.version(catalog);
        let cached = self.cache.lock().ok().and_then(|cache| cache.clone());
        if let Some((at, tasks)) = cached
            && at == version
        {
            return Ok(tasks);
        }
        let tasks = Arc::new(catalog.tasks()?);
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Some((version, tasks.clone()));
        }
        Ok(tasks)
    }
}
