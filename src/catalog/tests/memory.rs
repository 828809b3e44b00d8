//! A store in two maps, written from [`CatalogStore`]'s docs alone and reusing the model's
//! merge rules: if the contract tests pass against it too, the trait asks for nothing that
//! only SQLite has. Test-only: it shares nothing between processes.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::catalog::{
    CallTask, CallTaskState, CatalogError, CatalogStore, CatalogTask, RunRecord, RunState,
    TaskChange, TaskSighting, TaskVersion, ToolNamer, Whose,
};
use crate::cloud::Provider;
use crate::runs::TaskKind;

#[derive(Debug, Default)]
pub(super) struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Stands in for the time: stamps are this counter, zero-padded so they sort as text.
    clock: u64,
    /// By (provider id, task id): the task and whether it is marked missing.
    tasks: BTreeMap<(&'static str, String), (CatalogTask, bool)>,
    /// By (provider id, run id).
    runs: BTreeMap<(&'static str, String), RunRecord>,
    /// Every history entry, oldest first.
    versions: Vec<TaskVersion>,
    /// By name: the holder and when its lease ends.
    leases: BTreeMap<String, (String, std::time::Instant)>,
    /// By task id.
    call_tasks: BTreeMap<String, CallTask>,
}

impl State {
    fn now(&mut self) -> String {
        self.clock += 1;
        format!("{:020}", self.clock)
    }

    fn present(&self) -> impl Iterator<Item = &CatalogTask> {
        self.tasks
            .values()
            .filter(|(_, missing)| !missing)
            .map(|(task, _)| task)
    }
}

impl MemoryStore {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }
}

#[async_trait::async_trait]
impl CatalogStore for MemoryStore {
    fn data_version(&self) -> i64 {
        // Nobody else writes here.
        0
    }

    fn location(&self) -> String {
        "memory".into()
    }

    async fn ping(&self) -> Result<(), CatalogError> {
        Ok(())
    }

    async fn former_ids(&self) -> Result<Vec<(String, String)>, CatalogError> {
        let state = self.lock();
        let mut formers: Vec<(String, String)> = state
            .versions
            .iter()
            .filter_map(|v| {
                let task = state
                    .present()
                    .find(|t| t.provider == v.provider && t.tool_name == v.tool_name)?;
                (task.task_id != v.task_id).then(|| (v.task_id.clone(), task.task_id.clone()))
            })
            .collect();
        formers.sort();
        formers.dedup();
        Ok(formers)
    }

    async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: std::time::Duration,
    ) -> Result<bool, CatalogError> {
        let now = std::time::Instant::now();
        let mut state = self.lock();
        let free = state
            .leases
            .get(name)
            .is_none_or(|(owner, until)| owner == holder || *until <= now);
        if free {
            state
                .leases
                .insert(name.to_string(), (holder.to_string(), now + ttl));
        }
        Ok(free)
    }

    async fn renew_leases(
        &self,
        holder: &str,
        ttl: std::time::Duration,
    ) -> Result<(), CatalogError> {
        let until = std::time::Instant::now() + ttl;
        for (owner, end) in self.lock().leases.values_mut() {
            if owner == holder {
                *end = until;
            }
        }
        Ok(())
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), CatalogError> {
        let mut state = self.lock();
        if state
            .leases
            .get(name)
            .is_some_and(|(owner, _)| owner == holder)
        {
            state.leases.remove(name);
        }
        Ok(())
    }

    async fn create_call_task(&self, task: &CallTask) -> Result<(), CatalogError> {
        let mut state = self.lock();
        let stamp = state.now();
        let mut task = task.clone();
        task.updated_at = stamp;
        state.call_tasks.insert(task.task_id.clone(), task);
        Ok(())
    }

    async fn call_task(&self, task_id: &str) -> Result<Option<CallTask>, CatalogError> {
        Ok(self.lock().call_tasks.get(task_id).cloned())
    }

    async fn update_call_task(
        &self,
        task_id: &str,
        new: &CallTaskState,
    ) -> Result<bool, CatalogError> {
        let mut state = self.lock();
        let stamp = state.now();
        match state.call_tasks.get_mut(task_id) {
            Some(task) if !task.state.is_terminal() => {
                task.state = new.clone();
                task.updated_at = stamp;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn cancel_call_task(&self, task_id: &str) -> Result<(), CatalogError> {
        if let Some(task) = self.lock().call_tasks.get_mut(task_id) {
            task.cancel_requested = true;
        }
        Ok(())
    }

    async fn answer_call_task(
        &self,
        task_id: &str,
        key: &str,
        response: &serde_json::Value,
    ) -> Result<bool, CatalogError> {
        let mut state = self.lock();
        let Some(task) = state.call_tasks.get_mut(task_id) else {
            return Ok(false);
        };
        let outstanding = task.state.status == "input_required"
            && task
                .state
                .input_requests
                .as_ref()
                .is_some_and(|r| r.get(key).is_some());
        let Some(answers) = task.input_responses.as_object_mut() else {
            return Ok(false);
        };
        if !outstanding || answers.contains_key(key) {
            return Ok(false);
        }
        answers.insert(key.to_string(), response.clone());
        Ok(true)
    }

    async fn discard_call_tasks(&self) -> Result<usize, CatalogError> {
        let now = chrono::Utc::now().timestamp_millis();
        let mut state = self.lock();
        let before = state.call_tasks.len();
        state.call_tasks.retain(|_, task| task.discard_at_ms > now);
        Ok(before - state.call_tasks.len())
    }

    async fn upsert_task(
        &self,
        sighting: TaskSighting,
        name_tool: &ToolNamer<'_>,
    ) -> Result<TaskChange, CatalogError> {
        let mut state = self.lock();
        let key = (sighting.provider.id(), sighting.task_id.clone());
        let stamp = state.now();
        let change = match state.tasks.get(&key).cloned() {
            None => {
                let taken =
                    |name: &str| state.tasks.values().any(|(task, _)| task.tool_name == name);
                let tool_name = name_tool(&sighting, &taken);
                let task = CatalogTask::from_sighting(&sighting, tool_name, stamp);
                TaskChange {
                    created: true,
                    changed: true,
                    task,
                }
            }
            Some((old, missing)) => {
                let mut task = old.merged(&sighting);
                task.last_seen = stamp;
                TaskChange {
                    created: false,
                    changed: missing || !old.same_shape(&task),
                    task,
                }
            }
        };
        state.tasks.insert(key, (change.task.clone(), false));
        Ok(change)
    }

    async fn task_by_id(&self, task_id: &str) -> Option<CatalogTask> {
        self.lock()
            .present()
            .find(|task| task.task_id == task_id)
            .cloned()
    }

    async fn task_by_name(&self, name: &str, kind: Option<TaskKind>) -> Option<CatalogTask> {
        self.lock()
            .present()
            .filter(|task| task.name == name && kind.is_none_or(|kind| task.kind == kind))
            .max_by(|a, b| a.last_seen.cmp(&b.last_seen))
            .cloned()
    }

    async fn tasks(&self) -> Result<Vec<CatalogTask>, CatalogError> {
        let mut tasks: Vec<CatalogTask> = self.lock().present().cloned().collect();
        tasks.sort_by_key(|task| {
            (
                task.last_used.is_none(),
                Reverse(task.last_used.clone()),
                Reverse(task.last_seen.clone()),
                task.tool_name.clone(),
            )
        });
        Ok(tasks)
    }

    async fn mark_used(&self, provider: Provider, task_id: &str) {
        let mut state = self.lock();
        let stamp = state.now();
        if let Some((task, _)) = state.tasks.get_mut(&(provider.id(), task_id.to_string())) {
            task.last_used = Some(stamp);
        }
    }

    async fn mark_missing(
        &self,
        provider: Provider,
        kind: TaskKind,
        present: &[String],
    ) -> Result<usize, CatalogError> {
        let mut gone = 0;
        for ((owner, id), (task, missing)) in self.lock().tasks.iter_mut() {
            if *owner == provider.id() && task.kind == kind && !*missing && !present.contains(id) {
                *missing = true;
                gone += 1;
            }
        }
        Ok(gone)
    }

    async fn record_run(&self, run: &RunRecord) -> Result<(), CatalogError> {
        self.lock()
            .runs
            .insert((run.provider.id(), run.run_id.clone()), run.clone());
        Ok(())
    }

    async fn update_run(
        &self,
        provider: Provider,
        run_id: &str,
        state: &RunState,
    ) -> Result<(), CatalogError> {
        let mut stored = self.lock();
        let stamp = stored.now();
        if let Some(run) = stored.runs.get_mut(&(provider.id(), run_id.to_string())) {
            run.status = state.status.clone();
            run.finished = state.finished;
            if state.summary.is_some() {
                run.summary = state.summary.clone();
            }
            if state.error.is_some() {
                run.error = state.error.clone();
            }
            if state.report.is_some() {
                run.report = state.report.clone();
            }
            if state.detail.is_some() {
                run.detail = state.detail.clone();
            }
            run.updated_at = stamp;
        }
        Ok(())
    }

    async fn run(&self, run_id: &str) -> Option<RunRecord> {
        self.lock()
            .runs
            .values()
            .find(|run| run.run_id == run_id)
            .cloned()
    }

    async fn runs_of(
        &self,
        task_id: &str,
        status: Option<&str>,
        whose: Whose<'_>,
        page: u32,
        limit: u32,
    ) -> Result<(Vec<RunRecord>, u64), CatalogError> {
        let mut runs: Vec<RunRecord> = self
            .lock()
            .runs
            .values()
            .filter(|run| run.task_id.as_deref() == Some(task_id))
            .filter(|run| status.is_none_or(|status| run.status == status))
            .filter(|run| of(whose, run))
            .cloned()
            .collect();
        runs.sort_by_key(|run| (Reverse(run.started_at.clone()), run.run_id.clone()));
        let total = runs.len() as u64;
        let skip = page.saturating_sub(1) as usize * limit as usize;
        Ok((
            runs.into_iter().skip(skip).take(limit as usize).collect(),
            total,
        ))
    }

    async fn record_version(&self, mut version: TaskVersion) -> Result<TaskVersion, CatalogError> {
        let mut state = self.lock();
        version.created_at = state.now();
        state.versions.push(version.clone());
        Ok(version)
    }

    async fn versions(
        &self,
        provider: Provider,
        tool_name: &str,
    ) -> Result<Vec<TaskVersion>, CatalogError> {
        Ok(self
            .lock()
            .versions
            .iter()
            .filter(|v| v.provider == provider && v.tool_name == tool_name)
            .cloned()
            .collect())
    }

    async fn task_by_version(&self, task_id: &str) -> Option<CatalogTask> {
        let state = self.lock();
        let entry = state.versions.iter().rev().find(|v| v.task_id == task_id)?;
        state
            .present()
            .find(|task| task.provider == entry.provider && task.tool_name == entry.tool_name)
            .cloned()
    }

    async fn move_task(
        &self,
        provider: Provider,
        from_id: &str,
        to_id: &str,
        status: Option<&str>,
    ) -> Result<Option<CatalogTask>, CatalogError> {
        let mut state = self.lock();
        let stamp = state.now();
        let Some((mut task, _)) = state.tasks.remove(&(provider.id(), from_id.to_string())) else {
            return Ok(None);
        };
        task.task_id = to_id.to_string();
        if let Some(status) = status {
            task.status = Some(status.to_string());
        }
        task.last_seen = stamp;
        state
            .tasks
            .insert((provider.id(), to_id.to_string()), (task.clone(), false));
        Ok(Some(task))
    }

    async fn runs_by_id_prefix(
        &self,
        id_prefix: &str,
        provider: Option<Provider>,
        whose: Whose<'_>,
        limit: u32,
    ) -> Result<(Vec<RunRecord>, u64), CatalogError> {
        let prefix = id_prefix.to_lowercase();
        let mut runs: Vec<RunRecord> = self
            .lock()
            .runs
            .values()
            .filter(|run| run.run_id.to_lowercase().starts_with(&prefix))
            .filter(|run| provider.is_none_or(|p| run.provider == p))
            .filter(|run| of(whose, run))
            .cloned()
            .collect();
        runs.sort_by_key(|run| (Reverse(run.started_at.clone()), run.run_id.clone()));
        let total = runs.len() as u64;
        Ok((runs.into_iter().take(limit as usize).collect(), total))
    }

    async fn owned_runs(
        &self,
        owner: &str,
        run_ids: &[String],
    ) -> Result<Vec<String>, CatalogError> {
        let state = self.lock();
        Ok(run_ids
            .iter()
            .filter(|id| {
                state
                    .runs
                    .values()
                    .any(|run| &run.run_id == *id && run.owner.as_deref() == Some(owner))
            })
            .cloned()
            .collect())
    }
}

/// Whether `run` is one of `whose`.
fn of(whose: Whose<'_>, run: &RunRecord) -> bool {
    match whose {
        Whose::Anyone => true,
        Whose::Owner(owner) => run.owner.as_deref() == Some(owner),
    }
}
