//! The fault matrix: each way a cloud can fail (an error status, `Retry-After`, a slow answer,
//! the connection reset before or after the cloud commits, an unreadable success body, a
//! status value the contract does not list) on a start and on a status read, for each kind of
//! run (an Anchor code task's run, a generated task's run, a Browser Use agent task, a skill
//! execution). Every case asserts how many side-effecting requests the cloud saw (a start is
//! sent exactly once, whatever happens), the answer (isError, its kind and HTTP status, the
//! text an agent reads: snapshots), and that the run's id is in the answer whenever the cloud
//! has the run (Anchor cannot list a generated task's runs: there the answer says so).

use std::collections::BTreeSet;
use std::time::Duration;

use browser_tasks_fakes::anchor::{FakeAnchor, Fault, GenerationScript};
use browser_tasks_fakes::browser_use::{FakeBrowserUse, SkillScript};
use browser_tasks_mcp::cloud::{ApiError, HttpSettings};
use browser_tasks_mcp::providers::anchor::AnchorClient;
use browser_tasks_mcp::providers::anchor::models::RunTask;
use rmcp::model::CallToolResult;
use serde_json::{Value, json};

use crate::harness::{Harness, KEY, Options, is_error, structured, summary};

/// How a fault is injected.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Case {
    Status(u16),
    /// Held longer than the write timeout (a start), or a little (a read).
    Slow,
    ResetBefore,
    ResetAfter,
    MalformedAfter,
    /// A status read answers a status value the contract does not list (reads only).
    UnknownStatus,
}

impl Case {
    fn label(self) -> String {
        match self {
            Case::Status(429) => "HTTP 429 + Retry-After".into(),
            Case::Status(status) => format!("HTTP {status}"),
            Case::Slow => "slow".into(),
            Case::ResetBefore => "reset before commit".into(),
            Case::ResetAfter => "reset after commit".into(),
            Case::MalformedAfter => "malformed 2xx body".into(),
            Case::UnknownStatus => "unknown status value".into(),
        }
    }
}

const STATUSES: [u16; 10] = [400, 401, 402, 403, 404, 422, 429, 500, 502, 503];

/// Every start case; `Slow` last, as its run lands in the cloud after the call has answered.
fn start_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = STATUSES.iter().map(|s| Case::Status(*s)).collect();
    cases.extend([
        Case::ResetBefore,
        Case::ResetAfter,
        Case::MalformedAfter,
        Case::Slow,
    ]);
    cases
}

fn read_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = STATUSES.iter().map(|s| Case::Status(*s)).collect();
    cases.extend([
        Case::Slow,
        Case::ResetBefore,
        Case::ResetAfter,
        Case::MalformedAfter,
        Case::UnknownStatus,
    ]);
    cases
}

/// The fake a run goes to.
#[derive(Clone, Copy)]
enum Cloud<'a> {
    Anchor(&'a FakeAnchor),
    BrowserUse(&'a FakeBrowserUse),
}

impl Cloud<'_> {
    fn inject(self, fault: Fault) {
        match self {
            Cloud::Anchor(fake) => fake.inject(fault),
            Cloud::BrowserUse(fake) => fake.inject(fault),
        }
    }

    fn count(self, route: &str) -> usize {
        match self {
            Cloud::Anchor(fake) => fake.count(route),
            Cloud::BrowserUse(fake) => fake.count(route),
        }
    }

    fn run_ids(self) -> BTreeSet<String> {
        match self {
            Cloud::Anchor(fake) => fake.run_ids(),
            Cloud::BrowserUse(fake) => fake.run_ids(),
        }
        .into_iter()
        .collect()
    }

    /// An error body in this API's own shape.
    fn error_body(self, status: u16) -> String {
        let message = match status {
            400 => "Invalid request",
            401 => "Invalid API Key",
            402 => "Insufficient credits",
            403 => "Project cost limit reached",
            404 => "Not found",
            422 => "Validation failed",
            429 => "Too many requests",
            500 => "Internal server error",
            _ => "",
        };
        match self {
            Cloud::Anchor(_) => {
                json!({"error": {"code": status, "message": message}}).to_string()
            }
            Cloud::BrowserUse(_) if status == 422 => {
                json!({"detail": [{"loc": ["body", "task"], "msg": message, "type": "value_error"}]})
                    .to_string()
            }
            Cloud::BrowserUse(_) => json!({"detail": message}).to_string(),
        }
    }
}

/// One kind of run, as the matrix drives it.
struct Subject<'a> {
    cloud: Cloud<'a>,
    /// The route that starts it, as the fake counts it.
    start_route: &'static str,
    /// The route its status is read on (`None`: it has no status reads).
    status_route: Option<&'static str>,
    /// JSON pointer of the status in a status reply.
    status_pointer: &'static str,
    /// `run_task`'s arguments (`{n}` in a string is replaced by the case number, so runs
    /// differ).
    arguments: Value,
    /// Whether a run whose start's answer was lost can be found in the cloud.
    findable: bool,
    /// Whether the start has the write timeout (a skill's synchronous run has its own).
    times_out: bool,
}

impl Subject<'_> {
    fn arguments(&self, n: usize) -> Value {
        let text = self.arguments.to_string().replace("{n}", &n.to_string());
        serde_json::from_str(&text).unwrap()
    }

    fn fault(&self, case: Case, route: &str, start: bool) -> Fault {
        match case {
            Case::Status(status) => {
                let fault = Fault::status(route, status, &self.cloud.error_body(status));
                match (status, start) {
                    (429, true) => fault.header("Retry-After", "7"),
                    (429, false) => fault.header("Retry-After", "1"),
                    _ => fault,
                }
            }
            Case::Slow if start => Fault::slow(route, Duration::from_secs(4)),
            Case::Slow => Fault::slow(route, Duration::from_millis(300)),
            Case::ResetBefore => Fault::reset_before(route),
            Case::ResetAfter => Fault::reset_after(route),
            Case::MalformedAfter => {
                let fault = Fault::malformed_after(route, "<html><body>Bad gateway</body></html>");
                // A read meets it twice in a row; a start, once (it is sent once).
                if start { fault } else { fault.times(2) }
            }
            Case::UnknownStatus => {
                Fault::patched(route, self.status_pointer, json!("paused")).times(2)
            }
        }
    }
}

/// What one case came to, for the snapshot.
fn line(case: Case, result: &CallToolResult) -> String {
    let data = structured(result);
    let kind = data["error"]["kind"].as_str().unwrap_or("run");
    let status = data["error"]["http_status"]
        .as_u64()
        .map(|s| format!(" HTTP {s}"))
        .or_else(|| data["status"].as_str().map(|s| format!(" status {s}")))
        .unwrap_or_default();
    format!(
        "## {} → isError={} {kind}{status}\n{}\n",
        case.label(),
        is_error(result),
        redact(&summary(result))
    )
}

/// The text with ids, clock times, timestamps and run durations replaced, so snapshots stay
/// stable.
fn redact(text: &str) -> String {
    let text = redact_ids(text);
    // "succeeded in 165 ms" → "succeeded in <duration>".
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let number = words
            .get(i + 1)
            .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()));
        let unit = words
            .get(i + 2)
            .is_some_and(|w| w.starts_with("ms") || w.starts_with('s'));
        if words[i] == "in" && number && unit {
            out.push("in");
            out.push("<duration>");
            let unit = words[i + 2];
            let rest = unit.trim_start_matches("ms").trim_start_matches('s');
            if !rest.is_empty() {
                out.push(rest);
            }
            i += 3;
        } else {
            out.push(words[i]);
            i += 1;
        }
    }
    out.join(" ")
        .replace("<duration> .", "<duration>.")
        .replace("<duration> ;", "<duration>;")
}

fn redact_ids(text: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..chars.len().min(i + 36)].iter().collect();
        if is_uuid(&rest) {
            out.push_str("<id>");
            i += 36;
        } else if let Some(len) = timestamp_at(&chars[i..]) {
            out.push_str("<time>");
            i += len;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36 && uuid::Uuid::parse_str(text).is_ok()
}

/// The length of an ISO timestamp (`2026-12-01T00:24:29.266Z`) or a clock time
/// (`00:24:29 UTC`) starting here.
fn timestamp_at(chars: &[char]) -> Option<usize> {
    let text: String = chars.iter().take(30).collect();
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if text.len() >= 12 && text.get(2..3) == Some(":") && text.get(8..12) == Some(" UTC") {
        return digits(&text[0..2]).then_some(12);
    }
    if text.len() >= 24
        && text.get(4..5) == Some("-")
        && text.get(10..11) == Some("T")
        && text.get(23..24) == Some("Z")
        && digits(&text[0..4])
    {
        return Some(24);
    }
    None
}

/// Every start case against `subject`; returns the snapshot text.
async fn start_matrix(h: &Harness, subject: &Subject<'_>) -> String {
    let mut report = String::new();
    for (n, case) in start_cases().into_iter().enumerate() {
        let route = subject.start_route;
        subject.cloud.inject(subject.fault(case, route, true));
        let sent = subject.cloud.count(route);
        let runs = subject.cloud.run_ids();
        let result = h.call("run_task", subject.arguments(n)).await;
        let text = format!("{}{}", summary(&result), structured(&result));
        let label = case.label();
        assert_eq!(
            subject.cloud.count(route) - sent,
            1,
            "{label}: the start was not sent exactly once"
        );
        let new: Vec<String> = subject.cloud.run_ids().difference(&runs).cloned().collect();
        let committed = matches!(case, Case::ResetAfter | Case::MalformedAfter)
            || (case == Case::Slow && !subject.times_out);
        if committed {
            assert_eq!(new.len(), 1, "{label}: the cloud should hold the run");
        } else {
            assert!(
                new.is_empty(),
                "{label}: the cloud should hold no run: {new:?}"
            );
        }
        match case {
            Case::Status(status) => {
                assert!(is_error(&result), "{label}: {text}");
                let error = &structured(&result)["error"];
                assert_eq!(error["kind"], "api_error", "{label}");
                assert_eq!(error["http_status"], status, "{label}");
                assert!(!text.contains("nothing was sent"), "{label}: {text}");
            }
            _ if committed && subject.findable => {
                assert!(!is_error(&result), "{label}: {text}");
                assert!(
                    text.contains(&new[0]),
                    "{label}: the run id is lost: {text}"
                );
            }
            _ => {
                assert!(is_error(&result), "{label}: {text}");
                assert_eq!(structured(&result)["error"]["kind"], "outcome_unknown");
                assert!(text.contains("may have started"), "{label}: {text}");
                assert!(!text.contains("nothing was sent"), "{label}: {text}");
            }
        }
        report.push_str(&line(case, &result));
        if case == Case::Slow && subject.times_out {
            // The cloud commits the slow start after the call has answered: let it land
            // before anything else counts runs.
            let cloud = subject.cloud;
            let expected = runs.len() + 1;
            crate::harness::wait_until(|| cloud.run_ids().len() >= expected, "the slow start")
                .await;
        }
    }
    report
}

/// Every status-read case against `subject`: each run starts cleanly, then its status reads
/// fail; returns the snapshot text.
async fn read_matrix(h: &Harness, subject: &Subject<'_>) -> String {
    let Some(route) = subject.status_route else {
        return String::new();
    };
    let mut report = String::new();
    for (n, case) in read_cases().into_iter().enumerate() {
        subject.cloud.inject(subject.fault(case, route, false));
        let sent = subject.cloud.count(subject.start_route);
        let runs = subject.cloud.run_ids();
        let progress = h.progress().len();
        let result = h.call("run_task", subject.arguments(100 + n)).await;
        let text = format!("{}{}", summary(&result), structured(&result));
        let label = case.label();
        assert_eq!(
            subject.cloud.count(subject.start_route) - sent,
            1,
            "{label}: the start was not sent exactly once"
        );
        let new: Vec<String> = subject.cloud.run_ids().difference(&runs).cloned().collect();
        assert_eq!(new.len(), 1, "{label}");
        assert!(
            text.contains(&new[0]),
            "{label}: the run id is lost: {text}"
        );
        match case {
            Case::Status(400 | 401 | 402 | 403 | 404 | 422) => {
                assert!(is_error(&result), "{label}: {text}");
                assert!(text.contains("do not start it again"), "{label}: {text}");
            }
            _ => {
                // Transient (or a status not known yet): the wait goes on to the end.
                assert!(!is_error(&result), "{label}: {text}");
                assert!(structured(&result)["finished"] == true, "{label}: {text}");
            }
        }
        let notes: Vec<String> = h.progress()[progress..]
            .iter()
            .filter_map(|p| p.message.clone())
            .collect();
        match case {
            Case::MalformedAfter | Case::Status(500) => assert!(
                notes.iter().any(|m| m.contains("status check failed")),
                "{label}: {notes:#?}"
            ),
            Case::UnknownStatus => assert!(
                notes.iter().any(|m| m.contains(": paused")),
                "{label}: {notes:#?}"
            ),
            _ => {}
        }
        report.push_str(&line(case, &result));
    }
    report
}

/// A server whose writes time out after a second (the slow start outlasts it).
fn options() -> Options {
    Options::default().env("BROWSER_TASKS_WRITE_TIMEOUT_SECONDS", "1")
}

#[tokio::test]
async fn anchor_code_task_runs() {
    let h = Harness::with(options()).await;
    let task_id = h.fake.seed_code_task("fault-matrix", "export default 1", 1);
    let subject = Subject {
        cloud: Cloud::Anchor(&h.fake),
        start_route: "POST /v1/task/run",
        status_route: Some("GET /v1/task/{taskId}/executions/{executionId}"),
        status_pointer: "/data/status",
        arguments: json!({"task_id": task_id, "inputs": {"case": "{n}"}}),
        findable: true,
        times_out: true,
    };
    insta::assert_snapshot!("anchor_code_starts", start_matrix(&h, &subject).await);
    insta::assert_snapshot!("anchor_code_reads", read_matrix(&h, &subject).await);
}

#[tokio::test]
async fn anchor_generated_task_runs() {
    let h = Harness::with(options()).await;
    h.fake.set_default_generation_script(GenerationScript {
        generating_checks: 0,
        ..GenerationScript::default()
    });
    let generated = h
        .call(
            "generate_task",
            json!({"name": "fault-matrix", "prompt": "Open example.com and return its title."}),
        )
        .await;
    assert!(!is_error(&generated), "{}", summary(&generated));
    let task_id = structured(&generated)["task_id"]
        .as_str()
        .unwrap()
        .to_string();
    let subject = Subject {
        cloud: Cloud::Anchor(&h.fake),
        start_route: "POST /v2/tasks/{taskId}/run",
        status_route: Some("GET /v2/tasks/runs/{runId}/status"),
        status_pointer: "/status",
        arguments: json!({"task_id": task_id, "kind": "generated"}),
        // Anchor offers no list of a generated task's runs.
        findable: false,
        times_out: true,
    };
    let starts = start_matrix(&h, &subject).await;
    assert!(starts.contains("dashboard"), "{starts}");
    insta::assert_snapshot!("anchor_generated_starts", starts);
    insta::assert_snapshot!("anchor_generated_reads", read_matrix(&h, &subject).await);
}

#[tokio::test]
async fn browser_use_agent_tasks() {
    let h = Harness::with_browser_use(options().without_key()).await;
    let subject = Subject {
        cloud: Cloud::BrowserUse(h.bu()),
        start_route: "POST /tasks",
        status_route: Some("GET /tasks/{task_id}/status"),
        status_pointer: "/status",
        arguments: json!({"task": "Find the price of item {n} on example.com"}),
        findable: true,
        times_out: true,
    };
    insta::assert_snapshot!("browser_use_agent_starts", start_matrix(&h, &subject).await);
    insta::assert_snapshot!("browser_use_agent_reads", read_matrix(&h, &subject).await);
}

#[tokio::test]
async fn browser_use_skill_runs() {
    let bu = std::sync::Arc::new(FakeBrowserUse::start(crate::harness::BU_KEY).await.unwrap());
    let skill_id = bu.seed_skill("Fault matrix search", SkillScript::default());
    let h = Harness::with(options().without_key().browser_use(bu.clone())).await;
    let subject = Subject {
        cloud: Cloud::BrowserUse(&bu),
        start_route: "POST /skills/{skill_id}/execute",
        status_route: None,
        status_pointer: "",
        arguments: json!({"task_id": skill_id, "inputs": {"query": "item {n}"}}),
        findable: true,
        // A skill runs synchronously, with a timeout of its own: slow is only slow.
        times_out: false,
    };
    insta::assert_snapshot!("browser_use_skill_starts", start_matrix(&h, &subject).await);
}

/// An ambiguous start whose run the cloud holds answers with the run's id, on either cloud;
/// one the cloud has no trace of says plainly that it may have started, and how to check.
#[tokio::test]
async fn an_ambiguous_start_is_reconciled_or_said_to_be_unknown() {
    let h = Harness::with_browser_use(Options::default()).await;
    let task_id = h.fake.seed_code_task("ambiguous", "export default 1", 1);

    h.fake.inject(Fault::reset_after("POST /v1/task/run"));
    let found = h.call("run_task", json!({"task_id": task_id})).await;
    assert!(!is_error(&found), "{}", summary(&found));
    let execution_id = structured(&found)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(h.fake.run_ids(), vec![execution_id.clone()]);
    assert_eq!(structured(&found)["status"], "success");
    // Recorded like any run: get_execution finds it by its id alone.
    let again = h
        .call("get_execution", json!({"execution_id": execution_id}))
        .await;
    assert!(!is_error(&again), "{}", summary(&again));

    h.bu().inject(Fault::reset_after("POST /tasks"));
    let found = h
        .call(
            "run_task",
            json!({"task": "Read the headline of example.com"}),
        )
        .await;
    assert!(!is_error(&found), "{}", summary(&found));
    let agent_task = structured(&found)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(h.bu().run_ids(), vec![agent_task.clone()]);
    // Found by the tag the start carried.
    let metadata = h.bu().task_metadata(&agent_task).unwrap();
    assert!(metadata["browser_tasks_start_id"].is_string(), "{metadata}");

    h.fake.inject(Fault::reset_before("POST /v1/task/run"));
    let unknown = h.call("run_task", json!({"task_id": task_id})).await;
    assert!(is_error(&unknown));
    insta::assert_snapshot!("ambiguous_start_not_found", redact(&summary(&unknown)));
    assert_eq!(h.fake.count("POST /v1/task/run"), 2);
}

/// A caller's own metadata is kept, and the tag joins it only where the API has room.
#[tokio::test]
async fn the_start_tag_joins_the_callers_metadata_only_where_there_is_room() {
    let h = Harness::browser_use_only().await;
    let own = json!({"project": "alpha"});
    let result = h
        .call(
            "run_task",
            json!({"task": "Open example.com", "metadata": own}),
        )
        .await;
    let id = structured(&result)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    let metadata = h.bu().task_metadata(&id).unwrap();
    assert_eq!(metadata["project"], "alpha");
    assert!(metadata["browser_tasks_start_id"].is_string());

    let full: serde_json::Map<String, Value> =
        (0..10).map(|i| (format!("k{i}"), json!("v"))).collect();
    h.bu().inject(Fault::reset_after("POST /tasks"));
    let result = h
        .call(
            "run_task",
            json!({"task": "Open example.org", "metadata": full}),
        )
        .await;
    // No room for the tag: found by its text instead.
    assert!(!is_error(&result), "{}", summary(&result));
    let id = structured(&result)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    let metadata = h.bu().task_metadata(&id).unwrap();
    assert_eq!(metadata.as_object().unwrap().len(), 10, "{metadata}");
}

/// A status the contract does not list is passed through while the run goes on; the wait
/// ends at its budget with the ids, not with an error.
#[tokio::test]
async fn an_unknown_status_keeps_the_wait_going_to_its_budget() {
    let h = Harness::start().await;
    let task_id = h
        .fake
        .seed_code_task("paused-forever", "export default 1", 1);
    h.fake.inject(
        Fault::patched(
            "GET /v1/task/{taskId}/executions/{executionId}",
            "/data/status",
            json!("paused"),
        )
        .times(1000),
    );
    let result = h
        .call("run_task", json!({"task_id": task_id, "wait_seconds": 1}))
        .await;
    assert!(!is_error(&result), "{}", summary(&result));
    let report = structured(&result);
    assert_eq!(report["status"], "paused");
    assert_eq!(report["finished"], false);
    assert!(
        report["next_step"]
            .as_str()
            .unwrap()
            .contains("get_execution")
    );
    assert_eq!(
        h.fake.run_ids(),
        vec![report["execution_id"].as_str().unwrap().to_string()]
    );
}

/// How the HTTP core tells the faults apart: a reset or an unreadable reply after a write went
/// out leaves its outcome unknown (never "could not connect"); a read is retried through them.
#[tokio::test]
async fn the_http_core_tells_a_lost_answer_from_a_failed_connection() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let anchor = AnchorClient::new(HttpSettings::new(fake.url(), KEY.to_string().into())).unwrap();
    let task_id = fake.seed_code_task("core", "export default 1", 1);
    let body = RunTask {
        task_id: Some(task_id),
        run_async: Some(true),
        ..RunTask::default()
    };
    for fault in [
        Fault::reset_before("POST /v1/task/run"),
        Fault::reset_after("POST /v1/task/run"),
        Fault::malformed_after("POST /v1/task/run", "<html>"),
    ] {
        fake.inject(fault.clone());
        let error = anchor.run_task(&body).await.unwrap_err();
        assert!(
            matches!(error, ApiError::OutcomeUnknown { .. }),
            "{:?}: {error:?}",
            fault.action
        );
        assert!(!error.hint().contains("nothing was sent"), "{error}");
    }
    assert_eq!(fake.count("POST /v1/task/run"), 3);

    fake.inject(Fault::reset_before("GET /v1/task"));
    fake.inject(Fault::reset_after("GET /v1/task"));
    let before = fake.count("GET /v1/task");
    anchor.list_tasks(1, 10).await.unwrap();
    assert_eq!(fake.count("GET /v1/task") - before, 3, "retried twice");

    // Nothing listening: that, and only that, is a failure to connect.
    let gone = AnchorClient::new(HttpSettings::new(
        "http://127.0.0.1:9",
        KEY.to_string().into(),
    ))
    .unwrap();
    let error = gone.run_task(&body).await.unwrap_err();
    assert!(matches!(error, ApiError::Connect { .. }), "{error:?}");
    assert!(error.hint().contains("never reached"), "{}", error.hint());
}

/// Other writes whose answer is lost (create, deploy, generate, cancel) never claim nothing
/// was sent: they say it may have been applied, and where to look. None is sent twice.
#[tokio::test]
async fn other_writes_whose_answer_is_lost_say_how_to_check() {
    let h = Harness::with_browser_use(Options::default()).await;
    let bu = h.bu();
    let task_id = h.fake.seed_code_task("lost-answers", "export default 1", 1);
    let cases: Vec<(Cloud<'_>, &str, &str, Value, &str)> = vec![
        (
            Cloud::Anchor(&h.fake),
            "POST /v1/task",
            "create_task",
            json!({"name": "lost-create", "code": "export default 1"}),
            "may have been created or updated anyway: list_tasks",
        ),
        (
            Cloud::Anchor(&h.fake),
            "POST /v1/task/{taskId}/deploy",
            "deploy_task",
            json!({"task_id": task_id, "code": "export default 2"}),
            "may have been published anyway: get_task",
        ),
        (
            Cloud::Anchor(&h.fake),
            "POST /v2/tasks/generate",
            "generate_task",
            json!({"provider": "anchor", "name": "lost-generation", "prompt": "Open example.com and return its title."}),
            "Anchor cannot list generated tasks",
        ),
        (
            Cloud::BrowserUse(bu),
            "POST /skills",
            "generate_task",
            json!({"provider": "browser_use", "name": "Lost skill", "goal": "Read a headline", "prompt": "Open example.com and read the headline."}),
            "may have started anyway: list_tasks",
        ),
    ];
    for (cloud, route, tool, arguments, expected) in cases {
        cloud.inject(Fault::reset_after(route));
        let sent = cloud.count(route);
        let result = h.call(tool, arguments).await;
        let text = summary(&result);
        assert!(is_error(&result), "{tool}: {text}");
        assert_eq!(
            structured(&result)["error"]["kind"],
            "outcome_unknown",
            "{tool}"
        );
        assert!(text.contains("outcome unknown"), "{tool}: {text}");
        assert!(text.contains(expected), "{tool}: {text}");
        assert!(!text.contains("nothing was sent"), "{tool}: {text}");
        assert_eq!(
            cloud.count(route) - sent,
            1,
            "{tool} was sent more than once"
        );
    }

    // Stopping a Browser Use task.
    let started = h
        .call(
            "run_task",
            json!({"task": "Watch a page for a while", "wait_seconds": 0}),
        )
        .await;
    let execution_id = structured(&started)["execution_id"]
        .as_str()
        .unwrap()
        .to_string();
    bu.inject(Fault::reset_after("PATCH /tasks/{task_id}"));
    let result = h
        .call("cancel_execution", json!({"execution_id": execution_id}))
        .await;
    let text = summary(&result);
    assert!(is_error(&result), "{text}");
    assert!(
        text.contains("stop may have been applied anyway: get_execution"),
        "{text}"
    );
    assert_eq!(bu.count("PATCH /tasks/{task_id}"), 1);
}

/// Browser Use answers 403 to enabling a skill over the plan's limit: the hint says so, and
/// does not send the agent to check its key.
#[tokio::test]
async fn enabling_a_skill_over_the_plans_limit_says_so() {
    let bu = std::sync::Arc::new(FakeBrowserUse::start(crate::harness::BU_KEY).await.unwrap());
    let skill_id = bu.seed_skill(
        "Disabled search",
        SkillScript {
            enabled_when_finished: false,
            ..SkillScript::default()
        },
    );
    let h = Harness::with(Options::default().without_key().browser_use(bu.clone())).await;
    bu.inject(Fault::status(
        "PATCH /skills/{skill_id}",
        403,
        r#"{"detail":"Enabled skills limit exceeded for your plan"}"#,
    ));
    let result = h.call("deploy_task", json!({"task_id": skill_id})).await;
    let text = summary(&result);
    assert!(is_error(&result), "{text}");
    assert_eq!(structured(&result)["error"]["http_status"], 403);
    assert!(text.contains("limit of enabled skills"), "{text}");
    assert!(!text.contains("BROWSER_USE_API_KEY"), "{text}");
    insta::assert_snapshot!("skill_enable_over_the_limit", redact(&text));
}

/// When several runs of the task started since the lost start was sent (someone else ran it
/// too), none is taken for it: the answer names them and says it may have started.
#[tokio::test]
async fn a_lost_start_among_others_is_not_guessed() {
    let h = Harness::start().await;
    let task_id = h.fake.seed_code_task("busy", "export default 1", 1);
    // A run this server did not start (another client's), just before.
    let other = AnchorClient::new(HttpSettings::new(h.fake.url(), KEY.to_string().into()))
        .unwrap()
        .run_task(&RunTask {
            task_id: Some(task_id.clone()),
            run_async: Some(true),
            ..RunTask::default()
        })
        .await
        .unwrap()
        .execution_result_id
        .unwrap();
    h.fake.inject(Fault::reset_after("POST /v1/task/run"));
    let result = h.call("run_task", json!({"task_id": task_id})).await;
    let text = summary(&result);
    assert!(is_error(&result), "{text}");
    assert!(text.contains("may have started"), "{text}");
    assert!(text.contains("2 runs started since"), "{text}");
    assert!(text.contains(&other), "{text}");
    assert_eq!(h.fake.count("POST /v1/task/run"), 2);
}
