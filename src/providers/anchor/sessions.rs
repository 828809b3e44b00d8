//! Anchor's browser sessions as runs need them: ending a run's session (which stops the run),
//! its recordings and downloads (the run's evidence), and the requests for a person a task
//! makes while it runs (human in the loop). Shapes follow the vendor's OpenAPI file
//! (`/v1/sessions/…`); every answer is wrapped in `{"data": …}`.
//!
//! No MCP types here.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AnchorClient, seg, to_json};
use crate::cloud::{ApiError, Fetched, Request};

/// `SuccessResponse`: `{"data": {"status"}}`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Acknowledged {
    #[serde(default)]
    pub status: Option<String>,
    /// Set by respond-to-human-intervention only.
    #[serde(default)]
    pub message: Option<String>,
}

/// A session as `GET /v1/sessions/{session_id}` shows it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct SessionInfo {
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub duration: Option<i64>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// One recording of a session (`RecordingItem`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Recording {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub is_primary: Option<bool>,
    #[serde(default)]
    pub file_link: Option<String>,
    #[serde(default)]
    pub suggested_file_name: Option<String>,
    #[serde(default)]
    pub duration: Option<String>,
    /// Bytes.
    #[serde(default)]
    pub size: Option<f64>,
}

/// One file a session downloaded (`DownloadItem`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Download {
    #[serde(default)]
    pub id: Option<String>,
    /// Needs the API key to fetch.
    #[serde(default)]
    pub file_link: Option<String>,
    #[serde(default)]
    pub suggested_file_name: Option<String>,
    #[serde(default)]
    pub original_file_name: Option<String>,
    /// Bytes.
    #[serde(default)]
    pub size: Option<u64>,
}

/// `{count, items}` of the recording and download lists.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Items<T> {
    #[serde(default)]
    pub count: Option<u64>,
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
}

/// One field of a `fields` request (`HumanInterventionField`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct InterventionField {
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub required: Option<bool>,
    /// text, number, url, email or password.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub default_value: Option<String>,
}

/// A task's pending request for a person (`HumanInterventionRequest`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct InterventionRequest {
    pub request_id: String,
    pub message: String,
    /// text, confirm or fields (text when absent).
    #[serde(default)]
    pub input_type: Option<String>,
    #[serde(default)]
    pub fields: Option<Vec<InterventionField>>,
}

/// `data` of `POST /v1/sessions` (`SessionCreateResponseSchema`). The answer's `cdp_url`, a
/// connection to the browser itself, is not read, so it is never kept or shown.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SessionCreated {
    pub id: String,
    /// Where a person can watch the session.
    #[serde(default)]
    pub live_view_url: Option<String>,
}

/// `data` of requested-human-intervention.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct InterventionRequests {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub requests: Vec<InterventionRequest>,
}

impl AnchorClient {
    /// `POST /v1/sessions` (`SessionCreateRequestSchema`): start a browser session with these
    /// `session` settings (`SessionConfig`, the same object as a task's browser configuration).
    /// A write: sent once, never retried.
    pub async fn create_session(
        &self,
        settings: Option<&Value>,
    ) -> Result<SessionCreated, ApiError> {
        let body = match settings {
            Some(settings) => serde_json::json!({ "session": settings }),
            None => serde_json::json!({}),
        };
        self.v1(Request::post("/v1/sessions", body)).await
    }

    /// `DELETE /v1/sessions/{session_id}`: end a browser session (and the run in it).
    pub async fn end_session(&self, session_id: &str) -> Result<Acknowledged, ApiError> {
        self.v1(Request::delete(format!("/v1/sessions/{}", seg(session_id))))
            .await
    }

    /// `GET /v1/sessions/{session_id}`.
    pub async fn get_session(&self, session_id: &str) -> Result<SessionInfo, ApiError> {
        self.v1(Request::get(format!("/v1/sessions/{}", seg(session_id))))
            .await
    }

    /// `GET /v1/sessions/{sessionId}/screenshot`: the live page as `image/png`, at most `cap`
    /// bytes of it.
    pub async fn screenshot(&self, session_id: &str, cap: u64) -> Result<Fetched, ApiError> {
        let path = format!("/v1/sessions/{}/screenshot", seg(session_id));
        self.http.fetch_bytes(Request::get(path), cap).await
    }

    /// Where [`Self::screenshot`] is served (it needs the API key).
    pub fn screenshot_url(&self, session_id: &str) -> String {
        format!(
            "{}/v1/sessions/{}/screenshot",
            self.http.base_url(),
            seg(session_id)
        )
    }

    /// `GET /v1/sessions/{session_id}/recordings`.
    pub async fn recordings(&self, session_id: &str) -> Result<Items<Recording>, ApiError> {
        let path = format!("/v1/sessions/{}/recordings", seg(session_id));
        self.v1(Request::get(path)).await
    }

    /// `GET /v1/sessions/{session_id}/downloads`.
    pub async fn downloads(&self, session_id: &str) -> Result<Items<Download>, ApiError> {
        let path = format!("/v1/sessions/{}/downloads", seg(session_id));
        self.v1(Request::get(path)).await
    }

    /// `GET /v1/sessions/{session_id}/agent/requested-human-intervention`: the session's
    /// pending requests for a person.
    pub async fn requested_interventions(
        &self,
        session_id: &str,
    ) -> Result<InterventionRequests, ApiError> {
        let path = format!(
            "/v1/sessions/{}/agent/requested-human-intervention",
            seg(session_id)
        );
        self.v1(Request::get(path)).await
    }

    /// `POST /v1/sessions/{session_id}/agent/respond-to-human-intervention`.
    pub async fn respond_to_intervention(
        &self,
        session_id: &str,
        request_id: &str,
        response: Value,
    ) -> Result<Acknowledged, ApiError> {
        let path = format!(
            "/v1/sessions/{}/agent/respond-to-human-intervention",
            seg(session_id)
        );
        let body = to_json(&serde_json::json!({"requestId": request_id, "response": response}));
        self.v1(Request::post(path, body)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_intervention_shapes() {
        let body = r#"{"status":"success","requests":[{"requestId":"r1","message":"Log in?",
            "inputType":"fields","fields":[{"name":"code","label":"Code","type":"number","required":true}]}]}"#;
        let read: InterventionRequests = serde_json::from_str(body).unwrap();
        let request = &read.requests[0];
        assert_eq!(request.input_type.as_deref(), Some("fields"));
        let field = &request.fields.as_ref().unwrap()[0];
        assert_eq!(
            (field.name.as_str(), field.kind.as_deref()),
            ("code", Some("number"))
        );
    }
}
