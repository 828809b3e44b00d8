//! A run's evidence, whatever the cloud: the artifacts it left (recordings, downloaded files,
//! the browser session's record), each with what a reader needs to get it: its bytes when the
//! server holds them, else the provider's URL, its size and, for a presigned URL, when it
//! expires. Providers list them (`providers::*::evidence`); the MCP layer serves them as
//! resources.
//!
//! Knows nothing of MCP or HTTP.

use crate::runs::RunReport;

/// One artifact of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// Its name within the run (one URI segment), e.g. "recording", "session".
    pub name: String,
    /// What it is, for a person: "the session's video recording".
    pub description: String,
    pub mime_type: String,
    /// Bytes, when known.
    pub size: Option<u64>,
    /// Where the provider serves it, when it does.
    pub url: Option<String>,
    /// When `url` stops working (RFC 3339), for a presigned URL.
    pub expires_at: Option<String>,
    /// Whether fetching `url` needs the provider's API key (then only the server can).
    pub url_needs_key: bool,
    /// Its content, when the server holds it (small JSON or text).
    pub inline: Option<String>,
    /// Its bytes, when the server fetched them for this read (within the inline cap).
    pub blob: Option<Vec<u8>>,
}

/// A run and its artifacts.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub report: RunReport,
    pub artifacts: Vec<Artifact>,
    /// Why there are no artifacts, when there are none (e.g. the session is not known).
    pub note: Option<String>,
}

/// When a presigned URL (S3 style: `X-Amz-Date` and `X-Amz-Expires`) expires, in RFC 3339.
pub fn presigned_expiry(url: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let query = url.split_once('?')?.1;
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.to_string())
    };
    let signed = chrono::NaiveDateTime::parse_from_str(&param("X-Amz-Date")?, "%Y%m%dT%H%M%SZ")
        .ok()?
        .and_utc();
    let seconds: i64 = param("X-Amz-Expires")?.parse().ok()?;
    Some(signed + chrono::Duration::seconds(seconds))
}

/// A name safe as one URI segment: letters, digits, `.`, `-` and `_`; anything else `_`.
pub fn segment_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presigned_urls_say_when_they_expire() {
        let url = "https://x.test/a.mp4?X-Amz-Date=20260301T120000Z&X-Amz-Expires=3600&sig=1";
        assert_eq!(
            presigned_expiry(url).map(|t| t.to_rfc3339()),
            Some("2026-03-01T13:00:00+00:00".into())
        );
        assert_eq!(presigned_expiry("https://x.test/a.mp4"), None);
        assert_eq!(segment_name("My File (1).pdf"), "My_File__1_.pdf");
    }
}
