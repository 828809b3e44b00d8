//! The clients' config files: which exist (the user's own, and the current project's), and
//! for each entry of this server in them, whether the client can start it: the command exists,
//! a provider key is set, and a file holding a key is not readable by other users.

use std::path::{Path, PathBuf};

use super::Check;
use crate::cli::clients::{self, Client, Entry};

/// One config file found.
pub struct Found {
    pub client: Client,
    pub path: PathBuf,
    /// Its entries of this server, or why it cannot be read.
    pub entries: Result<Vec<Entry>, String>,
}

/// An entry's environment, and where it was found (for saying which key is which).
pub struct EntryEnv {
    pub source: String,
    pub env: Vec<(String, String)>,
}

/// The config files that exist: each client's user file, then its file in `project`.
pub fn find(project: &Path) -> Vec<Found> {
    Client::ALL
        .into_iter()
        .flat_map(|client| {
            [client.user_config(), client.project_config(project)]
                .into_iter()
                .flatten()
                .filter(|path| path.is_file())
                .map(move |path| {
                    let entries = std::fs::read_to_string(&path)
                        .map_err(|e| e.to_string())
                        .and_then(|text| clients::entries(&text, client));
                    Found {
                        client,
                        path,
                        entries,
                    }
                })
        })
        .collect()
}

/// The environments of this server's entries, for checking the keys they hold.
pub fn keys(found: &[Found]) -> Vec<EntryEnv> {
    found
        .iter()
        .flat_map(|f| {
            f.entries.iter().flatten().map(|entry| EntryEnv {
                source: format!("{}'s entry {:?}", f.client.label(), entry.name),
                env: entry.env.clone(),
            })
        })
        .collect()
}

/// A line per entry found (and per file that cannot be read, or registers no entry), and one
/// per client without any file. `key_vars` are the variables a provider key is read from.
pub fn check(found: &[Found], key_vars: &[&str]) -> Vec<Check> {
    let mut checks = Vec::new();
    for client in Client::ALL {
        let files: Vec<&Found> = found.iter().filter(|f| f.client == client).collect();
        let install = format!("browser-tasks-mcp install --client {}", client.flag());
        if files.is_empty() {
            let place = client
                .user_config()
                .map(|p| format!(" at {}", p.display()))
                .unwrap_or_default();
            checks.push(Check::note(
                format!("{}: no config file{place}", client.label()),
                Some(format!("`{install}` creates one with this server")),
            ));
        }
        for file in files {
            let path = file.path.display();
            match &file.entries {
                Err(error) => checks.push(Check::fail(
                    format!("{}: {path} cannot be read: {error}", client.label()),
                    "correct the file (the client cannot read it either); `install` keeps a \
                     backup of a file it changes",
                )),
                Ok(entries) if entries.is_empty() => checks.push(Check::note(
                    format!("{}: {path} does not register this server", client.label()),
                    Some(format!("`{install}` adds it")),
                )),
                Ok(entries) => {
                    for entry in entries {
                        checks.push(check_entry(client, &file.path, entry, key_vars, &install));
                    }
                }
            }
        }
    }
    checks
}

/// Whether the client can start this entry.
fn check_entry(
    client: Client,
    path: &Path,
    entry: &Entry,
    key_vars: &[&str],
    install: &str,
) -> Check {
    let args = if entry.args.is_empty() {
        String::new()
    } else {
        format!(" {}", entry.args.join(" "))
    };
    let names: Vec<&str> = entry.env.iter().map(|(name, _)| name.as_str()).collect();
    let with = match names.as_slice() {
        [] => "no environment variables".to_string(),
        names => names.join(", "),
    };
    let text = format!(
        "{}: {} registers {:?}: {}{args} with {with}",
        client.label(),
        path.display(),
        entry.name,
        entry.command
    );
    let mut problems = Vec::new();
    let mut fixes = Vec::new();
    if resolve(&entry.command).is_none() {
        problems.push(format!("the command {:?} is not found", entry.command));
        fixes.push(format!(
            "install the binary (cargo install --path .), or `{install}` to point the entry at \
             this one by its full path (a client may not search your shell's PATH)"
        ));
    }
    // A reference (`${input:…}`, `${env:…}`) sets a key as well as the key itself does, and
    // is no secret in the file.
    let holds_key = key_vars.iter().any(|var| entry.value_of(var).is_some());
    let holds_plain_key = key_vars.iter().any(|var| {
        entry
            .value_of(var)
            .is_some_and(|value| clients::key_ref(value).is_none())
    });
    if !holds_key {
        problems.push("its env sets no API key".to_string());
        fixes.push(format!(
            "set {} in the entry's env (`{install}` does, from your environment)",
            key_vars.join(" or ")
        ));
    }
    if holds_plain_key && readable_by_others(path) {
        problems.push("the file holds a key and other users can read it".to_string());
        fixes.push(format!("chmod 600 {}", path.display()));
    }
    if problems.is_empty() {
        Check::pass(text)
    } else {
        Check::fail(
            format!("{text}; but {}", problems.join(", and ")),
            fixes.join("; "),
        )
    }
}

/// Where `command` is: a path as given, or the first match on PATH.
fn resolve(command: &str) -> Option<PathBuf> {
    if command.trim().is_empty() {
        return None;
    }
    let path = Path::new(command);
    if path.is_absolute() || path.components().count() > 1 {
        return path.is_file().then(|| path.to_path_buf());
    }
    which::which(command).ok()
}

/// Whether users other than the owner can read the file.
fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(command: &str, env: &[(&str, &str)]) -> Entry {
        Entry {
            name: "browser-tasks".into(),
            command: command.into(),
            args: vec![],
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn an_entry_fails_for_a_missing_command_a_missing_key_and_an_open_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mcp.json");
        std::fs::write(&path, "{}").unwrap();
        let key_var = "KEY_ONE";
        let vars = [key_var, "KEY_TWO"];
        let bin = std::env::current_exe().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let good = check_entry(
            Client::Cursor,
            &path,
            &entry(bin.to_str().unwrap(), &[(key_var, "sk-0123456789ab")]),
            &vars,
            "install",
        );
        assert_eq!(good.outcome, super::super::Outcome::Pass, "{good:?}");
        assert!(good.text.contains(&format!("with {key_var}")), "{good:?}");
        assert!(!good.text.contains("0123456789ab"), "a key was shown");

        let bad = check_entry(
            Client::Cursor,
            &path,
            &entry("no-such-binary-anywhere", &[("OTHER", "x")]),
            &vars,
            "install",
        );
        assert_eq!(bad.outcome, super::super::Outcome::Fail);
        assert!(
            bad.text
                .contains("\"no-such-binary-anywhere\" is not found"),
            "{bad:?}"
        );
        assert!(bad.text.contains("sets no API key"), "{bad:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let open = check_entry(
                Client::Cursor,
                &path,
                &entry(bin.to_str().unwrap(), &[(key_var, "sk-0123456789ab")]),
                &vars,
                "install",
            );
            assert!(open.text.contains("other users can read it"), "{open:?}");
            assert!(open.advice.unwrap().contains("chmod 600"));
            // A reference is no key in the file: a shared project file may be readable.
            let referring = check_entry(
                Client::Vscode,
                &path,
                &entry(bin.to_str().unwrap(), &[(key_var, "${input:key-one}")]),
                &vars,
                "install",
            );
            assert_eq!(
                referring.outcome,
                super::super::Outcome::Pass,
                "{referring:?}"
            );
        }
    }
}
