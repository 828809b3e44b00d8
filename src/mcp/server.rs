//! The MCP server: lists the tools (static ones and one per selected task), routes each call
//! to its tool, and wires a call's cancellation and progress token through to it.
//! Transport-agnostic: the same handler serves every session, all sharing one [`Shared`].

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use tracing::Instrument;

use super::progress::McpProgress;
use super::state::{Shared, Target};
use super::tools::ToolCall;
use crate::redact::{scrub_text, scrub_value};

/// The MCP handler. Cheap to clone: one per session, all sharing one [`Shared`].
#[derive(Clone)]
pub struct BrowserTasksServer {
    shared: Arc<Shared>,
}

const INSTRUCTIONS: &str = "This server runs browser-automation tasks in the cloud (Anchor \
Browser). Each ready task is also a tool of its own (call it with its arguments); every task, \
listed as a tool or not, can be run with run_task. Find tasks with list_tasks, run them (calls \
wait and report progress; a long run returns an execution_id to follow with get_execution), \
inspect runs with list_executions and get_execution. Make new tasks with generate_task (from a \
plain-language description) or create_task (TypeScript), and publish code tasks with \
deploy_task. Runs, generations and deployments act in the cloud and may cost money: never \
repeat one just because an answer was slow; check list_executions or get_execution first.";

impl BrowserTasksServer {
    /// A server over `shared` state.
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    /// Every tool currently listed.
    pub fn tools(&self) -> Vec<Tool> {
        self.shared
            .table()
            .tools
            .iter()
            .map(|t| t.tool.clone())
            .collect()
    }

    /// The shared state.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

fn scrub_result(mut result: CallToolResult, secrets: &[String]) -> CallToolResult {
    if secrets.is_empty() {
        return result;
    }
    for block in &mut result.content {
        if let Some(text) = block.as_text().map(|t| t.text.clone()) {
            *block = ContentBlock::text(scrub_text(&text, secrets));
        }
    }
    if let Some(structured) = &mut result.structured_content {
        scrub_value(structured, secrets);
    }
    result
}

impl ServerHandler for BrowserTasksServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_tool_list_changed()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new(
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        self.shared.add_peer(context.peer);
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.shared.table().get(name).map(|t| t.tool.clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let table = self.shared.table();
        let Some(listed) = table.get(&request.name).cloned() else {
            // An unknown tool is a protocol error (the client asked for something never
            // offered), unlike bad arguments, which the model can fix from an isError result.
            return Err(McpError::invalid_params(
                format!(
                    "unknown tool {:?}; tools/list shows the tools this server offers, and \
                     run_task runs any task by id or name",
                    request.name
                ),
                None,
            ));
        };
        let span = tracing::info_span!("tool", name = %request.name, request_id = ?context.id);
        let call = ToolCall {
            state: &self.shared,
            cancel: context.ct.clone(),
            progress: McpProgress::new(context.peer.clone(), context.meta.get_progress_token()),
        };
        let arguments = request.arguments.unwrap_or_default();
        let result = async {
            tracing::info!("tool call");
            let result = match &listed.target {
                Target::Static(tool) => tool.call(&call, &listed.validator, arguments).await,
                Target::Task(task_tool) => {
                    match task_tool.call(&call, &listed.validator, arguments).await {
                        Ok(reply) => reply.into_result(),
                        Err(error) => error.into_result(&task_tool.tool.name),
                    }
                }
            };
            tracing::info!(
                is_error = result.is_error.unwrap_or(false),
                "tool call done"
            );
            // Whatever a task echoes, the values of configured secrets never reach a client.
            scrub_result(result, &self.shared.secrets.values())
        }
        .instrument(span)
        .await;
        Ok(result.into())
    }
}
