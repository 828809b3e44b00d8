//! What every fake shares: the ledger of requests (counted per route, logged with their
//! bodies), scripted faults, the gate every request passes (count, log, check the key and the
//! vendor's spec, apply a fault) before its route handles it, the check of every answer against
//! the spec, and serving on a listener until dropped.
//!
//! A fault answers with a status of its own, holds a request (a slow cloud, which goes on
//! with the request after its client gave up), or breaks the exchange where a real cloud's can
//! break ([`FaultAction`]): the connection dropped before the route handles the request, or
//! after (the cloud committed: a run is stored, and no answer comes), a success answer that
//! cannot be read, or the route's answer with one JSON value replaced (a status value the
//! contract does not list). Scripted answers are the test's choice and are not checked against
//! the spec; an answer the route gives is.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::spec::{Side, Spec, Violation};

/// One request as a fake received it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    /// The route template, e.g. `/v1/task/{taskId}`.
    pub route: String,
    /// The actual path.
    pub path: String,
    pub query: Option<String>,
    /// The JSON body, if it had one.
    pub body: Option<Value>,
    /// Whether it carried the right key.
    pub authorized: bool,
}

/// What a fault does to the request it applies to, after its delay.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum FaultAction {
    /// Answer with the fault's status and body, or (no status) let the route handle it.
    #[default]
    Answer,
    /// Drop the connection without handling the request: the cloud never committed it.
    ResetBefore,
    /// Let the route handle the request (the cloud commits it: a run is stored), then drop the
    /// connection without answering.
    ResetAfter,
    /// Let the route handle the request, then answer 200 with the fault's body instead of the
    /// route's answer (a reply that cannot be read).
    MalformedAfter,
    /// Let the route handle the request, then answer with its JSON, the value at `pointer`
    /// (RFC 6901) replaced by `value` (e.g. a status value the contract does not list).
    Patch { pointer: String, value: Value },
}

/// A scripted failure on one route.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `"METHOD /route/{template}"` as counted, e.g. `"GET /v1/task/{taskId}"`.
    pub route: String,
    /// Status to answer with (`None`: pass through to the real handler after the delay).
    pub status: Option<u16>,
    pub body: String,
    pub headers: Vec<(String, String)>,
    pub delay: Duration,
    /// How many requests it applies to.
    pub times: u32,
    /// What it does besides the delay.
    pub action: FaultAction,
}

impl Fault {
    /// Answer `route` with `status` and `body`, once.
    pub fn status(route: &str, status: u16, body: &str) -> Self {
        Self {
            route: route.to_string(),
            status: Some(status),
            body: body.to_string(),
            headers: Vec::new(),
            delay: Duration::ZERO,
            times: 1,
            action: FaultAction::Answer,
        }
    }

    /// Hold requests to `route` for `delay` before handling them normally, once.
    pub fn slow(route: &str, delay: Duration) -> Self {
        Self {
            route: route.to_string(),
            status: None,
            body: String::new(),
            headers: Vec::new(),
            delay,
            times: 1,
            action: FaultAction::Answer,
        }
    }

    /// Drop the connection of requests to `route` before handling them, once.
    pub fn reset_before(route: &str) -> Self {
        Self::acting(route, FaultAction::ResetBefore)
    }

    /// Handle requests to `route`, then drop the connection without answering, once.
    pub fn reset_after(route: &str) -> Self {
        Self::acting(route, FaultAction::ResetAfter)
    }

    /// Handle requests to `route`, then answer 200 with `body` instead, once.
    pub fn malformed_after(route: &str, body: &str) -> Self {
        Self {
            body: body.to_string(),
            ..Self::acting(route, FaultAction::MalformedAfter)
        }
    }

    /// Handle requests to `route`, then answer with the value at `pointer` replaced, once.
    pub fn patched(route: &str, pointer: &str, value: Value) -> Self {
        Self::acting(
            route,
            FaultAction::Patch {
                pointer: pointer.to_string(),
                value,
            },
        )
    }

    fn acting(route: &str, action: FaultAction) -> Self {
        Self {
            action,
            ..Self::slow(route, Duration::ZERO)
        }
    }

    /// Apply to this many requests.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Add a response header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// Requests seen and faults to apply.
#[derive(Debug, Default)]
pub struct Ledger {
    pub faults: Vec<Fault>,
    pub requests: Vec<RecordedRequest>,
    pub counts: BTreeMap<String, usize>,
    pub spec: SpecLedger,
}

/// What a fake does with exchanges its vendor's OpenAPI file does not describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpecCheck {
    /// Keep them, for the test to fail on (the default).
    #[default]
    Collect,
    /// Write each to stderr as it happens (for a fake run by hand).
    Log,
    /// Do not check.
    Off,
}

/// The spec check's settings and findings.
#[derive(Debug, Default)]
pub struct SpecLedger {
    pub mode: SpecCheck,
    /// Set by a test that sends requests the spec rejects on purpose: those are kept apart.
    pub off_spec_requests_allowed: bool,
    /// Violations a test fails on.
    pub violations: Vec<Violation>,
    /// Request violations seen while they were allowed.
    pub allowed: Vec<Violation>,
}

impl SpecLedger {
    fn record(&mut self, found: Vec<Violation>) {
        for violation in found {
            match self.mode {
                SpecCheck::Off => {}
                SpecCheck::Log => eprintln!("spec violation: {violation}"),
                SpecCheck::Collect
                    if violation.side == Side::Request && self.off_spec_requests_allowed =>
                {
                    self.allowed.push(violation)
                }
                SpecCheck::Collect => self.violations.push(violation),
            }
        }
    }
}

/// A fake's state, as far as the gate is concerned.
pub trait Gated: Send + 'static {
    /// The header carrying the key, lowercase.
    const KEY_HEADER: &'static str;
    /// A path prefix every route carries (`/api/v2`), left out of the counted route names.
    const ROUTE_PREFIX: &'static str = "";
    fn api_key(&self) -> &str;
    fn ledger(&mut self) -> &mut Ledger;
    /// The 401 answer in this API's own error shape.
    fn unauthorized() -> Response;
    /// The vendor's OpenAPI spec that requests and answers are held to.
    fn spec() -> Result<&'static Spec, &'static str>;
}

/// A fake whose exchanges are checked against its vendor's spec.
pub trait SpecChecked {
    /// Which API, for messages.
    fn api_name(&self) -> &'static str;
    /// The violations found so far that a test fails on, handed over (and forgotten here).
    fn take_spec_violations(&self) -> Vec<Violation>;
}

/// A fake being served; it stops (gracefully) when this is dropped.
#[derive(Debug)]
pub struct Serving {
    pub address: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Serve `app` on `listener` in the background; `name` is for the log if serving fails.
pub fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    name: &'static str,
) -> std::io::Result<Serving> {
    let address = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let serving = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(error) = serving.await {
            tracing::error!(%error, "{name} stopped");
        }
    });
    Ok(Serving {
        address,
        stop: Some(stop),
    })
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Lock a fake's state (a test that panicked while holding it poisons it; the data is fine).
pub fn lock<S>(state: &Mutex<S>) -> MutexGuard<'_, S> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// The gate: count, log, check the key, apply scripted faults; then hand over to the route.
pub async fn gate<S: Gated>(
    State(state): State<Arc<Mutex<S>>>,
    matched: MatchedPath,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, 8 * 1024 * 1024).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let template = matched.as_str();
    let template = template.strip_prefix(S::ROUTE_PREFIX).unwrap_or(template);
    let route = format!("{} {template}", parts.method);
    let (authorized, fault, checking) = {
        let mut state = lock(&state);
        let authorized = parts
            .headers
            .get(S::KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|key| key == state.api_key());
        let ledger = state.ledger();
        let checking = ledger.spec.mode != SpecCheck::Off;
        *ledger.counts.entry(route.clone()).or_default() += 1;
        ledger.requests.push(RecordedRequest {
            method: parts.method.to_string(),
            route: template.to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            body: serde_json::from_slice(&bytes).ok(),
            authorized,
        });
        let fault = if authorized {
            ledger
                .faults
                .iter_mut()
                .find(|f| f.route == route && f.times > 0)
                .map(|f| {
                    f.times -= 1;
                    f.clone()
                })
        } else {
            None
        };
        (authorized, fault, checking)
    };
    let method = parts.method.to_string();
    let path = parts.uri.path().to_string();
    if checking {
        let found = match S::spec() {
            Ok(spec) => spec.check_request(&method, &path, parts.uri.query(), &bytes),
            Err(error) => vec![unloadable(&method, &path, error)],
        };
        lock(&state).ledger().spec.record(found);
    }
    if !authorized {
        return answer_checked(&state, checking, &method, &path, S::unauthorized()).await;
    }
    if let Some(fault) = fault {
        if !fault.delay.is_zero() && fault.status.is_none() && fault.action == FaultAction::Answer {
            // A slow cloud goes on with a request its client gave up waiting for, as a real
            // one does: the work is not dropped with the connection.
            let delay = fault.delay;
            let request = Request::from_parts(parts, Body::from(bytes));
            let handled = tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                next.run(request).await
            });
            let response = handled
                .await
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
            return answer_checked(&state, checking, &method, &path, response).await;
        }
        if !fault.delay.is_zero() {
            tokio::time::sleep(fault.delay).await;
        }
        // A scripted answer (or a broken exchange) is the test's choice, not the fake's: it is
        // not checked.
        if fault.action != FaultAction::Answer {
            let request = Request::from_parts(parts, Body::from(bytes));
            return act(fault, request, next).await;
        }
        if let Some(status) = fault.status {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = (status, fault.body.clone()).into_response();
            for (name, value) in &fault.headers {
                if let (Ok(name), Ok(value)) = (
                    HeaderName::try_from(name.as_str()),
                    HeaderValue::try_from(value.as_str()),
                ) {
                    response.headers_mut().insert(name, value);
                }
            }
            return response;
        }
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    answer_checked(&state, checking, &method, &path, response).await
}

/// Note a request no route of the fake serves (it does not pass the gate): a path or method
/// the spec does not declare, or one the fake lacks. Either way the test should not pass.
pub fn record_unrouted<S: Gated>(state: &Mutex<S>, request: &Request) {
    let mut state = lock(state);
    let ledger = state.ledger();
    if ledger.spec.mode == SpecCheck::Off {
        return;
    }
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let mut found = match S::spec() {
        Ok(spec) => spec.check_request(&method, &path, request.uri().query(), &[]),
        Err(error) => vec![unloadable(&method, &path, error)],
    };
    if found.is_empty() {
        found.push(Violation {
            side: Side::Response,
            operation: format!("{method} {path}"),
            problem: "the spec declares it, but the fake does not serve it".into(),
        });
    }
    ledger.spec.record(found);
}

/// Check an answer against the spec (when `checking`), and give it back unchanged.
async fn answer_checked<S: Gated>(
    state: &Mutex<S>,
    checking: bool,
    method: &str,
    path: &str,
    response: Response,
) -> Response {
    if !checking {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024 * 1024).await else {
        let found = Violation {
            side: Side::Response,
            operation: format!("{method} {path}"),
            problem: "the body could not be read".into(),
        };
        lock(state).ledger().spec.record(vec![found]);
        return (StatusCode::INTERNAL_SERVER_ERROR, "answer body unreadable").into_response();
    };
    let found = match S::spec() {
        Ok(spec) => spec.check_response(method, path, parts.status.as_u16(), &bytes),
        Err(error) => vec![unloadable(method, path, error)],
    };
    lock(state).ledger().spec.record(found);
    Response::from_parts(parts, Body::from(bytes))
}

/// The violation that stands for every check when the spec itself could not be read.
fn unloadable(method: &str, path: &str, error: &str) -> Violation {
    Violation {
        side: Side::Response,
        operation: format!("{method} {path}"),
        problem: format!("the vendor's spec could not be loaded: {error}"),
    }
}

/// Apply a fault that breaks the connection or the answer (see [`FaultAction`]).
async fn act(fault: Fault, request: Request, next: Next) -> Response {
    match fault.action {
        FaultAction::ResetBefore => connection_reset(),
        FaultAction::ResetAfter => {
            let _handled = next.run(request).await;
            connection_reset()
        }
        FaultAction::MalformedAfter => {
            let _handled = next.run(request).await;
            (StatusCode::OK, fault.body).into_response()
        }
        FaultAction::Patch { pointer, value } => {
            let handled = next.run(request).await;
            patch_json(handled, &pointer, value).await
        }
        FaultAction::Answer => next.run(request).await,
    }
}

/// A response that never arrives: its body fails at once, so the server drops the connection
/// and the client sees it break after its request went out (a reset, as far as it can tell).
fn connection_reset() -> Response {
    let broken = futures::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault: connection reset",
        ))
    });
    Response::new(Body::from_stream(broken))
}

/// The route's answer with the JSON value at `pointer` replaced (unchanged if it is not JSON
/// or has nothing there).
async fn patch_json(response: Response, pointer: &str, value: Value) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, 8 * 1024 * 1024).await else {
        return connection_reset();
    };
    let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if let Some(slot) = json.pointer_mut(pointer) {
        *slot = value;
    }
    let patched = json.to_string();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(patched))
}
