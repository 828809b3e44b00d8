//! Keeping the catalog, and so the tool list, in step with the cloud and with other server
//! processes sharing the catalog.
//!
//! - Every configured provider lists its tasks into the catalog (at startup, then every refresh
//!   interval); a task missing from a listing that fully succeeded is marked gone. A listing
//!   that fails changes nothing, so a transient error never empties the tool list.
//! - Another process's writes show up in SQLite's `data_version`, checked every few seconds;
//!   when the list changes this way, this process's clients are told too.
//! - The startup listing: when the catalog knows no task of a configured provider, the first
//!   `tools/list` waits for it (bounded); otherwise it lets the client's first requests be
//!   answered first (or a moment pass), since the catalog already has a list to show.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::registry::Registry;

/// How often the background upkeep runs.
#[derive(Debug, Clone)]
pub struct Upkeep {
    /// List the cloud's tasks this often (`None`: only at startup).
    pub sync_every: Option<Duration>,
    /// Look for other processes' catalog changes this often.
    pub watch_every: Duration,
}

/// The upkeep, to run until `stop` fires: a sync at once, then watching for other processes'
/// catalog changes, and periodic syncs. (This process's own changes are announced by the
/// registry as they happen.)
///
/// The startup sync is registered with the registry before this returns, so a `tools/list`
/// answered right after start already waits for it (when it has to, see
/// [`Registry::begin_first_listing`]).
pub async fn run_upkeep(
    registry: Arc<Registry>,
    upkeep: Upkeep,
    stop: CancellationToken,
) -> impl Future<Output = ()> + Send + 'static {
    let syncs = registry.env().providers.configured().next().is_some();
    let awaited = syncs
        && registry
            .begin_first_listing(registry.env().settings.first_list_wait)
            .await;
    keep_up(registry, upkeep, stop, syncs, awaited)
}

/// How long a startup listing nothing waits for lets the client's first requests go first.
const STARTUP_GRACE: Duration = Duration::from_millis(250);

async fn keep_up(
    registry: Arc<Registry>,
    upkeep: Upkeep,
    stop: CancellationToken,
    syncs: bool,
    awaited: bool,
) {
    let env = registry.env().clone();
    let sync = || async {
        for adapter in env.providers.configured() {
            let provider = adapter.provider();
            match adapter.sync(&env).await {
                Ok(count) => {
                    tracing::info!(%provider, tasks = count, "listed tasks into the catalog")
                }
                Err(error) => tracing::warn!(
                    %provider,
                    %error,
                    "could not list tasks; their tools are unchanged"
                ),
            }
        }
    };
    if syncs {
        if !awaited {
            // The catalog already lists the tasks: the client's first answers (initialize,
            // tools/list) come first, then the listing refreshes them.
            tokio::select! {
                () = stop.cancelled() => return,
                () = registry.first_tools_list(STARTUP_GRACE) => {}
            }
        }
        sync().await;
        registry.end_first_listing();
    }
    let mut last_sync = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(upkeep.watch_every) => {}
        }
        // Another process's writes move the catalog's data_version; the registry compares it
        // with the version its table was built at.
        registry.announce_changes().await;
        if let Some(every) = upkeep.sync_every
            && syncs
            && last_sync.elapsed() >= every
        {
            last_sync = tokio::time::Instant::now();
            sync().await;
        }
    }
}
