//! End-to-end tests: the server driven by rmcp's client (and raw clients where a transport
//! needs it) against the fake Anchor and Browser Use APIs; in this process by default, the real
//! binary over stdio and HTTP where the process itself is under test (see `harness.rs`). One
//! test binary (faster to build than one per file).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cdp;
mod harness;

mod anchor_client;
mod anchor_stop;
mod bad_input;
mod both_providers;
mod browser_use;
mod browser_use_client;
mod budgets;
mod cli;
mod code_tasks;
mod faults;
mod fleet;
mod generated_tasks;
mod http;
mod interventions;
mod layout;
mod mcp_tasks;
mod oauth;
mod promises;
mod prompts;
mod protocol;
mod read_only;
mod refine_loop;
mod resources;
mod runs;
mod sdk_clients;
mod server_json;
mod shared_wait;
mod spec_check;
mod stdio;
mod task_tools;
mod tools_list;
mod upstream_errors;
mod viewer;
