//! An Anchor run's evidence: what its browser session kept (the session's record, its
//! recordings and downloaded files), as provider-neutral [`Artifact`]s. Recordings are video,
//! always served by their (presigned) URL; downloads by their URL, which needs the API key; a
//! live session's screenshot is taken when it is read, its bytes fetched up to the inline cap.

use crate::cloud::{ApiError, Fetched};
use crate::evidence::{Artifact, presigned_expiry, segment_name};
use crate::providers::anchor::AnchorClient;

/// The artifacts of the browser session `session_id`; a screenshot too while `running` (the
/// run in it goes on) and the session is open. `fetch`: the artifact whose bytes to fetch,
/// up to a cap.
pub async fn session_artifacts(
    anchor: &AnchorClient,
    session_id: &str,
    running: bool,
    fetch: Option<(&str, u64)>,
) -> Result<Vec<Artifact>, ApiError> {
    let session = anchor.get_session(session_id).await?;
    let mut artifacts = vec![Artifact {
        name: "session".into(),
        description: "The browser session's record (status, duration).".into(),
        mime_type: "application/json".into(),
        size: None,
        url: None,
        expires_at: None,
        url_needs_key: false,
        inline: Some(
            serde_json::json!({
                "session_id": session.session_id.unwrap_or_else(|| session_id.to_string()),
                "status": session.status,
                "duration_seconds": session.duration,
                "created_at": session.created_at,
            })
            .to_string(),
        ),
        blob: None,
    }];
    // A live session can show its page now (`GET /v1/sessions/{sessionId}/screenshot`).
    if running
        && session
            .status
            .as_deref()
            .is_some_and(|s| s != "closed" && s != "ended")
    {
        let (blob, size) = match fetch {
            Some(("screenshot", cap)) => match anchor.screenshot(session_id, cap).await? {
                Fetched::Bytes { bytes, .. } => {
                    let size = bytes.len() as u64;
                    (Some(bytes), Some(size))
                }
                Fetched::TooLarge(size) => (None, size),
            },
            _ => (None, None),
        };
        artifacts.push(Artifact {
            name: "screenshot".into(),
            description: "A screenshot of the live session's page, taken when read.".into(),
            mime_type: "image/png".into(),
            size,
            url: Some(anchor.screenshot_url(session_id)),
            expires_at: None,
            url_needs_key: true,
            inline: None,
            blob,
        });
    }
    for recording in anchor.recordings(session_id).await?.items {
        let Some(url) = recording.file_link else {
            continue;
        };
        let name = match (recording.is_primary, recording.id.as_deref()) {
            (Some(true), _) | (_, None) => "recording".to_string(),
            (_, Some(id)) => format!("recording-{}", segment_name(id)),
        };
        artifacts.push(Artifact {
            name,
            description: "The session's video recording.".into(),
            mime_type: "video/mp4".into(),
            size: recording.size.map(|s| s as u64),
            expires_at: presigned_expiry(&url).map(|t| t.to_rfc3339()),
            url: Some(url),
            url_needs_key: false,
            inline: None,
            blob: None,
        });
    }
    for download in anchor.downloads(session_id).await?.items {
        let Some(url) = download.file_link else {
            continue;
        };
        let file = download
            .suggested_file_name
            .or(download.original_file_name)
            .or(download.id)
            .unwrap_or_else(|| "file".into());
        artifacts.push(Artifact {
            name: format!("download-{}", segment_name(&file)),
            description: format!("A file the browser downloaded: {file}."),
            mime_type: "application/octet-stream".into(),
            size: download.size,
            expires_at: presigned_expiry(&url).map(|t| t.to_rfc3339()),
            url: Some(url),
            url_needs_key: true,
            inline: None,
            blob: None,
        });
    }
    Ok(artifacts)
}
