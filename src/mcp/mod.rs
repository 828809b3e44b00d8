//! The MCP surface: the server handler, the static tools, the per-task tools, their schemas
//! and replies, and the state sessions share.
//!
//! Layers, bottom up (a part imports only parts below it):
//! - leaves: `naming` (task-tool and argument names), `links` (run resource URIs),
//!   `schema` (the portable schema profile, the run report's schema), `args`, `reply`,
//!   `selection`, `secrets`, `progress`, `activity`;
//! - `context`: what a tool sees (the configured providers behind
//!   `context::adapter::ProviderAdapter`, the catalog, settings, secrets, cancellation,
//!   progress) and what a provider's part plans for a call (`context::work::Work`);
//! - the shared work: `running` (start once, follow, execute), `generation`, and
//!   `carry_out`, the one place a call waits;
//! - the tools: `tools` (the static tools, one list) and `task_tools`; then `resources`,
//!   `prompts`, `registry` (the tool list, the clients to tell when it changes), `tasks`
//!   (calls answered as MCP tasks, kept in the catalog) and `server`. A tool never sees the registry: it changes the catalog, and the registry
//!   learns of it through a signal.
//!
//! This layer knows MCP (rmcp) and the domain (runs, the catalog), but no HTTP details: a
//! provider failure reaches it as an `crate::cloud::ApiError` and leaves it as an `isError`
//! tool result an agent can act on.

pub(crate) mod activity;
pub(crate) mod args;
pub(crate) mod carry_out;
pub(crate) mod context;
pub(crate) mod generation;
pub(crate) mod links;
pub(crate) mod naming;
pub(crate) mod person;
pub(crate) mod progress;
pub(crate) mod prompts;
pub(crate) mod refinement;
pub(crate) mod refresh;
pub(crate) mod registry;
pub(crate) mod reply;
pub(crate) mod resources;
pub(crate) mod running;
pub(crate) mod schema;
pub(crate) mod secrets;
pub(crate) mod selection;
mod server;
pub(crate) mod shared_wait;
pub(crate) mod task_tools;
pub(crate) mod tasks;
pub(crate) mod tools;
pub(crate) mod versions;

pub use context::{Access, Caller, Setup, ToolSettings};
pub use registry::{ListedTool, Registry, Target, ToolTable};
pub use schema::violations;
pub use server::{BrowserTasksServer, SessionKeys, SessionOptions};
pub use tools::names as static_tool_names;
pub use tools::required_access as tool_access;
