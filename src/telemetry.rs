//! Logging: always to stderr, because stdout is the stdio transport and must carry nothing but
//! JSON-RPC. `RUST_LOG` sets the level (default: this crate at info, everything else at warn).
//!
//! rmcp logs every request and response verbatim at debug level, tool arguments included, and
//! arguments may carry secrets (passwords given as task inputs). Its level is therefore capped at
//! info whatever `RUST_LOG` says.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::Directive;

/// Install the stderr logger (once; later calls do nothing).
pub fn init() {
    install(
        EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| EnvFilter::new("warn,browser_tasks_mcp=info"))
            .add_directive(rmcp_cap()),
    );
}

/// Install the stderr logger of the command line's subcommands: warnings only unless
/// `RUST_LOG` says otherwise, so a person reads what the command prints, not the server's
/// diary.
pub fn init_for_commands() {
    install(match EnvFilter::try_from_default_env() {
        Ok(filter) => filter.add_directive(rmcp_cap()),
        Err(_) => EnvFilter::new("warn"),
    });
}

fn install(filter: EnvFilter) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

fn rmcp_cap() -> Directive {
    // A constant directive always parses; fall back to "off" rather than panic.
    "rmcp=info"
        .parse()
        .unwrap_or_else(|_| Directive::from(tracing::Level::ERROR))
}
