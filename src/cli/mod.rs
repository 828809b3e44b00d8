//! The command line for people: subcommands that show what an agent sees, call a tool, check
//! a set-up and register the server with a client. With no subcommand the binary serves MCP
//! exactly as before; every server flag and variable still applies, given before or after the
//! subcommand (`browser-tasks-mcp --catalog FILE tools`, `browser-tasks-mcp tools --catalog
//! FILE`) or in the environment.
//!
//! - `tools`, `call`: the server built in this process and driven by rmcp's own client
//!   (`session`), so what they print is what `tools/list` and `tools/call` answer; `call`
//!   shows progress (`progress`) and cancels on Ctrl-C as a client does.
//! - `runs`: the catalog's recent runs; `--follow` waits on one through `get_execution`.
//! - `doctor`: one line per check of the providers, the catalog and the clients' configs.
//! - `install`: add or update this server's entry in a client's config file; `clients` knows
//!   where each client keeps it and how entries look.
//! - `view`: the run viewer (the server's MCP App) in a local browser page, with a tiny host
//!   shim in front of the server in this process.
//!
//! Results go to stdout; progress, warnings and errors to stderr. Exit codes: 0 success, 1 a
//! failure (an `isError` result, a failed check), 2 bad usage, 130 interrupted.

mod call;
mod clients;
mod doctor;
mod holders;
mod install;
mod port;
mod progress;
mod runs;
mod session;
mod tools;
mod view;
mod wording;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Subcommand};

use crate::config::{Cli, Config, ConfigError};
pub use port::cannot_listen;

// The subcommands. (No doc comment: clap would make it the about text of the whole binary.)
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// List the tools an agent sees now, with their arguments and sizes.
    #[command(after_help = tools::EXAMPLES)]
    Tools(tools::ToolsArgs),
    /// Call one tool as an agent would, showing its progress; Ctrl-C cancels it.
    #[command(after_help = call::EXAMPLES)]
    Call(call::CallArgs),
    /// Check the set-up: provider keys, the catalog, the clients' configs.
    #[command(after_help = doctor::EXAMPLES)]
    Doctor(doctor::DoctorArgs),
    /// Add or update this server's entry in a client's config file.
    #[command(after_help = install::EXAMPLES)]
    Install(install::InstallArgs),
    /// List recent runs from the catalog, or follow one until it ends.
    #[command(after_help = runs::EXAMPLES)]
    Runs(runs::RunsArgs),
    /// Show a run in the run viewer (the MCP App hosts show) on a local page.
    #[command(after_help = view::EXAMPLES)]
    View(view::ViewArgs),
}

/// Why a subcommand could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line asks for something that cannot be done as asked.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Serve(#[from] crate::ServeError),
    /// The server refused the request itself (a JSON-RPC error, e.g. an unknown tool).
    #[error("the server refused the request: {0}")]
    Protocol(String),
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) | CliError::Config(_) | CliError::Protocol(_) => usage(),
            CliError::Serve(_) | CliError::Failed(_) => ExitCode::FAILURE,
        }
    }
}

/// Exit code of bad usage (as clap's own).
fn usage() -> ExitCode {
    ExitCode::from(2)
}

/// Exit code of a command interrupted with Ctrl-C (128 + SIGINT, as shells report it).
fn interrupted() -> ExitCode {
    ExitCode::from(130)
}

/// The whole command line: the server's flags, and the subcommands. The server's flags are
/// global: they may come before the subcommand or after it (`call run_task --wait-seconds 5`),
/// and each subcommand's help lists them under their own heading.
pub fn command() -> clap::Command {
    let server = Cli::command().mut_args(|arg| arg.global(true).help_heading(SERVER_OPTIONS));
    Command::augment_subcommands(server)
}

/// The heading of the server's flags in `--help`.
const SERVER_OPTIONS: &str = "Server options (before or after the subcommand)";

/// Parse the process's arguments (exiting with clap's message on bad ones, or after `--help`):
/// the server's flags, and the subcommand if one was given.
pub fn parse() -> (Cli, Option<Command>) {
    let matches = command().get_matches();
    let parsed = Cli::from_arg_matches(&matches).and_then(|cli| {
        let command = match matches.subcommand_name() {
            Some(_) => Some(Command::from_arg_matches(&matches)?),
            None => None,
        };
        Ok((cli, command))
    });
    parsed.unwrap_or_else(|error| error.exit())
}

impl Command {
    /// Run this subcommand with the server's flags `cli`, and say how the process should exit.
    pub async fn run(self, cli: Cli) -> ExitCode {
        crate::telemetry::init_for_commands();
        let config = Config::from_cli(cli, |name| std::env::var(name).ok(), std::env::vars());
        let done = match (self, config) {
            // doctor reports a bad setting as one of its checks.
            (Command::Doctor(args), config) => doctor::run(args, config).await,
            (_, Err(error)) => Err(error.into()),
            (Command::Tools(args), Ok(config)) => tools::run(args, config).await,
            (Command::Call(args), Ok(config)) => call::run(args, config).await,
            (Command::Install(args), Ok(config)) => install::run(args, config),
            (Command::Runs(args), Ok(config)) => runs::run(args, config).await,
            (Command::View(args), Ok(config)) => view::run(args, config).await,
        };
        match done {
            Ok(code) => code,
            Err(error) => {
                eprintln!("browser-tasks-mcp: {error}");
                error.exit_code()
            }
        }
    }
}

/// Write `text` to stdout (a closed pipe, as with `| head`, is no error worth a word).
fn print_out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = stdout.write_all(b"\n");
    }
    let _ = stdout.flush();
}

/// `n` with thousands separated by commas (12,345).
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn no_subcommand_parses_as_the_server_did_and_subcommands_take_their_own_flags() {
        let matches = command()
            .try_get_matches_from(["browser-tasks-mcp", "--transport", "http"])
            .unwrap();
        assert!(matches.subcommand_name().is_none());
        let cli = Cli::from_arg_matches(&matches).unwrap();
        assert_eq!(cli.http.transport, crate::config::Transport::Http);

        let matches = command()
            .try_get_matches_from(["browser-tasks-mcp", "call", "run_task", "task=x", "--json"])
            .unwrap();
        let Command::Call(call) = Command::from_arg_matches(&matches).unwrap() else {
            panic!("not a call");
        };
        assert_eq!((call.tool.as_str(), call.json), ("run_task", true));
        assert_eq!(call.pairs, ["task=x"]);
    }

    #[test]
    fn server_flags_are_read_after_the_subcommand_too() {
        let matches = command()
            .try_get_matches_from([
                "browser-tasks-mcp",
                "call",
                "run_task",
                "--wait-seconds",
                "5",
                "task_name=x",
            ])
            .unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        assert_eq!(cli.waits.wait_seconds, 5.0);
        let Command::Call(call) = Command::from_arg_matches(&matches).unwrap() else {
            panic!("not a call");
        };
        assert_eq!(call.pairs, ["task_name=x"]);
        let matches = command()
            .try_get_matches_from(["browser-tasks-mcp", "doctor", "--catalog", "elsewhere"])
            .unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        assert_eq!(cli.tasks.catalog, Some("elsewhere".into()));
    }

    #[test]
    fn every_subcommand_has_an_example_in_its_help() {
        let command = command();
        for sub in command.get_subcommands() {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.contains("Example")
                    && help.contains(&format!("browser-tasks-mcp {}", sub.get_name())),
                "{}: {help}",
                sub.get_name()
            );
        }
        command.debug_assert();
    }
}
