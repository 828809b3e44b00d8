//! Change push for the PostgreSQL catalog: a connection of its own that `LISTEN`s on
//! [`CHANNEL`], where every write that changes tasks sends this store's instance id in the same
//! transaction (so a notice arrives only once the change is committed, and never for a change
//! rolled back). A notice from another instance moves the store's data version and signals the
//! `watch` that `CatalogStore::changes` hands out; this instance's own notices are skipped,
//! since the trait lets own writes leave the version alone.
//!
//! The connection is not from the pool (a pooled one is handed to other work between
//! statements). When it drops, the task reconnects with backoff, then moves the version once:
//! changes may have been made while no one listened.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, NoTls};

/// The channel every PostgreSQL catalog notifies and listens on.
pub(super) const CHANNEL: &str = "browser_tasks_changes";

/// The first wait before reconnecting, doubled after each failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(15);

/// TCP keepalives on the listening connection: it only ever reads, so without them a network
/// that silently drops it (no reset) would leave it waiting for notices forever. Idle 30 s,
/// then 3 probes 10 s apart: a dead link is noticed within about a minute.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
const KEEPALIVE_RETRIES: u32 = 3;

/// What the listening task shares with the store.
#[derive(Debug)]
struct Shared {
    version: AtomicI64,
    signal: watch::Sender<i64>,
}

impl Shared {
    fn bump(&self) {
        let version = self.version.fetch_add(1, Ordering::Relaxed) + 1;
        self.signal.send_replace(version);
    }
}

/// The listening task and what it moves. Dropping it stops the task and closes its connection.
#[derive(Debug)]
pub(super) struct Listener {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Listener {
    /// Listen for other instances' changes to the database `config` names, skipping notices
    /// carrying `instance`. Answers once the first `LISTEN` is in place, so no change made
    /// after the store opened is missed.
    pub(super) async fn start(
        config: tokio_postgres::Config,
        instance: String,
    ) -> Result<Self, tokio_postgres::Error> {
        let mut config = config;
        config
            .keepalives(true)
            .keepalives_idle(KEEPALIVE_IDLE)
            .keepalives_interval(KEEPALIVE_INTERVAL)
            .keepalives_retries(KEEPALIVE_RETRIES);
        let first = Listening::connect(&config).await?;
        let shared = Arc::new(Shared {
            version: AtomicI64::new(0),
            signal: watch::channel(0).0,
        });
        let task = tokio::spawn(listen(config, instance, first, Arc::clone(&shared)));
        Ok(Self { shared, task })
    }

    /// The data version: moved by every notice from another instance, and after reconnecting.
    pub(super) fn version(&self) -> i64 {
        self.shared.version.load(Ordering::Relaxed)
    }

    /// A receiver signalled with the new version whenever it moves.
    pub(super) fn changes(&self) -> watch::Receiver<i64> {
        self.shared.signal.subscribe()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One listening connection: the notices' payloads arrive on `notices` until it drops.
struct Listening {
    /// Kept so the connection stays open (it closes when its last client goes).
    _client: tokio_postgres::Client,
    notices: mpsc::UnboundedReceiver<String>,
    /// Drives the connection; aborted when this is dropped.
    driver: JoinHandle<()>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl Listening {
    async fn connect(config: &tokio_postgres::Config) -> Result<Self, tokio_postgres::Error> {
        let (client, mut connection) = config.connect(NoTls).await?;
        let (sender, notices) = mpsc::unbounded_channel();
        // The connection must be polled for the LISTEN below to be answered, and for notices
        // to arrive: a task of its own forwards them.
        let driver = tokio::spawn(async move {
            let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(AsyncMessage::Notification(notice)) => {
                        if sender.send(notice.payload().to_string()).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(
                            error = %super::describe(&error),
                            "the task catalog's change notices connection failed"
                        );
                        return;
                    }
                }
            }
        });
        let listening = Self {
            _client: client,
            notices,
            driver,
        };
        listening
            ._client
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .await?;
        Ok(listening)
    }

    /// Move the version for every notice not from `instance`, until the connection drops.
    async fn relay(mut self, instance: &str, shared: &Shared) {
        while let Some(payload) = self.notices.recv().await {
            if payload != instance {
                shared.bump();
            }
        }
    }
}

async fn listen(
    config: tokio_postgres::Config,
    instance: String,
    first: Listening,
    shared: Arc<Shared>,
) {
    let mut listening = first;
    loop {
        listening.relay(&instance, &shared).await;
        tracing::warn!("lost the task catalog's change notices connection; reconnecting");
        let mut backoff = FIRST_BACKOFF;
        listening = loop {
            tokio::time::sleep(backoff).await;
            match Listening::connect(&config).await {
                Ok(listening) => break listening,
                Err(error) => {
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    tracing::warn!(
                        error = %super::describe(&error),
                        retry_in_ms = backoff.as_millis() as u64,
                        "cannot reconnect for the task catalog's change notices"
                    );
                }
            }
        };
        tracing::info!("listening for the task catalog's change notices again");
        // Whatever changed while no one listened was not announced.
        shared.bump();
    }
}
