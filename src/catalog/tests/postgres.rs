//! What only the PostgreSQL store does: migrating under a lock, refusing a newer schema,
//! pushing one instance's changes to another, leases shared by instances, surviving lost
//! connections, and saying what is wrong with a database it cannot reach (never its password).
//!
//! They need a PostgreSQL server: `BROWSER_TASKS_TEST_POSTGRES` names one (a URL whose user may
//! create databases; `.ci/postgres.sh` starts a throwaway one). Each test works in a database of
//! its own, created for it and dropped after, so they run in parallel. Without the variable
//! they are skipped, saying so once, except under CI, where they fail.

use std::io::Write;
use std::sync::Once;
use std::time::Duration;

use tokio_postgres::NoTls;

use super::{namer, sighting};
use crate::catalog::{CatalogError, CatalogStore, PostgresCatalog, PostgresUrl};
use crate::cloud::Provider;

const VARIABLE: &str = "BROWSER_TASKS_TEST_POSTGRES";

/// A database made for one test on the server `BROWSER_TASKS_TEST_POSTGRES` names.
pub(crate) struct TestDb {
    /// The server's URL as given (its database is where new ones are created from).
    server: String,
    pub name: String,
    pub url: PostgresUrl,
}

impl TestDb {
    /// A new empty database, or `None` (the test is skipped) when no server is configured.
    pub async fn create() -> Option<Self> {
        let Ok(server) = std::env::var(VARIABLE) else {
            if std::env::var_os("CI").is_some() {
                panic!("{VARIABLE} is not set under CI: .ci/run starts PostgreSQL and sets it");
            }
            static SAID: Once = Once::new();
            // Straight to stderr, once: the test harness would hide a print from a passing test.
            SAID.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "skipping the PostgreSQL catalog tests: set {VARIABLE}=postgres://USER@HOST:PORT/postgres \
                     or run .ci/run, which starts PostgreSQL"
                );
            });
            return None;
        };
        let name = format!("bt_test_{}", uuid::Uuid::new_v4().simple());
        admin(&server)
            .await
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let url = with_database(&server, &name);
        Some(Self {
            server,
            name,
            url: PostgresUrl::parse(&url).unwrap(),
        })
    }

    /// The URL of this database, with a password added (which the trust authentication of a
    /// test server ignores): for checking it is never shown.
    pub fn url_with_password(&self, password: &str) -> PostgresUrl {
        let mut url = url::Url::parse(&with_database(&self.server, &self.name)).unwrap();
        url.set_password(Some(password)).unwrap();
        PostgresUrl::parse(url.as_str()).unwrap()
    }

    pub async fn open(&self) -> PostgresCatalog {
        PostgresCatalog::open(&self.url).await.unwrap()
    }

    /// A connection of the test's own to this database.
    pub async fn connect(&self) -> tokio_postgres::Client {
        admin(&with_database(&self.server, &self.name)).await
    }

    /// Drop the database (a failed test leaves it, to be looked at).
    pub async fn drop(self) {
        admin(&self.server)
            .await
            .batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
            .await
            .unwrap();
    }
}

/// `server` naming the database `name` instead.
fn with_database(server: &str, name: &str) -> String {
    let mut url = url::Url::parse(server).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

async fn admin(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Wait (a few seconds at most) for `changes` to be signalled; whether it was.
async fn signalled(changes: &mut tokio::sync::watch::Receiver<i64>) -> bool {
    tokio::time::timeout(Duration::from_secs(5), changes.changed())
        .await
        .is_ok_and(|changed| changed.is_ok())
}

#[tokio::test]
async fn two_stores_opening_at_once_migrate_once() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let (a, b) = tokio::join!(
        PostgresCatalog::open(&db.url),
        PostgresCatalog::open(&db.url)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let client = db.connect().await;
    let rows = client
        .query("SELECT version FROM browser_tasks_schema", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        i64::from(rows[0].get::<_, i32>(0)),
        crate::catalog::postgres::migrations::LATEST
    );
    // Both work on the one schema.
    a.upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .await
        .unwrap();
    assert_eq!(b.task_by_id("aaaa1").await.unwrap().tool_name, "hn_top");
    drop((a, b));
    db.drop().await;
}

#[tokio::test]
async fn a_newer_schema_is_refused_naming_the_database_never_the_password() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    drop(db.open().await);
    db.connect()
        .await
        .batch_execute("UPDATE browser_tasks_schema SET version = 99")
        .await
        .unwrap();
    let error = PostgresCatalog::open(&db.url_with_password("hunter2-secret"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, CatalogError::TooNew { found: 99, .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains(&db.name), "{message}");
    assert!(!message.contains("hunter2-secret"), "{message}");
    // Refused, not touched.
    let version: i32 = db
        .connect()
        .await
        .query_one("SELECT version FROM browser_tasks_schema", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, 99);
    db.drop().await;
}

#[tokio::test]
async fn a_database_holding_another_tasks_table_is_refused_and_left_alone() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let client = db.connect().await;
    client
        .batch_execute("CREATE TABLE tasks (id int); INSERT INTO tasks VALUES (7)")
        .await
        .unwrap();
    let error = PostgresCatalog::open(&db.url).await.unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, CatalogError::Unavailable { .. }),
        "{message}"
    );
    assert!(message.contains("a database of its own"), "{message}");
    let kept: i32 = client
        .query_one("SELECT id FROM tasks", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, 7);
    // Nothing half-made: the migration's transaction was rolled back whole.
    let made: bool = client
        .query_one(
            "SELECT to_regclass('browser_tasks_schema') IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!made);
    drop(client);
    db.drop().await;
}

#[tokio::test]
async fn a_change_on_one_store_reaches_another_at_once_and_own_changes_are_skipped() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let a = db.open().await;
    let b = db.open().await;
    let (a_before, b_before) = (a.data_version(), b.data_version());
    let mut b_changes = b.changes().unwrap();
    b_changes.mark_unchanged();

    a.upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .await
        .unwrap();
    assert!(signalled(&mut b_changes).await, "b heard of a's change");
    assert_ne!(b.data_version(), b_before);
    assert_eq!(*b_changes.borrow_and_update(), b.data_version());
    assert!(b.task_by_id("aaaa1").await.is_some());

    // a's own notice came before b's change below (notices arrive in commit order): a's
    // version moves once, for b's change only.
    let mut a_changes = a.changes().unwrap();
    a_changes.mark_unchanged();
    b.mark_used(Provider::Anchor, "aaaa1").await;
    assert!(signalled(&mut a_changes).await, "a heard of b's change");
    assert_eq!(a.data_version(), a_before + 1);

    drop((a, b));
    db.drop().await;
}

#[tokio::test]
async fn only_writes_that_change_tasks_are_announced() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let store = db.open().await;
    let (listener, mut notices) = listen(&db).await;
    store
        .upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .await
        .unwrap();
    // Seen again unchanged, a run recorded, a listing missing nothing: no tool changes.
    store
        .upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .await
        .unwrap();
    store
        .record_run(&super::run("r1", "aaaa1", "2026-01-01T00:00:00Z"))
        .await
        .unwrap();
    let present = ["aaaa1".to_string()];
    store
        .mark_missing(Provider::Anchor, crate::runs::TaskKind::Generated, &present)
        .await
        .unwrap();
    store.mark_used(Provider::Anchor, "aaaa1").await;
    // Notices arrive in commit order: everything announced came before this one.
    listener
        .batch_execute("NOTIFY browser_tasks_changes, 'fence'")
        .await
        .unwrap();
    let mut heard = Vec::new();
    while let Some(payload) = tokio::time::timeout(Duration::from_secs(5), notices.recv())
        .await
        .unwrap()
    {
        if payload == "fence" {
            break;
        }
        heard.push(payload);
    }
    assert_eq!(heard.len(), 2, "the creation and the use: {heard:?}");
    drop((store, listener));
    db.drop().await;
}

/// A connection of the test's own listening on the catalog's channel, and the payloads heard.
async fn listen(
    db: &TestDb,
) -> (
    tokio_postgres::Client,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    use futures::StreamExt;
    let (client, mut connection) =
        tokio_postgres::connect(&with_database(&db.server, &db.name), NoTls)
            .await
            .unwrap();
    let (sender, notices) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let tokio_postgres::AsyncMessage::Notification(notice) = message {
                let _ = sender.send(notice.payload().to_string());
            }
        }
    });
    client
        .batch_execute("LISTEN browser_tasks_changes")
        .await
        .unwrap();
    (client, notices)
}

#[tokio::test]
async fn leases_are_shared_by_instances() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let (a, b) = (db.open().await, db.open().await);
    let long = Duration::from_secs(60);
    assert!(a.claim_lease("list:anchor", "a", long).await.unwrap());
    assert!(!b.claim_lease("list:anchor", "b", long).await.unwrap());
    b.release_lease("list:anchor", "b").await.unwrap();
    assert!(!b.claim_lease("list:anchor", "b", long).await.unwrap());
    a.release_lease("list:anchor", "a").await.unwrap();
    assert!(b.claim_lease("list:anchor", "b", long).await.unwrap());

    // An expired lease is taken over; a renewed one is not.
    let short = Duration::from_millis(200);
    assert!(a.claim_lease("run:anchor:r1", "a", short).await.unwrap());
    assert!(a.claim_lease("run:anchor:r2", "a", short).await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(b.claim_lease("run:anchor:r1", "b", long).await.unwrap());
    a.renew_leases("a", long).await.unwrap();
    assert!(!b.claim_lease("run:anchor:r1", "a", long).await.unwrap());
    assert!(!b.claim_lease("run:anchor:r2", "b", long).await.unwrap());
    drop((a, b));
    db.drop().await;
}

#[tokio::test]
async fn a_read_survives_the_pools_connections_being_killed() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let store = db.open().await;
    store
        .upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .await
        .unwrap();
    // Put a few connections in the pool.
    let reads = (0..4).map(|_| store.tasks());
    for read in futures::future::join_all(reads).await {
        assert_eq!(read.unwrap().len(), 1);
    }
    // Killed from another thread while this one (the runtime the store's connections run on)
    // waits: the pooled connections cannot notice before the next read uses one of them.
    let url = with_database(&db.server, &db.name);
    let killed = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let admin = admin(&url).await;
            let killed: i64 = admin
                .query_one(
                    "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            killed
        })
    })
    .join()
    .unwrap();
    assert!(killed >= 2, "the pool's and the listener's: {killed}");
    assert_eq!(store.tasks().await.unwrap().len(), 1);
    assert_eq!(store.task_by_id("aaaa1").await.unwrap().tool_name, "hn_top");
    store.ping().await.unwrap();
    drop(store);
    db.drop().await;
}

#[tokio::test]
async fn the_listener_reconnects_after_its_connection_is_killed() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let (a, b) = (db.open().await, db.open().await);
    let mut b_changes = b.changes().unwrap();
    b_changes.mark_unchanged();
    let before = b.data_version();
    let killed: i64 = db
        .connect()
        .await
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND query ILIKE 'LISTEN%'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(killed, 2, "a's and b's listening connections");
    // Back, b says changes may have been missed...
    assert!(signalled(&mut b_changes).await, "b reconnected");
    assert!(b.data_version() > before);
    // ...and hears a's changes again.
    let reconnected = b.data_version();
    a.upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while b.data_version() == reconnected && tokio::time::Instant::now() < deadline {
        let _ = tokio::time::timeout(Duration::from_millis(200), b_changes.changed()).await;
    }
    assert!(b.data_version() > reconnected, "b heard a's change");
    drop((a, b));
    db.drop().await;
}

#[tokio::test]
async fn it_says_where_it_is_without_the_password_and_answers_a_ping() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let store = PostgresCatalog::open(&db.url_with_password("hunter2-secret"))
        .await
        .unwrap();
    let location = store.location();
    assert!(location.contains(&db.name), "{location}");
    assert!(!location.contains("hunter2-secret"), "{location}");
    assert!(!format!("{store:?}").contains("hunter2-secret"));
    store.ping().await.unwrap();
    drop(store);
    db.drop().await;
}

/// Needs no server: nothing listens on port 1.
#[tokio::test]
async fn an_unreachable_database_is_named_with_the_fix_and_without_the_password() {
    let url = PostgresUrl::parse("postgres://alice:hunter2-secret@127.0.0.1:1/tasks").unwrap();
    let error = PostgresCatalog::open(&url).await.unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, CatalogError::Unavailable { .. }),
        "{message}"
    );
    for part in [
        "postgres://alice@127.0.0.1:1/tasks",
        "host 127.0.0.1 port 1, database tasks, user alice",
        "PostgreSQL is running",
        "--catalog",
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }
    assert!(!message.contains("hunter2"), "{message}");
}
