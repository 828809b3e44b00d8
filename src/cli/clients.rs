//! The MCP clients whose config files `doctor` reads and `install` writes: where each keeps
//! its file (on Linux, macOS and Windows), under which key its servers are, and how an entry
//! of this server looks. Paths follow the home directory (`HOME`) and the platform's config
//! directory (`XDG_CONFIG_HOME`, `~/Library/Application Support`, `%APPDATA%`), so a test
//! can point them anywhere.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde_json::Value;

use clap::CommandFactory;

use crate::config::Setting;

/// The file name of this server's binary.
pub const BINARY: &str = env!("CARGO_PKG_NAME");
/// The name this server's entry has in a client's config (as in the project's mcp.json).
pub const ENTRY_NAME: &str = "browser-tasks";

/// A client whose config this command line knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Client {
    ClaudeDesktop,
    Cursor,
    Vscode,
    ClaudeCode,
}

impl Client {
    pub const ALL: [Client; 4] = [
        Client::ClaudeDesktop,
        Client::Cursor,
        Client::Vscode,
        Client::ClaudeCode,
    ];

    /// Its name for people.
    pub fn label(self) -> &'static str {
        match self {
            Client::ClaudeDesktop => "Claude Desktop",
            Client::Cursor => "Cursor",
            Client::Vscode => "VS Code",
            Client::ClaudeCode => "Claude Code",
        }
    }

    /// Its name on the command line (`--client`).
    pub fn flag(self) -> &'static str {
        match self {
            Client::ClaudeDesktop => "claude-desktop",
            Client::Cursor => "cursor",
            Client::Vscode => "vscode",
            Client::ClaudeCode => "claude-code",
        }
    }

    /// The user's own config file of this client (the one `install` writes).
    pub fn user_config(self) -> Option<PathBuf> {
        let home = dirs::home_dir();
        let config = dirs::config_dir();
        match self {
            Client::ClaudeDesktop => {
                Some(config?.join("Claude").join("claude_desktop_config.json"))
            }
            Client::Cursor => Some(home?.join(".cursor").join("mcp.json")),
            Client::Vscode => Some(config?.join("Code").join("User").join("mcp.json")),
            Client::ClaudeCode => Some(home?.join(".claude.json")),
        }
    }

    /// A project's config file of this client, under `project` (none for Claude Desktop).
    pub fn project_config(self, project: &Path) -> Option<PathBuf> {
        match self {
            Client::ClaudeDesktop => None,
            Client::Cursor => Some(project.join(".cursor").join("mcp.json")),
            Client::Vscode => Some(project.join(".vscode").join("mcp.json")),
            Client::ClaudeCode => Some(project.join(".mcp.json")),
        }
    }

    /// The key its servers are listed under.
    pub fn servers_key(self) -> &'static str {
        match self {
            Client::Vscode => "servers",
            _ => "mcpServers",
        }
    }

    /// How this client's config can stand for a key instead of holding it, for the variable
    /// `var` (`input_id` names a VS Code input): VS Code asks for an input once and keeps it in
    /// its secret storage; Cursor and Claude Code read their own environment. `None`: a client
    /// without project files, whose own file is private to its user.
    pub fn key_reference(self, var: &str, input_id: &str) -> Option<String> {
        match self {
            Client::Vscode => Some(format!("${{input:{input_id}}}")),
            Client::Cursor => Some(format!("${{env:{var}}}")),
            Client::ClaudeCode => Some(format!("${{{var}}}")),
            Client::ClaudeDesktop => None,
        }
    }

    /// The `type` its entries of a local (stdio) server carry, if it wants one.
    pub fn stdio_type(self) -> Option<&'static str> {
        match self {
            Client::Vscode | Client::ClaudeCode => Some("stdio"),
            Client::ClaudeDesktop | Client::Cursor => None,
        }
    }
}

/// A value in a client's config that stands for a key rather than holding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// `${input:ID}`: VS Code asks for it (a `promptString` input) and keeps it.
    Prompted(String),
    /// `${env:VAR}` (VS Code, Cursor) or `${VAR}` (Claude Code): the client's environment.
    Env(String),
}

/// What `value` refers to, if it is a reference rather than a value.
pub fn key_ref(value: &str) -> Option<KeyRef> {
    let inner = value.trim().strip_prefix("${")?.strip_suffix('}')?;
    if let Some(id) = inner.strip_prefix("input:") {
        return Some(KeyRef::Prompted(id.to_string()));
    }
    let var = inner.strip_prefix("env:").unwrap_or(inner);
    // `${VAR:-default}` reads VAR first.
    let var = var.split(":-").next().unwrap_or(var);
    let is_name = var.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_name.then(|| KeyRef::Env(var.to_string()))
}

/// Where a provider's API is when nothing moves it (a client's entry sets no base URL): the
/// default of its base-URL flag `setting`.
pub fn default_base_url(setting: Setting) -> String {
    crate::config::Cli::command()
        .get_arguments()
        .find(|arg| arg.get_long() == Some(setting.flag))
        .and_then(|arg| arg.get_default_values().first())
        .map(|value| value.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// An entry of a client's config that runs this server.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub command: String,
    pub args: Vec<String>,
    /// The environment variables it sets: (name, value). Values may be keys: never shown.
    pub env: Vec<(String, String)>,
}

impl Entry {
    /// The value it gives `var`, if a non-empty one.
    pub fn value_of(&self, var: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(name, value)| name == var && !value.is_empty())
            .map(|(_, value)| value.as_str())
    }
}

/// The entries of this server in a client's config text (JSON with comments allowed): the
/// one named [`ENTRY_NAME`], and any whose command is this binary.
pub fn entries(text: &str, client: Client) -> Result<Vec<Entry>, String> {
    let value = parse(text)?;
    let Some(servers) = value.get(client.servers_key()).and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    Ok(servers
        .iter()
        .filter_map(|(name, entry)| {
            let command = entry.get("command").and_then(Value::as_str).unwrap_or("");
            let ours = name == ENTRY_NAME || runs_this_binary(command);
            ours.then(|| Entry {
                name: name.clone(),
                command: command.to_string(),
                args: entry
                    .get("args")
                    .and_then(Value::as_array)
                    .map(|args| {
                        args.iter()
                            .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                env: entry
                    .get("env")
                    .and_then(Value::as_object)
                    .map(|env| {
                        env.iter()
                            .map(|(k, v)| {
                                let value =
                                    v.as_str().map_or_else(|| v.to_string(), str::to_string);
                                (k.clone(), value)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect())
}

/// Whether `command` names this server's binary (by path or on PATH).
fn runs_this_binary(command: &str) -> bool {
    Path::new(command)
        .file_stem()
        .is_some_and(|stem| stem == BINARY)
}

/// A config file's text as JSON (comments and trailing commas allowed, as the clients allow).
pub fn parse(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    jsonc_parser::cst::CstRootNode::parse(text, &Default::default())
        .map_err(|e| e.to_string())?
        .to_serde_value()
        .ok_or_else(|| "the file holds no JSON value".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_told_from_values() {
        assert_eq!(
            key_ref("${input:browser-tasks-anchor-api-key}"),
            Some(KeyRef::Prompted("browser-tasks-anchor-api-key".into()))
        );
        assert_eq!(
            key_ref("${env:ANCHOR_API_KEY}"),
            Some(KeyRef::Env("ANCHOR_API_KEY".into()))
        );
        assert_eq!(key_ref("${KEY_1:-x}"), Some(KeyRef::Env("KEY_1".into())));
        assert_eq!(key_ref("sk-live-123"), None);
        assert_eq!(key_ref("${not a name}"), None);
        for client in Client::ALL {
            if let Some(reference) = client.key_reference("KEY_A", "id-a") {
                assert!(key_ref(&reference).is_some(), "{reference}");
            }
        }
    }

    #[test]
    fn each_provider_has_a_default_base_url() {
        let config = crate::config::Config::from_cli(
            <crate::config::Cli as clap::Parser>::parse_from(["x", "--catalog", ":memory:"]),
            |_| None,
            [],
        )
        .unwrap();
        for setup in config.provider_setups() {
            assert_eq!(
                default_base_url(setup.base_url),
                setup.settings.base_url(),
                "{}",
                setup.provider
            );
        }
    }

    #[test]
    fn finds_this_servers_entries_by_name_or_command() {
        let text = r#"{
          // a comment, as VS Code allows
          "servers": {
            "browser-tasks": {"type": "stdio", "command": "browser-tasks-mcp",
                              "env": {"KEY_A": "x", "EMPTY": ""}},
            "renamed": {"command": "/opt/bin/browser-tasks-mcp", "args": ["--catalog", "f"]},
            "other": {"command": "npx", "args": ["other-server"]},
          }
        }"#;
        let found = entries(text, Client::Vscode).unwrap();
        assert_eq!(
            found,
            [
                Entry {
                    name: "browser-tasks".into(),
                    command: "browser-tasks-mcp".into(),
                    args: vec![],
                    env: vec![
                        ("EMPTY".into(), String::new()),
                        ("KEY_A".into(), "x".into())
                    ],
                },
                Entry {
                    name: "renamed".into(),
                    command: "/opt/bin/browser-tasks-mcp".into(),
                    args: vec!["--catalog".into(), "f".into()],
                    env: vec![],
                },
            ]
        );
        assert_eq!(found[0].value_of("KEY_A"), Some("x"));
        assert_eq!(found[0].value_of("EMPTY"), None);
        // Another client's key holds nothing of VS Code's.
        assert!(entries(text, Client::Cursor).unwrap().is_empty());
        assert!(entries("{ not json", Client::Cursor).is_err());
        assert!(entries("", Client::Cursor).unwrap().is_empty());
    }
}
