//! The MCP surface: the server handler, the static tools, the per-task tools, their schemas
//! and replies, and the state sessions share.
//!
//! This layer knows MCP (rmcp) and the domain (provider clients, runs, the catalog), but no
//! HTTP details: a provider failure reaches it as an [`crate::cloud::ApiError`] and leaves it as
//! an `isError` tool result an agent can act on.

pub mod activity;
pub mod args;
pub mod context;
pub mod generation;
pub mod progress;
pub mod refresh;
pub mod registry;
pub mod reply;
pub mod running;
pub mod schema;
pub mod secrets;
pub mod selection;
mod server;
pub mod task_tools;
pub mod tools;

pub use registry::{ListedTool, Registry, Setup, Target, ToolTable};
pub use server::{BrowserTasksServer, SessionKeys};
