//! Scopes and what they grant: the configured scope names (read, run, build, admin) into a
//! [`Caller`] (read; run = read + run; build = read + run + build; admin sees every user's
//! runs), the scope to ask for to get an [`Access`], and the one thing of a request body the
//! HTTP layer reads to refuse a call beyond a token's scopes with 403: which tool a
//! `tools/call` names.

use serde::Deserialize;

use crate::config::ScopeNames;
use crate::mcp::{Access, Caller};

/// The caller a token of `subject` with `scopes` is.
pub fn caller(names: &ScopeNames, subject: &str, scopes: &[String]) -> Caller {
    let has = |name: &str| scopes.iter().any(|s| s == name);
    let build = has(&names.build);
    let run = build || has(&names.run);
    let read = run || has(&names.read);
    let grants: Vec<Access> = [
        (read, Access::Read),
        (run, Access::Run),
        (build, Access::Build),
    ]
    .into_iter()
    .filter_map(|(granted, access)| granted.then_some(access))
    .collect();
    Caller::user(subject, &grants, has(&names.admin))
}

/// The scope that grants `access` (the least one: each implies those below it).
pub fn scope_for(names: &ScopeNames, access: Access) -> &str {
    match access {
        Access::Read => &names.read,
        Access::Run => &names.run,
        Access::Build => &names.build,
    }
}

/// The scopes clients may ask for (RFC 9728 `scopes_supported`): the ones that shape the
/// tools. The admin scope is left out: operators grant it, clients do not ask for it.
pub fn supported(names: &ScopeNames) -> Vec<&str> {
    vec![&names.read, &names.run, &names.build]
}

/// The part of a JSON-RPC message read here.
#[derive(Deserialize)]
struct Peek {
    method: Option<String>,
    params: Option<PeekParams>,
}

#[derive(Deserialize)]
struct PeekParams {
    name: Option<String>,
}

/// The tool a message body calls, when it is a `tools/call` request (anything else, or no
/// JSON at all, is left to the transport and the server).
pub fn called_tool(body: &[u8]) -> Option<String> {
    let peek: Peek = serde_json::from_slice(body).ok()?;
    if peek.method.as_deref() != Some("tools/call") {
        return None;
    }
    peek.params?.name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> ScopeNames {
        ScopeNames {
            read: "r".into(),
            run: "x".into(),
            build: "b".into(),
            admin: "a".into(),
        }
    }

    fn grants(scopes: &[&str]) -> Vec<Access> {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let caller = caller(&names(), "u", &scopes);
        Access::ALL
            .into_iter()
            .filter(|a| caller.allows(*a))
            .collect()
    }

    #[test]
    fn each_scope_grants_itself_and_what_is_below() {
        assert_eq!(grants(&[]), vec![]);
        assert_eq!(grants(&["r"]), vec![Access::Read]);
        assert_eq!(grants(&["x"]), vec![Access::Read, Access::Run]);
        assert_eq!(grants(&["b"]), Access::ALL.to_vec());
        assert_eq!(grants(&["other", "r"]), vec![Access::Read]);
        // Admin sees every run, and grants no tool by itself.
        assert_eq!(grants(&["a"]), vec![]);
        let admin = caller(&names(), "u", &["a".to_string(), "r".to_string()]);
        assert!(admin.sees_run_of(Some("someone else")));
        let user = caller(&names(), "u", &["b".to_string()]);
        assert!(user.sees_run_of(Some("u")));
        assert!(!user.sees_run_of(Some("someone else")));
        assert!(!user.sees_run_of(None));
    }

    #[test]
    fn only_a_tools_call_names_a_tool() {
        let call = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"run_task","arguments":{}}}"#;
        assert_eq!(called_tool(call).as_deref(), Some("run_task"));
        for other in [
            &br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#[..],
            br#"{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"run_task"}}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"#,
            br#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"run_task"}}]"#,
            b"not json",
        ] {
            assert_eq!(
                called_tool(other),
                None,
                "{}",
                String::from_utf8_lossy(other)
            );
        }
    }
}
