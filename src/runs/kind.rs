//! What a run and its task are: the kinds of task every provider has, and where to check on a
//! run again.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What kind of task (or run) something is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// An Anchor legacy v1 code task: TypeScript with versions (draft, 1, 2, …).
    Code,
    /// An Anchor v2 Task Builder task, generated from a natural-language prompt.
    Generated,
    /// A Browser Use skill: a generated, deterministic endpoint with typed parameters.
    Skill,
    /// A Browser Use agent task: a one-off natural-language instruction.
    Agent,
}

impl TaskKind {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Code => "code",
            TaskKind::Generated => "generated",
            TaskKind::Skill => "skill",
            TaskKind::Agent => "agent",
        }
    }

    /// The kind named by [`TaskKind::as_str`] (anything else reads as a code task).
    pub fn from_id(id: &str) -> Self {
        match id {
            "generated" => TaskKind::Generated,
            "skill" => TaskKind::Skill,
            "agent" => TaskKind::Agent,
            _ => TaskKind::Code,
        }
    }
}

/// Where to check on a run: its kind, its id, its task when the cloud files runs under
/// their task, and its browser session when known (an Anchor code run's reads do not report
/// it, and ending it is how such a run stops).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRef {
    pub kind: TaskKind,
    pub execution_id: String,
    pub task_id: Option<String>,
    pub session_id: Option<String>,
}
