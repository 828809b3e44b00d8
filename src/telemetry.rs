//! Logging: always to stderr, because stdout is the stdio transport and must carry nothing but
//! JSON-RPC. `RUST_LOG` sets the level (default: this crate at info, everything else at warn).
//!
//! rmcp logs every request and response verbatim at debug level, tool arguments included, and
//! arguments may carry secrets (passwords given as task inputs). Its level is therefore capped at
//! info whatever `RUST_LOG` says.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::{EnvFilter, FilterExt, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

/// Install the stderr logger (once; later calls do nothing).
pub fn init() {
    install(
        EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| EnvFilter::new("warn,browser_tasks_mcp=info")),
    );
}

/// Install the stderr logger of the command line's subcommands: warnings only unless
/// `RUST_LOG` says otherwise, so a person reads what the command prints, not the server's
/// diary.
pub fn init_for_commands() {
    install(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")));
}

fn install(filter: EnvFilter) {
    let _ = tracing_subscriber::registry()
        .with(stderr_layer(filter, std::io::stderr))
        .try_init();
}

/// The one log layer: plain text to `writer`, through `filter` and rmcp's cap.
fn stderr_layer<S, W>(filter: EnvFilter, writer: W) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    fmt::layer()
        .with_writer(writer)
        .with_ansi(false)
        .with_filter(filter.and(rmcp_cap()))
}

/// What may pass of rmcp's own logs: at most info. A cap, not a level: it lowers what
/// `RUST_LOG` asks for rmcp and never raises it (by default rmcp logs warnings only, and its
/// spans cost nothing on the request path).
fn rmcp_cap() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target("rmcp", LevelFilter::INFO)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// What a logger with `filter` writes when rmcp and this crate log at each level.
    fn logged(filter: &str) -> String {
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = buffer.clone();
        let writer = move || Sink(sink.clone());
        let subscriber =
            tracing_subscriber::registry().with(stderr_layer(EnvFilter::new(filter), writer));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "rmcp::service", "rmcp-debug");
            tracing::info!(target: "rmcp::service", "rmcp-info");
            tracing::warn!(target: "rmcp::service", "rmcp-warn");
            tracing::debug!(target: "browser_tasks_mcp::mcp", "ours-debug");
            tracing::info!(target: "browser_tasks_mcp::mcp", "ours-info");
        });
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        text.lines()
            .filter_map(|l| l.split_whitespace().last())
            .collect::<Vec<_>>()
            .join(" ")
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn rmcp_is_capped_at_info_and_never_raised() {
        // The server's default: rmcp's warnings only, this crate at info.
        assert_eq!(logged("warn,browser_tasks_mcp=info"), "rmcp-warn ours-info");
        // Everything at debug: rmcp's debug lines (which carry tool arguments) stay out.
        assert_eq!(logged("debug"), "rmcp-info rmcp-warn ours-debug ours-info");
        assert_eq!(logged("rmcp=trace"), "rmcp-info rmcp-warn");
    }
}
