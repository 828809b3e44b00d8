//! OAuth (issue 19): the real binary as an OAuth 2.1 resource server trusting the fake
//! authorization server (`browser_tasks_fakes::auth`). A client finds the issuer from a 401,
//! gets a token and lists the tools; every token defect is refused with 401 saying what is
//! wrong; scopes shape the tool list and a call beyond them gets 403 naming the scope to ask
//! for; keys rotate without a restart (and the keys are never read per request); bad
//! configurations stop the server at start, naming the fix.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use browser_tasks_fakes::auth::{Discovery, FakeAuthServer};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::harness::BIN;
use crate::http::{HttpServer, initialize, messages};

const READ: &str = "browser-tasks:read";
const RUN: &str = "browser-tasks:run";
const BUILD: &str = "browser-tasks:build";
const ADMIN: &str = "browser-tasks:admin";

/// The fake authorization server and the server trusting it (keys read again at most once a
/// second, so rotation needs no long wait); minted tokens are for the server's /mcp.
struct Team {
    auth: Arc<FakeAuthServer>,
    server: HttpServer,
}

impl Team {
    async fn start(discovery: Discovery, args: &[&str]) -> Self {
        let auth = Arc::new(FakeAuthServer::start_with(discovery).await.unwrap());
        let mut all = vec![
            "--auth-issuer",
            auth.issuer(),
            "--auth-key-refetch-seconds",
            "1",
        ];
        all.extend_from_slice(args);
        let server = HttpServer::start(&all, &[]).await;
        auth.set_default_audience(&format!("{}/mcp", server.base));
        Self { auth, server }
    }

    fn mcp(&self) -> String {
        format!("{}/mcp", self.server.base)
    }

    fn metadata_url(&self) -> String {
        format!("{}/.well-known/oauth-protected-resource", self.server.base)
    }

    /// A valid token of `subject` with `scope`.
    fn token(&self, subject: &str, scope: &str) -> String {
        self.auth.token().subject(subject).scope(scope).sign()
    }

    /// POST one JSON-RPC message to /mcp with these headers.
    async fn post(&self, headers: &[(&str, &str)], body: &str) -> reqwest::Response {
        let mut request = self
            .server
            .http()
            .post(self.mcp())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// POST `body` with a bearer token.
    async fn post_as(&self, token: &str, body: &str) -> reqwest::Response {
        let bearer = format!("Bearer {token}");
        self.post(&[("authorization", &bearer)], body).await
    }

    /// Open a session with `token` (initialize, then initialized); its id.
    async fn open_session(&self, token: &str) -> String {
        let opened = self.post_as(token, &initialize(VERSION)).await;
        assert_eq!(opened.status(), 200);
        let session = opened.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_string();
        opened.text().await.unwrap();
        let initialized = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
        let noted = self.in_session(token, &session, initialized).await;
        assert_eq!(noted.status(), 202);
        session
    }

    /// POST `body` in `session` with `token`.
    async fn in_session(&self, token: &str, session: &str, body: &str) -> reqwest::Response {
        let bearer = format!("Bearer {token}");
        self.post(
            &[
                ("authorization", &bearer),
                ("mcp-session-id", session),
                ("mcp-protocol-version", VERSION),
            ],
            body,
        )
        .await
    }
}

/// The protocol version raw requests speak.
const VERSION: &str = "2025-11-25";

/// A response's `WWW-Authenticate` header.
fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// One attribute of a `Bearer` challenge (`error`, `scope`, …).
fn attribute(challenge: &str, name: &str) -> Option<String> {
    let start = challenge.find(&format!("{name}=\""))? + name.len() + 2;
    let end = challenge[start..].find('"')? + start;
    Some(challenge[start..end].to_string())
}

const CALL: &str =
    r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"TOOL","arguments":{}}}"#;

fn tool_call(tool: &str) -> String {
    CALL.replace("TOOL", tool)
}

#[tokio::test]
async fn a_client_finds_the_issuer_in_a_401_gets_a_token_and_lists_the_tools() {
    let team = Team::start(Discovery::Both, &[]).await;
    // No token: 401 pointing at the resource's metadata.
    let refused = team.post(&[], &initialize(VERSION)).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(
        challenge(&refused),
        format!("Bearer resource_metadata=\"{}\"", team.metadata_url())
    );
    // The metadata, without a token, names the issuer (and is also where RFC 9728 puts it
    // for a resource with a path).
    let http = team.server.http();
    let metadata: Value = http
        .get(team.metadata_url())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        metadata,
        json!({
            "resource": team.mcp(),
            "authorization_servers": [team.auth.issuer()],
            "scopes_supported": [READ, RUN, BUILD],
            "bearer_methods_supported": ["header"],
            "resource_name": "browser-tasks-mcp",
        })
    );
    let under_path: Value = http
        .get(format!("{}/mcp", team.metadata_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(under_path, metadata);
    // The issuer's metadata names its token endpoint; a client gets a token for this
    // resource there (client credentials, RFC 8707 resource).
    let issuer: Value = http
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            metadata["authorization_servers"][0].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    team.auth
        .register_client("alice-cli", "s3cret", "alice", &[BUILD]);
    let granted: Value = http
        .post(issuer["token_endpoint"].as_str().unwrap())
        .basic_auth("alice-cli", Some("s3cret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("resource", metadata["resource"].as_str().unwrap())
                .finish(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = granted["access_token"].as_str().unwrap();
    let (client, _) = team.server.client(Some(token), &[]).await;
    assert_eq!(client.list_all_tools().await.unwrap().len(), 11);
    let listed = crate::http::call(&client, "list_tasks", json!({})).await;
    assert_ne!(listed.is_error, Some(true), "{listed:?}");
    // /health stays open; the token reaches no log.
    let health = http
        .get(format!("{}/health", team.server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let stderr = team.server.stderr();
    assert!(!stderr.contains(token), "a token reached the logs");
    assert!(
        stderr.contains(&format!(
            "OAuth: tokens of {} for {}",
            team.auth.issuer(),
            team.mcp()
        )),
        "{stderr}"
    );
}

#[tokio::test]
async fn every_token_defect_is_refused_with_a_401_saying_what_is_wrong() {
    // OpenID Connect discovery only: the server finds the keys through the fallback.
    let team = Team::start(Discovery::OpenIdOnly, &[]).await;
    let auth = &team.auth;
    let good = || auth.token().subject("alice").scope(BUILD);
    let rsa = auth.rsa_kid();
    let current = auth.current_kid();
    let defects: Vec<(&str, Option<String>)> = vec![
        ("no Authorization header", None),
        (
            "Basic credentials instead of a bearer token",
            Some("Basic YWxpY2U6czNjcmV0".into()),
        ),
        (
            "a bearer token that is not a JWT",
            Some("Bearer not-a-jwt".into()),
        ),
        (
            "issued for another audience",
            Some(good().audience("https://elsewhere.example/mcp").sign()),
        ),
        (
            "expired two minutes ago",
            Some(good().expires_in(-120).sign()),
        ),
        (
            "not valid for ten more minutes (nbf)",
            Some(good().not_before_in(600).sign()),
        ),
        (
            "issued by another issuer",
            Some(good().issuer("https://evil.example").sign()),
        ),
        (
            "signed by an unpublished key (unknown kid)",
            Some(good().signed_by_unpublished_key().sign()),
        ),
        (
            "signed by another key under a published kid",
            Some(good().signed_by_unpublished_key().kid(&current).sign()),
        ),
        ("alg none (unsigned)", Some(good().unsigned().sign())),
        (
            "HS256 keyed with the RSA public key",
            Some(good().hmac_with_public_key().sign()),
        ),
        (
            "ES256 under the RSA key's kid",
            Some(good().kid(&rsa).sign()),
        ),
        (
            "payload changed after signing",
            Some(good().tampered().sign()),
        ),
        (
            "no kid while the issuer has several keys",
            Some(good().without_kid().sign()),
        ),
        ("no sub", Some(good().without("sub").sign())),
        ("an empty sub", Some(good().subject("").sign())),
        ("no exp", Some(good().without("exp").sign())),
        ("no aud", Some(good().without("aud").sign())),
        ("no iss", Some(good().without("iss").sign())),
    ];
    let mut answers = Vec::new();
    for (defect, credential) in &defects {
        let credential = credential.as_ref().map(|c| {
            if c.starts_with("Basic ") || c.starts_with("Bearer ") {
                c.clone()
            } else {
                format!("Bearer {c}")
            }
        });
        let headers: Vec<(&str, &str)> = credential
            .as_deref()
            .map(|c| vec![("authorization", c)])
            .unwrap_or_default();
        let response = team.post(&headers, &initialize(VERSION)).await;
        let status = response.status().as_u16();
        let header = challenge(&response);
        assert_eq!(status, 401, "{defect}: {header}");
        assert_eq!(
            attribute(&header, "resource_metadata").as_deref(),
            Some(team.metadata_url().as_str()),
            "{defect}"
        );
        answers.push(json!({
            "defect": defect,
            "status": status,
            "error": attribute(&header, "error"),
            "error_description": attribute(&header, "error_description"),
        }));
    }
    insta::assert_json_snapshot!("oauth_token_defects", answers);

    // Not over-strict: within the clock leeway, signed by the RSA key, scopes as a list.
    for (case, token) in [
        (
            "expired 10 s ago, within the leeway",
            good().expires_in(-10).sign(),
        ),
        (
            "RS256, signed by the RSA key",
            good().signed_by(&rsa).sign(),
        ),
        (
            "scopes in scp, as a list",
            auth.token().claim("scp", json!([BUILD])).sign(),
        ),
    ] {
        let response = team.post_as(&token, &initialize(VERSION)).await;
        assert_eq!(response.status(), 200, "{case}: {}", challenge(&response));
    }

    // An unknown key id makes the server read the keys again, at most once a second: five
    // in a row cost one read at most, never one per request.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let reads = auth.count("GET /jwks");
    for _ in 0..5 {
        let forged = good().signed_by_unpublished_key().sign();
        assert_eq!(
            team.post_as(&forged, &initialize(VERSION)).await.status(),
            401
        );
    }
    let read_again = auth.count("GET /jwks") - reads;
    assert!(
        read_again <= 1,
        "the keys were read {read_again} times for 5 requests"
    );
    // RFC 8414's document was missing; OpenID Connect's served.
    assert_eq!(auth.count("GET /.well-known/oauth-authorization-server"), 1);
    assert_eq!(auth.count("GET /.well-known/openid-configuration"), 1);
}

#[tokio::test]
async fn scopes_shape_the_tools_and_a_call_beyond_them_asks_for_more() {
    let team = Team::start(Discovery::Both, &[]).await;
    let task_id = team.server.fake.seed_code_task("price-check", "x", 1);
    // A builder lists the tasks: the catalog learns a runnable task, a tool of its own.
    let builder = team.token("bob", BUILD);
    let (client, _) = team.server.client(Some(&builder), &[]).await;
    crate::http::call(&client, "list_tasks", json!({})).await;

    let mut seen = serde_json::Map::new();
    for scope in [READ, RUN, BUILD, &format!("{READ} {ADMIN}")] {
        let token = team.token("carol", scope);
        let (client, _) = team.server.client(Some(&token), &[]).await;
        let tools: Vec<String> = client
            .list_all_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect();
        let prompts: Vec<String> = client
            .list_all_prompts()
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        let instructions = client
            .peer_info()
            .and_then(|info| info.instructions.clone())
            .unwrap_or_default();
        let reach = if instructions.contains("read-only for you") {
            "read"
        } else if instructions.contains("generate_task") {
            "build"
        } else {
            "run"
        };
        seen.insert(
            scope.to_string(),
            json!({"tools": tools, "prompts": prompts, "instructions": reach}),
        );
    }
    insta::assert_json_snapshot!("oauth_tools_by_scope", seen);

    // A call beyond the token's scopes: 403 naming the scope to ask for, before anything runs.
    let runs_before = team.server.fake.requests().len();
    let reader = team.token("carol", READ);
    let runner = team.token("carol", RUN);
    for (token, tool, needed) in [
        (&reader, "run_task", RUN),
        (&reader, "price_check", RUN),
        (&reader, "cancel_execution", RUN),
        (&reader, "generate_task", BUILD),
        (&runner, "deploy_task", BUILD),
    ] {
        let response = team.post_as(token, &tool_call(tool)).await;
        assert_eq!(response.status(), 403, "{tool}");
        assert_eq!(
            challenge(&response),
            format!(
                "Bearer error=\"insufficient_scope\", scope=\"{needed}\", resource_metadata=\
                 \"{}\", error_description=\"the tool {tool} needs the {needed} scope\"",
                team.metadata_url()
            )
        );
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(needed), "{body}");
    }
    assert_eq!(
        team.server.fake.requests().len(),
        runs_before,
        "a refused call reached the cloud"
    );
    // Within its scopes a call goes through.
    let (reading, _) = team.server.client(Some(&reader), &[]).await;
    let got = crate::http::call(&reading, "get_task", json!({"task_id": task_id})).await;
    assert_ne!(got.is_error, Some(true), "{got:?}");
    // Step-up: the same session, refused with the read token, goes on with a run token (the
    // scopes are each request's; the session is the subject's).
    let session = team.open_session(&reader).await;
    let refused = team
        .in_session(&reader, &session, &tool_call("run_task"))
        .await;
    assert_eq!(refused.status(), 403);
    let stepped_up = team
        .in_session(&runner, &session, &tool_call("run_task"))
        .await;
    assert_eq!(stepped_up.status(), 200);
    let answer = messages(&stepped_up.text().await.unwrap());
    // run_task ran (and refused its missing arguments as a tool result).
    assert_eq!(answer[0]["result"]["isError"], true, "{answer:?}");

    // A token granting none of the scopes gets 403 asking for the read scope.
    let nothing = team.token("dave", "openid profile");
    let response = team.post_as(&nothing, &initialize(VERSION)).await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        attribute(&challenge(&response), "scope").as_deref(),
        Some(READ)
    );

    // The legacy HTTP+SSE transport is held to the same scopes.
    let http = team.server.http();
    let no_token = http
        .get(format!("{}/sse", team.server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);
    let legacy = http
        .post(format!("{}/message?sessionId=whatever", team.server.base))
        .bearer_auth(&reader)
        .header("content-type", "application/json")
        .body(tool_call("run_task"))
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.status(), 403);
}

#[tokio::test]
async fn a_session_belongs_to_the_user_who_opened_it() {
    let team = Team::start(Discovery::Both, &[]).await;
    let alice = team.token("alice", BUILD);
    let mallory = team.token("mallory", BUILD);
    let session = team.open_session(&alice).await;
    let list = r#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#;
    let with_session = |token: &str| {
        let token = token.to_string();
        let session = session.clone();
        let team = &team;
        async move {
            let response = team.in_session(&token, &session, list).await;
            messages(&response.text().await.unwrap())
        }
    };
    let theirs = with_session(&mallory).await;
    assert!(
        theirs[0]["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("belongs to another user"),
        "{theirs:?}"
    );
    let own = with_session(&alice).await;
    assert!(own[0]["result"]["tools"].is_array(), "{own:?}");
}

#[tokio::test]
async fn keys_rotate_without_a_restart() {
    let team = Team::start(Discovery::Both, &[]).await;
    let auth = &team.auth;
    let first = auth.current_kid();
    let old = team.token("alice", READ);
    assert_eq!(team.post_as(&old, &initialize(VERSION)).await.status(), 200);
    let reads = auth.count("GET /jwks");

    // The issuer publishes a new key and signs with it: the server reads the keys again on
    // the first token naming it (at most once a second), and takes both.
    let second = auth.rotate().unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let new = team.token("alice", READ);
    assert_eq!(team.post_as(&new, &initialize(VERSION)).await.status(), 200);
    assert_eq!(auth.count("GET /jwks"), reads + 1);
    assert_eq!(team.post_as(&old, &initialize(VERSION)).await.status(), 200);
    // Known keys cost no read.
    assert_eq!(auth.count("GET /jwks"), reads + 1);

    // The old key is withdrawn; once the server reads the keys again (here for the next
    // rotation), tokens signed with it are refused.
    auth.retire(&first);
    let third = auth.rotate().unwrap();
    assert_ne!(third, second);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let newest = team.token("alice", READ);
    assert_eq!(
        team.post_as(&newest, &initialize(VERSION)).await.status(),
        200
    );
    let refused = team.post_as(&old, &initialize(VERSION)).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(
        attribute(&challenge(&refused), "error_description").as_deref(),
        Some("the token is signed by a key the issuer does not publish")
    );
}

/// The binary with these arguments and environment: it must refuse to start; its stderr.
async fn refused_start(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = Command::new(BIN);
    command
        .args(["--transport", "http", "--catalog", ":memory:"])
        .args(args)
        .env_remove("BROWSER_TASKS_ACCESS_TOKEN")
        .env_remove("BROWSER_TASKS_AUTH_ISSUER")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = tokio::time::timeout(Duration::from_secs(30), command.output())
        .await
        .expect("refused within 30 s")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

#[tokio::test]
async fn bad_oauth_settings_stop_the_server_at_start_naming_the_fix() {
    let auth = FakeAuthServer::start().await.unwrap();
    let keyless = FakeAuthServer::start_with(Discovery::WithoutJwks)
        .await
        .unwrap();
    let issuer = auth.issuer();
    let by_name = issuer.replace("127.0.0.1", "localhost");
    let local = "--bind=127.0.0.1:0";
    // (arguments, environment, what the refusal must say)
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a [&'a str]);
    let cases: Vec<Case> = vec![
        (
            vec![local, "--auth-issuer", issuer],
            vec![("BROWSER_TASKS_ACCESS_TOKEN", "a-static-token-0123456789")],
            &["BROWSER_TASKS_ACCESS_TOKEN", "Unset"],
        ),
        (
            vec![local, "--auth-issuer", "http://127.0.0.1:9"],
            vec![],
            &["cannot be reached", "--auth-issuer"],
        ),
        (
            vec![local, "--auth-issuer", keyless.issuer()],
            vec![],
            &["names no usable jwks_uri"],
        ),
        (
            vec![local, "--auth-issuer", &by_name],
            vec![],
            &["names the issuer", "set --auth-issuer"],
        ),
        (
            vec![local, "--auth-issuer", "http://login.example.com"],
            vec![],
            &["must be an https URL"],
        ),
        (
            vec!["--bind=0.0.0.0:0", "--auth-issuer", issuer],
            vec![],
            &["BROWSER_TASKS_PUBLIC_URL", "needs the URL clients reach"],
        ),
        (
            vec![
                local,
                "--auth-issuer",
                issuer,
                "--auth-audience",
                "https://elsewhere.example/mcp",
            ],
            vec![],
            &["names the host \"elsewhere.example\"", "--public-url"],
        ),
        (
            vec![
                local,
                "--auth-issuer",
                issuer,
                "--public-url",
                "http://mcp.example.com",
            ],
            vec![],
            &["must be https"],
        ),
        (
            vec![local, "--auth-issuer", issuer, "--auth-scope-run", READ],
            vec![],
            &["each scope must have a name of its own"],
        ),
    ];
    for (args, env, needles) in cases {
        let stderr = refused_start(&args, &env).await;
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{args:?}: {needle:?} not in {stderr}"
            );
        }
    }
}

#[tokio::test]
async fn runs_belong_to_their_caller_and_another_s_is_not_found() {
    use browser_tasks_fakes::anchor::RunScript;
    use rmcp::model::ReadResourceRequestParams;

    let team = Team::start(Discovery::Both, &[]).await;
    let task_id = team.server.fake.seed_code_task("price-check", "x", 1);
    team.server
        .fake
        .set_run_script(&task_id, RunScript::succeeding_with(json!({"price": 3})));
    let client_of = |subject: &str, scope: &str| {
        let token = team.token(subject, scope);
        let server = &team.server;
        async move { server.client(Some(&token), &[]).await.0 }
    };
    let alice = client_of("alice", BUILD).await;
    let bob = client_of("bob", BUILD).await;
    let admin = client_of("root", &format!("{READ} {ADMIN}")).await;
    let call = crate::http::call;
    let run_of = |result: rmcp::model::CallToolResult| {
        crate::harness::structured(&result)["execution_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let alices = run_of(call(&alice, "run_task", json!({"task_id": task_id})).await);
    let bobs = run_of(call(&bob, "run_task", json!({"task_id": task_id})).await);
    let nobodys = "3c90c3cc-0d44-4b50-8888-8dd25736052a";

    // To Bob, Alice's run and a run that does not exist are the same: not found, in the same
    // words, with nothing asked of the cloud.
    let requests = team.server.fake.requests().len();
    for (tool, arguments) in [
        ("get_execution", json!({})),
        ("cancel_execution", json!({})),
        ("respond_to_intervention", json!({"answer": "yes"})),
        (
            "refine_task",
            json!({"task_id": task_id, "feedback": "Accept the cookie banner first."}),
        ),
    ] {
        let answer = |id: &str| {
            let mut arguments = arguments.clone();
            arguments["execution_id"] = json!(id);
            let bob = &bob;
            let id = id.to_string();
            async move {
                let result = call(bob, tool, arguments).await;
                assert_eq!(result.is_error, Some(true), "{tool}: {result:?}");
                serde_json::to_string(&result).unwrap().replace(&id, "ID")
            }
        };
        let theirs = answer(&alices).await;
        assert_eq!(theirs, answer(nobodys).await, "{tool}");
        assert!(
            theirs.contains("was not found among your runs"),
            "{tool}: {theirs}"
        );
    }
    assert_eq!(
        team.server.fake.requests().len(),
        requests,
        "a run the caller may not see reached the cloud"
    );
    // The run resource, the completions and the debugging prompt hold his own runs only.
    let resource = bob
        .read_resource(ReadResourceRequestParams::new(format!(
            "browser-tasks://runs/anchor/{alices}"
        )))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        resource.contains("was not found among your runs"),
        "{resource}"
    );
    let ids = bob
        .complete_prompt_argument("debug_failed_run", "execution_id", "", None)
        .await
        .unwrap();
    assert_eq!(ids.values, std::slice::from_ref(&bobs));
    let prompt = |id: &str| {
        let bob = &bob;
        let id = id.to_string();
        async move {
            let args = json!({"execution_id": id}).as_object().unwrap().clone();
            let got = bob
                .get_prompt(
                    rmcp::model::GetPromptRequestParams::new("debug_failed_run")
                        .with_arguments(args),
                )
                .await
                .unwrap();
            serde_json::to_string(&got).unwrap().replace(&id, "ID")
        }
    };
    assert_eq!(prompt(&alices).await, prompt(nobodys).await);

    // Listing the task's runs (the cloud lists everyone's): his own only, no totals.
    let listed = crate::harness::structured(
        &call(&bob, "list_executions", json!({"task_id": task_id})).await,
    );
    let ids: Vec<&str> = listed["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["execution_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![bobs.as_str()], "{listed}");
    assert_eq!(listed.get("total"), None, "{listed}");

    // Alice reaches her own; an administrator reaches and lists everyone's.
    let own = call(&alice, "get_execution", json!({"execution_id": alices})).await;
    assert_ne!(own.is_error, Some(true), "{own:?}");
    let seen = call(&admin, "get_execution", json!({"execution_id": bobs})).await;
    assert_ne!(seen.is_error, Some(true), "{seen:?}");
    let all = crate::harness::structured(
        &call(&admin, "list_executions", json!({"task_id": task_id})).await,
    );
    assert_eq!(all["executions"].as_array().unwrap().len(), 2, "{all}");
}

/// A 2026-07-28 client (no session: each request stands alone, each authenticated) with a read
/// token: the read tools, a private cache scope (the list is this caller's), instructions for
/// a reader.
#[tokio::test]
async fn a_stateless_2026_client_gets_what_its_token_allows() {
    use rmcp::ClientServiceExt;
    use rmcp::model::{CacheScope, ProtocolVersion};
    use rmcp::service::ClientLifecycleMode;
    use rmcp::transport::StreamableHttpClientTransport;
    use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

    let team = Team::start(Discovery::Both, &[]).await;
    let config = StreamableHttpClientTransportConfig::with_uri(team.mcp())
        .auth_header(team.token("carol", READ));
    let client = crate::harness::Recorder::default()
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_config(config),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("discover");
    let listed = client.list_tools(None).await.unwrap();
    let names: Vec<String> = listed.tools.iter().map(|t| t.name.to_string()).collect();
    assert_eq!(
        names,
        ["get_execution", "list_executions", "list_tasks", "get_task"]
    );
    assert_eq!(listed.cache_scope, Some(CacheScope::Private));
    let instructions = client
        .peer_info()
        .and_then(|info| info.instructions.clone())
        .unwrap_or_default();
    assert!(instructions.contains("read-only for you"), "{instructions}");
}

/// `--per-request-keys` alongside OAuth: the token says who calls and what they may do, the
/// session's key header says whose cloud account pays.
#[tokio::test]
async fn sessions_bring_their_own_provider_keys_under_oauth() {
    let team = Team::start(Discovery::Both, &["--per-request-keys"]).await;
    let token = team.token("erin", RUN);
    let (own, _) = team
        .server
        .client(Some(&token), &[("anchor-api-key", crate::harness::KEY)])
        .await;
    let listed = crate::http::call(&own, "list_tasks", json!({})).await;
    assert_ne!(listed.is_error, Some(true), "{listed:?}");
    let (wrong, _) = team
        .server
        .client(Some(&token), &[("anchor-api-key", "sk-someone-else")])
        .await;
    let refused = crate::http::call(&wrong, "list_tasks", json!({})).await;
    assert_eq!(
        refused.structured_content.unwrap()["error"]["http_status"],
        401,
        "the session ran on the key it brought"
    );
    // A key without a token is no way in.
    let keyed_only = team
        .post(
            &[("anchor-api-key", crate::harness::KEY)],
            &initialize(VERSION),
        )
        .await;
    assert_eq!(keyed_only.status(), 401);
    // The scopes still hold: a run token lists no build tools.
    let names: Vec<String> = own
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(
        names.contains(&"run_task".to_string()) && !names.contains(&"generate_task".to_string()),
        "{names:?}"
    );
}

/// A call answered as an MCP task (the tasks extension) is its caller's: another user's
/// `tasks/get` and `tasks/cancel` answer as for an unknown task.
#[tokio::test]
async fn an_mcp_task_belongs_to_the_token_s_subject() {
    use browser_tasks_fakes::anchor::RunScript;
    use rmcp::ServiceExt;
    use rmcp::model::{CallToolRequestParams, CallToolResponse, CancelTaskParams, GetTaskParams};
    use rmcp::transport::StreamableHttpClientTransport;
    use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

    let team = Team::start(Discovery::Both, &[]).await;
    let task_id = team.server.fake.seed_code_task("slow-one", "x", 1);
    team.server.fake.set_run_script(
        &task_id,
        RunScript::succeeding_with(json!(1)).lasting(Duration::from_secs(30)),
    );
    let tasks_client = |subject: &str| {
        let config = StreamableHttpClientTransportConfig::with_uri(team.mcp())
            .auth_header(team.token(subject, RUN));
        async move {
            crate::harness::Recorder {
                tasks: true,
                ..crate::harness::Recorder::default()
            }
            .serve(StreamableHttpClientTransport::from_config(config))
            .await
            .expect("initialize")
        }
    };
    let alice = tasks_client("alice").await;
    let bob = tasks_client("bob").await;
    let params = CallToolRequestParams::new("run_task")
        .with_arguments(json!({"task_id": task_id}).as_object().unwrap().clone());
    let CallToolResponse::Task(created) = alice.call_tool_once(params).await.unwrap() else {
        panic!("not answered as a task");
    };
    let id = created.task.task_id.clone();
    let theirs = bob
        .get_task(GetTaskParams::new(id.clone()))
        .await
        .unwrap_err()
        .to_string();
    let unknown = bob
        .get_task(GetTaskParams::new(
            "0b6a2c1e-5d4f-4a3b-9c8d-7e6f5a4b3c2d".to_string(),
        ))
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        theirs.replace(&id, "ID"),
        unknown.replace("0b6a2c1e-5d4f-4a3b-9c8d-7e6f5a4b3c2d", "ID")
    );
    assert!(
        bob.cancel_task(CancelTaskParams::new(id.clone()))
            .await
            .is_err()
    );
    // Alice's own, still going (Bob's cancel stopped nothing).
    let own = alice
        .get_task(GetTaskParams::new(id.clone()))
        .await
        .unwrap();
    assert_eq!(own.task.task.status, rmcp::model::TaskStatus::Working);
    alice.cancel_task(CancelTaskParams::new(id)).await.unwrap();
}
