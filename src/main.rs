//! The `browser-tasks-mcp` binary: parse flags, log to stderr, say what is served, serve.

use clap::Parser;

use browser_tasks_mcp::config::{Cli, Config};
use browser_tasks_mcp::mcp::tools::StaticTool;
use browser_tasks_mcp::{build_server, serve, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init();
    let config = Config::from_cli(cli, |name| std::env::var(name).ok(), std::env::vars())?;
    let transport = config.transport;
    let summary = config.summary();
    let (server, upkeep) = build_server(config)?;
    let task_tools = server.shared().table().task_tool_count();
    // One line on stderr (stdout is the transport) so a person starting it by hand sees that
    // it works, what it serves and how to connect.
    eprintln!("{}", summary.line(StaticTool::ALL.len(), task_tools));
    serve(transport, server, upkeep).await?;
    Ok(())
}
