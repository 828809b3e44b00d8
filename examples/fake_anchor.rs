//! Run the fake Anchor API by hand, to try the server without an account:
//!
//! ```text
//! cargo run --example fake_anchor            # prints its URL and the settings to use
//! cargo run --example fake_anchor -- 8931    # on a fixed port
//! ```
//!
//! It starts with one deployed demo code task (`hello-world`); runs take about three seconds,
//! generations about two status checks. Stop it with Ctrl-C.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use browser_tasks_fakes::anchor::{FakeAnchor, RunScript, SpecCheck};

const KEY: &str = "sk-fake-anchor-key";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = match std::env::args().nth(1) {
        Some(port) => port.parse()?,
        None => 0,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let fake = FakeAnchor::start_on(listener, KEY)?;
    // Exchanges Anchor's OpenAPI file does not describe are reported on stderr.
    fake.set_spec_check(SpecCheck::Log);
    fake.set_default_run_script(RunScript::default().lasting(Duration::from_secs(3)));
    let demo = fake.seed_code_task(
        "hello-world",
        "export default async function run() {\n  return { greeting: `hello ${process.env.ANCHOR_NAME ?? 'world'}` };\n}\n",
        1,
    );
    println!("Fake Anchor API listening on {}", fake.url());
    println!("Demo code task: hello-world ({demo})");
    println!();
    println!("Point the server at it:");
    println!(
        "  ANCHOR_API_KEY={KEY} ANCHORBROWSER_BASE_URL={} cargo run --release",
        fake.url()
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
