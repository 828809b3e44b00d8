//! What a failure means on one endpoint: the interface through which a provider client tells
//! the HTTP core its endpoints' hints ([`EndpointHints`]), and the failure as a hint table reads
//! it ([`Failure`]: the route, the status, the API's code).
//!
//! A status means different things on different endpoints (Browser Use answers 403 to enabling
//! a skill over the plan's limit, 429 to a start over the concurrent-session limit; a 404 on a
//! run is not a 404 on a task), and a write whose answer was lost is checked differently per
//! endpoint. Each provider keeps its table beside its client (`providers::*::hints`), written
//! from its vendor's documented responses; [`super::ApiError::hint`] falls back to what a
//! failure means anywhere.

use std::time::Duration;

/// A provider's hints: what `failure` means on its endpoint, or `None` for the general hint.
pub type EndpointHints = fn(&Failure<'_>) -> Option<String>;

/// A failed request, as a provider's hint table reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path as sent, below the base URL, without the query: `/v1/task/5d9c…/executions`.
    pub path: &'a str,
    /// The HTTP status (`None`: a write whose answer was lost before any status came).
    pub status: Option<u16>,
    /// The API's own error code, when its body carried one.
    pub code: Option<&'a str>,
    /// The wait the API asked for (`Retry-After`).
    pub retry_after: Option<Duration>,
    /// A write that may have been applied although its answer was lost.
    pub outcome_unknown: bool,
}

impl Failure<'_> {
    /// Whether this failure is on `route`: a method and a path template whose `{…}` segments
    /// match any one segment, e.g. `"GET /v1/task/{taskId}/executions"`.
    pub fn on(&self, route: &str) -> bool {
        let Some((method, template)) = route.split_once(' ') else {
            return false;
        };
        if method != self.method {
            return false;
        }
        let mut wanted = template.split('/');
        let mut given = self.path.split('/');
        loop {
            match (wanted.next(), given.next()) {
                (None, None) => return true,
                (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') && !g.is_empty() => {}
                (Some(w), Some(g)) if w == g => {}
                _ => return false,
            }
        }
    }

    /// Whether this failure is on any of `routes`.
    pub fn on_any(&self, routes: &[&str]) -> bool {
        routes.iter().any(|route| self.on(route))
    }

    /// The path's segment number `index` (0 is the first after the leading `/`), as sent
    /// (percent-encoded): an id to name in a hint.
    pub fn segment(&self, index: usize) -> Option<&str> {
        self.path
            .trim_start_matches('/')
            .split('/')
            .nth(index)
            .filter(|s| !s.is_empty())
    }

    /// Whether the API answered with `status`.
    pub fn status_is(&self, status: u16) -> bool {
        self.status == Some(status) && !self.outcome_unknown
    }

    /// Whether the API answered with a 5xx status.
    pub fn server_error(&self) -> bool {
        self.status.is_some_and(|s| s >= 500) && !self.outcome_unknown
    }
}

/// The hints an agent reads for each case (`"METHOD /path STATUS"`, status `unknown` for a
/// write whose answer was lost), one per line, for table-driven tests of a provider's hints.
#[cfg(test)]
pub(crate) fn rendered(
    provider: super::Provider,
    hints: EndpointHints,
    cases: &[(&str, Option<&str>)],
) -> String {
    use super::ApiError;
    let mut out = String::new();
    for (case, code) in cases {
        let mut words = case.split(' ');
        let (method, path, status) = (
            words.next().unwrap_or_default(),
            words.next().unwrap_or_default(),
            words.next().unwrap_or_default(),
        );
        let operation = format!("{method} {path}");
        let retry_after = (status == "429").then(|| Duration::from_secs(7));
        let error = match status.parse::<u16>() {
            Ok(status) => ApiError::Status {
                provider,
                operation,
                status,
                message: "the API's message".into(),
                code: code.map(str::to_string),
                retry_after,
                hint: None,
            },
            Err(_) => ApiError::OutcomeUnknown {
                provider,
                operation,
                reason: "the connection broke after the request was sent".into(),
                status: None,
                hint: None,
            },
        };
        let failure = Failure {
            method,
            path,
            status: error.status(),
            code: *code,
            retry_after,
            outcome_unknown: error.outcome_unknown(),
        };
        let endpoint = hints(&failure);
        let source = if endpoint.is_some() { "" } else { " (general)" };
        let error = error.with_hint(endpoint);
        out.push_str(&format!("{case}{source}: {}\n", error.hint()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(method: &'static str, path: &'static str) -> Failure<'static> {
        Failure {
            method,
            path,
            status: Some(404),
            code: None,
            retry_after: None,
            outcome_unknown: false,
        }
    }

    #[test]
    fn routes_match_by_method_and_segments() {
        let f = failure("GET", "/v1/task/abc/executions/def");
        assert!(f.on("GET /v1/task/{taskId}/executions/{executionId}"));
        assert!(!f.on("POST /v1/task/{taskId}/executions/{executionId}"));
        assert!(!f.on("GET /v1/task/{taskId}/executions"));
        assert!(!f.on("GET /v1/task/{taskId}"));
        assert!(!f.on("GET"));
        assert!(failure("POST", "/v1/task/run").on("POST /v1/task/run"));
        // A literal segment is not a placeholder's.
        assert!(!failure("GET", "/v1/task/run").on("GET /v1/task/draft"));
        assert!(failure("GET", "/v1/task/run").on("GET /v1/task/{taskId}"));
        assert!(!failure("GET", "/v1/task/").on("GET /v1/task/{taskId}"));
        assert_eq!(f.segment(2), Some("abc"));
        assert_eq!(f.segment(4), Some("def"));
        assert_eq!(f.segment(5), None);
    }
}
