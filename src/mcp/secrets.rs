//! Secret values the server knows: the ones configured for task parameters (supplied by the
//! server itself, so they are never tool arguments) and the ones runs were given (kept in
//! memory only, never stored). Whatever this process shows afterwards (a result, a later
//! `get_execution`, a progress message) is scrubbed of all of them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

use super::naming;
use crate::params::Param;

/// The most run secret values kept in memory for scrubbing (the oldest go first).
const MAX_REMEMBERED_SECRETS: usize = 1024;

/// Secret values the server supplies itself, so they are never tool arguments.
#[derive(Default)]
pub struct Secrets {
    /// By exact parameter name (`--secret "Login Password=SITE_PASSWORD"`).
    by_name: BTreeMap<String, SecretString>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: values never leave this struct except to the provider.
        f.debug_set().entries(self.by_name.keys()).finish()
    }
}

/// Prefix of the environment variables naming secrets by rule.
pub const SECRET_ENV_PREFIX: &str = "BROWSER_TASKS_SECRET_";

impl Secrets {
    /// Secrets from `--secret NAME=ENV_VAR` pairs (looked up in `env`) and from every
    /// `BROWSER_TASKS_SECRET_<NAME>` variable in `environment`.
    pub fn new(
        pairs: &[(String, String)],
        environment: impl IntoIterator<Item = (String, String)>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let mut by_name = BTreeMap::new();
        for (key, value) in environment {
            if let Some(name) = key
                .strip_prefix(SECRET_ENV_PREFIX)
                .filter(|n| !n.is_empty())
            {
                by_name.insert(rule_key(name), SecretString::from(value));
            }
        }
        for (name, variable) in pairs {
            let value = env(variable).ok_or_else(|| {
                format!(
                    "--secret {name}={variable}: the environment variable {variable} is not set"
                )
            })?;
            by_name.insert(name.clone(), SecretString::from(value));
        }
        Ok(Self { by_name })
    }

    /// The configured value for a parameter: by exact name, else by the naming rule.
    pub fn value_for(&self, param: &Param) -> Option<String> {
        self.by_name
            .get(&param.name)
            .or_else(|| self.by_name.get(&rule_key(&param.name)))
            .map(|secret| secret.expose_secret().to_string())
    }

    /// Whether the server has a value for this parameter.
    pub fn has(&self, param: &Param) -> bool {
        self.by_name.contains_key(&param.name) || self.by_name.contains_key(&rule_key(&param.name))
    }

    /// Every configured value (to scrub from replies and records).
    pub fn values(&self) -> Vec<String> {
        self.by_name
            .values()
            .map(|secret| secret.expose_secret().to_string())
            .collect()
    }

    /// How many are configured.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// `"Login Password"` → `"LOGIN_PASSWORD"`, the part after [`SECRET_ENV_PREFIX`].
pub fn rule_key(name: &str) -> String {
    naming::slug(name).to_ascii_uppercase()
}

/// The configured secrets plus the values runs were given: everything to scrub from what is
/// shown.
#[derive(Debug, Default)]
pub struct SecretStore {
    pub configured: Secrets,
    /// Secret values runs were given (newest last), in memory only.
    remembered: Mutex<VecDeque<SecretString>>,
}

impl SecretStore {
    pub fn new(configured: Secrets) -> Self {
        Self {
            configured,
            remembered: Mutex::default(),
        }
    }

    /// Remember secret values a run was given, to scrub them from whatever this process shows
    /// later.
    pub fn remember(&self, values: &[String]) {
        if let Ok(mut remembered) = self.remembered.lock() {
            for value in values.iter().filter(|v| !v.is_empty()) {
                if !remembered.iter().any(|r| r.expose_secret() == value) {
                    remembered.push_back(SecretString::from(value.clone()));
                }
            }
            while remembered.len() > MAX_REMEMBERED_SECRETS {
                remembered.pop_front();
            }
        }
    }

    /// Every secret value to scrub from what is shown: the configured ones and those runs
    /// were given.
    pub fn values(&self) -> Vec<String> {
        let mut values = self.configured.values();
        if let Ok(remembered) = self.remembered.lock() {
            values.extend(remembered.iter().map(|s| s.expose_secret().to_string()));
        }
        values
    }
}
