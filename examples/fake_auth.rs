//! Run the fake authorization server by hand, to try the server's OAuth mode without an
//! identity provider:
//!
//! ```text
//! cargo run --example fake_auth            # prints its issuer and the commands to use
//! cargo run --example fake_auth -- 9000    # on a fixed port
//! ```
//!
//! Three clients are registered, one per scope (`reader`, `runner`, `builder`, secret
//! `secret`), each getting tokens for its own subject. Stop it with Ctrl-C.
#![allow(clippy::print_stdout)]

use browser_tasks_fakes::auth::{Discovery, FakeAuthServer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = match std::env::args().nth(1) {
        Some(port) => port.parse()?,
        None => 0,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let auth = FakeAuthServer::start_on(listener, Discovery::Both)?;
    for (client, scope) in [
        ("reader", "browser-tasks:read"),
        ("runner", "browser-tasks:run"),
        ("builder", "browser-tasks:build"),
    ] {
        auth.register_client(client, "secret", client, &[scope]);
    }
    let issuer = auth.issuer();
    println!("Fake authorization server, issuer {issuer}");
    println!("Clients: reader, runner, builder (secret \"secret\"), one scope each.");
    println!();
    println!("Serve MCP with it:");
    println!("  ANCHOR_API_KEY=… cargo run --release -- --transport http --auth-issuer {issuer}");
    println!("Get a token for it (the resource is the server's /mcp URL):");
    println!(
        "  curl -s -u runner:secret -d grant_type=client_credentials \
         -d resource=http://127.0.0.1:8931/mcp {issuer}/token"
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
