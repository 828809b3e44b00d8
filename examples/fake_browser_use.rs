//! Run the fake Browser Use Cloud API by hand, to try the server without an account:
//!
//! ```text
//! cargo run --example fake_browser_use            # prints its URL and the settings to use
//! cargo run --example fake_browser_use -- 8932    # on a fixed port
//! ```
//!
//! Agent tasks take about four seconds and take a step per status check; skills generate in
//! a few checks and come out enabled. A demo skill, "Search demo", is there from the start (so
//! the server lists it as a tool at once). Stop it with Ctrl-C.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use browser_tasks_fakes::browser_use::{AgentScript, FakeBrowserUse, SkillScript, SpecCheck};

const KEY: &str = "bu-fake-browser-use-key";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = match std::env::args().nth(1) {
        Some(port) => port.parse()?,
        None => 0,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let fake = FakeBrowserUse::start_on(listener, KEY)?;
    // Exchanges Browser Use's OpenAPI file does not describe are reported on stderr.
    fake.set_spec_check(SpecCheck::Log);
    fake.set_default_task_script(
        AgentScript {
            started_checks: 4,
            ..AgentScript::default()
        }
        .lasting(Duration::from_secs(4)),
    );
    let demo = fake.seed_skill("Search demo", SkillScript::default());
    println!("Fake Browser Use Cloud API listening on {}", fake.url());
    println!("Demo skill \"Search demo\": {demo}");
    println!();
    println!("Point the server at it:");
    println!(
        "  BROWSER_USE_API_KEY={KEY} BROWSER_USE_BASE_URL={} cargo run --release",
        fake.url()
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
