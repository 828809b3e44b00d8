//! The `browser-tasks-mcp` binary: parse flags, log to stderr, say what is served, serve; or
//! run one of the command line's subcommands (`browser_tasks_mcp::cli`).

use std::process::ExitCode;

use browser_tasks_mcp::config::{Config, ConfigError, Transport};
use browser_tasks_mcp::http::oauth::DiscoveryError;
use browser_tasks_mcp::http::termination_signal;
use browser_tasks_mcp::{build_server, serve_http, serve_stdio, telemetry};

fn main() -> ExitCode {
    let (cli, command) = browser_tasks_mcp::cli::parse();
    // stdio serves one client: a single thread does it, without starting a worker per core
    // (faster to start, less memory). HTTP serves many sessions at once, on every core; the
    // command line's subcommands are for people, who do not notice either.
    let mut runtime = match (&command, cli.http.transport) {
        (None, Transport::Stdio) => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match runtime.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return failed(anyhow::anyhow!("cannot start the runtime: {error}")),
    };
    if let Some(command) = command {
        return runtime.block_on(command.run(cli));
    }
    match runtime.block_on(serve(cli)) {
        Ok(code) => code,
        Err(error) => failed(error),
    }
}

/// Say why the server could not serve, as one message (never a backtrace: RUST_BACKTRACE is
/// for panics), and exit 2 for a bad setting (as clap does; an authorization server that
/// cannot be used is one), 1 otherwise.
fn failed(error: anyhow::Error) -> ExitCode {
    eprintln!("browser-tasks-mcp: {error:#}");
    if error.downcast_ref::<ConfigError>().is_some()
        || error.downcast_ref::<DiscoveryError>().is_some()
    {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

async fn serve(cli: browser_tasks_mcp::config::Cli) -> anyhow::Result<ExitCode> {
    telemetry::init();
    let config = Config::from_cli(cli, |name| std::env::var(name).ok(), std::env::vars())?;
    let transport = config.transport;
    let summary = config.summary();
    let http_options = config.http.clone();
    let (server, upkeep) = build_server(config).await?;
    let table = server.registry().table().await;
    let (static_tools, task_tools) = (table.static_tool_count(), table.task_tool_count());
    // One line on stderr (stdout is the stdio transport) so a person starting it by hand sees
    // that it works, what it serves, where, and how to connect.
    match transport {
        Transport::Stdio => {
            eprintln!("{}", summary.line(static_tools, task_tools, None));
            serve_stdio(server, upkeep).await?;
        }
        Transport::Http => {
            let listener = tokio::net::TcpListener::bind(http_options.bind)
                .await
                .map_err(|e| {
                    anyhow::anyhow!(browser_tasks_mcp::cli::cannot_listen(http_options.bind, &e))
                })?;
            let address = listener.local_addr()?;
            // OAuth: the issuer's metadata and keys are read before anything is served.
            let authentication =
                browser_tasks_mcp::http::authentication(&http_options, address).await?;
            eprintln!("{}", summary.line(static_tools, task_tools, Some(address)));
            serve_http(
                listener,
                server,
                http_options,
                authentication,
                upkeep,
                termination_signal(),
            )
            .await?;
            tracing::info!("stopped");
        }
    }
    Ok(ExitCode::SUCCESS)
}
