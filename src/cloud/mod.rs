//! Plumbing shared by the cloud API clients: the HTTP core each provider client is built on
//! (base URL, auth header, per-call timeouts, the read-only retry policy), the error every
//! provider call returns, and the open-enum helper for vendor enums that grow without notice.
//!
//! Nothing here knows about MCP: a provider client is a plain async Rust API.

mod error;
pub(crate) mod hints;
mod http;
pub(crate) mod open_enum;
mod provider;
mod retry;

pub use error::ApiError;
pub(crate) use error::truncate as truncate_text;
pub use http::{CallKind, Fetched, HttpCore, HttpSettings, Request, SetupError, path_segment};
pub use provider::Provider;
pub use retry::{RetryPolicy, parse_retry_after};
