//! `doctor`: one line per check of a set-up, ✔ when it holds, ✘ with the fix when not, – for
//! what is merely worth knowing. It checks every provider key it can find (this environment's,
//! and those in the clients' configs) with one cheap authenticated read, the catalog file, and
//! each client config that registers this server. It never prints a key, only its last four
//! characters, and exits 1 when any check fails.
//!
//! - `providers`: the keys, the base URLs, the round trip.
//! - `catalog`: the file or database, its schema version and counts, write access, other
//!   processes or connections.
//! - `client_configs`: the clients' config files and this server's entries in them.

mod catalog;
mod client_configs;
mod providers;

use std::process::ExitCode;

use clap::Args;

use super::{CliError, print_out};
use crate::config::{Config, ConfigError};

pub const EXAMPLES: &str = "Examples:
  browser-tasks-mcp doctor
  browser-tasks-mcp doctor --catalog ./catalog.sqlite3   # server flags: before or after

Each client entry's key is tried against the base URL that entry sets (or the provider's
default), not this shell's: an entry installed from a fake's recipe without its URL fails here.
References are read: ${env:VAR} is tried with this environment's VAR; a VS Code prompted input
(${input:…}) cannot be checked and is said so.
The catalog's place is checked as the server checks it when it opens the file: a file where a
folder of its path should be, or a folder this user cannot write, fails with the same fix.
Client configs are looked for under the home directory (HOME) and the platform's config
directory, and in the current directory's .cursor/mcp.json, .vscode/mcp.json and .mcp.json.";

/// `doctor`'s flags.
#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    /// Nothing wrong, but worth knowing (a client without this server, a provider not set up).
    Note,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub outcome: Outcome,
    pub text: String,
    /// What to do: the fix of a failure, a suggestion for a note.
    pub advice: Option<String>,
}

impl Check {
    pub fn pass(text: impl Into<String>) -> Self {
        Self {
            outcome: Outcome::Pass,
            text: text.into(),
            advice: None,
        }
    }

    pub fn fail(text: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            outcome: Outcome::Fail,
            text: text.into(),
            advice: Some(fix.into()),
        }
    }

    pub fn note(text: impl Into<String>, advice: Option<String>) -> Self {
        Self {
            outcome: Outcome::Note,
            text: text.into(),
            advice,
        }
    }
}

pub async fn run(
    _args: DoctorArgs,
    config: Result<Config, ConfigError>,
) -> Result<ExitCode, CliError> {
    let project = std::env::current_dir().unwrap_or_default();
    let found = client_configs::find(&project);
    let mut checks = Vec::new();
    match &config {
        Err(error) => checks.push(Check::fail(
            format!("configuration: {error}"),
            "correct that flag or environment variable; nothing else can be checked until then",
        )),
        Ok(config) => {
            checks.extend(providers::check(config, &client_configs::keys(&found)).await);
            checks.push(catalog::check(&config.catalog).await);
        }
    }
    let key_vars: Vec<&str> = match &config {
        Ok(config) => config
            .provider_setups()
            .iter()
            .flat_map(|setup| setup.key_vars.iter().copied())
            .collect(),
        Err(_) => crate::cloud::Provider::ALL
            .iter()
            .map(|provider| provider.key_env())
            .collect(),
    };
    checks.extend(client_configs::check(&found, &key_vars));
    let failed = checks.iter().any(|c| c.outcome == Outcome::Fail);
    print_out(&render(&checks));
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The report: a line per check (advice indented below), then the verdict.
pub fn render(checks: &[Check]) -> String {
    let mut out = format!("browser-tasks-mcp {} doctor\n", env!("CARGO_PKG_VERSION"));
    for check in checks {
        let (mark, label) = match check.outcome {
            Outcome::Pass => ("✔", "fix"),
            Outcome::Fail => ("✘", "fix"),
            Outcome::Note => ("–", "hint"),
        };
        out.push_str(&format!("{mark} {}\n", check.text));
        if let Some(advice) = &check.advice {
            out.push_str(&format!("    {label}: {advice}\n"));
        }
    }
    let failed = checks.iter().filter(|c| c.outcome == Outcome::Fail).count();
    let counted = checks.iter().filter(|c| c.outcome != Outcome::Note).count();
    out.push_str(&match failed {
        0 => format!("All {counted} checks passed."),
        n => format!("{n} of {counted} checks failed."),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_marks_each_check_and_gives_the_verdict() {
        let text = render(&[
            Check::pass("it works"),
            Check::fail("it broke", "mend it"),
            Check::note("by the way", Some("consider this".into())),
        ]);
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(
            lines,
            [
                "✔ it works",
                "✘ it broke",
                "    fix: mend it",
                "– by the way",
                "    hint: consider this",
                "1 of 2 checks failed."
            ]
        );
        assert!(render(&[Check::pass("ok")]).ends_with("All 1 checks passed."));
    }
}
