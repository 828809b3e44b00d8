//! The `browser-tasks-mcp` binary (the MCP server lands next).

fn main() {}
