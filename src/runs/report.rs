//! The report an agent gets for any run: one shape for every kind of run, so an agent reads
//! them all the same way.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::kind::{RunRef, TaskKind};

/// A file a run left behind, as a link (never inlined).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OutputFile {
    /// The file's name, e.g. "results.csv".
    pub file_name: String,
    /// A temporary download link.
    pub download_url: String,
}

/// Everything known about one run, as the agent receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunReport {
    /// The cloud the run is on: `anchor` or `browser_use`.
    pub provider: String,
    /// `code` or `generated` (Anchor tasks), `skill` or `agent` (Browser Use).
    pub kind: TaskKind,
    /// The provider's status: queued, running, success, failure, timeout, cancelled (Anchor);
    /// created, started, finished, failed, stopped (Browser Use). A newer value is passed
    /// through as is.
    pub status: String,
    /// Whether the run has ended.
    pub finished: bool,
    /// Once finished: whether it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// The id to check this run with (an Anchor execution or run id, a Browser Use task id).
    pub execution_id: String,
    /// The task that ran (pass it to get_execution with a code task's execution_id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The task's name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_name: Option<String>,
    /// The task version that ran (code tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The task's result: parsed JSON when it is JSON, else the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// Why the run failed, in the provider's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long the run took, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_time_ms: Option<f64>,
    /// When the run started (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// The browser session the run used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Where a person can watch the run's browser live (Browser Use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_url: Option<String>,
    /// What the run cost, in US dollars (Browser Use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
    /// How many steps the agent took (Browser Use agent tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u64>,
    /// Files the run produced, as download links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_files: Vec<OutputFile>,
    /// While the run is still going: how to keep waiting for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step: Option<String>,
}

/// How a run ended, as far as the caller is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Succeeded,
    /// Failure, timeout, cancelled (or an unknown terminal state).
    Failed,
    InProgress,
}

impl RunReport {
    /// Whether the run succeeded, failed or is still going.
    pub fn verdict(&self) -> Verdict {
        match (self.finished, self.success) {
            (false, _) => Verdict::InProgress,
            (true, Some(true)) => Verdict::Succeeded,
            (true, _) => Verdict::Failed,
        }
    }

    /// Where to check on this run again (`None` for a skill run, which is already over).
    pub fn run_ref(&self) -> Option<RunRef> {
        (self.kind != TaskKind::Skill).then(|| RunRef {
            kind: self.kind,
            execution_id: self.execution_id.clone(),
            task_id: self.task_id.clone(),
            session_id: self.session_id.clone(),
        })
    }

    /// How progress messages and summaries name the run: "run 5d9c… of task hn-top",
    /// "agent task 3c90…".
    pub fn label(&self) -> String {
        if self.kind == TaskKind::Agent {
            return format!("agent task {}", self.execution_id);
        }
        let what = if self.kind == TaskKind::Skill {
            "skill"
        } else {
            "task"
        };
        let task = self
            .task_name
            .as_deref()
            .or(self.task_id.as_deref())
            .map(|t| format!(" of {what} {t}"))
            .unwrap_or_default();
        if self.execution_id.is_empty() {
            return format!("run{task}");
        }
        format!("run {}{task}", self.execution_id)
    }

    /// The `get_execution` arguments that reach this run again.
    ///
    /// Browser Use runs go without `kind`: the server tells a skill execution (which names
    /// its skill) from an agent task, and finds their provider in its catalog.
    pub fn continue_arguments(&self) -> Value {
        let mut args = serde_json::json!({ "execution_id": self.execution_id });
        match self.kind {
            TaskKind::Code | TaskKind::Generated => args["kind"] = Value::from(self.kind.as_str()),
            TaskKind::Skill | TaskKind::Agent => {}
        }
        if let (TaskKind::Code | TaskKind::Skill, Some(task_id)) = (self.kind, &self.task_id) {
            args["task_id"] = Value::from(task_id.clone());
        }
        args
    }

    /// Keep what the fresher report does not know (names, versions) from an older one.
    pub fn merged_over(mut self, older: &RunReport) -> Self {
        self.task_name = self.task_name.or_else(|| older.task_name.clone());
        self.task_id = self.task_id.or_else(|| older.task_id.clone());
        self.version = self.version.or_else(|| older.version.clone());
        self.session_id = self.session_id.or_else(|| older.session_id.clone());
        self.live_url = self.live_url.or_else(|| older.live_url.clone());
        self.started_at = self.started_at.or_else(|| older.started_at.clone());
        self.steps = self.steps.or(older.steps);
        self
    }
}

/// A v1 output is the task's return value serialized as a string; give back the JSON value
/// when it is JSON, else the text itself.
pub fn parse_output(output: &str) -> Value {
    serde_json::from_str(output).unwrap_or_else(|_| Value::String(output.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_parsed_when_they_are_json() {
        assert_eq!(parse_output(r#"{"a":1}"#), serde_json::json!({"a": 1}));
        assert_eq!(
            parse_output("plain text"),
            Value::String("plain text".into())
        );
        assert_eq!(parse_output("42"), serde_json::json!(42));
    }
}
