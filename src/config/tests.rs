use clap::CommandFactory;

use super::*;
use crate::waiting::WaitSettings;

fn cli(args: &[&str]) -> Cli {
    let mut argv = vec!["browser-tasks-mcp"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv).unwrap()
}

#[test]
fn keys_come_from_either_variable_and_blank_is_unset() {
    let config = Config::from_cli(
        cli(&[]),
        |name| (name == "ANCHORBROWSER_API_KEY").then(|| "sk-second".to_string()),
        [],
    )
    .unwrap();
    assert!(config.anchor.connection.is_some());
    let config = Config::from_cli(
        cli(&[]),
        |name| (name == "ANCHOR_API_KEY").then(|| "  ".to_string()),
        [],
    )
    .unwrap();
    assert!(config.anchor.connection.is_none());
    assert!(
        config
            .summary()
            .line(8, 0, None)
            .contains("set ANCHOR_API_KEY")
    );
}

#[test]
fn the_startup_line_says_what_where_which_and_how() {
    let config = Config::from_cli(
        cli(&[
            "--anchor-base-url",
            "http://127.0.0.1:9",
            "--catalog",
            "/tmp/c.sqlite3",
        ]),
        |_| Some("sk-x".into()),
        [],
    )
    .unwrap();
    let line = config.summary().line(8, 3, None);
    assert!(
        line.contains("8 MCP tools + 3 task tools over stdio"),
        "{line}"
    );
    assert!(line.contains("catalog /tmp/c.sqlite3"), "{line}");
    assert!(
        line.contains("Anchor Browser (http://127.0.0.1:9)"),
        "{line}"
    );
    assert!(
        line.contains("Browser Use Cloud (https://api.browser-use.com/api/v2)"),
        "{line}"
    );
    assert!(line.contains("mcp.json"), "{line}");
    assert!(!line.contains("sk-x"));
    assert!(!line.contains('\n'));
}

#[test]
fn browser_use_alone_is_configured_by_its_key_and_base_url() {
    let config = Config::from_cli(
        cli(&["--browser-use-base-url", "http://127.0.0.1:7/api/v2"]),
        |name| (name == BROWSER_USE_KEY_VAR).then(|| " bu-key ".to_string()),
        [],
    )
    .unwrap();
    assert!(config.anchor.connection.is_none());
    let settings = config.browser_use.connection.as_ref().unwrap();
    assert_eq!(settings.base_url, "http://127.0.0.1:7/api/v2");
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&settings.api_key),
        "bu-key"
    );
    let line = config.summary().line(8, 0, None);
    assert!(
        line.contains("providers: Browser Use Cloud (http://127.0.0.1:7/api/v2);"),
        "{line}"
    );
    assert!(!line.contains("bu-key"));
}

#[test]
fn bad_settings_name_their_flag() {
    let err = Config::from_cli(cli(&["--wait-seconds", "900"]), |_| None, []).unwrap_err();
    assert!(err.to_string().contains("--wait-seconds"), "{err}");
    let err = Config::from_cli(cli(&["--poll-initial-ms", "0"]), |_| None, []).unwrap_err();
    assert!(
        err.to_string().contains("BROWSER_TASKS_POLL_INITIAL_MS"),
        "{err}"
    );
    let err = Config::from_cli(cli(&["--max-wait-seconds", "1e300"]), |_| None, []).unwrap_err();
    assert!(err.to_string().contains("not a usable number"), "{err}");
    let err = Config::from_cli(cli(&["--read-attempts", "0"]), |_| None, []).unwrap_err();
    assert!(err.to_string().contains("--read-attempts"), "{err}");
    let err = Config::from_cli(cli(&["--secret", "PASSWORD"]), |_| None, []).unwrap_err();
    assert!(err.to_string().contains("NAME=ENV_VAR"), "{err}");
    let err = Config::from_cli(cli(&["--secret", "PASSWORD=NOT_SET"]), |_| None, []).unwrap_err();
    assert!(err.to_string().contains("NOT_SET is not set"), "{err}");
    let err = Config::from_cli(cli(&["--task-tools", "a[b"]), |_| None, []).unwrap_err();
    assert!(err.to_string().contains("--task-tools"), "{err}");
    let err = Config::from_cli(
        cli(&["--transport", "http", "--bind", "0.0.0.0:80"]),
        |_| None,
        [],
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("requires an access token"),
        "{err}"
    );
    let err = Config::from_cli(
        cli(&[
            "--transport",
            "http",
            "--bind",
            "0.0.0.0:80",
            "--access-token",
            "short",
        ]),
        |_| None,
        [],
    )
    .unwrap_err();
    assert!(err.to_string().contains("at least 16"), "{err}");
    let ok = Config::from_cli(
        cli(&[
            "--transport",
            "http",
            "--bind",
            "0.0.0.0:80",
            "--access-token",
            "0123456789abcdef",
            "--allowed-hosts",
            "MCP.example.com",
            "--catalog",
            ":memory:",
        ]),
        |_| None,
        [],
    )
    .unwrap();
    assert!(
        ok.http
            .allowed_hosts
            .contains(&"mcp.example.com".to_string())
    );
    assert!(
        !format!("{ok:?}").contains("0123456789abcdef"),
        "the token stays out of Debug"
    );
}

#[test]
fn secrets_come_from_pairs_and_the_naming_rule() {
    let config = Config::from_cli(
        cli(&[
            "--secret",
            "Login Password=SITE_PW",
            "--catalog",
            ":memory:",
        ]),
        |name| (name == "SITE_PW").then(|| "pw-1".to_string()),
        [(
            "BROWSER_TASKS_SECRET_API_TOKEN".to_string(),
            "tok-2".to_string(),
        )],
    )
    .unwrap();
    assert_eq!(config.secrets.len(), 2);
    let param = |name: &str| crate::params::Param {
        name: name.into(),
        kind: crate::params::ParamType::Secret,
        required: true,
        description: None,
        default: None,
        options: Vec::new(),
    };
    assert_eq!(
        config
            .secrets
            .value_for(&param("Login Password"))
            .as_deref(),
        Some("pw-1")
    );
    assert_eq!(
        config.secrets.value_for(&param("api token")).as_deref(),
        Some("tok-2")
    );
    assert!(
        !format!("{config:?}").contains("pw-1"),
        "secrets stay out of Debug"
    );
    assert_eq!(config.catalog, CatalogLocation::Memory);
}

#[test]
fn every_flag_has_its_own_environment_variable() {
    let command = Cli::command();
    let mut seen = std::collections::BTreeSet::new();
    for arg in command.get_arguments() {
        let Some(flag) = arg.get_long() else {
            continue;
        };
        if matches!(flag, "help" | "version") {
            continue;
        }
        let env = arg
            .get_env()
            .and_then(|env| env.to_str())
            .unwrap_or_else(|| panic!("--{flag} has no environment variable"));
        assert!(seen.insert(env.to_string()), "{env} sets two flags");
    }
    assert_eq!(seen.len(), 38, "one variable per flag: {seen:?}");
}

#[test]
fn each_error_names_the_flag_it_is_about_and_that_flag_s_variable() {
    let command = Cli::command();
    let env_of = |flag: &str| {
        command
            .get_arguments()
            .find(|arg| arg.get_long() == Some(flag))
            .and_then(|arg| arg.get_env())
            .and_then(|env| env.to_str())
            .map(str::to_string)
    };
    // One bad invocation per check, and the flag the error must name.
    let cases: &[(&[&str], &str)] = &[
        (&["--wait-seconds", "NaN"], "wait-seconds"),
        (&["--wait-seconds", "900"], "wait-seconds"),
        (&["--max-wait-seconds", "1e300"], "max-wait-seconds"),
        (&["--poll-initial-ms", "0"], "poll-initial-ms"),
        (&["--poll-initial-ms", "5000"], "poll-initial-ms"),
        (&["--progress-interval-ms", "0"], "progress-interval-ms"),
        (&["--read-attempts", "0"], "read-attempts"),
        (&["--read-timeout-seconds", "NaN"], "read-timeout-seconds"),
        (&["--read-timeout-seconds", "0"], "read-timeout-seconds"),
        (
            &["--write-timeout-seconds", "1e300"],
            "write-timeout-seconds",
        ),
        (&["--write-timeout-seconds", "0"], "write-timeout-seconds"),
        (&["--bind", "localhost"], "bind"),
        (&["--access-token", "short"], "access-token"),
        (
            &["--transport", "http", "--bind", "0.0.0.0:80"],
            "access-token",
        ),
        (&["--max-sessions", "0"], "max-sessions"),
        (&["--max-body-bytes", "0"], "max-body-bytes"),
        (&["--session-idle-seconds", "0"], "session-idle-seconds"),
        (&["--task-tools", "a[b"], "task-tools"),
        (&["--secret", "PASSWORD"], "secret"),
        (&["--secret", "PASSWORD=NOT_SET"], "secret"),
        (&["--catalog-watch-ms", "0"], "catalog-watch-ms"),
        (&[HTTP, ISSUER, "http://idp.example.com"], "auth-issuer"),
        (&[HTTP, ISSUER, "not a url"], "auth-issuer"),
        (
            &[HTTP, ISSUER, IDP, "--access-token", "0123456789abcdef0"],
            "auth-issuer",
        ),
        (&[HTTP, "--bind", "0.0.0.0:80", ISSUER, IDP], "public-url"),
        (
            &[HTTP, ISSUER, IDP, "--public-url", "ftp://mcp.example.com"],
            "public-url",
        ),
        (
            &[
                HTTP,
                ISSUER,
                IDP,
                "--public-url",
                "https://mcp.example.com/?x=1",
            ],
            "public-url",
        ),
        (
            &[
                HTTP,
                ISSUER,
                IDP,
                "--auth-audience",
                "https://other.example/mcp",
            ],
            "auth-audience",
        ),
        (
            &[
                HTTP,
                ISSUER,
                IDP,
                "--auth-scope-build",
                "browser-tasks:read",
            ],
            "auth-scope-build",
        ),
        (
            &[HTTP, ISSUER, IDP, "--auth-scope-admin", "two words"],
            "auth-scope-admin",
        ),
        (
            &[HTTP, ISSUER, IDP, "--auth-key-refetch-seconds", "0"],
            "auth-key-refetch-seconds",
        ),
    ];
    for (args, flag) in cases {
        let mut args = args.to_vec();
        args.extend(["--catalog", ":memory:"]);
        let err = Config::from_cli(cli(&args), |_| None, []).unwrap_err();
        assert_eq!(err.flag, *flag, "{args:?}: {err}");
        let env = env_of(flag).unwrap_or_else(|| panic!("no flag --{flag}"));
        assert_eq!(err.env, env, "{args:?}: {err}");
        let message = err.to_string();
        assert!(
            message.contains(&format!("--{flag} (env {env})")),
            "{message}"
        );
    }
}

const HTTP: &str = "--transport=http";
const ISSUER: &str = "--auth-issuer";
const IDP: &str = "https://login.example.com/realms/team";

/// OAuth: the public URL names the resource and is an allowed host; an audience that is an
/// identifier rather than a URL is taken as given; stdio ignores it all; the startup line says
/// whose tokens are accepted for what.
#[test]
fn oauth_settings_are_checked_and_said() {
    let config = Config::from_cli(
        cli_without_environment(&[
            HTTP,
            "--bind",
            "0.0.0.0:8931",
            ISSUER,
            IDP,
            "--public-url",
            "https://MCP.example.com/",
            "--catalog",
            ":memory:",
        ]),
        |_| None,
        [],
    )
    .unwrap();
    let oauth = config.http.oauth.as_ref().unwrap();
    assert_eq!(oauth.issuer, IDP);
    assert_eq!(oauth.audience, None);
    assert_eq!(oauth.scopes.read, "browser-tasks:read");
    assert_eq!(oauth.scopes.admin, "browser-tasks:admin");
    assert!(
        config
            .http
            .allowed_hosts
            .contains(&"mcp.example.com".to_string())
    );
    let line = config
        .summary()
        .line(11, 0, Some("0.0.0.0:8931".parse().unwrap()));
    assert!(
        line.contains(
            "over HTTP at https://mcp.example.com/mcp (listening on http://0.0.0.0:8931)"
        ),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "OAuth: tokens of {IDP} for https://mcp.example.com/mcp (scopes browser-tasks:read, \
             browser-tasks:run, browser-tasks:build; metadata at \
             https://mcp.example.com/.well-known/oauth-protected-resource)"
        )),
        "{line}"
    );

    let identifier = Config::from_cli(
        cli_without_environment(&[
            HTTP,
            ISSUER,
            IDP,
            "--auth-audience",
            "api://browser-tasks",
            "--auth-scope-read",
            "tasks.read",
            "--catalog",
            ":memory:",
        ]),
        |_| None,
        [],
    )
    .unwrap();
    let oauth = identifier.http.oauth.unwrap();
    assert_eq!(oauth.audience.as_deref(), Some("api://browser-tasks"));
    assert_eq!(oauth.scopes.read, "tasks.read");

    let stdio = Config::from_cli(
        cli_without_environment(&[ISSUER, IDP, "--catalog", ":memory:"]),
        |_| None,
        [],
    )
    .unwrap();
    assert!(stdio.http.oauth.is_none());
}

/// The flags as parsed from `args` alone: no variable of this process's environment is read
/// (clap would otherwise take a `BROWSER_TASKS_*` variable set where the tests run).
fn cli_without_environment(args: &[&str]) -> Cli {
    let command = Cli::command().mut_args(|arg| arg.env(None));
    let mut argv = vec!["browser-tasks-mcp"];
    argv.extend_from_slice(args);
    let matches = command.try_get_matches_from(argv).unwrap();
    <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap()
}

/// The poll schedule's defaults: the configuration built from no flags and no environment
/// waits and polls exactly as `WaitSettings::default()` and `PollSchedule::default()` say, and
/// the README's configuration table documents those same defaults (and the age under which
/// a run is polled at the first interval).
#[test]
fn the_poll_schedule_s_defaults_are_the_documented_ones() {
    use std::time::Duration;

    use crate::waiting::PollSchedule;

    let config = Config::from_cli(cli_without_environment(&[]), |_| None, []).unwrap();
    assert_eq!(config.tools.waits.schedule, PollSchedule::default());
    assert_eq!(config.tools.waits, WaitSettings::default());

    // The README's rows: | `--flag` | `VARIABLE` | `default` | meaning |
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
    let row = |flag: &str| -> Vec<String> {
        readme
            .lines()
            .map(|line| {
                line.split('|')
                    .map(|cell| cell.trim().trim_matches('`').to_string())
                    .collect::<Vec<_>>()
            })
            .find(|cells| cells.get(1).map(String::as_str) == Some(flag))
            .unwrap_or_else(|| panic!("the README's configuration table has no row for {flag}"))
    };
    let documented = |flag: &str| -> f64 {
        let cells = row(flag);
        cells[3]
            .parse()
            .unwrap_or_else(|e| panic!("the README's default of {flag}, {:?}: {e}", cells[3]))
    };
    let defaults = WaitSettings::default();
    let in_ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (flag, default) in [
        ("--poll-initial-ms", in_ms(defaults.schedule.initial)),
        ("--poll-max-ms", in_ms(defaults.schedule.max)),
        ("--progress-interval-ms", in_ms(defaults.heartbeat)),
        ("--wait-seconds", defaults.default_budget.as_secs_f64()),
        ("--max-wait-seconds", defaults.max_budget.as_secs_f64()),
    ] {
        assert_eq!(documented(flag), default, "the README's default of {flag}");
    }
    let young = format!(
        "while a run is under {} s old",
        defaults.schedule.fast_for.as_secs()
    );
    let meaning = &row("--poll-initial-ms")[4];
    assert!(
        meaning.contains(&young),
        "{meaning:?} does not say {young:?}"
    );
}

#[test]
fn a_postgres_url_selects_postgresql_and_its_password_is_never_shown() {
    for url in [
        "postgres://bt:pw-secret@db.internal:5432/tasks",
        "postgresql://bt:pw-secret@db.internal/tasks",
    ] {
        let config =
            Config::from_cli(cli_without_environment(&["--catalog", url]), |_| None, []).unwrap();
        assert!(
            matches!(config.catalog, CatalogLocation::Postgres(_)),
            "{:?}",
            config.catalog
        );
        let line = config.summary().line(8, 0, None);
        assert!(line.contains("bt@db.internal"), "{line}");
        assert!(!line.contains("pw-secret"), "{line}");
        assert!(!format!("{config:?}").contains("pw-secret"));
    }
    // Anything else is a file, even a path that mentions postgres.
    let config = Config::from_cli(
        cli_without_environment(&["--catalog", "./postgres/catalog.sqlite3"]),
        |_| None,
        [],
    )
    .unwrap();
    assert!(matches!(config.catalog, CatalogLocation::File(_)));
    // --help shows no value of BROWSER_TASKS_CATALOG (it may hold a password).
    let command = Cli::command();
    let catalog = command
        .get_arguments()
        .find(|arg| arg.get_long() == Some("catalog"))
        .unwrap();
    assert!(catalog.is_hide_env_values_set());
}
