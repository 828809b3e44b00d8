//! Request and response types of Browser Use Cloud's API v2: tasks, skills,
//! sessions. Nothing is wrapped; lists page with `pageSize`/`pageNumber`; enums are open.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

crate::open_enum! {
    /// Status of an agent task.
    pub enum TaskStatus {
        Created = "created",
        Started = "started",
        Finished = "finished",
        Failed = "failed",
        Stopped = "stopped",
    }
}

impl TaskStatus {
    /// `finished`, `failed` and `stopped` end a task (older docs forget `failed`).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TaskStatus::Finished | TaskStatus::Failed | TaskStatus::Stopped
        )
    }
}

crate::open_enum! {
    /// Generation status of a skill.
    pub enum SkillStatus {
        Recording = "recording",
        Generating = "generating",
        Failed = "failed",
        Finished = "finished",
        Cancelled = "cancelled",
        TimedOut = "timed_out",
    }
}

impl SkillStatus {
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            SkillStatus::Failed
                | SkillStatus::Finished
                | SkillStatus::Cancelled
                | SkillStatus::TimedOut
        )
    }
}

crate::open_enum! {
    /// Type of a skill parameter.
    pub enum SkillParameterType {
        String = "string",
        Number = "number",
        Boolean = "boolean",
        Object = "object",
        Array = "array",
        Cookie = "cookie",
    }
}

/// Session settings for a task's auto-created session.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionSettings {
    /// A browser profile (UUID) to start from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Proxy country, ISO 3166-1 alpha-2 lowercase (e.g. "us", "de"; "uk" too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_country_code: Option<String>,
    /// 320 to 6144.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_screen_width: Option<u32>,
    /// 320 to 3456.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_screen_height: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_recording: Option<bool>,
}

/// Body of `POST /tasks`. Its `Debug` shows the names of `secrets`, never their values.
#[derive(Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreateTask {
    pub task: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_steps: Option<u32>,
    /// A JSON Schema, stringified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structured_output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_domains: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op_vault_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_settings: Option<SessionSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlight_elements: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flash_mode: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<bool>,
    /// `true`, `false` or `"auto"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vision: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_prompt_extension: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judge: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judge_ground_truth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judge_llm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill_ids: Option<Vec<String>>,
}

impl std::fmt::Debug for CreateTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret_names: Option<Vec<&String>> = self.secrets.as_ref().map(|s| s.keys().collect());
        f.debug_struct("CreateTask")
            .field("task", &crate::cloud::truncate_text(&self.task, 200))
            .field("llm", &self.llm)
            .field("start_url", &self.start_url)
            .field("max_steps", &self.max_steps)
            .field("structured_output", &self.structured_output.is_some())
            .field("session_id", &self.session_id)
            .field("secret_names", &secret_names)
            .field("allowed_domains", &self.allowed_domains)
            .field("skill_ids", &self.skill_ids)
            .finish_non_exhaustive()
    }
}

/// Answer of `POST /tasks` (202).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskCreated {
    pub id: String,
    #[serde(default)]
    pub session_id: Option<String>,
}

/// `GET /tasks/{id}/status`: the light view for polling.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatusView {
    pub id: String,
    pub status: TaskStatus,
    #[serde(default)]
    pub output: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
    #[serde(default)]
    pub is_success: Option<bool>,
    /// Dollars, as a decimal string.
    #[serde(default)]
    pub cost: Option<String>,
}

/// One step the agent took.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskStep {
    pub number: u64,
    #[serde(default)]
    pub memory: Option<String>,
    #[serde(default)]
    pub evaluation_previous_goal: Option<String>,
    #[serde(default)]
    pub next_goal: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub screenshot_url: Option<String>,
    #[serde(default)]
    pub duration: Option<f64>,
}

/// A file a task produced (fetch its download link separately).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FileRef {
    pub id: String,
    pub file_name: String,
}

/// `GET /tasks/{id}`, `PATCH /tasks/{id}`; list items lack `steps` and `outputFiles`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskView {
    pub id: String,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub llm: Option<String>,
    #[serde(default)]
    pub task: Option<String>,
    pub status: TaskStatus,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
    #[serde(default)]
    pub steps: Vec<TaskStep>,
    #[serde(default)]
    pub output_files: Vec<FileRef>,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub output: Option<String>,
    #[serde(default)]
    pub is_success: Option<bool>,
    #[serde(default)]
    pub judgement: Option<String>,
    #[serde(default)]
    pub judge_verdict: Option<bool>,
    #[serde(default)]
    pub cost: Option<String>,
}

/// A page of any list (every Browser Use list has this shape).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    #[serde(default)]
    pub total_items: u64,
    #[serde(default)]
    pub page_number: u64,
    #[serde(default)]
    pub page_size: u64,
}

/// Filters of `GET /tasks`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFilter {
    pub page_size: Option<u32>,
    pub page_number: Option<u32>,
    pub session_id: Option<String>,
    pub status: Option<TaskStatus>,
    /// ISO 8601.
    pub after: Option<String>,
    pub before: Option<String>,
}

/// A download link.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Download {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub file_name: Option<String>,
    pub download_url: String,
}

/// A skill's input parameter.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SkillParameter {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: SkillParameterType,
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub default: Option<Value>,
    #[serde(default)]
    pub cookie_domain: Option<String>,
}

/// A skill.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Skill {
    pub id: String,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub goal: Option<String>,
    pub status: SkillStatus,
    #[serde(default)]
    pub parameters: Vec<SkillParameter>,
    /// A JSON-Schema-like object.
    #[serde(default)]
    pub output_schema: Option<Value>,
    #[serde(default)]
    pub is_enabled: bool,
    #[serde(default)]
    pub is_public: bool,
    #[serde(default)]
    pub current_version: Option<u64>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// Body of `POST /skills`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreateSkill {
    pub goal: String,
    pub agent_prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Body of `POST /skills/{id}/refine`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RefineSkill {
    /// What to improve (at least 10 characters).
    pub feedback: String,
    /// The last test run's output, as context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_output: Option<String>,
    /// The last test run's logs (its error), as context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_logs: Option<String>,
}

/// Body of `PATCH /skills/{id}`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSkill {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
}

/// Answer of `POST /skills` (202).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Created {
    pub id: String,
}

/// Answer of `POST /skills/{id}/execute`: a failure may still be HTTP 200 with
/// `success: false`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SkillResult {
    pub success: bool,
    #[serde(default)]
    pub result: Option<Value>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub stderr: Option<String>,
    #[serde(default)]
    pub latency_ms: Option<u64>,
}

/// One execution of a skill.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SkillExecution {
    pub id: String,
    #[serde(default)]
    pub skill_id: Option<String>,
    /// running, completed, failed (a free string).
    pub status: String,
    #[serde(default)]
    pub success: Option<bool>,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
    #[serde(default)]
    pub latency_ms: Option<u64>,
    #[serde(default)]
    pub has_output: Option<bool>,
}

/// A browser session.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: String,
    /// active or stopped.
    pub status: String,
    #[serde(default)]
    pub live_url: Option<String>,
    #[serde(default)]
    pub recording_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_the_documented_shapes() {
        let status: TaskStatusView = serde_json::from_value(json!({
            "id": "t", "status": "failed", "output": null, "finishedAt": "2026-06-01T12:00:05",
            "isSuccess": false, "cost": "0.0421"}))
        .unwrap();
        assert!(status.status.is_terminal());
        let view: TaskView = serde_json::from_value(json!({
            "id": "t", "sessionId": "s", "llm": "x", "task": "y", "status": "paused",
            "createdAt": "2023-11-07T05:31:56Z",
            "steps": [{"number": 1, "memory": "", "evaluationPreviousGoal": "", "nextGoal": "Open",
                       "url": "https://x", "actions": ["{}"], "screenshotUrl": null, "duration": 1.5}],
            "outputFiles": [{"id": "f", "fileName": "a.csv"}]}))
        .unwrap();
        assert_eq!(view.status, TaskStatus::Other("paused".into()));
        assert_eq!(view.steps[0].next_goal.as_deref(), Some("Open"));
        let page: Page<SkillExecution> = serde_json::from_value(json!({
            "items": [{"id": "e", "skillId": "s", "status": "completed", "success": true,
                       "startedAt": "x", "finishedAt": null, "latencyMs": null, "hasOutput": true}],
            "totalItems": 1, "pageNumber": 1, "pageSize": 10}))
        .unwrap();
        assert_eq!(page.items[0].status, "completed");
    }

    #[test]
    fn task_bodies_use_camel_case_and_skip_absent_options() {
        let body = CreateTask {
            task: "Find the price".into(),
            max_steps: Some(5),
            structured_output: Some("{}".into()),
            session_settings: Some(SessionSettings {
                proxy_country_code: Some("de".into()),
                ..SessionSettings::default()
            }),
            ..CreateTask::default()
        };
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            json!({"task": "Find the price", "maxSteps": 5, "structuredOutput": "{}",
                   "sessionSettings": {"proxyCountryCode": "de"}})
        );
    }
}
