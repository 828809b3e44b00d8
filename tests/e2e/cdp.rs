//! Just enough of the Chrome DevTools Protocol to drive headless Chromium from a test: start
//! it, open a page, evaluate JavaScript in the page or in one of its frames, and take a
//! screenshot. Over its websocket (`--remote-debugging-port=0`, whose address Chromium prints
//! on stderr), with flattened sessions (`Target.attachToTarget` with `flatten`), so one
//! connection serves every call.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

/// The Chromium binary on this machine, if any (Debian's package installs `chromium`).
pub fn find_chromium() -> Option<std::path::PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(which)
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

type Waiters = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// A headless Chromium and one DevTools connection to it. Killed when dropped.
pub struct Browser {
    child: Child,
    send: mpsc::UnboundedSender<Message>,
    waiters: Waiters,
    next: AtomicU64,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Start `binary` headless with a fresh profile.
    pub async fn start(binary: &std::path::Path) -> Self {
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut child = Command::new(binary)
            .args([
                "--headless=new",
                // Root (CI, this machine) has no user namespace sandbox to offer Chromium.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                // Frames of other sites in this process, so a page's frames are reachable
                // through its own session (the view is an opaque-origin sandboxed frame).
                "--disable-site-isolation-trials",
                "--disable-features=IsolateSandboxedIframes,site-per-process",
                "about:blank",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromium");
        let stderr = child.stderr.take().expect("chromium's stderr");
        let mut lines = BufReader::new(stderr).lines();
        let url = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    return url.trim().to_string();
                }
            }
            panic!("chromium exited without a DevTools address");
        })
        .await
        .expect("chromium prints its DevTools address within 30 s");
        // Keep draining stderr, so Chromium never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .expect("connect to chromium's DevTools");
        let (mut sink, mut stream) = socket.split();
        let (send, mut outgoing) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            while let Some(message) = outgoing.recv().await {
                if sink.send(message).await.is_err() {
                    break;
                }
            }
        });
        let waiters: Waiters = Arc::default();
        let incoming = waiters.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let Ok(value) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                if let Some(id) = value.get("id").and_then(Value::as_u64)
                    && let Some(waiter) = incoming.lock().await.remove(&id)
                {
                    let _ = waiter.send(value);
                }
            }
        });
        Self {
            child,
            send,
            waiters,
            next: AtomicU64::new(1),
            _profile: profile,
        }
    }

    /// Send one command (in `session`, or to the browser) and return its result.
    pub async fn command(&self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.try_command(session, method, params)
            .await
            .unwrap_or_else(|error| panic!("{method}: {error}"))
    }

    /// Send one command and return its result, or the error Chromium answered with.
    pub async fn try_command(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, Value> {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let (tx, rx) = oneshot::channel();
        self.waiters.lock().await.insert(id, tx);
        self.send
            .send(Message::Text(message.to_string().into()))
            .expect("the DevTools connection is open");
        let answer = tokio::time::timeout(Duration::from_secs(20), rx)
            .await
            .unwrap_or_else(|_| panic!("{method}: no answer within 20 s"))
            .expect("an answer");
        match answer.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(answer["result"].clone()),
        }
    }

    /// Open `url` in a new page of `width` × `height` CSS pixels.
    pub async fn open(&self, url: &str, width: u32, height: u32) -> Page<'_> {
        let target = self
            .command(None, "Target.createTarget", json!({"url": "about:blank"}))
            .await;
        let target_id = target["targetId"]
            .as_str()
            .expect("a target id")
            .to_string();
        let attached = self
            .command(
                None,
                "Target.attachToTarget",
                json!({"targetId": target_id, "flatten": true}),
            )
            .await;
        let session = attached["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        let page = Page {
            browser: self,
            session,
        };
        page.call("Page.enable", json!({})).await;
        page.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        )
        .await;
        page.call("Page.navigate", json!({"url": url})).await;
        page
    }

    /// Stop Chromium.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// One page of the browser.
pub struct Page<'a> {
    browser: &'a Browser,
    session: String,
}

impl Page<'_> {
    async fn call(&self, method: &str, params: Value) -> Value {
        self.browser
            .command(Some(&self.session), method, params)
            .await
    }

    /// Evaluate `expression` (awaiting a promise) in the page, or in its first child frame
    /// (`in_frame`: the embedded view), and return its value.
    pub async fn eval(&self, expression: &str, in_frame: bool) -> Value {
        let mut params = json!({
            "expression": expression,
            "returnByValue": true,
            "awaitPromise": true,
        });
        if in_frame {
            let Some(context) = self.frame_context().await else {
                return Value::Null;
            };
            params["contextId"] = json!(context);
        }
        // The frame may be navigating (its context gone): no value yet, as if not ready.
        let Ok(result) = self
            .browser
            .try_command(Some(&self.session), "Runtime.evaluate", params)
            .await
        else {
            return Value::Null;
        };
        if let Some(exception) = result.get("exceptionDetails") {
            return json!({"exception": exception});
        }
        result["result"]["value"].clone()
    }

    /// An execution context in the page's first child frame (an isolated world: it shares
    /// the frame's DOM, not its script globals).
    async fn frame_context(&self) -> Option<u64> {
        let tree = self.call("Page.getFrameTree", json!({})).await;
        let frame = tree["frameTree"]["childFrames"][0]["frame"]["id"].as_str()?;
        let world = self
            .browser
            .try_command(
                Some(&self.session),
                "Page.createIsolatedWorld",
                json!({"frameId": frame, "worldName": "test"}),
            )
            .await
            .ok()?;
        world["executionContextId"].as_u64()
    }

    /// Wait until `expression`, evaluated in the view (or the page), is true; panic naming
    /// `what` after `within`, with `detail` (an expression) evaluated to explain.
    pub async fn wait_for(&self, what: &str, expression: &str, in_frame: bool, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if self.eval(expression, in_frame).await == Value::Bool(true) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let view = self
                    .eval("document.body ? document.body.innerText : ''", true)
                    .await;
                let host = self
                    .eval("JSON.stringify(window.host || null)", false)
                    .await;
                panic!("{what}: not seen within {within:?}\nview: {view}\nhost: {host}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A PNG of the whole page as it is now, written to `path`.
    pub async fn screenshot(&self, path: &std::path::Path) {
        use base64::Engine;
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({"format": "png", "captureBeyondViewport": true}),
            )
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("PNG data"))
            .expect("base64 PNG");
        std::fs::write(path, bytes).expect("write the screenshot");
    }
}
