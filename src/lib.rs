//! browser-tasks-mcp: an MCP server that lets AI agents create, deploy, run, generate and
//! inspect cloud browser-automation tasks.
//!
//! # Layout
//!
//! - [`cloud`]: HTTP plumbing shared by the provider clients (retry of reads only, timeouts,
//!   the [`cloud::ApiError`] every call returns). No MCP.
//! - [`anchor`]: the client of Anchor Browser's Tasks API, one method per endpoint, and its
//!   input rules. No MCP.

pub mod anchor;
pub mod cloud;
