//! The MCP surface: the server handler, the tools, their schemas and replies.
//!
//! This layer knows MCP (rmcp) and the domain (provider clients, runs, waiting), but no HTTP
//! details: a provider failure reaches it as an [`crate::cloud::ApiError`] and leaves it as an
//! `isError` tool result an agent can act on.

pub mod args;
pub mod progress;
pub mod reply;
pub mod schema;
mod server;
pub mod task_tools;
pub mod tools;

pub use server::{BrowserTasksServer, Shared};
