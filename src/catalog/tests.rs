use serde_json::json;

use super::*;
use crate::params::ParamType;

fn param(name: &str) -> Param {
    Param {
        name: name.into(),
        kind: ParamType::String,
        required: true,
        description: None,
        default: None,
        options: Vec::new(),
    }
}

fn sighting(id: &str, name: &str) -> TaskSighting {
    TaskSighting {
        provider: Provider::Anchor,
        kind: TaskKind::Generated,
        task_id: id.into(),
        name: name.into(),
        description: Some("does things".into()),
        version: None,
        status: Some("ready".into()),
        params: Some((vec![param("url")], Vec::new(), ParamsOrigin::Declared)),
        output_schema: None,
    }
}

/// Names tools after the task, with a suffix when taken (the real namer lives in the MCP layer).
fn namer(s: &TaskSighting, taken: &dyn Fn(&str) -> bool) -> String {
    let base = s.name.replace('-', "_");
    if taken(&base) {
        format!("{base}_{}", &s.task_id[..4])
    } else {
        base
    }
}

fn run(id: &str, task: &str, started_at: &str) -> RunRecord {
    RunRecord {
        provider: Provider::Anchor,
        run_id: id.into(),
        kind: TaskKind::Generated,
        task_id: Some(task.into()),
        task_name: Some("t".into()),
        version: None,
        inputs: json!({"password": "[secret]"}),
        started_at: started_at.into(),
        status: "queued".into(),
        finished: false,
        summary: None,
        error: None,
        updated_at: started_at.into(),
    }
}

#[test]
fn tasks_are_created_updated_and_keep_their_tool_names() {
    let catalog = Catalog::in_memory().unwrap();
    let first = catalog
        .upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .unwrap();
    assert!(first.created && first.changed);
    assert_eq!(first.task.tool_name, "hn_top");

    let same = catalog
        .upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .unwrap();
    assert!(
        !same.created && !same.changed,
        "nothing new: no tool change"
    );

    let mut renamed = sighting("aaaa1", "hn-top");
    renamed.description = Some("better words".into());
    assert!(catalog.upsert_task(renamed, &namer).unwrap().changed);

    // Another task with the same name gets another tool name.
    let twin = catalog
        .upsert_task(sighting("bbbb2", "hn-top"), &namer)
        .unwrap();
    assert_eq!(twin.task.tool_name, "hn_top_bbbb");

    // A guess does not replace declared parameters.
    let mut guessed = sighting("aaaa1", "hn-top");
    guessed.params = Some((vec![param("other")], Vec::new(), ParamsOrigin::Inferred));
    let kept = catalog.upsert_task(guessed, &namer).unwrap();
    assert_eq!(kept.task.inputs, vec![param("url")]);
    assert_eq!(kept.task.params_origin, ParamsOrigin::Declared);

    assert_eq!(catalog.task_by_tool("hn_top").unwrap().task_id, "aaaa1");
    assert_eq!(
        catalog.task_by_id("bbbb2").unwrap().tool_name,
        "hn_top_bbbb"
    );
    assert_eq!(catalog.tasks().unwrap().len(), 2);
}

#[test]
fn recently_used_tasks_come_first_and_missing_ones_go() {
    let catalog = Catalog::in_memory().unwrap();
    for (id, name) in [("1", "a"), ("2", "b"), ("3", "c")] {
        let mut s = sighting(id, name);
        s.kind = TaskKind::Code;
        catalog.upsert_task(s, &namer).unwrap();
    }
    catalog.mark_used(Provider::Anchor, "2");
    let order: Vec<String> = catalog
        .tasks()
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(order[0], "b");

    let gone = catalog
        .mark_missing(Provider::Anchor, TaskKind::Code, &["1".to_string()])
        .unwrap();
    assert_eq!(gone, 2);
    assert_eq!(catalog.tasks().unwrap().len(), 1);
    assert!(catalog.task(Provider::Anchor, "2").is_none());
    // Seen again: back, and that is a change.
    let mut back = sighting("2", "b");
    back.kind = TaskKind::Code;
    assert!(catalog.upsert_task(back, &namer).unwrap().changed);
}

#[test]
fn runs_are_recorded_updated_and_paged() {
    let catalog = Catalog::in_memory().unwrap();
    for i in 0..5 {
        catalog
            .record_run(&run(
                &format!("r{i}"),
                "t1",
                &format!("2026-01-01T00:00:0{i}Z"),
            ))
            .unwrap();
    }
    catalog
        .record_run(&run("other", "t2", "2026-01-01T00:00:09Z"))
        .unwrap();
    catalog
        .update_run(
            Provider::Anchor,
            "r3",
            "success",
            true,
            Some("{\"a\":1}"),
            None,
        )
        .unwrap();
    let r3 = catalog.run("r3").unwrap();
    assert!(r3.finished);
    assert_eq!(r3.summary.as_deref(), Some("{\"a\":1}"));
    assert_eq!(r3.inputs, json!({"password": "[secret]"}));

    let (page, total) = catalog.runs_of("t1", None, 1, 2).unwrap();
    assert_eq!(total, 5);
    let ids: Vec<&str> = page.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, vec!["r4", "r3"]);
    let (page, _) = catalog.runs_of("t1", None, 3, 2).unwrap();
    assert_eq!(page.len(), 1);
    let (done, total) = catalog.runs_of("t1", Some("success"), 1, 10).unwrap();
    assert_eq!((done.len(), total), (1, 1));
}

#[test]
fn two_connections_share_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("catalog.sqlite3");
    let a = Catalog::open(&path).unwrap();
    let b = Catalog::open(&path).unwrap();
    let before = b.data_version();
    a.upsert_task(sighting("x1", "shared"), &namer).unwrap();
    a.record_run(&run("run-1", "x1", "2026-01-01T00:00:00Z"))
        .unwrap();
    assert_ne!(b.data_version(), before, "b notices a's write");
    assert_eq!(b.task_by_tool("shared").unwrap().task_id, "x1");
    assert_eq!(b.run("run-1").unwrap().task_id.as_deref(), Some("x1"));
    drop((a, b));
    // Reopened later: still there.
    let again = Catalog::open(&path).unwrap();
    assert_eq!(again.tasks().unwrap().len(), 1);
}

#[test]
fn an_unreadable_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.sqlite3");
    std::fs::write(&path, b"this is not a database, it is a grocery list").unwrap();
    let error = Catalog::open(&path).unwrap_err().to_string();
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
    let error = Catalog::open(&path).unwrap_err();
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
    let catalog = Catalog::open(&path).unwrap();
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
