//! The bench's `fleet` section: what a PostgreSQL catalog costs per call against SQLite, and
//! what a fleet of instances sharing it does (status requests per run with one and three
//! waiters, a change on one instance heard on another, taking over from a killed instance).
//!
//! Needs a PostgreSQL URL whose user may create databases (`BROWSER_TASKS_TEST_POSTGRES`, as
//! the tests; `.ci/postgres.sh` starts one); without it the section says so and is skipped.
//! The instances are stdio servers sharing one database: the balancer is not what is measured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use browser_tasks_fakes::anchor::{FakeAnchor, GenerationScript, RunOutcome, RunScript};
use serde_json::{Value, json};

use super::measure::{ms, percentile};
use super::{ANCHOR_KEY, Binaries, StdioServer, Table};

const STATUS: &str = "GET /v1/task/{taskId}/executions/{executionId}";
const START: &str = "POST /v1/task/run";
/// Timed calls of each kind, per store.
const CALLS: usize = 60;
/// Runs timed to completion, per store.
const RUNS: usize = 40;

/// A fresh database on the server `url` names.
async fn fresh_database(url: &str) -> anyhow::Result<String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    let mut url = url::Url::parse(url)?;
    url.set_path(&name);
    Ok(url.to_string())
}

/// A stdio server on `catalog`, initialized, its tools listed.
async fn instance(
    bins: &Binaries,
    fake: &FakeAnchor,
    catalog: &str,
) -> anyhow::Result<StdioServer> {
    let server = StdioServer::spawn(
        &bins.server,
        &["--catalog", catalog],
        &[
            ("ANCHOR_API_KEY", ANCHOR_KEY.to_string()),
            ("ANCHORBROWSER_BASE_URL", fake.url().to_string()),
            ("BROWSER_TASKS_POLL_INITIAL_MS", "50".to_string()),
            ("BROWSER_TASKS_POLL_MAX_MS", "200".to_string()),
            // Changes between instances come by the database's push, not polling.
            ("BROWSER_TASKS_CATALOG_WATCH_MS", "60000".to_string()),
        ],
    )?;
    server.initialize().await?;
    server.list_tools().await?;
    Ok(server)
}

async fn call(server: &StdioServer, tool: &str, arguments: Value) -> anyhow::Result<(f64, Value)> {
    let (sent, reply) = server
        .request("tools/call", json!({"name": tool, "arguments": arguments}))
        .await?;
    let result = reply.value["result"].clone();
    anyhow::ensure!(result["isError"] != json!(true), "{tool}: {result}");
    Ok((ms(reply.at - sent), result))
}

/// p50 and p99 of `samples`, sorted in place.
fn p50_p99(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (percentile(samples, 50.0), percentile(samples, 99.0))
}

pub async fn fleet(bins: &Binaries, table: &mut Table) -> anyhow::Result<()> {
    let Ok(postgres) = std::env::var("BROWSER_TASKS_TEST_POSTGRES") else {
        println!(
            "fleet: skipped (set BROWSER_TASKS_TEST_POSTGRES to a PostgreSQL URL; \
             .ci/postgres.sh starts one)"
        );
        return Ok(());
    };
    println!("fleet (PostgreSQL against SQLite; instances sharing one database):");
    let fake = Arc::new(FakeAnchor::start(ANCHOR_KEY).await?);
    let task = fake.seed_code_task("fleet-task", "export default async () => 1", 1);
    fake.set_default_run_script(RunScript {
        queued_checks: 0,
        running_checks: 0,
        min_duration: Duration::ZERO,
        outcome: RunOutcome::Success(Some(json!({"ok": true}))),
    });

    // 1. Per call: the same calls on a SQLite and a PostgreSQL catalog, interleaved.
    let dir = tempfile::tempdir()?;
    let sqlite_path = dir.path().join("catalog.sqlite3").display().to_string();
    let pg_url = fresh_database(&postgres).await?;
    let sqlite = instance(bins, &fake, &sqlite_path).await?;
    let pg = instance(bins, &fake, &pg_url).await?;
    let servers = [("SQLite", &sqlite), ("PostgreSQL", &pg)];
    let mut finished = Vec::new();
    for (_, server) in &servers {
        let (_, result) = call(server, "run_task", json!({"task_id": task})).await?;
        finished.push(
            result["structuredContent"]["execution_id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    let mut times: Vec<[Vec<f64>; 3]> = vec![Default::default(), Default::default()];
    for round in 0..CALLS {
        for (i, (_, server)) in servers.iter().enumerate() {
            times[i][0].push(call(server, "list_tasks", json!({})).await?.0);
            times[i][1].push(
                call(
                    server,
                    "get_execution",
                    json!({"execution_id": finished[i]}),
                )
                .await?
                .0,
            );
            if round < RUNS {
                times[i][2].push(
                    call(
                        server,
                        "run_task",
                        json!({"task_id": task, "wait_seconds": 30}),
                    )
                    .await?
                    .0,
                );
            }
        }
    }
    for (k, what) in ["list_tasks", "get_execution", "run_task to completion"]
        .iter()
        .enumerate()
    {
        let (lite50, lite99) = p50_p99(&mut times[0][k]);
        let (pg50, pg99) = p50_p99(&mut times[1][k]);
        let (add50, add99) = (pg50 - lite50, pg99 - lite99);
        table.add(
            &format!("fleet: {what}, PostgreSQL minus SQLite, p50 / p99"),
            "≤ 2 ms / ≤ 5 ms",
            format!(
                "{add50:+.2} / {add99:+.2} ms (SQLite {lite50:.2} / {lite99:.2}, PostgreSQL {pg50:.2} / {pg99:.2})"
            ),
            String::new(),
            Some(add50 <= 2.0 && add99 <= 5.0),
        );
    }
    sqlite.stop().await;
    pg.stop().await;

    // 2. Three instances on one database.
    let shared = fresh_database(&postgres).await?;
    let mut fleet = Vec::new();
    for _ in 0..3 {
        fleet.push(instance(bins, &fake, &shared).await?);
    }
    let run_for = Duration::from_secs(3);
    fake.set_default_run_script(RunScript {
        queued_checks: 0,
        running_checks: 0,
        min_duration: run_for,
        outcome: RunOutcome::Success(Some(json!({"ok": true}))),
    });
    // Status requests per run: one instance waiting, then three.
    let before = fake.count(STATUS);
    call(
        &fleet[0],
        "run_task",
        json!({"task_id": task, "wait_seconds": 30}),
    )
    .await?;
    let one = fake.count(STATUS) - before;
    let before = fake.count(STATUS);
    let runs_before = fake.run_ids();
    let starter = call(
        &fleet[0],
        "run_task",
        json!({"task_id": task, "wait_seconds": 30}),
    );
    let followers = async {
        let deadline = Instant::now() + Duration::from_secs(10);
        let run = loop {
            if let Some(id) = fake
                .run_ids()
                .into_iter()
                .find(|id| !runs_before.contains(id))
            {
                break id;
            }
            anyhow::ensure!(Instant::now() < deadline, "the run did not start");
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        let b = call(
            &fleet[1],
            "get_execution",
            json!({"execution_id": run, "wait_seconds": 30}),
        );
        let c = call(
            &fleet[2],
            "get_execution",
            json!({"execution_id": run, "wait_seconds": 30}),
        );
        let (b, c) = tokio::join!(b, c);
        b?;
        c?;
        Ok(())
    };
    let (started, followed) = tokio::join!(starter, followers);
    started?;
    followed?;
    let three = fake.count(STATUS) - before;
    table.add(
        &format!(
            "fleet: status requests of a {}-s run, 1 / 3 instances waiting",
            run_for.as_secs()
        ),
        "3 waiters ≤ 1 waiter",
        format!("{one} / {three}"),
        format!("{:.2}", three as f64 / one.max(1) as f64),
        Some(three <= one + 1),
    );

    // A change on one instance, heard on another: the first instance's own client hears it as
    // the change is made; the others when the database's notification reaches them.
    fake.set_default_generation_script(GenerationScript {
        generating_checks: 0,
        ..GenerationScript::default()
    });
    let mut spreads = Vec::new();
    for i in 0..5 {
        let heard: Vec<usize> = fleet
            .iter()
            .map(|s| s.notifications.lock().unwrap().len())
            .collect();
        call(
            &fleet[0],
            "generate_task",
            json!({"name": format!("fleet change {i}"), "prompt": "Open example.com and return its title."}),
        )
        .await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        let when = |server: &StdioServer, from: usize| {
            server.notifications.lock().unwrap()[from..]
                .iter()
                .find(|(_, method)| method == "notifications/tools/list_changed")
                .map(|(at, _)| *at)
        };
        loop {
            if fleet
                .iter()
                .zip(&heard)
                .all(|(s, &from)| when(s, from).is_some())
            {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "list_changed did not reach every instance"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let origin = when(&fleet[0], heard[0]).unwrap_or_else(Instant::now);
        for (server, &from) in fleet.iter().zip(&heard).skip(1) {
            let at = when(server, from).unwrap_or(origin);
            spreads.push(ms(at.saturating_duration_since(origin)));
        }
    }
    let (p50, p99) = p50_p99(&mut spreads);
    table.add(
        "fleet: a change on one instance → list_changed on another, p50 / max",
        "≤ 1 s",
        format!("{p50:.0} / {p99:.0} ms"),
        String::new(),
        Some(p99 <= 1000.0),
    );

    // Taking over after kill -9: the first instance waits on a long run (and holds its lease),
    // the second follows it; the first is killed; how long until another checks the run.
    fake.set_default_run_script(RunScript {
        queued_checks: 0,
        running_checks: 0,
        min_duration: Duration::from_secs(20),
        outcome: RunOutcome::Success(Some(json!({"ok": true}))),
    });
    let mut fleet = fleet.into_iter();
    let doomed = Arc::new(fleet.next().expect("three instances"));
    let heir = Arc::new(fleet.next().expect("three instances"));
    let starts = fake.count(START);
    let runs_before = fake.run_ids();
    let doomed_call = {
        let doomed = doomed.clone();
        let task = task.clone();
        tokio::spawn(async move {
            let _ = call(
                &doomed,
                "run_task",
                json!({"task_id": task, "wait_seconds": 60}),
            )
            .await;
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let run = loop {
        if let Some(id) = fake
            .run_ids()
            .into_iter()
            .find(|id| !runs_before.contains(id))
        {
            break id;
        }
        anyhow::ensure!(Instant::now() < deadline, "the long run did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    // Let the first instance check the run a few times, and the second start following it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let follow = {
        let heir = heir.clone();
        tokio::spawn(async move {
            let _ = call(
                &heir,
                "get_execution",
                json!({"execution_id": run, "wait_seconds": 60}),
            )
            .await;
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let statuses = fake.count(STATUS);
    let killed = Instant::now();
    // kill -9: no goodbye, its lease is only let go when it lapses.
    std::process::Command::new("kill")
        .args(["-9", &doomed.pid.to_string()])
        .status()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while fake.count(STATUS) == statuses {
        anyhow::ensure!(Instant::now() < deadline, "no instance took the run over");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let recovery = killed.elapsed();
    table.add(
        "fleet: kill -9 of the waiting instance → another checks the run",
        "≤ 5 s",
        format!(
            "{:.2} s (runs started: {})",
            recovery.as_secs_f64(),
            fake.count(START) - starts
        ),
        String::new(),
        Some(recovery <= Duration::from_secs(5) && fake.count(START) - starts == 1),
    );
    follow.abort();
    doomed_call.abort();
    for server in fleet {
        server.stop().await;
    }
    Ok(())
}
