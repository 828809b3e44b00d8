//! What only the SQLite store does: files shared by processes, refusing bad or newer files,
//! migrating old ones, and the lookups it offers beyond [`CatalogStore`].

use rusqlite::Connection;
use serde_json::json;

use super::{namer, run, sighting};
use crate::catalog::{CatalogError, SqliteCatalog, migrations};
use crate::cloud::Provider;

#[test]
fn it_also_finds_tasks_by_provider_and_by_tool_and_says_where_it_is() {
    let catalog = SqliteCatalog::in_memory().unwrap();
    catalog
        .upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .unwrap();
    assert_eq!(catalog.task_by_tool("hn_top").unwrap().task_id, "aaaa1");
    assert!(catalog.task(Provider::Anchor, "aaaa1").is_some());
    assert!(catalog.task(Provider::BrowserUse, "aaaa1").is_none());
    assert_eq!(catalog.path(), ":memory:");
}

#[test]
fn two_connections_share_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("catalog.sqlite3");
    let a = SqliteCatalog::open(&path).unwrap();
    let b = SqliteCatalog::open(&path).unwrap();
    let before = b.data_version();
    a.upsert_task(sighting("x1", "shared"), &namer).unwrap();
    a.record_run(&run("run-1", "x1", "2026-01-01T00:00:00Z"))
        .unwrap();
    assert_ne!(b.data_version(), before, "b notices a's write");
    assert_eq!(b.task_by_tool("shared").unwrap().task_id, "x1");
    assert_eq!(b.run("run-1").unwrap().task_id.as_deref(), Some("x1"));
    drop((a, b));
    // Reopened later: still there.
    let again = SqliteCatalog::open(&path).unwrap();
    assert_eq!(again.tasks().unwrap().len(), 1);
}

#[test]
fn an_unreadable_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.sqlite3");
    std::fs::write(&path, b"this is not a database, it is a grocery list").unwrap();
    let error = SqliteCatalog::open(&path).unwrap_err().to_string();
    assert!(error.contains(&path.display().to_string()), "{error}");
    assert!(error.contains("never resets"), "{error}");
    // And it was left alone.
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"this is not a database, it is a grocery list"
    );
}

#[test]
fn a_file_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.sqlite3");
    {
        let connection = Connection::open(&path).unwrap();
        connection.pragma_update(None, "user_version", 99).unwrap();
    }
    let error = SqliteCatalog::open(&path).unwrap_err();
    assert!(
        matches!(error, CatalogError::TooNew { found: 99, .. }),
        "{error}"
    );
}

#[test]
fn a_version_1_file_is_migrated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.sqlite3");
    {
        // A catalog as the first release wrote it.
        let connection = Connection::open(&path).unwrap();
        connection.execute_batch(migrations::MIGRATIONS[0]).unwrap();
        connection.pragma_update(None, "user_version", 1).unwrap();
        connection
            .execute(
                "INSERT INTO tasks (provider, kind, task_id, name, tool_name, first_seen, last_seen) \
                 VALUES ('anchor', 'generated', 'old-1', 'old task', 'old_task', 'x', 'x')",
                [],
            )
            .unwrap();
    }
    let catalog = SqliteCatalog::open(&path).unwrap();
    let old = catalog.task_by_id("old-1").unwrap();
    assert_eq!(
        (old.tool_name.as_str(), old.output_schema),
        ("old_task", None)
    );
    let mut skill = sighting("s-1", "a skill");
    skill.output_schema = Some(json!({"type": "object"}));
    catalog.upsert_task(skill, &namer).unwrap();
    assert_eq!(
        catalog.task_by_id("s-1").unwrap().output_schema,
        Some(json!({"type": "object"}))
    );
}
