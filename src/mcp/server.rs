//! The MCP server: lists the tools, routes each call to its tool, and wires a call's
//! cancellation and progress token through to the tool. Transport-agnostic: the same handler
//! serves stdio and HTTP sessions.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use tracing::Instrument;

use super::args::ArgsValidator;
use super::progress::McpProgress;
use super::tools::{StaticTool, ToolCall};
use crate::anchor::AnchorClient;
use crate::catalog::Catalog;
use crate::waiting::WaitSettings;

/// State every session shares.
#[derive(Debug)]
pub struct Shared {
    /// `None` when no Anchor key is configured (tools then say how to configure it).
    pub anchor: Option<AnchorClient>,
    pub waits: WaitSettings,
    pub catalog: Catalog,
}

struct ListedTool {
    kind: StaticTool,
    tool: Tool,
    validator: ArgsValidator,
}

/// The MCP handler. Cheap to clone: one per session, all sharing one [`Shared`].
#[derive(Clone)]
pub struct BrowserTasksServer {
    shared: Arc<Shared>,
    tools: Arc<Vec<ListedTool>>,
}

const INSTRUCTIONS: &str = "This server runs browser-automation tasks in the cloud (Anchor \
Browser). Find tasks with list_tasks, run one with run_task (it waits and reports progress; a \
long run returns an execution_id to follow with get_execution), inspect runs with \
list_executions and get_execution. Make new tasks with generate_task (from a plain-language \
description) or create_task (TypeScript), and publish code tasks with deploy_task. Runs, \
generations and deployments act in the cloud and may cost money: never repeat one just \
because an answer was slow; check list_executions or get_execution first.";

impl BrowserTasksServer {
    /// A server over `shared` state.
    pub fn new(shared: Shared) -> Self {
        let tools = StaticTool::ALL
            .into_iter()
            .map(|kind| {
                let tool = kind.definition();
                let validator = ArgsValidator::new(&tool.input_schema);
                ListedTool {
                    kind,
                    tool,
                    validator,
                }
            })
            .collect();
        Self {
            shared: Arc::new(shared),
            tools: Arc::new(tools),
        }
    }

    /// Every tool currently listed.
    pub fn tools(&self) -> Vec<Tool> {
        self.tools.iter().map(|t| t.tool.clone()).collect()
    }

    /// The shared state.
    pub fn shared(&self) -> &Shared {
        &self.shared
    }
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

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools
            .iter()
            .find(|t| t.tool.name == name)
            .map(|t| t.tool.clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let Some(listed) = self.tools.iter().find(|t| t.tool.name == request.name) else {
            // An unknown tool is a protocol error (the client asked for something never
            // offered), unlike bad arguments, which the model can fix from an isError result.
            return Err(McpError::invalid_params(
                format!(
                    "unknown tool {:?}; tools/list shows the tools this server offers",
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
            let result = listed.kind.call(&call, &listed.validator, arguments).await;
            tracing::info!(
                is_error = result.is_error.unwrap_or(false),
                "tool call done"
            );
            result
        }
        .instrument(span)
        .await;
        Ok(result.into())
    }
}
