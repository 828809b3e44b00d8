//! The release server as a child process serving HTTP, for the benchmark examples: where its
//! binary is, and starting it to learn its `/mcp` URL from its startup line.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The server binary to measure: `BROWSER_TASKS_BIN`, else the release build beside this
/// example's own binary.
pub fn release_binary() -> anyhow::Result<PathBuf> {
    let bin: PathBuf = match std::env::var("BROWSER_TASKS_BIN") {
        Ok(path) => path.into(),
        Err(_) => std::env::current_exe()?
            .parent()
            .and_then(|examples| examples.parent())
            .map(|dir| dir.join("browser-tasks-mcp"))
            .ok_or_else(|| anyhow::anyhow!("no target directory above this example"))?,
    };
    anyhow::ensure!(
        bin.exists(),
        "{} not found: run `cargo build --release` first (or set BROWSER_TASKS_BIN)",
        bin.display()
    );
    Ok(bin)
}

/// A server started by [`start`]; stopped when dropped.
pub struct HttpServer {
    pub child: Child,
    pub pid: u32,
    /// Its Streamable HTTP endpoint, `http://127.0.0.1:PORT/mcp`.
    pub url: String,
}

/// Start `command` (the server with its flags and environment; this adds the stdio set-up)
/// and wait for the startup line naming its URL. Its later log lines are read and dropped.
pub async fn start(mut command: Command) -> anyhow::Result<HttpServer> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child
        .id()
        .ok_or_else(|| anyhow::anyhow!("the server exited at once"))?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stderr"))?;
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines
            .next_line()
            .await?
            .ok_or_else(|| anyhow::anyhow!("the server exited before its startup line"))?;
        if let Some(url) = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:") && w.ends_with("/mcp"))
        {
            break url.to_string();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(HttpServer { child, pid, url })
}
