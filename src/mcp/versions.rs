//! A task's version history as an agent sees it: what each version was made by (and, with
//! OAuth, who made it), when and why,
//! compactly (the newest few, reasons cut short), the last one current. The catalog keeps the
//! history (`catalog::TaskVersion`); tools record it through [`ToolEnv::note_version`] and show
//! it with [`history`]. Nothing here names a provider.

use serde::Serialize;

use super::context::ToolEnv;
use crate::catalog::{CatalogTask, VersionEvent};

/// How many of the newest history entries an answer shows.
const SHOWN: usize = 8;
/// The longest reason shown, in characters.
const MAX_REASON_CHARS: usize = 160;

/// One history entry as shown.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VersionNote {
    pub version: String,
    /// generated, refined, deployed or restored.
    pub event: VersionEvent,
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Who made it (a team member's subject, with OAuth); absent for the server's own user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// The newest entries of `task`'s history, oldest first (the last one is current); empty when
/// the catalog has none.
pub async fn history(env: &ToolEnv, task: &CatalogTask) -> Vec<VersionNote> {
    let all = env.versions(task).await;
    let skip = all.len().saturating_sub(SHOWN);
    all.into_iter()
        .skip(skip)
        .map(|v| VersionNote {
            version: v.version,
            event: v.event,
            at: v.created_at,
            why: v.reason.as_deref().map(shown_reason),
            by: v.owner,
        })
        .collect()
}

/// A reason as shown: its first paragraph (the agent's own words; a run's evidence follows
/// them, kept in the catalog), cut short.
fn shown_reason(reason: &str) -> String {
    let reason = reason.trim();
    match reason.split_once("\n\n") {
        Some((first, _)) => format!(
            "{} (+ a run's evidence)",
            crate::cloud::truncate_text(first.trim(), MAX_REASON_CHARS)
        ),
        None => crate::cloud::truncate_text(reason, MAX_REASON_CHARS),
    }
}

/// The history as one line for a reply's text ("Versions: v1 generated, v2 refined …"), or
/// `None` while there is only one version (nothing to restore).
pub fn summary_line(notes: &[VersionNote]) -> Option<String> {
    if notes.len() < 2 {
        return None;
    }
    let parts: Vec<String> = notes
        .iter()
        .map(|n| format!("v{} {}", n.version, n.event.as_str()))
        .collect();
    Some(format!(
        "Versions: {} (deploy_task restore brings one back).",
        parts.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(version: &str, event: VersionEvent) -> VersionNote {
        VersionNote {
            version: version.into(),
            event,
            at: "t".into(),
            why: None,
            by: None,
        }
    }

    #[test]
    fn a_reason_shows_the_agents_words_and_notes_the_evidence() {
        assert_eq!(shown_reason("  add a login step "), "add a login step");
        assert_eq!(
            shown_reason("add a login step\n\nEvidence from run r:\n- error: x"),
            "add a login step (+ a run's evidence)"
        );
        let long = "x".repeat(500);
        assert!(shown_reason(&long).chars().count() <= MAX_REASON_CHARS + 1);
    }

    #[test]
    fn the_summary_line_appears_once_there_is_something_to_restore() {
        assert_eq!(summary_line(&[note("1", VersionEvent::Generated)]), None);
        assert_eq!(
            summary_line(&[
                note("1", VersionEvent::Generated),
                note("2", VersionEvent::Refined)
            ])
            .as_deref(),
            Some("Versions: v1 generated, v2 refined (deploy_task restore brings one back).")
        );
    }
}
