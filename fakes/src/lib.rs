//! Fakes of the cloud APIs, written and owned by this project: a crate of the workspace that
//! browser-tasks-mcp's tests and examples use as a dev-dependency (the shipped binary does not
//! carry it, and it does not depend on the server).
//!
//! These machines cannot reach the vendors, so the clients are proven against fakes that hold
//! them to the vendors' documented contract (their OpenAPI files and pages, summarized in the
//! server's provider module docs): the same paths, auth, validation and error
//! shapes, the same lifecycles (scriptable), plus counters and a request log so tests can
//! assert what arrived (for example that a run was POSTed exactly once).
//!
//! Where the contract is silent the fakes are stricter than the real API is likely to be
//! (unknown body fields are rejected), so a misspelled field fails a test instead of being
//! silently ignored in production.
//!
//! Every request a fake receives and every answer it gives is also checked against the vendor's
//! OpenAPI file ([`spec`]), strictly: what the operation does not declare is a [`Violation`],
//! kept for the test to fail on ([`SpecChecked`]), logged to stderr when run by hand, and never
//! answered differently for it. Scripted fault answers are the test's own and are not checked.
//!
//! [`auth`] is not a cloud but an OAuth authorization server, the one the server's OAuth mode
//! (`--auth-issuer`) trusts in the tests: metadata, keys, tokens with any claims or defect.
//!
//! They also run by hand (`cargo run --example fake_anchor`) so anyone can try the server
//! without an account.

pub mod anchor;
pub mod auth;
pub mod browser_use;
pub mod ledger;
pub mod spec;

pub use ledger::{Fault, FaultAction, RecordedRequest, SpecCheck, SpecChecked};
pub use spec::Violation;
