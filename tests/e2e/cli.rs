//! The command line's subcommands, run as the real binary against the fakes: `tools` prints
//! what tools/list answers, `call` runs a tool (exit codes 0/1/2, Ctrl-C stopping a Browser Use
//! task in the cloud), `runs` lists and follows runs, `doctor` checks keys, catalog and client
//! configs, `install` edits a client's config without disturbing anything else in it; then the
//! edges a careful user trips on (symlinked configs, stale statuses, a busy port, flags after
//! the subcommand, keys in project files, noise).

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use browser_tasks_fakes::anchor::FakeAnchor;
use browser_tasks_fakes::browser_use::{AgentScript, FakeBrowserUse};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::harness::{BIN, BU_KEY, Harness, KEY, Options, wait_until};

/// The binary's environment for one test: the fakes' URLs and keys, a catalog and a home
/// directory of its own, fast polling; nothing of this process's environment but PATH.
struct Cli {
    env: Vec<(String, String)>,
    dir: tempfile::TempDir,
}

impl Cli {
    fn new(anchor: Option<&FakeAnchor>, browser_use: Option<&FakeBrowserUse>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut env = vec![
            (
                "HOME".to_string(),
                dir.path().join("home").display().to_string(),
            ),
            (
                "BROWSER_TASKS_CATALOG".to_string(),
                dir.path().join("catalog.sqlite3").display().to_string(),
            ),
            ("BROWSER_TASKS_POLL_INITIAL_MS".into(), "20".into()),
            ("BROWSER_TASKS_POLL_MAX_MS".into(), "60".into()),
            ("BROWSER_TASKS_PROGRESS_INTERVAL_MS".into(), "200".into()),
            // As the harness's servers wait (tool descriptions say how long).
            ("BROWSER_TASKS_WAIT_SECONDS".into(), "20".into()),
        ];
        if let Some(fake) = anchor {
            env.push(("ANCHOR_API_KEY".into(), KEY.into()));
            env.push(("ANCHORBROWSER_BASE_URL".into(), fake.url().to_string()));
        }
        if let Some(fake) = browser_use {
            env.push(("BROWSER_USE_API_KEY".into(), BU_KEY.into()));
            env.push(("BROWSER_USE_BASE_URL".into(), fake.url().to_string()));
        }
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Self { env, dir }
    }

    fn set(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        for (k, v) in &self.env {
            command.env(k, v);
        }
        command
    }

    async fn run(&self, args: &[&str]) -> Run {
        let output = tokio::time::timeout(Duration::from_secs(60), self.command(args).output())
            .await
            .expect("the command ends")
            .unwrap();
        Run(output)
    }
}

/// A finished command.
struct Run(Output);

impl Run {
    fn code(&self) -> i32 {
        self.0.status.code().expect("exited, not killed")
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout()))
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.0.status.code(),
            self.stdout(),
            self.stderr()
        )
    }
}

#[tokio::test]
async fn tools_prints_what_tools_list_answers() {
    let bu = Arc::new(FakeBrowserUse::start(BU_KEY).await.unwrap());
    let h = Harness::with_browser_use(Options::default().browser_use(bu.clone())).await;
    h.fake.seed_code_task(
        "echo",
        "export default async () => process.env.ANCHOR_WHO",
        1,
    );
    // The harness's own server lists the seeded task too, to compare with.
    h.call("list_tasks", json!({})).await;
    let listed = serde_json::to_value(h.wait_for_tool("echo").await).unwrap();
    let expected = serde_json::to_value(h.list_tools().await).unwrap();
    assert!(expected.as_array().unwrap().contains(&listed));

    let cli = Cli::new(Some(&h.fake), Some(&bu));
    let run = cli.run(&["tools", "--json"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    // The same tools/list, task tools included: the first listing of the clouds was awaited.
    assert_eq!(run.json()["tools"], expected, "{run:?}");
    assert!(run.stderr().is_empty(), "{run:?}");

    let run = cli.run(&["tools"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    let text = run.stdout();
    let total: usize = expected
        .as_array()
        .unwrap()
        .iter()
        .map(|t| serde_json::to_string(t).unwrap().len())
        .sum();
    let count = expected.as_array().unwrap().len();
    assert!(
        text.starts_with(&format!(
            "{count} tools ({} static, 1 task tool): ",
            count - 1
        )),
        "{text}"
    );
    let shown_total = format!("{total}")
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(",");
    assert!(
        text.contains(&format!(": {shown_total} bytes ≈ ")),
        "{text}"
    );
    assert!(text.contains("\necho: echo  [task tool; "), "{text}");
}

#[tokio::test]
async fn tools_summary_of_one_cloud_and_one_task() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    fake.seed_code_task(
        "echo",
        "export default async () => process.env.ANCHOR_WHO",
        1,
    );
    let cli = Cli::new(Some(&fake), None);
    let run = cli.run(&["tools"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    insta::assert_snapshot!("cli_tools", run.stdout());
}

#[tokio::test]
async fn call_runs_a_tool_and_exits_by_its_outcome() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let task_id = fake.seed_code_task(
        "echo",
        "export default async () => process.env.ANCHOR_WHO",
        1,
    );
    let cli = Cli::new(Some(&fake), None);

    let run = cli
        .run(&[
            "call",
            "run_task",
            "task_name=echo",
            "inputs={\"who\": \"me\"}",
        ])
        .await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(run.stdout().contains("succeeded"), "{run:?}");
    // Not a terminal: plain progress lines, no escape codes.
    assert!(run.stderr().contains("calling run_task\n"), "{run:?}");
    assert!(run.stderr().contains("… run "), "{run:?}");
    assert!(
        !run.stderr().contains('\u{1b}'),
        "escape codes on a pipe: {run:?}"
    );

    // A task's own tool, with --json: the structured result.
    let run = cli
        .run(&["call", "echo", "--args", "{\"who\": \"you\"}", "--json"])
        .await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(run.json()["task_id"], task_id, "{run:?}");

    // The tool answers with an error: exit 1, its text on stdout.
    let run = cli.run(&["call", "run_task", "task_id=no-such-task"]).await;
    assert_eq!(run.code(), 1, "{run:?}");
    assert!(!run.stdout().is_empty(), "{run:?}");

    // Bad usage: exit 2, and nothing asked of the cloud for bad arguments JSON.
    let before = fake.requests().len();
    let run = cli.run(&["call", "run_task", "--args", "{not json"]).await;
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(run.stderr().contains("--args is not valid JSON"), "{run:?}");
    assert_eq!(
        fake.requests().len(),
        before,
        "a request was sent for bad usage"
    );
    let run = cli.run(&["call", "run_tsk"]).await;
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(
        run.stderr().contains("unknown tool \"run_tsk\"") && run.stderr().contains("tools"),
        "{run:?}"
    );

    // The runs are in the catalog, newest first.
    let run = cli.run(&["runs"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    let stdout = run.stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("STARTED (UTC)"), "{run:?}");
    assert_eq!(
        lines.iter().filter(|l| l.contains(" echo ")).count(),
        2,
        "{run:?}"
    );
    let run = cli.run(&["runs", "--task", "nothing-like-it"]).await;
    assert!(
        run.stdout().starts_with("No runs of \"nothing-like-it\""),
        "{run:?}"
    );
}

#[tokio::test]
async fn ctrl_c_cancels_the_call_and_stops_the_browser_use_task() {
    let bu = FakeBrowserUse::start(BU_KEY).await.unwrap();
    bu.set_default_task_script(AgentScript::default().lasting(Duration::from_secs(600)));
    let cli = Cli::new(None, Some(&bu));
    let child = cli
        .command(&["call", "run_task", "task=Watch the page forever"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(
        || bu.count("GET /tasks/{task_id}/status") >= 2,
        "status polls",
    )
    .await;
    let pid = child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("exits after Ctrl-C")
        .unwrap();
    let run = Run(output);
    assert_eq!(run.code(), 130, "{run:?}");
    // The server stopped the task in the cloud, exactly as on a client's cancellation.
    assert_eq!(bu.count("PATCH /tasks/{task_id}"), 1, "{run:?}");
    assert!(run.stderr().contains("Cancelled (Ctrl-C)"), "{run:?}");
    assert!(run.stderr().contains("is stopped in the cloud"), "{run:?}");
    assert_eq!(bu.count("POST /tasks"), 1);
}

#[tokio::test]
async fn runs_follow_waits_for_a_run_to_end() {
    let bu = FakeBrowserUse::start(BU_KEY).await.unwrap();
    bu.set_default_task_script(AgentScript::default().lasting(Duration::from_millis(800)));
    let cli = Cli::new(None, Some(&bu));
    let started = cli
        .run(&[
            "call",
            "run_task",
            "task=Read the news",
            "wait_seconds=0",
            "--json",
        ])
        .await;
    assert_eq!(started.code(), 0, "{started:?}");
    assert_eq!(started.json()["finished"], false, "{started:?}");
    let id = started.json()["execution_id"].as_str().unwrap().to_string();
    let run = cli.run(&["runs", "--follow", &id]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(run.stdout().contains("succeeded"), "{run:?}");
    assert!(
        run.stderr().contains(&format!("following run {id}")),
        "{run:?}"
    );
    let run = cli.run(&["runs"]).await;
    assert!(
        run.stdout().contains(&id) && run.stdout().contains("finished"),
        "{run:?}"
    );
}

/// `text` with what changes from run to run (ports, temporary paths, timings) replaced.
fn stable(text: &str, cli: &Cli, urls: &[&str]) -> String {
    let mut text = text.replace(&cli.dir.path().display().to_string(), "[dir]");
    for url in urls {
        text = text.replace(url, "[fake]");
    }
    text = text.replace(BIN, "[bin]");
    let mut out = String::new();
    for line in text.lines() {
        let line = match line.find("(round trip ") {
            Some(at) => format!("{}(round trip [ms])", &line[..at]),
            None => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn doctor_passes_and_fails_on_a_wrong_key_with_the_fix() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let cli = Cli::new(Some(&fake), None);
    // Cursor runs this binary with the same key, on the same (fake) API.
    let cursor = cli.home().join(".cursor").join("mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    std::fs::write(
        &cursor,
        json!({"mcpServers": {"browser-tasks": {"command": BIN, "env": {
            "ANCHOR_API_KEY": KEY, "ANCHORBROWSER_BASE_URL": fake.url()}}}})
        .to_string(),
    )
    .unwrap();
    set_mode(&cursor, 0o600);
    let run = cli.run(&["doctor"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(!run.stdout().contains(KEY), "a key was printed: {run:?}");
    insta::assert_snapshot!(
        "cli_doctor_passing",
        stable(&run.stdout(), &cli, &[fake.url()])
    );

    // A wrong key in the environment: ✘ with the fix, exit 1; the entry's key still passes.
    let wrong = "sk-wrong-key-1234";
    let cli = cli.set("ANCHOR_API_KEY", wrong);
    let run = cli.run(&["doctor"]).await;
    assert_eq!(run.code(), 1, "{run:?}");
    assert!(!run.stdout().contains(wrong), "a key was printed: {run:?}");
    insta::assert_snapshot!(
        "cli_doctor_wrong_key",
        stable(&run.stdout(), &cli, &[fake.url()])
    );
}

fn set_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let _ = (path, mode);
}

#[tokio::test]
async fn install_keeps_the_other_servers_exactly_and_dry_run_writes_nothing() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let cli = Cli::new(Some(&fake), None);
    let config = cli
        .home()
        .join(".config")
        .join("Claude")
        .join("claude_desktop_config.json");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let before = "{\n  \"mcpServers\": {\n    \"filesystem\": {\n      \"command\": \"npx\",\n      \"args\": [\"-y\", \"@modelcontextprotocol/server-filesystem\", \"/home/me\"]\n    },\n    \"weather\": {\"command\": \"uvx\", \"args\": [\"weather-mcp\"], \"env\": {\"WEATHER_TOKEN\": \"wt-0000-1111-2222\"}}\n  },\n  \"globalShortcut\": \"Ctrl+Space\"\n}\n";
    std::fs::write(&config, before).unwrap();
    set_mode(&config, 0o644);

    let run = cli
        .run(&["install", "--client", "claude-desktop", "--dry-run"])
        .await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        before,
        "dry run wrote"
    );
    assert!(
        !config
            .with_file_name("claude_desktop_config.json.bak")
            .exists()
    );
    let shown = run.stdout();
    assert!(
        !shown.contains(KEY) && !shown.contains("wt-0000-1111-2222"),
        "{run:?}"
    );
    insta::assert_snapshot!("cli_install_dry_run", stable(&shown, &cli, &[fake.url()]));

    let run = cli.run(&["install", "--client", "claude-desktop"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(!run.stdout().contains(KEY), "{run:?}");
    let after = std::fs::read_to_string(&config).unwrap();
    // Every byte of the other servers and keys is where it was; the entry is appended.
    let entry = format!(
        ",\n    \"browser-tasks\": {{\n      \"command\": {bin},\n      \"args\": [],\n      \"env\": {{\n        \"ANCHOR_API_KEY\": \"{KEY}\",\n        \"ANCHORBROWSER_BASE_URL\": \"{url}\"\n      }}\n    }}",
        bin = json!(std::fs::canonicalize(BIN).unwrap().to_str().unwrap()),
        url = fake.url()
    );
    let at = before.find("\n  },\n  \"globalShortcut\"").unwrap();
    let expected = format!("{}{entry}{}", &before[..at], &before[at..]);
    assert_eq!(after, expected);
    let backup = config.with_file_name("claude_desktop_config.json.bak");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), before);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "a file holding a key is its owner's only"
        );
    }

    // Again: nothing to change, nothing written; doctor now sees the entry.
    let run = cli.run(&["install", "--client", "claude-desktop"]).await;
    assert!(run.stdout().contains("up to date"), "{run:?}");
    assert!(
        !config
            .with_file_name("claude_desktop_config.json.bak.2")
            .exists()
    );
    let run = cli.run(&["doctor"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(
        run.stdout().contains(
            "✔ Claude Desktop: [dir]"
                .replace("[dir]", &cli.dir.path().display().to_string())
                .as_str()
        ),
        "{run:?}"
    );

    // Without any key there is nothing to install.
    let bare = Cli::new(None, None);
    let run = bare.run(&["install", "--client", "cursor"]).await;
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(run.stderr().contains("no API key to install"), "{run:?}");
    assert!(!bare.home().join(".cursor").exists());
}

// ---- The operator's edges (#22): what a careful user trips on -----------------------------

#[tokio::test]
#[cfg(unix)]
async fn install_edits_the_file_a_symlinked_config_points_to() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let cli = Cli::new(Some(&fake), None);
    let dotfiles = cli.dir.path().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    let target = dotfiles.join("cursor-mcp.json");
    let before = "{\n  \"mcpServers\": {}\n}\n";
    std::fs::write(&target, before).unwrap();
    set_mode(&target, 0o644);
    // A relative link, as dotfile managers make them.
    let link = cli.dir.path().join("link.json");
    std::os::unix::fs::symlink("dotfiles/cursor-mcp.json", &link).unwrap();

    let run = cli
        .run(&[
            "install",
            "--client",
            "cursor",
            "--config-file",
            "link.json",
        ])
        .await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced by a file: {run:?}"
    );
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(written.contains("\"browser-tasks\""), "{written}");
    assert_eq!(
        std::fs::read_to_string(dotfiles.join("cursor-mcp.json.bak")).unwrap(),
        before,
        "the target is backed up beside it"
    );
    assert!(!cli.dir.path().join("link.json.bak").exists());
    // It says which file was written, and through which link.
    let said = run.stdout();
    let target_shown = target.canonicalize().unwrap().display().to_string();
    assert!(
        said.contains(&target_shown) && said.contains("link.json"),
        "{run:?}"
    );
}

/// The line of `text` that mentions `needle`.
fn line_with(text: &str, needle: &str) -> String {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
        .to_string()
}

#[tokio::test]
async fn server_flags_are_taken_after_the_subcommand_too() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let cli = Cli::new(Some(&fake), None);
    let elsewhere = cli.dir.path().join("elsewhere.sqlite3");
    let run = cli
        .run(&[
            "call",
            "list_tasks",
            "--catalog",
            elsewhere.to_str().unwrap(),
            "--wait-seconds",
            "5",
        ])
        .await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(
        elsewhere.exists(),
        "the flag after the subcommand was not used"
    );
    let run = cli
        .run(&["doctor", "--catalog", elsewhere.to_str().unwrap()])
        .await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(
        line_with(&run.stdout(), "catalog:").contains("elsewhere.sqlite3"),
        "{run:?}"
    );
}

#[tokio::test]
async fn a_busy_port_names_the_flag_and_its_holder_and_no_error_has_a_backtrace() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let cli = Cli::new(Some(&fake), None).set("RUST_BACKTRACE", "1");
    let bind = format!("127.0.0.1:{port}");
    let run = cli.run(&["--transport", "http", "--bind", &bind]).await;
    assert_eq!(run.code(), 1, "{run:?}");
    let said = run.stderr();
    assert!(said.contains(&bind) && said.contains("in use"), "{run:?}");
    assert!(said.contains("--bind"), "the fix names the flag: {run:?}");
    #[cfg(target_os = "linux")]
    assert!(
        said.contains(&format!("process {}", std::process::id())),
        "the holder is named: {run:?}"
    );
    assert!(!said.to_lowercase().contains("backtrace"), "{run:?}");
    drop(holder);

    // A bad setting in server mode: one message, no backtrace.
    let run = cli.run(&["--max-sessions", "0"]).await;
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(run.stderr().contains("--max-sessions"), "{run:?}");
    assert!(
        !run.stderr().to_lowercase().contains("backtrace"),
        "{run:?}"
    );
    assert_eq!(run.stderr().trim().lines().count(), 1, "{run:?}");
}

#[tokio::test]
async fn a_catalog_under_a_file_fails_alike_in_doctor_and_the_server() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let cli = Cli::new(Some(&fake), None);
    let file = cli.dir.path().join("not-a-folder");
    std::fs::write(&file, "notes").unwrap();
    let catalog = file.join("catalog.sqlite3");
    let cli = cli.set("BROWSER_TASKS_CATALOG", catalog.to_str().unwrap());
    let problem = format!("{} is a file, not a folder", file.display());

    let doctor = cli.run(&["doctor"]).await;
    assert_eq!(doctor.code(), 1, "{doctor:?}");
    let stdout = doctor.stdout();
    let line = line_with(&stdout, "catalog:");
    assert!(
        line.starts_with('✘') && line.contains(&problem),
        "{doctor:?}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines.iter().position(|l| l.contains("catalog:")).unwrap();
    let fix = lines[at + 1]
        .trim()
        .strip_prefix("fix: ")
        .unwrap()
        .to_string();

    // The server (no subcommand) fails on the same problem, with the same fix.
    let server = cli.run(&[]).await;
    assert_eq!(server.code(), 1, "{server:?}");
    assert!(server.stderr().contains(&problem), "{server:?}");
    assert!(server.stderr().contains(&fix), "{fix:?} {server:?}");
    assert!(
        !server.stderr().contains("Fix or move the file aside"),
        "{server:?}"
    );
    // So does runs, rather than saying the server will create it.
    let runs = cli.run(&["runs"]).await;
    assert_eq!(runs.code(), 1, "{runs:?}");
    assert!(
        runs.stderr().contains(&problem) && runs.stderr().contains(&fix),
        "{runs:?}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "notes");
}

#[tokio::test]
async fn a_wrong_key_is_said_once_and_in_the_command_lines_words() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let cli = Cli::new(Some(&fake), None).set("ANCHOR_API_KEY", "sk-wrong-key-1234");
    let run = cli.run(&["call", "list_tasks"]).await;
    assert_eq!(run.code(), 1, "{run:?}");
    assert!(run.stdout().contains("401"), "{run:?}");
    assert!(
        !run.stderr().contains("401"),
        "said more than once: {run:?}"
    );
    assert!(!run.stdout().contains("restart the server"), "{run:?}");
    // One listing by the command, one by the tool: nothing in the background.
    assert_eq!(fake.count("GET /v1/task"), 2, "{run:?}");

    // Where nothing else reports it (tools), the warning is the report.
    let run = cli.run(&["tools"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert_eq!(run.stderr().matches("401").count(), 1, "{run:?}");

    // No key at all: what to set, in the command line's words too.
    let bare = Cli::new(None, None);
    let run = bare.run(&["call", "list_tasks"]).await;
    assert_eq!(run.code(), 1, "{run:?}");
    assert!(run.stdout().contains("ANCHOR_API_KEY"), "{run:?}");
    assert!(!run.stdout().contains("restart it"), "{run:?}");
}

#[tokio::test]
async fn call_says_what_did_not_parse_and_which_tool_was_meant() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    fake.seed_code_task("echo", "export default async () => 1", 1);
    let cli = Cli::new(Some(&fake), None);

    let run = cli.run(&["call", "run_tsk"]).await;
    assert_eq!(run.code(), 2, "{run:?}");
    assert!(run.stderr().contains("Did you mean run_task?"), "{run:?}");
    assert_eq!(run.stderr().trim().lines().count(), 1, "{run:?}");
    assert_eq!(
        fake.count("GET /v1/task"),
        1,
        "a listing besides the command's own"
    );

    let before = fake.requests().len();
    let run = cli
        .run(&["call", "run_task", "task_name=echo", "inputs={\"q\":\"x\""])
        .await;
    assert_eq!(run.code(), 2, "{run:?}");
    let said = run.stderr();
    assert!(
        said.contains("inputs") && said.contains("not valid JSON") && said.contains("column 8"),
        "{run:?}"
    );
    // Only the listing of tasks: nothing started.
    assert_eq!(fake.count("POST /v1/task/{task_id}/run"), 0, "{run:?}");
    assert!(fake.requests().len() <= before + 1, "{run:?}");
}

#[tokio::test]
async fn a_run_that_goes_on_says_how_to_follow_it_from_the_command_line() {
    let bu = FakeBrowserUse::start(BU_KEY).await.unwrap();
    bu.set_default_task_script(AgentScript::default().lasting(Duration::from_secs(600)));
    let cli = Cli::new(None, Some(&bu));
    let run = cli
        .run(&["call", "run_task", "task=Read the news", "wait_seconds=0"])
        .await;
    assert_eq!(run.code(), 0, "{run:?}");
    let id = bu.run_ids().pop().unwrap();
    let text = run.stdout();
    assert!(
        text.contains(&format!("browser-tasks-mcp runs --follow {id}")),
        "{run:?}"
    );
    assert!(!text.contains("call get_execution"), "{run:?}");
    // The JSON the text carries stays JSON.
    let json_line = text.lines().find(|l| l.starts_with('{')).unwrap();
    serde_json::from_str::<Value>(json_line).unwrap();
}

#[tokio::test]
async fn the_live_view_url_is_shown_once_on_its_own_line() {
    let bu = FakeBrowserUse::start(BU_KEY).await.unwrap();
    bu.set_default_task_script(AgentScript {
        started_checks: 6,
        ..AgentScript::default()
    });
    let cli = Cli::new(None, Some(&bu));
    let run = cli.run(&["call", "run_task", "task=Read the news"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    let stderr = run.stderr();
    let own_lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("live view: https://"))
        .map(str::trim)
        .collect::<Vec<_>>();
    assert_eq!(own_lines.len(), 1, "{run:?}");
    assert_eq!(own_lines[0].split_whitespace().count(), 3, "{run:?}");
}

#[tokio::test]
async fn http_binds_to_a_host_name_that_is_loopback() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let cli = Cli::new(Some(&fake), None);
    let mut child = cli
        .command(&["--transport", "http", "--bind", "localhost:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        use tokio::io::AsyncReadExt;
        let mut buffer = [0u8; 1024];
        loop {
            let n = stderr.read(&mut buffer).await.unwrap();
            if n == 0 {
                return false;
            }
            seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
            if seen.contains("http://") {
                return true;
            }
        }
    })
    .await
    .unwrap_or(false);
    let _ = child.kill().await;
    assert!(found, "did not serve: {seen}");
    assert!(
        seen.contains("http://127.0.0.1:") || seen.contains("http://[::1]:"),
        "{seen}"
    );
}

/// The `execution_id` of a `call … --json` that started a run.
fn execution_id(run: &Run) -> String {
    run.json()["execution_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no execution_id: {run:?}"))
        .to_string()
}

#[tokio::test]
async fn runs_refreshes_unfinished_statuses_and_says_when_each_was_seen() {
    let bu = FakeBrowserUse::start(BU_KEY).await.unwrap();
    // Ends at its first status read.
    bu.set_default_task_script(AgentScript {
        started_checks: 0,
        ..AgentScript::default()
    });
    let cli = Cli::new(None, Some(&bu));
    let started = cli
        .run(&[
            "call",
            "run_task",
            "task=Read the news",
            "wait_seconds=0",
            "--json",
        ])
        .await;
    assert_eq!(started.code(), 0, "{started:?}");
    assert_eq!(started.json()["status"], "created", "{started:?}");
    let id = execution_id(&started);

    // Offline: as the catalog last saw it, saying when and that it may be stale; nothing asked.
    let requests = bu.requests().len();
    let offline = cli.run(&["runs", "--offline"]).await;
    assert_eq!(offline.code(), 0, "{offline:?}");
    assert_eq!(bu.requests().len(), requests, "--offline asked the cloud");
    let header = offline
        .stdout()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(header.contains("SEEN"), "{offline:?}");
    assert!(
        line_with(&offline.stdout(), &id).contains("created"),
        "{offline:?}"
    );
    assert!(offline.stdout().contains("--offline"), "{offline:?}");

    // Online: the unfinished run is read once, and shows how it ended.
    let run = cli.run(&["runs"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    let row = line_with(&run.stdout(), &id);
    assert!(
        row.contains("finished") && !row.contains("created"),
        "{run:?}"
    );
    assert!(run.stderr().is_empty(), "{run:?}");
    // Now finished in the catalog: not read again.
    let requests = bu.requests().len();
    let again = cli.run(&["runs"]).await;
    assert!(
        line_with(&again.stdout(), &id).contains("finished"),
        "{again:?}"
    );
    assert_eq!(
        bu.requests().len(),
        requests,
        "a finished run was read again"
    );

    // --limit 0 is no limit, not "no runs".
    let all = cli.run(&["runs", "--limit", "0"]).await;
    assert_eq!(all.code(), 0, "{all:?}");
    assert!(all.stdout().contains(&id), "{all:?}");
}

/// Send SIGINT (Ctrl-C) to a child process.
fn interrupt(child: &tokio::process::Child) {
    let pid = child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[tokio::test]
async fn ctrl_c_while_following_stops_following_and_leaves_the_run_going() {
    let bu = FakeBrowserUse::start(BU_KEY).await.unwrap();
    bu.set_default_task_script(AgentScript::default().lasting(Duration::from_secs(600)));
    let cli = Cli::new(None, Some(&bu));
    let started = cli
        .run(&[
            "call",
            "run_task",
            "task=Watch the page forever",
            "wait_seconds=0",
            "--json",
        ])
        .await;
    let id = execution_id(&started);
    let polls = bu.count("GET /tasks/{task_id}/status");
    let child = cli
        .command(&["runs", "--follow", &id])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(
        || bu.count("GET /tasks/{task_id}/status") >= polls + 2,
        "the follow's status checks",
    )
    .await;
    interrupt(&child);
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("exits after Ctrl-C")
        .unwrap();
    let run = Run(output);
    assert_eq!(run.code(), 130, "{run:?}");
    // Watching only: the run was not stopped.
    assert_eq!(bu.count("PATCH /tasks/{task_id}"), 0, "{run:?}");
    assert_eq!(bu.task_status(&id).as_deref(), Some("started"), "{run:?}");
    assert!(run.stderr().contains("Stopped following"), "{run:?}");
    assert!(
        run.stderr().contains(&format!(
            "browser-tasks-mcp call cancel_execution execution_id={id}"
        )),
        "{run:?}"
    );
}

#[tokio::test]
async fn install_into_a_project_file_writes_references_not_keys() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let cli = Cli::new(Some(&fake), None);
    let vscode = cli.dir.path().join(".vscode").join("mcp.json");
    std::fs::create_dir_all(vscode.parent().unwrap()).unwrap();
    std::fs::write(
        &vscode,
        r#"{
  "inputs": [{"type": "promptString", "id": "gh-token", "description": "GitHub token", "password": true}],
  "servers": {"github": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": "${input:gh-token}"}}}
}
"#,
    )
    .unwrap();
    set_mode(&vscode, 0o644);
    let run = cli
        .run(&[
            "install",
            "--client",
            "vscode",
            "--config-file",
            ".vscode/mcp.json",
        ])
        .await;
    assert_eq!(run.code(), 0, "{run:?}");
    let text = std::fs::read_to_string(&vscode).unwrap();
    assert!(!text.contains(KEY), "a plain key in a project file: {text}");
    let value: Value = serde_json::from_str(&text).unwrap();
    let env = &value["servers"]["browser-tasks"]["env"];
    let reference = env["ANCHOR_API_KEY"].as_str().unwrap();
    let id = reference
        .strip_prefix("${input:")
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or_else(|| panic!("not an input reference: {reference}"));
    let inputs = value["inputs"].as_array().unwrap();
    assert_eq!(inputs[0]["id"], "gh-token", "{text}");
    let input = inputs.iter().find(|i| i["id"] == id).unwrap();
    assert_eq!(
        (&input["type"], &input["password"]),
        (&json!("promptString"), &json!(true))
    );
    // The base URL it was installed from goes with it.
    assert_eq!(env["ANCHORBROWSER_BASE_URL"], fake.url(), "{text}");

    // Cursor's project file: the environment's variable, by reference.
    let run = cli
        .run(&[
            "install",
            "--client",
            "cursor",
            "--config-file",
            ".cursor/mcp.json",
        ])
        .await;
    assert_eq!(run.code(), 0, "{run:?}");
    let text = std::fs::read_to_string(cli.dir.path().join(".cursor/mcp.json")).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        value["mcpServers"]["browser-tasks"]["env"]["ANCHOR_API_KEY"], "${env:ANCHOR_API_KEY}",
        "{text}"
    );

    // A plain key only when asked for.
    let run = cli
        .run(&[
            "install",
            "--client",
            "claude-code",
            "--config-file",
            ".mcp.json",
            "--allow-plain-keys",
        ])
        .await;
    assert_eq!(run.code(), 0, "{run:?}");
    let text = std::fs::read_to_string(cli.dir.path().join(".mcp.json")).unwrap();
    assert!(text.contains(KEY), "{text}");

    // doctor reads the references: the prompted key is not tried as a key, the environment's
    // is tried against the entry's own base URL.
    let run = cli.run(&["doctor"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    assert!(!run.stdout().contains("${input:"), "{run:?}");
}

#[tokio::test]
async fn install_carries_the_base_url_and_doctor_checks_each_entry_where_it_points() {
    let fake = FakeAnchor::start(KEY).await.unwrap();
    let other = FakeAnchor::start("sk-another-account-key").await.unwrap();
    let cli = Cli::new(Some(&fake), None);
    let run = cli.run(&["install", "--client", "cursor"]).await;
    assert_eq!(run.code(), 0, "{run:?}");
    let cursor = cli.home().join(".cursor").join("mcp.json");
    let value: Value = serde_json::from_str(&std::fs::read_to_string(&cursor).unwrap()).unwrap();
    assert_eq!(
        value["mcpServers"]["browser-tasks"]["env"]["ANCHORBROWSER_BASE_URL"],
        fake.url(),
        "an entry installed from the offline recipe points at the real cloud"
    );

    // Claude Desktop's entry sends the same key to another API, which refuses it.
    let desktop = cli
        .home()
        .join(".config")
        .join("Claude")
        .join("claude_desktop_config.json");
    std::fs::create_dir_all(desktop.parent().unwrap()).unwrap();
    std::fs::write(
        &desktop,
        json!({"mcpServers": {"browser-tasks": {"command": BIN, "env": {
            "ANCHOR_API_KEY": KEY, "ANCHORBROWSER_BASE_URL": other.url()}}}})
        .to_string(),
    )
    .unwrap();
    set_mode(&desktop, 0o600);
    let run = cli.run(&["doctor"]).await;
    assert_eq!(run.code(), 1, "{run:?}");
    let line = line_with(&run.stdout(), "Claude Desktop's entry");
    assert!(
        line.starts_with('✘') && line.contains(other.url()) && line.contains("401"),
        "{run:?}"
    );
    let line = line_with(&run.stdout(), "Cursor's entry");
    assert!(
        line.starts_with('✔') && line.contains(fake.url()),
        "{run:?}"
    );
}
