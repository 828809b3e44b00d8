//! The prompts and completions as the official SDK clients see them: `tests/sdk/` holds a
//! Python client (`mcp`, pinned in requirements.txt) and a TypeScript one
//! (`@modelcontextprotocol/sdk`, pinned in package.json + package-lock.json). Each starts the
//! real binary over stdio against the fakes, on a catalog holding a failed run, and checks
//! prompts/list, prompts/get (a bad call too) and completion/complete; the Python one twice,
//! over the initialize handshake and over 2026-07-28 (server/discover).
//!
//! The Python SDK is also an OAuth client here (`oauth_client.py`): its client-credentials
//! provider against the server in OAuth mode and the fake authorization server, from the first
//! 401 to a token, and through a 403 step-up to a token with more scope.
//!
//! Where the interpreter or the pinned SDK is missing the test says so and passes, except
//! under CI (`CI` set), where it fails: `.ci/run` installs both (a venv in target/sdk-venv,
//! `npm ci` in tests/sdk).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use browser_tasks_fakes::anchor::{FakeAnchor, RunOutcome, RunScript};
use browser_tasks_fakes::browser_use::FakeBrowserUse;
use serde_json::{Value, json};
use tokio::process::Command;

use crate::harness::{BIN, BU_KEY, Harness, KEY, Options, SpecGuard, structured};
use crate::http::HttpServer;

fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk")
}

/// What the scripts run against: fakes, a catalog with a failed run, and what they expect.
struct Prepared {
    server_env: Value,
    expect: Value,
    _catalog_dir: tempfile::TempDir,
    _fakes: (Arc<FakeAnchor>, Arc<FakeBrowserUse>),
    _spec: SpecGuard,
}

async fn prepare() -> Prepared {
    let anchor = Arc::new(FakeAnchor::start(KEY).await.unwrap());
    let browser_use = Arc::new(FakeBrowserUse::start(BU_KEY).await.unwrap());
    let task_id = anchor.seed_code_task("price-check", "x", 1);
    anchor.set_run_script(
        &task_id,
        RunScript::ending(RunOutcome::Failure("Element .price not found".into())),
    );
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.sqlite3");
    // A server on that catalog learns the task and records its failed run, then stops.
    let h = Harness::on(
        anchor.clone(),
        Options::default()
            .browser_use(browser_use.clone())
            .catalog(&catalog),
    )
    .await;
    h.call("list_tasks", json!({})).await;
    let failed = h.call("run_task", json!({"task_id": task_id})).await;
    let execution_id = structured(&failed)["execution_id"].clone();
    h.stop().await;
    Prepared {
        server_env: json!({
            "ANCHOR_API_KEY": KEY,
            "ANCHORBROWSER_BASE_URL": anchor.url(),
            "BROWSER_USE_API_KEY": BU_KEY,
            "BROWSER_USE_BASE_URL": browser_use.url(),
            "BROWSER_TASKS_CATALOG": catalog.display().to_string(),
        }),
        expect: json!({
            "execution_id": execution_id,
            "task_id": task_id,
            "task_prefix": "PRI",
            "task_name": "price-check",
            "providers": ["anchor", "browser_use"],
        }),
        _spec: SpecGuard::over(&anchor, Some(&browser_use)),
        _catalog_dir: dir,
        _fakes: (anchor, browser_use),
    }
}

/// Run a client script against a prepared server; its output on success, which must say that
/// all 8 checks passed on each of its `connections`.
async fn run_client(
    program: &Path,
    script: &Path,
    prepared: &Prepared,
    connections: usize,
) -> String {
    let child = Command::new(program)
        .arg(script)
        .current_dir(sdk_dir())
        .env("SDK_SERVER_COMMAND", BIN)
        .env("SDK_SERVER_ENV", prepared.server_env.to_string())
        .env("SDK_EXPECT", prepared.expect.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", program.display()));
    let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{} did not finish in 120 s", script.display()))
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} failed ({}):\n{stdout}\n{stderr}",
        script.display(),
        output.status
    );
    assert_eq!(
        stdout.matches("8 checks passed").count(),
        connections,
        "{}: {stdout}\n{stderr}",
        script.display()
    );
    // Shown with `--nocapture`: which SDK version was proven.
    eprintln!("{}", stdout.trim());
    stdout
}

/// A test's SDK is not there: fine on a developer's machine, a failure under CI.
fn unavailable(what: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what}: CI must run the SDK clients; .ci/run installs them (a venv in target/sdk-venv, \
         npm ci in tests/sdk)"
    );
    eprintln!("skipped: {what} (.ci/run installs it)");
}

/// The exact version `file` pins for `package` (`package==1.2.3` or `"package": "1.2.3"`).
fn pinned(file: &str, package: &str) -> String {
    let text = std::fs::read_to_string(sdk_dir().join(file)).unwrap();
    let python = format!("{package}==");
    let node = format!("\"{package}\": \"");
    text.lines()
        .find_map(|line| {
            let line = line.trim();
            line.strip_prefix(&python)
                .map(str::to_string)
                .or_else(|| Some(line.strip_prefix(&node)?.split('"').next()?.to_string()))
        })
        .unwrap_or_else(|| panic!("{file} pins no {package}"))
}

/// A Python with the pinned `mcp`: the venv .ci/run makes, else `python3` on PATH.
async fn python() -> Result<PathBuf, String> {
    let wanted = pinned("requirements.txt", "mcp");
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sdk-venv/bin/python");
    let mut found = Vec::new();
    for candidate in [venv, PathBuf::from("python3")] {
        let output = Command::new(&candidate)
            .args([
                "-c",
                "import importlib.metadata as m; print(m.version('mcp'))",
            ])
            .output()
            .await;
        match output {
            Ok(output) if output.status.success() => {
                let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
                if version == wanted {
                    return Ok(candidate);
                }
                found.push(format!("{} has mcp {version}", candidate.display()));
            }
            _ => found.push(format!("{}: no mcp", candidate.display())),
        }
    }
    Err(format!(
        "no Python with mcp=={wanted} ({})",
        found.join("; ")
    ))
}

#[tokio::test]
async fn the_python_sdk_client_sees_prompts_and_completions() {
    let python = match python().await {
        Ok(python) => python,
        Err(why) => return unavailable(&why),
    };
    let prepared = prepare().await;
    // Two connections: the initialize handshake, and the SDK's Client, which probes
    // server/discover and speaks 2026-07-28 with this server.
    let stdout = run_client(&python, &sdk_dir().join("prompts_client.py"), &prepared, 2).await;
    let wanted = pinned("requirements.txt", "mcp");
    assert!(
        stdout.contains(&format!("python mcp {wanted} ")),
        "{stdout}"
    );
    assert!(stdout.contains("(protocol 2026-07-28)"), "{stdout}");
}

#[tokio::test]
async fn the_typescript_sdk_client_sees_prompts_and_completions() {
    let wanted = pinned("package.json", "@modelcontextprotocol/sdk");
    let installed = sdk_dir().join("node_modules/@modelcontextprotocol/sdk/package.json");
    let version = std::fs::read_to_string(&installed)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|package| package["version"].as_str().map(str::to_string));
    if version.as_deref() != Some(wanted.as_str()) {
        return unavailable(&format!(
            "@modelcontextprotocol/sdk {wanted} is not installed in tests/sdk (found {version:?})"
        ));
    }
    let node_works = Command::new("node")
        .arg("--version")
        .output()
        .await
        .is_ok_and(|output| output.status.success());
    if !node_works {
        return unavailable("node is not on PATH");
    }
    let prepared = prepare().await;
    let stdout = run_client(
        Path::new("node"),
        &sdk_dir().join("prompts_client.mjs"),
        &prepared,
        1,
    )
    .await;
    assert!(
        stdout.contains(&format!("@modelcontextprotocol/sdk {wanted} ")),
        "{stdout}"
    );
}

#[tokio::test]
async fn the_python_sdk_gets_a_token_and_steps_up_as_an_oauth_client() {
    use browser_tasks_fakes::auth::FakeAuthServer;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let python = match python().await {
        Ok(python) => python,
        Err(why) => return unavailable(&why),
    };
    let auth = FakeAuthServer::start().await.unwrap();
    // At first the client may only read; an administrator grants it the run scope halfway.
    auth.register_client(
        "team-bot",
        "bot-secret",
        "team-bot",
        &["browser-tasks:read"],
    );
    let server = HttpServer::start(&["--auth-issuer", auth.issuer()], &[]).await;
    let task_id = server.fake.seed_code_task("price-check", "x", 1);
    server
        .fake
        .set_run_script(&task_id, RunScript::succeeding_with(json!({"price": 3})));
    let expect = json!({
        "task_id": task_id,
        "read_tools": ["get_execution", "list_executions", "list_tasks", "get_task"],
        // With the run scope, the task just run is a tool of its own too.
        "run_tools": ["run_task", "get_execution", "cancel_execution",
            "respond_to_intervention", "list_executions", "list_tasks", "get_task",
            "price_check"],
    });
    let mut child = Command::new(&python)
        .arg(sdk_dir().join("oauth_client.py"))
        .current_dir(sdk_dir())
        .env("SDK_SERVER_URL", format!("{}/mcp", server.base))
        .env("SDK_AUTH_ISSUER", auth.issuer())
        .env("SDK_CLIENT_ID", "team-bot")
        .env("SDK_CLIENT_SECRET", "bot-secret")
        .env("SDK_EXPECT", expect.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let ready = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            seen.push(line.clone());
            if line == "STEP_UP_READY" {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    if !ready {
        let output = child.wait_with_output().await.unwrap();
        panic!(
            "the client never got to the step-up: {seen:?}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(auth.count("POST /token"), 1, "one token so far");
    auth.allow_scopes("team-bot", &["browser-tasks:read", "browser-tasks:run"]);
    stdin.write_all(b"granted\n").await.unwrap();
    drop(stdin);
    while let Some(line) = lines.next_line().await.unwrap() {
        seen.push(line);
    }
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the client finished in 60 s")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{seen:?}\n{stderr}");
    let last = seen.last().cloned().unwrap_or_default();
    let wanted = pinned("requirements.txt", "mcp");
    assert!(
        last.starts_with(&format!("python mcp {wanted} "))
            && last.ends_with("4 oauth checks passed"),
        "{seen:?}\n{stderr}"
    );
    eprintln!("{last}");
    // One token at first, one when stepping up: the 403 named the scope to ask for.
    assert_eq!(auth.count("POST /token"), 2);
    assert!(auth.count("GET /.well-known/oauth-authorization-server") >= 1);
    let stderr = server.stderr();
    assert!(
        stderr.contains("refused a call beyond the token's scopes (403)"),
        "{stderr}"
    );
}
