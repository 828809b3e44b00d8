//! The catalog: where it is, its schema version and counts, whether it can be written now,
//! and which other processes have it open (on Linux, from `/proc`); for a PostgreSQL catalog,
//! whether the database answers, its schema version and counts, whether the URL's user may
//! write it, and how many connections of this server it has. Nothing is created, migrated or
//! changed, and a database's password is never shown.

use std::path::{Path, PathBuf};

use super::Check;
use crate::catalog::{
    CatalogError, CatalogHealth, DatabaseHealth, ELSEWHERE, PostgresUrl, WriteAccess, inspect,
    inspect_database, place_problem,
};
use crate::config::CatalogLocation;

pub async fn check(location: &CatalogLocation) -> Check {
    let path = match location {
        CatalogLocation::Memory => {
            return Check::pass(
                "catalog: in memory (--catalog :memory:): nothing is kept between processes",
            );
        }
        CatalogLocation::Postgres(url) => return check_database(url).await,
        CatalogLocation::File(path) => path,
    };
    // Where the file is (or is to be): the very check the server makes when it opens it.
    if let Some(place) = place_problem(path) {
        return Check::fail(format!("catalog: {}", place.problem), place.fix);
    }
    if !path.exists() {
        return Check::pass(format!(
            "catalog: {} does not exist yet; the server creates it when it first starts",
            path.display()
        ));
    }
    match inspect(path) {
        Err(error) => Check::fail(
            format!("catalog: {error}"),
            format!("move the file aside, or {ELSEWHERE}"),
        ),
        Ok(health) if health.schema_version > health.latest => Check::fail(
            format!(
                "catalog: {} was written by a newer browser-tasks-mcp (schema version {}; this \
                 one knows up to {})",
                path.display(),
                health.schema_version,
                health.latest
            ),
            format!("upgrade this binary, or {ELSEWHERE}"),
        ),
        Ok(CatalogHealth {
            write: WriteAccess::ReadOnly(reason),
            ..
        }) => Check::fail(
            format!("catalog: {} cannot be written: {reason}", path.display()),
            format!("let this user write the file and its folder (chmod u+w), or {ELSEWHERE}"),
        ),
        Ok(health) => Check::pass(describe(path, &health)),
    }
}

fn describe(path: &Path, health: &CatalogHealth) -> String {
    let count = |n: Option<u64>| n.map_or_else(|| "?".to_string(), |n| n.to_string());
    let version = if health.schema_version == health.latest {
        format!("schema version {}", health.schema_version)
    } else {
        format!(
            "schema version {} (the server upgrades it to {} when it starts)",
            health.schema_version, health.latest
        )
    };
    let write = match health.write {
        WriteAccess::Busy => "writable (another process was writing just now)",
        _ => "writable",
    };
    let others = match processes_using(path) {
        None => String::new(),
        Some(list) if list.is_empty() => "; no other process has it open".to_string(),
        Some(list) => format!(
            "; open in {} other process{}: {}",
            list.len(),
            if list.len() == 1 { "" } else { "es" },
            list.iter()
                .map(|(pid, name)| format!("{pid} ({name})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "catalog: {}: {version}; {} tasks ({} gone from the cloud), {} runs ({} not finished); \
         {write}{others}",
        path.display(),
        count(health.tasks),
        count(health.missing_tasks),
        count(health.runs),
        count(health.unfinished_runs),
    )
}

async fn check_database(url: &PostgresUrl) -> Check {
    let health = match inspect_database(url).await {
        Ok(health) => health,
        Err(CatalogError::Unavailable {
            location,
            problem,
            fix,
        }) => return Check::fail(format!("catalog: {location}: {problem}"), fix),
        Err(other) => return Check::fail(format!("catalog: {other}"), ELSEWHERE),
    };
    let DatabaseHealth {
        schema_version,
        latest,
        ..
    } = health;
    let at = format!("PostgreSQL {} at {url}", health.server_version);
    if schema_version > latest {
        return Check::fail(
            format!(
                "catalog: {at} was written by a newer browser-tasks-mcp (schema version \
                 {schema_version}; this one knows up to {latest})"
            ),
            format!("upgrade this binary, or {ELSEWHERE}"),
        );
    }
    if !health.writable {
        return Check::fail(
            format!(
                "catalog: {at}: the URL's user may not {} the catalog's tables",
                if schema_version < latest {
                    "create"
                } else {
                    "write"
                }
            ),
            format!(
                "let the user create and write tables in that database (make it the database's \
                 owner, or GRANT CREATE ON SCHEMA public and the table privileges), or {ELSEWHERE}"
            ),
        );
    }
    let count = |n: Option<u64>| n.map_or_else(|| "?".to_string(), |n| n.to_string());
    let contents = match schema_version {
        0 => "no catalog tables yet; the server creates them when it first starts".to_string(),
        _ => {
            let upgrade = if schema_version < latest {
                format!(" (the server upgrades it to {latest} when it starts)")
            } else {
                String::new()
            };
            format!(
                "schema version {schema_version}{upgrade}; {} tasks ({} gone from the cloud), {} \
                 runs ({} not finished)",
                count(health.tasks),
                count(health.missing_tasks),
                count(health.runs),
                count(health.unfinished_runs),
            )
        }
    };
    let others = match health.connections {
        Some(0) => "; no server instance connected now".to_string(),
        Some(n) => format!("; {n} connection{} of server instances now", plural(n)),
        None => String::new(),
    };
    Check::pass(format!("catalog: {at}: {contents}; writable{others}"))
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The other processes of this user that have the file (or its WAL) open, as (pid, name);
/// `None` where that cannot be told (no `/proc`).
fn processes_using(path: &Path) -> Option<Vec<(u32, String)>> {
    let target = path.canonicalize().ok()?;
    let mut names: Vec<PathBuf> = vec![target.clone()];
    for suffix in ["-wal", "-shm"] {
        let mut name = target.clone().into_os_string();
        name.push(suffix);
        names.push(PathBuf::from(name));
    }
    let mut found =
        crate::cli::holders::processes_holding(|link| names.iter().any(|name| name == link))?;
    // doctor itself has it open.
    found.retain(|(pid, _)| *pid != std::process::id());
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, CatalogStore};

    #[tokio::test]
    async fn a_catalog_is_described_and_a_missing_one_is_fine_where_it_can_be_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.sqlite3");
        let missing = check(&CatalogLocation::File(path.clone())).await;
        assert_eq!(missing.outcome, super::super::Outcome::Pass, "{missing:?}");
        assert!(missing.text.contains("does not exist yet"), "{missing:?}");
        assert!(!path.exists(), "the check created the file");

        let _open = Catalog::open(&path).unwrap();
        let present = check(&CatalogLocation::File(path.clone())).await;
        assert_eq!(present.outcome, super::super::Outcome::Pass, "{present:?}");
        assert!(
            present
                .text
                .contains("0 tasks (0 gone from the cloud), 0 runs (0 not finished); writable"),
            "{present:?}"
        );

        std::fs::write(
            dir.path().join("junk"),
            "this is no database, not at all, no",
        )
        .unwrap();
        let junk = check(&CatalogLocation::File(dir.path().join("junk"))).await;
        assert_eq!(junk.outcome, super::super::Outcome::Fail, "{junk:?}");
        assert!(junk.advice.unwrap().contains("--catalog"));
    }

    #[tokio::test]
    async fn a_database_is_described_without_its_password() {
        let Some(db) = crate::catalog::tests::postgres::TestDb::create().await else {
            return;
        };
        let location = CatalogLocation::Postgres(db.url_with_password("hunter2-secret"));
        let empty = check(&location).await;
        assert_eq!(empty.outcome, super::super::Outcome::Pass, "{empty:?}");
        assert!(empty.text.contains("no catalog tables yet"), "{empty:?}");
        assert!(empty.text.contains(&db.name), "{empty:?}");

        let store = db.open().await;
        store
            .record_run(&crate::catalog::RunRecord {
                provider: crate::cloud::Provider::Anchor,
                run_id: "r1".into(),
                kind: crate::runs::TaskKind::Generated,
                task_id: None,
                task_name: None,
                version: None,
                inputs: serde_json::json!({}),
                started_at: "2026-01-01T00:00:00Z".into(),
                status: "running".into(),
                finished: false,
                summary: None,
                error: None,
                report: None,
                detail: None,
                updated_at: "2026-01-01T00:00:00Z".into(),
                owner: None,
            })
            .await
            .unwrap();
        let present = check(&location).await;
        assert_eq!(present.outcome, super::super::Outcome::Pass, "{present:?}");
        for part in [
            "PostgreSQL ",
            "0 tasks (0 gone from the cloud), 1 runs (1 not finished); writable",
            "connections of server instances now",
        ] {
            assert!(present.text.contains(part), "{part:?} in {present:?}");
        }
        drop(store);

        db.connect()
            .await
            .batch_execute("UPDATE browser_tasks_schema SET version = 99")
            .await
            .unwrap();
        let newer = check(&location).await;
        assert_eq!(newer.outcome, super::super::Outcome::Fail, "{newer:?}");
        assert!(newer.text.contains("newer"), "{newer:?}");
        for said in [&empty, &present, &newer] {
            assert!(!format!("{said:?}").contains("hunter2"), "{said:?}");
        }
        db.drop().await;
    }

    /// Needs no server: nothing listens on port 1.
    #[tokio::test]
    async fn an_unreachable_database_fails_with_the_fix() {
        let url = PostgresUrl::parse("postgres://alice:hunter2-secret@127.0.0.1:1/tasks").unwrap();
        let failed = check(&CatalogLocation::Postgres(url)).await;
        assert_eq!(failed.outcome, super::super::Outcome::Fail, "{failed:?}");
        assert!(
            failed
                .text
                .contains("host 127.0.0.1 port 1, database tasks, user alice"),
            "{failed:?}"
        );
        assert!(
            failed
                .advice
                .as_deref()
                .unwrap_or_default()
                .contains("PostgreSQL is running"),
            "{failed:?}"
        );
        assert!(!format!("{failed:?}").contains("hunter2"), "{failed:?}");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn another_process_holding_the_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("held");
        std::fs::write(&path, "x").unwrap();
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec 3<'{}'; sleep 30", path.display()))
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut seen = false;
        for _ in 0..100 {
            if processes_using(&path)
                .unwrap()
                .iter()
                .any(|(p, _)| *p == pid)
            {
                seen = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        child.kill().unwrap();
        let _ = child.wait();
        assert!(seen, "the process holding the file was not found");
        assert!(
            processes_using(&dir.path().join("held"))
                .unwrap()
                .iter()
                .all(|(p, _)| *p != pid)
        );
    }
}
