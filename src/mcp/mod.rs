//! The MCP surface: the server handler, the static tools, the per-task tools, their schemas
//! and replies, and the state sessions share.
//!
//! Layers, bottom up: [`context`] (what a tool sees: the configured providers behind
//! [`context::adapter::ProviderAdapter`], the catalog, waits, secrets, cancellation, progress)
//! and the pieces tools share ([`args`], [`reply`], [`running`], [`generation`], [`schema`]);
//! then the tools ([`tools`], [`task_tools`]); then [`registry`] (the tool list, the clients
//! to tell when it changes) and [`server`](BrowserTasksServer). A tool never sees the
//! registry: it changes the catalog, and the registry learns of it through a signal.
//!
//! This layer knows MCP (rmcp) and the domain (runs, the catalog), but no HTTP details: a
//! provider failure reaches it as an [`crate::cloud::ApiError`] and leaves it as an `isError`
//! tool result an agent can act on.

pub mod activity;
pub mod args;
pub mod carry_out;
pub mod context;
pub mod generation;
pub mod links;
pub mod naming;
pub mod person;
pub mod progress;
pub mod prompts;
pub mod refinement;
pub mod refresh;
pub mod registry;
pub mod reply;
pub mod resources;
pub mod running;
pub mod schema;
pub mod secrets;
pub mod selection;
mod server;
pub mod task_tools;
pub mod tools;
pub mod versions;

pub use context::{Setup, ToolSettings};
pub use registry::{ListedTool, Registry, Target, ToolTable};
pub use server::{BrowserTasksServer, SessionKeys};
pub use tools::names as static_tool_names;
