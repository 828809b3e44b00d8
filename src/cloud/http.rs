//! The HTTP core a provider client sends its requests through.
//!
//! It owns what every endpoint shares: joining paths onto the configured base URL, the auth
//! header (the key stays inside a [`SecretString`] and is only exposed while building the
//! request), timeouts chosen per call, retrying reads, and turning failures into [`ApiError`].
//! Logs carry the method, path, status and timing of each request; never headers or bodies.
//!
//! Identical reads in flight at once are sent once (see [`InFlight`]): many sessions listing
//! the same tasks, or waiting on the same run, cost the cloud one request, never a write.
//!
//! A failure is told apart by when it happened: no connection (nothing was sent), a
//! connection that broke after the request went out, no answer in time, an answer that cannot
//! be read. For a read these are all worth another try; for a write every one but the first
//! leaves its outcome unknown ([`ApiError::OutcomeUnknown`]): the cloud may have applied it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, read_error_body, seconds, truncate};
use super::hints::{EndpointHints, Failure};
use super::provider::Provider;
use super::retry::{ReadFailure, RetryPolicy, parse_retry_after};

/// Whether a request only reads (and so may be retried) or starts/changes something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// Safe to repeat: retried on 429/502/503/504 and connection failures.
    Read,
    /// Starts or changes something: sent exactly once, whatever happens.
    Write,
}

/// Connection settings for one provider.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Base URL the API paths are joined onto (a path prefix is kept).
    pub base_url: String,
    pub api_key: SecretString,
    pub retry: RetryPolicy,
    /// Default timeout of reads.
    pub read_timeout: Duration,
    /// Default timeout of writes (a request may set its own, e.g. a synchronous run).
    pub write_timeout: Duration,
    pub connect_timeout: Duration,
}

impl HttpSettings {
    /// The same settings with `key`, or `None` when the key is empty.
    pub fn with_key(&self, key: &str) -> Option<Self> {
        (!key.is_empty()).then(|| Self {
            api_key: SecretString::from(key.to_string()),
            ..self.clone()
        })
    }

    /// Settings with this project's defaults: reads 30 s, writes 60 s, connect 10 s.
    pub fn new(base_url: impl Into<String>, api_key: SecretString) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            retry: RetryPolicy::default(),
            read_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the {provider} base URL {url:?} is not a usable http(s) URL: {reason}")]
    BaseUrl {
        provider: Provider,
        url: String,
        reason: String,
    },
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    kind: CallKind,
    timeout: Option<Duration>,
}

impl Request {
    fn new(method: Method, path: impl Into<String>, kind: CallKind) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            kind,
            timeout: None,
        }
    }

    /// A read.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path, CallKind::Read)
    }

    /// A POST carrying `body` (always a write).
    pub fn post(path: impl Into<String>, body: Value) -> Self {
        Self::new(Method::POST, path, CallKind::Write).body(body)
    }

    /// A POST without a body (always a write).
    pub fn post_empty(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path, CallKind::Write)
    }

    /// A PUT carrying `body`.
    pub fn put(path: impl Into<String>, body: Value) -> Self {
        Self::new(Method::PUT, path, CallKind::Write).body(body)
    }

    /// A PATCH carrying `body`.
    pub fn patch(path: impl Into<String>, body: Value) -> Self {
        Self::new(Method::PATCH, path, CallKind::Write).body(body)
    }

    /// A DELETE.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path, CallKind::Write)
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Add a query parameter.
    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_string(), value.into()));
        self
    }

    /// Add a query parameter when a value is given.
    pub fn query_opt(self, key: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(value) => self.query(key, value),
            None => self,
        }
    }

    /// Override the default timeout for this one request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    fn operation(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Shared, cheaply cloneable HTTP core of one provider client.
#[derive(Clone)]
pub struct HttpCore {
    inner: Arc<Inner>,
    /// What failures mean on the provider's endpoints.
    hints: Option<EndpointHints>,
}

struct Inner {
    /// Built on the first request (see [`shared_client`]).
    client: OnceLock<reqwest::Client>,
    connect_timeout: Duration,
    provider: Provider,
    base_url: String,
    auth_header: &'static str,
    api_key: SecretString,
    retry: RetryPolicy,
    read_timeout: Duration,
    write_timeout: Duration,
    in_flight: Mutex<InFlight>,
}

/// The reads this core has in flight, so that an identical one joins instead of sending its
/// own. A read answers what the cloud held when it was sent, so one is joined only if it
/// was sent after the last write through this core ended: whoever wrote, then reads, reads
/// what they wrote.
#[derive(Default)]
struct InFlight {
    reads: HashMap<ReadKey, SharedRead>,
    last_write_end: Option<Instant>,
    next_id: u64,
}

/// What makes two reads the same (the key is the core's own).
#[derive(Clone, PartialEq, Eq, Hash)]
struct ReadKey {
    path: String,
    query: Vec<(String, String)>,
    cap: Option<u64>,
    timeout: Option<Duration>,
}

type ReadOutcome = Result<(u16, Payload), ApiError>;

struct SharedRead {
    id: u64,
    sent: Instant,
    outcome: Shared<BoxFuture<'static, ReadOutcome>>,
}

impl std::fmt::Debug for HttpCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpCore")
            .field("provider", &self.inner.provider)
            .field("base_url", &self.inner.base_url)
            .finish_non_exhaustive()
    }
}

impl HttpCore {
    /// Build the core for `provider`, sending the key in `auth_header`.
    pub fn new(
        provider: Provider,
        auth_header: &'static str,
        settings: HttpSettings,
    ) -> Result<Self, SetupError> {
        let base_url = normalize_base_url(provider, &settings.base_url)?;
        Ok(Self {
            inner: Arc::new(Inner {
                client: OnceLock::new(),
                connect_timeout: settings.connect_timeout,
                provider,
                base_url,
                auth_header,
                api_key: settings.api_key,
                retry: settings.retry,
                read_timeout: settings.read_timeout,
                write_timeout: settings.write_timeout,
                in_flight: Mutex::default(),
            }),
            hints: None,
        })
    }

    /// The same core, with the provider's hints for its endpoints' failures.
    pub fn with_hints(mut self, hints: EndpointHints) -> Self {
        self.hints = Some(hints);
        self
    }

    /// The provider this core talks to.
    pub fn provider(&self) -> Provider {
        self.inner.provider
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Send `request` and decode a JSON body into `T`.
    pub async fn send_json<T: DeserializeOwned>(&self, request: Request) -> Result<T, ApiError> {
        let decoded = match self.send(&request, None).await {
            Ok((status, payload)) => {
                let body = payload.text();
                serde_json::from_str(&body).map_err(|e| ApiError::Decode {
                    provider: self.inner.provider,
                    operation: request.operation(),
                    status,
                    reason: e.to_string(),
                    excerpt: truncate(&body, 200),
                })
            }
            Err(error) => Err(error),
        };
        decoded.map_err(|error| self.settle(&request, error))
    }

    /// Send a read and return its body's bytes, at most `cap` of them (a larger body is not
    /// read: [`Fetched::TooLarge`], with its size when the answer says it), with its content
    /// type. Retried as reads are.
    pub async fn fetch_bytes(&self, request: Request, cap: u64) -> Result<Fetched, ApiError> {
        match self.send(&request, Some(cap)).await {
            Ok((
                _,
                Payload::Bytes {
                    bytes,
                    content_type,
                },
            )) => Ok(Fetched::Bytes {
                bytes,
                content_type,
            }),
            Ok((_, Payload::TooLarge(size))) => Ok(Fetched::TooLarge(size)),
            Err(error) => Err(self.settle(&request, error)),
        }
    }

    /// Send `request` and ignore any body (for 204 answers).
    pub async fn send_empty(&self, request: Request) -> Result<(), ApiError> {
        self.send(&request, None)
            .await
            .map(|_| ())
            .map_err(|error| self.settle(&request, error))
    }

    /// What `error` means for `request`: a write whose answer was lost may have been applied,
    /// whatever broke; and the endpoint's own hint, where the provider has one.
    fn settle(&self, request: &Request, error: ApiError) -> ApiError {
        let error = match (request.kind, error) {
            (CallKind::Write, ApiError::Timeout { timeout, .. }) => self.outcome_unknown(
                request,
                format!("it did not answer within {}", seconds(timeout)),
                None,
            ),
            (CallKind::Write, ApiError::Interrupted { reason, .. }) => self.outcome_unknown(
                request,
                format!("the connection broke after the request was sent ({reason})"),
                None,
            ),
            (
                CallKind::Write,
                ApiError::Decode {
                    status,
                    reason,
                    excerpt,
                    ..
                },
            ) => self.outcome_unknown(
                request,
                format!(
                    "it answered HTTP {status} with a body that could not be read: {reason} \
                     (body starts: {excerpt:?})"
                ),
                Some(status),
            ),
            (_, other) => other,
        };
        let Some(hints) = self.hints else {
            return error;
        };
        let code = match &error {
            ApiError::Status { code, .. } => code.clone(),
            _ => None,
        };
        let retry_after = match &error {
            ApiError::Status { retry_after, .. } => *retry_after,
            _ => None,
        };
        let method = request.method.as_str();
        let failure = Failure {
            method,
            path: &request.path,
            status: error.status(),
            code: code.as_deref(),
            retry_after,
            outcome_unknown: error.outcome_unknown(),
        };
        let hint = match &error {
            ApiError::Status { .. } | ApiError::OutcomeUnknown { .. } => hints(&failure),
            _ => None,
        };
        error.with_hint(hint)
    }

    fn outcome_unknown(&self, request: &Request, reason: String, status: Option<u16>) -> ApiError {
        ApiError::OutcomeUnknown {
            provider: self.inner.provider,
            operation: request.operation(),
            reason,
            status,
            hint: None,
        }
    }

    /// Send, retrying reads as the policy allows; returns the success status and body (at most
    /// `cap` bytes of it, when given). A read joins an identical one in flight (see
    /// [`InFlight`]).
    async fn send(&self, request: &Request, cap: Option<u64>) -> ReadOutcome {
        if request.kind == CallKind::Read && request.method == Method::GET {
            return self.send_read(request, cap).await;
        }
        let outcome = self.send_retrying(request, cap).await;
        if request.kind == CallKind::Write {
            self.in_flight().last_write_end = Some(Instant::now());
        }
        outcome
    }

    fn in_flight(&self) -> std::sync::MutexGuard<'_, InFlight> {
        self.inner
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A read, sent once however many ask for it at the same time: the first asker's request
    /// runs as a task of its own (an asker that stops waiting does not stop it for the others)
    /// and every asker gets its outcome.
    async fn send_read(&self, request: &Request, cap: Option<u64>) -> ReadOutcome {
        let key = ReadKey {
            path: request.path.clone(),
            query: request.query.clone(),
            cap,
            timeout: request.timeout,
        };
        let outcome = {
            let mut in_flight = self.in_flight();
            let after_writes = in_flight.last_write_end;
            match in_flight.reads.get(&key) {
                Some(read) if after_writes.is_none_or(|end| read.sent >= end) => {
                    read.outcome.clone()
                }
                _ => {
                    // Taken before the request can go out, so it is never later than that.
                    let sent = Instant::now();
                    in_flight.next_id += 1;
                    let id = in_flight.next_id;
                    let core = HttpCore {
                        inner: self.inner.clone(),
                        hints: None,
                    };
                    let (provider, operation) = (self.inner.provider, request.operation());
                    let (request, own_key) = (request.clone(), key.clone());
                    let task = tokio::spawn(async move {
                        let outcome = core.send_retrying(&request, cap).await;
                        let mut in_flight = core.in_flight();
                        if in_flight
                            .reads
                            .get(&own_key)
                            .is_some_and(|read| read.id == id)
                        {
                            in_flight.reads.remove(&own_key);
                        }
                        outcome
                    });
                    let outcome = async move {
                        task.await.unwrap_or_else(|error| {
                            Err(ApiError::Interrupted {
                                provider,
                                operation,
                                reason: format!("the request stopped: {error}"),
                            })
                        })
                    }
                    .boxed()
                    .shared();
                    let read = SharedRead {
                        id,
                        sent,
                        outcome: outcome.clone(),
                    };
                    in_flight.reads.insert(key, read);
                    outcome
                }
            }
        };
        outcome.await
    }

    async fn send_retrying(&self, request: &Request, cap: Option<u64>) -> ReadOutcome {
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let outcome = self.send_once(request, cap).await;
            let failure = match &outcome {
                Ok(_) => None,
                Err(ApiError::Status {
                    status,
                    retry_after,
                    ..
                }) => Some(ReadFailure::Status(*status, *retry_after)),
                Err(ApiError::Connect { .. }) => Some(ReadFailure::Connect),
                Err(ApiError::Interrupted { .. }) => Some(ReadFailure::Interrupted),
                Err(_) => Some(ReadFailure::Other),
            };
            tracing::debug!(
                provider = %self.inner.provider,
                method = %request.method,
                path = %request.path,
                attempt,
                ok = outcome.is_ok(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "cloud request"
            );
            let Some(failure) = failure else {
                return outcome;
            };
            if request.kind == CallKind::Write {
                return outcome;
            }
            let Some(delay) = self.inner.retry.delay_after(attempt, failure) else {
                return outcome;
            };
            tracing::info!(
                provider = %self.inner.provider,
                operation = %request.operation(),
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying read after a transient failure"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// The HTTP client, built on first use. Building one reads and parses the system's root
    /// certificates, so it is done on a blocking thread: the threads answering the client's
    /// first requests (one, over stdio) are not held up by a startup listing.
    async fn client(&self, request: &Request) -> Result<&reqwest::Client, ApiError> {
        let inner = &self.inner;
        if let Some(client) = inner.client.get() {
            return Ok(client);
        }
        let timeout = inner.connect_timeout;
        let built = tokio::task::spawn_blocking(move || shared_client(timeout))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        let client = built.map_err(|reason| ApiError::Connect {
            provider: inner.provider,
            operation: request.operation(),
            base_url: inner.base_url.clone(),
            reason: format!("could not set up the HTTP client: {reason}"),
        })?;
        Ok(inner.client.get_or_init(|| client))
    }

    async fn send_once(
        &self,
        request: &Request,
        cap: Option<u64>,
    ) -> Result<(u16, Payload), ApiError> {
        let inner = &self.inner;
        let url = format!("{}{}", inner.base_url, request.path);
        let timeout = request.timeout.unwrap_or(match request.kind {
            CallKind::Read => inner.read_timeout,
            CallKind::Write => inner.write_timeout,
        });
        let mut builder = self
            .client(request)
            .await?
            .request(request.method.clone(), &url)
            .header(inner.auth_header, inner.api_key.expose_secret())
            .header(
                reqwest::header::ACCEPT,
                if cap.is_some() {
                    "*/*"
                } else {
                    "application/json"
                },
            )
            .timeout(timeout);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        // When it broke decides what may have happened: a connection never made (or a request
        // never built) sent nothing; anything later may have reached the API.
        let transport_error = |e: reqwest::Error| {
            if e.is_timeout() {
                ApiError::Timeout {
                    provider: inner.provider,
                    operation: request.operation(),
                    timeout,
                }
            } else if e.is_connect() || e.is_builder() {
                ApiError::Connect {
                    provider: inner.provider,
                    operation: request.operation(),
                    base_url: inner.base_url.clone(),
                    reason: innermost(&e),
                }
            } else {
                ApiError::Interrupted {
                    provider: inner.provider,
                    operation: request.operation(),
                    reason: innermost(&e),
                }
            }
        };
        let response = builder.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
        if (200..300).contains(&status)
            && let Some(cap) = cap
        {
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let declared = response.content_length();
            if declared.is_some_and(|size| size > cap) {
                return Ok((status, Payload::TooLarge(declared)));
            }
            let mut response = response;
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
                if (bytes.len() + chunk.len()) as u64 > cap {
                    return Ok((status, Payload::TooLarge(declared)));
                }
                bytes.extend_from_slice(&chunk);
            }
            return Ok((
                status,
                Payload::Bytes {
                    bytes,
                    content_type,
                },
            ));
        }
        let body = response.text().await.map_err(transport_error)?;
        if (200..300).contains(&status) {
            return Ok((
                status,
                Payload::Bytes {
                    bytes: body.into_bytes(),
                    content_type: None,
                },
            ));
        }
        let (message, code) = read_error_body(&body);
        let message = message.unwrap_or_else(|| {
            reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("no error message")
                .to_string()
        });
        Err(ApiError::Status {
            provider: inner.provider,
            operation: request.operation(),
            status,
            message,
            code,
            retry_after,
            hint: None,
        })
    }
}

/// A body as read: whole, or left unread for being larger than the cap.
#[derive(Clone)]
enum Payload {
    Bytes {
        bytes: Vec<u8>,
        content_type: Option<String>,
    },
    TooLarge(Option<u64>),
}

impl Payload {
    fn text(self) -> String {
        match self {
            Payload::Bytes { bytes, .. } => String::from_utf8_lossy(&bytes).into_owned(),
            Payload::TooLarge(_) => String::new(),
        }
    }
}

/// What [`HttpCore::fetch_bytes`] got.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    Bytes {
        bytes: Vec<u8>,
        content_type: Option<String>,
    },
    /// Larger than the cap; its size when the answer declared it.
    TooLarge(Option<u64>),
}

/// The process's HTTP client for `connect_timeout`, built the first time one is needed: building
/// one loads the system's root certificates (time and memory a server that never reaches a
/// cloud does not spend), and every provider and session shares it and its connection pool
/// (requests carry their own keys).
fn shared_client(connect_timeout: Duration) -> Result<reqwest::Client, String> {
    static CLIENTS: Mutex<Vec<(Duration, reqwest::Client)>> = Mutex::new(Vec::new());
    let mut clients = CLIENTS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, client)) = clients.iter().find(|(t, _)| *t == connect_timeout) {
        return Ok(client.clone());
    }
    // reqwest is built without a bundled crypto provider (see Cargo.toml); install ring's
    // once per process. A second call finds it installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .user_agent(concat!("browser-tasks-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| innermost(&e))?;
    clients.push((connect_timeout, client.clone()));
    Ok(client)
}

/// Percent-encode one URL path segment: unreserved characters stay, everything else is `%XX`.
pub fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

fn normalize_base_url(provider: Provider, raw: &str) -> Result<String, SetupError> {
    let fail = |reason: &str| SetupError::BaseUrl {
        provider,
        url: raw.to_string(),
        reason: reason.to_string(),
    };
    let parsed = reqwest::Url::parse(raw.trim()).map_err(|e| fail(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(fail("the scheme must be http or https"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(fail("it must not carry a query or fragment"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// The most specific message in an error's source chain (reqwest's top level only says
/// "error sending request").
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        message = inner.to_string();
        source = inner.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalized_and_checked() {
        let ok = |raw: &str| normalize_base_url(Provider::Anchor, raw).unwrap();
        assert_eq!(
            ok("https://api.anchorbrowser.io"),
            "https://api.anchorbrowser.io"
        );
        assert_eq!(
            ok("https://api.anchorbrowser.io/"),
            "https://api.anchorbrowser.io"
        );
        assert_eq!(
            ok("https://api.browser-use.com/api/v2/"),
            "https://api.browser-use.com/api/v2"
        );
        assert!(normalize_base_url(Provider::Anchor, "ftp://x").is_err());
        assert!(normalize_base_url(Provider::Anchor, "not a url").is_err());
        assert!(normalize_base_url(Provider::Anchor, "http://x/?a=1").is_err());
    }
}
