//! What every [`CatalogStore`] must do, written against the trait alone and run against each
//! store (see `stores!` at the end).

use serde_json::json;

use super::{namer, param, run, sighting};
use crate::catalog::{CallTask, CallTaskState, CatalogStore, RunRecord, RunState, Whose};
use crate::cloud::Provider;
use crate::params::ParamsOrigin;
use crate::runs::TaskKind;

async fn tool(store: &dyn CatalogStore, tool_name: &str) -> Option<String> {
    store
        .tasks()
        .await
        .unwrap()
        .into_iter()
        .find(|task| task.tool_name == tool_name)
        .map(|task| task.task_id)
}

async fn tasks_are_created_updated_and_keep_their_tool_names(store: &dyn CatalogStore) {
    let first = store
        .upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .await
        .unwrap();
    assert!(first.created && first.changed);
    assert_eq!(first.task.tool_name, "hn_top");

    let same = store
        .upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .await
        .unwrap();
    assert!(
        !same.created && !same.changed,
        "nothing new: no tool change"
    );

    let mut renamed = sighting("aaaa1", "hn-top");
    renamed.description = Some("better words".into());
    assert!(store.upsert_task(renamed, &namer).await.unwrap().changed);

    // Another task with the same name gets another tool name.
    let twin = store
        .upsert_task(sighting("bbbb2", "hn-top"), &namer)
        .await
        .unwrap();
    assert_eq!(twin.task.tool_name, "hn_top_bbbb");

    // A guess does not replace declared parameters.
    let mut guessed = sighting("aaaa1", "hn-top");
    guessed.params = Some((vec![param("other")], Vec::new(), ParamsOrigin::Inferred));
    guessed.description = None;
    let kept = store.upsert_task(guessed, &namer).await.unwrap();
    assert_eq!(kept.task.inputs, vec![param("url")]);
    assert_eq!(kept.task.params_origin, ParamsOrigin::Declared);
    assert_eq!(
        kept.task.description.as_deref(),
        Some("better words"),
        "what a sighting leaves out is kept"
    );

    assert_eq!(tool(store, "hn_top").await.as_deref(), Some("aaaa1"));
    assert_eq!(
        store.task_by_id("bbbb2").await.unwrap().tool_name,
        "hn_top_bbbb"
    );
    assert_eq!(store.tasks().await.unwrap().len(), 2);
}

async fn recently_used_tasks_come_first_and_missing_ones_go(store: &dyn CatalogStore) {
    for (id, name) in [("1", "a"), ("2", "b"), ("3", "c")] {
        let mut s = sighting(id, name);
        s.kind = TaskKind::Code;
        store.upsert_task(s, &namer).await.unwrap();
    }
    store.mark_used(Provider::Anchor, "2").await;
    let order: Vec<String> = store
        .tasks()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(order[0], "b");
    assert!(store.task_by_id("2").await.unwrap().last_used.is_some());

    // Another kind's listing leaves these alone.
    let gone = store
        .mark_missing(Provider::Anchor, TaskKind::Generated, &[])
        .await
        .unwrap();
    assert_eq!(gone, 0);
    let gone = store
        .mark_missing(Provider::Anchor, TaskKind::Code, &["1".to_string()])
        .await
        .unwrap();
    assert_eq!(gone, 2);
    assert_eq!(store.tasks().await.unwrap().len(), 1);
    assert!(store.task_by_id("2").await.is_none());
    assert!(store.task_by_name("b", None).await.is_none());
    // Seen again: back, and that is a change.
    let mut back = sighting("2", "b");
    back.kind = TaskKind::Code;
    let change = store.upsert_task(back, &namer).await.unwrap();
    assert!(!change.created && change.changed);
    assert_eq!(change.task.tool_name, "b");
}

async fn a_missing_task_keeps_its_tool_name(store: &dyn CatalogStore) {
    store
        .upsert_task(sighting("xxxx1", "hn-top"), &namer)
        .await
        .unwrap();
    store
        .mark_missing(Provider::Anchor, TaskKind::Generated, &[])
        .await
        .unwrap();
    let newcomer = store
        .upsert_task(sighting("yyyy2", "hn-top"), &namer)
        .await
        .unwrap();
    assert_eq!(
        newcomer.task.tool_name, "hn_top_yyyy",
        "a missing task's tool name is still taken"
    );
    let back = store
        .upsert_task(sighting("xxxx1", "hn-top"), &namer)
        .await
        .unwrap();
    assert_eq!(back.task.tool_name, "hn_top");
}

async fn tasks_are_found_by_name_and_kind(store: &dyn CatalogStore) {
    let mut code = sighting("c-1", "scraper");
    code.kind = TaskKind::Code;
    code.version = Some("3".into());
    store.upsert_task(code, &namer).await.unwrap();
    assert_eq!(
        store.task_by_name("scraper", None).await.unwrap().task_id,
        "c-1"
    );
    assert_eq!(
        store
            .task_by_name("scraper", Some(TaskKind::Code))
            .await
            .unwrap()
            .version
            .as_deref(),
        Some("3")
    );
    assert!(
        store
            .task_by_name("scraper", Some(TaskKind::Generated))
            .await
            .is_none()
    );
    assert!(store.task_by_name("nobody", None).await.is_none());
    assert!(store.task_by_id("nobody").await.is_none());
}

async fn runs_are_recorded_updated_and_paged(store: &dyn CatalogStore) {
    for i in 0..5 {
        store
            .record_run(&run(
                &format!("r{i}"),
                "t1",
                &format!("2026-01-01T00:00:0{i}Z"),
            ))
            .await
            .unwrap();
    }
    store
        .record_run(&run("other", "t2", "2026-01-01T00:00:09Z"))
        .await
        .unwrap();
    store
        .update_run(
            Provider::Anchor,
            "r3",
            &RunState {
                status: "success".into(),
                finished: true,
                summary: Some("{\"a\":1}".into()),
                report: Some(json!({"status": "success", "output": {"a": 1}})),
                detail: Some("step 3: done".into()),
                ..RunState::default()
            },
        )
        .await
        .unwrap();
    let r3 = store.run("r3").await.unwrap();
    assert!(r3.finished);
    assert_eq!(r3.summary.as_deref(), Some("{\"a\":1}"));
    assert_eq!(r3.inputs, json!({"password": "[secret]"}));
    assert_ne!(r3.updated_at, "2026-01-01T00:00:03Z");
    assert_eq!(
        r3.report,
        Some(json!({"status": "success", "output": {"a": 1}}))
    );
    assert_eq!(r3.detail.as_deref(), Some("step 3: done"));

    // A later check without a summary, report or detail keeps the ones stored.
    let late = RunState {
        status: "success".into(),
        finished: true,
        error: Some("late".into()),
        ..RunState::default()
    };
    store
        .update_run(Provider::Anchor, "r3", &late)
        .await
        .unwrap();
    let r3 = store.run("r3").await.unwrap();
    assert_eq!(
        (r3.summary.as_deref(), r3.error.as_deref()),
        (Some("{\"a\":1}"), Some("late"))
    );
    assert!(r3.report.is_some() && r3.detail.is_some());
    // A run never recorded stays unknown.
    store
        .update_run(Provider::Anchor, "ghost", &late)
        .await
        .unwrap();
    assert!(store.run("ghost").await.is_none());

    let (page, total) = store
        .runs_of("t1", None, Whose::Anyone, 1, 2)
        .await
        .unwrap();
    assert_eq!(total, 5);
    let ids: Vec<&str> = page.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, vec!["r4", "r3"]);
    let (page, _) = store
        .runs_of("t1", None, Whose::Anyone, 3, 2)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    let (done, total) = store
        .runs_of("t1", Some("success"), Whose::Anyone, 1, 10)
        .await
        .unwrap();
    assert_eq!((done.len(), total), (1, 1));

    // Recording a run again replaces it.
    let mut again = run("r0", "t1", "2026-01-01T00:00:00Z");
    again.status = "running".into();
    store.record_run(&again).await.unwrap();
    assert_eq!(store.run("r0").await.unwrap().status, "running");
    assert_eq!(
        store
            .runs_of("t1", None, Whose::Anyone, 1, 10)
            .await
            .unwrap()
            .1,
        5
    );
}

async fn recent_runs_match_an_id_prefix_newest_first(store: &dyn CatalogStore) {
    for (id, task, started) in [
        ("Ab_1", "t1", "2026-01-01T00:00:01Z"),
        ("ab%2", "t2", "2026-01-01T00:00:03Z"),
        ("ab_3", "t1", "2026-01-01T00:00:02Z"),
        ("xab", "t1", "2026-01-01T00:00:09Z"),
    ] {
        store.record_run(&run(id, task, started)).await.unwrap();
    }
    let elsewhere = RunRecord {
        provider: Provider::BrowserUse,
        ..run("ab-bu", "t9", "2026-01-01T00:00:05Z")
    };
    store.record_run(&elsewhere).await.unwrap();
    let anchor = Some(Provider::Anchor);
    let ids = |(runs, total): (Vec<RunRecord>, u64)| {
        (
            runs.into_iter().map(|r| r.run_id).collect::<Vec<_>>(),
            total,
        )
    };
    assert_eq!(
        ids(store
            .runs_by_id_prefix("AB", anchor, Whose::Anyone, 2)
            .await
            .unwrap()),
        (vec!["ab%2".to_string(), "ab_3".to_string()], 3)
    );
    // `_` and `%` are plain characters, not patterns.
    assert_eq!(
        ids(store
            .runs_by_id_prefix("AB%", anchor, Whose::Anyone, 10)
            .await
            .unwrap()),
        (vec!["ab%2".to_string()], 1)
    );
    assert_eq!(
        ids(store
            .runs_by_id_prefix("", anchor, Whose::Anyone, 10)
            .await
            .unwrap())
        .1,
        4
    );
    assert_eq!(
        ids(store
            .runs_by_id_prefix("", anchor, Whose::Anyone, 10)
            .await
            .unwrap())
        .0[0],
        "xab"
    );
    assert_eq!(
        ids(store
            .runs_by_id_prefix("zz", None, Whose::Anyone, 10)
            .await
            .unwrap()),
        (vec![], 0)
    );
    // Any provider's, or one provider's only.
    assert_eq!(
        ids(store
            .runs_by_id_prefix("ab", None, Whose::Anyone, 10)
            .await
            .unwrap()),
        (
            ["ab-bu", "ab%2", "ab_3", "Ab_1"].map(String::from).to_vec(),
            4
        )
    );
    assert_eq!(
        ids(store
            .runs_by_id_prefix("ab", Some(Provider::BrowserUse), Whose::Anyone, 10)
            .await
            .unwrap()),
        (vec!["ab-bu".to_string()], 1)
    );
}

async fn a_store_serves_concurrent_callers(store: &dyn CatalogStore) {
    let writers = (0..4).map(|t| async move {
        for i in 0..5 {
            let id = format!("t{t}-task{i}");
            store.upsert_task(sighting(&id, &id), &namer).await.unwrap();
            store
                .record_run(&run(&format!("{id}-run"), &id, "2026-01-01T00:00:00Z"))
                .await
                .unwrap();
        }
    });
    futures::future::join_all(writers).await;
    assert_eq!(store.tasks().await.unwrap().len(), 20);
    assert!(store.run("t3-task4-run").await.is_some());
}

async fn former_ids_name_each_earlier_cloud_id_of_a_present_task(store: &dyn CatalogStore) {
    let task = store
        .upsert_task(sighting("old-1", "hn-top"), &namer)
        .await
        .unwrap()
        .task;
    let version = |task_id: &str, label: &str| crate::catalog::TaskVersion {
        provider: Provider::Anchor,
        tool_name: task.tool_name.clone(),
        task_id: task_id.into(),
        version: label.into(),
        event: crate::catalog::VersionEvent::Generated,
        reason: None,
        generation: None,
        created_at: String::new(),
        owner: None,
    };
    store.record_version(version("old-1", "1")).await.unwrap();
    assert!(
        store.former_ids().await.unwrap().is_empty(),
        "the current id is no former one"
    );
    store
        .move_task(Provider::Anchor, "old-1", "new-2", None)
        .await
        .unwrap();
    store.record_version(version("new-2", "2")).await.unwrap();
    assert_eq!(
        store.former_ids().await.unwrap(),
        vec![("old-1".to_string(), "new-2".to_string())]
    );
    store
        .mark_missing(Provider::Anchor, TaskKind::Generated, &[])
        .await
        .unwrap();
    assert!(
        store.former_ids().await.unwrap().is_empty(),
        "a missing task has none"
    );
}

async fn a_lease_has_one_holder_until_it_expires_or_is_released(store: &dyn CatalogStore) {
    use std::time::Duration;
    let long = Duration::from_secs(60);
    assert!(store.claim_lease("run:anchor:r1", "a", long).await.unwrap());
    assert!(
        store.claim_lease("run:anchor:r1", "a", long).await.unwrap(),
        "renewed by its holder"
    );
    assert!(
        !store.claim_lease("run:anchor:r1", "b", long).await.unwrap(),
        "held by another"
    );
    assert!(
        store.claim_lease("list:anchor", "b", long).await.unwrap(),
        "leases are by name"
    );

    store.release_lease("run:anchor:r1", "b").await.unwrap();
    assert!(
        !store.claim_lease("run:anchor:r1", "b", long).await.unwrap(),
        "only its holder frees it"
    );
    store.release_lease("run:anchor:r1", "a").await.unwrap();
    assert!(store.claim_lease("run:anchor:r1", "b", long).await.unwrap());

    // A holder that stops renewing loses its lease once it expires; renewing keeps it.
    let short = Duration::from_millis(300);
    assert!(
        store
            .claim_lease("list:browser-use", "a", short)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_lease("run:anchor:r2", "c", short)
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    store.renew_leases("c", long).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        store
            .claim_lease("list:browser-use", "b", long)
            .await
            .unwrap(),
        "expired"
    );
    assert!(
        !store.claim_lease("run:anchor:r2", "b", long).await.unwrap(),
        "renewed"
    );
}

async fn versions_are_kept_in_order_and_survive_a_move(store: &dyn CatalogStore) {
    let first = store
        .upsert_task(sighting("aaaa1", "hn-top"), &namer)
        .await
        .unwrap()
        .task;
    let entry =
        |task_id: &str, version: &str, event, reason: Option<&str>| crate::catalog::TaskVersion {
            provider: Provider::Anchor,
            tool_name: first.tool_name.clone(),
            task_id: task_id.into(),
            version: version.into(),
            event,
            reason: reason.map(str::to_string),
            generation: Some(json!({"prompt": "list the top posts"})),
            created_at: String::new(),
            owner: (event == Refined).then(|| "alice".to_string()),
        };
    use crate::catalog::VersionEvent::*;
    let recorded = store
        .record_version(entry("aaaa1", "1", Generated, None))
        .await
        .unwrap();
    assert!(!recorded.created_at.is_empty(), "the store stamps it");

    // The cloud regenerated it under a new id: same entry, same tool, history kept.
    let moved = store
        .move_task(Provider::Anchor, "aaaa1", "bbbb2", Some("generating"))
        .await
        .unwrap()
        .expect("aaaa1 is known");
    assert_eq!(moved.tool_name, first.tool_name);
    assert_eq!(moved.task_id, "bbbb2");
    assert_eq!(moved.status.as_deref(), Some("generating"));
    assert!(store.task_by_id("aaaa1").await.is_none());
    assert_eq!(
        store.task_by_id("bbbb2").await.unwrap().tool_name,
        first.tool_name
    );
    store
        .record_version(entry(
            "bbbb2",
            "2",
            Refined,
            Some("add the missing login step"),
        ))
        .await
        .unwrap();
    store
        .move_task(Provider::Anchor, "bbbb2", "aaaa1", None)
        .await
        .unwrap()
        .unwrap();
    store
        .record_version(entry("aaaa1", "1", Restored, Some("version 1")))
        .await
        .unwrap();

    let history = store
        .versions(Provider::Anchor, &first.tool_name)
        .await
        .unwrap();
    let seen: Vec<(&str, &str, crate::catalog::VersionEvent)> = history
        .iter()
        .map(|v| (v.task_id.as_str(), v.version.as_str(), v.event))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("aaaa1", "1", Generated),
            ("bbbb2", "2", Refined),
            ("aaaa1", "1", Restored)
        ]
    );
    assert_eq!(
        history[1].reason.as_deref(),
        Some("add the missing login step")
    );
    // Who made each entry is kept (none: the server's own user).
    let owners: Vec<Option<&str>> = history.iter().map(|v| v.owner.as_deref()).collect();
    assert_eq!(owners, vec![None, Some("alice"), None]);
    // Every id the entry had leads to it.
    for id in ["aaaa1", "bbbb2"] {
        assert_eq!(
            store.task_by_version(id).await.map(|t| t.task_id),
            Some("aaaa1".to_string()),
            "{id}"
        );
    }
    assert!(store.task_by_version("cccc3").await.is_none());
    assert_eq!(
        history[0].generation,
        Some(json!({"prompt": "list the top posts"}))
    );
    assert!(
        store
            .versions(Provider::BrowserUse, &first.tool_name)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .move_task(Provider::Anchor, "nope", "x", None)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.tasks().await.unwrap().len(),
        1,
        "a move adds no entry"
    );
}

async fn runs_are_kept_per_owner(store: &dyn CatalogStore) {
    let owned = |id: &str, task: &str, started: &str, owner: Option<&str>| RunRecord {
        owner: owner.map(str::to_string),
        ..run(id, task, started)
    };
    for record in [
        owned("a1", "t1", "2026-01-01T00:00:01Z", Some("alice")),
        owned("a2", "t1", "2026-01-01T00:00:02Z", Some("alice")),
        owned("b1", "t1", "2026-01-01T00:00:03Z", Some("bob")),
        owned("s1", "t1", "2026-01-01T00:00:04Z", None),
        owned("a3", "t2", "2026-01-01T00:00:05Z", Some("alice")),
    ] {
        store.record_run(&record).await.unwrap();
    }
    assert_eq!(store.run("b1").await.unwrap().owner.as_deref(), Some("bob"));
    assert_eq!(store.run("s1").await.unwrap().owner, None);
    let ids = |(runs, total): (Vec<RunRecord>, u64)| {
        (
            runs.into_iter().map(|r| r.run_id).collect::<Vec<_>>(),
            total,
        )
    };
    let alice = Whose::Owner("alice");
    assert_eq!(
        ids(store.runs_of("t1", None, alice, 1, 10).await.unwrap()),
        (vec!["a2".to_string(), "a1".to_string()], 2)
    );
    assert_eq!(
        ids(store
            .runs_of("t1", None, Whose::Anyone, 1, 10)
            .await
            .unwrap())
        .1,
        4
    );
    assert_eq!(
        ids(store
            .runs_of("t1", None, Whose::Owner("carol"), 1, 10)
            .await
            .unwrap()),
        (vec![], 0)
    );
    assert_eq!(
        ids(store.runs_by_id_prefix("", None, alice, 10).await.unwrap()),
        (["a3", "a2", "a1"].map(String::from).to_vec(), 3)
    );
    assert_eq!(
        ids(store.runs_by_id_prefix("b", None, alice, 10).await.unwrap()),
        (vec![], 0)
    );
    let asked: Vec<String> = ["b1", "a1", "s1", "zz", "a3"].map(String::from).to_vec();
    let mut mine = store.owned_runs("alice", &asked).await.unwrap();
    mine.sort();
    assert_eq!(mine, vec!["a1".to_string(), "a3".to_string()]);
    assert!(store.owned_runs("carol", &asked).await.unwrap().is_empty());
    // Recording a run again keeps it its starter's.
    store
        .record_run(&owned("b1", "t1", "2026-01-01T00:00:03Z", Some("bob")))
        .await
        .unwrap();
    assert_eq!(
        store.owned_runs("bob", &asked).await.unwrap(),
        vec!["b1".to_string()]
    );
}

fn call_task(id: &str, discard_at_ms: i64) -> CallTask {
    CallTask {
        task_id: id.into(),
        owner: "key:abc".into(),
        tool: "run_task".into(),
        state: CallTaskState {
            status: "working".into(),
            ..CallTaskState::default()
        },
        input_responses: json!({}),
        cancel_requested: false,
        created_at: "2026-12-07T00:00:00.000Z".into(),
        updated_at: String::new(),
        ttl_ms: 600_000,
        discard_at_ms,
    }
}

async fn call_tasks_are_kept_updated_until_final_and_discarded(store: &dyn CatalogStore) {
    let later = chrono::Utc::now().timestamp_millis() + 3_600_000;
    assert_eq!(store.call_task("t1").await.unwrap(), None);
    store
        .create_call_task(&call_task("t1", later))
        .await
        .unwrap();
    let read = store.call_task("t1").await.unwrap().unwrap();
    assert_eq!(read.owner, "key:abc");
    assert_eq!(read.state.status, "working");
    assert!(!read.updated_at.is_empty(), "the store stamps it");

    let input = CallTaskState {
        status: "input_required".into(),
        status_message: Some("run r1: waits for a person".into()),
        input_requests: Some(json!({"q1": {"method": "elicitation/create"}})),
        work: Some(json!({"provider": "anchor", "execution_id": "r1"})),
        outcome: None,
    };
    assert!(store.update_call_task("t1", &input).await.unwrap());
    // An answer to an outstanding request is kept once; others are not.
    assert!(
        !store
            .answer_call_task("t1", "q9", &json!({"action": "accept"}))
            .await
            .unwrap()
    );
    assert!(
        store
            .answer_call_task("t1", "q1", &json!({"action": "accept"}))
            .await
            .unwrap()
    );
    assert!(
        !store
            .answer_call_task("t1", "q1", &json!({"action": "decline"}))
            .await
            .unwrap()
    );
    assert!(
        !store
            .answer_call_task("nope", "q1", &json!({}))
            .await
            .unwrap()
    );
    let read = store.call_task("t1").await.unwrap().unwrap();
    assert_eq!(read.state, input);
    assert_eq!(read.input_responses, json!({"q1": {"action": "accept"}}));

    store.cancel_call_task("t1").await.unwrap();
    assert!(
        store
            .call_task("t1")
            .await
            .unwrap()
            .unwrap()
            .cancel_requested
    );
    let done = CallTaskState {
        status: "completed".into(),
        outcome: Some(json!({"content": [], "isError": false})),
        ..input.clone()
    };
    assert!(store.update_call_task("t1", &done).await.unwrap());
    // Final: never written again.
    assert!(!store.update_call_task("t1", &input).await.unwrap());
    assert!(!store.update_call_task("nope", &input).await.unwrap());
    assert_eq!(store.call_task("t1").await.unwrap().unwrap().state, done);

    // Past its discard time it goes; the others stay.
    store.create_call_task(&call_task("t2", 0)).await.unwrap();
    assert_eq!(store.discard_call_tasks().await.unwrap(), 1);
    assert_eq!(store.call_task("t2").await.unwrap(), None);
    assert!(store.call_task("t1").await.unwrap().is_some());
}

/// Each behaviour above as one test per store, so a failure names both.
macro_rules! stores {
    ($($behaviour:ident),* $(,)?) => {
        mod sqlite_in_memory {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let store = crate::catalog::SqliteCatalog::in_memory().unwrap();
                    super::$behaviour(&store).await;
                }
            )*
        }
        mod sqlite_file {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().join("catalog.sqlite3");
                    let store = crate::catalog::SqliteCatalog::open(&path).unwrap();
                    super::$behaviour(&store).await;
                }
            )*
        }
        mod memory {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    super::$behaviour(&super::super::memory::MemoryStore::default()).await;
                }
            )*
        }
        // Each in a database of its own (skipped without BROWSER_TASKS_TEST_POSTGRES).
        mod postgres {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let Some(db) = super::super::postgres::TestDb::create().await else {
                        return;
                    };
                    let store = db.open().await;
                    super::$behaviour(&store).await;
                    drop(store);
                    db.drop().await;
                }
            )*
        }
    };
}

stores!(
    tasks_are_created_updated_and_keep_their_tool_names,
    recently_used_tasks_come_first_and_missing_ones_go,
    a_missing_task_keeps_its_tool_name,
    tasks_are_found_by_name_and_kind,
    runs_are_recorded_updated_and_paged,
    recent_runs_match_an_id_prefix_newest_first,
    a_store_serves_concurrent_callers,
    versions_are_kept_in_order_and_survive_a_move,
    former_ids_name_each_earlier_cloud_id_of_a_present_task,
    a_lease_has_one_holder_until_it_expires_or_is_released,
    runs_are_kept_per_owner,
    call_tasks_are_kept_updated_until_final_and_discarded,
);
