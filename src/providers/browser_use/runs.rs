//! Browser Use runs in the common report: an agent task (its status, steps, cost and output
//! files) or a skill execution (synchronous, so already over) as a [`RunReport`].
//!
//! A start whose answer is lost (the connection broke after sending, no answer in time, an
//! unreadable reply) is never sent again; its run is looked for instead. Every agent task is
//! tagged in its `metadata` with a key of its own ([`START_TAG`], a fresh UUID), so
//! `GET /tasks` from just before the request finds it by the tag (by its task text when the
//! caller's metadata leaves no room). A skill execution is looked for among the skill's
//! newest executions: one started since just before the request, not already known.

use serde_json::Value;

use crate::cloud::ApiError;
use crate::providers::browser_use::BrowserUseClient;
use crate::providers::browser_use::models::{
    CreateTask, SkillExecution, SkillResult, TaskFilter, TaskStatus, TaskStatusView, TaskView,
};
use futures::FutureExt;
use futures::future::BoxFuture;

use crate::runs::{self, OutputFile, RunReport, Sighting, TaskKind, parse_output};
use crate::runs::{RunCloud, RunRef, StartError};

/// The `metadata` key an agent task's start is tagged with (its value a fresh UUID), to find
/// the task when the start's answer is lost.
pub const START_TAG: &str = "browser_tasks_start_id";

/// The most `metadata` pairs the API takes ("Up to 10 key-value pairs").
const MAX_METADATA_PAIRS: usize = 10;

impl RunReport {
    /// A report for a Browser Use agent task, from its status view.
    /// A report for a Browser Use agent task, from its status view.
    pub fn from_browser_use(status: &TaskStatusView) -> Self {
        let finished = status.status.is_terminal();
        let succeeded = status.status == TaskStatus::Finished && status.is_success != Some(false);
        let output = status.output.as_deref().map(parse_output);
        let error = match (&status.status, status.is_success) {
            (TaskStatus::Failed, _) => Some(
                status
                    .output
                    .clone()
                    .unwrap_or_else(|| "The agent failed without saying why.".into()),
            ),
            (TaskStatus::Stopped, _) => Some("The task was stopped before it finished.".into()),
            (TaskStatus::Finished, Some(false)) => Some(
                "The agent finished but reports that it did not achieve the task; see output."
                    .into(),
            ),
            _ => None,
        };
        Self {
            provider: "browser_use".into(),
            kind: TaskKind::Agent,
            status: status.status.to_string(),
            finished,
            success: finished.then_some(succeeded),
            execution_id: status.id.clone(),
            task_id: None,
            task_name: None,
            version: None,
            output,
            error,
            execution_time_ms: None,
            started_at: None,
            session_id: None,
            live_url: None,
            cost: status.cost.clone(),
            steps: None,
            output_files: Vec::new(),
            next_step: None,
        }
    }

    /// A report for a Browser Use agent task, from its full view.
    pub fn from_task_view(view: &TaskView) -> Self {
        Self::from_browser_use(&TaskStatusView {
            id: view.id.clone(),
            status: view.status.clone(),
            output: view.output.clone(),
            finished_at: view.finished_at.clone(),
            is_success: view.is_success,
            cost: view.cost.clone(),
        })
        .with_browser_use_view(view)
    }

    /// A report for a past skill execution (its output is a download link).
    pub fn from_skill_execution(skill_id: &str, execution: &SkillExecution) -> Self {
        let finished = !matches!(execution.status.as_str(), "running" | "pending" | "queued");
        let success = execution
            .success
            .or_else(|| finished.then(|| execution.status == "completed"));
        Self {
            provider: "browser_use".into(),
            kind: TaskKind::Skill,
            status: execution.status.clone(),
            finished,
            success: if finished { success } else { None },
            execution_id: execution.id.clone(),
            task_id: Some(skill_id.to_string()),
            task_name: None,
            version: None,
            output: None,
            error: (finished && success == Some(false))
                .then(|| "The skill execution failed; its output (if any) has the details.".into()),
            execution_time_ms: execution.latency_ms.map(|ms| ms as f64),
            started_at: execution.started_at.clone(),
            session_id: None,
            live_url: None,
            cost: None,
            steps: None,
            output_files: Vec::new(),
            next_step: None,
        }
    }

    /// What the full task view adds: steps, session, start time.
    pub fn with_browser_use_view(mut self, view: &TaskView) -> Self {
        self.steps = Some(view.steps.len() as u64);
        self.session_id = self.session_id.or_else(|| view.session_id.clone());
        self.started_at = self.started_at.or_else(|| view.started_at.clone());
        self.cost = self.cost.or_else(|| view.cost.clone());
        self
    }

    /// A report for a Browser Use skill execution (synchronous: it is already over).
    pub fn from_skill_result(skill_id: &str, execution_id: String, result: &SkillResult) -> Self {
        let error = (!result.success).then(|| {
            let mut text = result
                .error
                .clone()
                .unwrap_or_else(|| "The skill failed without saying why.".into());
            if let Some(stderr) = result.stderr.as_deref().filter(|s| !s.trim().is_empty()) {
                text.push_str(&format!("\nstderr: {stderr}"));
            }
            text
        });
        Self {
            provider: "browser_use".into(),
            kind: TaskKind::Skill,
            status: if result.success {
                "completed"
            } else {
                "failed"
            }
            .into(),
            finished: true,
            success: Some(result.success),
            execution_id,
            task_id: Some(skill_id.to_string()),
            task_name: None,
            version: None,
            output: result.result.clone().filter(|r| !r.is_null()),
            error,
            execution_time_ms: result.latency_ms.map(|ms| ms as f64),
            started_at: None,
            session_id: None,
            live_url: None,
            cost: None,
            steps: None,
            output_files: Vec::new(),
            next_step: None,
        }
    }
}

/// A finished Browser Use task's steps and output files (best effort: a failure to read them
/// leaves the report as it was).
async fn complete(bu: &BrowserUseClient, report: RunReport) -> RunReport {
    let view = match bu.get_task(&report.execution_id).await {
        Ok(view) => view,
        Err(error) => {
            tracing::warn!(%error, "could not read a finished task's steps and files");
            return report;
        }
    };
    let mut report = report.with_browser_use_view(&view);
    for file in &view.output_files {
        match bu.output_file(&report.execution_id, &file.id).await {
            Ok(link) => report.output_files.push(OutputFile {
                file_name: file.file_name.clone(),
                download_url: link.download_url,
            }),
            Err(error) => tracing::warn!(%error, file = %file.file_name, "no download link"),
        }
    }
    report
}

/// The agent's latest step, for progress: "step 3: Open the pricing page (https://…)".
fn step_detail(view: &TaskView) -> Option<String> {
    let step = view.steps.iter().max_by_key(|s| s.number)?;
    let goal = step
        .next_goal
        .as_deref()
        .filter(|g| !g.is_empty())
        .unwrap_or("working");
    let url = step
        .url
        .as_deref()
        .filter(|u| !u.is_empty())
        .map(|u| format!(" at {u}"))
        .unwrap_or_default();
    Some(format!(
        "step {}: {}{url}",
        step.number,
        crate::cloud::truncate_text(goal, 120)
    ))
}

/// Run a Browser Use skill (synchronous). The execution's id is looked up afterwards, best
/// effort (the execute answer carries none).
///
/// When the answer is lost, the execution is looked for instead (see the module docs); `known`
/// says which execution ids are already accounted for.
pub async fn run_skill(
    bu: &BrowserUseClient,
    skill_id: &str,
    parameters: &serde_json::Map<String, Value>,
    session_id: Option<&str>,
    known: &dyn runs::KnownRuns,
) -> Result<RunReport, StartError> {
    let sent = chrono::Utc::now();
    let result = match bu.execute_skill(skill_id, parameters, session_id).await {
        Ok(result) => result,
        Err(error) if error.outcome_unknown() => {
            return match find_skill_execution(bu, skill_id, sent, known).await {
                Ok(report) => Ok(report),
                Err(finding) => Err(StartError::Unconfirmed {
                    error,
                    finding,
                    check: Some(serde_json::json!({ "task_id": skill_id })),
                }),
            };
        }
        Err(error) => return Err(error.into()),
    };
    let execution_id = match bu.skill_executions(skill_id, 1, 1).await {
        Ok(page) => page.items.first().map(|e| e.id.clone()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok(RunReport::from_skill_result(
        skill_id,
        execution_id,
        &result,
    ))
}

/// The execution of a skill run whose answer was lost, with a link to its output; else what
/// the search found, in a sentence.
async fn find_skill_execution(
    bu: &BrowserUseClient,
    skill_id: &str,
    sent: chrono::DateTime<chrono::Utc>,
    known: &dyn runs::KnownRuns,
) -> Result<RunReport, String> {
    let look = || async {
        let page = bu.skill_executions(skill_id, 1, 20).await?;
        let recent: Vec<SkillExecution> = page
            .items
            .into_iter()
            .filter(|e| runs::started_since(e.started_at.as_deref(), sent))
            .collect();
        let mut candidates: Vec<SkillExecution> = runs::unaccounted(known, recent, |e| &e.id).await;
        Ok(match candidates.len() {
            0 => Sighting::Nothing,
            1 => Sighting::One(Box::new(
                execution_report(bu, skill_id, candidates.remove(0)).await,
            )),
            _ => Sighting::Several(candidates.into_iter().map(|e| e.id).collect()),
        })
    };
    match runs::look_twice(look).await {
        Ok(Sighting::One(report)) => {
            tracing::info!(run = %report.execution_id, "found the skill execution of a lost answer");
            Ok(*report)
        }
        other => Err(runs::unsettled(
            other,
            &format!("execution of skill {skill_id}"),
            &runs::clock_time(sent),
        )),
    }
}

/// A past skill execution's report, with a link to its output when it has one.
async fn execution_report(
    bu: &BrowserUseClient,
    skill_id: &str,
    execution: SkillExecution,
) -> RunReport {
    let mut report = RunReport::from_skill_execution(skill_id, &execution);
    if execution.has_output.unwrap_or(false) {
        match bu.skill_execution_output(skill_id, &execution.id).await {
            Ok(link) => report.output_files.push(OutputFile {
                file_name: link.file_name.unwrap_or_else(|| "output.json".into()),
                download_url: link.download_url,
            }),
            Err(error) => tracing::warn!(%error, "no link to a skill execution's output"),
        }
    }
    report
}

/// Start an agent task, exactly once, and report its first state.
///
/// The task is tagged with [`START_TAG`] (unless the caller's metadata leaves no room), and
/// when the start's answer is lost it is looked for instead; `known` says which task ids are
/// already accounted for.
pub async fn start_agent(
    bu: &BrowserUseClient,
    body: &CreateTask,
    known: &dyn runs::KnownRuns,
) -> Result<RunReport, StartError> {
    let mut body = body.clone();
    let tag = tag_start(&mut body);
    let sent = chrono::Utc::now();
    let created = match bu.create_task(&body).await {
        Ok(created) => created,
        Err(error) if error.outcome_unknown() => {
            let lost = LostTask {
                tag,
                task: body.task.clone(),
                session_id: body.session_id.clone(),
                sent,
            };
            return lost
                .find(bu, known)
                .await
                .map_err(|finding| StartError::Unconfirmed {
                    error,
                    finding,
                    check: Some(serde_json::json!({ "after": lost.after() })),
                });
        }
        Err(error) => return Err(error.into()),
    };
    let mut report = RunReport::from_browser_use(&TaskStatusView {
        id: created.id,
        status: TaskStatus::Created,
        output: None,
        finished_at: None,
        is_success: None,
        cost: None,
    });
    report.session_id = created.session_id;
    Ok(report)
}

/// Tag a start in its metadata with a fresh UUID under [`START_TAG`], when there is room and
/// the key is free; returns the tag.
fn tag_start(body: &mut CreateTask) -> Option<String> {
    let metadata = body.metadata.get_or_insert_with(Default::default);
    if metadata.len() >= MAX_METADATA_PAIRS || metadata.contains_key(START_TAG) {
        if metadata.is_empty() {
            body.metadata = None;
        }
        return None;
    }
    let tag = uuid::Uuid::new_v4().to_string();
    metadata.insert(START_TAG.to_string(), tag.clone());
    Some(tag)
}

/// An agent task's start whose answer was lost: its tag (or its text), when it was sent.
struct LostTask {
    tag: Option<String>,
    task: String,
    session_id: Option<String>,
    sent: chrono::DateTime<chrono::Utc>,
}

impl LostTask {
    /// The earliest creation time the task may carry, as the API's `after` filter takes it.
    fn after(&self) -> String {
        let earliest =
            self.sent - chrono::Duration::from_std(runs::CLOCK_SLACK).unwrap_or_default();
        earliest.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    /// The task, found by its tag (or, untagged, the only task with its text since it was
    /// sent); else what the search found, in a sentence.
    async fn find(
        &self,
        bu: &BrowserUseClient,
        known: &dyn runs::KnownRuns,
    ) -> Result<RunReport, String> {
        let look = || async {
            let filter = TaskFilter {
                page_size: Some(100),
                after: Some(self.after()),
                session_id: self.session_id.clone(),
                ..TaskFilter::default()
            };
            let page = bu.list_tasks(&filter).await?;
            let mut candidates: Vec<TaskView> = Vec::new();
            for view in page.items {
                let matches = match &self.tag {
                    Some(tag) => {
                        view.metadata
                            .as_ref()
                            .and_then(|m| m.get(START_TAG))
                            .and_then(Value::as_str)
                            == Some(tag.as_str())
                    }
                    None => {
                        view.task.as_deref() == Some(self.task.as_str())
                            && runs::started_since(view.created_at.as_deref(), self.sent)
                            && !known.knows(&view.id).await
                    }
                };
                if matches {
                    candidates.push(view);
                }
            }
            Ok(match candidates.len() {
                0 => Sighting::Nothing,
                1 => {
                    let view = candidates.remove(0);
                    let mut report = RunReport::from_task_view(&view);
                    report.session_id = view.session_id.clone();
                    Sighting::One(Box::new(report))
                }
                _ => Sighting::Several(candidates.into_iter().map(|v| v.id).collect()),
            })
        };
        match runs::look_twice(look).await {
            Ok(Sighting::One(report)) => {
                tracing::info!(task = %report.execution_id, "found the agent task of a lost answer");
                Ok(*report)
            }
            other => {
                let what = match self.tag {
                    Some(_) => "agent task with this start's tag",
                    None => "agent task with this text",
                };
                Err(runs::unsettled(other, what, &runs::clock_time(self.sent)))
            }
        }
    }
}

/// Agent tasks: a light status read, the full view (steps, files) once finished; every third
/// check of a running task also reads its steps for progress (the full view is heavier); a
/// cancelled wait stops the task in the cloud.
impl RunCloud for BrowserUseClient {
    fn check<'a>(&'a self, run: &'a RunRef) -> BoxFuture<'a, Result<RunReport, ApiError>> {
        async move {
            let status = self.task_status(&run.execution_id).await?;
            let report = RunReport::from_browser_use(&status);
            Ok(if report.finished {
                complete(self, report).await
            } else {
                report
            })
        }
        .boxed()
    }

    fn detail<'a>(
        &'a self,
        run: &'a RunRef,
        nth_check: u32,
    ) -> BoxFuture<'a, Option<(Option<String>, RunReport)>> {
        async move {
            if !nth_check.is_multiple_of(3) {
                return None;
            }
            // Steps are a nicety: a failed read does not fail the wait.
            let view = self.get_task(&run.execution_id).await.ok()?;
            let report = RunReport::from_task_view(&view);
            Some((step_detail(&view), report))
        }
        .boxed()
    }

    /// The live URL of the task's session (`GET /sessions/{id}`: `liveUrl`).
    fn live_url<'a>(&'a self, report: &'a RunReport) -> BoxFuture<'a, Option<String>> {
        async move {
            let session = report.session_id.as_deref()?;
            // A nicety: a failed read is tried again a few checks later.
            self.get_session(session).await.ok()?.live_url
        }
        .boxed()
    }

    fn stop<'a>(
        &'a self,
        run: &'a RunRef,
        current: &'a RunReport,
    ) -> BoxFuture<'a, Option<(RunReport, bool)>> {
        async move {
            let task_id = &run.execution_id;
            match self.stop_task(task_id, false).await {
                Ok(view) if view.status == TaskStatus::Stopped => {
                    tracing::info!(task = %task_id, "stopped the cloud task after a cancel");
                    let mut report = current.clone();
                    report.status = view.status.to_string();
                    report.finished = true;
                    report.success = Some(false);
                    report.error =
                        Some("Stopped in the cloud because the request was cancelled.".into());
                    Some((report, true))
                }
                Ok(view) => {
                    let ended = RunReport::from_task_view(&view).merged_over(current);
                    Some((complete(self, ended).await, false))
                }
                Err(error) => {
                    tracing::warn!(%error, task = %task_id, "could not stop the cloud task");
                    None
                }
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::Verdict;

    #[test]
    fn browser_use_verdicts_follow_status_and_the_agents_own_word() {
        let status = |status: &str, success: Option<bool>| TaskStatusView {
            id: "3c90c3cc-0d44-4b50-8888-8dd25736052a".into(),
            status: TaskStatus::from(status),
            output: Some("{\"n\": 1}".into()),
            finished_at: None,
            is_success: success,
            cost: Some("0.0100".into()),
        };
        let report = RunReport::from_browser_use(&status("finished", Some(true)));
        assert_eq!(report.verdict(), Verdict::Succeeded);
        assert_eq!(report.output, Some(serde_json::json!({"n": 1})));
        assert_eq!(report.cost.as_deref(), Some("0.0100"));
        assert_eq!(
            RunReport::from_browser_use(&status("finished", Some(false))).verdict(),
            Verdict::Failed
        );
        assert_eq!(
            RunReport::from_browser_use(&status("stopped", None)).verdict(),
            Verdict::Failed
        );
        assert_eq!(
            RunReport::from_browser_use(&status("started", None)).verdict(),
            Verdict::InProgress
        );
        // `failed` is terminal, whatever older docs say.
        let failed = RunReport::from_browser_use(&status("failed", None));
        assert!(failed.finished);
        assert_eq!(
            failed.continue_arguments(),
            serde_json::json!({"execution_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"})
        );
        assert_eq!(
            failed.label(),
            "agent task 3c90c3cc-0d44-4b50-8888-8dd25736052a"
        );
    }

    #[test]
    fn a_start_is_tagged_only_where_the_metadata_has_room() {
        let mut body = CreateTask {
            task: "t".into(),
            ..CreateTask::default()
        };
        let tag = tag_start(&mut body).unwrap();
        assert_eq!(body.metadata.as_ref().unwrap()[START_TAG], tag);

        let full: std::collections::BTreeMap<String, String> = (0..10)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        body.metadata = Some(full.clone());
        assert_eq!(tag_start(&mut body), None);
        assert_eq!(body.metadata, Some(full));

        let mut own = std::collections::BTreeMap::new();
        own.insert(START_TAG.to_string(), "mine".to_string());
        body.metadata = Some(own.clone());
        assert_eq!(tag_start(&mut body), None, "a caller's own value is kept");
        assert_eq!(body.metadata, Some(own));
    }

    #[test]
    fn skill_results_report_their_error_and_stderr() {
        let result = SkillResult {
            success: false,
            result: None,
            error: Some("Selector not found".into()),
            stderr: Some("at line 3".into()),
            latency_ms: Some(1200),
        };
        let report = RunReport::from_skill_result("s", "e".into(), &result);
        assert_eq!(report.verdict(), Verdict::Failed);
        assert_eq!(
            report.error.as_deref(),
            Some("Selector not found\nstderr: at line 3")
        );
        assert_eq!(report.run_ref(), None);
        assert_eq!(
            report.continue_arguments(),
            serde_json::json!({"execution_id": "e", "task_id": "s"})
        );
    }
}
