//! Task parameters, whatever the provider: the typed inputs a task takes and the fields it
//! returns. Anchor's Task Builder `TaskParameter`s, parameters inferred from a code task's
//! source, and Browser Use skill parameters all become [`Param`]s, from which the per-task
//! tools are built.

pub(crate) mod inputs;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What kind of value a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    String,
    Number,
    Boolean,
    /// A string that must never be logged, stored or echoed.
    Secret,
    /// A file reference (a URL or a file id), passed as a string.
    File,
    /// A JSON object (Browser Use skills).
    Object,
    /// A JSON array (Browser Use skills).
    Array,
    /// A browser cookie for a site (Browser Use skills): sensitive, like a secret.
    Cookie,
}

impl ParamType {
    /// The provider's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::Secret => "secret",
            ParamType::File => "file",
            ParamType::Object => "object",
            ParamType::Array => "array",
            ParamType::Cookie => "cookie",
        }
    }

    /// Whether values of this type must be kept out of logs, records and results.
    pub fn is_sensitive(self) -> bool {
        matches!(self, ParamType::Secret | ParamType::Cookie)
    }
}

/// Where a task's parameter list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamsOrigin {
    /// Declared by whoever made the task (generate_task, create_task, deploy_task).
    Declared,
    /// Read off the task's code (`process.env.ANCHOR_*`): a best guess.
    Inferred,
    /// Nothing is known.
    Unknown,
}

impl ParamsOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamsOrigin::Declared => "declared",
            ParamsOrigin::Inferred => "inferred",
            ParamsOrigin::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "declared" => ParamsOrigin::Declared,
            "inferred" => ParamsOrigin::Inferred,
            _ => ParamsOrigin::Unknown,
        }
    }
}

/// One input or output parameter of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Param {
    /// The name the provider knows it by (may contain spaces: "File Name"; for code tasks
    /// the variable name without its `ANCHOR_` prefix).
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ParamType,
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Used when the caller gives no value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// The allowed values, when constrained.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

impl Param {
    /// Whether a caller must give it (required and without a default to fall back on).
    pub fn must_be_given(&self) -> bool {
        self.required && self.default.is_none()
    }
}

/// A JSON value as text: a string as itself, anything else as its JSON (`3`, `true`,
/// `["a"]`). How inputs go to APIs that take text, and how outputs are summarized.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Whether a parameter's name says it holds a secret (for parameters without a declared type,
/// such as a code task's `ANCHOR_*` inputs): such values are redacted like secrets.
pub fn looks_secret(name: &str) -> bool {
    let snake = screaming_snake(name);
    let contains = [
        "PASSWORD",
        "PASSWD",
        "PASSCODE",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "CREDENTIAL",
        "COOKIE",
    ];
    // Short markers only as whole words: "OTP" yes, "FOOTPRINT" no.
    let words = ["OTP", "PIN", "TOTP"];
    contains.iter().any(|marker| snake.contains(marker))
        || snake
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| words.contains(&word))
}

/// `maxPages` → `MAX_PAGES`, `max_pages` → `MAX_PAGES`.
pub fn screaming_snake(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if c.is_ascii_uppercase()
            && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
        {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_names() {
        for name in [
            "PASSWORD",
            "api_key",
            "SiteToken",
            "login-otp",
            "SESSION_COOKIE",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in ["URL", "MAX_PAGES", "section", "FOOTPRINT", "SPINNER"] {
            assert!(!looks_secret(name), "{name}");
        }
    }
}
