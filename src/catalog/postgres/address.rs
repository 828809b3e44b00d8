//! Where a PostgreSQL catalog is: its URL (kept secret, since it may carry a password), the
//! same URL with the password taken out (what messages, logs and `doctor` show), and the
//! connection settings read from it.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// How long to wait for a connection when the URL does not say (`connect_timeout`): long
/// enough for a database across a network, short enough that a wrong address fails a start
/// promptly.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A `postgres://` or `postgresql://` URL naming the catalog's database. Its `Debug` and
/// `Display` never show the password.
#[derive(Clone)]
pub struct PostgresUrl {
    url: SecretString,
    shown: String,
}

impl PostgresUrl {
    /// `text` as a PostgreSQL URL, or `None` when it is not one (a file path, `:memory:`).
    pub fn parse(text: &str) -> Option<Self> {
        let (scheme, rest) = text.split_once("://")?;
        if !(scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql")) {
            return None;
        }
        // The driver reads only a lower-case scheme.
        let text = format!("{}://{rest}", scheme.to_ascii_lowercase());
        Some(Self {
            shown: without_password(&text),
            url: SecretString::from(text),
        })
    }

    /// The URL without its password: safe to show, log and return.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The connection settings, with this server's defaults where the URL says nothing.
    pub(super) fn config(&self) -> Result<tokio_postgres::Config, String> {
        let mut config: tokio_postgres::Config = self
            .url
            .expose_secret()
            .parse()
            // The parser's message names the faulty setting, never the URL's text.
            .map_err(|e: tokio_postgres::Error| super::describe(&e))?;
        if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
            return Err(
                "the URL names no host (e.g. postgres://user@localhost:5432/catalog)".into(),
            );
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            // So the server's sessions can be told apart in pg_stat_activity.
            config.application_name(env!("CARGO_PKG_NAME"));
        }
        Ok(config)
    }
}

impl PartialEq for PostgresUrl {
    fn eq(&self, other: &Self) -> bool {
        self.url.expose_secret() == other.url.expose_secret()
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PostgresUrl").field(&self.shown).finish()
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Who and where a connection goes, for a message: hosts, ports, database and user, as the
/// settings say (the server's defaults where they say nothing).
pub(super) fn target(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .chain(config.get_hostaddrs().iter().map(ToString::to_string))
        .collect();
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    let ports = if ports.is_empty() {
        "5432".to_string()
    } else {
        ports.join(",")
    };
    let user = config.get_user().unwrap_or("(this system user)");
    let database = config.get_dbname().unwrap_or(user);
    format!(
        "host {} port {ports}, database {database}, user {user}",
        hosts.join(",")
    )
}

/// `url` with any password removed: the one in its user part (`user:password@`) and a
/// `password=` query setting. A password holding `@` or `/` unescaped is still cut out whole:
/// the user part ends at the last `@` before the query.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (rest, None),
    };
    let mut shown = format!("{scheme}://");
    match before_query.rsplit_once('@') {
        Some((userinfo, after)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            shown.push_str(user);
            shown.push('@');
            shown.push_str(after);
        }
        None => shown.push_str(before_query),
    }
    if let Some(query) = query {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| {
                let key = pair.split_once('=').map_or(*pair, |(key, _)| key);
                !key.eq_ignore_ascii_case("password")
            })
            .collect();
        if !kept.is_empty() {
            shown.push('?');
            shown.push_str(&kept.join("&"));
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgres_urls_are_taken() {
        assert!(PostgresUrl::parse("postgres://u@h/db").is_some());
        let mixed = PostgresUrl::parse("PostgreSQL://u@h/db").unwrap();
        assert_eq!(mixed.shown(), "postgresql://u@h/db");
        assert!(mixed.config().is_ok());
        for other in [
            ":memory:",
            "/tmp/catalog.sqlite3",
            "mysql://u@h/db",
            "postgres",
        ] {
            assert!(PostgresUrl::parse(other).is_none(), "{other}");
        }
    }

    #[test]
    fn passwords_are_never_shown() {
        for (url, shown) in [
            ("postgres://u:pw@h:5432/db", "postgres://u@h:5432/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("postgres://h/db", "postgres://h/db"),
            ("postgres://u:p@w/d@h/db", "postgres://u@h/db"),
            (
                "postgresql://u@h/db?sslmode=disable&password=pw&application_name=x",
                "postgresql://u@h/db?sslmode=disable&application_name=x",
            ),
            ("postgres://u:pw@h/db?PASSWORD=pw", "postgres://u@h/db"),
        ] {
            let parsed = PostgresUrl::parse(url).unwrap();
            assert_eq!(parsed.shown(), shown, "{url}");
            assert_eq!(parsed.to_string(), shown);
            assert!(!format!("{parsed:?}").contains("pw"), "{parsed:?}");
        }
    }

    #[test]
    fn the_target_names_host_port_database_and_user() {
        let url = PostgresUrl::parse("postgres://alice:secret@db.internal:6543/tasks").unwrap();
        let config = url.config().unwrap();
        assert_eq!(
            target(&config),
            "host db.internal port 6543, database tasks, user alice"
        );
        assert_eq!(config.get_application_name(), Some("browser-tasks-mcp"));
        let error = PostgresUrl::parse("postgres:///tasks").unwrap().config();
        assert!(error.unwrap_err().contains("no host"));
    }
}
