//! Keeping the catalog, and so the tool list, in step with the cloud and with other server
//! processes sharing the catalog.
//!
//! - Every configured provider lists its tasks into the catalog (at startup, then every refresh
//!   interval); a task missing from a listing that fully succeeded is marked gone. A listing
//!   that fails changes nothing, so a transient error never empties the tool list.
//! - Across a fleet sharing a catalog, one process at a time refreshes a cloud's listing: a
//!   listing takes the catalog lease `list:<provider>` for most of the refresh interval, and a
//!   process that cannot take it leaves the refresh to the one that did (whose changes reach
//!   it through the catalog). The startup listing is every process's own.
//! - Another process's writes show up in the catalog's `data_version`: SQLite's is checked
//!   every few seconds; a store that pushes changes (PostgreSQL's `LISTEN/NOTIFY`) wakes the
//!   upkeep at once. When the list changes this way, this process's clients are told too.
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

/// How long a listing's lease lasts when the server lists only at startup.
const STARTUP_LISTING_LEASE: Duration = Duration::from_secs(60);

/// The lease a listing of `provider`'s tasks takes: for most of the refresh interval, so the
/// process that listed can list again on time and no other lists meanwhile.
fn listing_lease(sync_every: Option<Duration>) -> Duration {
    sync_every.map_or(STARTUP_LISTING_LEASE, |every| every.mul_f64(0.9))
}

async fn keep_up(
    registry: Arc<Registry>,
    upkeep: Upkeep,
    stop: CancellationToken,
    syncs: bool,
    awaited: bool,
) {
    let env = registry.env().clone();
    let lease_ttl = listing_lease(upkeep.sync_every);
    let holder = format!("{}:list", env.lease_holder());
    // `periodic`: a refresh, which only the holder of the listing lease does. The startup
    // listing always lists (a server just started, or restarted to see new tasks, shows what
    // the cloud has now), and takes the lease if it can so others' refreshes wait.
    let sync = |periodic: bool| {
        let (env, holder) = (&env, &holder);
        async move {
            for adapter in env.providers.configured() {
                let provider = adapter.provider();
                let lease = format!("list:{}", provider.id());
                match env.catalog.claim_lease(&lease, holder, lease_ttl).await {
                    Ok(true) => {}
                    Ok(false) if periodic => {
                        tracing::debug!(%provider, "another server sharing the catalog lists these tasks");
                        continue;
                    }
                    Ok(false) => {}
                    // Without the catalog's word, list: a second listing costs less than none.
                    Err(error) => tracing::debug!(%error, "could not take the listing lease"),
                }
                match adapter.sync(env).await {
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
        sync(false).await;
        registry.end_first_listing();
    }
    let mut last_sync = tokio::time::Instant::now();
    let mut pushed = env.catalog.changes();
    loop {
        let pushed_change = async {
            match pushed.as_mut() {
                Some(changes) => changes.changed().await.is_ok(),
                None => std::future::pending().await,
            }
        };
        // Wake to look for changes, or when the next listing is due, whichever comes first.
        let next_sync = match upkeep.sync_every {
            Some(every) if syncs => every.saturating_sub(last_sync.elapsed()),
            _ => upkeep.watch_every,
        };
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(upkeep.watch_every.min(next_sync)) => {}
            open = pushed_change => {
                if !open {
                    pushed = None;
                }
            }
        }
        // Another process's writes move the catalog's data_version; the registry compares it
        // with the version its table was built at.
        registry.announce_changes().await;
        if let Some(every) = upkeep.sync_every
            && syncs
            && last_sync.elapsed() >= every
        {
            last_sync = tokio::time::Instant::now();
            sync(true).await;
        }
    }
}
