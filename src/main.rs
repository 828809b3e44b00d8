//! The `browser-tasks-mcp` binary: parse flags, log to stderr, say what is served, serve.

use clap::Parser;

use browser_tasks_mcp::config::{Cli, Config};
use browser_tasks_mcp::{build_server, serve, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init();
    let config = Config::from_cli(cli, |name| std::env::var(name).ok())?;
    let server = build_server(&config)?;
    // One line on stderr (stdout is the transport) so a person starting it by hand sees that
    // it works, what it serves and how to connect.
    eprintln!("{}", config.startup_line(server.tools().len()));
    serve(&config, server).await?;
    Ok(())
}
