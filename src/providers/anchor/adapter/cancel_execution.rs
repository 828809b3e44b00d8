//! Why Anchor Browser has no part in `cancel_execution`: its API cannot stop a run. With
//! several providers shown the tool says so, and a call meant for an Anchor run is answered
//! with what to do instead.

use rmcp::model::JsonObject;

use crate::mcp::args::str_arg;
use crate::mcp::context::adapter::Refusal;
use crate::mcp::reply::ToolError;

/// Anchor's refusal of `cancel_execution`.
pub struct CannotStop;

impl Refusal for CannotStop {
    fn fragment(&self) -> String {
        "Anchor runs cannot be stopped.".into()
    }

    fn refuse(&self, args: &JsonObject) -> ToolError {
        let id = str_arg(args, "execution_id")
            .or_else(|| str_arg(args, "task_id"))
            .unwrap_or_default();
        ToolError::Unsupported {
            message: format!(
                "Anchor Browser has no API to stop a run: {id} goes on until it ends or reaches \
                 its timeout."
            ),
            hint: format!(
                "get_execution with {{\"execution_id\": \"{id}\"}} shows when it ends; to bound \
                 future runs, give them a browser_configuration timeout."
            ),
        }
    }
}
