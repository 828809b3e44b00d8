//! Who an MCP task belongs to. Only its owner sees it: `tasks/get`, `tasks/update` and
//! `tasks/cancel` from anyone else answer as for an unknown task, so a task id that leaks
//! (in a log, a proxy's `Mcp-Name` header) gives nothing away.
//!
//! The owner is the narrowest identity the request carries, in this order:
//! 1. the OAuth subject of its token (`--auth-issuer`; see [`oauth_subject`]);
//! 2. over HTTP, the provider keys the session brought (`--per-request-keys`), else the
//!    server's own keys: a SHA-256 of them, never the keys;
//! 3. over stdio, the local user (the only one a stdio server has).

use rmcp::model::Extensions;
use sha2::{Digest, Sha256};

use crate::cloud::Provider;
use crate::mcp::context::Caller;

/// The owner of an MCP task, as stored with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskOwner {
    /// An authenticated user: their token's subject.
    Subject(String),
    /// Whoever holds these provider keys: their fingerprint (see [`key_fingerprint`]).
    Keys(String),
    /// The user of a stdio server.
    Local,
}

impl TaskOwner {
    /// How the catalog stores it.
    pub fn stored(&self) -> String {
        match self {
            TaskOwner::Subject(subject) => format!("subject:{subject}"),
            TaskOwner::Keys(fingerprint) => format!("keys:{fingerprint}"),
            TaskOwner::Local => "local".into(),
        }
    }

    /// The owner of a request with these `extensions` (an HTTP request carries its head in
    /// them; stdio carries none). `session_keys`: the fingerprint of the provider keys the
    /// session brought, if it did; `server_keys`: that of the server's own keys (see
    /// [`key_fingerprint`]).
    pub fn of(extensions: &Extensions, session_keys: Option<&str>, server_keys: &str) -> Self {
        if let Some(subject) = oauth_subject(extensions) {
            return TaskOwner::Subject(subject);
        }
        let over_http = extensions.get::<axum::http::request::Parts>().is_some();
        match session_keys {
            Some(keys) => TaskOwner::Keys(keys.to_string()),
            None if over_http => TaskOwner::Keys(server_keys.to_string()),
            None => TaskOwner::Local,
        }
    }
}

/// The OAuth subject of the request's token: the authenticated [`Caller`]'s the HTTP layer
/// puts in the request's extensions (the server's own user, with no subject, falls through to
/// the keys).
pub fn oauth_subject(extensions: &Extensions) -> Option<String> {
    Caller::in_request(extensions)?
        .subject()
        .map(str::to_string)
}

/// A fingerprint of provider keys: SHA-256 over each provider's id and key, in the order
/// given, hex. The same keys always give the same fingerprint (so an owner is recognised
/// again, by any server process), and the keys cannot be read back from it.
pub fn key_fingerprint(keys: &[(Provider, String)]) -> String {
    let mut hash = Sha256::new();
    hash.update(b"browser-tasks-mcp task owner v1");
    for (provider, key) in keys {
        hash.update([0u8]);
        hash.update(provider.id().as_bytes());
        hash.update([0u8]);
        hash.update(key.as_bytes());
    }
    hash.finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_narrowest_identity_owns_a_task_and_no_key_is_kept() {
        let stdio = Extensions::new();
        assert_eq!(TaskOwner::of(&stdio, None, "srv"), TaskOwner::Local);
        let mut http = Extensions::new();
        let (parts, _) = axum::http::Request::new(()).into_parts();
        http.insert(parts);
        assert_eq!(
            TaskOwner::of(&http, None, "srv"),
            TaskOwner::Keys("srv".into())
        );
        let keys = key_fingerprint(&[(Provider::Anchor, "sk-secret-1".to_string())]);
        let owner = TaskOwner::of(&http, Some(&keys), "srv");
        let stored = owner.stored();
        assert!(
            stored.starts_with("keys:") && !stored.contains("sk-secret-1"),
            "{stored}"
        );
        // Same keys, same owner; other keys, another.
        let again = key_fingerprint(&[(Provider::Anchor, "sk-secret-1".to_string())]);
        assert_eq!(owner, TaskOwner::of(&http, Some(&again), "srv"));
        let other = key_fingerprint(&[(Provider::Anchor, "sk-secret-2".to_string())]);
        assert_ne!(owner, TaskOwner::of(&http, Some(&other), "srv"));
        assert_eq!(TaskOwner::Subject("u1".into()).stored(), "subject:u1");
    }

    #[test]
    fn an_authenticated_caller_owns_its_tasks_whatever_keys_it_holds() {
        use crate::mcp::context::Access;
        let with = |caller: Caller| {
            let (mut parts, _) = axum::http::Request::new(()).into_parts();
            parts.extensions.insert(caller);
            let mut extensions = Extensions::new();
            extensions.insert(parts);
            extensions
        };
        let alice = with(Caller::user("alice", &[Access::Read], false));
        assert_eq!(
            TaskOwner::of(&alice, Some("keys"), "srv"),
            TaskOwner::Subject("alice".into())
        );
        // The legacy transport puts the caller in the message's own extensions.
        let mut legacy = Extensions::new();
        legacy.insert(Caller::user("bob", &[Access::Run], false));
        assert_eq!(
            TaskOwner::of(&legacy, None, "srv"),
            TaskOwner::Subject("bob".into())
        );
        // The server's own user has no subject: its keys own its tasks.
        assert_eq!(
            TaskOwner::of(&with(Caller::operator()), None, "srv"),
            TaskOwner::Keys("srv".into())
        );
    }
}
