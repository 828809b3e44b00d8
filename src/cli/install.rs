//! `install`: add this server to a client's config file, or bring its entry up to date.
//!
//! The file is edited, not rewritten: every other server, key, comment and blank line stays as
//! it was, in its order (a JSONC syntax tree, `jsonc_parser::cst`, is edited in place). In this
//! server's entry only `command` (and `type`, for clients that want one) is set, `args` added
//! when missing, and the provider keys set in `env`; anything else a person added is kept. The
//! old file is copied aside first; a file holding a key is left readable by its owner only.
//!
//! Keys come from the environment, as the server reads them (or, on a terminal, are asked for
//! with hidden input). Nothing prints a key: `--dry-run` masks every `env` and `headers` value
//! to its last four characters.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};
use secrecy::ExposeSecret;

use super::clients::{self, Client, ENTRY_NAME, default_base_url};
use super::{CliError, print_out};
use crate::config::Config;
use crate::redact::key_hint;

pub const EXAMPLES: &str = "Examples:
  browser-tasks-mcp install --client claude-desktop --dry-run   # keys from the environment
  browser-tasks-mcp install --client claude-desktop
  browser-tasks-mcp install --client vscode --config-file .vscode/mcp.json
  browser-tasks-mcp install --client cursor   # ~/.cursor/mcp.json linked into ~/dotfiles: edited there
  browser-tasks-mcp install --client cursor --config-file .cursor/mcp.json --allow-plain-keys

A config file that is a symbolic link is edited where the link points (the link stays, the
backup is made beside that file), and the message names that file.

A project's file (--config-file other than the client's own, e.g. .vscode/mcp.json, often
committed) gets references instead of keys: VS Code's prompted inputs (${input:ID}, asked for
once and kept by VS Code), Cursor's ${env:VAR}, Claude Code's ${VAR}; --allow-plain-keys writes
the keys themselves. A base URL other than the default (a fake's, from the offline recipe) goes
into the entry with the key, in its variable.

Files: Claude Desktop's claude_desktop_config.json (in ~/Library/Application Support/Claude,
%APPDATA%\\Claude or ~/.config/Claude), Cursor's ~/.cursor/mcp.json, VS Code's user mcp.json
(in Code/User under the same config directory), Claude Code's ~/.claude.json.";

/// `install`'s flags.
#[derive(Debug, Clone, Args)]
pub struct InstallArgs {
    /// The client to register this server with.
    #[arg(long, value_enum)]
    pub client: Client,
    /// Print the file as it would be written, and its path, and write nothing (key values
    /// masked).
    #[arg(long)]
    pub dry_run: bool,
    /// The config file to edit (default: the client's own file for this user).
    #[arg(long, value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// The command the client is to run (default: this binary, by its full path).
    #[arg(long, value_name = "PATH")]
    pub command: Option<String>,
    /// The entry's name in the client's list of servers.
    #[arg(long, default_value = ENTRY_NAME)]
    pub name: String,
    /// In a project's config file (often committed), write the keys themselves instead of
    /// references the client resolves (VS Code's prompted inputs, Cursor's and Claude Code's
    /// environment).
    #[arg(long)]
    pub allow_plain_keys: bool,
}

/// What this server's entry is to hold.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntrySpec {
    pub command: String,
    /// Environment variables to set: (name, value).
    pub env: Vec<(String, String)>,
    /// Environment variables to take out of the entry (a base URL back at its default).
    pub unset: Vec<String>,
    /// VS Code inputs the entry's env refers to (`${input:ID}`), added to the file's `inputs`
    /// when it has none of that id.
    pub inputs: Vec<PromptInput>,
}

/// A VS Code input: asked for once, with hidden typing, and kept in VS Code's secret storage.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptInput {
    pub id: String,
    pub description: String,
}

pub fn run(args: InstallArgs, config: Config) -> Result<ExitCode, CliError> {
    let client = args.client;
    let given = match &args.config_file {
        Some(path) => path.clone(),
        None => client.user_config().ok_or_else(|| {
            CliError::Usage("this system has no home directory; give --config-file".into())
        })?,
    };
    // A config kept elsewhere and linked to (dotfiles) is edited where it is: the link stays.
    let path = link_target(&given)?;
    let shown = if path == given {
        path.display().to_string()
    } else {
        format!("{} (through the link {})", path.display(), given.display())
    };
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => {
            return Err(CliError::Failed(format!(
                "cannot read {}: {error}",
                path.display()
            )));
        }
    };
    let old_text = old.as_deref().unwrap_or("");
    let existing = clients::entries(old_text, client)
        .map_err(|e| {
            CliError::Failed(format!(
                "{} is not valid JSON ({e}); fix it first (nothing was written)",
                path.display()
            ))
        })?
        .into_iter()
        .find(|entry| entry.name == args.name);
    let has_value = |var: &str| existing.as_ref().is_some_and(|e| e.value_of(var).is_some());
    // A project's file is shared, often committed: it gets references, not keys.
    let project = is_project_file(client, &path, args.config_file.is_some());
    let by_reference = project && !args.allow_plain_keys;
    let mut spec = EntrySpec::default();
    let mut plain_keys = Vec::new();
    let asks = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    for setup in config.provider_setups() {
        let var = setup.key_vars.first().copied().unwrap_or_default();
        let key = match &setup.settings.connection {
            Some(connection) => Some(connection.api_key.expose_secret().to_string()),
            None if asks && !has_value(var) && !by_reference => ask_key(setup.provider, var)?,
            None => None,
        };
        if key.is_none() && !has_value(var) {
            continue;
        }
        let input_id = format!("{}-{}", args.name, var.to_lowercase().replace('_', "-"));
        match client
            .key_reference(var, &input_id)
            .filter(|_| by_reference)
        {
            Some(reference) => {
                if client == Client::Vscode {
                    spec.inputs.push(PromptInput {
                        id: input_id,
                        description: format!("{} API key ({var})", setup.provider),
                    });
                }
                spec.env.push((var.to_string(), reference));
            }
            None => {
                if let Some(key) = key {
                    plain_keys.push(var.to_string());
                    spec.env.push((var.to_string(), key));
                }
            }
        }
        // Where this command's provider is, the entry's goes: a base URL moved off the
        // default (a fake's, say) goes with the key, and one back at the default leaves.
        let url = setup.settings.base_url().trim_end_matches('/');
        if url != default_base_url(setup.base_url).trim_end_matches('/') {
            spec.env.push((
                setup.base_url.env.to_string(),
                setup.settings.base_url().to_string(),
            ));
        } else if has_value(setup.base_url.env) {
            spec.unset.push(setup.base_url.env.to_string());
        }
    }
    let env = &spec.env;
    let key_vars: Vec<&str> = config
        .provider_setups()
        .iter()
        .filter_map(|s| s.key_vars.first().copied())
        .collect();
    if !key_vars
        .iter()
        .any(|var| has_value(var) || env.iter().any(|(n, _)| n == var))
    {
        return Err(CliError::Usage(format!(
            "no API key to install: set {} in the environment (or run this on a terminal to be \
             asked for it)",
            key_vars.join(" and/or ")
        )));
    }
    spec.command = match &args.command {
        Some(command) => command.clone(),
        None => this_binary()?,
    };
    let merged = merge(old_text, client, &args.name, &spec).map_err(|e| in_file(&path, e))?;
    if args.dry_run {
        let masked = mask_values(&merged, client).map_err(|e| in_file(&path, e))?;
        print_out(&format!(
            "{shown} (dry run: nothing written; env and headers values are masked to their last \
             4 characters, but for references and base URLs)\n{masked}"
        ));
        return Ok(ExitCode::SUCCESS);
    }
    if old.as_deref() == Some(merged.as_str()) {
        print_out(&format!(
            "{}'s entry {:?} in {shown} is up to date; nothing written.",
            client.label(),
            args.name,
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let backup = match &old {
        Some(_) => Some(back_up(&path)?),
        None => None,
    };
    write(&path, &merged, !plain_keys.is_empty())
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))?;
    let keys: Vec<String> = spec
        .env
        .iter()
        .map(|(name, value)| match plain_keys.contains(name) {
            true => format!("{name}={}", key_hint(value)),
            false => format!("{name}={value}"),
        })
        .collect();
    let mut said = format!(
        "{} {:?} {} {}'s config {shown}: it runs {}",
        if existing.is_some() {
            "Updated"
        } else {
            "Added"
        },
        args.name,
        if existing.is_some() { "in" } else { "to" },
        client.label(),
        spec.command
    );
    if !keys.is_empty() {
        said.push_str(&format!(" with {}", keys.join(", ")));
    }
    said.push('.');
    if let Some(backup) = backup {
        said.push_str(&format!(" The old file is at {}.", backup.display()));
    }
    if project && by_reference {
        said.push_str(&match client {
            Client::Vscode => " It is a project's file (often committed), so it holds no key: \
                VS Code asks for each key when it starts the server, and keeps it in its secret \
                storage."
                .to_string(),
            _ => format!(
                " It is a project's file (often committed), so it holds no key: {} passes each \
                 from its own environment (start it where the variable is set).",
                client.label()
            ),
        });
        said.push_str(" --allow-plain-keys writes the keys themselves.");
    }
    said.push_str(&format!(
        " Restart {} to load it; `browser-tasks-mcp doctor` checks the set-up.",
        client.label()
    ));
    print_out(&said);
    if project && !plain_keys.is_empty() {
        eprintln!(
            "warning: {} is a project's file and now holds {} in plain text: keep it out of \
             version control (e.g. list it in .gitignore).",
            path.display(),
            plain_keys.join(" and ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `path` (given with `--config-file` when `given`) is a project's config file of
/// `client` rather than the user's own: a file a team shares and often commits.
fn is_project_file(client: Client, path: &Path, given: bool) -> bool {
    if !given || client.key_reference("", "").is_none() {
        return false;
    }
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    client
        .user_config()
        .is_none_or(|user| canonical(&user) != canonical(path))
}

fn in_file(path: &Path, problem: String) -> CliError {
    CliError::Failed(format!(
        "cannot add the entry to {}: {problem} (nothing was written)",
        path.display()
    ))
}

/// Ask for `provider`'s key on the terminal, without echoing it; empty skips the provider.
fn ask_key(provider: crate::cloud::Provider, var: &str) -> Result<Option<String>, CliError> {
    let key = rpassword::prompt_password(format!(
        "{provider} API key for {var} (input hidden; Enter to skip): "
    ))
    .map_err(|e| CliError::Failed(format!("cannot read the key: {e}")))?;
    let key = key.trim().to_string();
    Ok((!key.is_empty()).then_some(key))
}

/// The file `path` names: itself, or, for a symbolic link, the file at the end of its links
/// (which may not exist yet).
fn link_target(path: &Path) -> Result<PathBuf, CliError> {
    let is_link = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link(path) {
        return Ok(path.to_path_buf());
    }
    if let Ok(target) = std::fs::canonicalize(path) {
        return Ok(target);
    }
    // A link to a file not created yet: follow the links by hand.
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        if !is_link(&current) {
            return Ok(current);
        }
        let next = std::fs::read_link(&current).map_err(|e| {
            CliError::Failed(format!("cannot read the link {}: {e}", current.display()))
        })?;
        current = match current.parent() {
            Some(dir) => dir.join(next),
            None => next,
        };
    }
    Err(CliError::Failed(format!(
        "{} is a loop of symbolic links; give --config-file the file itself",
        path.display()
    )))
}

/// This binary's full path, for the client to run.
fn this_binary() -> Result<String, CliError> {
    let path = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| {
            CliError::Failed(format!(
                "cannot tell where this binary is ({e}); give --command"
            ))
        })?;
    path.to_str().map(str::to_string).ok_or_else(|| {
        CliError::Failed(format!(
            "this binary's path {} is not UTF-8; give --command",
            path.display()
        ))
    })
}

/// `text` (a client's config, JSON with comments allowed; empty for a new file) with this
/// server's entry `name` added or brought up to date, and nothing else changed.
pub fn merge(text: &str, client: Client, name: &str, spec: &EntrySpec) -> Result<String, String> {
    let fresh = text.trim().is_empty();
    let root = CstRootNode::parse(if fresh { "{}\n" } else { text }, &Default::default())
        .map_err(|e| format!("it is not valid JSON ({e})"))?;
    let top = root
        .object_value_or_create()
        .ok_or("its top level is not a JSON object")?;
    let key = client.servers_key();
    let servers = top
        .object_value_or_create(key)
        .ok_or_else(|| format!("its {key:?} is not an object"))?;
    if !spec.inputs.is_empty() {
        let inputs = top
            .array_value_or_create("inputs")
            .ok_or("its \"inputs\" is not an array")?;
        let known: Vec<String> = inputs
            .elements()
            .iter()
            .filter_map(|input| input.as_object())
            .filter_map(|input| string_of(&input, "id"))
            .collect();
        for input in &spec.inputs {
            if !known.contains(&input.id) {
                inputs.append(CstInputValue::Object(vec![
                    ("type".into(), "promptString".into()),
                    ("id".into(), input.id.as_str().into()),
                    ("description".into(), input.description.as_str().into()),
                    ("password".into(), CstInputValue::Bool(true)),
                ]));
            }
        }
    }
    let Some(prop) = servers.get(name) else {
        let mut entry = Vec::new();
        if let Some(kind) = client.stdio_type() {
            entry.push(("type".to_string(), CstInputValue::from(kind)));
        }
        entry.push(("command".into(), spec.command.as_str().into()));
        entry.push(("args".into(), CstInputValue::Array(Vec::new())));
        entry.push((
            "env".into(),
            CstInputValue::Object(
                spec.env
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().into()))
                    .collect(),
            ),
        ));
        servers.append(name, CstInputValue::Object(entry));
        return Ok(root.to_string());
    };
    let entry = prop
        .object_value()
        .ok_or_else(|| format!("its entry {name:?} is not an object"))?;
    let kind = string_of(&entry, "type");
    if kind.as_deref().is_some_and(|k| k != "stdio") || entry.get("url").is_some() {
        return Err(format!(
            "its entry {name:?} is a remote server ({}), not one this binary runs; choose \
             another --name",
            kind.as_deref().unwrap_or("it has a url")
        ));
    }
    if let Some(kind) = client.stdio_type() {
        set(&entry, "type", kind.into());
    }
    set(&entry, "command", spec.command.as_str().into());
    if entry.get("args").is_none() {
        entry.append("args", CstInputValue::Array(Vec::new()));
    }
    let env = entry
        .object_value_or_create("env")
        .ok_or_else(|| format!("its entry {name:?} has an \"env\" that is not an object"))?;
    for (var, value) in &spec.env {
        set(&env, var, value.as_str().into());
    }
    for var in &spec.unset {
        if let Some(prop) = env.get(var) {
            prop.remove();
        }
    }
    Ok(root.to_string())
}

/// Set property `name` of `object`, in place when it exists, appended when not.
fn set(object: &CstObject, name: &str, value: CstInputValue) {
    match object.get(name) {
        Some(prop) => prop.set_value(value),
        None => {
            object.append(name, value);
        }
    }
}

/// A string property's value.
fn string_of(object: &CstObject, name: &str) -> Option<String> {
    object
        .get(name)?
        .value()?
        .as_string_lit()?
        .decoded_value()
        .ok()
}

/// `text` with every string in each server's `env` and `headers` shown as [`key_hint`] shows
/// a key (for printing a config that may hold keys).
pub fn mask_values(text: &str, client: Client) -> Result<String, String> {
    let root = CstRootNode::parse(text, &Default::default())
        .map_err(|e| format!("it is not valid JSON ({e})"))?;
    let servers = root
        .object_value()
        .and_then(|top| top.object_value(client.servers_key()));
    for server in servers.iter().flat_map(|s| s.properties()) {
        let Some(entry) = server.object_value() else {
            continue;
        };
        for section in ["env", "headers"] {
            for prop in entry
                .object_value(section)
                .iter()
                .flat_map(|o| o.properties())
            {
                let value = prop
                    .value()
                    .and_then(|v| v.as_string_lit())
                    .and_then(|s| s.decoded_value().ok());
                let shown_whole = |value: &str| {
                    clients::key_ref(value).is_some()
                        || prop
                            .decoded_name()
                            .is_some_and(|name| name.ends_with("_BASE_URL"))
                };
                if let Some(value) = value.filter(|value| !shown_whole(value)) {
                    prop.set_value(key_hint(&value).into());
                }
            }
        }
    }
    Ok(root.to_string())
}

/// Copy `path` aside as `<name>.bak` (or `.bak.2`, `.bak.3`, … when taken), permissions
/// included, and say where.
fn back_up(path: &Path) -> Result<PathBuf, CliError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let backup = (1..)
        .map(|n| match n {
            1 => path.with_file_name(format!("{name}.bak")),
            n => path.with_file_name(format!("{name}.bak.{n}")),
        })
        .find(|candidate| !candidate.exists())
        .unwrap_or_else(|| path.with_file_name(format!("{name}.bak")));
    std::fs::copy(path, &backup).map_err(|e| {
        CliError::Failed(format!(
            "cannot back up {} to {} ({e}); nothing was written",
            path.display(),
            backup.display()
        ))
    })?;
    Ok(backup)
}

/// Write `text` to `path` through a new file renamed over it (a crash leaves the old file or
/// the new one, never half of one). A file holding a key is readable by its owner only from
/// the start; otherwise the old file's permissions are kept.
fn write(path: &Path, text: &str, holds_key: bool) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if holds_key {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    let written = (|| {
        let mut file = options.open(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if !holds_key && let Ok(old) = std::fs::metadata(path) {
            std::fs::set_permissions(&temporary, old.permissions())?;
        }
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> EntrySpec {
        EntrySpec {
            command: "/usr/local/bin/browser-tasks-mcp".into(),
            env: vec![("KEY_ONE".into(), "sk-live-0123456789abcd".into())],
            ..EntrySpec::default()
        }
    }

    #[test]
    fn inputs_are_added_once_and_unset_variables_leave() {
        let spec = EntrySpec {
            env: vec![("KEY_ONE".into(), "${input:browser-tasks-key-one}".into())],
            unset: vec!["OLD_BASE_URL".into()],
            inputs: vec![PromptInput {
                id: "browser-tasks-key-one".into(),
                description: "The key".into(),
            }],
            ..spec()
        };
        let before = "{\"inputs\": [{\"type\": \"promptString\", \"id\": \"other\"}], \"servers\": {\"browser-tasks\": {\"command\": \"x\", \"env\": {\"KEY_ONE\": \"sk-plain\", \"OLD_BASE_URL\": \"http://fake\", \"KEEP\": \"1\"}}}}";
        let after = merge(before, Client::Vscode, "browser-tasks", &spec).unwrap();
        let value = clients::parse(&after).unwrap();
        assert_eq!(
            value["inputs"],
            serde_json::json!([{"type": "promptString", "id": "other"},
                {"type": "promptString", "id": "browser-tasks-key-one",
                 "description": "The key", "password": true}])
        );
        assert_eq!(
            value["servers"]["browser-tasks"]["env"],
            serde_json::json!({"KEY_ONE": "${input:browser-tasks-key-one}", "KEEP": "1"})
        );
        // Twice is the same as once.
        assert_eq!(
            merge(&after, Client::Vscode, "browser-tasks", &spec).unwrap(),
            after
        );
        // References and base URLs are not masked: they are no secrets.
        let masked = mask_values(
            "{\"servers\": {\"a\": {\"env\": {\"K\": \"${input:k}\", \"X_BASE_URL\": \"http://127.0.0.1:1\", \"S\": \"secret-123456\"}}}}",
            Client::Vscode,
        )
        .unwrap();
        assert!(
            masked.contains("${input:k}")
                && masked.contains("http://127.0.0.1:1")
                && masked.contains("…3456"),
            "{masked}"
        );
    }

    #[test]
    fn a_new_file_gets_the_whole_entry() {
        let text = merge("", Client::Cursor, "browser-tasks", &spec()).unwrap();
        let value = clients::parse(&text).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"mcpServers": {"browser-tasks": {
                "command": "/usr/local/bin/browser-tasks-mcp", "args": [],
                "env": {"KEY_ONE": "sk-live-0123456789abcd"}}}})
        );
        let vscode = merge("", Client::Vscode, "browser-tasks", &spec()).unwrap();
        let value = clients::parse(&vscode).unwrap();
        assert_eq!(value["servers"]["browser-tasks"]["type"], "stdio");
    }

    #[test]
    fn other_servers_comments_and_order_stay_byte_for_byte() {
        let before = "{\n  // my servers\n  \"zeta\": 1,\n  \"mcpServers\": {\n    \"other\": {\"command\": \"npx\", \"args\": [\"-y\", \"x\"]},\n    \"browser-tasks\": {\n      \"command\": \"old-path\",\n      \"args\": [\"--catalog\", \"/tmp/c\"],\n      \"env\": {\"KEY_ONE\": \"old-key\", \"BROWSER_TASKS_SECRET_PW\": \"pw\"}\n    }\n  },\n  \"alpha\": true\n}\n";
        let after = merge(before, Client::ClaudeDesktop, "browser-tasks", &spec()).unwrap();
        let expected = before
            .replace("\"old-path\"", "\"/usr/local/bin/browser-tasks-mcp\"")
            .replace("\"old-key\"", "\"sk-live-0123456789abcd\"");
        assert_eq!(after, expected);
        // Twice is the same as once.
        assert_eq!(
            merge(&after, Client::ClaudeDesktop, "browser-tasks", &spec()).unwrap(),
            after
        );
    }

    #[test]
    fn masked_output_shows_no_value_whole() {
        let text = "{\"mcpServers\": {\"a\": {\"env\": {\"T\": \"secret-token-9876\"}, \"headers\": {\"Authorization\": \"Bearer abcdefghijkl\"}}}}";
        let masked = mask_values(text, Client::Cursor).unwrap();
        assert_eq!(
            masked,
            "{\"mcpServers\": {\"a\": {\"env\": {\"T\": \"…9876\"}, \"headers\": {\"Authorization\": \"…ijkl\"}}}}"
        );
    }

    #[test]
    fn what_cannot_be_merged_is_refused_with_the_reason() {
        let remote =
            "{\"mcpServers\": {\"browser-tasks\": {\"type\": \"http\", \"url\": \"http://x\"}}}";
        let error = merge(remote, Client::Cursor, "browser-tasks", &spec()).unwrap_err();
        assert!(error.contains("remote server (http)"), "{error}");
        assert!(
            merge("[1]", Client::Cursor, "x", &spec())
                .unwrap_err()
                .contains("top level")
        );
        assert!(
            merge("{\"mcpServers\": 3}", Client::Cursor, "x", &spec())
                .unwrap_err()
                .contains("not an object")
        );
        assert!(
            merge("{oops", Client::Cursor, "x", &spec())
                .unwrap_err()
                .contains("not valid JSON")
        );
    }

    #[test]
    #[cfg(unix)]
    fn a_link_is_followed_to_its_file_even_before_that_file_exists() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.json");
        assert_eq!(link_target(&plain).unwrap(), plain);
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("sub/real.json", &link).unwrap();
        assert_eq!(
            link_target(&link).unwrap(),
            dir.path().join("sub/real.json")
        );
        let looped = dir.path().join("loop.json");
        std::os::unix::fs::symlink("loop.json", &looped).unwrap();
        assert!(
            link_target(&looped)
                .unwrap_err()
                .to_string()
                .contains("loop")
        );
    }

    #[test]
    fn writing_a_key_leaves_the_file_to_its_owner_and_backups_do_not_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("mcp.json");
        write(&path, "{}\n", true).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let first = back_up(&path).unwrap();
        let second = back_up(&path).unwrap();
        assert!(first.ends_with("mcp.json.bak") && second.ends_with("mcp.json.bak.2"));
        assert_eq!(std::fs::read_to_string(second).unwrap(), "{}\n");
    }
}
