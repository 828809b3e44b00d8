//! The static tools, one file each. A tool file holds its name, its `Args` (whose doc comments
//! become the schema descriptions the model reads), its own argument rules, its definition
//! (title, description, annotations, schemas) and the code that runs it.
//!
//! Every tool answers with a [`Reply`] (summary + structured content) or a [`ToolError`]
//! (an `isError` result); protocol errors are left to the server for unknown tools.

mod common;
pub mod create_task;
pub mod deploy_task;
pub mod generate_task;
pub mod get_execution;
pub mod get_task;
pub mod list_executions;
pub mod list_tasks;
pub mod run_task;

use rmcp::model::{CallToolResult, JsonObject, Tool, ToolAnnotations};
use tokio_util::sync::CancellationToken;

use super::args::{self, ArgsValidator};
use super::progress::McpProgress;
use super::reply::{Reply, ToolError};
use super::server::Shared;

/// What a running tool call can reach.
pub struct ToolCall<'a> {
    pub state: &'a Shared,
    /// Fires when the client cancels the request.
    pub cancel: CancellationToken,
    pub progress: McpProgress,
}

/// The tools every server lists, whatever tasks exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaticTool {
    GenerateTask,
    CreateTask,
    DeployTask,
    RunTask,
    ListExecutions,
    GetExecution,
    ListTasks,
    GetTask,
}

impl StaticTool {
    /// Every static tool, in the order `tools/list` shows them.
    pub const ALL: [StaticTool; 8] = [
        StaticTool::RunTask,
        StaticTool::GetExecution,
        StaticTool::ListExecutions,
        StaticTool::ListTasks,
        StaticTool::GetTask,
        StaticTool::GenerateTask,
        StaticTool::CreateTask,
        StaticTool::DeployTask,
    ];

    /// The tool's name.
    pub fn name(self) -> &'static str {
        match self {
            StaticTool::GenerateTask => generate_task::NAME,
            StaticTool::CreateTask => create_task::NAME,
            StaticTool::DeployTask => deploy_task::NAME,
            StaticTool::RunTask => run_task::NAME,
            StaticTool::ListExecutions => list_executions::NAME,
            StaticTool::GetExecution => get_execution::NAME,
            StaticTool::ListTasks => list_tasks::NAME,
            StaticTool::GetTask => get_task::NAME,
        }
    }

    /// The static tool called `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|tool| tool.name() == name)
    }

    /// The tool's definition, as listed.
    pub fn definition(self) -> Tool {
        match self {
            StaticTool::GenerateTask => generate_task::definition(),
            StaticTool::CreateTask => create_task::definition(),
            StaticTool::DeployTask => deploy_task::definition(),
            StaticTool::RunTask => run_task::definition(),
            StaticTool::ListExecutions => list_executions::definition(),
            StaticTool::GetExecution => get_execution::definition(),
            StaticTool::ListTasks => list_tasks::definition(),
            StaticTool::GetTask => get_task::definition(),
        }
    }

    /// Check the arguments, run the tool, and shape its result.
    pub async fn call(
        self,
        call: &ToolCall<'_>,
        validator: &ArgsValidator,
        arguments: JsonObject,
    ) -> CallToolResult {
        macro_rules! dispatch {
            ($tool:ident) => {
                async {
                    let args = args::parse(validator, arguments, |raw, problems| {
                        $tool::rules(call, raw, problems)
                    })?;
                    $tool::run(call, args).await
                }
                .await
            };
        }
        let outcome: Result<Reply, ToolError> = match self {
            StaticTool::GenerateTask => dispatch!(generate_task),
            StaticTool::CreateTask => dispatch!(create_task),
            StaticTool::DeployTask => dispatch!(deploy_task),
            StaticTool::RunTask => dispatch!(run_task),
            StaticTool::ListExecutions => dispatch!(list_executions),
            StaticTool::GetExecution => dispatch!(get_execution),
            StaticTool::ListTasks => dispatch!(list_tasks),
            StaticTool::GetTask => dispatch!(get_task),
        };
        match outcome {
            Ok(reply) => reply.into_result(),
            Err(error) => error.into_result(self.name()),
        }
    }
}

/// Annotations of a tool that only reads from the cloud.
fn read_only(title: &str) -> ToolAnnotations {
    ToolAnnotations::with_title(title)
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(true)
}

/// Annotations of a tool that starts or changes something in the cloud.
fn writes(title: &str, destructive: bool, idempotent: bool) -> ToolAnnotations {
    ToolAnnotations::with_title(title)
        .read_only(false)
        .destructive(destructive)
        .idempotent(idempotent)
        .open_world(true)
}
